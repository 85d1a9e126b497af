# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs edgeops.cloudflare.access_service_token (in-process or as a module), then hides the client secret in its
result (see SecretAction in plugins/plugin_utils/_action.py)."""

from __future__ import annotations

from ansible_collections.edgeops.cloudflare.plugins.modules.access_service_token import TASK
from ansible_collections.edgeops.cloudflare.plugins.plugin_utils._action import SecretAction


class ActionModule(SecretAction):
    TASK = TASK
    SECRET = "client_secret"
