"""cfd_tunnel CRUD, soft delete, names, secrets, tokens, connections and status."""

import base64
import json
import time

import pytest
import requests


TUNNELS = "/accounts/{account}/cfd_tunnel"
# no `connections`: the API stopped returning it on 2026-10-05 (reference §2.1); clients read /connections
FIELDS = {"id", "account_tag", "created_at", "deleted_at", "name", "conns_active_at",
          "conns_inactive_at", "tun_type", "status", "metadata", "remote_config", "config_src"}


def secret(n=32):
    return base64.b64encode(b"k" * n).decode()


def decode_token(token):
    return json.loads(base64.b64decode(token, validate=True))


def test_create_returns_object_token_and_credentials(api, emulator):
    tun = api.create_tunnel("alpha", tunnel_secret=secret())
    assert set(tun) == FIELDS | {"token", "credentials_file"}
    assert tun["account_tag"] == emulator.account_id
    assert tun["tun_type"] == "cfd_tunnel"
    assert tun["status"] == "inactive"
    assert tun["config_src"] == "local" and tun["remote_config"] is False
    assert tun["deleted_at"] is None
    assert tun["conns_active_at"] is None and tun["conns_inactive_at"] is None
    assert decode_token(tun["token"]) == {"a": emulator.account_id, "t": tun["id"], "s": secret()}
    assert tun["credentials_file"] == {"AccountTag": emulator.account_id, "TunnelID": tun["id"],
                                       "TunnelName": "alpha", "TunnelSecret": secret()}
    got = api.ok("GET", TUNNELS + "/" + tun["id"])
    assert set(got) == FIELDS
    assert api.ok("GET", TUNNELS + "/" + tun["id"] + "/token") == tun["token"]


def test_generated_secret_is_32_random_bytes(api):
    one = decode_token(api.create_tunnel("g1")["token"])["s"]
    two = decode_token(api.create_tunnel("g2")["token"])["s"]
    assert len(base64.b64decode(one)) == 32 and one != two


def test_token_is_standard_padded_base64(api):
    token = api.create_tunnel("pad")["token"]
    assert len(token) % 4 == 0
    assert "-" not in token and "_" not in token
    base64.b64decode(token, validate=True)


def test_remote_config_follows_config_src(api):
    tun = api.create_tunnel("remote", config_src="cloudflare")
    assert tun["config_src"] == "cloudflare" and tun["remote_config"] is True


@pytest.mark.parametrize("bad", ["not base64!!", base64.b64encode(b"short").decode(), secret(31), 12])
def test_bad_tunnel_secret_is_400_1008(api, bad):
    code = 1001 if isinstance(bad, int) else 1008
    api.fail("POST", TUNNELS, 400, code, json={"name": "s", "tunnel_secret": bad})


def test_duplicate_live_name_is_409_1013_but_deleted_name_is_free(api):
    first = api.create_tunnel("dup")
    api.fail("POST", TUNNELS, 409, 1013, json={"name": "dup"})
    api.ok("DELETE", TUNNELS + "/" + first["id"], json={})
    second = api.create_tunnel("dup")
    assert second["id"] != first["id"]
    # warp connectors have their own namespace
    api.ok("POST", "/accounts/{account}/warp_connector", json={"name": "dup"})


def test_patch_renames_and_rotates_secret(api, emulator):
    tun = api.create_tunnel("old", tunnel_secret=secret())
    other = api.create_tunnel("taken")
    path = TUNNELS + "/" + tun["id"]
    api.fail("PATCH", path, 409, 1013, json={"name": other["name"]})
    renamed = api.ok("PATCH", path, json={"name": "new"})
    assert renamed["name"] == "new" and renamed["id"] == tun["id"]
    old_token = api.ok("GET", path + "/token")
    api.fail("PATCH", path, 400, 1008, json={"tunnel_secret": "abc"})
    new_secret = base64.b64encode(b"n" * 40).decode()
    api.ok("PATCH", path, json={"tunnel_secret": new_secret})
    new_token = api.ok("GET", path + "/token")
    assert new_token != old_token
    assert decode_token(new_token)["s"] == new_secret
    # the edge refuses the token from before the rotation, accepts the new one
    with pytest.raises(Exception) as exc:
        emulator.control.register_connector(old_token)
    assert exc.value.status == 401
    assert emulator.control.register_connector(new_token)["tunnel_id"] == tun["id"]
    api.fail("PATCH", path, 400, 1001, json={"config_src": "cloudflare"})


def test_soft_delete_keeps_object_readable(api):
    tun = api.create_tunnel("gone")
    path = TUNNELS + "/" + tun["id"]
    deleted = api.ok("DELETE", path, json={})
    assert deleted["deleted_at"] is not None and deleted["id"] == tun["id"]
    assert api.ok("GET", path)["deleted_at"] == deleted["deleted_at"]
    api.fail("PATCH", path, 400, 1014, json={"name": "again"})
    api.fail("DELETE", path, 400, 1014, json={})
    api.fail("GET", path + "/token", 400, 1014)
    live = api.listing(TUNNELS)[0]
    default = api.listing(TUNNELS)[0]
    only_deleted = api.listing(TUNNELS, is_deleted="true")[0]
    only_live = api.listing(TUNNELS, is_deleted="false")[0]
    assert live == default == only_live == []
    assert [t["id"] for t in only_deleted] == [tun["id"]]


def test_delete_without_body_is_accepted(api):
    tun = api.create_tunnel("nobody")
    assert api.ok("DELETE", TUNNELS + "/" + tun["id"])["deleted_at"]


def test_unknown_tunnel_is_404_1003(api):
    missing = TUNNELS + "/00000000-0000-4000-8000-000000000000"
    api.fail("GET", missing, 404, 1003)
    api.fail("PATCH", missing, 404, 1003, json={"name": "x"})
    api.fail("DELETE", missing, 404, 1003, json={})
    api.fail("GET", missing + "/token", 404, 1003)
    api.fail("GET", missing + "/connections", 404, 1003)
    # a warp connector id is not a cfd_tunnel
    warp = api.ok("POST", "/accounts/{account}/warp_connector", json={"name": "w"})
    api.fail("GET", TUNNELS + "/" + warp["id"], 404, 1003)


def test_connections_drive_status_and_timestamps(api, emulator):
    tun = api.create_tunnel("conn")
    path = TUNNELS + "/" + tun["id"]
    first = api.connect(tun["token"], connections=2)
    assert first == {"connector_id": first["connector_id"], "tunnel_id": tun["id"], "tun_type": "cfd_tunnel",
                     "connections": 2, "version": "2026.8.2", "arch": "linux_amd64", "config_version": 0}
    healthy = api.ok("GET", path)
    assert healthy["status"] == "healthy" and "connections" not in healthy
    assert healthy["conns_active_at"] is not None and healthy["conns_inactive_at"] is None
    assert len(api.ok("GET", path + "/connections")[0]["conns"]) == 2
    second = api.connect(tun["token"], connector_id="11111111-2222-4333-8444-555555555555", version="2025.1.0",
                         arch="linux_arm64", connections=1, origin_ip="192.0.2.7")
    connectors = api.ok("GET", path + "/connections")
    assert [c["id"] for c in connectors] == [first["connector_id"], second["connector_id"]]
    c2 = connectors[1]
    assert c2["arch"] == "linux_arm64" and c2["version"] == "2025.1.0" and c2["config_version"] == 0
    assert c2["run_at"] and isinstance(c2["features"], list)
    conn = c2["conns"][0]
    assert conn["id"] == conn["uuid"] and conn["client_id"] == second["connector_id"]
    assert conn["client_version"] == "2025.1.0" and conn["origin_ip"] == "192.0.2.7"
    assert conn["is_pending_reconnect"] is False and conn["colo_name"] and conn["opened_at"]
    default = api.ok("GET", path + "/connectors/" + first["connector_id"])
    assert default["arch"] == "linux_amd64" and default["version"] == "2026.8.2" and len(default["conns"]) == 2
    api.fail("GET", path + "/connectors/00000000-0000-4000-8000-000000000000", 404, 1004)
    # clean up one connector by client_id, then unregister the other
    assert api.ok("DELETE", path + "/connections", params={"client_id": first["connector_id"]}, json={}) == {}
    assert [c["id"] for c in api.ok("GET", path + "/connections")] == [second["connector_id"]]
    assert api.ok("GET", path)["status"] == "healthy"
    emulator.control.unregister_connector(second["connector_id"])
    down = api.ok("GET", path)
    assert down["status"] == "down" and api.ok("GET", path + "/connections") == []
    assert down["conns_active_at"] is None and down["conns_inactive_at"] is not None
    # a connector can come back
    api.connect(tun["token"])
    assert api.ok("GET", path)["status"] == "healthy"


def test_cleanup_all_connections(api):
    tun = api.create_tunnel("cleanall")
    path = TUNNELS + "/" + tun["id"]
    api.connect(tun["token"])
    api.connect(tun["token"])
    assert len(api.ok("GET", path + "/connections")) == 2
    assert api.ok("DELETE", path + "/connections", json={}) == {}
    assert api.ok("GET", path + "/connections") == []
    assert api.ok("GET", path)["status"] == "down"


def test_delete_with_live_connections_needs_cascade(api):
    tun = api.create_tunnel("busy")
    path = TUNNELS + "/" + tun["id"]
    api.connect(tun["token"])
    api.fail("DELETE", path, 400, 1022, json={})
    assert api.ok("GET", path)["deleted_at"] is None
    deleted = api.ok("DELETE", path, params={"cascade": "true"}, json={})
    assert deleted["deleted_at"] is not None and "connections" not in deleted
    assert api.ok("GET", path + "/connections") == []


def test_connector_token_validation(api, emulator):
    tun = api.create_tunnel("edge")
    good = decode_token(tun["token"])

    def enc(doc):
        return base64.b64encode(json.dumps(doc).encode()).decode()

    bad_tokens = [
        "", "%%%", base64.b64encode(b"not json").decode(), enc(["list"]),
        enc({"a": good["a"], "t": good["t"]}),
        enc(dict(good, t="00000000-0000-4000-8000-000000000000")),
        enc(dict(good, s=secret(33))),
        enc(dict(good, a="f" * 32)),
        tun["token"].rstrip("="),
    ]
    for token in bad_tokens:
        resp = requests.post(emulator.root_url + "/_emulator/connectors", json={"token": token}, timeout=5)
        assert resp.status_code == 401, token
    api.ok("DELETE", TUNNELS + "/" + tun["id"], json={})
    resp = requests.post(emulator.root_url + "/_emulator/connectors", json={"token": tun["token"]}, timeout=5)
    assert resp.status_code == 401
    resp = requests.delete(emulator.root_url + "/_emulator/connectors/00000000-0000-4000-8000-000000000000", timeout=5)
    assert resp.status_code == 404


def test_management_token(api, emulator):
    tun = api.create_tunnel("mgmt")
    path = TUNNELS + "/" + tun["id"] + "/management"
    token = api.ok("POST", path, json={"resources": ["logs"]})
    assert isinstance(token, str) and len(token) > 20
    api.fail("POST", path, 400, 1001, json={})
    api.fail("POST", path, 400, 1001, json={"resources": ["metrics"]})
    api.fail("POST", path, 400, 1001, json={"resources": []})
    api.fail("POST", path, 403, 10000, token=emulator.read_token, json={"resources": ["logs"]})


def test_list_paging(api):
    ids = [api.create_tunnel("p%02d" % i)["id"] for i in range(7)]
    page1, info1 = api.listing(TUNNELS, per_page=3)
    page3, info3 = api.listing(TUNNELS, per_page=3, page=3)
    beyond, info4 = api.listing(TUNNELS, per_page=3, page=4)
    assert [t["id"] for t in page1] == ids[:3]
    assert info1 == {"count": 3, "page": 1, "per_page": 3, "total_count": 7, "total_pages": 3}
    assert [t["id"] for t in page3] == ids[6:]
    assert info3["count"] == 1 and info3["page"] == 3
    assert beyond == [] and info4["count"] == 0
    everything, info = api.listing(TUNNELS, per_page=1000)
    assert [t["id"] for t in everything] == ids and info["total_pages"] == 1
    for bad in ({"per_page": 0}, {"per_page": 1001}, {"page": 0}, {"per_page": "x"}):
        api.fail("GET", TUNNELS, 400, 1001, params=bad)


def test_list_filters(api):
    a = api.create_tunnel("vpc1-a")
    b = api.create_tunnel("vpc1-b")
    c = api.create_tunnel("other")
    api.connect(b["token"])
    api.connect(c["token"])
    conns = api.ok("GET", TUNNELS + "/" + c["id"] + "/connections")
    api.ok("DELETE", TUNNELS + "/" + c["id"] + "/connections", params={"client_id": conns[0]["id"]}, json={})

    def names(**params):
        return [t["name"] for t in api.listing(TUNNELS, **params)[0]]

    assert names(name="vpc1-a") == ["vpc1-a"]
    assert names(name="vpc1") == []
    assert names(uuid=b["id"]) == ["vpc1-b"]
    assert names(include_prefix="vpc1-") == ["vpc1-a", "vpc1-b"]
    assert names(exclude_prefix="vpc1-") == ["other"]
    assert names(status="inactive") == ["vpc1-a"]
    assert names(status="healthy") == ["vpc1-b"]
    assert names(status="down") == ["other"]
    assert names(status="degraded") == []
    api.fail("GET", TUNNELS, 400, 1001, params={"status": "sleepy"})
    api.fail("GET", TUNNELS, 400, 1001, params={"uuid": "nope"})
    api.fail("GET", TUNNELS, 400, 1001, params={"existed_at": "yesterday"})
    api.fail("GET", TUNNELS, 400, 1001, params={"is_deleted": "maybe"})
    assert a["id"]


def test_time_filters(api):
    early = api.create_tunnel("early")
    time.sleep(0.01)
    mid = api.ok("GET", TUNNELS + "/" + early["id"])["created_at"]
    t_active = api.create_tunnel("active")
    api.connect(t_active["token"])
    time.sleep(0.01)
    during = api.ok("GET", TUNNELS + "/" + t_active["id"])["conns_active_at"]
    time.sleep(0.01)
    api.ok("DELETE", TUNNELS + "/" + t_active["id"] + "/connections", json={})
    after_down = api.ok("GET", TUNNELS + "/" + t_active["id"])["conns_inactive_at"]
    api.ok("DELETE", TUNNELS + "/" + early["id"], json={})
    deleted_at = api.ok("GET", TUNNELS + "/" + early["id"])["deleted_at"]

    def names(**params):
        params.setdefault("is_deleted", "true" if params.pop("deleted", False) else "false")
        return sorted(t["name"] for t in api.listing(TUNNELS, **params)[0])

    # existed_at: created before and not deleted at that instant (deleted ones are listed with is_deleted=true)
    assert names(existed_at=mid, deleted=True) == ["early"]
    assert names(existed_at=deleted_at, deleted=True) == []
    assert names(existed_at=after_down) == ["active"]
    assert names(was_active_at=during) == ["active"]
    assert names(was_active_at=after_down) == []
    assert names(was_inactive_at=after_down) == ["active"]
    assert names(was_inactive_at=mid, deleted=True) == ["early"]
