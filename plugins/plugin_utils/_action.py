# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin every module of the collection runs through.

When the controller itself is the target (a local connection: ``delegate_to: localhost``,
``connection: local`` or the implicit localhost), the module's ``TASK`` runs right here, in the
worker process Ansible forked for the task: no AnsiballZ payload, no second Python, no
``import requests`` per task. Everywhere else the module runs exactly as without this plugin.
The in-process path returns what the module would have printed, built by ``_inprocess.run_task``
with ansible-core's own argument validation and ``remove_values``.

Each task is isolated: a new client and session per task, parameters and results copied
through JSON, no change to ``os.environ``. The one thing the items of a looped task share is the
listings they read (``module_utils/_loop.py``), kept per task and host.
"""

from __future__ import annotations

import os

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible.utils.display import Display

from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import REQUESTS_IMPORT_ERROR
from ansible_collections.edgeops.cloudflare.plugins.module_utils._loop import LoopReads
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import CREDENTIAL_VARIABLES
from ansible_collections.edgeops.cloudflare.plugins.plugin_utils._inprocess import plain, run_task

display = Display()

EXECUTION_VARIABLE = "edgeops_cloudflare_execution"
EXECUTION_ENV = "EDGEOPS_CLOUDFLARE_EXECUTION"
AUTO, MODULE, IN_PROCESS = "auto", "module", "inprocess"
MODES = (AUTO, MODULE, IN_PROCESS)

# The listings the items of a looped task share, by (task uuid, host). ansible-core forks a worker
# process per host and task and runs every item of a loop in it, each with a new instance of this
# plugin: only this process-wide table outlives an item, and it never holds another task's listings.
LOOP_READS = {}


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

    def loop_reads(self, task_vars):
        """The listings this task's loop items share on this host; None for a task without a loop."""
        if task_vars.get("ansible_loop_var") is None:
            return None
        key = (self._task._uuid, task_vars.get("inventory_hostname"))
        if key not in LOOP_READS:
            LOOP_READS.clear()  # a worker runs one task for one host: anything else here is over
            LOOP_READS[key] = LoopReads()
        return LOOP_READS[key]

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
                        bool(self._task.diff), environ, self.inject_invocation(task_vars), loop_reads=self.loop_reads(task_vars))


class SecretAction(CloudflareAction):
    """Runs a module whose result holds a secret (``SECRET``: a tunnel token, a client secret), then hides it.

    A module cannot mark its own result as no_log (ansible-core drops ``_ansible_no_log`` from module
    results), and putting the secret into the module's no_log values would mask the very value it
    returns. So this action, on the controller, marks every result that holds the secret as no_log:
    callbacks print "censored" even when a task forgets ``no_log: true`` or runs at -vvv, while
    ``register`` still receives it. Failures carry no secret and stay visible; raw module output that
    could not be parsed is dropped, its reason kept. The same on both execution paths.
    """

    SECRET = None
    _supports_async = False  # an async status file on disk would hold the secret

    def module_needed(self, args):
        # A secret written to a file belongs on the target's filesystem.
        return "dest writes a file on the target" if args.get("dest") is not None else None

    def run(self, tmp=None, task_vars=None):
        result = super(SecretAction, self).run(tmp, task_vars)
        unparsed = False in (result.get("_ansible_parsed"), result.get("ansible_parsed")) or "module_stdout" in result
        if unparsed:
            # A crashed module's raw output may hold the secret: drop it, but keep the reason visible
            # (marking the result no_log would hide even the message on ansible-core 2.16).
            for raw in ("module_stdout", "module_stderr", "exception"):
                result.pop(raw, None)
            secret = self.SECRET.replace("_", " ")
            result["msg"] = "%s (raw module output hidden: it may hold the %s)" % (result.get("msg", "MODULE FAILURE"), secret)
        elif not result.get("failed") or result.get(self.SECRET) is not None:
            result["_ansible_no_log"] = True
        return result
