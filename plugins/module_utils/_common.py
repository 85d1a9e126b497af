# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module of this collection shares: options, input checks, client, error reporting."""

from __future__ import annotations

import base64
import binascii
import datetime
import os
import re

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ._api import (
    DEFAULT_BASE_URL,
    REQUESTS_IMPORT_ERROR,
    CloudflareClient,
    CloudflareError,
)

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ACCOUNT_ID_RE = re.compile(r"^[0-9a-fA-F]{32}$")
MIN_SECRET_BYTES = 32


class ModuleError(Exception):
    """A failure a module reports as-is: ``msg`` plus extra result keys."""

    def __init__(self, msg, **extra):
        super(ModuleError, self).__init__(msg)
        self.msg = msg
        self.extra = extra


def cloudflare_argument_spec():
    """Options shared by every module (documented in the ``edgeops.cloudflare.cloudflare`` fragment)."""
    return dict(
        api_token=dict(type="str", no_log=True),
        api_email=dict(type="str"),
        api_key=dict(type="str", no_log=True),
        account_id=dict(type="str", required=True, fallback=(env_fallback, ["CLOUDFLARE_ACCOUNT_ID"])),
        api_base_url=dict(type="str", default=DEFAULT_BASE_URL, fallback=(env_fallback, ["CLOUDFLARE_BASE_URL"])),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="float", default=30),
        retries=dict(type="int", default=5),
        retry_max_wait=dict(type="int", default=300),
    )


class CloudflareModule(AnsibleModule):
    """AnsibleModule with the shared options, their constraints and check mode."""

    def __init__(self, argument_spec, mutually_exclusive=None, required_together=None, **kwargs):
        spec = cloudflare_argument_spec()
        spec.update(argument_spec)
        kwargs.setdefault("supports_check_mode", True)
        super(CloudflareModule, self).__init__(
            argument_spec=spec,
            mutually_exclusive=[["api_token", "api_key"], ["api_token", "api_email"]] + list(mutually_exclusive or []),
            required_together=[["api_email", "api_key"]] + list(required_together or []),
            **kwargs
        )


def resolve_credentials(params, environ=None):
    """Pick the credentials: options first, then the environment; a token wins over a key.

    Explicit options always beat environment variables, so a CLOUDFLARE_API_TOKEN left in the
    environment never clashes with an ``api_email``/``api_key`` pair given to the task.
    """
    environ = os.environ if environ is None else environ
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


def check_common(params):
    """Validate the shared options before any request is sent."""
    if not ACCOUNT_ID_RE.match(params["account_id"] or ""):
        raise ModuleError("account_id must be the 32-character hexadecimal account id, got %r." % params["account_id"])
    for name in ("timeout",):
        if params[name] <= 0:
            raise ModuleError("%s must be greater than 0." % name)
    for name in ("retries", "retry_max_wait"):
        if params[name] < 0:
            raise ModuleError("%s must not be negative." % name)
    if not str(params["api_base_url"]).startswith(("https://", "http://")):
        raise ModuleError("api_base_url must be an http(s) URL, got %r." % params["api_base_url"])


def check_uuid(value, name):
    if value is not None and not UUID_RE.match(value):
        raise ModuleError("%s must be a UUID (like 3f6c1a2e-0b1d-4c5e-9f7a-8b9c0d1e2f3a), got %r." % (name, value))


def check_not_empty(value, name):
    if value is not None and not value.strip():
        raise ModuleError("%s must not be empty." % name)


def check_timestamp(value, name):
    """An ISO 8601 date-time, as the API's time filters take."""
    if value is None:
        return
    try:
        datetime.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        raise ModuleError("%s must be an ISO 8601 date-time like 2026-11-01T12:00:00Z, got %r." % (name, value))


def check_tunnel_secret(value, name="tunnel_secret"):
    """A tunnel secret is standard base64 of at least 32 bytes. Never echoes the value."""
    if value is None:
        return
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ModuleError("%s must be base64 (standard alphabet, padded) of at least %d random bytes; "
                          "the value given is not valid base64." % (name, MIN_SECRET_BYTES))
    if len(raw) < MIN_SECRET_BYTES:
        raise ModuleError("%s must be base64 of at least %d random bytes; the value given decodes to %d bytes. "
                          "Generate one with: openssl rand -base64 32" % (name, MIN_SECRET_BYTES, len(raw)))


def new_tunnel_secret():
    return base64.b64encode(os.urandom(MIN_SECRET_BYTES)).decode("ascii")


def client_for(module, credentials):
    params = module.params
    for secret in credentials.values():
        if secret:
            module.no_log_values.add(secret)
    kwargs = dict(
        base_url=params["api_base_url"],
        timeout=params["timeout"],
        retries=params["retries"],
        retry_max_wait=params["retry_max_wait"],
        validate_certs=params["validate_certs"],
        ca_path=params["ca_path"],
    )
    kwargs.update(credentials)
    return CloudflareClient(**kwargs)


def run_module(module, action, checks=None):
    """Validate, build the client, run ``action(client)`` and exit with its result.

    The one place where errors become ``fail_json``: Cloudflare errors keep their codes in
    ``failure``; module errors keep their extra keys.
    """
    if REQUESTS_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    try:
        check_common(module.params)
        if checks:
            checks(module.params)
        credentials = resolve_credentials(module.params)
        client = client_for(module, credentials)
        result = action(client)
    except ModuleError as exc:
        module.fail_json(msg=exc.msg, **exc.extra)
    except CloudflareError as exc:
        module.fail_json(msg=str(exc), failure=exc.to_dict())
    for warning in result.pop("warnings", []):
        module.warn(warning)
    module.exit_json(**result)
