"""What the shipped documentation tells users holds for the installed collection (issue 17, points 6 and 7)."""

from __future__ import annotations

import ast
import glob
import os
import re

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PLUGIN_FILES = sorted(glob.glob(os.path.join(ROOT, "plugins", "*", "*.py")))


def doc_strings(path):
    """The documentation strings of a plugin or doc fragment file (module- or class-level upper-case constants)."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            names = [target.id for target in node.targets if isinstance(target, ast.Name)]
            if names and names[0].isupper() and names[0] != "NAME":
                yield names[0], node.value.value


def yaml_tasks(text):
    """Every task (a dict) in a YAML document of plays or tasks, blocks included."""
    def walk(items):
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            yield item
            for key in ("tasks", "pre_tasks", "post_tasks", "handlers", "block", "rescue", "always"):
                yield from walk(item.get(key))
    yield from walk(yaml.safe_load(text))


def shipped_examples():
    """(where, YAML text) of every example a user reads: plugin EXAMPLES, the guides' and the README's YAML blocks."""
    for path in PLUGIN_FILES:
        for name, text in doc_strings(path):
            if name == "EXAMPLES":
                yield os.path.relpath(path, ROOT), text
    for path in sorted(glob.glob(os.path.join(ROOT, "docs", "docsite", "rst", "*.rst"))):
        with open(path, encoding="utf-8") as handle:
            for block in re.findall(r"^\.\. code(?:-block)?:: yaml\n\n((?:(?:   .*)?\n)+)", handle.read(), re.M):
                yield os.path.relpath(path, ROOT), "\n".join(line[3:] for line in block.splitlines())
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        for block in re.findall(r"```yaml\n(.*?)```", handle.read(), re.S):
            yield "README.md", block


def test_the_examples_are_found():
    where = set(place for place, _text in shipped_examples())
    assert "plugins/lookup/tunnel_token.py" in where and "README.md" in where
    assert any(place.startswith("docs/docsite/rst/") for place in where)


@pytest.mark.parametrize("where, text", list(shipped_examples()))
def test_no_example_keeps_a_token_in_a_fact(where, text):
    """The role guide promises that tokens are never in a fact (a fact cache would store them); examples agree."""
    for task in yaml_tasks(text):
        facts = task.get("ansible.builtin.set_fact", task.get("set_fact"))
        if facts is not None:
            assert "token" not in yaml.safe_dump(facts), "%s: %s" % (where, task.get("name"))


def test_no_shipped_doc_promises_an_emulator_the_installed_collection_lacks():
    """The emulator lives in the source repository (galaxy.yml leaves it out of the built collection)."""
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        assert set(yaml.safe_load(handle)["build_ignore"]) & {"tests", "tests/emulator"}
    claims = []
    for path in PLUGIN_FILES:
        for name, text in doc_strings(path):
            for paragraph in re.split(r"\n\s*-\s|\n\s*\n", text):
                if "emulator" in paragraph.lower() and "source repository" not in paragraph:
                    claims.append("%s %s: %s" % (os.path.relpath(path, ROOT), name, " ".join(paragraph.split())))
    assert claims == []
