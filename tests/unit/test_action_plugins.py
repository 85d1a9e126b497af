"""Every module runs through the collection's action base, with its own TASK.

A module without ``plugins/action/<module>.py`` would still work, silently on the slow path only;
an argument spec with a ``fallback`` would read the controller's environment in-process. The
action plugins are read, not imported: importing controller code into the unit-test process
would change how module_utils reports the other tests' module warnings.
"""

import ast
import importlib
import os

import pytest

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = sorted(os.path.splitext(entry)[0] for entry in os.listdir(os.path.join(COLLECTION, 'plugins', 'modules'))
                 if entry.endswith('.py') and not entry.startswith('_'))
PACKAGE = 'ansible_collections.edgeops.cloudflare.plugins'


def test_there_are_modules():
    assert len(MODULES) >= 6


@pytest.mark.parametrize('name', MODULES)
def test_each_module_has_an_action_plugin_with_its_task(name):
    path = os.path.join(COLLECTION, 'plugins', 'action', name + '.py')
    assert os.path.isfile(path), 'plugins/action/%s.py is missing (copy plugins/action/cfd_tunnel.py)' % name
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    imports = {(node.module, alias.name) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert ('%s.modules.%s' % (PACKAGE, name), 'TASK') in imports
    bases = {('%s.plugin_utils._action' % PACKAGE, base) for base in ('CloudflareAction', 'SecretAction')}
    assert bases & imports
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == 'ActionModule']
    assert [base.id for base in classes[0].bases] in (['CloudflareAction'], ['SecretAction'])
    assigned = [node for node in classes[0].body if isinstance(node, ast.Assign)
                and [target.id for target in node.targets] == ['TASK']]
    assert isinstance(assigned[0].value, ast.Name) and assigned[0].value.id == 'TASK'


def fallbacks(spec, prefix=''):
    for option, settings in spec.items():
        if 'fallback' in settings:
            yield prefix + option
        yield from fallbacks(settings.get('options') or {}, prefix + option + '.')


@pytest.mark.parametrize('name', MODULES)
def test_no_option_falls_back_to_the_process_environment(name):
    module = importlib.import_module('%s.modules.%s' % (PACKAGE, name))
    assert list(fallbacks(module.TASK.argument_spec)) == []
