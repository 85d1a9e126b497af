"""meta/runtime.yml stays in step with plugins/modules.

Every module must be in the ``cloudflare`` action group (so one ``module_defaults`` entry
configures them all), and the group must name only modules that exist.
"""

import os
import re

import pytest
import yaml

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES_DIR = os.path.join(COLLECTION, 'plugins', 'modules')


def load_runtime():
    """The parsed meta/runtime.yml."""
    with open(os.path.join(COLLECTION, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def existing_modules():
    """Module names found in plugins/modules."""
    if not os.path.isdir(MODULES_DIR):
        return set()
    return {
        os.path.splitext(entry)[0]
        for entry in os.listdir(MODULES_DIR)
        if entry.endswith('.py') and entry != '__init__.py' and not entry.startswith('_')
    }


def group_members():
    """Short names listed in the cloudflare action group (FQCNs reduced to the module name)."""
    group = load_runtime()['action_groups']['cloudflare'] or []
    return [name.rsplit('.', 1)[-1] for name in group if isinstance(name, str)]


def test_requires_ansible():
    assert load_runtime()['requires_ansible'] == '>=2.16.0'


def test_action_group_is_a_list_of_names():
    group = load_runtime()['action_groups']['cloudflare']
    assert isinstance(group, list)
    for name in group:
        assert isinstance(name, str), 'only module names belong in the group, got %r' % (name,)
        assert re.match(r'^(edgeops\.cloudflare\.)?[a-z][a-z0-9_]*$', name), name


def test_action_group_has_no_duplicates():
    members = group_members()
    assert len(members) == len(set(members)), sorted(members)


def test_action_group_is_sorted():
    members = group_members()
    assert members == sorted(members), 'keep the cloudflare action group sorted'


@pytest.mark.parametrize('module', sorted(existing_modules()) or ['<none>'])
def test_every_module_is_in_the_action_group(module):
    if module == '<none>':
        assert not existing_modules()
        return
    assert module in group_members(), (
        'plugins/modules/%s.py exists but meta/runtime.yml action_groups.cloudflare does not list it' % module)


def test_action_group_lists_only_existing_modules():
    missing = sorted(set(group_members()) - existing_modules())
    assert not missing, 'meta/runtime.yml action_groups.cloudflare lists modules that do not exist: %s' % missing
