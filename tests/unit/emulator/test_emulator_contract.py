"""Contract test: the emulator's responses validate against the published OpenAPI subset.

The spec is ../shared/reference/cloudflare-tunnel-openapi.json relative to the repository root
(override with CLOUDFLARE_OPENAPI_SPEC).  When it is missing the test fails under CI=true and is
skipped, with the reason shown, otherwise.

Every operation of the spec that the emulator serves is called at least once for a success and
once for a failure, and each response is validated with openapi-core.  Deliberate deviations,
each a documented quirk of the spec (reference §0, §2, §10), are applied to a copy of the spec
below in `_patch_spec` and nowhere else:

* fields the spec's own prose documents as "null when not applicable" (`deleted_at`,
  `conns_active_at`, `conns_inactive_at`, a route's computed `virtual_network_id`, a DNS
  record's `comment`) are typed as plain strings; the live API returns null, so they are
  made nullable;
* every `4XX` response is declared as `allOf: [<the success envelope>, <the failure
  envelope>]`, which no body can satisfy (`success` would have to be both true and false);
  failures are validated against the failure envelope alone;
* the failure envelope's `result` is declared `{enum: [null], type: object}` without
  `nullable` on every level openapi-core looks at; null is what the reference (§9) specifies.
Requests are not validated against the spec (ingress `hostname` is marked required and the
2024 DNS request body lists server-only fields as required: reference §10).

The hostname routes (reference §6.8) are not in the JSON: `_with_hostname_routes` adds their
five operations, written from the reference's description of the object and the list filters,
so that they are held to a schema (and to the same coverage rule) like every other path.
"""

import copy
import json
import os
import re
from pathlib import Path

import pytest
import requests

NOT_SERVED = {
    # legacy Argo Tunnel endpoints (eol 2024-02-04, reference §4.2)
    ("post", "/accounts/{account_id}/tunnels"),
    ("get", "/accounts/{account_id}/tunnels/{tunnel_id}"),
    ("delete", "/accounts/{account_id}/tunnels/{tunnel_id}"),
    ("delete", "/accounts/{account_id}/tunnels/{tunnel_id}/connections"),
    # deprecated CIDR-path route variants (removed 2026-10-05, reference §6.7)
    ("post", "/accounts/{account_id}/teamnet/routes/network/{ip_network_encoded}"),
    ("patch", "/accounts/{account_id}/teamnet/routes/network/{ip_network_encoded}"),
    ("delete", "/accounts/{account_id}/teamnet/routes/network/{ip_network_encoded}"),
}

NULLABLE_BY_PROSE = ("tunnel_deleted_at", "tunnel_conns_active_at", "tunnel_conns_inactive_at")


def _spec_path():
    """CLOUDFLARE_OPENAPI_SPEC, else <ancestor>/shared/reference/... for the repo root's parent.

    The repo root is the nearest ancestor that holds galaxy.yml; the test runner's copy under
    build/collections/ansible_collections/... also lies below the checkout, so every ancestor
    of this file (and of the working directory) is tried in turn.
    """
    env = os.environ.get("CLOUDFLARE_OPENAPI_SPEC")
    if env:
        return Path(env)
    relative = Path("shared") / "reference" / "cloudflare-tunnel-openapi.json"
    here = Path(__file__).resolve()
    repo_root = next((p for p in here.parents if (p / "galaxy.yml").exists()), here.parents[3])
    first = repo_root.parent / relative
    for base in [repo_root.parent] + list(here.parents) + list(Path.cwd().resolve().parents):
        if (base / relative).exists():
            return base / relative
    return first


HOSTNAME_ROUTES = "/accounts/{account_id}/zerotrust/routes/hostname"


def _with_hostname_routes(spec):
    """A copy of the spec with the §6.8 hostname-route operations (2026-only, not in the JSON)."""
    spec = copy.deepcopy(spec)
    schemas = spec["components"]["schemas"]
    uuid_string = {"type": "string", "format": "uuid", "maxLength": 36}
    schemas["hostname_route"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "hostname", "tunnel_id", "tunnel_name", "tun_type", "comment", "created_at", "deleted_at"],
        "properties": {
            "id": uuid_string,
            "hostname": {"type": "string", "maxLength": 254},
            "tunnel_id": uuid_string,
            "tunnel_name": {"type": "string"},
            "tun_type": {"$ref": "#/components/schemas/tunnel_tunnel_type"},
            "comment": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "deleted_at": {"type": "string", "format": "date-time", "nullable": True},
        },
    }
    single = {"allOf": [{"$ref": "#/components/schemas/tunnel_api-response-single"},
                        {"type": "object", "properties": {"result": {"$ref": "#/components/schemas/hostname_route"}}}]}
    collection = {"allOf": [{"$ref": "#/components/schemas/tunnel_api-response-collection"},
                            {"type": "object", "required": ["result_info"], "properties": {
                                "result": {"type": "array", "items": {"$ref": "#/components/schemas/hostname_route"}}}}]}
    failure = {"$ref": "#/components/schemas/tunnel_api-response-common-failure"}
    account = {"name": "account_id", "in": "path", "required": True,
               "schema": {"$ref": "#/components/schemas/tunnel_account_id"}}
    route_id = {"name": "hostname_route_id", "in": "path", "required": True, "schema": uuid_string}
    filters = [{"name": name, "in": "query", "schema": schema} for name, schema in (
        ("id", uuid_string), ("hostname", {"type": "string"}), ("tunnel_id", uuid_string),
        ("comment", {"type": "string"}), ("existed_at", {"type": "string", "format": "date-time"}),
        ("is_deleted", {"type": "boolean"}), ("page", {"type": "number", "minimum": 1}),
        ("per_page", {"type": "number", "minimum": 1, "maximum": 1000}))]
    body = {"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {
        "hostname": {"type": "string"}, "tunnel_id": uuid_string, "comment": {"type": "string"}}}}}}

    def operation(parameters, success, request_body=None):
        op = {"parameters": parameters, "responses": {
            "200": {"description": "success", "content": {"application/json": {"schema": success}}},
            "4XX": {"description": "failure", "content": {"application/json": {"schema": {
                "allOf": [single, failure]}}}}}}
        if request_body:
            op["requestBody"] = request_body
        return op

    spec["paths"][HOSTNAME_ROUTES] = {
        "get": operation([account] + filters, collection),
        "post": operation([account], single, body),
    }
    spec["paths"][HOSTNAME_ROUTES + "/{hostname_route_id}"] = {
        "get": operation([account, route_id], single),
        "patch": operation([account, route_id], single, body),
        "delete": operation([account, route_id], single),
    }
    return spec


def _patch_spec(spec, server_url):
    spec = copy.deepcopy(spec)
    spec["servers"] = [{"url": server_url}]
    schemas = spec["components"]["schemas"]
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            media = operation["responses"]["4XX"]["content"]["application/json"]
            parts = media["schema"].get("allOf", [media["schema"]])
            failure = [p for p in parts if p.get("$ref", "").endswith("api-response-common-failure")]
            assert len(failure) == 1, "unexpected failure schema shape: %s" % media["schema"]
            media["schema"] = failure[0]
    for name in NULLABLE_BY_PROSE:
        schemas[name]["nullable"] = True
    for name, schema in schemas.items():
        if name.endswith("api-response-common-failure"):
            schema["properties"]["result"] = {"nullable": True, "enum": [None]}
        if name in ("dns-records_comment",):
            schema["nullable"] = True
    return spec


@pytest.fixture(scope="module")
def openapi(emulator_server):
    path = _spec_path()
    if not path.exists():
        message = "OpenAPI spec not found at %s (set CLOUDFLARE_OPENAPI_SPEC)" % path
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from openapi_core import OpenAPI  # pylint: disable=import-outside-toplevel
    with open(path, encoding="utf-8") as handle:
        spec = _with_hostname_routes(json.load(handle))
    return spec, OpenAPI.from_dict(_patch_spec(spec, emulator_server.base_url))


def _templates(spec):
    out = []
    for template, item in spec["paths"].items():
        regex = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                out.append((method, template, re.compile(regex)))
    # most specific first: fewer parameters win (…/routes/ip/{ip} over …/routes/{route_id})
    out.sort(key=lambda t: (t[1].count("{"), -len(t[1])))
    return out


class Checker:
    def __init__(self, api, emulator, spec, openapi):
        self.api = api
        self.emu = emulator
        self.openapi = openapi
        self.templates = _templates(spec)
        self.seen = {}

    def _operation(self, method, url):
        path = url.split("/client/v4", 1)[1].split("?", 1)[0]
        for m, template, regex in self.templates:
            if m == method.lower() and regex.match(path):
                return (m, template)
        return None

    def call(self, method, path, expect, **kwargs):
        from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse  # noqa
        resp = self.api.call(method, path, **kwargs)
        assert resp.status_code == expect, resp.text
        op = self._operation(method, resp.url)
        assert op is not None, "%s %s is not in the spec" % (method, resp.url)
        errors = list(self.openapi.iter_response_errors(RequestsOpenAPIRequest(resp.request),
                                                        RequestsOpenAPIResponse(resp)))
        details = [str(e) + " " + str(getattr(e, "__cause__", "")) for e in errors]
        assert not errors, "%s %s -> %s: %s\n%s" % (method, path, resp.status_code, details, resp.text[:800])
        self.seen.setdefault(op, set()).add("ok" if resp.status_code == 200 else "fail")
        return resp.json()["result"]


def test_responses_match_openapi(api, emulator, openapi):
    spec, oas = openapi
    c = Checker(api, emulator, spec, oas)
    acct = "/accounts/{account}"
    missing = "00000000-0000-4000-8000-000000000000"
    secret = "a" * 43 + "="

    # cfd_tunnel
    tun = c.call("POST", acct + "/cfd_tunnel", 200, json={"name": "c1", "config_src": "cloudflare", "tunnel_secret": secret})
    c.call("POST", acct + "/cfd_tunnel", 409, json={"name": "c1"})
    c.call("GET", acct + "/cfd_tunnel", 200, params={"is_deleted": "false", "per_page": 5})
    c.call("GET", acct + "/cfd_tunnel", 400, params={"per_page": 0})
    t = acct + "/cfd_tunnel/" + tun["id"]
    c.call("GET", t, 200)
    c.call("GET", acct + "/cfd_tunnel/" + missing, 404)
    c.call("PATCH", t, 200, json={"name": "c1b"})
    c.call("PATCH", t, 400, json={"tunnel_secret": "short"})
    c.call("GET", t + "/token", 200)
    c.call("GET", t + "/token", 403, token=emulator.read_token)
    c.call("POST", t + "/management", 200, json={"resources": ["logs"]})
    c.call("POST", t + "/management", 400, json={})
    cfg = {"ingress": [{"hostname": "a.example.com", "service": "http://localhost:80"}, {"service": "http_status:404"}]}
    c.call("GET", t + "/configurations", 200)
    c.call("PUT", t + "/configurations", 200, json={"config": cfg})
    c.call("PUT", t + "/configurations", 400, json={"config": {"ingress": []}})
    c.call("GET", acct + "/cfd_tunnel/" + missing + "/configurations", 404)
    connector = emulator.control.register_connector(api.ok("GET", t + "/token"))
    c.call("GET", t, 200)  # with connections
    c.call("GET", t + "/connections", 200)
    c.call("GET", acct + "/cfd_tunnel/" + missing + "/connections", 404)
    c.call("GET", t + "/connectors/" + connector["connector_id"], 200)
    c.call("GET", t + "/connectors/" + missing, 404)
    c.call("DELETE", t, 400, json={})
    c.call("DELETE", t + "/connections", 200, params={"client_id": connector["connector_id"]}, json={})
    c.call("DELETE", t + "/connections", 403, token=emulator.read_token, json={})

    # all tunnels and warp connectors
    warp = c.call("POST", acct + "/warp_connector", 200, json={"name": "w1"})
    c.call("POST", acct + "/warp_connector", 400, json={})
    w = acct + "/warp_connector/" + warp["id"]
    c.call("GET", acct + "/warp_connector", 200)
    c.call("GET", acct + "/warp_connector", 400, params={"page": 0})
    c.call("GET", w, 200)
    c.call("GET", acct + "/warp_connector/" + missing, 404)
    c.call("PATCH", w, 200, json={"name": "w2"})
    c.call("PATCH", w, 403, token=emulator.read_token, json={"name": "w3"})
    c.call("GET", w + "/token", 200)
    c.call("GET", w + "/token", 403, token=emulator.read_token)
    c.call("GET", acct + "/tunnels", 200, params={"tun_types": "cfd_tunnel,warp_connector"})
    c.call("GET", acct + "/tunnels", 400, params={"tun_types": "nope"})

    # routes and virtual networks
    vnet = c.call("POST", acct + "/teamnet/virtual_networks", 200, json={"name": "v1", "is_default_network": True})
    c.call("POST", acct + "/teamnet/virtual_networks", 409, json={"name": "v1"})
    v = acct + "/teamnet/virtual_networks/" + vnet["id"]
    c.call("GET", acct + "/teamnet/virtual_networks", 200)
    c.call("GET", acct + "/teamnet/virtual_networks", 400, params={"is_deleted": "perhaps"})
    c.call("GET", v, 200)
    c.call("GET", acct + "/teamnet/virtual_networks/" + missing, 404)
    c.call("PATCH", v, 200, json={"comment": "x"})
    c.call("PATCH", acct + "/teamnet/virtual_networks/" + missing, 404, json={"comment": "x"})
    route = c.call("POST", acct + "/teamnet/routes", 200, json={"network": "10.0.0.0/16", "tunnel_id": tun["id"]})
    c.call("POST", acct + "/teamnet/routes", 409, json={"network": "10.0.0.0/16", "tunnel_id": tun["id"]})
    c.call("POST", acct + "/teamnet/routes", 400, json={"network": "10.0.0.1/16", "tunnel_id": tun["id"]})
    r = acct + "/teamnet/routes/" + route["id"]
    c.call("GET", acct + "/teamnet/routes", 200)
    c.call("GET", acct + "/teamnet/routes", 200, params={"is_deleted": "true", "tun_types": "cfd_tunnel"})
    c.call("GET", acct + "/teamnet/routes", 400, params={"per_page": 5000})
    c.call("GET", r, 200)
    c.call("GET", acct + "/teamnet/routes/" + missing, 404)
    c.call("GET", acct + "/teamnet/routes/ip/10.0.1.1", 200)
    c.call("GET", acct + "/teamnet/routes/ip/10.0.1.1", 200, params={"virtual_network_id": vnet["id"]})
    c.call("GET", acct + "/teamnet/routes/ip/192.168.0.1", 404)
    c.call("PATCH", r, 200, json={"comment": "y"})
    c.call("PATCH", acct + "/teamnet/routes/" + missing, 404, json={"comment": "y"})
    c.call("DELETE", v, 400)  # the default network
    other = c.call("POST", acct + "/teamnet/virtual_networks", 200, json={"name": "v2"})
    o = acct + "/teamnet/virtual_networks/" + other["id"]
    moved = c.call("PATCH", r, 200, json={"virtual_network_id": other["id"]})
    assert moved["virtual_network_id"] == other["id"]
    c.call("DELETE", o, 400)  # in use
    c.call("DELETE", r, 200)
    c.call("DELETE", r, 404)  # 1015: no longer routed
    c.call("GET", r, 200)  # deleted routes stay readable
    c.call("DELETE", o, 200)
    c.call("DELETE", o, 404)  # 1054: already deleted
    forced = c.call("POST", acct + "/teamnet/virtual_networks", 200, json={"name": "v3"})
    c.call("POST", acct + "/teamnet/routes", 200, json={"network": "10.3.0.0/16", "tunnel_id": tun["id"],
                                                        "virtual_network_id": forced["id"]})
    c.call("DELETE", acct + "/teamnet/virtual_networks/" + forced["id"], 200, params={"force": "true"})

    # hostname routes (reference §6.8)
    h = acct + "/zerotrust/routes/hostname"
    hroute = c.call("POST", h, 200, json={"hostname": "*.Wiki.Internal.", "tunnel_id": tun["id"], "comment": "w"})
    assert hroute["hostname"] == "wiki.internal"
    c.call("POST", h, 409, json={"hostname": "wiki.internal", "tunnel_id": tun["id"]})
    c.call("POST", h, 400, json={"hostname": "wiki.internal:443", "tunnel_id": tun["id"]})
    c.call("GET", h, 200, params={"hostname": "WIKI", "is_deleted": "false"})
    c.call("GET", h, 400, params={"per_page": 1001})
    hr = h + "/" + hroute["id"]
    c.call("GET", hr, 200)
    c.call("GET", h + "/" + missing, 404)
    c.call("PATCH", hr, 200, json={"comment": "wiki"})
    c.call("PATCH", hr, 400, json={"hostname": "a.*.internal"})
    c.call("DELETE", hr, 200)
    c.call("DELETE", hr, 404)

    # token verify
    c.call("GET", "/user/tokens/verify", 200)
    c.call("GET", "/user/tokens/verify", 401, token="nope")
    c.call("GET", acct + "/tokens/verify", 200)
    c.call("GET", acct + "/tokens/verify", 401, headers={})

    # DNS
    zone = api.ok("GET", "/zones", params={"name": "example.com"})[0]
    d = "/zones/%s/dns_records" % zone["id"]
    rec = c.call("POST", d, 200, json={"type": "CNAME", "name": "app", "content": tun["id"] + ".cfargotunnel.com",
                                       "proxied": True})
    c.call("POST", d, 400, json={"type": "A", "name": "app", "content": "192.0.2.1"})
    c.call("POST", d, 200, json={"type": "TXT", "name": "txt", "content": "hello", "comment": "c", "tags": ["k:v"]})
    c.call("POST", d, 200, json={"type": "A", "name": "a", "content": "192.0.2.1", "ttl": 300})
    c.call("POST", d, 200, json={"type": "AAAA", "name": "a", "content": "2001:db8::1"})
    c.call("GET", d, 200, params={"type": "CNAME"})
    c.call("GET", d, 400, params={"per_page": 0})
    c.call("GET", d + "/" + rec["id"], 200)
    c.call("GET", d + "/" + "0" * 32, 404)
    c.call("PUT", d + "/" + rec["id"], 200, json={"type": "CNAME", "name": "app", "content": "x.example.net"})
    c.call("PUT", d + "/" + rec["id"], 400, json={"type": "CNAME", "name": "app"})
    c.call("PATCH", d + "/" + rec["id"], 200, json={"proxied": False})
    c.call("PATCH", d + "/" + rec["id"], 400, json={"ttl": 5})
    c.call("DELETE", d + "/" + rec["id"], 200)
    c.call("DELETE", d + "/" + rec["id"], 404)

    # deletes last; the 2023 behaviour refuses to delete a tunnel that has routes (1023)
    c.call("POST", acct + "/teamnet/routes", 200, json={"network": "10.9.0.0/16", "tunnel_id": warp["id"]})
    emulator.control.settings(tunnel_delete_routes="refuse")
    c.call("DELETE", w, 400, json={})
    emulator.control.settings(tunnel_delete_routes="cascade")
    c.call("DELETE", w, 200, json={})
    c.call("DELETE", w, 400, json={})
    c.call("DELETE", t, 200, params={"cascade": "true"}, json={})
    c.call("DELETE", acct + "/cfd_tunnel/" + missing, 404, json={})

    # the operations we do not serve answer 404 7003 (validated against their failure schema)
    for method, template in sorted(NOT_SERVED):
        path = template.replace("{account_id}", emulator.account_id).replace("{tunnel_id}", tun["id"])
        path = path.replace("{ip_network_encoded}", "10.0.0.0%2F8")
        resp = api.call(method.upper(), path, json={"tunnel_id": tun["id"], "name": "x", "tunnel_secret": secret})
        assert resp.status_code == 404 and resp.json()["errors"][0]["code"] == 7003, (method, template)

    served = {(m, t) for m, t, dummy in c.templates} - NOT_SERVED
    assert set(c.seen) == served, "operations without a contract check: %s" % sorted(served - set(c.seen))
    lacking = {op: kinds for op, kinds in c.seen.items() if kinds != {"ok", "fail"}}
    assert not lacking, "operations without both a success and a failure check: %s" % lacking


def test_missing_spec_is_loud_under_ci(tmp_path, monkeypatch):
    """The spec lookup honours CLOUDFLARE_OPENAPI_SPEC (used to point CI at the file)."""
    target = tmp_path / "spec.json"
    monkeypatch.setenv("CLOUDFLARE_OPENAPI_SPEC", str(target))
    assert _spec_path() == target
    assert requests  # the contract test drives real HTTP


def test_validator_is_not_vacuous(api, emulator, openapi):
    """A response that breaks the schema (wrong field type, missing envelope key) is reported."""
    from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse  # noqa
    oas = openapi[1]
    api.create_tunnel("v")
    resp = api.call("GET", "/accounts/{account}/cfd_tunnel")
    good = list(oas.iter_response_errors(RequestsOpenAPIRequest(resp.request), RequestsOpenAPIResponse(resp)))
    assert good == []
    body = resp.json()
    body["result"][0]["created_at"] = 12345
    resp._content = json.dumps(body).encode()  # pylint: disable=protected-access
    bad = list(oas.iter_response_errors(RequestsOpenAPIRequest(resp.request), RequestsOpenAPIResponse(resp)))
    assert bad
    del body["success"]
    body["result"][0]["created_at"] = "2024-01-01T00:00:00Z"
    resp._content = json.dumps(body).encode()  # pylint: disable=protected-access
    assert list(oas.iter_response_errors(RequestsOpenAPIRequest(resp.request), RequestsOpenAPIResponse(resp)))
