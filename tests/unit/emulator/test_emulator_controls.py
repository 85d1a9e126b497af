"""Faults, the request log, reset, connectors control, the control CLI and the server entry point."""

import json
import os
import signal
import subprocess
import sys
import time
from email.utils import parsedate_to_datetime

import pytest
import requests

TUNNELS = "/accounts/{account}/cfd_tunnel"


def count_tunnels(api):
    return api.listing(TUNNELS, is_deleted="false")[1]["total_count"]


def test_429_fault_with_retry_after_seconds(api, emulator):
    emulator.control.fault(action="429", retry_after="7", method="GET")
    resp = api.call("GET", TUNNELS)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "7"
    assert resp.json()["errors"] == [{"code": 971, "message": "Please wait and consider throttling your request speed"}]
    assert api.call("GET", TUNNELS).status_code == 200  # count 1 is used up


def test_429_fault_with_http_date(api, emulator):
    emulator.control.fault(action="429", retry_after="30", retry_after_date=True)
    resp = api.call("GET", TUNNELS)
    assert resp.status_code == 429
    when = parsedate_to_datetime(resp.headers["Retry-After"])
    assert 20 < when.timestamp() - time.time() < 40


def test_5xx_fault_matches_method_path_and_count(api, emulator):
    emulator.control.fault(action="5xx", status=502, method="POST", path=r"/cfd_tunnel$", count=2)
    assert api.call("GET", TUNNELS).status_code == 200  # method does not match
    for dummy in range(2):
        resp = api.call("POST", TUNNELS, json={"name": "x"})
        assert resp.status_code == 502 and resp.json()["errors"][0]["code"] == 10001
    assert count_tunnels(api) == 0  # nothing was processed
    assert api.call("POST", TUNNELS, json={"name": "x"}).status_code == 200


def test_drop_before_gives_connection_error_and_changes_nothing(api, emulator):
    emulator.control.fault(action="drop_before", method="POST")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.call("POST", TUNNELS, json={"name": "lost"})
    assert count_tunnels(api) == 0
    entry = emulator.control.requests(method="POST")[0]
    assert entry["fault"] == "drop_before" and entry["status"] is None


def test_drop_after_gives_connection_error_but_changes_state(api, emulator):
    emulator.control.fault(action="drop_after", method="POST")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.call("POST", TUNNELS, json={"name": "ghost"})
    listed = api.listing(TUNNELS, name="ghost")[0]
    assert len(listed) == 1
    entry = emulator.control.requests(method="POST")[0]
    assert entry["fault"] == "drop_after" and entry["status"] == 200


def test_latency_fault_sleeps_then_answers(api, emulator):
    emulator.control.fault(action="latency", delay=0.3)
    start = time.monotonic()
    resp = api.call("GET", TUNNELS)
    assert resp.status_code == 200 and time.monotonic() - start >= 0.3


def test_faults_do_not_touch_control_endpoints(api, emulator):
    emulator.control.fault(action="5xx", count=1)
    assert emulator.control.state()["faults"][0]["action"] == "5xx"
    assert api.call("GET", TUNNELS).status_code == 503


def test_bad_fault_rules_are_refused(emulator):
    for rule in ({"action": "explode"}, {"action": "429", "count": 0}, {"action": "latency", "delay": "x"},
                 {"action": "5xx", "status": 418}, {"action": "429", "path": "("}):
        resp = requests.post(emulator.root_url + "/_emulator/faults", json=rule, timeout=5)
        assert resp.status_code == 400, rule
    assert emulator.control.faults()["faults"] == []


def _random_run(api, emulator, seed):
    emulator.control.reset()
    emulator.control.random_faults(0.5, seed, ["429", "5xx", "drop_before", "drop_after"])
    outcome = []
    for dummy in range(30):
        try:
            outcome.append(api.call("GET", TUNNELS).status_code)
        except requests.exceptions.ConnectionError:
            outcome.append("drop")
    return outcome


def test_random_faults_are_seeded_and_deterministic(api, emulator):
    first = _random_run(api, emulator, 7)
    second = _random_run(api, emulator, 7)
    other = _random_run(api, emulator, 8)
    assert first == second
    assert first != other
    assert {200, 429, "drop"} <= set(first)
    assert any(s in (502, 503, 504) for s in first)
    emulator.control.clear_faults()
    assert all(api.call("GET", TUNNELS).status_code == 200 for dummy in range(10))


def test_request_log_and_filters(api, emulator):
    tun = api.create_tunnel("logged", tunnel_secret="a" * 44)
    api.ok("GET", TUNNELS + "/" + tun["id"])
    api.call("GET", TUNNELS, params={"name": "logged", "is_deleted": "false"})
    log = emulator.control.requests()
    assert [(e["method"], e["status"]) for e in log] == [("POST", 200), ("GET", 200), ("GET", 200)]
    assert log[0]["path"] == "/accounts/%s/cfd_tunnel" % emulator.account_id
    assert log[0]["body"]["name"] == "logged"
    assert log[0]["body"]["tunnel_secret"] != "a" * 44  # secrets are redacted in the log
    assert log[2]["query"] == {"name": "logged", "is_deleted": "false"}
    assert log[1]["body"] is None
    assert len(emulator.control.requests(method="get")) == 2
    assert len(emulator.control.requests(path=log[0]["path"])) == 2
    assert [e["method"] for e in emulator.control.writes()] == ["POST"]
    # unauthenticated and failing calls are logged with their status
    api.call("GET", TUNNELS, headers={})
    assert emulator.control.requests()[-1]["status"] == 401
    emulator.control.clear_requests()
    assert emulator.control.requests() == []
    emulator.control.state()  # control calls are not logged
    assert emulator.control.requests() == []


def test_reset_empties_state_but_keeps_zones_and_credentials(api, emulator, default_settings):
    emulator.control.add_zone("keep.example")
    tun = api.create_tunnel("r", config_src="cloudflare")
    api.connect(tun["token"])
    api.ok("POST", "/accounts/{account}/teamnet/virtual_networks", json={"name": "v"})
    zone = api.ok("GET", "/zones", params={"name": "example.com"})[0]
    api.ok("POST", "/zones/%s/dns_records" % zone["id"], json={"type": "TXT", "name": "a", "content": "b"})
    api.ok("POST", "/accounts/{account}/teamnet/routes", json={"network": "10.0.0.0/8", "tunnel_id": tun["id"]})
    api.ok("POST", "/accounts/{account}/zerotrust/routes/hostname", json={"hostname": "a.internal",
                                                                          "tunnel_id": tun["id"]})
    emulator.control.settings(tunnel_delete_routes="refuse", route_limit=2)
    emulator.control.rate_limit(50, 60)
    emulator.control.fault(action="429", count=5, path="^/nothing")
    emulator.control.reset()
    assert emulator.control.ratelimit() == {"enabled": False}
    state = emulator.control.state()
    assert state["tunnels"] == [] and state["routes"] == [] and state["hostname_routes"] == []
    assert [(v["name"], v["is_default_network"]) for v in state["virtual_networks"]] == [("default", True)]
    assert state["settings"] == default_settings
    assert state["dns_records"] == [] and state["faults"] == [] and state["request_count"] == 0
    zone_names = [z["name"] for z in state["zones"]]
    assert zone_names == ["example.com", "dev.example.com"]  # configured zones stay, added ones go
    assert api.ok("GET", "/zones", params={"name": "example.com"})[0]["id"] == zone["id"]
    assert api.ok("GET", TUNNELS) == []


def test_state_dump_has_no_secrets(api, emulator):
    tun = api.create_tunnel("secretive", config_src="cloudflare")
    dump = json.dumps(emulator.control.state())
    assert tun["credentials_file"]["TunnelSecret"] not in dump
    assert tun["token"] not in dump
    assert tun["id"] in dump


def _cli(emulator, *args, stdin=None):
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "ansible_collections.edgeops.cloudflare.tests.emulator.control",
                           "--url", emulator.base_url] + list(args), input=stdin, capture_output=True, text=True,
                          timeout=30, env=env, check=False)


def test_control_cli(api, emulator):
    tun = api.create_tunnel("cli")
    out = _cli(emulator, "register-connector", "--connections", "2", stdin=tun["token"])
    assert out.returncode == 0, out.stderr
    connector = json.loads(out.stdout)
    assert connector["tunnel_id"] == tun["id"] and connector["connections"] == 2
    assert tun["token"] not in out.stdout + out.stderr
    assert json.loads(_cli(emulator, "writes").stdout)[0]["method"] == "POST"
    assert _cli(emulator, "fault", "--action", "429", "--retry-after", "3").returncode == 0
    assert api.call("GET", TUNNELS).headers["Retry-After"] == "3"
    assert _cli(emulator, "unregister-connector", connector["connector_id"]).returncode == 0
    assert api.ok("GET", TUNNELS + "/" + tun["id"])["status"] == "down"
    bad = _cli(emulator, "unregister-connector", connector["connector_id"])
    assert bad.returncode == 1 and "404" in bad.stderr
    assert _cli(emulator, "reset").returncode == 0
    assert json.loads(_cli(emulator, "state").stdout)["tunnels"] == []


def test_server_entry_point_port_file_config_and_sigterm(tmp_path):
    port_file = tmp_path / "port"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"account_id": "1" * 32, "write_token": "custom-token", "zones": ["z.example"]}))
    proc = subprocess.Popen([sys.executable, "-m", "ansible_collections.edgeops.cloudflare.tests.emulator",
                             "--port", "0", "--port-file", str(port_file), "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        port = int(port_file.read_text())
        base = "http://127.0.0.1:%d/client/v4" % port
        assert base in line
        resp = requests.get(base + "/accounts/%s/cfd_tunnel" % ("1" * 32),
                            headers={"Authorization": "Bearer custom-token"}, timeout=5)
        assert resp.status_code == 200 and resp.json()["result"] == []
        zones = requests.get(base + "/zones", headers={"Authorization": "Bearer custom-token"}, timeout=5).json()
        assert [z["name"] for z in zones["result"]] == ["z.example"]
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=10)
    assert rc == 0
