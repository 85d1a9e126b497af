"""cfd_tunnel, warp_connector and the all-tunnels list."""

import copy
import ipaddress
import secrets
import uuid

from flask import Blueprint, request

from . import errors
from .api import bool_arg, field, json_body, ok, paged, require_write, state, time_arg, uuid_value
from .state import check_secret, now

bp = Blueprint("tunnels", __name__)

ACCOUNT = "/accounts/<account_id>"
TUN_TYPES = ("cfd_tunnel", "warp_connector", "ip_sec", "gre", "cni", "warp", "magic")
STATUSES = ("inactive", "degraded", "healthy", "down")
TUNNEL_PER_PAGE_DEFAULT = 20
TUNNEL_PER_PAGE_MAX = 1000


def _uuid_arg(name):
    value = request.args.get(name)
    if value is None or value == "":
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise errors.bad_request("query parameter '%s' must be a uuid" % name) from None


def filter_tunnels(tunnels):
    """Apply the §3.1 list filters; is_deleted absent means live only (the 2025-12-01 default)."""
    name = request.args.get("name")
    tunnel_uuid = _uuid_arg("uuid")
    include_prefix = request.args.get("include_prefix")
    exclude_prefix = request.args.get("exclude_prefix")
    status = request.args.get("status")
    if status and status not in STATUSES:
        raise errors.bad_request("query parameter 'status' must be one of %s" % ", ".join(STATUSES))
    is_deleted = bool_arg("is_deleted")
    if is_deleted is None:
        is_deleted = False
    existed_at = time_arg("existed_at")
    was_active_at = time_arg("was_active_at")
    was_inactive_at = time_arg("was_inactive_at")
    out = []
    for tun in tunnels:
        if is_deleted == tun.live:
            continue
        if name is not None and name != "" and tun.name != name:
            continue
        if tunnel_uuid and tun.id != tunnel_uuid:
            continue
        if include_prefix and not tun.name.startswith(include_prefix):
            continue
        if exclude_prefix and tun.name.startswith(exclude_prefix):
            continue
        if status and tun.status() != status:
            continue
        if existed_at and not tun.existed_at(existed_at):
            continue
        if was_active_at and not tun.was_active_at(was_active_at):
            continue
        if was_inactive_at and not (tun.created_at <= was_inactive_at and not tun.was_active_at(was_inactive_at)):
            continue
        out.append(tun)
    return out


def _list(tun_types):
    st = state()
    tunnels = [t for t in st.tunnels.values() if t.tun_type in tun_types]
    chunk, info = paged(filter_tunnels(tunnels), TUNNEL_PER_PAGE_DEFAULT, TUNNEL_PER_PAGE_MAX)
    return ok([t.to_api() for t in chunk], info)


def _name(body, required):
    name = field(body, "name", str, required=required)
    if name is not None and not name.strip():
        raise errors.bad_request("field 'name' must not be empty")
    return name


# -- all tunnels ----------------------------------------------------------------------

def tun_types_arg():
    """The `tun_types` filter as a set, or None when absent.

    The 2026 schema declares an array of tunnel types with OpenAPI's default query serialisation
    (style form, explode true): repeated keys, `tun_types=a&tun_types=b`, as the official SDKs send
    it. All of them are read. A value holding commas is split too: the schema's description still
    says "separated by commas" (the 2024 schema had one comma-separated string).
    """
    wanted = [t.strip() for raw in request.args.getlist("tun_types") for t in raw.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in TUN_TYPES]
    if unknown:
        raise errors.bad_request("unknown tun_types: %s (known: %s)" % (", ".join(unknown), ", ".join(TUN_TYPES)))
    return set(wanted) or None


@bp.route(ACCOUNT + "/tunnels", methods=["GET"])
def list_all(account_id):
    return _list(tun_types_arg() or set(TUN_TYPES))


# -- cfd_tunnel -----------------------------------------------------------------------

@bp.route(ACCOUNT + "/cfd_tunnel", methods=["GET"])
def cfd_list(account_id):
    return _list({"cfd_tunnel"})


@bp.route(ACCOUNT + "/cfd_tunnel", methods=["POST"])
def cfd_create(account_id):
    require_write()
    body = json_body()
    name = _name(body, True)
    config_src = field(body, "config_src", str, default="local")
    if config_src not in ("local", "cloudflare"):
        raise errors.bad_request("field 'config_src' must be local or cloudflare")
    secret = field(body, "tunnel_secret", str)
    if secret is not None:
        check_secret(secret)
    tun = state().create_tunnel(name, "cfd_tunnel", secret=secret, config_src=config_src)
    result = tun.to_api()
    result["token"] = tun.token()
    result["credentials_file"] = tun.credentials_file()
    return ok(result)


def _get(tunnel_id, tun_type):
    return ok(state().tunnel(tunnel_id, tun_type).to_api())


def _patch(tunnel_id, tun_type):
    require_write()
    st = state()
    tun = st.tunnel(tunnel_id, tun_type)
    body = json_body()
    name = _name(body, False)
    secret = field(body, "tunnel_secret", str)
    if "config_src" in body:
        raise errors.bad_request("config_src cannot be changed")
    if not tun.live:
        raise errors.tunnel_deleted(tunnel_id)
    if secret is not None:
        check_secret(secret)
    if name is not None and name != tun.name:
        if st.live_name_taken(name, tun.tun_type, exclude=tun.id):
            raise errors.duplicate_tunnel()
        tun.name = name
    if secret is not None:
        tun.secret = secret
    return ok(tun.to_api())


def _delete(tunnel_id, tun_type):
    require_write()
    st = state()
    tun = st.tunnel(tunnel_id, tun_type)
    json_body(required=False)
    cascade = bool_arg("cascade")
    if not tun.live:
        raise errors.tunnel_deleted(tunnel_id)
    if tun.connections() and not cascade:
        raise errors.active_connections()
    when = now()
    st.release_tunnel_routes(tun, when)  # refuses (1023) or deletes the CIDR routes, per the setting
    st.remove_connectors(tun)
    tun.deleted_at = when
    return ok(tun.to_api())


def _token(tunnel_id, tun_type):
    require_write()
    tun = state().tunnel(tunnel_id, tun_type)
    if not tun.live:
        raise errors.tunnel_deleted(tunnel_id)
    return ok(tun.token())


def _connections(tunnel_id, tun_type):
    tun = state().tunnel(tunnel_id, tun_type)
    connectors = [tun.connector_doc(c) for c in tun.connectors.values()]
    info = {"count": len(connectors), "page": 1, "per_page": max(len(connectors), 1),
            "total_count": len(connectors), "total_pages": 1}
    return ok(connectors, info)


def _connector(tunnel_id, connector_id, tun_type):
    tun = state().tunnel(tunnel_id, tun_type)
    connector = tun.connectors.get(connector_id)
    if connector is None:
        raise errors.connector_not_found(connector_id)
    return ok(tun.connector_doc(connector))


@bp.route(ACCOUNT + "/cfd_tunnel/<tunnel_id>", methods=["GET"])
def cfd_get(account_id, tunnel_id):
    return _get(tunnel_id, "cfd_tunnel")


@bp.route(ACCOUNT + "/cfd_tunnel/<tunnel_id>", methods=["PATCH"])
def cfd_patch(account_id, tunnel_id):
    return _patch(tunnel_id, "cfd_tunnel")


@bp.route(ACCOUNT + "/cfd_tunnel/<tunnel_id>", methods=["DELETE"])
def cfd_delete(account_id, tunnel_id):
    return _delete(tunnel_id, "cfd_tunnel")


@bp.route(ACCOUNT + "/cfd_tunnel/<tunnel_id>/token", methods=["GET"])
def cfd_token(account_id, tunnel_id):
    return _token(tunnel_id, "cfd_tunnel")


@bp.route(ACCOUNT + "/cfd_tunnel/<tunnel_id>/connections", methods=["GET"])
def cfd_connections(account_id, tunnel_id):
    return _connections(tunnel_id, "cfd_tunnel")


@bp.route(ACCOUNT + "/cfd_tunnel/<tunnel_id>/connections", methods=["DELETE"])
def cfd_cleanup(account_id, tunnel_id):
    require_write()
    st = state()
    tun = st.tunnel(tunnel_id, "cfd_tunnel")
    json_body(required=False)
    client_id = request.args.get("client_id")
    if client_id:
        try:
            client_id = str(uuid.UUID(client_id))
        except ValueError:
            raise errors.bad_request("query parameter 'client_id' must be a uuid") from None
    st.remove_connectors(tun, client_id or None)
    return ok({})


@bp.route(ACCOUNT + "/cfd_tunnel/<tunnel_id>/connectors/<connector_id>", methods=["GET"])
def cfd_connector(account_id, tunnel_id, connector_id):
    return _connector(tunnel_id, connector_id, "cfd_tunnel")


@bp.route(ACCOUNT + "/cfd_tunnel/<tunnel_id>/management", methods=["POST"])
def cfd_management(account_id, tunnel_id):
    require_write()
    tun = state().tunnel(tunnel_id, "cfd_tunnel")
    body = json_body()
    resources = field(body, "resources", list, required=True)
    if not resources or any(r != "logs" for r in resources):
        raise errors.bad_request("field 'resources' must be a non-empty array of \"logs\"")
    if not tun.live:
        raise errors.tunnel_deleted(tunnel_id)
    return ok(secrets.token_urlsafe(48))


# -- cfd_tunnel configuration -----------------------------------------------------------

def validate_config(config):
    if not isinstance(config, dict):
        raise errors.bad_request("field 'config' must be an object")
    if "originRequest" in config and not isinstance(config["originRequest"], dict):
        raise errors.bad_config("originRequest must be an object")
    if "ingress" not in config:
        return
    ingress = config["ingress"]
    if not isinstance(ingress, list) or not ingress:
        raise errors.bad_config("ingress must be a non-empty array of rules")
    last = len(ingress) - 1
    for index, rule in enumerate(ingress):
        if not isinstance(rule, dict):
            raise errors.bad_config("ingress rule %d must be an object" % index)
        service = rule.get("service")
        if not isinstance(service, str) or not service:
            raise errors.bad_config("ingress rule %d needs a 'service' string" % index)
        for key in ("hostname", "path"):
            if key in rule and not isinstance(rule[key], str):
                raise errors.bad_config("ingress rule %d: '%s' must be a string" % (index, key))
        if "originRequest" in rule and not isinstance(rule["originRequest"], dict):
            raise errors.bad_config("ingress rule %d: originRequest must be an object" % index)
        has_host = bool(rule.get("hostname"))
        if index < last and not has_host:
            raise errors.bad_config("only the last ingress rule may omit hostname (rule %d has none)" % index)
        if index == last and has_host:
            raise errors.bad_config("the last ingress rule must be a catch-all without hostname")


@bp.route(ACCOUNT + "/cfd_tunnel/<tunnel_id>/configurations", methods=["GET"])
def cfd_config_get(account_id, tunnel_id):
    st = state()
    return ok(st.config_doc(st.tunnel(tunnel_id, "cfd_tunnel")))


@bp.route(ACCOUNT + "/cfd_tunnel/<tunnel_id>/configurations", methods=["PUT"])
def cfd_config_put(account_id, tunnel_id):
    require_write()
    st = state()
    tun = st.tunnel(tunnel_id, "cfd_tunnel")
    body = json_body()
    config = field(body, "config", dict, required=True)
    if not tun.live:
        raise errors.tunnel_deleted(tunnel_id)
    if tun.config_src != "cloudflare":
        raise errors.local_config()
    validate_config(config)
    tun.config_version += 1
    tun.config = {"config": copy.deepcopy(config), "created_at": now()}
    st.config_changed(tun)
    return ok(st.config_doc(tun))


# -- warp_connector ---------------------------------------------------------------------

@bp.route(ACCOUNT + "/warp_connector", methods=["GET"])
def warp_list(account_id):
    return _list({"warp_connector"})


@bp.route(ACCOUNT + "/warp_connector", methods=["POST"])
def warp_create(account_id):
    require_write()
    body = json_body()
    name = _name(body, True)
    ha = field(body, "ha", bool, default=False)
    tun = state().create_tunnel(name, "warp_connector", ha=ha)
    result = tun.to_api()
    result["token"] = tun.token()
    return ok(result)


@bp.route(ACCOUNT + "/warp_connector/<tunnel_id>", methods=["GET"])
def warp_get(account_id, tunnel_id):
    return _get(tunnel_id, "warp_connector")


@bp.route(ACCOUNT + "/warp_connector/<tunnel_id>", methods=["PATCH"])
def warp_patch(account_id, tunnel_id):
    return _patch(tunnel_id, "warp_connector")


@bp.route(ACCOUNT + "/warp_connector/<tunnel_id>", methods=["DELETE"])
def warp_delete(account_id, tunnel_id):
    return _delete(tunnel_id, "warp_connector")


@bp.route(ACCOUNT + "/warp_connector/<tunnel_id>/token", methods=["GET"])
def warp_token(account_id, tunnel_id):
    return _token(tunnel_id, "warp_connector")


@bp.route(ACCOUNT + "/warp_connector/<tunnel_id>/connections", methods=["GET"])
def warp_connections(account_id, tunnel_id):
    return _connections(tunnel_id, "warp_connector")


@bp.route(ACCOUNT + "/warp_connector/<tunnel_id>/connectors/<connector_id>", methods=["GET"])
def warp_connector(account_id, tunnel_id, connector_id):
    return _connector(tunnel_id, connector_id, "warp_connector")


@bp.route(ACCOUNT + "/warp_connector/<tunnel_id>/failover", methods=["PUT"])
def warp_failover(account_id, tunnel_id):
    """Make a connector the active one (2026 schema): the tunnel must be HA, the client linked to it."""
    require_write()
    tun = state().tunnel(tunnel_id, "warp_connector")
    client_id = uuid_value(field(json_body(), "client_id", str, required=True), "field 'client_id'")
    if not tun.live:
        raise errors.tunnel_deleted(tunnel_id)
    if tun.ha_mode == "disabled":
        raise errors.not_highly_available(tunnel_id)
    connector = tun.connectors.get(client_id)
    if connector is None:
        raise errors.connector_not_found(client_id)
    if not tun.is_online(connector):
        raise errors.connector_offline(client_id)
    tun.active_client = client_id
    return ok({})


HA_MODES = ("none", "disabled", "aws", "local")
MAX_VIPS = 8


@bp.route(ACCOUNT + "/warp_connector/<tunnel_id>/configurations", methods=["GET"])
def warp_config_get(account_id, tunnel_id):
    return ok(state().tunnel(tunnel_id, "warp_connector").ha_doc())


@bp.route(ACCOUNT + "/warp_connector/<tunnel_id>/configurations", methods=["PUT"])
def warp_config_put(account_id, tunnel_id):
    """The HA configuration: `ha_mode` (required) and the provider's `config` (aws: fnr_id, local: vips)."""
    require_write()
    tun = state().tunnel(tunnel_id, "warp_connector")
    body = json_body()
    ha_mode = field(body, "ha_mode", str, required=True)
    if ha_mode not in HA_MODES:
        raise errors.bad_request("field 'ha_mode' must be one of %s" % ", ".join(HA_MODES))
    config = _ha_config(ha_mode, body.get("config"))
    if not tun.live:
        raise errors.tunnel_deleted(tunnel_id)
    tun.ha_mode = ha_mode
    tun.ha_config = config
    tun.ha_version += 1
    tun.ha_updated_at = now()
    tun.elect_active()
    return ok(tun.ha_doc())


def _ha_config(ha_mode, config):
    """The stored provider configuration (None for none/disabled), or a 400 naming what is wrong."""
    if ha_mode in ("none", "disabled"):
        if config not in (None, {}):
            raise errors.bad_request("field 'config' must be empty or omitted for ha_mode %s" % ha_mode)
        return None
    if not isinstance(config, dict):
        raise errors.bad_request("field 'config' is required for ha_mode %s" % ha_mode)
    if ha_mode == "aws":
        if set(config) != {"fnr_id"} or not isinstance(config["fnr_id"], str) or not config["fnr_id"]:
            raise errors.bad_request("config for ha_mode aws must be {\"fnr_id\": \"<ENI id>\"}")
        return {"fnr_id": config["fnr_id"]}
    unknown = sorted(set(config) - {"vips", "vips_previous"})
    if unknown:
        raise errors.bad_request("config for ha_mode local takes vips and vips_previous, not %s" % ", ".join(unknown))
    out = {"vips": _vips(config.get("vips"), "vips", 1, MAX_VIPS)}
    if config.get("vips_previous") is not None:
        out["vips_previous"] = _vips(config["vips_previous"], "vips_previous", 0, None)
    return out


def _vips(value, key, minimum, maximum):
    if not isinstance(value, list) or len(value) < minimum or (maximum is not None and len(value) > maximum):
        raise errors.bad_request("config.%s must be a list of %d to %s {\"address\": IP} objects"
                                 % (key, minimum, maximum or "any number of"))
    out = []
    for item in value:
        address = item.get("address") if isinstance(item, dict) and set(item) == {"address"} else None
        address = address if isinstance(address, str) else None
        try:
            out.append({"address": str(ipaddress.ip_address(address))})
        except ValueError:
            raise errors.bad_request("config.%s: %r is not an {\"address\": IPv4 or IPv6 address} object" % (key, item)) from None
    return out
