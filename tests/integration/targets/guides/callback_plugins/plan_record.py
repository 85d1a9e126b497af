# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: one JSON line per task result (play, task, action, status, diff) in $PLAN_RECORD,
so the guides target can compare what check mode predicted with what the real run did, task by task."""

from __future__ import annotations

DOCUMENTATION = r"""
name: plan_record
type: aggregate
short_description: Records each task's result for the guides integration target
description:
  - Appends one JSON line per task result to the file named by the environment variable E(PLAN_RECORD).
requirements:
  - enabled with C(ANSIBLE_CALLBACKS_ENABLED=plan_record)
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "plan_record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.play = None

    def v2_playbook_on_play_start(self, play):
        self.play = play.get_name()

    def record(self, result, status):
        outcome = result._result
        diffs = []
        for part in [outcome] + list(outcome.get("results") or []):  # a loop's items carry their own diffs
            diff = part.get("diff") if isinstance(part, dict) else None
            diffs.extend(diff if isinstance(diff, list) else [diff] if diff else [])
        entry = dict(play=self.play, task=result._task.get_name(), action=result._task.action, status=status,
                     changed=bool(outcome.get("changed")), diff=any(isinstance(d, dict) and d.get("before") != d.get("after") for d in diffs),
                     hidden="censored" in outcome,  # no_log: a result that holds a secret shows nothing
                     msg=outcome.get("msg") if status == "failed" else None)
        with open(os.environ["PLAN_RECORD"], "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")

    def v2_runner_on_ok(self, result):
        self.record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self.record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self.record(result, "skipped")
