# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs edgeops.cloudflare.tunnel_token (in-process or as a module), then hides the token in its result
(see SecretAction in plugins/plugin_utils/_action.py)."""

from __future__ import annotations

from ansible_collections.edgeops.cloudflare.plugins.modules.tunnel_token import TASK
from ansible_collections.edgeops.cloudflare.plugins.plugin_utils._action import SecretAction


class ActionModule(SecretAction):
    TASK = TASK
    SECRET = "token"
