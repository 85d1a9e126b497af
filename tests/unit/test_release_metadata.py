"""Metadata that ansible-builder, Galaxy and the role's consumers read stays consistent."""

import os
import re

import yaml

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read(*parts):
    with open(os.path.join(COLLECTION, *parts), encoding="utf-8") as handle:
        return handle.read()


def requirement_lines(text):
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_the_execution_environment_python_file_resolves_from_both_readers():
    """ansible-builder reads dependencies.python relative to the collection root for a collection,
    relative to meta/ for `ansible-builder create -f meta/execution-environment.yml`."""
    definition = yaml.safe_load(read("meta", "execution-environment.yml"))
    python = definition["dependencies"]["python"]
    assert requirement_lines(read(python)) == requirement_lines(read("meta", python))
    assert requirement_lines(read(python)) == ["requests>=2.25"]


def test_the_role_needs_the_ansible_core_the_collection_needs():
    requires = yaml.safe_load(read("meta", "runtime.yml"))["requires_ansible"]
    role = yaml.safe_load(read("roles", "cloudflared", "meta", "main.yml"))["galaxy_info"]
    assert re.match(r"^>=(\d+\.\d+)", requires).group(1) == str(role["min_ansible_version"])


def test_the_role_readme_lists_exactly_the_roles_variables():
    """Galaxy shows roles/cloudflared/README.md; its table follows meta/argument_specs.yml."""
    specs = yaml.safe_load(read("roles", "cloudflared", "meta", "argument_specs.yml"))["argument_specs"]["main"]["options"]
    listed = re.findall(r"^\| `(cloudflared_[a-z0-9_]+)` \|", read("roles", "cloudflared", "README.md"), re.M)
    assert listed == list(specs)
