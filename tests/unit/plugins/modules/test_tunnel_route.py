"""edgeops.cloudflare.tunnel_route in-process, over real HTTP against the emulator."""

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._routes import TunnelRoute
from ansible_collections.edgeops.cloudflare.plugins.modules import cfd_tunnel, tunnel_route, virtual_network

FIELDS = {"id", "network", "tunnel_id", "tunnel_name", "tun_type", "virtual_network_id", "virtual_network_name",
          "comment", "created_at", "deleted_at"}
MISSING_ID = "3f6c1a2e-0b1d-4c5e-9f7a-8b9c0d1e2f3a"


def path(emulator, what):
    return "/accounts/%s/%s" % (emulator.account_id, what)


@pytest.fixture
def world(api, emulator, run_module):
    """Two cloudflared tunnels, a WARP connector and a second virtual network; the log cleared."""
    made = dict(
        web=api.post(path(emulator, "cfd_tunnel"), {"name": "web"}),
        db=api.post(path(emulator, "cfd_tunnel"), {"name": "db"}),
        warp=api.post(path(emulator, "warp_connector"), {"name": "office"}),
        staging=api.post(path(emulator, "teamnet/virtual_networks"), {"name": "staging"}),
        default=next(v for v in api.paginate(path(emulator, "teamnet/virtual_networks"), {}) if v["is_default_network"]),
    )
    run_module.clear()
    return made


def live_routes(api, emulator):
    return list(api.paginate(path(emulator, "teamnet/routes"), {"is_deleted": "false"}))


def lookup(network, vnet_id):
    return ("GET", "teamnet/routes", {"network_subset": network, "network_superset": network,
                                      "virtual_network_id": vnet_id, "is_deleted": "false"})


DEFAULT_VNET = ("GET", "teamnet/virtual_networks", {"is_default_network": "true", "is_deleted": "false"})


def by_name(kind, name):
    return ("GET", kind, {"name": name, "is_deleted": "false"})


# ---- create / idempotence ---------------------------------------------------------------

def test_create_in_the_default_network_costs_four_requests_then_three(run_module, emulator, api, world):
    created = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="web", comment="office LAN"))
    assert created["changed"] is True and not created["warnings"]
    route = created["route"]
    assert set(route) == FIELDS
    assert route["network"] == "10.0.0.0/24" and route["tunnel_id"] == world["web"]["id"]
    assert route["virtual_network_id"] == world["default"]["id"] and route["comment"] == "office LAN"
    assert run_module.calls() == [by_name("cfd_tunnel", "web"), DEFAULT_VNET,
                                  lookup("10.0.0.0/24", world["default"]["id"]), ("POST", "teamnet/routes", {})]
    assert run_module.writes()[0]["body"] == {"network": "10.0.0.0/24", "tunnel_id": world["web"]["id"],
                                              "virtual_network_id": world["default"]["id"], "comment": "office LAN"}
    run_module.clear()
    again = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="web", comment="office LAN"), diff=True)
    assert again["changed"] is False and again["route"]["id"] == route["id"]
    assert again["diff"]["before"] == again["diff"]["after"]
    assert len(run_module.requests()) == 3 and run_module.writes() == []
    assert [r["id"] for r in live_routes(api, emulator)] == [route["id"]]


def test_ids_work_as_well_as_names(run_module, emulator, api, world):
    result = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel=world["web"]["id"],
                                           virtual_network=world["staging"]["id"]))
    assert result["changed"] is True and result["route"]["virtual_network_id"] == world["staging"]["id"]
    assert [(m, p) for m, p, _q in run_module.calls()] == [
        ("GET", "cfd_tunnel/%s" % world["web"]["id"]), ("GET", "teamnet/virtual_networks/%s" % world["staging"]["id"]),
        ("GET", "teamnet/routes"), ("POST", "teamnet/routes")]


def test_check_mode_create_predicts_the_real_result(run_module, emulator, api, world):
    args = dict(network="10.0.0.0/24", tunnel="web", virtual_network="staging")
    checked = run_module(tunnel_route, args, check_mode=True, diff=True)
    assert checked["changed"] is True and run_module.writes() == [] and live_routes(api, emulator) == []
    assert checked["route"]["id"] == "(known after apply: route 10.0.0.0/24)" and checked["route"]["comment"] == ""
    assert checked["diff"]["before"] == {} and checked["diff"]["after"]["network"] == "10.0.0.0/24"
    real = run_module(tunnel_route, args, diff=True)
    assert set(real) - {"_stdout"} == set(checked) - {"_stdout"}
    assert set(real["route"]) == set(checked["route"])
    for key in ("network", "tunnel_id", "virtual_network_id", "comment"):
        assert real["route"][key] == checked["route"][key]
        assert real["diff"]["after"][key] == checked["diff"]["after"][key]


@pytest.mark.parametrize("written, rerun, canonical", [
    ("10.1.2.3/16", "10.1.0.0/16", "10.1.0.0/16"),
    ("10.1.0.0/16", "10.1.2.3/16", "10.1.0.0/16"),
    ("10.1.0.0/255.255.0.0", "10.1.0.0/16", "10.1.0.0/16"),
    ("2001:DB8::/32", "2001:db8::/32", "2001:db8::/32"),
    ("2001:db8:0:0::/32", "2001:DB8::1/32", "2001:db8::/32"),
    ("10.0.0.7", "10.0.0.7/32", "10.0.0.7/32"),
    (" 10.0.0.0/8 ", "10.0.0.0/8", "10.0.0.0/8"),
])
def test_every_spelling_is_the_same_route_and_the_first_rerun_sends_no_write(
        run_module, world, written, rerun, canonical):
    created = run_module(tunnel_route, dict(network=written, tunnel="web"))
    assert created["changed"] is True and created["route"]["network"] == canonical
    assert run_module.writes()[0]["body"]["network"] == canonical
    run_module.clear()
    for spelling in (written, rerun):
        again = run_module(tunnel_route, dict(network=spelling, tunnel="web"))
        assert again["changed"] is False and again["route"]["id"] == created["route"]["id"]
        assert again["route"]["network"] == canonical
    assert run_module.writes() == []


def test_host_bits_are_masked_with_a_warning(run_module, world):
    result = run_module(tunnel_route, dict(network="10.1.2.3/16", tunnel="web"))
    assert result["warnings"] == ["network 10.1.2.3/16 has host bits set; the route is 10.1.0.0/16."]
    again = run_module(tunnel_route, dict(network="2001:db8::1/32", tunnel="web"))
    assert again["warnings"] == ["network 2001:db8::1/32 has host bits set; the route is 2001:db8::/32."]
    clean = run_module(tunnel_route, dict(network="10.1.0.0/16", tunnel="web"))
    assert clean["warnings"] == []


def test_the_same_network_in_another_virtual_network_is_another_route(run_module, emulator, api, world):
    first = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="web"))["route"]
    second = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="db", virtual_network="staging"))["route"]
    assert first["id"] != second["id"] and second["virtual_network_id"] == world["staging"]["id"]
    assert len(live_routes(api, emulator)) == 2
    run_module.clear()
    for args in (dict(tunnel="web"), dict(tunnel="db", virtual_network="staging")):
        assert run_module(tunnel_route, dict(network="10.0.0.0/24", **args))["changed"] is False
    assert run_module.writes() == []


def test_a_route_through_a_warp_connector(run_module, emulator, api, world):
    result = run_module(tunnel_route, dict(network="192.168.0.0/16", tunnel="office", tunnel_type="warp_connector"))
    assert result["changed"] is True and result["route"]["tunnel_id"] == world["warp"]["id"]
    assert run_module.calls()[0] == by_name("warp_connector", "office")
    listed = live_routes(api, emulator)
    assert listed[0]["tun_type"] == "warp_connector"


# ---- update -------------------------------------------------------------------------------

def test_moving_to_another_tunnel_is_a_patch_never_a_replacement(run_module, emulator, api, world):
    route = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="web", comment="c"))["route"]
    run_module.clear()
    checked = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="db"), check_mode=True, diff=True)
    assert checked["changed"] is True and run_module.writes() == []
    assert checked["route"]["tunnel_id"] == world["db"]["id"] and checked["route"]["id"] == route["id"]
    assert checked["diff"]["before"]["tunnel_id"] == world["web"]["id"]
    assert checked["diff"]["after"]["tunnel_id"] == world["db"]["id"]
    # The names follow the ids: the old tunnel's before, the new one's after and in the result.
    assert checked["diff"]["before"]["tunnel_name"] == "web"
    assert checked["diff"]["after"]["tunnel_name"] == checked["route"]["tunnel_name"] == "db"
    run_module.clear()
    moved = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="db"), diff=True)
    assert moved["changed"] is True and moved["route"]["id"] == route["id"]
    assert moved["route"]["tunnel_id"] == world["db"]["id"] and moved["route"]["comment"] == "c"
    assert moved["route"]["tunnel_name"] == "db"
    assert moved["diff"] == checked["diff"]
    assert set(moved) - {"_stdout"} == set(checked) - {"_stdout"}
    assert [(r["method"], r["path"].rsplit("/", 1)[-1], r["body"]) for r in run_module.writes()] == [
        ("PATCH", route["id"], {"tunnel_id": world["db"]["id"]})]
    assert len(run_module.requests()) == 4
    assert [(r["id"], r["tunnel_id"]) for r in live_routes(api, emulator)] == [(route["id"], world["db"]["id"])]


def test_changing_the_comment_is_a_patch(run_module, emulator, api, world):
    route = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="web", comment="old"))["route"]
    run_module.clear()
    changed = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="web", comment="new"), diff=True)
    assert changed["changed"] is True and changed["route"]["comment"] == "new"
    assert changed["diff"]["before"]["comment"] == "old" and changed["diff"]["after"]["comment"] == "new"
    assert [(r["method"], r["body"]) for r in run_module.writes()] == [("PATCH", {"comment": "new"})]
    run_module.clear()
    kept = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="web"))
    assert kept["changed"] is False and kept["route"]["comment"] == "new" and run_module.writes() == []
    assert [r["id"] for r in live_routes(api, emulator)] == [route["id"]]


# ---- absent -------------------------------------------------------------------------------

def test_remove_costs_three_requests_then_two_and_never_looks_up_the_tunnel(run_module, emulator, api, world):
    route = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="web"))["route"]
    run_module.clear()
    checked = run_module(tunnel_route, dict(network="10.0.0.0/24", state="absent"), check_mode=True, diff=True)
    assert checked["changed"] is True and run_module.writes() == [] and len(live_routes(api, emulator)) == 1
    run_module.clear()
    removed = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="gone-already", state="absent"), diff=True)
    assert removed["changed"] is True and removed["route"]["id"] == route["id"] and removed["route"]["deleted_at"]
    assert removed["diff"]["before"]["network"] == "10.0.0.0/24" and removed["diff"]["after"] == {}
    assert removed["diff"] == checked["diff"]
    assert run_module.calls() == [DEFAULT_VNET, lookup("10.0.0.0/24", world["default"]["id"]),
                                  ("DELETE", "teamnet/routes/%s" % route["id"], {})]
    assert live_routes(api, emulator) == []
    run_module.clear()
    again = run_module(tunnel_route, dict(network="10.0.0.0/24", state="absent"))
    assert again["changed"] is False and again["route"] == {}
    assert len(run_module.requests()) == 2 and run_module.writes() == []


def test_remove_a_route_already_removed_with_its_tunnel_is_ok(run_module, emulator, api, world):
    run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="web", virtual_network="staging"))
    api.delete(path(emulator, "cfd_tunnel/%s" % world["web"]["id"]))  # the API cascades (reference 6.9)
    assert live_routes(api, emulator) == []
    run_module.clear()
    result = run_module(tunnel_route, dict(network="10.0.0.0/24", virtual_network="staging", state="absent"))
    assert result["changed"] is False and not result.get("failed")
    assert len(run_module.requests()) == 2 and run_module.writes() == []


def test_remove_in_a_virtual_network_that_does_not_exist_changes_nothing(run_module, world):
    result = run_module(tunnel_route, dict(network="10.0.0.0/24", virtual_network="nowhere", state="absent"))
    assert result["changed"] is False and result["route"] == {}
    assert len(run_module.requests()) == 1 and run_module.writes() == []


# ---- references that do not exist -----------------------------------------------------------

@pytest.mark.parametrize("args, option", [
    (dict(tunnel="nope"), "tunnel"),
    (dict(tunnel=MISSING_ID), "tunnel"),
    (dict(tunnel="office"), "tunnel"),  # a WARP connector, not a cloudflared tunnel
    (dict(tunnel="web", virtual_network="nowhere"), "virtual_network"),
    (dict(tunnel="web", virtual_network=MISSING_ID), "virtual_network"),
])
def test_a_missing_tunnel_or_network_fails_naming_it_without_a_write(run_module, emulator, api, world, args, option):
    result = run_module(tunnel_route, dict(network="10.0.0.0/24", **args))
    assert result["failed"] is True and result["msg"].startswith(option + ": ")
    assert run_module.writes() == [] and live_routes(api, emulator) == []


def test_a_deleted_tunnel_fails_naming_it(run_module, emulator, api, world):
    api.delete(path(emulator, "cfd_tunnel/%s" % world["db"]["id"]))
    run_module.clear()
    result = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel=world["db"]["id"]))
    assert result["failed"] is True and result["msg"].startswith("tunnel: ") and "was deleted" in result["msg"]
    assert run_module.writes() == []


def test_check_mode_assumes_tunnel_and_network_an_earlier_task_creates(run_module, emulator, api, world):
    result = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="future", virtual_network="later"),
                        check_mode=True, diff=True)
    assert result["changed"] is True and result["assumed_created"] is True
    assert result["route"]["tunnel_id"] == "(known after apply: tunnel future)"
    assert result["route"]["virtual_network_id"] == "(known after apply: virtual network later)"
    assert result["route"]["tunnel_name"] == "future" and result["route"]["virtual_network_name"] == "later"
    assert len(result["warnings"]) == 2 and all("assumed an earlier task creates it" in w for w in result["warnings"])
    assert run_module.writes() == []
    # the route lookup is skipped: a network that does not exist yet holds no route
    assert [p for _m, p, _q in run_module.calls()] == ["cfd_tunnel", "teamnet/virtual_networks"]


# ---- faults -------------------------------------------------------------------------------

def test_a_lost_create_response_leaves_exactly_one_route(run_module, emulator, api, world):
    emulator.control.fault(action="drop_after", method="POST", path="/teamnet/routes$", count=1)
    result = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="web"))
    assert result["changed"] is True and any("was lost" in w for w in result["warnings"])
    assert [r["method"] for r in run_module.writes()] == ["POST"]
    routes = live_routes(api, emulator)
    assert [r["id"] for r in routes] == [result["route"]["id"]]
    run_module.clear()
    assert run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="web"))["changed"] is False
    assert run_module.writes() == []


def test_a_lost_delete_response_leaves_no_route(run_module, emulator, api, world):
    keep = run_module(tunnel_route, dict(network="10.9.0.0/16", tunnel="web"))["route"]
    run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="web"))
    emulator.control.fault(action="drop_after", method="DELETE", path="/teamnet/routes/", count=1)
    run_module.clear()
    result = run_module(tunnel_route, dict(network="10.0.0.0/24", state="absent"))
    assert result["changed"] is True and not result.get("failed")
    assert [r["method"] for r in run_module.writes()] == ["DELETE", "DELETE"]  # the retry answers 404 1015
    assert [r["id"] for r in live_routes(api, emulator)] == [keep["id"]]


def test_a_route_created_concurrently_is_adopted_and_moved(run_module, emulator, api, world, monkeypatch):
    api.post(path(emulator, "teamnet/routes"), {"network": "10.0.0.0/24", "tunnel_id": world["db"]["id"]})
    original = TunnelRoute.find
    seen = []

    def stale_first_lookup(self):  # the race: another task created the route after our lookup
        seen.append(1)
        return None if len(seen) == 1 else original(self)

    monkeypatch.setattr(TunnelRoute, "find", stale_first_lookup)
    run_module.clear()
    result = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel="web"))
    assert result.get("changed") is True and any("adopted" in w for w in result["warnings"]), result
    assert [r["method"] for r in run_module.writes()] == ["POST", "PATCH"]  # then moved to the wanted tunnel
    assert [(r["network"], r["tunnel_id"]) for r in live_routes(api, emulator)] == [("10.0.0.0/24", world["web"]["id"])]


# ---- input --------------------------------------------------------------------------------

@pytest.mark.parametrize("args, start", [
    (dict(network="not-a-cidr", tunnel="web"), "network must be an IPv4 or IPv6 network"),
    (dict(network="10.0.0.0/33", tunnel="web"), "network must be an IPv4 or IPv6 network"),
    (dict(network="10.0.0.0/24/8", tunnel="web"), "network must be an IPv4 or IPv6 network"),
    (dict(network="", tunnel="web"), "network must be an IPv4 or IPv6 network"),
    (dict(network="10.0.0.0/24"), "tunnel is required with state: present"),
    (dict(network="10.0.0.0/24", tunnel=" "), "tunnel must not be empty"),
    (dict(network="10.0.0.0/24", tunnel="web", virtual_network=""), "virtual_network must not be empty"),
    (dict(network="10.0.0.0/24", tunnel="web", tunnel_type="gre"), "value of tunnel_type must be one of"),
    (dict(tunnel="web"), "missing required arguments: network"),
])
def test_bad_input_fails_before_any_request(run_module, world, args, start):
    result = run_module(tunnel_route, args)
    assert result["failed"] is True and result["msg"].startswith(start)
    assert run_module.requests() == []


def test_a_new_route_reports_the_names_of_its_tunnel_and_network(run_module, emulator):
    run_module(cfd_tunnel, dict(name="names-gw"))
    run_module(virtual_network, dict(name="names-net"))
    created = run_module(tunnel_route, dict(network="10.77.0.0/16", tunnel="names-gw", virtual_network="names-net"))
    assert created["changed"] is True
    assert created["route"]["tunnel_name"] == "names-gw" and created["route"]["tun_type"] == "cfd_tunnel"
    assert created["route"]["virtual_network_name"] == "names-net"
    rerun = run_module(tunnel_route, dict(network="10.77.0.0/16", tunnel="names-gw", virtual_network="names-net"))
    assert rerun["route"] == created["route"]
