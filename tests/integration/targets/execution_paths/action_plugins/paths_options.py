# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's action base for the test-only paths_options module (in ../library)."""

from __future__ import annotations

import importlib.util
import os

from ansible_collections.edgeops.cloudflare.plugins.plugin_utils._action import CloudflareAction

LIBRARY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "library", "paths_options.py")
SPEC = importlib.util.spec_from_file_location("paths_options_module", LIBRARY)
MODULE = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(MODULE)


class ActionModule(CloudflareAction):
    TASK = MODULE.TASK
