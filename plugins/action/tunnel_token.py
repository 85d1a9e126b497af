# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for edgeops.cloudflare.tunnel_token: runs the module, then hides its result.

A module cannot mark its own result as no_log (ansible-core drops ``_ansible_no_log`` from module
results), and putting the token into the module's no_log values would mask the very value it
returns. So this action plugin, which runs on the controller, marks every result that holds a
token as ``no_log``: callbacks print "censored" instead of the token even when a task forgets
``no_log: true`` or runs at -vvv, while ``register`` still receives the token. Failures carry no
token and stay visible, so their messages (for example a missing permission) are shown; raw
module output that could not be parsed is hidden too.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False  # an async status file on disk would hold the token

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        result.update(self._execute_module(task_vars=task_vars))
        unparsed = False in (result.get("_ansible_parsed"), result.get("ansible_parsed")) or "module_stdout" in result
        if not result.get("failed") or result.get("token") is not None or unparsed:
            result["_ansible_no_log"] = True
        self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
