"""Zones, DNS records and token verification (reference §8)."""

import ipaddress
from datetime import timedelta

from flask import Blueprint, g, request

from . import errors
from .api import bool_arg, field, json_body, ok, paged, require_write, state
from .state import hex_id, iso, now, token_id

bp = Blueprint("dns", __name__)

RECORD_TYPES = ("A", "AAAA", "CNAME", "TXT", "MX", "NS")
PROXIABLE = ("A", "AAAA", "CNAME")
ZONE_PER_PAGE_DEFAULT = 20
ZONE_PER_PAGE_MAX = 50
DNS_PER_PAGE_DEFAULT = 100
DNS_PER_PAGE_MAX = 5000000


# -- token verification -------------------------------------------------------------------

def _verify():
    if g.get("auth_kind") != "token":
        raise errors.bearer_only()
    issued = now().replace(microsecond=0)
    return ok({
        "id": token_id(g.token),
        "status": "active",
        "not_before": iso(issued - timedelta(days=1)).replace(".000000", ""),
        "expires_on": iso(issued + timedelta(days=365)).replace(".000000", ""),
    })


@bp.route("/user/tokens/verify", methods=["GET"])
def user_token_verify():
    return _verify()


@bp.route("/accounts/<account_id>/tokens/verify", methods=["GET"])
def account_token_verify(account_id):
    return _verify()


# -- zones ----------------------------------------------------------------------------------

def _zone(zone_id):
    zone = state().zones.get(zone_id)
    if zone is None:
        raise errors.no_route("/zones/%s" % zone_id)
    return zone


@bp.route("/zones", methods=["GET"])
def zones_list():
    name = request.args.get("name")
    status = request.args.get("status")
    account_id = request.args.get("account.id")
    zones = list(state().zones.values())
    if name:
        zones = [z for z in zones if z["name"] == name.strip().rstrip(".").lower()]
    if status:
        zones = [z for z in zones if z["status"] == status]
    if account_id:
        zones = [z for z in zones if z["account"]["id"] == account_id]
    chunk, info = paged(zones, ZONE_PER_PAGE_DEFAULT, ZONE_PER_PAGE_MAX)
    return ok([dict(z) for z in chunk], info)


@bp.route("/zones/<zone_id>", methods=["GET"])
def zone_get(zone_id):
    return ok(dict(_zone(zone_id)))


# -- DNS records ----------------------------------------------------------------------------

def _fqdn(name, zone):
    name = name.strip().rstrip(".").lower()
    if name in ("@", ""):
        return zone["name"]
    if name == zone["name"] or name.endswith("." + zone["name"]):
        return name
    return "%s.%s" % (name, zone["name"])


def _validate_content(rtype, content, name):
    if rtype == "A":
        try:
            ipaddress.IPv4Address(content)
        except ValueError:
            raise errors.bad_record("content must be an IPv4 address for an A record") from None
    elif rtype == "AAAA":
        try:
            ipaddress.IPv6Address(content)
        except ValueError:
            raise errors.bad_record("content must be an IPv6 address for an AAAA record") from None
        content = str(ipaddress.IPv6Address(content))
    elif rtype in ("CNAME", "NS", "MX"):
        content = content.strip().rstrip(".").lower()
        if not content or " " in content:
            raise errors.bad_record("content must be a hostname")
        if rtype == "CNAME" and content == name:
            raise errors.bad_record("CNAME content must differ from the record name")
    return content


def _build(body, zone, current=None):
    """Validate a create/PUT body (current is None) or a PATCH body merged onto current."""
    base = dict(current) if current else {}
    rtype = field(body, "type", str, required=current is None)
    rtype = (rtype or base.get("type") or "").upper()
    if rtype not in RECORD_TYPES:
        raise errors.bad_record("type must be one of %s" % ", ".join(RECORD_TYPES))
    name = field(body, "name", str, required=current is None)
    name = _fqdn(name, zone) if name is not None else base["name"]
    if len(name) > 255:
        raise errors.bad_record("name is longer than 255 characters")
    content = field(body, "content", str, required=current is None)
    content = content if content is not None else base.get("content")
    content = _validate_content(rtype, content, name)
    proxied = field(body, "proxied", bool, default=base.get("proxied", False))
    if proxied and rtype not in PROXIABLE:
        raise errors.not_proxiable()
    ttl = field(body, "ttl", int, default=base.get("ttl", 1))
    if ttl != 1 and not 60 <= ttl <= 86400:
        raise errors.bad_ttl()
    comment = field(body, "comment", str, default=base.get("comment"))
    tags = field(body, "tags", list, default=base.get("tags", []))
    if any(not isinstance(t, str) for t in tags):
        raise errors.bad_request("field 'tags' must be an array of strings")
    priority = field(body, "priority", int, default=base.get("priority"))
    if rtype == "MX" and priority is None:
        raise errors.bad_record("MX records need a priority")
    record = {
        "id": base.get("id") or hex_id(),
        "zone_id": zone["id"],
        "zone_name": zone["name"],
        "name": name,
        "type": rtype,
        "content": content,
        "proxiable": rtype in PROXIABLE,
        "proxied": proxied,
        "ttl": ttl,
        "settings": {},
        "meta": {"auto_added": False, "managed_by_apps": False, "managed_by_argo_tunnel": False},
        "comment": comment,
        "tags": list(tags),
        "created_on": base.get("created_on"),
        "modified_on": base.get("modified_on"),
    }
    if rtype == "MX":
        record["priority"] = priority
    return record


def _check_conflicts(records, record):
    for other in records.values():
        if other["id"] == record["id"] or other["name"] != record["name"]:
            continue
        if other["type"] == record["type"] and other["content"] == record["content"]:
            raise errors.identical_record()
        if "CNAME" in (other["type"], record["type"]):
            raise errors.cname_conflict()


def _record(zone_id, record_id):
    _zone(zone_id)
    record = state().records[zone_id].get(record_id)
    if record is None:
        raise errors.record_not_found()
    return record


@bp.route("/zones/<zone_id>/dns_records", methods=["GET"])
def records_list(zone_id):
    zone = _zone(zone_id)
    records = list(state().records[zone_id].values())
    name = request.args.get("name") or request.args.get("name.exact")
    rtype = request.args.get("type")
    content = request.args.get("content") or request.args.get("content.exact")
    proxied = bool_arg("proxied")
    comment = request.args.get("comment") or request.args.get("comment.exact")
    match = request.args.get("match", "all")
    if match not in ("all", "any"):
        raise errors.bad_request("query parameter 'match' must be all or any")
    tests = []
    if name:
        wanted = _fqdn(name, zone)
        tests.append(lambda r: r["name"] == wanted)
    if rtype:
        tests.append(lambda r: r["type"] == rtype.upper())
    if content:
        tests.append(lambda r: r["content"].lower() == content.lower())
    if proxied is not None:
        tests.append(lambda r: r["proxied"] == proxied)
    if comment:
        tests.append(lambda r: r["comment"] == comment)
    if tests:
        combine = all if match == "all" else any
        records = [r for r in records if combine(test(r) for test in tests)]
    chunk, info = paged(records, DNS_PER_PAGE_DEFAULT, DNS_PER_PAGE_MAX)
    return ok([dict(r) for r in chunk], info)


@bp.route("/zones/<zone_id>/dns_records", methods=["POST"])
def record_create(zone_id):
    require_write()
    zone = _zone(zone_id)
    record = _build(json_body(), zone)
    records = state().records[zone_id]
    _check_conflicts(records, record)
    record["created_on"] = record["modified_on"] = iso(now())
    records[record["id"]] = record
    return ok(dict(record))


@bp.route("/zones/<zone_id>/dns_records/<record_id>", methods=["GET"])
def record_get(zone_id, record_id):
    return ok(dict(_record(zone_id, record_id)))


def _update(zone_id, record_id, partial):
    require_write()
    zone = _zone(zone_id)
    current = _record(zone_id, record_id)
    body = json_body()
    if partial:
        record = _build(body, zone, current)
    else:
        record = _build(body, zone)
        record["id"] = current["id"]
        record["created_on"] = current["created_on"]
    records = state().records[zone_id]
    _check_conflicts(records, record)
    record["modified_on"] = iso(now())
    records[record_id] = record
    return ok(dict(record))


@bp.route("/zones/<zone_id>/dns_records/<record_id>", methods=["PUT"])
def record_put(zone_id, record_id):
    return _update(zone_id, record_id, partial=False)


@bp.route("/zones/<zone_id>/dns_records/<record_id>", methods=["PATCH"])
def record_patch(zone_id, record_id):
    return _update(zone_id, record_id, partial=True)


@bp.route("/zones/<zone_id>/dns_records/<record_id>", methods=["DELETE"])
def record_delete(zone_id, record_id):
    require_write()
    _record(zone_id, record_id)
    json_body(required=False)
    del state().records[zone_id][record_id]
    return ok({"id": record_id})
