# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The oldest Python the modules run on, checked before any other module_utils is compiled.

Every module imports this first. ansible-core 2.16 still starts modules on Python 2.7 and 3.6
(RHEL 8's platform Python), where the rest of module_utils is a SyntaxError; there the module
fails with this message instead. So this file stays Python 2.7 and 3.6 syntax: no annotations,
no f-strings. The same floor is in tests/config.yml (what ansible-test reads) and in the
``requirements`` of the ``edgeops.cloudflare.cloudflare`` doc fragment.
"""

import json
import sys

MINIMUM_PYTHON = (3, 9)


def floor_failure(version_info, executable):
    """The module result for a Python below the floor, or None."""
    if tuple(version_info[:2]) >= MINIMUM_PYTHON:
        return None
    return {
        "failed": True,
        "msg": ("edgeops.cloudflare modules need Python %d.%d or newer on the host that runs them; %s is Python %d.%d.%d. "
                "Set ansible_python_interpreter for that host to a newer Python (RHEL 8: dnf install python3.12), "
                "or run the task on the controller with delegate_to: localhost."
                % (MINIMUM_PYTHON + (executable or "this interpreter",) + tuple(version_info[:3]))),
    }


# As fail_json would end the module (module_utils.basic itself may not import on such a Python).
_FAILURE = floor_failure(sys.version_info, sys.executable)
if _FAILURE:
    sys.stdout.write(json.dumps(_FAILURE) + "\n")
    raise SystemExit(1)
