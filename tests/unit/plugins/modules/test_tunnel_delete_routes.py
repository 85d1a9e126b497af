"""cfd_tunnel / warp_connector state=absent with delete_routes, in both ways the API treats the routes
of a deleted tunnel (reference 6.9: removed with it, or the delete refused with 1023)."""

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.modules import cfd_tunnel, tunnel_route, warp_connector

BEHAVIOURS = ["cascade", "refuse"]
ROUTES = "teamnet/routes"
HOSTNAMES = "zerotrust/routes/hostname"


def path(emulator, what):
    return "/accounts/%s/%s" % (emulator.account_id, what)


def live(api, emulator, what):
    return list(api.paginate(path(emulator, what), {"is_deleted": "false"}))


@pytest.fixture
def routed(api, emulator, run_module):
    """Tunnel web with two CIDR routes (default and staging networks) and a hostname route, a
    neighbour tunnel with a route of its own; returns a dict of what was made."""
    made = dict(web=api.post(path(emulator, "cfd_tunnel"), {"name": "web"}),
                other=api.post(path(emulator, "cfd_tunnel"), {"name": "other"}),
                staging=api.post(path(emulator, "teamnet/virtual_networks"), {"name": "staging"}))
    made["lan"] = api.post(path(emulator, ROUTES), {"network": "10.0.0.0/24", "tunnel_id": made["web"]["id"]})
    made["stage"] = api.post(path(emulator, ROUTES), {"network": "10.0.0.0/24", "tunnel_id": made["web"]["id"],
                                                      "virtual_network_id": made["staging"]["id"]})
    made["wiki"] = api.post(path(emulator, HOSTNAMES), {"hostname": "wiki.corp.internal", "tunnel_id": made["web"]["id"]})
    made["keep"] = api.post(path(emulator, ROUTES), {"network": "10.9.0.0/16", "tunnel_id": made["other"]["id"]})
    made["keep_host"] = api.post(path(emulator, HOSTNAMES), {"hostname": "git.corp.internal",
                                                             "tunnel_id": made["other"]["id"]})
    run_module.clear()
    return made


def expected_removed(made):
    return [
        {"id": made["lan"]["id"], "kind": "network", "network": "10.0.0.0/24",
         "virtual_network_id": made["lan"]["virtual_network_id"]},
        {"id": made["stage"]["id"], "kind": "network", "network": "10.0.0.0/24",
         "virtual_network_id": made["staging"]["id"]},
        {"id": made["wiki"]["id"], "kind": "hostname", "hostname": "wiki.corp.internal"},
    ]


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_delete_routes_tears_down_in_either_api_behaviour(run_module, emulator, api, routed, behaviour):
    emulator.control.settings(tunnel_delete_routes=behaviour)
    args = dict(name="web", state="absent", delete_routes=True)
    checked = run_module(cfd_tunnel, args, check_mode=True, diff=True)
    assert checked["changed"] is True and run_module.writes() == []
    assert checked["routes_removed"] == expected_removed(routed)
    assert checked["diff"]["before"]["routes"] == ["hostname wiki.corp.internal", "network 10.0.0.0/24",
                                                   "network 10.0.0.0/24"]
    assert checked["diff"]["after"]["routes"] == [] and "name" not in checked["diff"]["after"]
    assert len(live(api, emulator, ROUTES)) == 3
    run_module.clear()
    result = run_module(cfd_tunnel, args, diff=True)
    assert result["changed"] is True and not result.get("failed")
    assert result["routes_removed"] == checked["routes_removed"] and result["diff"] == checked["diff"]
    assert set(result) - {"_stdout"} == set(checked) - {"_stdout"}
    web = routed["web"]["id"]
    assert run_module.calls() == [
        ("GET", "cfd_tunnel", {"name": "web", "is_deleted": "false"}),
        ("GET", ROUTES, {"tunnel_id": web, "is_deleted": "false"}),
        ("GET", HOSTNAMES, {"tunnel_id": web, "is_deleted": "false"}),
        ("DELETE", "%s/%s" % (ROUTES, routed["lan"]["id"]), {}),
        ("DELETE", "%s/%s" % (ROUTES, routed["stage"]["id"]), {}),
        ("DELETE", "%s/%s" % (HOSTNAMES, routed["wiki"]["id"]), {}),
        ("DELETE", "cfd_tunnel/%s" % web, {})]
    assert [r["id"] for r in live(api, emulator, ROUTES)] == [routed["keep"]["id"]]
    assert [r["id"] for r in live(api, emulator, HOSTNAMES)] == [routed["keep_host"]["id"]]
    assert [t["name"] for t in live(api, emulator, "cfd_tunnel")] == ["other"]
    run_module.clear()
    again = run_module(cfd_tunnel, args)
    assert again["changed"] is False and again["tunnel"] == {} and run_module.writes() == []
    assert len(run_module.requests()) == 1


def test_without_delete_routes_the_cascade_leaves_the_hostname_routes(run_module, emulator, api, routed):
    result = run_module(cfd_tunnel, dict(name="web", state="absent"))
    assert result["changed"] is True and result["routes_removed"] == []
    assert [r["id"] for r in live(api, emulator, ROUTES)] == [routed["keep"]["id"]]
    assert sorted(r["hostname"] for r in live(api, emulator, HOSTNAMES)) == ["git.corp.internal", "wiki.corp.internal"]
    run_module.clear()  # a later tunnel_route teardown of a route removed with its tunnel is ok
    gone = run_module(tunnel_route, dict(network="10.0.0.0/24", virtual_network="staging", state="absent"))
    assert gone["changed"] is False and run_module.writes() == []


def test_without_delete_routes_a_refusing_api_fails_and_says_what_to_do(run_module, emulator, api, routed):
    emulator.control.settings(tunnel_delete_routes="refuse")
    result = run_module(cfd_tunnel, dict(name="web", state="absent"))
    assert result["failed"] is True
    assert "1023" in result["msg"] and "set delete_routes: true" in result["msg"]
    assert result["failure"]["status"] == 400
    assert len(live(api, emulator, ROUTES)) == 3 and len(live(api, emulator, "cfd_tunnel")) == 2


def test_delete_routes_on_a_tunnel_without_routes_costs_two_more_requests(run_module, emulator, api, routed):
    bare = api.post(path(emulator, "cfd_tunnel"), {"name": "bare"})
    run_module.clear()
    result = run_module(cfd_tunnel, dict(name="bare", state="absent", delete_routes=True), diff=True)
    assert result["changed"] is True and result["routes_removed"] == []
    assert "routes" not in result["diff"]["before"]
    assert [m for m, _p, _q in run_module.calls()] == ["GET", "GET", "GET", "DELETE"]
    assert run_module.writes()[0]["path"].endswith(bare["id"])


def test_a_lost_route_delete_response_during_teardown(run_module, emulator, api, routed):
    emulator.control.settings(tunnel_delete_routes="refuse")
    emulator.control.fault(action="drop_after", method="DELETE", path="/teamnet/routes/", count=1)
    result = run_module(cfd_tunnel, dict(name="web", state="absent", delete_routes=True))
    assert result["changed"] is True and not result.get("failed")
    assert [r["id"] for r in live(api, emulator, ROUTES)] == [routed["keep"]["id"]]
    assert [t["name"] for t in live(api, emulator, "cfd_tunnel")] == ["other"]


def test_a_lost_tunnel_delete_response_after_the_routes(run_module, emulator, api, routed):
    emulator.control.fault(action="drop_after", method="DELETE", path="/cfd_tunnel/", count=1)
    result = run_module(cfd_tunnel, dict(name="web", state="absent", delete_routes=True))
    assert result["changed"] is True and not result.get("failed")
    assert [t["name"] for t in live(api, emulator, "cfd_tunnel")] == ["other"]
    assert [r["id"] for r in live(api, emulator, HOSTNAMES)] == [routed["keep_host"]["id"]]


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_warp_connector_teardown_with_delete_routes(run_module, emulator, api, behaviour):
    emulator.control.settings(tunnel_delete_routes=behaviour)
    connector = api.post(path(emulator, "warp_connector"), {"name": "office"})
    route = api.post(path(emulator, ROUTES), {"network": "192.168.0.0/16", "tunnel_id": connector["id"]})
    run_module.clear()
    args = dict(name="office", state="absent", delete_routes=True)
    checked = run_module(warp_connector, args, check_mode=True)
    assert checked["changed"] is True and run_module.writes() == []
    assert [r["id"] for r in checked["routes_removed"]] == [route["id"]]
    run_module.clear()
    result = run_module(warp_connector, args)
    assert result["changed"] is True and result["routes_removed"] == checked["routes_removed"]
    assert [(m, p.split("/")[0] if m == "DELETE" else p) for m, p, _q in run_module.calls()] == [
        ("GET", "warp_connector"), ("GET", ROUTES), ("GET", HOSTNAMES), ("DELETE", "teamnet"), ("DELETE", "warp_connector")]
    assert live(api, emulator, ROUTES) == [] and live(api, emulator, "warp_connector") == []


def test_warp_connector_without_delete_routes_on_a_refusing_api(run_module, emulator, api):
    emulator.control.settings(tunnel_delete_routes="refuse")
    connector = api.post(path(emulator, "warp_connector"), {"name": "office"})
    api.post(path(emulator, ROUTES), {"network": "192.168.0.0/16", "tunnel_id": connector["id"]})
    result = run_module(warp_connector, dict(name="office", state="absent"))
    assert result["failed"] is True and "set delete_routes: true" in result["msg"]
    assert len(live(api, emulator, "warp_connector")) == 1


def test_delete_routes_by_id_cleans_up_after_a_tunnel_deleted_without_it(run_module, emulator, api, routed):
    run_module(cfd_tunnel, dict(name="web", state="absent"))  # the cascade leaves wiki.corp.internal behind
    run_module.clear()
    result = run_module(cfd_tunnel, dict(id=routed["web"]["id"], state="absent", delete_routes=True))
    assert result["changed"] is True
    assert result["routes_removed"] == [{"id": routed["wiki"]["id"], "kind": "hostname", "hostname": "wiki.corp.internal"}]
    assert [r["hostname"] for r in live(api, emulator, HOSTNAMES)] == ["git.corp.internal"]
    again = run_module(cfd_tunnel, dict(id=routed["web"]["id"], state="absent", delete_routes=True))
    assert again["changed"] is False and again["routes_removed"] == []
