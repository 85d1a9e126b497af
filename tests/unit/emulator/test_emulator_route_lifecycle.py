"""What deleting a tunnel does to its routes (both API behaviours, reference §6.9), and faults on routes."""

import pytest
import requests

try:
    from ansible_collections.edgeops.cloudflare.tests.emulator.state import State
except ImportError:  # a plain checkout
    from tests.emulator.state import State

ROUTES = "/accounts/{account}/teamnet/routes"
VNETS = "/accounts/{account}/teamnet/virtual_networks"
HOSTNAMES = "/accounts/{account}/zerotrust/routes/hostname"
TUNNELS = "/accounts/{account}/cfd_tunnel"
WARP = "/accounts/{account}/warp_connector"


def tunnel_with_routes(api):
    tun = api.create_tunnel("routed")
    lab = api.ok("POST", VNETS, json={"name": "lab"})
    cidr = [api.ok("POST", ROUTES, json={"network": "10.1.0.0/16", "tunnel_id": tun["id"]}),
            api.ok("POST", ROUTES, json={"network": "10.1.0.0/16", "tunnel_id": tun["id"],
                                         "virtual_network_id": lab["id"]})]
    host = api.ok("POST", HOSTNAMES, json={"hostname": "wiki.internal", "tunnel_id": tun["id"]})
    bystander = api.ok("POST", ROUTES, json={"network": "10.2.0.0/16", "tunnel_id": api.create_tunnel("other")["id"]})
    return tun, cidr, host, bystander


def test_settings_default_to_the_current_api(emulator, default_settings):
    assert emulator.control.settings() == default_settings


def test_cascade_deletes_cidr_routes_with_the_tunnel(api, emulator):
    tun, cidr, host, bystander = tunnel_with_routes(api)
    deleted = api.ok("DELETE", TUNNELS + "/" + tun["id"], json={})
    assert deleted["deleted_at"]
    assert [r["id"] for r in api.listing(ROUTES)[0]] == [bystander["id"]]
    gone = api.listing(ROUTES, is_deleted="true", tunnel_id=tun["id"])[0]
    assert sorted(r["id"] for r in gone) == sorted(r["id"] for r in cidr)
    assert all(r["deleted_at"] == deleted["deleted_at"] for r in gone)
    for route in cidr:
        # what Terraform users hit on teardown (terraform-provider-cloudflare #6492)
        api.fail("DELETE", ROUTES + "/" + route["id"], 404, 1015)
        assert api.ok("GET", ROUTES + "/" + route["id"])["deleted_at"]
    # the reference says nothing about hostname routes: they stay, still naming the deleted tunnel
    kept = api.ok("GET", HOSTNAMES + "/" + host["id"])
    assert kept["deleted_at"] is None and kept["tunnel_name"] == "routed"
    # the networks are free again
    api.ok("POST", ROUTES, json={"network": "10.1.0.0/16", "tunnel_id": api.create_tunnel("next")["id"]})


def test_cascade_applies_to_warp_connectors_too(api):
    warp = api.ok("POST", WARP, json={"name": "mesh"})
    route = api.ok("POST", ROUTES, json={"network": "192.168.0.0/24", "tunnel_id": warp["id"]})
    api.ok("DELETE", WARP + "/" + warp["id"], json={})
    api.fail("DELETE", ROUTES + "/" + route["id"], 404, 1015)


def test_refuse_keeps_the_tunnel_while_routes_exist(api, emulator, default_settings):
    assert emulator.control.settings(tunnel_delete_routes="refuse") == dict(default_settings, tunnel_delete_routes="refuse")
    tun, cidr, host, dummy = tunnel_with_routes(api)
    path = TUNNELS + "/" + tun["id"]
    body = api.fail("DELETE", path, 400, 1023, json={})
    assert "3 route(s)" in body["errors"][0]["message"]
    assert api.ok("GET", path)["deleted_at"] is None
    assert len(api.listing(ROUTES, tunnel_id=tun["id"])[0]) == 2  # nothing was removed
    for route in cidr:
        api.ok("DELETE", ROUTES + "/" + route["id"])
    api.fail("DELETE", path, 400, 1023, json={})  # the hostname route still counts
    api.ok("DELETE", HOSTNAMES + "/" + host["id"])
    assert api.ok("DELETE", path, json={})["deleted_at"]


def test_refuse_is_checked_before_connections_are_cascaded(api, emulator):
    emulator.control.settings(tunnel_delete_routes="refuse")
    tun = api.create_tunnel("busy")
    api.connect(tun["token"])
    api.ok("POST", ROUTES, json={"network": "10.0.0.0/8", "tunnel_id": tun["id"]})
    api.fail("DELETE", TUNNELS + "/" + tun["id"], 400, 1023, params={"cascade": "true"}, json={})
    assert len(api.ok("GET", TUNNELS + "/" + tun["id"] + "/connections")) == 1
    warp = api.ok("POST", WARP, json={"name": "mesh"})
    api.ok("POST", ROUTES, json={"network": "10.9.0.0/16", "tunnel_id": warp["id"]})
    api.fail("DELETE", WARP + "/" + warp["id"], 400, 1023, json={})


def test_bad_settings_are_refused(emulator, default_settings):
    for body in ({"tunnel_delete_routes": "maybe"}, {"nonsense": "x"}, ["cascade"], {"route_limit": -1},
                 {"route_limit": "5"}, {"cfd_tunnel_limit": True}, {"rate_limit": {"quota": 0, "window": 30}},
                 {"rate_limit": {"quota": 10}}, {"rate_limit": {"quota": 10, "window": 1.5}}, {"rate_limit": 10}):
        resp = requests.patch(emulator.root_url + "/_emulator/settings", json=body, timeout=5)
        assert resp.status_code == 400, body
    assert emulator.control.settings() == default_settings


def test_configured_setting_is_what_reset_restores(default_settings):
    st = State({"tunnel_delete_routes": "refuse", "route_limit": 5})
    assert st.settings == dict(default_settings, tunnel_delete_routes="refuse", route_limit=5)
    st.settings["tunnel_delete_routes"] = "cascade"
    st.reset()
    assert st.settings == dict(default_settings, tunnel_delete_routes="refuse", route_limit=5)
    with pytest.raises(Exception, match="tunnel_delete_routes"):
        State({"tunnel_delete_routes": "sometimes"})


# -- faults: a lost response on the new endpoints ------------------------------------------

def _setup(api):
    tun = api.create_tunnel("faulty")
    return {
        "route": (ROUTES, {"network": "10.5.0.0/16", "tunnel_id": tun["id"]}, 1041, 1015),
        "vnet": (VNETS, {"name": "lost"}, 1051, 1054),
        "hostname": (HOSTNAMES, {"hostname": "lost.internal", "tunnel_id": tun["id"]}, 1043, 1015),
    }


@pytest.mark.parametrize("kind", ["route", "vnet", "hostname"])
def test_lost_create_response_leaves_the_object(api, emulator, kind):
    path, body, duplicate, dummy = _setup(api)[kind]
    before = len(api.listing(path)[0])
    emulator.control.fault(action="drop_after", method="POST", path=path.split("{account}")[1] + "$")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.call("POST", path, json=body)
    assert len(api.listing(path)[0]) == before + 1
    api.fail("POST", path, 409, duplicate, json=body)  # the retry learns it exists


@pytest.mark.parametrize("kind", ["route", "vnet", "hostname"])
def test_lost_delete_response_leaves_it_deleted(api, emulator, kind):
    path, body, dummy, gone = _setup(api)[kind]
    created = api.ok("POST", path, json=body)
    emulator.control.fault(action="drop_after", method="DELETE")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.call("DELETE", path + "/" + created["id"])
    assert api.ok("GET", path + "/" + created["id"])["deleted_at"]
    api.fail("DELETE", path + "/" + created["id"], 404, gone)  # the retry learns it is gone


@pytest.mark.parametrize("kind", ["route", "vnet", "hostname"])
@pytest.mark.parametrize("action", ["5xx", "429", "drop_before"])
def test_refused_requests_change_nothing(api, emulator, kind, action):
    path, body, dummy, dummy2 = _setup(api)[kind]
    before = api.listing(path)[0]
    emulator.control.fault(action=action, method="POST", path=r"/(routes|virtual_networks|hostname)$")
    try:
        status = api.call("POST", path, json=body).status_code
    except requests.exceptions.ConnectionError:
        status = None
    assert status == {"5xx": 503, "429": 429, "drop_before": None}[action]
    assert api.listing(path)[0] == before
    assert api.ok("POST", path, json=body)["id"]
