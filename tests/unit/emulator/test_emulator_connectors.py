"""Simulated connectors: what they report (reference §2.3, §2.4) and what a test can change."""

import json
import os
import subprocess
import sys

import requests

TUNNELS = "/accounts/{account}/cfd_tunnel"
WARP = "/accounts/{account}/warp_connector"
INGRESS = {"ingress": [{"service": "http_status:404"}]}


def remote_tunnel(api, name="remote"):
    return api.create_tunnel(name, config_src="cloudflare")


def connector(api, tun, connector_id):
    return api.ok("GET", TUNNELS + "/" + tun["id"] + "/connectors/" + connector_id)


def test_connector_reports_version_arch_run_at_origin_colos(api):
    tun = remote_tunnel(api)
    reg = api.connect(tun["token"], version="2025.7.0", arch="linux_arm64", origin_ip="203.0.113.9",
                      colos=["AMS", "FRA"], connections=3, features=["ha-origin"])
    assert reg["version"] == "2025.7.0" and reg["arch"] == "linux_arm64" and reg["config_version"] == 0
    got = connector(api, tun, reg["connector_id"])
    assert set(got) == {"id", "arch", "version", "config_version", "run_at", "features", "conns"}
    assert got["id"] == reg["connector_id"] and got["features"] == ["ha-origin"] and got["run_at"]
    assert [c["colo_name"] for c in got["conns"]] == ["AMS", "FRA", "AMS"]
    assert {c["origin_ip"] for c in got["conns"]} == {"203.0.113.9"}
    assert {c["client_version"] for c in got["conns"]} == {"2025.7.0"}
    assert all(set(c) == {"id", "uuid", "client_id", "client_version", "colo_name", "opened_at", "origin_ip",
                          "is_pending_reconnect"} for c in got["conns"])
    # the defaults a stand-in gets when it passes nothing but the token
    plain = connector(api, tun, api.connect(tun["token"])["connector_id"])
    assert plain["version"] == "2026.8.2" and plain["arch"] == "linux_amd64"
    assert plain["conns"][0]["origin_ip"].startswith("198.51.100.") and len(plain["conns"]) == 4


def test_config_version_follows_the_tunnel_unless_pinned(api, emulator):
    tun = remote_tunnel(api)
    config = TUNNELS + "/" + tun["id"] + "/configurations"
    api.ok("PUT", config, json={"config": INGRESS})
    api.ok("PUT", config, json={"config": INGRESS})
    current = api.connect(tun["token"])["connector_id"]
    assert connector(api, tun, current)["config_version"] == 2  # the version current when it connected
    stale = api.connect(tun["token"], config_version=1)
    assert stale["config_version"] == 1
    api.ok("PUT", config, json={"config": INGRESS})
    assert connector(api, tun, current)["config_version"] == 3
    assert connector(api, tun, stale["connector_id"])["config_version"] == 1  # pinned: stays stale
    # make a following connector stale, then let the pinned one catch up
    assert emulator.control.update_connector(current, config_version=2)["config_version"] == 2
    caught_up = emulator.control.update_connector(stale["connector_id"], config_version=None)
    assert caught_up["config_version"] == 3
    api.ok("PUT", config, json={"config": INGRESS})
    assert connector(api, tun, current)["config_version"] == 2
    assert connector(api, tun, stale["connector_id"])["config_version"] == 4


def test_update_version_arch_and_pending_reconnect(api, emulator):
    tun = api.create_tunnel("upd")
    path = TUNNELS + "/" + tun["id"]
    first = api.connect(tun["token"], connections=2)["connector_id"]
    second = api.connect(tun["token"], connections=1)["connector_id"]
    out = emulator.control.update_connector(first, version="2024.1.0", arch="darwin_arm64")
    assert out["version"] == "2024.1.0" and out["arch"] == "darwin_arm64"
    got = connector(api, tun, first)
    assert got["version"] == "2024.1.0" and {c["client_version"] for c in got["conns"]} == {"2024.1.0"}
    emulator.control.update_connector(first, pending_reconnect=True)
    assert all(c["is_pending_reconnect"] for c in connector(api, tun, first)["conns"])
    assert api.ok("GET", path)["status"] == "healthy"  # the second connector still serves
    emulator.control.update_connector(second, pending_reconnect=True)
    down = api.ok("GET", path)
    assert down["status"] == "down" and down["conns_inactive_at"] and down["conns_active_at"] is None
    assert len(api.ok("GET", path + "/connections")) == 2  # still tracked
    api.fail("DELETE", path, 400, 1022, json={})  # tracked connections still block a delete
    emulator.control.update_connector(second, pending_reconnect=False)
    assert api.ok("GET", path)["status"] == "healthy"


def test_bad_connector_changes_are_refused(api, emulator):
    tun = api.create_tunnel("bad")
    warp = api.ok("POST", WARP, json={"name": "w"})
    cid = api.connect(tun["token"])["connector_id"]
    wid = api.connect(api.ok("GET", WARP + "/" + warp["id"] + "/token"))["connector_id"]
    root = emulator.root_url + "/_emulator/connectors/"
    for target, body in ((cid, {"config_version": -1}), (cid, {"config_version": "1"}), (cid, {"version": ""}),
                         (cid, {"pending_reconnect": "yes"}), (cid, {"colour": "red"}),
                         (wid, {"config_version": 1}), (cid, [1])):
        assert requests.patch(root + target, json=body, timeout=5).status_code == 400, body
    assert requests.patch(root + "00000000-0000-4000-8000-000000000000", json={}, timeout=5).status_code == 404
    for body in ({"colos": []}, {"colos": "AMS"}, {"config_version": True}, {"features": "x"}, {"arch": 5}):
        body["token"] = tun["token"]
        assert requests.post(emulator.root_url + "/_emulator/connectors", json=body, timeout=5).status_code == 400
    warp_token = api.ok("GET", WARP + "/" + warp["id"] + "/token")
    assert requests.post(emulator.root_url + "/_emulator/connectors", json={"token": warp_token, "config_version": 1},
                         timeout=5).status_code == 400
    assert "config_version" not in api.ok("GET", WARP + "/" + warp["id"] + "/connectors/" + wid)


def _cli(emulator, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "ansible_collections.edgeops.cloudflare.tests.emulator.control",
                           "--url", emulator.base_url] + list(args), input=stdin, capture_output=True, text=True,
                          timeout=30, env=dict(os.environ), check=False)


def test_control_cli_connectors_and_settings(api, emulator, default_settings):
    tun = remote_tunnel(api, "cli")
    out = _cli(emulator, "register-connector", "--version", "2025.1.0", "--colos", "LHR,CDG", "--config-version", "0",
               "--connections", "2", stdin=tun["token"])
    assert out.returncode == 0, out.stderr
    cid = json.loads(out.stdout)["connector_id"]
    got = connector(api, tun, cid)
    assert got["version"] == "2025.1.0" and [c["colo_name"] for c in got["conns"]] == ["LHR", "CDG"]
    api.ok("PUT", TUNNELS + "/" + tun["id"] + "/configurations", json={"config": INGRESS})
    assert connector(api, tun, cid)["config_version"] == 0
    out = _cli(emulator, "update-connector", cid, "--config-version", "follow", "--pending-reconnect", "true",
               "--arch", "linux_386")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["config_version"] == 1
    got = connector(api, tun, cid)
    assert got["arch"] == "linux_386" and all(c["is_pending_reconnect"] for c in got["conns"])
    assert _cli(emulator, "update-connector", cid, "--config-version", "x").returncode != 0
    out = _cli(emulator, "settings", "--tunnel-delete-routes", "refuse")
    expected = dict(default_settings, tunnel_delete_routes="refuse")
    assert out.returncode == 0 and json.loads(out.stdout) == expected
    assert json.loads(_cli(emulator, "settings").stdout) == expected
    out = _cli(emulator, "settings", "--rate-limit", "120/30", "--route-limit", "3", "--cfd-tunnel-limit", "2",
               "--warp-connector-limit", "1")
    expected.update(rate_limit={"quota": 120, "window": 30}, route_limit=3, cfd_tunnel_limit=2, warp_connector_limit=1)
    assert out.returncode == 0 and json.loads(out.stdout) == expected
    assert json.loads(_cli(emulator, "ratelimit").stdout) == {"quota": 120, "window": 30, "remaining": 120,
                                                              "reset": 0, "blocked": False}
    assert json.loads(_cli(emulator, "advance-ratelimit", "5").stdout)["remaining"] == 120
    out = _cli(emulator, "settings", "--rate-limit", "off")
    assert out.returncode == 0 and json.loads(out.stdout)["rate_limit"] is None
    assert json.loads(_cli(emulator, "ratelimit").stdout) == {"enabled": False}
    assert _cli(emulator, "settings", "--rate-limit", "fast").returncode != 0
