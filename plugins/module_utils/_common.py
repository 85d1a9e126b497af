# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks every module shares, and the error a module reports as-is. Pure: no client here."""

from __future__ import annotations

import base64
import binascii
import datetime
import os
import re

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ACCOUNT_ID_RE = re.compile(r"^[0-9a-fA-F]{32}$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
MIN_SECRET_BYTES = 32


class ModuleError(Exception):
    """A failure a module reports as-is: ``msg`` plus extra result keys."""

    def __init__(self, msg, **extra):
        super(ModuleError, self).__init__(msg)
        self.msg = msg
        self.extra = extra


def check_name(value, name):
    """A name as the API stores it: not empty, no surrounding white space, no control characters."""
    if value is None:
        return
    if not value.strip():
        raise ModuleError("%s must not be empty." % name)
    if value != value.strip():
        raise ModuleError("%s %r has leading or trailing white space; remove it (the API would store a different name)."
                          % (name, value))
    if CONTROL_RE.search(value):
        raise ModuleError("%s %r contains control characters." % (name, value))


def check_uuid(value, name):
    if value is not None and not UUID_RE.match(value):
        raise ModuleError("%s must be a UUID (like 3f6c1a2e-0b1d-4c5e-9f7a-8b9c0d1e2f3a), got %r." % (name, value))


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
