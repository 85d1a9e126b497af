# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only action: one HTTP call to the Cloudflare API emulator, from the controller's process.

The integration targets arrange and observe the emulator with it (reset, the request log, faults,
connectors, settings, zones, state; any control, as method + path + body) and, with ``api: true``,
call the emulated API the way cloudflared or a person with the token would. ansible.builtin.uri
uploads and runs a module for every call (1.5-2.2 s each); this runs where the task is templated.

setup_emulator/emulator.sh puts this folder on ANSIBLE_ACTION_PLUGINS, so every target's tasks use it
as ``emulator``. The result has uri's shape (``status``, ``json``), so ``result.json.requests`` reads
the request log. It runs in check mode too: it arranges the test, it is not what is tested.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request

from ansible.plugins.action import ActionBase

ARGUMENTS = dict(
    path=dict(type="str", required=True),
    method=dict(type="str", default="GET", choices=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    body=dict(type="raw"),
    query=dict(type="dict"),
    api=dict(type="bool", default=False),
)


def environ(name):
    value = os.environ.get(name)
    if not value:
        raise ValueError("%s is not set: source setup_emulator/emulator.sh first" % name)
    return value


def call(method, url, body, headers, timeout=30):
    """(status, decoded body) of one request; an HTTP error status is an answer, not an exception."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    headers = dict(headers)
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text.decode("utf-8", "replace")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENTS)
        headers = {}
        try:
            if args["api"]:
                root = environ("CLOUDFLARE_BASE_URL")
                headers["Authorization"] = "Bearer " + environ("CLOUDFLARE_API_TOKEN")
            else:
                root = environ("EMULATOR_ROOT") + "/_emulator"
        except ValueError as error:
            return dict(result, failed=True, msg=str(error))
        url = root + "/" + args["path"].lstrip("/")
        if args["query"]:
            url += "?" + urllib.parse.urlencode(args["query"], doseq=True)
        try:
            status, answer = call(args["method"], url, args["body"], headers)
        except OSError as error:  # URLError and timeouts too
            return dict(result, failed=True, msg="%s %s: %s" % (args["method"], url, error))
        result.update(changed=False, method=args["method"], url=url, status=status, json=answer)
        if status != 200:  # a task expecting a refusal says so with failed_when on result.status
            result.update(failed=True, msg="%s %s answered HTTP %s: %s" % (args["method"], url, status, answer))
        return result
