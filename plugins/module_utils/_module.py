# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The glue between a module's declaration and Ansible: one place where a module's work starts.

A module declares a :class:`Task`: its own options, their constraints, and the work (a class of
``_resource``). :func:`execute` turns validated parameters, check mode, diff mode and an
environment into a result dict, failures included, with every secret scrubbed. ``Task.main``
runs it as an Ansible module; the collection's action plugin can run the same function in the
controller's worker process.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.parameters import remove_values

from ._api import (DEFAULT_BASE_URL, RATE_LIMIT_RESERVE, REQUESTS_IMPORT_ERROR, CloudflareClient, CloudflareError,
                   permission_needed, scrub)
from ._common import ACCOUNT_ID_RE, ModuleError

CREDENTIAL_VARIABLES = ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY",
                        "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_BASE_URL")


def cloudflare_argument_spec():
    """Options shared by every module (documented in the ``edgeops.cloudflare.cloudflare`` fragment).

    ``account_id`` and ``api_base_url`` fall back to the environment in :func:`execute`, not
    through ``env_fallback``, so that the in-process path reads the task's environment.
    """
    return dict(
        api_token=dict(type="str", no_log=True),
        api_email=dict(type="str"),
        api_key=dict(type="str", no_log=True),
        account_id=dict(type="str"),
        api_base_url=dict(type="str"),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="float", default=30),
        retries=dict(type="int", default=5),
        retry_max_wait=dict(type="int", default=300),
        rate_limit_reserve=dict(type="int", default=RATE_LIMIT_RESERVE),
    )


def state_spec(**more):
    """The ``state`` option, and more options."""
    spec = dict(state=dict(type="str", default="present", choices=["present", "absent"]))
    spec.update(more)
    return spec


def object_spec(**more):
    """Options of a module that manages one object named by ``name`` or ``id`` (see NAMED), and more."""
    return state_spec(name=dict(type="str"), id=dict(type="str"), **more)


NAMED = dict(required_one_of=[["name", "id"]])  # the constraint that goes with object_spec

SHARED_CONSTRAINTS = dict(
    mutually_exclusive=[["api_token", "api_key"], ["api_token", "api_email"]],
    required_together=[["api_email", "api_key"]],
)


class Task(object):
    """What a module declares: the work and its options.

    ``work`` is a class taking ``(client, params, check_mode, diff)`` whose ``run()`` returns the
    result dict, and whose ``check(params)`` classmethod validates the input before any request.
    """

    def __init__(self, work, argument_spec, **constraints):
        self.work = work
        self.options = argument_spec
        self.own_constraints = constraints
        self.argument_spec = cloudflare_argument_spec()
        self.argument_spec.update(argument_spec)
        self.constraints = dict((key, list(value)) for key, value in SHARED_CONSTRAINTS.items())
        for key, value in constraints.items():
            self.constraints[key] = self.constraints.get(key, []) + list(value)

    def variant(self, drop=(), **options):
        """The same work with some of its own options dropped and others added (a lookup's spec)."""
        spec = dict((option, value) for option, value in self.options.items() if option not in drop)
        spec.update(options)
        return Task(self.work, spec, **self.own_constraints)

    def module(self):
        return AnsibleModule(argument_spec=self.argument_spec, supports_check_mode=True, **self.constraints)

    def main(self):
        module = self.module()
        result, secrets = execute(self, module.params, module.check_mode, module._diff)
        module.no_log_values.update(secrets)
        for warning in pop_warnings(result, module.no_log_values):
            module.warn(warning)
        if result.pop("failed", False):
            module.fail_json(**result)
        module.exit_json(**result)


def pop_warnings(result, no_log_values):
    """The result's warnings, taken out of it, without no_log values.

    ansible-core 2.19+ keeps module warnings apart from the result, where ``remove_values`` no
    longer reaches them; both execution paths scrub them here.
    """
    return [remove_values(warning, no_log_values) for warning in result.pop("warnings", [])]


def resolve_credentials(params, environ):
    """Pick the credentials: options first, then the environment; a token wins over a key.

    Explicit options always beat environment variables, so a CLOUDFLARE_API_TOKEN left in the
    environment never clashes with an ``api_email``/``api_key`` pair given to the task.
    """
    if params.get("api_token"):
        return {"api_token": params["api_token"]}
    if params.get("api_key"):
        return {"api_email": params.get("api_email"), "api_key": params["api_key"]}
    if environ.get("CLOUDFLARE_API_TOKEN"):
        return {"api_token": environ["CLOUDFLARE_API_TOKEN"]}
    if environ.get("CLOUDFLARE_API_KEY") and environ.get("CLOUDFLARE_EMAIL"):
        return {"api_email": environ["CLOUDFLARE_EMAIL"], "api_key": environ["CLOUDFLARE_API_KEY"]}
    raise ModuleError(
        "No Cloudflare credentials: set api_token (or api_email and api_key), or the environment "
        "variables CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY)."
    )


def resolve_connection(params, environ):
    """``account_id`` and ``api_base_url`` from the task, else the environment, then checked."""
    params["account_id"] = params.get("account_id") or environ.get("CLOUDFLARE_ACCOUNT_ID")
    params["api_base_url"] = params.get("api_base_url") or environ.get("CLOUDFLARE_BASE_URL") or DEFAULT_BASE_URL
    if not params["account_id"]:
        raise ModuleError("account_id is required: set it on the task (or in module_defaults) or in the "
                          "CLOUDFLARE_ACCOUNT_ID environment variable.")
    if not ACCOUNT_ID_RE.match(params["account_id"]):
        raise ModuleError("account_id must be the 32-character hexadecimal account id, got %r." % params["account_id"])
    url = urlsplit(str(params["api_base_url"]))
    if url.scheme not in ("https", "http") or not url.hostname:
        raise ModuleError("api_base_url must be an http(s) URL with a host, like %s; got %r."
                          % (DEFAULT_BASE_URL, params["api_base_url"]))
    if params["timeout"] <= 0:
        raise ModuleError("timeout must be greater than 0.")
    for name in ("retries", "retry_max_wait"):
        if params[name] < 0:
            raise ModuleError("%s must not be negative." % name)
    if not 0 <= params["rate_limit_reserve"] < 100:
        raise ModuleError("rate_limit_reserve must be a percentage from 0 to 99, got %s." % params["rate_limit_reserve"])


def new_client(params, credentials):
    return CloudflareClient(
        base_url=params["api_base_url"], timeout=params["timeout"], retries=params["retries"],
        retry_max_wait=params["retry_max_wait"], validate_certs=params["validate_certs"],
        ca_path=params["ca_path"], rate_limit_reserve=params["rate_limit_reserve"], **credentials)


def explain(exc, params):
    """A Cloudflare error with advice: a 403 names the permission the failed call needs."""
    if exc.status == 403 and not exc.hint:
        return exc.with_hint("The API token has no access to account %s, or lacks the %s permission"
                             % (params["account_id"], permission_needed(exc.method, exc.path)))
    return exc


def execute(task, params, check_mode=False, diff=False, environ=None, loop_reads=None):
    """Run a task's work on validated parameters; returns (result, secret values to hide).

    Never raises for a failure the user can act on: it comes back as ``failed`` with ``msg`` and,
    for API errors, the structured ``failure``. Every secret (credentials, secrets the task gave
    or generated) is scrubbed from the result in every form it could take in a message.
    ``loop_reads`` (``_loop.LoopReads``) are the listings the items of a looped task share; only the
    in-process path has them.
    """
    environ = os.environ if environ is None else environ
    params = dict(params)
    secrets = set(value for value in (params.get("api_token"), params.get("api_key")) if value)
    work = client = None
    try:
        if REQUESTS_IMPORT_ERROR:
            return dict(failed=True, msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR), secrets
        resolve_connection(params, environ)
        params = task.work.check(params)  # the canonical form, from here on
        credentials = resolve_credentials(params, environ)
        secrets.update(value for key, value in credentials.items() if key != "api_email" and value)
        client = new_client(params, credentials)
        if loop_reads is not None:
            client.loop_reads = loop_reads
            client.budget = loop_reads.budget(client)
        try:
            work = task.work(client, params, check_mode, diff)
            result = work.run()
        finally:
            client.session.close()  # the in-process path runs many tasks in one process
    except ModuleError as exc:
        result = dict(exc.extra, failed=True, msg=exc.msg)
    except CloudflareError as exc:
        exc = explain(exc, params)
        result = dict(failed=True, msg=str(exc), failure=exc.to_dict())
    if loop_reads is not None and result.get("failed"):
        loop_reads.forget()  # a failed item may have written what the shared listings do not show
    if work is not None:
        secrets.update(work.secrets)
        if result.get("failed"):
            # A failure keeps the warnings the work gave before it (a lost response recovered, say).
            result["warnings"] = list(work.warnings) + [w for w in result.get("warnings", []) if w not in work.warnings]
    if client is not None and client.notices:  # long waits for the API's rate limit are never silent
        result["warnings"] = result.get("warnings", []) + client.notices
    return scrub(result, sorted(secrets)), secrets
