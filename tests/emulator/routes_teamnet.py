"""Tunnel routes and virtual networks (/teamnet, reference §6 and §7)."""

import ipaddress
import uuid

from flask import Blueprint, request

from . import errors
from .api import bool_arg, field, json_body, ok, paged, require_write, state, time_arg, unpaged_info, uuid_value
from .routes_tunnels import tun_types_arg
from .state import iso, now, parse_time

bp = Blueprint("teamnet", __name__)

ACCOUNT = "/accounts/<account_id>"
ROUTE_PER_PAGE_DEFAULT = 20
ROUTE_PER_PAGE_MAX = 1000


def _network(value, what="network"):
    """A CIDR filter (query): host bits are masked, a bare address is a /32 or /128."""
    try:
        return ipaddress.ip_network(value, strict=False)
    except (ValueError, TypeError):
        raise errors.bad_request("%s must be an IPv4 or IPv6 CIDR" % what) from None


def _route_network(value):
    """A route's network in canonical form (lower case, compressed IPv6).

    The API's own handling of host bits is undocumented (cloudflared masks them before sending,
    reference §6.9), so they are refused here: a client that forgets to mask fails in tests.
    """
    if "/" not in value:
        raise errors.bad_request("network '%s' must be a CIDR with a prefix length, e.g. 10.0.0.0/24" % value)
    network = _network(value)
    try:
        ipaddress.ip_network(value)
    except ValueError:
        raise errors.bad_request("network '%s' has host bits set; send %s" % (value, network)) from None
    return str(network)


def existed_then(obj, when):
    created = parse_time(obj["created_at"])
    deleted = parse_time(obj["deleted_at"]) if obj["deleted_at"] else None
    return created <= when and (deleted is None or deleted > when)


# -- routes ---------------------------------------------------------------------------------

def _teamnet(route):
    st = state()
    doc = dict(route)
    tun = st.tunnels.get(route["tunnel_id"])
    vnet = st.vnets.get(route["virtual_network_id"]) if route["virtual_network_id"] else None
    doc["tun_type"] = tun.tun_type if tun else "cfd_tunnel"
    doc["tunnel_name"] = tun.name if tun else ""
    doc["virtual_network_name"] = vnet["name"] if vnet else ""
    return doc


def _route(route_id):
    route = state().routes.get(route_id)
    if route is None:
        raise errors.route_not_found(route_id)
    return route


def live_tunnel_id(value):
    tunnel_id = uuid_value(value, "tunnel_id")
    tun = state().tunnels.get(tunnel_id)
    if tun is None or not tun.live:
        raise errors.bad_request("tunnel_id %s is not a live tunnel" % tunnel_id)
    return tunnel_id


def _live_vnet_id(value):
    vnet_id = uuid_value(value, "virtual_network_id")
    vnet = state().vnets.get(vnet_id)
    if vnet is None or vnet["deleted_at"] is not None:
        raise errors.bad_request("virtual_network_id %s is not a live virtual network" % vnet_id)
    return vnet_id


def _check_route_unique(route):
    for other in state().routes.values():
        if (other["id"] != route["id"] and other["deleted_at"] is None and other["network"] == route["network"]
                and other["virtual_network_id"] == route["virtual_network_id"]):
            raise errors.duplicate_route()


@bp.route(ACCOUNT + "/teamnet/routes", methods=["GET"])
def routes_list(account_id):
    st = state()
    comment = request.args.get("comment")
    is_deleted = bool_arg("is_deleted")
    is_deleted = False if is_deleted is None else is_deleted
    subset = request.args.get("network_subset")
    subset = _network(subset, "network_subset") if subset else None
    superset = request.args.get("network_superset")
    superset = _network(superset, "network_superset") if superset else None
    existed_at = time_arg("existed_at")
    tunnel_id = request.args.get("tunnel_id")
    route_id = request.args.get("route_id")
    vnet_id = request.args.get("virtual_network_id")
    wanted_types = tun_types_arg()
    out = []
    for route in st.routes.values():
        doc = _teamnet(route)
        network = ipaddress.ip_network(route["network"])
        if is_deleted != (route["deleted_at"] is not None):
            continue
        if comment is not None and comment != "" and route["comment"] != comment:
            continue
        if subset is not None and (network.version != subset.version or not network.subnet_of(subset)):
            continue
        if superset is not None and (network.version != superset.version or not network.supernet_of(superset)):
            continue
        if existed_at and not existed_then(route, existed_at):
            continue
        if tunnel_id and route["tunnel_id"] != tunnel_id:
            continue
        if route_id and route["id"] != route_id:
            continue
        if vnet_id and route["virtual_network_id"] != vnet_id:
            continue
        if wanted_types and doc["tun_type"] not in wanted_types:
            continue
        out.append(doc)
    chunk, info = paged(out, ROUTE_PER_PAGE_DEFAULT, ROUTE_PER_PAGE_MAX)
    return ok(chunk, info)


@bp.route(ACCOUNT + "/teamnet/routes", methods=["POST"])
def route_create(account_id):
    require_write()
    body = json_body()
    network = _route_network(field(body, "network", str, required=True))
    tunnel_id = live_tunnel_id(field(body, "tunnel_id", str, required=True))
    comment = field(body, "comment", str, default="")
    vnet_id = field(body, "virtual_network_id", str)
    vnet_id = _live_vnet_id(vnet_id) if vnet_id is not None else state().default_vnet()["id"]
    route = {
        "id": str(uuid.uuid4()),
        "network": network,
        "tunnel_id": tunnel_id,
        "virtual_network_id": vnet_id,
        "comment": comment,
        "created_at": iso(now()),
        "deleted_at": None,
    }
    _check_route_unique(route)
    state().check_account_limit("route_limit")
    state().routes[route["id"]] = route
    return ok(dict(route))


@bp.route(ACCOUNT + "/teamnet/routes/<route_id>", methods=["GET"])
def route_get(account_id, route_id):
    return ok(dict(_route(route_id)))


@bp.route(ACCOUNT + "/teamnet/routes/<route_id>", methods=["PATCH"])
def route_patch(account_id, route_id):
    require_write()
    route = _route(route_id)
    body = json_body()
    updated = dict(route)
    if body.get("network") is not None:
        updated["network"] = _route_network(field(body, "network", str))
    if body.get("tunnel_id") is not None:
        updated["tunnel_id"] = live_tunnel_id(field(body, "tunnel_id", str))
    if body.get("virtual_network_id") is not None:
        updated["virtual_network_id"] = _live_vnet_id(field(body, "virtual_network_id", str))
    if "comment" in body:
        updated["comment"] = field(body, "comment", str, default="")
    if route["deleted_at"] is not None:
        raise errors.route_gone(route_id)
    _check_route_unique(updated)
    route.update(updated)
    return ok(dict(route))


@bp.route(ACCOUNT + "/teamnet/routes/<route_id>", methods=["DELETE"])
def route_delete(account_id, route_id):
    require_write()
    route = _route(route_id)
    json_body(required=False)
    if route["deleted_at"] is not None:
        raise errors.route_gone(route_id)
    route["deleted_at"] = iso(now())
    return ok(dict(route))


@bp.route(ACCOUNT + "/teamnet/routes/ip/<ip>", methods=["GET"])
def route_by_ip(account_id, ip):
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        raise errors.bad_request("ip must be an IP address") from None
    vnet_id = request.args.get("virtual_network_id")
    vnet_id = uuid_value(vnet_id, "virtual_network_id") if vnet_id else None
    fallback = bool_arg("default_virtual_network_fallback")
    fallback = True if fallback is None else fallback
    if not vnet_id and fallback:
        vnet_id = state().default_vnet()["id"]
    best = None
    for route in state().routes.values():
        if route["deleted_at"] is not None:
            continue
        network = ipaddress.ip_network(route["network"])
        if network.version != address.version or address not in network:
            continue
        if vnet_id and route["virtual_network_id"] != vnet_id:
            continue
        if best is None or network.prefixlen > ipaddress.ip_network(best["network"]).prefixlen:
            best = route
    if best is None:
        raise errors.route_not_found(ip)
    return ok(_teamnet(best))


# -- virtual networks -----------------------------------------------------------------------

def _vnet(vnet_id):
    vnet = state().vnets.get(vnet_id)
    if vnet is None:
        raise errors.vnet_not_found(vnet_id)
    return vnet


def _short_str(body, key, required=False, default=None):
    value = field(body, key, str, required=required, default=default)
    if value is not None and len(value) > 256:
        raise errors.bad_request("field '%s' is longer than 256 characters" % key)
    return value


def _check_vnet_name(name, exclude=None):
    if not name.strip():
        raise errors.bad_request("field 'name' must not be empty")
    for other in state().vnets.values():
        if other["deleted_at"] is None and other["name"] == name and other["id"] != exclude:
            raise errors.duplicate_vnet()


@bp.route(ACCOUNT + "/teamnet/virtual_networks", methods=["GET"])
def vnets_list(account_id):
    vnet_id = request.args.get("id")
    name = request.args.get("name")
    is_default = bool_arg("is_default_network")
    if is_default is None:
        is_default = bool_arg("is_default")
    is_deleted = bool_arg("is_deleted")
    is_deleted = False if is_deleted is None else is_deleted
    out = []
    for vnet in state().vnets.values():
        if is_deleted != (vnet["deleted_at"] is not None):
            continue
        if vnet_id and vnet["id"] != vnet_id:
            continue
        if name and vnet["name"] != name:
            continue
        if is_default is not None and vnet["is_default_network"] != is_default:
            continue
        out.append(dict(vnet))
    return ok(out, unpaged_info(out))


@bp.route(ACCOUNT + "/teamnet/virtual_networks", methods=["POST"])
def vnet_create(account_id):
    require_write()
    body = json_body()
    name = _short_str(body, "name", required=True)
    comment = _short_str(body, "comment", default="")
    is_default = field(body, "is_default_network", bool)
    if is_default is None:
        is_default = field(body, "is_default", bool, default=False)
    _check_vnet_name(name)
    return ok(dict(state().add_vnet(name, comment, is_default)))


@bp.route(ACCOUNT + "/teamnet/virtual_networks/<vnet_id>", methods=["GET"])
def vnet_get(account_id, vnet_id):
    return ok(dict(_vnet(vnet_id)))


@bp.route(ACCOUNT + "/teamnet/virtual_networks/<vnet_id>", methods=["PATCH"])
def vnet_patch(account_id, vnet_id):
    require_write()
    vnet = _vnet(vnet_id)
    body = json_body()
    name = _short_str(body, "name")
    comment = _short_str(body, "comment")
    is_default = field(body, "is_default_network", bool)
    if is_default is None:
        is_default = field(body, "is_default", bool)
    if vnet["deleted_at"] is not None:
        raise errors.vnet_gone(vnet_id)
    if name is not None:
        _check_vnet_name(name, exclude=vnet_id)
    if is_default is False and vnet["is_default_network"]:
        raise errors.bad_request("make another virtual network the default instead of unsetting it")
    if name is not None:
        vnet["name"] = name
    if comment is not None:
        vnet["comment"] = comment
    if is_default:
        state().make_default_vnet(vnet)
    return ok(dict(vnet))


@bp.route(ACCOUNT + "/teamnet/virtual_networks/<vnet_id>", methods=["DELETE"])
def vnet_delete(account_id, vnet_id):
    require_write()
    vnet = _vnet(vnet_id)
    json_body(required=False)
    force = bool_arg("force")
    if vnet["deleted_at"] is not None:
        raise errors.vnet_gone(vnet_id)
    if vnet["is_default_network"]:
        raise errors.vnet_is_default()
    routes = state().live_routes(vnet_id=vnet_id)
    if routes and not force:
        raise errors.vnet_in_use([r["id"] for r in routes])
    stamp = iso(now())
    for route in routes:  # force: the routes go with the network (reference §6.9: deleted or moved)
        route["deleted_at"] = stamp
    vnet["deleted_at"] = stamp
    return ok(dict(vnet))
