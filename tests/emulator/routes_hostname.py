"""Hostname routes (/zerotrust/routes/hostname, reference §6.8): private hostnames through a tunnel."""

import re
import uuid

from flask import Blueprint, request

from . import errors
from .api import bool_arg, field, json_body, ok, paged, require_write, state, time_arg
from .routes_teamnet import existed_then, uuid_value
from .state import iso, now

bp = Blueprint("hostname_routes", __name__)

ROUTES = "/accounts/<account_id>/zerotrust/routes/hostname"
PER_PAGE_DEFAULT = 20
PER_PAGE_MAX = 1000
MAX_LENGTH = 254  # "under 255 characters"
LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


def normalise_hostname(value):
    """The hostname as Cloudflare stores it, or a 400 saying what is wrong.

    Documented (§6.8): leading and trailing dots are trimmed; one wildcard at most, only as the
    whole leading label, and `*.a.b` is stored as `a.b`; under 255 characters. Lower case and
    the label syntax (letters, digits, `-`, `_`; no port, no spaces, ASCII only) are this
    emulator's choice: host names are case-insensitive and the reference is silent.
    """
    if not isinstance(value, str):
        raise errors.bad_request("field 'hostname' must be a string")
    host = value.strip(".").lower()
    if host == "*" or host.startswith("*."):
        host = host[2:]
    if not host:
        raise errors.bad_request("hostname '%s' is empty" % value)
    if "*" in host:
        raise errors.bad_request("hostname '%s': a wildcard is allowed only once, as the whole first label" % value)
    if ":" in host:
        raise errors.bad_request("hostname '%s' must not carry a port" % value)
    if not host.isascii():
        raise errors.bad_request("hostname '%s' must be ASCII (use the punycode form)" % value)
    if len(host) > MAX_LENGTH:
        raise errors.bad_request("hostname '%s' is longer than %d characters" % (value, MAX_LENGTH))
    if not all(LABEL.match(label) for label in host.split(".")):
        raise errors.bad_request("hostname '%s' is not a valid host name" % value)
    return host


def _doc(route):
    tun = state().tunnels.get(route["tunnel_id"])
    doc = dict(route)
    doc["tunnel_name"] = tun.name if tun else ""
    doc["tun_type"] = tun.tun_type if tun else "cfd_tunnel"
    return doc


def _route(route_id):
    route = state().hostname_routes.get(route_id)
    if route is None:
        raise errors.hostname_route_not_found(route_id)
    return route


def _tunnel_id(value):
    """A live cloudflared tunnel: hostname routes need cloudflared connectors (§6.8)."""
    tunnel_id = uuid_value(value, "tunnel_id")
    tun = state().tunnels.get(tunnel_id)
    if tun is None or not tun.live:
        raise errors.bad_request("tunnel_id %s is not a live tunnel" % tunnel_id)
    if tun.tun_type != "cfd_tunnel":
        raise errors.bad_request("tunnel_id %s is a %s; hostname routes need a cloudflared tunnel"
                                 % (tunnel_id, tun.tun_type))
    return tunnel_id


def _check_unique(route):
    for other in state().live_hostname_routes():
        if other["id"] != route["id"] and other["hostname"] == route["hostname"]:
            raise errors.duplicate_hostname_route(route["hostname"])


@bp.route(ROUTES, methods=["GET"])
def hostname_routes_list(account_id):
    route_id = request.args.get("id")
    hostname = request.args.get("hostname")
    tunnel_id = request.args.get("tunnel_id")
    comment = request.args.get("comment")
    existed_at = time_arg("existed_at")
    # absent = live only: the 2026 schema declares `is_deleted` with default false
    is_deleted = bool_arg("is_deleted") or False
    out = []
    for route in state().hostname_routes.values():
        if is_deleted != (route["deleted_at"] is not None):
            continue
        if route_id and route["id"] != route_id:
            continue
        if hostname and hostname.lower() not in route["hostname"]:
            continue
        if tunnel_id and route["tunnel_id"] != tunnel_id:
            continue
        if comment and route["comment"] != comment:
            continue
        if existed_at and not existed_then(route, existed_at):
            continue
        out.append(_doc(route))
    chunk, info = paged(out, PER_PAGE_DEFAULT, PER_PAGE_MAX)
    return ok(chunk, info)


@bp.route(ROUTES, methods=["POST"])
def hostname_route_create(account_id):
    require_write()
    body = json_body()
    route = {
        "id": str(uuid.uuid4()),
        "hostname": normalise_hostname(field(body, "hostname", str, required=True)),
        "tunnel_id": _tunnel_id(field(body, "tunnel_id", str, required=True)),
        "comment": field(body, "comment", str, default=""),
        "created_at": iso(now()),
        "deleted_at": None,
    }
    _check_unique(route)
    state().check_account_limit("route_limit")
    state().hostname_routes[route["id"]] = route
    return ok(_doc(route))


@bp.route(ROUTES + "/<route_id>", methods=["GET"])
def hostname_route_get(account_id, route_id):
    return ok(_doc(_route(route_id)))


@bp.route(ROUTES + "/<route_id>", methods=["PATCH"])
def hostname_route_patch(account_id, route_id):
    require_write()
    route = _route(route_id)
    body = json_body()
    updated = dict(route)
    if body.get("hostname") is not None:
        updated["hostname"] = normalise_hostname(field(body, "hostname", str))
    if body.get("tunnel_id") is not None:
        updated["tunnel_id"] = _tunnel_id(field(body, "tunnel_id", str))
    if "comment" in body:
        updated["comment"] = field(body, "comment", str, default="")
    if route["deleted_at"] is not None:
        raise errors.route_gone(route_id)
    _check_unique(updated)
    route.update(updated)
    return ok(_doc(route))


@bp.route(ROUTES + "/<route_id>", methods=["DELETE"])
def hostname_route_delete(account_id, route_id):
    require_write()
    route = _route(route_id)
    json_body(required=False)
    if route["deleted_at"] is not None:
        raise errors.route_gone(route_id)
    route["deleted_at"] = iso(now())
    return ok(_doc(route))
