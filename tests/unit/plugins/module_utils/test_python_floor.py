"""The modules' Python floor: one number, stated where users and ansible-test read it, and a clear
failure below it instead of a SyntaxError (ansible-core 2.16 still runs modules on 2.7 and 3.6)."""

import ast
import glob
import os
import re
import sys

import pytest
import yaml

from ansible_collections.edgeops.cloudflare.plugins.module_utils._python_floor import MINIMUM_PYTHON, floor_failure

COLLECTION = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
MODULES = sorted(glob.glob(os.path.join(COLLECTION, "plugins", "modules", "*.py")))
FLOOR_FILE = os.path.join(COLLECTION, "plugins", "module_utils", "_python_floor.py")
FLOOR_IMPORT = "from ansible_collections.edgeops.cloudflare.plugins.module_utils import _python_floor"


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_below_the_floor_the_result_names_the_floor_the_interpreter_and_the_fix():
    result = floor_failure((3, 6, 8, "final", 0), "/usr/libexec/platform-python")
    assert result["failed"] is True
    assert result["msg"].startswith("edgeops.cloudflare modules need Python 3.9 or newer on the host that runs them; "
                                    "/usr/libexec/platform-python is Python 3.6.8.")
    assert "ansible_python_interpreter" in result["msg"] and "delegate_to: localhost" in result["msg"]
    assert floor_failure((2, 7, 18), "")["msg"].count("this interpreter is Python 2.7.18") == 1


@pytest.mark.parametrize("version", [MINIMUM_PYTHON + (0,), (3, 13, 1), sys.version_info])
def test_at_or_above_the_floor_nothing_happens(version):
    assert floor_failure(version, sys.executable) is None


def test_the_floor_is_the_one_ansible_test_and_the_docs_state():
    floor = "%d.%d" % MINIMUM_PYTHON
    config = yaml.safe_load(read(os.path.join(COLLECTION, "tests", "config.yml")))
    assert config["modules"]["python_requires"] == ">=" + floor
    fragment = read(os.path.join(COLLECTION, "plugins", "doc_fragments", "cloudflare.py"))
    assert "Python %s or newer on the host that runs the module" % floor in fragment
    assert "Python %s or newer" % floor in read(os.path.join(COLLECTION, "README.md"))


@pytest.mark.parametrize("path", MODULES + [FLOOR_FILE], ids=os.path.basename)
def test_compiles_on_old_pythons_up_to_the_floor_check(path):
    """What an old Python compiles before the check: no 3.7+ future import, annotation or f-string."""
    source = read(path)
    assert "from __future__ import annotations" not in source
    tree = ast.parse(source, feature_version=(3, 6))
    banned = (ast.JoinedStr, ast.AnnAssign)
    assert not [node for node in ast.walk(tree) if isinstance(node, banned)]
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            assert node.returns is None and not any(arg.annotation for arg in node.args.args)


@pytest.mark.parametrize("path", MODULES, ids=os.path.basename)
def test_every_module_imports_the_floor_before_other_module_utils(path):
    imports = [line for line in read(path).splitlines() if re.match(r"^(from|import) ", line)]
    assert imports and imports[0].startswith(FLOOR_IMPORT), imports[:2]
