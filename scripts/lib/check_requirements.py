"""Tell whether every requirement in the given files is already installed.

Used by scripts/bootstrap.sh so that a warm bootstrap skips pip entirely.
Exit status 0: all satisfied; 1: something is missing or has the wrong version
(the unsatisfied requirements are printed); 2: the check itself could not run.
"""

import sys
from importlib import metadata

try:
    from packaging.requirements import InvalidRequirement, Requirement
except ImportError:  # packaging not installed yet: let pip do the work
    sys.exit(2)


def requirement_lines(path):
    """Yield the requirement strings of one requirements file (no options, no comments)."""
    with open(path, encoding='utf-8') as handle:
        for line in handle:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                yield line


def unsatisfied(paths):
    """Return the requirements from paths that the running Python does not satisfy."""
    missing = []
    for path in paths:
        for line in requirement_lines(path):
            try:
                req = Requirement(line)
            except InvalidRequirement:
                missing.append(line + ' (unparsable)')
                continue
            if req.marker is not None and not req.marker.evaluate():
                continue
            try:
                version = metadata.version(req.name)
            except metadata.PackageNotFoundError:
                missing.append(line + ' (not installed)')
                continue
            if req.specifier and not req.specifier.contains(version, prereleases=True):
                missing.append('%s (have %s)' % (line, version))
    return missing


def main():
    """Check the requirement files named on the command line."""
    missing = unsatisfied(sys.argv[1:])
    for line in missing:
        print('unsatisfied: ' + line)
    sys.exit(1 if missing else 0)


if __name__ == '__main__':
    main()
