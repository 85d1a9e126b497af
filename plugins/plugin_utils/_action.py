# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin every module of the collection runs through.

When the controller itself is the target (a local connection: ``delegate_to: localhost``,
``connection: local`` or the implicit localhost), the module's ``TASK`` runs right here, in the
worker process Ansible forked for the task: no AnsiballZ payload, no second Python, no
``import requests`` per task. Everywhere else the module runs exactly as without this plugin.
The in-process path returns what the module would have printed, built by :func:`run_task`
with ansible-core's own argument validation and ``remove_values``.

Each task is isolated: a new client and session per task, parameters and results copied
through JSON, no change to ``os.environ`` or any module-level state.
"""

from __future__ import annotations

import json
import os

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase
from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible.utils.display import Display

from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import REQUESTS_IMPORT_ERROR
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import CREDENTIAL_VARIABLES, execute, pop_warnings

try:  # ansible-core 2.19+: the encoder the module path sends arguments with
    from ansible.module_utils.common.json import Direction, get_module_encoder
    ARGS_ENCODER = get_module_encoder("legacy", Direction.CONTROLLER_TO_MODULE)
    ARGS_ENCODER_OPTIONS = {}
except ImportError:  # ansible-core 2.16-2.18
    from ansible.module_utils.common.json import AnsibleJSONEncoder as ARGS_ENCODER
    ARGS_ENCODER_OPTIONS = {"vault_to_text": True}

display = Display()

EXECUTION_VARIABLE = "edgeops_cloudflare_execution"
EXECUTION_ENV = "EDGEOPS_CLOUDFLARE_EXECUTION"
AUTO, MODULE, IN_PROCESS = "auto", "module", "inprocess"
MODES = (AUTO, MODULE, IN_PROCESS)


def plain(value):
    """``value`` as a module receives it: through JSON (vaulted and unsafe strings become str)."""
    return json.loads(json.dumps(value, cls=ARGS_ENCODER, **ARGS_ENCODER_OPTIONS))


def _json_default(value):
    if isinstance(value, (set, frozenset)):
        return list(value)
    raise TypeError("%r is not JSON serializable" % (value,))


def deprecation(item):
    """A deprecation as module_utils' ``deprecate()`` records it: a date or a version."""
    when = ("date", item["date"]) if item.get("date") is not None else ("version", item.get("version"))
    return dict([("msg", item["msg"]), when, ("collection_name", item.get("collection_name"))])


def module_output(result, params, no_log_values, warnings, deprecations, inject_invocation):
    """What AnsibleModule's exit_json/fail_json prints for ``result`` (``_return_formatted``)."""
    if inject_invocation and "invocation" not in result:
        result["invocation"] = {"module_args": params}
    if warnings:
        result["warnings"] = warnings
    if deprecations:
        result["deprecations"] = deprecations
    preserved = dict((key, value) for key, value in result.items() if value is None or isinstance(value, bool))
    result = remove_values(result, no_log_values)
    result.update(preserved)
    return json.loads(json.dumps(result, default=_json_default))


def run_task(task, module_name, args, check_mode=False, diff=False, environ=None, inject_invocation=True):
    """Run a module's ``TASK`` on raw task arguments; returns what the module would print.

    Validation is ansible-core's ArgumentSpecValidator with the task's spec and constraints,
    with AnsibleModule's messages; then :func:`execute` and ``Task.main``'s handling of its
    result (warnings, failure), then ``_return_formatted``'s invocation and no_log scrubbing.
    """
    validation = ArgumentSpecValidator(task.argument_spec, **task.constraints).validate(args)
    params = validation.validated_parameters
    no_log_values = set(validation._no_log_values)
    deprecations = [deprecation(item) for item in validation._deprecations]
    warnings = ["Both option {option} and its alias {alias} are set.".format(**item) for item in validation._warnings]
    try:
        error = validation.errors[0]
    except IndexError:
        error = None
    if error:
        msg = validation.errors.msg
        if isinstance(error, UnsupportedError):
            msg = "Unsupported parameters for ({name}) {kind}: {msg}".format(name=module_name, kind="module", msg=msg)
        result = dict(failed=True, msg=msg)
    else:
        result, secrets = execute(task, params, check_mode, diff, environ)
        no_log_values.update(secrets)
        warnings.extend(pop_warnings(result, no_log_values))
        if result.pop("failed", False):
            result.update(failed=True, msg=str(result["msg"]))
    return module_output(result, params, no_log_values, warnings, deprecations, inject_invocation)


class CloudflareAction(NormalAction):
    """Runs ``TASK`` in-process when the controller is the target, else the module as usual.

    Subclasses set ``TASK`` (the module's) and may override :meth:`module_needed` for options
    that make a task need the target (a file written there, for instance).
    """

    TASK = None
    _supports_check_mode = True
    _supports_async = True  # an async task runs as a module, as it always did

    def module_needed(self, args):
        """Why these task arguments need the module on the target; None when they do not."""
        return None

    def execution_mode(self, task_vars):
        value = task_vars.get(EXECUTION_VARIABLE)
        source = "variable %s" % EXECUTION_VARIABLE
        if value is None:
            value, source = os.environ.get(EXECUTION_ENV) or AUTO, "environment variable %s" % EXECUTION_ENV
        mode = to_text(self._templar.template(value)).strip().lower()
        if mode not in MODES:
            raise AnsibleActionFail("%s must be one of %s, got %r." % (source, ", ".join(MODES), value))
        return mode, source

    def task_environment(self):
        """The environment a module would run in on this controller: ours plus the task's."""
        task_environment = {}
        self._compute_environment_string(task_environment)
        return dict((to_text(key), to_text(value)) for key, value in task_environment.items())

    def controller_obstacle(self):
        """Why this process cannot run the task for its target; None when it can."""
        transport = getattr(self._connection, "transport", None)
        if transport != "local":
            return "it targets %s over the %s connection, not the controller" % (self._play_context.remote_addr, transport)
        if REQUESTS_IMPORT_ERROR:
            return "the controller's Python cannot import requests"
        return None

    def task_obstacle(self, task_environment):
        """Why the task itself needs a module run (even when in-process is forced); None when not."""
        if self._play_context.become:
            return "it asks for become"
        if self._task.async_val:
            return "it runs async"
        for key, value in sorted(task_environment.items()):
            if key not in CREDENTIAL_VARIABLES and os.environ.get(key) != value:
                return "its environment sets %s (only %s can be given to a task in-process)" % (
                    key, ", ".join(CREDENTIAL_VARIABLES))
        return self.module_needed(self._task.args)

    def inject_invocation(self, task_vars):
        # ansible-core 2.21 reports invocation only when INJECT_INVOCATION is on; before, always.
        if C.config.get_configuration_definition("INJECT_INVOCATION") is None:
            return True
        return bool(C.config.get_config_value("INJECT_INVOCATION", variables=task_vars))

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        ActionBase.run(self, tmp, task_vars)  # refuses async or check mode where unsupported, on every path
        mode, source = self.execution_mode(task_vars)
        environment = self.task_environment()
        obstacle = "forced by %s" % source if mode == MODULE else self.task_obstacle(environment)
        if not obstacle:
            obstacle = self.controller_obstacle()
            if obstacle and mode == IN_PROCESS:
                raise AnsibleActionFail("%s forces the in-process path, but this task cannot run in the controller's process: %s."
                                        % (source, obstacle))
        if obstacle:
            display.vvv("%s runs as a module: %s" % (self._task.action, obstacle), host=self._play_context.remote_addr)
            return super(CloudflareAction, self).run(tmp, task_vars)
        display.vvv("%s runs in the controller's worker process" % self._task.action, host=self._play_context.remote_addr)
        environ = dict(os.environ)
        environ.update(environment)
        return run_task(self.TASK, self._task.action, plain(self._task.args), bool(self._task.check_mode),
                        bool(self._task.diff), environ, self.inject_invocation(task_vars))
