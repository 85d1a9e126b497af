"""Control endpoints under /_emulator (no auth, not logged, no faults)."""

from flask import Blueprint, jsonify, request

from . import errors, faults
from .api import json_body
from .state import check_settings

bp = Blueprint("controls", __name__)


def _state():
    from flask import current_app
    return current_app.config["EMULATOR_STATE"]


@bp.route("/_emulator/reset", methods=["POST"])
def reset():
    _state().reset()
    return jsonify({"reset": True})


@bp.route("/_emulator/requests", methods=["GET"])
def list_requests():
    st = _state()
    method = request.args.get("method")
    path = request.args.get("path")
    entries = [dict(e) for e in st.request_log]
    if method:
        entries = [e for e in entries if e["method"] == method.upper()]
    if path:
        entries = [e for e in entries if e["path"] == path]
    return jsonify({"requests": entries})


@bp.route("/_emulator/requests", methods=["DELETE"])
def clear_requests():
    _state().request_log.clear()
    return jsonify({"requests": []})


@bp.route("/_emulator/faults", methods=["GET"])
def list_faults():
    st = _state()
    return jsonify({"faults": list(st.faults), "random": st.random_faults})


@bp.route("/_emulator/faults", methods=["POST"])
def add_faults():
    st = _state()
    body = json_body()
    if "random" in body:
        st.random_faults = faults.validate_random(body["random"])
        st.rng = None
    rules = body.get("rules")
    if rules is None and "action" in body:
        rules = [body]
    if rules is not None:
        if not isinstance(rules, list):
            raise errors.bad_request("rules must be a list")
        st.faults.extend([faults.validate_rule(r) for r in rules])
    if rules is None and "random" not in body:
        raise errors.bad_request("give a rule (action, ...), a list under 'rules', or 'random'")
    return jsonify({"faults": list(st.faults), "random": st.random_faults})


@bp.route("/_emulator/faults", methods=["DELETE"])
def clear_faults():
    st = _state()
    st.faults.clear()
    st.random_faults = None
    st.rng = None
    return jsonify({"faults": [], "random": None})


def _connector_doc(tun, connector):
    doc = {"connector_id": connector["id"], "tunnel_id": tun.id, "tun_type": tun.tun_type,
           "connections": len(connector["conns"]), "version": connector["version"], "arch": connector["arch"]}
    if "config_version" in connector:
        doc["config_version"] = connector["config_version"]
    return doc


@bp.route("/_emulator/connectors", methods=["POST"])
def register_connector():
    st = _state()
    body = json_body()
    allowed = ("token", "connector_id", "version", "arch", "connections", "origin_ip", "features", "colos",
               "config_version")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise errors.bad_request("unknown fields: %s" % ", ".join(unknown))
    kwargs = {k: body[k] for k in allowed[1:] if body.get(k) is not None}
    tun, connector = st.register_connector(body.get("token"), **kwargs)
    return jsonify(_connector_doc(tun, connector))


@bp.route("/_emulator/connectors/<connector_id>", methods=["PATCH"])
def update_connector(connector_id):
    tun, connector = _state().update_connector(connector_id, json_body())
    return jsonify(_connector_doc(tun, connector))


@bp.route("/_emulator/connectors/<connector_id>", methods=["DELETE"])
def unregister_connector(connector_id):
    st = _state()
    tun = st.find_connector(connector_id)
    if tun is None:
        raise errors.connector_not_found(connector_id)
    st.remove_connectors(tun, connector_id)
    return jsonify({"connector_id": connector_id, "tunnel_id": tun.id, "status": tun.status()})


@bp.route("/_emulator/settings", methods=["GET"])
def get_settings():
    return jsonify(_state().settings)


@bp.route("/_emulator/settings", methods=["PATCH"])
def change_settings():
    st = _state()
    st.change_settings(check_settings(json_body()))
    return jsonify(st.settings)


@bp.route("/_emulator/ratelimit", methods=["GET"])
def ratelimit_status():
    limiter = _state().limiter
    return jsonify(limiter.status() if limiter else {"enabled": False})


@bp.route("/_emulator/ratelimit/advance", methods=["POST"])
def ratelimit_advance():
    """Let time pass for the request budget only, so that tests need not wait for a window."""
    limiter = _state().limiter
    seconds = json_body().get("seconds")
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
        raise errors.bad_request("seconds must be a non-negative number")
    if limiter is None:
        raise errors.bad_request("the request budget is off: set the rate_limit setting first")
    limiter.advance(seconds)
    return jsonify(limiter.status())


@bp.route("/_emulator/zones", methods=["POST"])
def add_zone():
    body = json_body()
    name = body.get("name")
    if not isinstance(name, str):
        raise errors.bad_request("field 'name' must be a string")
    return jsonify(_state().add_zone(name))


@bp.route("/_emulator/state", methods=["GET"])
def dump_state():
    return jsonify(_state().dump())
