# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs edgeops.cloudflare.access_policy in the controller's worker process when it can (see plugin_utils/_action.py)."""

from __future__ import annotations

from ansible_collections.edgeops.cloudflare.plugins.modules.access_policy import TASK
from ansible_collections.edgeops.cloudflare.plugins.plugin_utils._action import CloudflareAction


class ActionModule(CloudflareAction):
    TASK = TASK
