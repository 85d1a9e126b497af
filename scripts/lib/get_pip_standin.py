"""Offline stand-in for the get-pip.py script that ansible-test downloads.

ansible-test bootstraps pip into each virtual environment it creates by running a
cached copy of get-pip.py (``~/.ansible/test/cache/get_pip_<version>.py``).  The host
it downloads that script from is not reachable here, so scripts/bootstrap.sh copies
this file into the cache instead.  It installs pip with the standard library's
ensurepip, then lets that pip install the exact packages ansible-test asked for.
"""

import subprocess
import sys

IGNORED = ('--no-setuptools', '--no-wheel')


def main():
    """Install pip with ensurepip, then the requested packages with pip."""
    args = [arg for arg in sys.argv[1:] if arg not in IGNORED]
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'])
    if args:
        subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args)


if __name__ == '__main__':
    main()
