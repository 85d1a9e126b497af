# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input forms every module shares, and the error a module reports as-is. Pure: no client here.

A *form* takes a task's value and the option's name, and returns the value in its canonical form
(the form that is compared, sent and shown), or raises :class:`ModuleError` naming the option.
Declarations map options to forms (``Work.forms``); the layer applies them once, before any request.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import ipaddress
import os
import re

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ACCOUNT_ID_RE = re.compile(r"^[0-9a-fA-F]{32}$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
MIN_SECRET_BYTES = 32
HOSTNAME_LABEL_RE = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
MAX_HOSTNAME = 253


class ModuleError(Exception):
    """A failure a module reports as-is: ``msg`` plus extra result keys."""

    def __init__(self, msg, **extra):
        super(ModuleError, self).__init__(msg)
        self.msg = msg
        self.extra = extra


def name(value, option, limit=None):
    """A name as the API stores it: not empty, no surrounding white space or control characters."""
    if not value.strip():
        raise ModuleError("%s must not be empty." % option)
    if value != value.strip():
        raise ModuleError("%s %r has leading or trailing white space; remove it (the API would store a different name)."
                          % (option, value))
    if CONTROL_RE.search(value):
        raise ModuleError("%s %r contains control characters." % (option, value))
    return text(value, option, limit)


def text(value, option, limit=None):
    """Free text (a comment): at most ``limit`` characters when the API documents a limit."""
    if limit is not None and len(value) > limit:
        raise ModuleError("%s is %d characters long; the API takes at most %d." % (option, len(value), limit))
    return value


def limited(form, limit):
    """``form`` with the API's documented length limit."""
    return lambda value, option: form(value, option, limit)


def uuid(value, option):
    """A UUID, lower-case as the API returns ids."""
    if not UUID_RE.match(value.strip()):
        raise ModuleError("%s must be a UUID (like 3f6c1a2e-0b1d-4c5e-9f7a-8b9c0d1e2f3a), got %r." % (option, value))
    return value.strip().lower()


def name_or_uuid(value, option):
    """An option that names another object by name or by id (``tunnel: web``)."""
    return uuid(value, option) if UUID_RE.match(value.strip()) else name(value, option)


def timestamp(value, option):
    """An ISO 8601 date-time, as the API's time filters take it."""
    try:
        datetime.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        raise ModuleError("%s must be an ISO 8601 date-time like 2026-11-01T12:00:00Z, got %r." % (option, value))
    return value


def tunnel_secret(value, option):
    """A tunnel secret is standard base64 of at least 32 bytes. Never echoes the value."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ModuleError("%s must be base64 (standard alphabet, padded) of at least %d random bytes; "
                          "the value given is not valid base64." % (option, MIN_SECRET_BYTES))
    if len(raw) < MIN_SECRET_BYTES:
        raise ModuleError("%s must be base64 of at least %d random bytes; the value given decodes to %d bytes. "
                          "Generate one with: openssl rand -base64 32" % (option, MIN_SECRET_BYTES, len(raw)))
    return value


def new_tunnel_secret():
    return base64.b64encode(os.urandom(MIN_SECRET_BYTES)).decode("ascii")


# ---- addresses and hostnames --------------------------------------------------------------

def ip_network(value, option):
    """An IPv4 or IPv6 network as Cloudflare stores it: host bits masked, IPv6 compressed and
    lower-case; a bare address is a /32 or /128. A zone id (``fe80::1%eth0``) names no network."""
    return str(parse_ip_network(value, option))


def parse_ip_network(value, option):
    text_value = str(value).strip()
    try:
        network = ipaddress.ip_network(text_value, strict=False)
    except ValueError:
        network = None
    if network is None or "%" in text_value:
        raise ModuleError("%s must be an IPv4 or IPv6 network in CIDR form like 10.0.0.0/24 or 2001:db8::/48 "
                          "(without a zone id), got %r." % (option, value))
    return network


def host_bits_set(value):
    """Whether a network as given has host bits set (``10.1.2.3/16``)."""
    given = str(value).strip()
    return "/" in given and ipaddress.ip_address(given.split("/", 1)[0]) != parse_ip_network(given, "network").network_address


def ip_address(value, option):
    """One IPv4 or IPv6 address, as the API takes it (no prefix length, no zone id)."""
    given = str(value).strip()
    try:
        address = ipaddress.ip_address(given)
    except ValueError:
        address = None
    if address is None or "%" in given:
        raise ModuleError("%s must be one IPv4 or IPv6 address like 10.0.0.1 (no prefix length, no zone id), got %r."
                          % (option, value))
    return str(address)


def normalise_hostname(value):
    """The one hostname normaliser: white space and outer dots trimmed, lower-case."""
    return str(value or "").strip().strip(".").lower()


def hostname(value, option, min_labels=1, limit=MAX_HOSTNAME):
    """A DNS hostname, normalised: labels of letters, digits, - and _, at most ``limit`` characters,
    optionally a ``*`` as the whole leading label; no scheme, port or path."""
    normal = normalise_hostname(value)
    if not normal:
        raise ModuleError("%s must not be empty." % option)
    if ":" in normal or "/" in normal:
        raise ModuleError("%s %r must be a bare hostname, without scheme, port or path." % (option, value))
    labels = normal.split(".")
    if labels[0] == "*":
        labels = labels[1:]
    if "*" in ".".join(labels):
        raise ModuleError("%s %r: a wildcard is allowed once, only as the whole leading label (like *.example.com)."
                          % (option, value))
    if len(normal) > limit or len(labels) < min_labels or not all(HOSTNAME_LABEL_RE.match(label) for label in labels):
        raise ModuleError("%s %r is not a valid hostname (labels of letters, digits, - and _, at most %d characters%s)."
                          % (option, value, limit, ", at least %d labels" % min_labels if min_labels > 1 else ""))
    return normal
