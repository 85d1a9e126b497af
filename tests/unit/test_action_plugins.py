"""Every module runs through the collection's action base, with its own TASK.

A module without ``plugins/action/<module>.py`` would still work, silently on the slow path only;
an argument spec with a ``fallback`` would read the controller's environment in-process.
"""

import importlib
import os

import pytest

from ansible_collections.edgeops.cloudflare.plugins.plugin_utils._action import CloudflareAction

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = sorted(os.path.splitext(entry)[0] for entry in os.listdir(os.path.join(COLLECTION, 'plugins', 'modules'))
                 if entry.endswith('.py') and not entry.startswith('_'))
PACKAGE = 'ansible_collections.edgeops.cloudflare.plugins'


def test_there_are_modules():
    assert len(MODULES) >= 6


@pytest.mark.parametrize('name', MODULES)
def test_each_module_has_an_action_plugin_with_its_task(name):
    module = importlib.import_module('%s.modules.%s' % (PACKAGE, name))
    action = importlib.import_module('%s.action.%s' % (PACKAGE, name))
    assert issubclass(action.ActionModule, CloudflareAction)
    assert action.ActionModule.TASK is module.TASK


def fallbacks(spec, prefix=''):
    for option, settings in spec.items():
        if 'fallback' in settings:
            yield prefix + option
        yield from fallbacks(settings.get('options') or {}, prefix + option + '.')


@pytest.mark.parametrize('name', MODULES)
def test_no_option_falls_back_to_the_process_environment(name):
    module = importlib.import_module('%s.modules.%s' % (PACKAGE, name))
    assert list(fallbacks(module.TASK.argument_spec)) == []
