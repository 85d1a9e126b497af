# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's TASK run in this process, returning what the module would print.

Only module_utils code here, no controller code: importing the controller (``ansible._internal``)
makes module_utils send warnings to the display instead of the result, so tests can run this next
to real modules. The action base (``_action.py``) decides when to use it.
"""

from __future__ import annotations

import json

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import execute, pop_warnings

try:  # ansible-core 2.19+: the encoder the module path sends arguments with
    from ansible.module_utils.common.json import Direction, get_module_encoder
    ARGS_ENCODER = get_module_encoder("legacy", Direction.CONTROLLER_TO_MODULE)
    ARGS_ENCODER_OPTIONS = {}
except ImportError:  # ansible-core 2.16-2.18
    from ansible.module_utils.common.json import AnsibleJSONEncoder as ARGS_ENCODER
    ARGS_ENCODER_OPTIONS = {"vault_to_text": True}


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


def run_task(task, module_name, args, check_mode=False, diff=False, environ=None, inject_invocation=True, kind="module",
             loop_reads=None):
    """Run a module's ``TASK`` on raw task arguments; returns what the module would print.

    Validation is ansible-core's ArgumentSpecValidator with the task's spec and constraints,
    with AnsibleModule's messages; then :func:`execute` and ``Task.main``'s handling of its
    result (warnings, failure), then ``_return_formatted``'s invocation and no_log scrubbing.
    ``loop_reads`` are the listings the items of a looped task share (``_loop``).
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
            msg = "Unsupported parameters for ({name}) {kind}: {msg}".format(name=module_name, kind=kind, msg=msg)
        result = dict(failed=True, msg=msg)
    else:
        result, secrets = execute(task, params, check_mode, diff, environ, loop_reads)
        no_log_values.update(secrets)
        warnings.extend(pop_warnings(result, no_log_values))
        if result.pop("failed", False):
            result.update(failed=True, msg=str(result["msg"]))
    return module_output(result, params, no_log_values, warnings, deprecations, inject_invocation)
