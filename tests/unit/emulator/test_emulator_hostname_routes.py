"""Hostname routes (reference §6.8): normalisation, validation, filters, lifecycle."""

import pytest

HOSTNAMES = "/accounts/{account}/zerotrust/routes/hostname"
FIELDS = {"id", "hostname", "tunnel_id", "tunnel_name", "tun_type", "comment", "created_at", "deleted_at"}
MISSING = "00000000-0000-4000-8000-000000000000"


def create(api, hostname, tunnel, **extra):
    return api.ok("POST", HOSTNAMES, json=dict(extra, hostname=hostname, tunnel_id=tunnel["id"]))


@pytest.mark.parametrize("sent, stored", [
    ("wiki.internal", "wiki.internal"),
    ("Wiki.Internal.Example", "wiki.internal.example"),
    ("wiki.internal.", "wiki.internal"),
    (".wiki.internal", "wiki.internal"),
    ("..wiki.internal..", "wiki.internal"),
    ("*.internal.local", "internal.local"),
    ("*.Internal.Local.", "internal.local"),
    (".*.internal.local", "internal.local"),
    ("intranet", "intranet"),
    ("_sip.a-b.internal", "_sip.a-b.internal"),
    ("x" * 63 + ".internal", "x" * 63 + ".internal"),
])
def test_hostname_is_stored_normalised(api, sent, stored):
    tun = api.create_tunnel("h")
    route = create(api, sent, tun)
    assert route["hostname"] == stored
    assert api.ok("GET", HOSTNAMES + "/" + route["id"])["hostname"] == stored


@pytest.mark.parametrize("bad, why", [
    ("wiki.internal:443", "port"),
    ("*.*.internal", "wildcard"),
    ("a.*.internal", "wildcard"),
    ("*wiki.internal", "wildcard"),
    ("wiki*.internal", "wildcard"),
    ("*", "empty"),
    ("*.", "empty"),
    ("...", "empty"),
    ("", "empty"),
    ("wiki internal", "valid host name"),
    ("wiki..internal", "valid host name"),
    ("-wiki.internal", "valid host name"),
    ("wiki-.internal", "valid host name"),
    ("wiki/path.internal", "valid host name"),
    ("x" * 64 + ".internal", "valid host name"),
    ("wïki.internal", "ASCII"),
    (".".join(["abcdefghi"] * 25) + ".internal", "longer than 254"),
])
def test_invalid_hostnames_are_refused_with_the_reason(api, bad, why):
    tun = api.create_tunnel("bad")
    body = api.fail("POST", HOSTNAMES, 400, 1001, json={"hostname": bad, "tunnel_id": tun["id"]})
    assert why in body["errors"][0]["message"]
    assert api.listing(HOSTNAMES)[0] == []


def test_create_get_patch_delete(api, emulator):
    tun = api.create_tunnel("private")
    other = api.create_tunnel("private2")
    route = create(api, "Wiki.Internal", tun, comment="docs")
    assert set(route) == FIELDS
    assert route["tunnel_name"] == "private" and route["tun_type"] == "cfd_tunnel"
    assert route["comment"] == "docs" and route["deleted_at"] is None and route["created_at"]
    assert create(api, "plain.internal", tun)["comment"] == ""
    path = HOSTNAMES + "/" + route["id"]
    assert api.ok("GET", path) == route
    moved = api.ok("PATCH", path, json={"tunnel_id": other["id"]})
    assert moved["tunnel_id"] == other["id"] and moved["tunnel_name"] == "private2" and moved["comment"] == "docs"
    assert api.ok("PATCH", path, json={"comment": "new"})["comment"] == "new"
    assert api.ok("PATCH", path, json={"hostname": "*.WIKI.internal."})["hostname"] == "wiki.internal"
    assert api.ok("PATCH", path, json={"hostname": "kb.internal"})["hostname"] == "kb.internal"
    api.fail("PATCH", path, 409, 1043, json={"hostname": "plain.internal"})
    api.fail("PATCH", path, 400, 1001, json={"hostname": "kb.internal:80"})
    api.fail("PATCH", path, 400, 1001, json={"tunnel_id": MISSING})
    api.fail("PATCH", path, 403, 10000, token=emulator.read_token, json={"comment": "x"})
    api.fail("DELETE", path, 403, 10000, token=emulator.read_token)
    deleted = api.ok("DELETE", path)
    assert deleted["deleted_at"] and deleted["hostname"] == "kb.internal"
    assert api.ok("GET", path)["deleted_at"] == deleted["deleted_at"]  # deleted routes stay readable
    api.fail("DELETE", path, 404, 1015)  # a repeated delete, as for CIDR routes
    api.fail("PATCH", path, 404, 1015, json={"comment": "x"})
    api.fail("GET", HOSTNAMES + "/" + MISSING, 404, 1044)
    api.fail("PATCH", HOSTNAMES + "/" + MISSING, 404, 1044, json={"comment": "x"})
    api.fail("DELETE", HOSTNAMES + "/" + MISSING, 404, 1044)
    # a deleted route's hostname is free again
    assert create(api, "kb.internal", tun)["id"] != route["id"]


def test_one_live_route_per_hostname_whatever_the_spelling(api):
    tun = api.create_tunnel("dup")
    create(api, "internal.local", tun)
    for spelling in ("internal.local", "Internal.Local", "*.internal.local", "internal.local."):
        api.fail("POST", HOSTNAMES, 409, 1043, json={"hostname": spelling, "tunnel_id": tun["id"]})
    assert len(api.listing(HOSTNAMES)[0]) == 1


def test_create_validation(api, emulator):
    tun = api.create_tunnel("v")
    warp = api.ok("POST", "/accounts/{account}/warp_connector", json={"name": "w"})
    gone = api.create_tunnel("gone")
    api.ok("DELETE", "/accounts/{account}/cfd_tunnel/" + gone["id"], json={})
    api.fail("POST", HOSTNAMES, 400, 1001, json={"tunnel_id": tun["id"]})
    api.fail("POST", HOSTNAMES, 400, 1001, json={"hostname": "a.internal"})
    api.fail("POST", HOSTNAMES, 400, 1001, json={"hostname": 7, "tunnel_id": tun["id"]})
    api.fail("POST", HOSTNAMES, 400, 1001, json={"hostname": "a.internal", "tunnel_id": "nope"})
    api.fail("POST", HOSTNAMES, 400, 1001, json={"hostname": "a.internal", "tunnel_id": MISSING})
    api.fail("POST", HOSTNAMES, 400, 1001, json={"hostname": "a.internal", "tunnel_id": gone["id"]})
    body = api.fail("POST", HOSTNAMES, 400, 1001, json={"hostname": "a.internal", "tunnel_id": warp["id"]})
    assert "cloudflared tunnel" in body["errors"][0]["message"]
    api.fail("POST", HOSTNAMES, 400, 1001, json={"hostname": "a.internal", "tunnel_id": tun["id"], "comment": 3})
    api.fail("POST", HOSTNAMES, 403, 10000, token=emulator.read_token,
             json={"hostname": "a.internal", "tunnel_id": tun["id"]})
    assert api.listing(HOSTNAMES)[0] == []


def test_list_filters_substring_and_paging(api):
    t1 = api.create_tunnel("t1")
    t2 = api.create_tunnel("t2")
    wiki = create(api, "wiki.corp.internal", t1, comment="docs")
    git = create(api, "git.corp.internal", t2)
    lab = create(api, "lab.example", t1)

    def hosts(**params):
        return [r["hostname"] for r in api.listing(HOSTNAMES, **params)[0]]

    assert hosts() == ["wiki.corp.internal", "git.corp.internal", "lab.example"]
    # `hostname` is a case-insensitive substring match: exact matching is the client's job
    assert hosts(hostname="CORP") == ["wiki.corp.internal", "git.corp.internal"]
    assert hosts(hostname="wiki.corp.internal") == ["wiki.corp.internal"]
    assert hosts(hostname="i.corp") == ["wiki.corp.internal"]
    assert hosts(hostname="nothing") == []
    assert hosts(id=git["id"]) == ["git.corp.internal"]
    assert hosts(tunnel_id=t1["id"]) == ["wiki.corp.internal", "lab.example"]
    assert hosts(comment="docs") == ["wiki.corp.internal"]
    assert hosts(existed_at=wiki["created_at"]) == ["wiki.corp.internal"]
    assert hosts(existed_at=lab["created_at"]) == ["wiki.corp.internal", "git.corp.internal", "lab.example"]
    page, info = api.listing(HOSTNAMES, per_page=2, page=2)
    assert [r["id"] for r in page] == [lab["id"]]
    assert info == {"count": 1, "page": 2, "per_page": 2, "total_count": 3, "total_pages": 2}
    api.ok("DELETE", HOSTNAMES + "/" + git["id"])
    # is_deleted: true lists only deleted routes; false or absent only live ones (the 2026 schema
    # declares the parameter with default false)
    assert hosts() == ["wiki.corp.internal", "lab.example"]
    assert hosts(is_deleted="false") == ["wiki.corp.internal", "lab.example"]
    assert hosts(is_deleted="true") == ["git.corp.internal"]
    for bad in ({"per_page": 0}, {"per_page": 1001}, {"page": 0}, {"is_deleted": "maybe"},
                {"existed_at": "yesterday"}):
        api.fail("GET", HOSTNAMES, 400, 1001, params=bad)
