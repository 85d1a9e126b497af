"""Cloudflare Access (reference: ../shared/reference/cloudflare-access-api.md): applications, reusable
policies, service tokens, identity providers and the Zero Trust organization.

Choices where the official schema is silent are listed in docs/developing.md ("Access").
"""

import hashlib
import ipaddress
import re
import secrets
import uuid
from datetime import datetime, timezone

from flask import Blueprint, g, jsonify, request

from . import errors
from .api import bool_arg, json_body, ok, paged, state
from .state import iso, now, parse_time

bp = Blueprint("access", __name__)
controls = Blueprint("access_controls", __name__)  # served outside /client/v4, like the other controls

ACCESS = "/accounts/<account_id>/access"
PER_PAGE_DEFAULT = 25
PER_PAGE_MAX = 100
MAX_PUBLIC_DESTINATIONS = 5  # "5 domains per application" (account limits)
# Go's time.ParseDuration syntax, as the schema describes durations ("300ms", "2h45m")
DURATION = re.compile(r"^(?:0|[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|ms|s|m|h))+)$")
DECISIONS = ("allow", "deny", "non_identity", "bypass")
APP_TYPES = ("self_hosted", "saas", "ssh", "vnc", "app_launcher", "warp", "biso", "bookmark", "dash_sso",
             "infrastructure", "rdp", "mcp", "mcp_portal", "proxy_endpoint")
# rule kind -> (required string fields, optional string fields)
RULES = {
    "email": (("email",), ()),
    "email_domain": (("domain",), ()),
    "email_list": (("id",), ()),
    "everyone": ((), ()),
    "ip": (("ip",), ()),
    "ip_list": (("id",), ()),
    "geo": (("country_code",), ()),
    "group": (("id",), ()),
    "service_token": (("token_id",), ()),
    "any_valid_service_token": ((), ()),
    "login_method": (("id",), ()),
    "auth_method": (("auth_method",), ()),
    "certificate": ((), ()),
    "common_name": (("common_name",), ()),
    "device_posture": (("integration_uid",), ()),
    "azureAD": (("id", "identity_provider_id"), ()),
    "github-organization": (("name", "identity_provider_id"), ("team",)),
    "gsuite": (("email", "identity_provider_id"), ()),
    "okta": (("name", "identity_provider_id"), ()),
    "saml": (("attribute_name", "attribute_value", "identity_provider_id"), ()),
    "oidc": (("claim_name", "claim_value", "identity_provider_id"), ()),
    "external_evaluation": (("evaluate_url", "keys_url"), ()),
    "auth_context": (("id", "ac_id", "identity_provider_id"), ()),
}
POLICY_BOOLS = ("approval_required", "purpose_justification_required", "isolation_required")
# self_hosted options: (type, default on read; None = left out of the answer while unset)
APP_OPTIONS = {
    "session_duration": (str, "24h"),
    "app_launcher_visible": (bool, True),
    "http_only_cookie_attribute": (bool, True),
    "auto_redirect_to_identity": (bool, False),
    "enable_binding_cookie": (bool, False),
    "path_cookie_attribute": (bool, None),
    "options_preflight_bypass": (bool, None),
    "skip_interstitial": (bool, None),
    "service_auth_401_redirect": (bool, None),
    "allow_iframe": (bool, None),
    "allow_authenticate_via_warp": (bool, None),
    "same_site_cookie_attribute": (str, None),
    "custom_deny_message": (str, None),
    "custom_deny_url": (str, None),
    "custom_non_identity_deny_url": (str, None),
    "logo_url": (str, None),
    "read_service_tokens_from_header": (str, None),
    "cors_headers": (dict, None),
    "custom_pages": (list, None),
}


# -- permissions ------------------------------------------------------------------------

def require(group, write=False):
    """403 unless the credentials hold the Access permission group (an email + key pair holds all)."""
    if g.get("auth_kind") == "key":
        return
    level = state().level(g.get("token"), group)
    if level == "none" or (write and level != "write"):
        raise errors.forbidden()


# -- checks -------------------------------------------------------------------------------

def _string(body, key, what=None, required=False):
    value = body.get(key)
    if value is None:
        if required:
            raise errors.access_invalid("%s is required" % (what or key))
        return None
    if not isinstance(value, str) or not value.strip():
        raise errors.access_invalid("%s must be a non-empty string" % (what or key))
    return value


def _typed(value, kind, what):
    if value is None:
        return None
    if kind is bool and not isinstance(value, bool):
        raise errors.access_invalid("%s must be a boolean" % what)
    if kind is not bool and (not isinstance(value, kind) or isinstance(value, bool)):
        raise errors.access_invalid("%s must be %s" % (what, {str: "a string", dict: "an object", list: "an array"}[kind]))
    return value


def _duration(value, what, allow_forever=False):
    if value is None:
        return None
    if not isinstance(value, str) or not (DURATION.match(value) or (allow_forever and value == "forever")):
        raise errors.access_invalid("%s must be a duration like 300ms or 2h45m (units ns, us, ms, s, m, h)%s, got %r"
                                    % (what, " or forever" if allow_forever else "", value))
    return value


def _uuid(value, what):
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise errors.access_invalid("%s must be a UUID, got %r" % (what, value)) from None


def _rules(body, key, required=False):
    value = body.get(key)
    if value is None:
        if required:
            raise errors.access_invalid("%s is required" % key)
        return []
    if not isinstance(value, list):
        raise errors.access_invalid("%s must be an array of rules" % key)
    if required and not value:
        raise errors.access_invalid("%s needs at least one rule" % key)
    return [_rule(item, "%s[%d]" % (key, index)) for index, item in enumerate(value)]


def _rule(item, where):
    if not isinstance(item, dict) or len(item) != 1:
        raise errors.access_invalid("%s must be an object with exactly one rule kind" % where)
    kind, value = next(iter(item.items()))
    if kind not in RULES:
        raise errors.access_invalid("%s: unknown rule kind %r" % (where, kind))
    if not isinstance(value, dict):
        raise errors.access_invalid("%s.%s must be an object" % (where, kind))
    needed, optional = RULES[kind]
    unknown = sorted(set(value) - set(needed) - set(optional))
    if unknown:
        raise errors.access_invalid("%s.%s: unknown field(s) %s" % (where, kind, ", ".join(unknown)))
    for field_name in needed:
        _string(value, field_name, "%s.%s.%s" % (where, kind, field_name), required=True)
    if kind == "email" and "@" not in value["email"]:
        raise errors.access_invalid("%s.email.email is not an email address" % where)
    if kind == "ip":
        try:
            ipaddress.ip_network(value["ip"], strict=False)
        except ValueError:
            raise errors.access_invalid("%s.ip.ip must be an IPv4 or IPv6 CIDR" % where) from None
    if kind == "service_token" and _uuid(value["token_id"], where + ".service_token.token_id") not in state().access["service_tokens"]:
        raise errors.access_invalid("%s: no service token with id %s" % (where, value["token_id"]))
    if kind == "login_method" and value["id"] not in state().access["identity_providers"]:
        raise errors.access_invalid("%s: no identity provider with id %s" % (where, value["id"]))
    return {kind: dict(value)}


def _find(store, obj_id, missing):
    obj = state().access[store].get(obj_id)
    if obj is None:
        raise missing(obj_id)
    return obj


def _exact_or_contains(value, wanted, exact):
    if wanted is None:
        return True
    if value is None:
        return False
    return value == wanted if exact else wanted.lower() in value.lower()


# -- the Zero Trust organization ------------------------------------------------------------

@bp.route(ACCESS + "/organizations", methods=["GET"])
def organization_get(account_id):
    require("access_organizations")
    team = state().access["team_name"]
    if not team:
        raise errors.access_not_enabled()
    stamp = state().access["created_at"]
    return ok({"name": team, "auth_domain": "%s.cloudflareaccess.com" % team, "session_duration": "24h",
               "is_ui_read_only": False, "auto_redirect_to_identity": False, "allow_authenticate_via_warp": False,
               "created_at": stamp, "updated_at": stamp})


# -- identity providers ---------------------------------------------------------------------

@bp.route(ACCESS + "/identity_providers", methods=["GET"])
def idps_list(account_id):
    require("access_organizations")
    chunk, info = paged(list(state().access["identity_providers"].values()), PER_PAGE_DEFAULT, PER_PAGE_MAX)
    return ok(chunk, info)


@bp.route(ACCESS + "/identity_providers", methods=["POST"])
def idp_create(account_id):
    require("access_organizations", write=True)
    body = json_body()
    idp = {"id": str(uuid.uuid4()), "name": _string(body, "name", required=True),
           "type": _string(body, "type", required=True), "config": _typed(body.get("config"), dict, "config") or {}}
    state().access["identity_providers"][idp["id"]] = idp
    return ok(idp), 201


@bp.route(ACCESS + "/identity_providers/<idp_id>", methods=["GET"])
def idp_get(account_id, idp_id):
    require("access_organizations")
    return ok(_find("identity_providers", idp_id, errors.access_idp_not_found))


@bp.route(ACCESS + "/identity_providers/<idp_id>", methods=["DELETE"])
def idp_delete(account_id, idp_id):
    require("access_organizations", write=True)
    _find("identity_providers", idp_id, errors.access_idp_not_found)
    del state().access["identity_providers"][idp_id]
    return ok({"id": idp_id}), 202


# -- reusable policies ----------------------------------------------------------------------

def _apps_using(policy_id):
    return [app for app in state().access["apps"].values() if any(link["id"] == policy_id for link in app["policies"])]


def _policy_doc(policy):
    doc = dict(policy)
    doc["app_count"] = len(_apps_using(policy["id"]))
    doc["reusable"] = True
    return doc


def _policy_body(body, current=None):
    """A whole policy from a POST or PUT body (PUT replaces: what is left out goes back to its default)."""
    decision = _string(body, "decision", required=True)
    if decision not in DECISIONS:
        raise errors.access_invalid("decision must be one of %s, got %r" % (", ".join(DECISIONS), decision))
    policy = {
        "id": current["id"] if current else str(uuid.uuid4()),
        "name": _string(body, "name", required=True),
        "decision": decision,
        "include": _rules(body, "include", required=True),
        "exclude": _rules(body, "exclude"),
        "require": _rules(body, "require"),
        "session_duration": _duration(body.get("session_duration"), "session_duration") or "24h",
        "created_at": current["created_at"] if current else iso(now()),
        "updated_at": iso(now()),
    }
    for key in POLICY_BOOLS:
        policy[key] = bool(_typed(body.get(key), bool, key))
    for key, kind in (("purpose_justification_prompt", str), ("approval_groups", list)):
        if body.get(key) is not None:
            policy[key] = _typed(body[key], kind, key)
    if decision == "bypass" and any(kind_of(rule) not in ("everyone", "ip", "ip_list", "geo", "certificate", "common_name")
                                    for rule in policy["include"] + policy["require"]):
        raise errors.access_invalid("a bypass policy cannot use identity rules")
    return policy


def kind_of(rule):
    return next(iter(rule))


@bp.route(ACCESS + "/policies", methods=["GET"])
def policies_list(account_id):
    require("access_apps")
    chunk, info = paged([_policy_doc(p) for p in state().access["policies"].values()], PER_PAGE_DEFAULT, PER_PAGE_MAX)
    return ok(chunk, info)


def _policy_in_use(policy_id):
    users = _apps_using(policy_id)
    if users:
        raise errors.access_policy_in_use(len(users))


# -- applications -------------------------------------------------------------------------

def _zone_of(host):
    host = host.lower().lstrip("*.")
    names = [zone["name"] for zone in state().zones.values()]
    return max((name for name in names if host == name or host.endswith("." + name)), key=len, default=None)


def _public_uri(value, where):
    uri = _string({"uri": value}, "uri", where, required=True)
    if "://" in uri:
        raise errors.access_invalid("%s must be a host name with an optional path, without a scheme: %r" % (where, uri))
    host = uri.split("/", 1)[0]
    if not host or ":" in host or " " in uri or _zone_of(host) is None:
        raise errors.access_invalid("%s: domain does not belong to zone: %r is in none of the account's zones" % (where, uri))
    return uri


def _destination(item, where):
    if not isinstance(item, dict):
        raise errors.access_invalid("%s must be an object" % where)
    kind = item.get("type") or "public"
    if kind == "public":
        unknown = sorted(set(item) - {"type", "uri"})
        if unknown:
            raise errors.access_invalid("%s: %s can only be set on private destinations" % (where, ", ".join(unknown)))
        return {"type": "public", "uri": _public_uri(item.get("uri"), where + ".uri")}
    if kind != "private":
        raise errors.access_invalid("%s.type must be public or private, got %r" % (where, kind))
    unknown = sorted(set(item) - {"type", "cidr", "hostname", "port_range", "l4_protocol", "vnet_id"})
    if unknown:
        raise errors.access_invalid("%s: unknown field(s) %s" % (where, ", ".join(unknown)))
    dest = {"type": "private"}
    if item.get("cidr") is None and item.get("hostname") is None:
        raise errors.access_invalid("%s: a private destination needs cidr or hostname" % where)
    if item.get("cidr") is not None:
        try:
            network = ipaddress.ip_network(_string(item, "cidr", where + ".cidr"), strict=True)
        except ValueError:
            raise errors.access_invalid("%s.cidr must be an IP address or a CIDR without host bits, got %r"
                                        % (where, item["cidr"])) from None
        dest["cidr"] = str(network)  # a single address is stored as /32 (/128)
    if item.get("hostname") is not None:
        dest["hostname"] = _string(item, "hostname", where + ".hostname").lower()
    if item.get("port_range") is not None:
        ports = _string(item, "port_range", where + ".port_range")
        match = re.match(r"^(\d{1,5})(?:-(\d{1,5}))?$", ports)
        low, high = (int(match.group(1)), int(match.group(2) or match.group(1))) if match else (0, 0)
        if not match or not 1 <= low <= high <= 65535:
            raise errors.access_invalid("%s.port_range must be a port or a range like 8000-8099, got %r" % (where, ports))
        dest["port_range"] = ports
    if item.get("l4_protocol") is not None:
        if item["l4_protocol"] not in ("tcp", "udp"):
            raise errors.access_invalid("%s.l4_protocol must be tcp or udp" % where)
        dest["l4_protocol"] = item["l4_protocol"]
    if item.get("vnet_id") is not None:
        vnet = state().vnets.get(_uuid(item["vnet_id"], where + ".vnet_id"))
        if vnet is None or vnet["deleted_at"] is not None:
            raise errors.access_invalid("%s.vnet_id: no virtual network %s" % (where, item["vnet_id"]))
        dest["vnet_id"] = vnet["id"]
    return dest


def _destinations(body):
    """(domain, destinations) kept in step as the API does: destinations win over self_hosted_domains."""
    if body.get("destinations") is not None:
        items = _typed(body["destinations"], list, "destinations")
        dests = [_destination(item, "destinations[%d]" % index) for index, item in enumerate(items)]
    elif body.get("self_hosted_domains") is not None:
        items = _typed(body["self_hosted_domains"], list, "self_hosted_domains")
        dests = [{"type": "public", "uri": _public_uri(item, "self_hosted_domains[%d]" % index)}
                 for index, item in enumerate(items)]
    elif body.get("domain") is not None:
        dests = [{"type": "public", "uri": _public_uri(body["domain"], "domain")}]
    else:
        raise errors.access_invalid("domain is required (or destinations)")
    if not dests:
        raise errors.access_invalid("an application needs at least one destination")
    public = [d["uri"] for d in dests if d["type"] == "public"]
    if len(public) > MAX_PUBLIC_DESTINATIONS:
        raise errors.access_invalid("an application protects at most %d domains" % MAX_PUBLIC_DESTINATIONS)
    if len(set(u.lower() for u in public)) != len(public):
        raise errors.access_invalid("destinations repeat a domain")
    domain = body.get("domain")
    if domain is not None and body.get("destinations") is not None and public:
        if _public_uri(domain, "domain") not in public:
            raise errors.access_invalid("domain %r is not one of the application's public destinations" % domain)
    if domain is None:
        first = dests[0]
        domain = first.get("uri") or first.get("hostname") or first.get("cidr")
    return domain, dests


def _links(body, current):
    """The reusable policies linked to the app; omitted keeps the current links, [] removes them all."""
    if "policies" not in body or body["policies"] is None:
        return list(current["policies"]) if current else []
    items = _typed(body["policies"], list, "policies")
    links = []
    for index, item in enumerate(items):
        where = "policies[%d]" % index
        if isinstance(item, str):
            item = {"id": item}
        if not isinstance(item, dict):
            raise errors.access_invalid("%s must be a policy id or {id, precedence}" % where)
        if set(item) - {"id", "precedence"}:
            raise errors.access_invalid("%s: application-scoped (inline) policies are legacy and cannot be added here; "
                                        "link a reusable policy with {id, precedence}" % where)
        policy_id = _uuid(item.get("id"), where + ".id")
        if policy_id not in state().access["policies"]:
            raise errors.access_invalid("%s: no reusable policy with id %s" % (where, policy_id))
        precedence = item.get("precedence", index + 1)
        if not isinstance(precedence, int) or isinstance(precedence, bool) or precedence < 1:
            raise errors.access_invalid("%s.precedence must be a positive integer" % where)
        links.append({"id": policy_id, "precedence": precedence})
    if len(set(link["precedence"] for link in links)) != len(links):
        raise errors.access_invalid("policy precedences must be unique")
    if len(set(link["id"] for link in links)) != len(links):
        raise errors.access_invalid("a policy is linked twice")
    return sorted(links, key=lambda link: link["precedence"])


def _app_body(body, current=None):
    """A whole self_hosted application from a POST or PUT body (PUT replaces it; read-only fields are ignored)."""
    kind = _string(body, "type", required=True)
    if kind not in APP_TYPES:
        raise errors.access_invalid("type must be one of %s, got %r" % (", ".join(APP_TYPES), kind))
    if kind != "self_hosted":
        raise errors.access_invalid("this emulator models self_hosted applications only, got type %r" % kind)
    domain, dests = _destinations(body)
    app = {
        "id": current["id"] if current else str(uuid.uuid4()),
        "aud": current["aud"] if current else secrets.token_hex(32),
        "type": kind,
        "name": _string(body, "name") or domain,
        "domain": domain,
        "destinations": dests,
        "created_at": current["created_at"] if current else iso(now()),
        "updated_at": iso(now()),
    }
    for key, (kind_, dummy) in APP_OPTIONS.items():
        value = _typed(body.get(key), kind_, key)
        if value is not None:
            app[key] = value
    _duration(app.get("session_duration"), "session_duration")
    if app.get("options_preflight_bypass") and app.get("cors_headers"):
        raise errors.access_invalid("options_preflight_bypass cannot be true while cors_headers is set")
    idps = _typed(body.get("allowed_idps"), list, "allowed_idps") or []
    for idp in idps:
        if idp not in state().access["identity_providers"]:
            raise errors.access_invalid("allowed_idps: no identity provider with id %s" % idp)
    app["allowed_idps"] = list(idps)
    if app.get("auto_redirect_to_identity") and len(idps) != 1:
        raise errors.access_invalid("auto_redirect_to_identity needs exactly one identity provider in allowed_idps")
    app["tags"] = sorted(_typed(body.get("tags"), list, "tags") or [])
    app["policies"] = _links(body, current)
    for other in state().access["apps"].values():
        if other["id"] != app["id"]:
            taken = set(d["uri"].lower() for d in other["destinations"] if d["type"] == "public")
            for dest in dests:
                if dest["type"] == "public" and dest["uri"].lower() in taken:
                    raise errors.access_app_exists(dest["uri"])
    return app


def _app_doc(app):
    doc = {key: value for key, value in app.items() if key != "policies"}
    for key, (dummy, default) in APP_OPTIONS.items():
        if key not in doc and default is not None:
            doc[key] = default
    doc["self_hosted_domains"] = [d["uri"] for d in app["destinations"] if d["type"] == "public"]
    policies = state().access["policies"]
    doc["policies"] = [dict(policies[link["id"]], precedence=link["precedence"])
                       for link in app["policies"] if link["id"] in policies]
    return doc


@bp.route(ACCESS + "/apps", methods=["GET"])
def apps_list(account_id):
    require("access_apps")
    exact = bool(bool_arg("exact"))
    name, domain, aud, search = (request.args.get(k) for k in ("name", "domain", "aud", "search"))
    out = []
    for app in state().access["apps"].values():
        doc = _app_doc(app)
        domains = [doc["domain"]] + doc["self_hosted_domains"]
        if not _exact_or_contains(app["name"], name, exact) or (aud and app["aud"] != aud):
            continue
        if domain and not any(_exact_or_contains(d, domain, exact) for d in domains):
            continue
        if search and not any(search.lower() in (v or "").lower() for v in [app["name"]] + domains):
            continue
        out.append(doc)
    chunk, info = paged(out, PER_PAGE_DEFAULT, PER_PAGE_MAX)
    return ok(chunk, info)


# -- objects the API replaces whole on PUT ---------------------------------------------------

def replaced_whole(store, group, build, doc, missing, refuse_delete=None):
    """POST (201), GET, PUT (the body replaces the object: what it leaves out returns to its
    default) and DELETE (202 with ``{id}``) of ``…/access/<store>``; ``refuse_delete(id)`` may raise."""
    base = "%s/%s" % (ACCESS, store)

    def create(account_id):
        require(group, write=True)
        obj = build(json_body())
        state().access[store][obj["id"]] = obj
        return ok(doc(obj)), 201

    def get(account_id, obj_id):
        require(group)
        return ok(doc(_find(store, obj_id, missing)))

    def put(account_id, obj_id):
        require(group, write=True)
        obj = build(json_body(), _find(store, obj_id, missing))
        state().access[store][obj_id] = obj
        return ok(doc(obj))

    def delete(account_id, obj_id):
        require(group, write=True)
        _find(store, obj_id, missing)
        if refuse_delete is not None:
            refuse_delete(obj_id)
        del state().access[store][obj_id]
        return ok({"id": obj_id}), 202

    bp.add_url_rule(base, "%s_create" % store, create, methods=["POST"])
    bp.add_url_rule(base + "/<obj_id>", "%s_get" % store, get, methods=["GET"])
    bp.add_url_rule(base + "/<obj_id>", "%s_put" % store, put, methods=["PUT"])
    bp.add_url_rule(base + "/<obj_id>", "%s_delete" % store, delete, methods=["DELETE"])


replaced_whole("policies", "access_apps", _policy_body, _policy_doc, errors.access_policy_not_found,
               refuse_delete=_policy_in_use)
replaced_whole("apps", "access_apps", _app_body, _app_doc, errors.access_app_not_found)


# -- service tokens -----------------------------------------------------------------------

def _token_doc(token, secret=None):
    doc = {key: value for key, value in token.items() if not key.startswith("_")}
    if secret is not None:
        doc["client_secret"] = secret
    return doc


def _new_secret(token):
    """A fresh client secret; the emulator keeps only its hash (GET never returns a secret)."""
    secret = secrets.token_hex(32)
    token["_secret_sha256"] = hashlib.sha256(secret.encode("ascii")).hexdigest()
    return secret


def _set_duration(token, duration):
    token["duration"] = duration
    token["_expires"] = None if duration == "forever" else now().timestamp() + _seconds(duration)
    token["expires_at"] = None if token["_expires"] is None else iso(_utc(token["_expires"]))


def _seconds(duration):
    units = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    sign = -1 if duration.startswith("-") else 1
    return sign * sum(float(number) * units[unit] for number, unit in re.findall(r"([\d.]+)(ns|us|\u00b5s|ms|s|m|h)", duration))


def _utc(timestamp):
    return datetime.fromtimestamp(timestamp, timezone.utc)


def _token_users(token_id):
    """Policies whose rules name the token (by its id, not its client id)."""
    return [p for p in state().access["policies"].values()
            if any(kind_of(rule) == "service_token" and rule["service_token"]["token_id"] == token_id
                   for rule in p["include"] + p["exclude"] + p["require"])]


@bp.route(ACCESS + "/service_tokens", methods=["GET"])
def tokens_list(account_id):
    require("access_service_tokens")
    name, search = request.args.get("name"), request.args.get("search")
    out = [_token_doc(t) for t in state().access["service_tokens"].values()
           if (name is None or t["name"] == name) and (search is None or search.lower() in t["name"].lower())]
    chunk, info = paged(out, PER_PAGE_DEFAULT, PER_PAGE_MAX)
    return ok(chunk, info)


@bp.route(ACCESS + "/service_tokens", methods=["POST"])
def token_create(account_id):
    require("access_service_tokens", write=True)
    body = json_body()
    stamp = iso(now())
    token = {"id": str(uuid.uuid4()), "name": _string(body, "name", required=True),
             "client_id": "%s.access" % secrets.token_hex(16), "created_at": stamp, "updated_at": stamp,
             "last_seen_at": None}
    _set_duration(token, _duration(body.get("duration"), "duration", allow_forever=True) or "8760h")
    secret = _new_secret(token)
    state().access["service_tokens"][token["id"]] = token
    return ok(_token_doc(token, secret)), 201


@bp.route(ACCESS + "/service_tokens/<token_id>", methods=["GET"])
def token_get(account_id, token_id):
    require("access_service_tokens")
    return ok(_token_doc(_find("service_tokens", token_id, errors.access_token_not_found)))


@bp.route(ACCESS + "/service_tokens/<token_id>", methods=["PUT"])
def token_put(account_id, token_id):
    """name and duration, each kept when left out; a new duration starts counting from now."""
    require("access_service_tokens", write=True)
    token = _find("service_tokens", token_id, errors.access_token_not_found)
    body = json_body()
    name = _string(body, "name")
    duration = _duration(body.get("duration"), "duration", allow_forever=True)
    if name is not None:
        token["name"] = name
    if duration is not None:
        _set_duration(token, duration)
    token["updated_at"] = iso(now())
    return ok(_token_doc(token))


@bp.route(ACCESS + "/service_tokens/<token_id>", methods=["DELETE"])
def token_delete(account_id, token_id):
    require("access_service_tokens", write=True)
    token = _find("service_tokens", token_id, errors.access_token_not_found)
    if _token_users(token_id):
        raise errors.access_token_in_use()
    del state().access["service_tokens"][token_id]
    return ok(_token_doc(token))


@bp.route(ACCESS + "/service_tokens/<token_id>/rotate", methods=["POST"])
def token_rotate(account_id, token_id):
    """A new client secret; the old one stops working now, or at previous_client_secret_expires_at."""
    require("access_service_tokens", write=True)
    token = _find("service_tokens", token_id, errors.access_token_not_found)
    body = json_body(required=False)
    grace = body.get("previous_client_secret_expires_at")
    if grace is not None:
        try:
            grace = parse_time(grace).timestamp() if isinstance(grace, str) else None
        except ValueError:
            grace = None
        if grace is None:
            raise errors.access_invalid("previous_client_secret_expires_at must be an RFC 3339 date-time")
    token["_previous"] = (token["_secret_sha256"], grace) if grace is not None else None
    secret = _new_secret(token)
    token["updated_at"] = iso(now())
    return ok(_token_doc(token, secret))


@bp.route(ACCESS + "/service_tokens/<token_id>/refresh", methods=["POST"])
def token_refresh(account_id, token_id):
    """One more year from now (docs: refresh extends the lifetime by one year)."""
    require("access_service_tokens", write=True)
    token = _find("service_tokens", token_id, errors.access_token_not_found)
    token["_expires"] = now().timestamp() + 8760 * 3600
    token["expires_at"] = iso(_utc(token["_expires"]))
    token["updated_at"] = iso(now())
    return ok(_token_doc(token))


# -- controls ---------------------------------------------------------------------------

def verify_service_token(client_id, client_secret):
    """What Access does with CF-Access-Client-Id / -Secret headers: the token they name, if valid."""
    digest = hashlib.sha256(str(client_secret).encode("utf-8")).hexdigest()
    for token in state().access["service_tokens"].values():
        if token["client_id"] != client_id:
            continue
        expired = token["_expires"] is not None and token["_expires"] <= now().timestamp()
        previous = token.get("_previous")
        in_grace = bool(previous) and previous[0] == digest and previous[1] > now().timestamp()
        if not expired and (token["_secret_sha256"] == digest or in_grace):
            return token
    return None


@controls.route("/_emulator/access/verify", methods=["POST"])
def control_verify():
    body = json_body()
    token = verify_service_token(body.get("client_id"), body.get("client_secret"))
    return jsonify({"valid": token is not None, "token_id": token["id"] if token else None})


@controls.route("/_emulator/access", methods=["PATCH"])
def control_access():
    body = json_body()
    unknown = sorted(set(body) - {"team_name"})
    if unknown:
        raise errors.bad_request("unknown fields: %s (known: team_name)" % ", ".join(unknown))
    if "team_name" in body:
        team = body["team_name"]
        if team is not None and (not isinstance(team, str) or not re.match(r"^[a-z0-9-]{1,63}$", team)):
            raise errors.bad_request("team_name must be a DNS label (or null: no Zero Trust organization)")
        state().access["team_name"] = team
    return jsonify({"team_name": state().access["team_name"]})


@controls.route("/_emulator/tokens", methods=["POST"])
def control_token():
    body = json_body()
    state().add_token(body.get("token"), body.get("scopes"))
    return jsonify({"token": body.get("token"), "scopes": state().token_scopes[body.get("token")]})
