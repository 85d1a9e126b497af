"""Points where the 2026 schema and SDK decide: tun_types, the hostname-route list default, WARP
connector high availability (ha_status, failover, configurations), no `ha` field on WARP objects."""

import pytest

ALL = "/accounts/{account}/tunnels"
TUNNELS = "/accounts/{account}/cfd_tunnel"
WARP = "/accounts/{account}/warp_connector"
ROUTES = "/accounts/{account}/teamnet/routes"
HOSTNAMES = "/accounts/{account}/zerotrust/routes/hostname"
MISSING = "00000000-0000-4000-8000-000000000000"


def ids(api, path, params):
    return [item["id"] for item in api.ok("GET", path, params=params)]


# -- tun_types: an array, sent as repeated keys ------------------------------------------------


def test_tun_types_reads_every_repeated_key(api):
    cfd = api.create_tunnel("c")
    warp = api.ok("POST", WARP, json={"name": "w"})
    both = [("tun_types", "cfd_tunnel"), ("tun_types", "warp_connector")]
    assert ids(api, ALL, both) == [cfd["id"], warp["id"]]
    assert ids(api, ALL, [("tun_types", "warp_connector")]) == [warp["id"]]
    assert ids(api, ALL, {"tun_types": "cfd_tunnel,warp_connector"}) == [cfd["id"], warp["id"]]  # commas too
    r1 = api.ok("POST", ROUTES, json={"network": "10.1.0.0/16", "tunnel_id": cfd["id"]})
    r2 = api.ok("POST", ROUTES, json={"network": "10.2.0.0/16", "tunnel_id": warp["id"]})
    assert ids(api, ROUTES, both) == [r1["id"], r2["id"]]
    assert ids(api, ROUTES, [("tun_types", "warp_connector"), ("tun_types", "gre")]) == [r2["id"]]
    for path in (ALL, ROUTES):
        body = api.fail("GET", path, 400, 1001, params=[("tun_types", "cfd_tunnel"), ("tun_types", "nope")])
        assert "unknown tun_types: nope" in body["errors"][0]["message"]


def test_the_request_log_keeps_repeated_keys(api, emulator):
    api.call("GET", ALL, params=[("tun_types", "cfd_tunnel"), ("tun_types", "warp_connector")])
    api.call("GET", ALL, params={"tun_types": "cfd_tunnel"})
    assert [e["query"] for e in emulator.control.requests()] == [
        {"tun_types": ["cfd_tunnel", "warp_connector"]}, {"tun_types": "cfd_tunnel"}]


# -- hostname routes: the list excludes deleted ones unless is_deleted=true ---------------------


def test_hostname_route_list_is_live_only_by_default(api):
    tun = api.create_tunnel("h")
    live = api.ok("POST", HOSTNAMES, json={"hostname": "live.internal", "tunnel_id": tun["id"]})
    gone = api.ok("POST", HOSTNAMES, json={"hostname": "gone.internal", "tunnel_id": tun["id"]})
    api.ok("DELETE", HOSTNAMES + "/" + gone["id"])
    assert [r["id"] for r in api.listing(HOSTNAMES)[0]] == [live["id"]]
    assert [r["id"] for r in api.listing(HOSTNAMES, is_deleted="true")[0]] == [gone["id"]]
    assert [r["id"] for r in api.listing(HOSTNAMES, hostname="gone")[0]] == []


def test_hostname_routes_through_a_warp_connector_are_refused(api):
    # docs (Connect a private hostname): private hostname routing works only for applications
    # connected with cloudflared; WARP Connector is not a supported off-ramp. The `tun_type` enum of
    # a hostname route is the shared enum of every tunnel type, not a list of allowed targets.
    tun = api.create_tunnel("h")
    warp = api.ok("POST", WARP, json={"name": "w"})
    body = api.fail("POST", HOSTNAMES, 400, 1001, json={"hostname": "a.internal", "tunnel_id": warp["id"]})
    assert "hostname routes need a cloudflared tunnel" in body["errors"][0]["message"]
    route = api.ok("POST", HOSTNAMES, json={"hostname": "a.internal", "tunnel_id": tun["id"]})
    api.fail("PATCH", HOSTNAMES + "/" + route["id"], 400, 1001, json={"tunnel_id": warp["id"]})


# -- WARP connectors: no `ha` field; HA status, failover, configurations -----------------------


def test_create_takes_ha_but_no_warp_object_carries_it(api):
    created = api.ok("POST", WARP, json={"name": "mesh", "ha": True})
    path = WARP + "/" + created["id"]
    for obj in (created, api.ok("GET", path), api.listing(WARP)[0][0], api.ok("PATCH", path, json={"name": "m2"}),
                api.listing(ALL)[0][0]):
        assert "ha" not in obj and "ha_mode" not in obj
    api.fail("POST", WARP, 400, 1001, json={"name": "x", "ha": "yes"})


def connect(api, warp, **kwargs):
    token = api.ok("GET", WARP + "/" + warp["id"] + "/token")
    return api.connect(token, **kwargs)["connector_id"]


def statuses(api, warp):
    clients = api.ok("GET", WARP + "/" + warp["id"] + "/connections")
    return {client["id"]: client["ha_status"] for client in clients}


def test_ha_status_of_the_clients_of_an_ha_tunnel(api, emulator):
    warp = api.ok("POST", WARP, json={"name": "mesh", "ha": True})
    first = connect(api, warp)
    second = connect(api, warp)
    assert statuses(api, warp) == {first: "active", second: "passive"}
    one = api.ok("GET", WARP + "/" + warp["id"] + "/connectors/" + second)
    assert one["ha_status"] == "passive" and "config_version" not in one
    # the active one drops: the passive one takes over and keeps the role when the first comes back
    emulator.control.update_connector(first, pending_reconnect=True)
    assert statuses(api, warp) == {first: "offline", second: "active"}
    emulator.control.update_connector(first, pending_reconnect=False)
    assert statuses(api, warp) == {first: "passive", second: "active"}
    emulator.control.unregister_connector(second)
    assert statuses(api, warp) == {first: "active"}
    assert emulator.control.state()["tunnels"][0]["connectors"][0]["ha_status"] == "active"


def test_clients_of_a_tunnel_without_ha_are_active_when_online(api, emulator):
    warp = api.ok("POST", WARP, json={"name": "plain"})
    first = connect(api, warp)
    second = connect(api, warp)
    emulator.control.update_connector(second, pending_reconnect=True)
    assert statuses(api, warp) == {first: "active", second: "offline"}
    # cloudflared connectors have no ha_status
    tun = api.create_tunnel("c")
    api.connect(tun["token"])
    assert "ha_status" not in api.ok("GET", TUNNELS + "/" + tun["id"] + "/connections")[0]


def test_manual_failover(api, emulator):
    warp = api.ok("POST", WARP, json={"name": "mesh", "ha": True})
    first = connect(api, warp)
    second = connect(api, warp)
    path = WARP + "/" + warp["id"] + "/failover"
    assert api.ok("PUT", path, json={"client_id": second}) == {}
    assert statuses(api, warp) == {first: "passive", second: "active"}
    assert api.ok("PUT", path, json={"client_id": second}) == {}  # already active: the same answer
    api.fail("PUT", path, 404, 1004, json={"client_id": MISSING})  # not linked to this tunnel
    emulator.control.update_connector(first, pending_reconnect=True)
    api.fail("PUT", path, 400, 1058, json={"client_id": first})
    api.fail("PUT", path, 400, 1001, json={})
    api.fail("PUT", path, 400, 1001, json={"client_id": "not-a-uuid"})
    api.fail("PUT", path, 403, 10000, token=emulator.read_token, json={"client_id": second})
    plain = api.ok("POST", WARP, json={"name": "plain"})
    body = api.fail("PUT", WARP + "/" + plain["id"] + "/failover", 400, 1057, json={"client_id": connect(api, plain)})
    assert "not configured for high availability" in body["errors"][0]["message"]
    tun = api.create_tunnel("c")
    api.fail("PUT", WARP + "/" + tun["id"] + "/failover", 404, 1003, json={"client_id": second})
    api.ok("DELETE", WARP + "/" + warp["id"], params={"cascade": "true"}, json={})
    api.fail("PUT", path, 400, 1014, json={"client_id": second})


def test_ha_configuration_defaults(api):
    ha = api.ok("POST", WARP, json={"name": "mesh", "ha": True})
    plain = api.ok("POST", WARP, json={"name": "plain"})
    doc = api.ok("GET", WARP + "/" + ha["id"] + "/configurations")
    assert doc == {"tunnel_id": ha["id"], "ha_mode": "none", "configuration_version": 0,
                   "created_at": ha["created_at"], "updated_at": None}
    assert api.ok("GET", WARP + "/" + plain["id"] + "/configurations")["ha_mode"] == "disabled"
    tun = api.create_tunnel("c")
    api.fail("GET", WARP + "/" + tun["id"] + "/configurations", 404, 1003)


def test_ha_configuration_put(api, emulator):
    warp = api.ok("POST", WARP, json={"name": "mesh", "ha": True})
    path = WARP + "/" + warp["id"] + "/configurations"
    aws = api.ok("PUT", path, json={"ha_mode": "aws", "config": {"fnr_id": "eni-0123456789abcdef0"}})
    assert aws["ha_mode"] == "aws" and aws["config"] == {"fnr_id": "eni-0123456789abcdef0"}
    assert aws["configuration_version"] == 1 and aws["updated_at"] and aws["created_at"] == warp["created_at"]
    local = api.ok("PUT", path, json={"ha_mode": "local", "config": {
        "vips": [{"address": "10.0.0.10"}, {"address": "2001:DB8::10"}], "vips_previous": [{"address": "10.0.0.9"}]}})
    assert local["config"] == {"vips": [{"address": "10.0.0.10"}, {"address": "2001:db8::10"}],
                               "vips_previous": [{"address": "10.0.0.9"}]}
    assert local["configuration_version"] == 2 and api.ok("GET", path) == local
    # disabling HA: every online client is active on its own
    first, second = connect(api, warp), connect(api, warp)
    assert statuses(api, warp) == {first: "active", second: "passive"}
    off = api.ok("PUT", path, json={"ha_mode": "disabled", "config": {}})
    assert "config" not in off and off["configuration_version"] == 3
    assert statuses(api, warp) == {first: "active", second: "active"}
    api.fail("PUT", WARP + "/" + warp["id"] + "/failover", 400, 1057, json={"client_id": second})
    assert api.ok("PUT", path, json={"ha_mode": "none"})["configuration_version"] == 4


@pytest.mark.parametrize("body", [
    {},
    {"ha_mode": "cloud"},
    {"ha_mode": 1},
    {"ha_mode": "aws"},
    {"ha_mode": "aws", "config": {}},
    {"ha_mode": "aws", "config": {"fnr_id": ""}},
    {"ha_mode": "aws", "config": {"fnr_id": "eni-1", "vips": []}},
    {"ha_mode": "local", "config": {"vips": []}},
    {"ha_mode": "local", "config": {"vips": [{"address": "10.0.0.%d" % i} for i in range(9)]}},
    {"ha_mode": "local", "config": {"vips": [{"address": "not-an-ip"}]}},
    {"ha_mode": "local", "config": {"vips": [{"address": 10}]}},
    {"ha_mode": "local", "config": {"vips": ["10.0.0.1"]}},
    {"ha_mode": "local", "config": {"vips": [{"address": "10.0.0.1"}], "fnr_id": "eni-1"}},
    {"ha_mode": "none", "config": {"fnr_id": "eni-1"}},
    {"ha_mode": "disabled", "config": {"vips": [{"address": "10.0.0.1"}]}},
])
def test_ha_configuration_put_validation(api, body):
    warp = api.ok("POST", WARP, json={"name": "mesh", "ha": True})
    path = WARP + "/" + warp["id"] + "/configurations"
    api.fail("PUT", path, 400, 1001, json=body)
    assert api.ok("GET", path)["configuration_version"] == 0


def test_ha_configuration_of_a_deleted_connector(api, emulator):
    warp = api.ok("POST", WARP, json={"name": "mesh", "ha": True})
    path = WARP + "/" + warp["id"] + "/configurations"
    api.ok("DELETE", WARP + "/" + warp["id"], json={})
    assert api.ok("GET", path)["ha_mode"] == "none"
    api.fail("PUT", path, 400, 1014, json={"ha_mode": "disabled"})
    api.fail("PUT", path, 403, 10000, token=emulator.read_token, json={"ha_mode": "disabled"})
