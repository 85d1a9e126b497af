"""warp_connector, the all-tunnels list and cfd_tunnel configurations."""

import base64
import json

WARP = "/accounts/{account}/warp_connector"
TUNNELS = "/accounts/{account}/cfd_tunnel"
ALL = "/accounts/{account}/tunnels"
WARP_FIELDS = {"id", "account_tag", "created_at", "deleted_at", "name", "conns_active_at",
               "conns_inactive_at", "tun_type", "status", "metadata"}


def test_warp_crud(api, emulator):
    warp = api.ok("POST", WARP, json={"name": "mesh", "ha": True})
    assert set(warp) == WARP_FIELDS | {"token"}
    assert warp["tun_type"] == "warp_connector" and warp["status"] == "inactive"
    doc = json.loads(base64.b64decode(warp["token"]))
    assert doc["a"] == emulator.account_id and doc["t"] == warp["id"]
    path = WARP + "/" + warp["id"]
    assert set(api.ok("GET", path)) == WARP_FIELDS
    assert api.ok("GET", path + "/token") == warp["token"]
    api.fail("POST", WARP, 409, 1013, json={"name": "mesh"})
    assert api.ok("PATCH", path, json={"name": "mesh2"})["name"] == "mesh2"
    rotated = base64.b64encode(b"r" * 32).decode()
    api.ok("PATCH", path, json={"tunnel_secret": rotated})
    assert json.loads(base64.b64decode(api.ok("GET", path + "/token")))["s"] == rotated
    listed, info = api.listing(WARP)
    assert [w["id"] for w in listed] == [warp["id"]] and info["total_count"] == 1
    # connectors on warp tunnels
    new_token = api.ok("GET", path + "/token")
    conn = api.connect(new_token)
    assert conn["tun_type"] == "warp_connector"
    assert api.ok("GET", path)["status"] == "healthy"
    assert "config_version" not in api.ok("GET", path + "/connectors/" + conn["connector_id"])
    api.fail("DELETE", path, 400, 1022, json={})
    deleted = api.ok("DELETE", path, params={"cascade": "true"}, json={})
    assert deleted["deleted_at"]
    assert api.listing(WARP)[0] == []
    assert [w["id"] for w in api.listing(WARP, is_deleted="true")[0]] == [warp["id"]]
    api.fail("GET", WARP + "/" + api.create_tunnel("cfd")["id"], 404, 1003)
    api.fail("POST", WARP, 400, 1001, json={})


def test_all_tunnels_with_tun_types(api):
    cfd = api.create_tunnel("c1")
    warp = api.ok("POST", WARP, json={"name": "w1"})
    both, info = api.listing(ALL)
    assert [t["id"] for t in both] == [cfd["id"], warp["id"]] and info["total_count"] == 2
    assert [t["id"] for t in api.listing(ALL, tun_types="warp_connector")[0]] == [warp["id"]]
    assert [t["id"] for t in api.listing(ALL, tun_types="cfd_tunnel")[0]] == [cfd["id"]]
    assert len(api.listing(ALL, tun_types="cfd_tunnel,warp_connector")[0]) == 2
    assert api.listing(ALL, tun_types="gre")[0] == []
    api.fail("GET", ALL, 400, 1001, params={"tun_types": "bogus"})
    assert [t["name"] for t in api.listing(ALL, name="w1")[0]] == ["w1"]
    assert [t["name"] for t in api.listing(ALL, include_prefix="c")[0]] == ["c1"]
    page, info = api.listing(ALL, per_page=1, page=2)
    assert [t["id"] for t in page] == [warp["id"]] and info["total_pages"] == 2
    api.ok("DELETE", TUNNELS + "/" + cfd["id"], json={})
    assert [t["id"] for t in api.listing(ALL, is_deleted="true")[0]] == [cfd["id"]]


def test_configuration_versions_and_replacement(api, emulator):
    tun = api.create_tunnel("remote", config_src="cloudflare")
    path = TUNNELS + "/" + tun["id"] + "/configurations"
    initial = api.ok("GET", path)
    assert initial["version"] == 0 and initial["config"] == {}
    assert initial["tunnel_id"] == tun["id"] and initial["account_id"] == emulator.account_id
    assert initial["source"] == "cloudflare" and initial["created_at"]
    cfg1 = {"ingress": [{"hostname": "app.example.com", "service": "http://localhost:8080",
                         "originRequest": {"connectTimeout": 5}},
                        {"service": "http_status:404"}],
            "originRequest": {"noTLSVerify": False}}
    put1 = api.ok("PUT", path, json={"config": cfg1})
    assert put1["version"] == 1 and put1["config"] == cfg1
    cfg2 = {"ingress": [{"service": "http_status:503"}]}
    put2 = api.ok("PUT", path, json={"config": cfg2})
    assert put2["version"] == 2
    assert api.ok("GET", path)["config"] == cfg2  # full replacement, nothing of cfg1 left
    # connectors see the version they run
    conn = api.connect(tun["token"])
    assert api.ok("GET", TUNNELS + "/" + tun["id"] + "/connectors/" + conn["connector_id"])["config_version"] == 2
    api.ok("PUT", path, json={"config": cfg1})
    assert api.ok("GET", TUNNELS + "/" + tun["id"] + "/connectors/" + conn["connector_id"])["config_version"] == 3


def test_configuration_validation(api):
    tun = api.create_tunnel("remote2", config_src="cloudflare")
    path = TUNNELS + "/" + tun["id"] + "/configurations"
    bad = [
        {"ingress": [{"hostname": "a.example.com", "service": "http://x"}]},  # no catch-all
        {"ingress": [{"service": "http://x"}, {"service": "http_status:404"}]},  # hostless rule not last
        {"ingress": [{"hostname": "a.example.com"}, {"service": "http_status:404"}]},  # no service
        {"ingress": [{"hostname": "a.example.com", "service": 5}, {"service": "http_status:404"}]},
        {"ingress": []},
        {"ingress": "nope"},
        {"ingress": [{"service": "http_status:404", "path": 3}]},
    ]
    for cfg in bad:
        api.fail("PUT", path, 400, 1056, json={"config": cfg})
    api.fail("PUT", path, 400, 1001, json={})
    api.fail("PUT", path, 400, 1001, json={"config": "text"})
    assert api.ok("GET", path)["version"] == 0


def test_configuration_on_local_tunnel_is_1055(api):
    tun = api.create_tunnel("local")
    path = TUNNELS + "/" + tun["id"] + "/configurations"
    api.fail("PUT", path, 400, 1055, json={"config": {"ingress": [{"service": "http_status:404"}]}})
    got = api.ok("GET", path)
    assert got["source"] == "local" and got["version"] == 0
