"""Zones and DNS records."""

import pytest


@pytest.fixture
def zone(api):
    return api.ok("GET", "/zones", params={"name": "example.com"})[0]


def records(zone):
    return "/zones/%s/dns_records" % zone["id"]


def test_zones_list_filter_paging_and_get(api, emulator):
    zones, info = api.listing("/zones")
    assert [z["name"] for z in zones] == ["example.com", "dev.example.com"]
    assert info["total_count"] == 2
    one = api.listing("/zones", name="dev.example.com")[0]
    assert len(one) == 1 and one[0]["status"] == "active" and one[0]["account"]["id"] == emulator.account_id
    assert api.listing("/zones", name="nope.example")[0] == []
    assert len(api.listing("/zones", **{"account.id": emulator.account_id})[0]) == 2
    page, info = api.listing("/zones", per_page=1, page=2)
    assert [z["name"] for z in page] == ["dev.example.com"] and info["total_pages"] == 2
    assert api.ok("GET", "/zones/" + one[0]["id"])["name"] == "dev.example.com"
    api.fail("GET", "/zones/" + "0" * 32, 404, 7003)
    added = emulator.control.add_zone("example.net")
    assert api.ok("GET", "/zones/" + added["id"])["name"] == "example.net"
    api.ok("GET", "/zones", token=emulator.read_token)


def test_record_crud(api, zone):
    base = records(zone)
    rec = api.ok("POST", base, json={"type": "CNAME", "name": "app", "content": "abc.cfargotunnel.com",
                                     "proxied": True, "comment": "tunnel", "ttl": 1})
    assert rec["name"] == "app.example.com" and rec["type"] == "CNAME" and rec["proxied"] is True
    assert rec["proxiable"] is True and rec["zone_id"] == zone["id"] and rec["zone_name"] == "example.com"
    assert rec["created_on"] and rec["modified_on"] and rec["tags"] == [] and rec["ttl"] == 1
    assert len(rec["id"]) == 32
    path = base + "/" + rec["id"]
    assert api.ok("GET", path) == rec
    patched = api.ok("PATCH", path, json={"content": "def.cfargotunnel.com"})
    assert patched["content"] == "def.cfargotunnel.com" and patched["proxied"] is True and patched["comment"] == "tunnel"
    put = api.ok("PUT", path, json={"type": "CNAME", "name": "app.example.com", "content": "ghi.cfargotunnel.com"})
    assert put["proxied"] is False and put["comment"] is None and put["created_on"] == rec["created_on"]
    assert api.ok("DELETE", path) == {"id": rec["id"]}
    api.fail("GET", path, 404, 81044)
    api.fail("DELETE", path, 404, 81044)


def test_record_list_filters_and_paging(api, zone):
    base = records(zone)
    api.ok("POST", base, json={"type": "A", "name": "@", "content": "192.0.2.1", "proxied": True})
    api.ok("POST", base, json={"type": "AAAA", "name": "example.com", "content": "2001:db8::1"})
    api.ok("POST", base, json={"type": "TXT", "name": "example.com", "content": "v=spf1 -all", "comment": "spf"})
    api.ok("POST", base, json={"type": "CNAME", "name": "www.example.com", "content": "example.com"})

    def contents(**params):
        return [r["content"] for r in api.listing(base, **params)[0]]

    assert len(contents()) == 4
    assert contents(name="example.com", type="A") == ["192.0.2.1"]
    assert contents(type="TXT") == ["v=spf1 -all"]
    assert contents(content="example.com") == ["example.com"]
    assert contents(proxied="true") == ["192.0.2.1"]
    assert contents(comment="spf") == ["v=spf1 -all"]
    assert contents(name="www") == ["example.com"]
    assert len(contents(type="TXT", comment="spf", proxied="true", match="any")) == 2
    info = api.listing(base)[1]
    assert info["per_page"] == 100
    page, info = api.listing(base, per_page=3, page=2)
    assert len(page) == 1 and info["total_count"] == 4 and info["total_pages"] == 2


def test_record_conflicts(api, zone):
    base = records(zone)
    api.ok("POST", base, json={"type": "A", "name": "host", "content": "192.0.2.1"})
    api.fail("POST", base, 400, 81058, json={"type": "A", "name": "host.example.com", "content": "192.0.2.1"})
    api.ok("POST", base, json={"type": "A", "name": "host", "content": "192.0.2.2"})
    api.fail("POST", base, 400, 81053, json={"type": "CNAME", "name": "host", "content": "x.example.net"})
    cname = api.ok("POST", base, json={"type": "CNAME", "name": "alias", "content": "x.example.net"})
    api.fail("POST", base, 400, 81053, json={"type": "TXT", "name": "alias", "content": "hello"})
    api.fail("POST", base, 400, 81053, json={"type": "CNAME", "name": "alias", "content": "y.example.net"})
    txt = api.ok("POST", base, json={"type": "TXT", "name": "other", "content": "hello"})
    api.fail("PATCH", base + "/" + txt["id"], 400, 81053, json={"name": "alias"})
    # updating a record onto itself is fine
    api.ok("PATCH", base + "/" + cname["id"], json={"content": "x.example.net"})


def test_record_validation(api, zone):
    base = records(zone)
    api.fail("POST", base, 400, 9000, json={"type": "A", "name": "a", "content": "not-an-ip"})
    api.fail("POST", base, 400, 9000, json={"type": "AAAA", "name": "a", "content": "192.0.2.1"})
    api.fail("POST", base, 400, 9000, json={"type": "BOGUS", "name": "a", "content": "x"})
    api.fail("POST", base, 400, 9000, json={"type": "CNAME", "name": "self", "content": "self.example.com"})
    api.fail("POST", base, 400, 9004, json={"type": "TXT", "name": "a", "content": "x", "proxied": True})
    api.fail("POST", base, 400, 9021, json={"type": "TXT", "name": "a", "content": "x", "ttl": 30})
    api.fail("POST", base, 400, 1001, json={"type": "TXT", "name": "a"})
    api.fail("POST", base, 400, 1001, json={"type": "TXT", "name": "a", "content": "x", "proxied": "yes"})
    api.fail("POST", base, 400, 1001, json={"type": "TXT", "name": "a", "content": "x", "tags": [1]})
    api.fail("GET", "/zones/%s/dns_records" % ("0" * 32), 404, 7003)


def test_record_paging_follows_the_schema(api, zone):
    """dns-records_per_page: default 100, 1 to 5,000,000 (cloudflare/api-schemas); page from 1."""
    base = records(zone)
    for n in range(105):
        api.ok("POST", base, json={"type": "A", "name": "r%03d" % n, "content": "192.0.2.%d" % (n % 250)})
    first, info = api.listing(base)
    assert len(first) == 100 and info["per_page"] == 100 and info["total_count"] == 105
    whole, info = api.listing(base, per_page=5000000)
    assert len(whole) == 105 and info["count"] == 105 and info["per_page"] == 5000000
    rest, info = api.listing(base, per_page=100, page=2)
    assert [r["name"] for r in rest] == ["r%03d.example.com" % n for n in range(100, 105)] and info["page"] == 2
    api.fail("GET", base, 400, 1001, params={"per_page": 5000001})
    api.fail("GET", base, 400, 1001, params={"per_page": 0})
    api.fail("GET", base, 400, 1001, params={"page": 0})
