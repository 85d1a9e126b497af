"""edgeops.cloudflare.virtual_network in-process, over real HTTP against the emulator."""

from __future__ import annotations

import uuid

import pytest

from ansible_collections.edgeops.cloudflare.plugins.modules import virtual_network

FIELDS = {"id", "name", "comment", "is_default_network", "created_at", "deleted_at"}


def vnets(emulator):
    return "/accounts/%s/teamnet/virtual_networks" % emulator.account_id


def routes(emulator):
    return "/accounts/%s/teamnet/routes" % emulator.account_id


def live(api, emulator):
    return dict((v["name"], v) for v in api.paginate(vnets(emulator), {"is_deleted": "false"}))


def a_route(api, emulator, vnet_id, network="10.0.0.0/24"):
    tunnel = api.post("/accounts/%s/cfd_tunnel" % emulator.account_id, {"name": "t-%s" % uuid.uuid4()})
    return api.post(routes(emulator), {"network": network, "tunnel_id": tunnel["id"], "virtual_network_id": vnet_id})


# ---- create / idempotence ---------------------------------------------------------------

def test_create_costs_two_requests_then_one_without_write(run_module, emulator, api):
    created = run_module(virtual_network, dict(name="staging", comment="VPC 10.0.0.0/16"))
    assert created["changed"] is True
    vnet = created["virtual_network"]
    assert set(vnet) == FIELDS
    assert vnet["name"] == "staging" and vnet["comment"] == "VPC 10.0.0.0/16" and vnet["is_default_network"] is False
    assert "previous_default" not in created
    assert run_module.calls() == [
        ("GET", "teamnet/virtual_networks", {"name": "staging", "is_deleted": "false"}),
        ("POST", "teamnet/virtual_networks", {})]
    assert run_module.writes()[0]["body"] == {"name": "staging", "comment": "VPC 10.0.0.0/16"}
    run_module.clear()
    again = run_module(virtual_network, dict(name="staging", comment="VPC 10.0.0.0/16"), diff=True)
    assert again["changed"] is False and again["virtual_network"] == vnet
    assert again["diff"]["before"] == again["diff"]["after"]
    assert len(run_module.requests()) == 1 and run_module.writes() == []
    assert live(api, emulator)["default"]["is_default_network"] is True


def test_check_mode_create_predicts_the_real_result_keys(run_module, emulator, api):
    checked = run_module(virtual_network, dict(name="lab"), check_mode=True, diff=True)
    assert checked["changed"] is True and run_module.writes() == []
    assert checked["virtual_network"]["id"] == "(known after apply: virtual network lab)"
    assert checked["diff"]["before"] == {} and checked["diff"]["after"]["name"] == "lab"
    assert "lab" not in live(api, emulator)
    real = run_module(virtual_network, dict(name="lab"), diff=True)
    assert set(real) - {"_stdout"} == set(checked) - {"_stdout"}
    assert set(real["virtual_network"]) == set(checked["virtual_network"])
    for key in ("name", "comment", "is_default_network"):
        assert real["virtual_network"][key] == checked["virtual_network"][key]


def test_comment_is_updated_in_place_and_an_omitted_comment_is_kept(run_module, emulator, api):
    first = run_module(virtual_network, dict(name="lab", comment="one"))["virtual_network"]
    run_module.clear()
    changed = run_module(virtual_network, dict(name="lab", comment="two"), diff=True)
    assert changed["changed"] is True and changed["virtual_network"]["id"] == first["id"]
    assert changed["diff"]["before"]["comment"] == "one" and changed["diff"]["after"]["comment"] == "two"
    assert [(r["method"], r["body"]) for r in run_module.writes()] == [("PATCH", {"comment": "two"})]
    run_module.clear()
    kept = run_module(virtual_network, dict(name="lab"))
    assert kept["changed"] is False and kept["virtual_network"]["comment"] == "two" and run_module.writes() == []


def test_rename_by_id_costs_two_requests(run_module, emulator, api):
    vnet = api.post(vnets(emulator), {"name": "old"})
    run_module.clear()
    checked = run_module(virtual_network, dict(id=vnet["id"], name="new"), check_mode=True, diff=True)
    assert checked["changed"] is True and checked["virtual_network"]["name"] == "new" and run_module.writes() == []
    run_module.clear()
    renamed = run_module(virtual_network, dict(id=vnet["id"], name="new"), diff=True)
    assert renamed["changed"] is True and renamed["virtual_network"]["name"] == "new"
    assert renamed["diff"]["before"]["name"] == "old" and renamed["diff"]["after"]["name"] == "new"
    assert [m for m, _p, _q in run_module.calls()] == ["GET", "PATCH"]
    assert set(live(api, emulator)) == {"default", "new"}


def test_unknown_id_fails_without_a_write(run_module):
    result = run_module(virtual_network, dict(id="3f6c1a2e-0b1d-4c5e-9f7a-8b9c0d1e2f3a", name="x"))
    assert result["failed"] is True and "No virtual network with id 3f6c1a2e" in result["msg"]
    assert run_module.writes() == []


def test_a_taken_name_surfaces_the_cloudflare_error(run_module, emulator, api):
    api.post(vnets(emulator), {"name": "taken"})
    mine = api.post(vnets(emulator), {"name": "mine"})
    result = run_module(virtual_network, dict(id=mine["id"], name="taken"))
    assert result["failed"] is True and "(HTTP 409) on PATCH" in result["msg"]
    assert result["failure"]["errors"][0]["code"] == 1051 and "Traceback" not in result["_stdout"]


# ---- the default network ------------------------------------------------------------------

def test_new_default_network_reports_the_previous_one_in_check_and_real_mode(run_module, emulator, api):
    old_default = live(api, emulator)["default"]
    run_module.clear()
    checked = run_module(virtual_network, dict(name="prod", is_default_network=True), check_mode=True, diff=True)
    assert checked["changed"] is True and run_module.writes() == []
    assert checked["virtual_network"]["is_default_network"] is True
    assert checked["previous_default"]["id"] == old_default["id"]
    assert checked["previous_default"]["is_default_network"] is False
    run_module.clear()
    real = run_module(virtual_network, dict(name="prod", is_default_network=True), diff=True)
    assert real["changed"] is True and real["virtual_network"]["is_default_network"] is True
    assert real["previous_default"] == checked["previous_default"]
    assert set(real) - {"_stdout"} == set(checked) - {"_stdout"}
    assert run_module.calls() == [
        ("GET", "teamnet/virtual_networks", {"name": "prod", "is_deleted": "false"}),
        ("GET", "teamnet/virtual_networks", {"is_default_network": "true", "is_deleted": "false"}),
        ("POST", "teamnet/virtual_networks", {})]
    assert run_module.writes()[0]["body"] == {"name": "prod", "is_default_network": True}
    now = live(api, emulator)
    assert now["prod"]["is_default_network"] is True and now["default"]["is_default_network"] is False
    run_module.clear()
    again = run_module(virtual_network, dict(name="prod", is_default_network=True))
    assert again["changed"] is False and "previous_default" not in again
    assert len(run_module.requests()) == 1 and run_module.writes() == []


def test_making_an_existing_network_the_default_is_a_patch(run_module, emulator, api):
    api.post(vnets(emulator), {"name": "lab"})
    old_default = live(api, emulator)["default"]
    run_module.clear()
    checked = run_module(virtual_network, dict(name="lab", is_default_network=True), check_mode=True, diff=True)
    assert checked["changed"] is True and run_module.writes() == []
    assert checked["previous_default"]["name"] == "default"
    assert checked["diff"]["before"]["is_default_network"] is False
    assert checked["diff"]["after"]["is_default_network"] is True
    run_module.clear()
    real = run_module(virtual_network, dict(name="lab", is_default_network=True), diff=True)
    assert real["previous_default"]["id"] == old_default["id"] and real["virtual_network"]["is_default_network"] is True
    assert real["diff"] == checked["diff"]
    assert [(m, p) for m, p, _q in run_module.calls()] == [
        ("GET", "teamnet/virtual_networks"), ("GET", "teamnet/virtual_networks"),
        ("PATCH", "teamnet/virtual_networks/%s" % real["virtual_network"]["id"])]
    assert run_module.writes()[0]["body"] == {"is_default_network": True}
    assert live(api, emulator)["default"]["is_default_network"] is False


def test_false_on_the_current_default_fails_clearly_without_a_write(run_module, emulator):
    result = run_module(virtual_network, dict(name="default", is_default_network=False))
    assert result["failed"] is True
    assert "is the default network" in result["msg"] and "make another network the default" in result["msg"]
    assert "is_default_network: true" in result["msg"]
    assert run_module.writes() == []
    checked = run_module(virtual_network, dict(name="default", is_default_network=False), check_mode=True)
    assert checked["failed"] is True and run_module.writes() == []


def test_false_on_another_network_changes_nothing(run_module, emulator, api):
    api.post(vnets(emulator), {"name": "lab"})
    run_module.clear()
    result = run_module(virtual_network, dict(name="lab", is_default_network=False))
    assert result["changed"] is False and run_module.writes() == []


def test_the_default_network_is_managed_like_any_other(run_module, emulator, api):
    default = live(api, emulator)["default"]
    run_module.clear()
    commented = run_module(virtual_network, dict(name="default", comment="everything else", is_default_network=True))
    assert commented["changed"] is True and commented["virtual_network"]["id"] == default["id"]
    assert "previous_default" not in commented
    assert [r["body"] for r in run_module.writes()] == [{"comment": "everything else"}]
    renamed = run_module(virtual_network, dict(id=default["id"], name="main"))
    assert renamed["changed"] is True and live(api, emulator)["main"]["is_default_network"] is True
    run_module.clear()
    refused = run_module(virtual_network, dict(name="main", state="absent"))
    assert refused["failed"] is True and "is the default network" in refused["msg"]
    assert "make another network the default first" in refused["msg"] and run_module.writes() == []


# ---- delete -------------------------------------------------------------------------------

def test_delete_costs_three_requests_and_is_idempotent(run_module, emulator, api):
    vnet = api.post(vnets(emulator), {"name": "bye"})
    run_module.clear()
    checked = run_module(virtual_network, dict(name="bye", state="absent"), check_mode=True, diff=True)
    assert checked["changed"] is True and run_module.writes() == [] and "bye" in live(api, emulator)
    assert checked["routes_removed"] == []
    run_module.clear()
    deleted = run_module(virtual_network, dict(name="bye", state="absent"), diff=True)
    assert deleted["changed"] is True and deleted["virtual_network"]["id"] == vnet["id"]
    assert deleted["virtual_network"]["deleted_at"]
    assert deleted["diff"]["before"]["name"] == "bye" and deleted["diff"]["after"] == {}
    assert deleted["diff"] == checked["diff"] and deleted["routes_removed"] == []
    assert run_module.calls() == [
        ("GET", "teamnet/virtual_networks", {"name": "bye", "is_deleted": "false"}),
        ("GET", "teamnet/routes", {"virtual_network_id": vnet["id"], "is_deleted": "false"}),
        ("DELETE", "teamnet/virtual_networks/%s" % vnet["id"], {})]
    run_module.clear()
    again = run_module(virtual_network, dict(name="bye", state="absent"))
    assert again["changed"] is False and again["virtual_network"] == {}
    assert len(run_module.requests()) == 1
    by_id = run_module(virtual_network, dict(id=vnet["id"], state="absent"))
    assert by_id["changed"] is False and by_id["virtual_network"]["deleted_at"]


def test_delete_of_a_network_in_use_fails_listing_its_routes(run_module, emulator, api):
    vnet = api.post(vnets(emulator), {"name": "busy"})
    one = a_route(api, emulator, vnet["id"], "10.0.0.0/24")
    two = a_route(api, emulator, vnet["id"], "10.9.0.0/16")
    elsewhere = a_route(api, emulator, live(api, emulator)["default"]["id"], "10.0.0.0/24")
    run_module.clear()
    result = run_module(virtual_network, dict(name="busy", state="absent"))
    assert result["failed"] is True
    assert "is used by 2 route(s): 10.0.0.0/24, 10.9.0.0/16" in result["msg"] and "force: true" in result["msg"]
    assert [r["id"] for r in result["routes"]] == [one["id"], two["id"]]
    assert run_module.writes() == []
    # Check mode plans the delete and warns: an earlier task of the same check run may remove the routes first.
    planned = run_module(virtual_network, dict(name="busy", state="absent"), check_mode=True)
    assert planned["changed"] is True and planned["routes_removed"] == [] and run_module.writes() == []
    assert planned["warnings"] == ["Check mode: Virtual network 'busy' is used by 2 route(s): 10.0.0.0/24, 10.9.0.0/16. Remove "
                                   "them first, or set force: true to delete the network together with its routes. A real run "
                                   "fails here unless an earlier task does that first."]
    assert "busy" in live(api, emulator)
    run_module.clear()
    checked = run_module(virtual_network, dict(name="busy", state="absent", force=True), check_mode=True)
    assert checked["changed"] is True and run_module.writes() == []
    forced = run_module(virtual_network, dict(name="busy", state="absent", force=True))
    assert forced["changed"] is True and forced["virtual_network"]["deleted_at"]
    assert forced["routes_removed"] == checked["routes_removed"]
    assert forced["routes_removed"] == [
        {"id": one["id"], "network": "10.0.0.0/24", "tunnel_id": one["tunnel_id"]},
        {"id": two["id"], "network": "10.9.0.0/16", "tunnel_id": two["tunnel_id"]}]
    delete = run_module.writes()
    assert len(delete) == 1 and delete[0]["method"] == "DELETE" and delete[0]["query"] == {"force": "true"}
    left = [r["id"] for r in api.paginate(routes(emulator), {"is_deleted": "false"})]
    assert left == [elsewhere["id"]]


def test_delete_missing_changes_nothing(run_module):
    result = run_module(virtual_network, dict(name="never", state="absent"))
    assert result["changed"] is False and result["virtual_network"] == {} and run_module.writes() == []


# ---- faults -------------------------------------------------------------------------------

def test_a_lost_create_response_leaves_exactly_one_network(run_module, emulator, api):
    emulator.control.fault(action="drop_after", method="POST", path="/teamnet/virtual_networks$", count=1)
    result = run_module(virtual_network, dict(name="lost", comment="c"))
    assert result["changed"] is True and any("was lost" in w for w in result["warnings"])
    assert [r["method"] for r in run_module.writes()] == ["POST"]
    assert sorted(live(api, emulator)) == ["default", "lost"]
    assert live(api, emulator)["lost"]["id"] == result["virtual_network"]["id"]
    run_module.clear()
    assert run_module(virtual_network, dict(name="lost", comment="c"))["changed"] is False
    assert run_module.writes() == []


def test_a_lost_delete_response_still_deletes_once(run_module, emulator, api):
    vnet = api.post(vnets(emulator), {"name": "gone"})
    a_route(api, emulator, vnet["id"])
    emulator.control.fault(action="drop_after", method="DELETE", path="/teamnet/virtual_networks/", count=1)
    run_module.clear()
    result = run_module(virtual_network, dict(name="gone", state="absent", force=True))
    assert result["changed"] is True and not result.get("failed")
    assert [r["method"] for r in run_module.writes()] == ["DELETE", "DELETE"]
    assert sorted(live(api, emulator)) == ["default"]
    assert list(api.paginate(routes(emulator), {"is_deleted": "false"})) == []


# ---- input --------------------------------------------------------------------------------

@pytest.mark.parametrize("args, option", [
    (dict(name="  "), "name"),
    (dict(name=" lab"), "name"),
    (dict(id="not-a-uuid"), "id"),
    (dict(), "name, id"),
])
def test_bad_input_fails_before_any_request(run_module, args, option):
    result = run_module(virtual_network, args)
    assert result["failed"] is True and option in result["msg"]
    assert run_module.requests() == []
