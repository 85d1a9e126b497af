"""edgeops.cloudflare.tunnel_route_info in-process, over real HTTP against the emulator."""

from __future__ import annotations

import datetime
import ipaddress

import pytest

from ansible_collections.edgeops.cloudflare.plugins.modules import tunnel_route_info

FIELDS = {"id", "network", "tunnel_id", "tunnel_name", "tun_type", "virtual_network_id", "virtual_network_name",
          "comment", "created_at", "deleted_at"}


@pytest.fixture
def world(api, emulator, run_module):
    """Routes in two virtual networks through a tunnel and a WARP connector; the log cleared."""
    account = "/accounts/%s" % emulator.account_id
    made = dict(
        web=api.post(account + "/cfd_tunnel", {"name": "web"}),
        warp=api.post(account + "/warp_connector", {"name": "office"}),
        staging=api.post(account + "/teamnet/virtual_networks", {"name": "staging"}),
    )

    def route(name, network, tunnel, vnet=None, comment=""):
        body = {"network": network, "tunnel_id": made[tunnel]["id"], "comment": comment}
        if vnet:
            body["virtual_network_id"] = made[vnet]["id"]
        made[name] = api.post(account + "/teamnet/routes", body)

    route("lan", "10.0.0.0/24", "web", comment="office LAN")
    route("wide", "10.0.0.0/8", "web")
    route("v6", "2001:db8::/32", "warp")
    route("stage", "10.0.0.0/24", "warp", vnet="staging")
    route("old", "172.16.0.0/12", "web")
    api.delete(account + "/teamnet/routes/" + made["old"]["id"])
    run_module.clear()
    return made


def ids(result):
    return [r["id"] for r in result["routes"]]


def test_lists_live_routes_in_one_request(run_module, world):
    result = run_module(tunnel_route_info, dict())
    assert result["changed"] is False
    assert ids(result) == [world[n]["id"] for n in ("lan", "wide", "v6", "stage")]
    assert all(set(r) == FIELDS for r in result["routes"])
    lan = result["routes"][0]
    assert lan["tunnel_name"] == "web" and lan["tun_type"] == "cfd_tunnel" and lan["virtual_network_name"] == "default"
    log = run_module.requests()
    assert len(log) == 1 and log[0]["query"]["is_deleted"] == "false" and log[0]["query"]["per_page"] == "1000"


@pytest.mark.parametrize("args, query, expected", [
    (dict(comment="office LAN"), {"comment": "office LAN"}, ["lan"]),
    (dict(network_subset="10.0.0.0/16"), {"network_subset": "10.0.0.0/16"}, ["lan", "stage"]),
    (dict(network_subset="10.0.7.1/16"), {"network_subset": "10.0.0.0/16"}, ["lan", "stage"]),
    (dict(network_superset="10.0.0.0/24"), {"network_superset": "10.0.0.0/24"}, ["lan", "wide", "stage"]),
    (dict(network_superset="2001:DB8:1::/48"), {"network_superset": "2001:db8:1::/48"}, ["v6"]),
    (dict(route_id="ROUTE"), {}, ["wide"]),
    (dict(tunnel_types=["warp_connector"]), {"tun_types": "warp_connector"}, ["v6", "stage"]),
    (dict(tunnel_types=["cfd_tunnel", "warp_connector"]), {"tun_types": ["cfd_tunnel", "warp_connector"]},  # repeated keys
     ["lan", "wide", "v6", "stage"]),
    (dict(is_deleted=True), {"is_deleted": "true"}, ["old"]),
])
def test_list_filters_are_sent_to_the_api(run_module, world, args, query, expected):
    if args.get("route_id") == "ROUTE":
        args = dict(route_id=world["wide"]["id"])
        query = dict(route_id=world["wide"]["id"])
    result = run_module(tunnel_route_info, args, check_mode=True)
    assert result["changed"] is False and ids(result) == [world[n]["id"] for n in expected]
    log = run_module.requests()
    assert len(log) == 1
    for key, value in query.items():
        assert log[0]["query"][key] == value


def test_existed_at(run_module, world):
    before = "2000-01-01T00:00:00Z"
    assert run_module(tunnel_route_info, dict(existed_at=before))["routes"] == []
    later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=1)).isoformat()
    result = run_module(tunnel_route_info, dict(existed_at=later))
    assert ids(result) == [world[n]["id"] for n in ("lan", "wide", "v6", "stage")]


@pytest.mark.parametrize("args, expected, lookups", [
    (dict(tunnel="web"), ["lan", "wide"], 1),
    (dict(tunnel="office", tunnel_type="warp_connector"), ["v6", "stage"], 1),
    (dict(virtual_network="staging"), ["stage"], 1),
    (dict(tunnel="office", tunnel_type="warp_connector", virtual_network="staging"), ["stage"], 2),
])
def test_tunnel_and_network_by_name_cost_one_request_each(run_module, world, args, expected, lookups):
    result = run_module(tunnel_route_info, args)
    assert ids(result) == [world[n]["id"] for n in expected]
    log = run_module.requests()
    assert len(log) == lookups + 1
    if "tunnel" in args:
        assert log[-1]["query"]["tunnel_id"] == world["web" if args["tunnel"] == "web" else "warp"]["id"]
    if "virtual_network" in args:
        assert log[-1]["query"]["virtual_network_id"] == world["staging"]["id"]


def test_tunnel_and_network_by_id(run_module, world):
    result = run_module(tunnel_route_info, dict(tunnel=world["web"]["id"], virtual_network=world["staging"]["id"]))
    assert result["routes"] == []
    assert [r["path"].rsplit("/", 1)[-1] for r in run_module.requests()] == [
        world["web"]["id"], world["staging"]["id"], "routes"]


@pytest.mark.parametrize("args", [dict(tunnel="nope"), dict(virtual_network="nowhere")])
def test_a_reference_to_nothing_lists_nothing_without_listing(run_module, world, args):
    result = run_module(tunnel_route_info, args)
    assert result["changed"] is False and result["routes"] == []
    assert len(run_module.requests()) == 1


@pytest.mark.parametrize("args, expected", [
    (dict(ip="10.0.0.17"), "lan"),
    (dict(ip="10.200.0.1"), "wide"),
    (dict(ip="2001:DB8::1"), "v6"),
    (dict(ip="10.0.0.17", virtual_network="staging"), "stage"),
    (dict(ip="192.168.1.1"), None),
    (dict(ip="172.16.0.1"), None),  # its route was deleted
])
def test_ip_finds_the_route_that_serves_an_address(run_module, world, args, expected):
    result = run_module(tunnel_route_info, args)
    assert result["changed"] is False
    assert ids(result) == ([world[expected]["id"]] if expected else [])
    if expected:
        assert set(result["routes"][0]) == FIELDS
    log = run_module.requests()
    assert log[-1]["path"].endswith("/teamnet/routes/ip/%s" % ipaddress.ip_address(args["ip"]))  # sent as parsed
    assert len(log) == (2 if "virtual_network" in args else 1)
    if "virtual_network" in args:
        assert log[-1]["query"] == {"virtual_network_id": world["staging"]["id"]}


@pytest.mark.parametrize("args, start", [
    (dict(ip="10.0.0.0/24"), "ip must be one IPv4 or IPv6 address like 10.0.0.1 (no prefix length"),
    (dict(ip="not-an-ip"), "ip must be one IPv4 or IPv6 address"),
    (dict(network_subset="10.0.0.0/40"), "network_subset must be an IPv4 or IPv6"),
    (dict(network_superset="nope"), "network_superset must be an IPv4 or IPv6"),
    (dict(existed_at="yesterday"), "existed_at must be an ISO 8601 date-time"),
    (dict(tunnel=""), "tunnel must not be empty"),
    (dict(virtual_network=" x"), "virtual_network ' x' has leading or trailing white space"),
    (dict(tunnel_types=["ipsec"]), "value of tunnel_types must be one or more of"),
])
def test_bad_input_fails_before_any_request(run_module, args, start):
    result = run_module(tunnel_route_info, args)
    assert result["failed"] is True and result["msg"].startswith(start)
    assert run_module.requests() == []


@pytest.mark.parametrize("args, named", [
    (dict(tunnel="web"), "tunnel"),
    (dict(network_subset="10.0.0.0/8", comment="x"), "network_subset, comment"),
    (dict(is_deleted=True), "is_deleted"),
    (dict(tunnel_types=["cfd_tunnel"]), "tunnel_types"),
])
def test_ip_refuses_filters_it_cannot_apply_before_any_request(run_module, args, named):
    result = run_module(tunnel_route_info, dict(ip="10.0.0.1", **args))
    assert result["failed"] is True
    assert result["msg"] == "ip finds the live route serving one address and takes only virtual_network as a filter, not %s." % named
    assert run_module.requests() == []
