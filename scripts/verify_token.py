"""Fallback demo: start the API emulator and verify the write token through our client.

Used by ``make demo`` while scripts/demo.sh does not exist.  Starts
``python -m tests.emulator --port 0 --port-file F`` from the repo root, imports
``CloudflareClient`` from plugins/module_utils/_api.py as Ansible would (under
``ansible_collections.edgeops.cloudflare``), calls ``GET /user/tokens/verify`` and
prints the token's id and status.  The token is read from CLOUDFLARE_API_TOKEN (default:
the emulator's write token) and is never printed.
"""

import importlib
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EMULATOR_WRITE_TOKEN = 'emulator-write-token'  # the emulator's documented default, not a real secret


def import_client():
    """Import CloudflareClient through an ansible_collections tree that points at this checkout."""
    tree = tempfile.mkdtemp(prefix='edgeops-demo-')
    namespace_dir = os.path.join(tree, 'ansible_collections', 'edgeops')
    os.makedirs(namespace_dir)
    os.symlink(ROOT, os.path.join(namespace_dir, 'cloudflare'))
    sys.path.insert(0, tree)
    module = importlib.import_module('ansible_collections.edgeops.cloudflare.plugins.module_utils._api')
    return module.CloudflareClient


def start_emulator(workdir):
    """Start the emulator on a free port; return (process, base_url)."""
    port_file = os.path.join(workdir, 'port')
    log = open(os.path.join(workdir, 'emulator.log'), 'w', encoding='utf-8')  # pylint: disable=consider-using-with
    proc = subprocess.Popen([sys.executable, '-m', 'tests.emulator', '--port', '0', '--port-file', port_file],
                            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if os.path.exists(port_file):
            with open(port_file, encoding='utf-8') as handle:
                port = handle.read().strip()
            if port:
                return proc, 'http://127.0.0.1:%s/client/v4' % port
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    proc.wait()
    with open(os.path.join(workdir, 'emulator.log'), encoding='utf-8') as handle:
        sys.stderr.write(handle.read())
    raise RuntimeError('the emulator did not start (no port file within 20 s)')


def main():
    """Run the fallback demo; exit non-zero when the token does not verify."""
    token = os.environ.get('CLOUDFLARE_API_TOKEN') or EMULATOR_WRITE_TOKEN
    client_class = import_client()
    with tempfile.TemporaryDirectory(prefix='edgeops-emulator-') as workdir:
        proc, base_url = start_emulator(workdir)
        try:
            print('emulator running at %s (pid %d)' % (base_url, proc.pid))
            client = client_class(base_url, api_token=token)
            result = client.request('GET', '/user/tokens/verify')
            status = result.get('status') if isinstance(result, dict) else None
            print('GET /user/tokens/verify -> token id %s, status %s' % (
                result.get('id') if isinstance(result, dict) else '?', status))
            if status != 'active':
                print('FAILED: the token is not active')
                return 1
            print('OK: the write token verifies against the emulator through CloudflareClient')
            return 0
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


if __name__ == '__main__':
    sys.exit(main())
