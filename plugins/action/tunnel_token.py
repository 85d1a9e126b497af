# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for edgeops.cloudflare.tunnel_token: runs the task (in-process or as a module), then hides its result.

A module cannot mark its own result as no_log (ansible-core drops ``_ansible_no_log`` from module
results), and putting the token into the module's no_log values would mask the very value it
returns. So this action plugin, which runs on the controller, marks every result that holds a
token as ``no_log``: callbacks print "censored" instead of the token even when a task forgets
``no_log: true`` or runs at -vvv, while ``register`` still receives the token. Failures carry no
token and stay visible, so their messages (for example a missing permission) are shown; raw
module output that could not be parsed is dropped, its reason kept. The same on both execution paths.
"""

from __future__ import annotations

from ansible_collections.edgeops.cloudflare.plugins.modules.tunnel_token import TASK
from ansible_collections.edgeops.cloudflare.plugins.plugin_utils._action import CloudflareAction


class ActionModule(CloudflareAction):
    TASK = TASK
    _supports_async = False  # an async status file on disk would hold the token

    def module_needed(self, args):
        # A token written to a file belongs on the target's filesystem (an option to come).
        return "dest writes a file on the target" if args.get("dest") is not None else None

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        unparsed = False in (result.get("_ansible_parsed"), result.get("ansible_parsed")) or "module_stdout" in result
        if unparsed:
            # A crashed module's raw output may hold the token: drop it, but keep the reason visible
            # (marking the result no_log would hide even the message on ansible-core 2.16).
            for raw in ("module_stdout", "module_stderr", "exception"):
                result.pop(raw, None)
            result["msg"] = "%s (raw module output hidden: it may hold the token)" % result.get("msg", "MODULE FAILURE")
        elif not result.get("failed") or result.get("token") is not None:
            result["_ansible_no_log"] = True
        return result
