"""Check mode as a plan across tasks: the stand-in id an object gets when check mode would create it.

Each later module of the same check run takes the stand-in as that object (assumed created), asks
the API nothing about it (exact request logs), and a run outside check mode refuses it before any
request.
"""

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils import _api
from ansible_collections.edgeops.cloudflare.plugins.module_utils._common import (ModuleError, has_stand_in, known,
                                                                                 name_or_uuid, stand_in, stand_in_for, uuid)
from ansible_collections.edgeops.cloudflare.plugins.modules import (access_application, access_application_info, access_policy,
                                                                    access_policy_info, cfd_tunnel, cfd_tunnel_config,
                                                                    cfd_tunnel_info, hostname_route,
                                                                    hostname_route_info, tunnel_route, tunnel_route_info,
                                                                    tunnel_token, virtual_network, virtual_network_info,
                                                                    warp_connector, warp_connector_info)

TUNNEL = "(known after apply: tunnel web)"
VNET = "(known after apply: virtual network lab)"
WARP = "(known after apply: WARP connector office)"
APP = {"hostname": "app.example.com", "service": "http://localhost:8080"}


@pytest.fixture
def planned(run_module):
    """The stand-ins a check run gives to a tunnel, a virtual network and a WARP connector it would create."""
    ids = dict(tunnel=run_module(cfd_tunnel, dict(name="web"), check_mode=True)["tunnel"]["id"],
               vnet=run_module(virtual_network, dict(name="lab"), check_mode=True)["virtual_network"]["id"],
               warp=run_module(warp_connector, dict(name="office"), check_mode=True)["warp_connector"]["id"])
    run_module.clear()
    return ids


def assumed(result):
    assert result.get("failed") is not True, result.get("msg")
    assert result["assumed_created"] is True
    assert any("does not exist yet (its id is known after apply); assumed an earlier task creates it" in w
               for w in result["warnings"]), result["warnings"]
    return result


# ---- the value --------------------------------------------------------------------------

def test_a_stand_in_reads_as_what_it_stands_for_and_is_recognised_by_the_forms():
    assert stand_in("tunnel", "web") == TUNNEL and stand_in_for(TUNNEL) == "tunnel web"
    assert stand_in_for("web") is None and stand_in_for(None) is None
    assert uuid(TUNNEL, "id") == TUNNEL and name_or_uuid(TUNNEL, "tunnel") == TUNNEL
    assert has_stand_in({"comment": ["route of %s" % TUNNEL]}) and not known("x %s" % TUNNEL) and known("web")
    with pytest.raises(ModuleError):
        uuid("(known after apply)", "id")  # the whole value, with what it stands for, or nothing


def test_the_created_objects_get_stand_ins_naming_them(planned):
    assert planned == dict(tunnel=TUNNEL, vnet=VNET, warp=WARP)


# ---- every module takes it, asking the API nothing about the object ------------------------

def test_publishing_on_a_planned_tunnel_predicts_records_pointing_at_its_stand_in(run_module, emulator, planned):
    result = assumed(run_module(cfd_tunnel_config, dict(id=planned["tunnel"], dns=True, ingress=[APP]), check_mode=True,
                                diff=True))
    assert result["changed"] is True and result["tunnel"] == {"id": TUNNEL, "name": "web"} and result["version"] is None
    record = result["dns_records"][0]
    assert record["content"] == TUNNEL + ".cfargotunnel.com" and record["action"] == "created"
    assert record["id"] == "(known after apply: DNS record app.example.com)"
    assert result["diff"]["after"]["dns"] == {"app.example.com": "CNAME app.example.com -> %s.cfargotunnel.com (proxied)" % TUNNEL}
    # The zone and the records of the hostname are real and read; the tunnel and its configuration are not.
    assert [(r["method"], r["path"]) for r in run_module.requests()] == [
        ("GET", "/zones"), ("GET", "/zones/%s/dns_records" % record["zone_id"])]


def test_the_token_of_a_planned_tunnel_is_not_known_yet_and_nothing_is_asked(run_module, planned):
    result = assumed(run_module(tunnel_token, dict(id=planned["tunnel"]), check_mode=True))
    assert result["changed"] is False and result["token"] is None and result["tunnel_id"] == TUNNEL
    assert run_module.requests() == []


def test_waiting_for_a_planned_tunnel_says_what_a_real_run_waits_for(run_module, sleeps, planned):
    result = assumed(run_module(cfd_tunnel_info, dict(id=planned["tunnel"], include_connections=True, include_health=True,
                                                      include_config=True,
                                                      wait_for=dict(status=["healthy"], connectors=1)), check_mode=True))
    assert result["changed"] is False and result["waited"] == 0 and sleeps == []
    tunnel = result["tunnels"][0]
    assert tunnel["id"] == TUNNEL and tunnel["name"] == "web" and tunnel["status"] == "inactive"
    assert tunnel["connectors"] == [] and tunnel["config"]["ingress"] == [] and tunnel["health"]["replicas"] == 0
    assert ("Check mode: a real run waits here up to 120s for tunnel web: status in healthy and at least 1 serving "
            "connectors.") in result["warnings"]
    assert run_module.requests() == []


def test_waiting_by_a_name_that_does_not_exist_yet_is_assumed_in_check_mode_only(run_module, sleeps):
    args = dict(name="later", wait_for=dict(status=["healthy"], timeout=4, interval=2))
    checked = run_module(cfd_tunnel_info, args, check_mode=True)
    assert checked["assumed_created"] is True and checked["tunnels"] == [] and sleeps == []
    assert len(run_module.requests()) == 1  # the one look that found nothing
    real = run_module(cfd_tunnel_info, args)
    assert real["failed"] is True and real["msg"].startswith("Timed out after 4s waiting for tunnel later")


def test_routes_through_planned_tunnels_and_networks_cost_no_request(run_module, planned):
    route = assumed(run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel=planned["tunnel"],
                                                  virtual_network=planned["vnet"]), check_mode=True, diff=True))
    assert route["changed"] is True and route["diff"]["before"] == {}
    assert route["route"]["tunnel_id"] == TUNNEL and route["route"]["tunnel_name"] == "web"
    assert route["route"]["virtual_network_id"] == VNET and route["route"]["virtual_network_name"] == "lab"
    assert route["route"]["id"] == "(known after apply: route 10.0.0.0/24)"
    warp = assumed(run_module(tunnel_route, dict(network="10.1.0.0/24", tunnel=planned["warp"], tunnel_type="warp_connector",
                                                 virtual_network=planned["vnet"]), check_mode=True))
    assert warp["route"]["tunnel_name"] == "office" and warp["route"]["tun_type"] == "warp_connector"
    assert run_module.requests() == []
    hostname = assumed(run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel=planned["tunnel"]), check_mode=True))
    assert hostname["hostname_route"]["tunnel_id"] == TUNNEL and hostname["hostname_route"]["tunnel_name"] == "web"
    assert run_module.calls() == [("GET", "zerotrust/routes/hostname", {"hostname": "wiki.corp.internal", "is_deleted": "false"})]


def test_deleting_planned_objects_is_a_change_that_asks_nothing(run_module, planned):
    tunnel = assumed(run_module(cfd_tunnel, dict(id=planned["tunnel"], state="absent", cleanup_connections=True,
                                                 delete_dns_records=True, delete_routes=True), check_mode=True, diff=True))
    assert tunnel["changed"] is True and tunnel["diff"]["before"]["name"] == "web" and tunnel["diff"]["after"] == {}
    assert tunnel["dns_records_removed"] == [] and tunnel["routes_removed"] == [] and tunnel["connections_removed"] == []
    assert ("Check mode: what earlier tasks of this run would add to tunnel web does not exist yet, so what a real run "
            "removes with it is not listed here.") in tunnel["warnings"]
    vnet = assumed(run_module(virtual_network, dict(id=planned["vnet"], state="absent"), check_mode=True))
    assert vnet["changed"] is True and vnet["virtual_network"]["name"] == "lab" and vnet["routes_removed"] == []
    warp = assumed(run_module(warp_connector, dict(id=planned["warp"], state="absent", delete_routes=True), check_mode=True))
    assert warp["changed"] is True and warp["routes_removed"] == []
    assert run_module.requests() == []


def test_renaming_a_planned_object_is_predicted_from_the_name_it_was_created_with(run_module, planned):
    result = assumed(run_module(cfd_tunnel, dict(id=planned["tunnel"], name="web-2"), check_mode=True, diff=True))
    assert result["changed"] is True and result["diff"]["before"]["name"] == "web" and result["diff"]["after"]["name"] == "web-2"
    assert result["tunnel"]["id"] == TUNNEL and run_module.requests() == []


def test_listings_filtered_by_a_planned_object_list_it_or_nothing_without_a_request(run_module, planned):
    assert assumed(run_module(tunnel_route_info, dict(tunnel=planned["tunnel"]), check_mode=True))["routes"] == []
    assert assumed(run_module(hostname_route_info, dict(tunnel=planned["tunnel"]), check_mode=True))["hostname_routes"] == []
    vnets = assumed(run_module(virtual_network_info, dict(id=planned["vnet"]), check_mode=True))["virtual_networks"]
    assert [(v["id"], v["name"]) for v in vnets] == [(VNET, "lab")]
    warps = assumed(run_module(warp_connector_info, dict(id=planned["warp"]), check_mode=True))["warp_connectors"]
    assert [(w["id"], w["name"]) for w in warps] == [(WARP, "office")]
    assert run_module.requests() == []


def test_a_stand_in_of_another_kind_is_an_error_naming_the_option(run_module, planned):
    result = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel=planned["vnet"]), check_mode=True)
    assert result["failed"] is True
    assert result["msg"] == "tunnel: id %s stands for a virtual network lab that an earlier task would create, not for a tunnel." % VNET
    warp = run_module(tunnel_route, dict(network="10.0.0.0/24", tunnel=planned["warp"]), check_mode=True)
    assert warp["failed"] is True and "not for a tunnel" in warp["msg"]  # tunnel_type: warp_connector was forgotten
    assert run_module.requests() == []


def test_access_objects_chain_by_stand_in_as_well(run_module, planned):
    policy = run_module(access_policy, dict(name="staff", decision="allow", include=[{"everyone": True}]), check_mode=True)
    staff = policy["policy"]["id"]
    assert staff == "(known after apply: Access policy staff)"
    run_module.clear()
    app = assumed(run_module(access_application, dict(name="wiki", domains=["wiki.example.com"], policies=[staff],
                                                      private_destinations=[dict(cidr="10.0.0.5", virtual_network=planned["vnet"])]),
                             check_mode=True))
    assert [(p["id"], p["name"]) for p in app["application"]["policies"]] == [(staff, "staff")]
    assert app["application"]["id"] == "(known after apply: Access application wiki)"
    # only the application's own lookup by name: the policy and the network are not asked about
    assert [call[:2] for call in run_module.calls()] == [("GET", "access/apps")]
    run_module.clear()
    published = assumed(run_module(cfd_tunnel_config, dict(id=planned["tunnel"], ingress=[dict(APP, access={"application": app[
        "application"]["id"]})]), check_mode=True))
    assert published["changed"] is True
    assert [call[:2] for call in run_module.calls()] == [("GET", "access/organizations")]  # the team name only
    listed = assumed(run_module(access_application_info, dict(id=app["application"]["id"]), check_mode=True))["applications"]
    assert [a["name"] for a in listed] == ["wiki"]
    assert [p["name"] for p in assumed(run_module(access_policy_info, dict(id=staff), check_mode=True))["policies"]] == ["staff"]
    refused = run_module(access_application, dict(name="wiki", domains=["wiki.example.com"], policies=[staff]))
    assert refused["failed"] is True and refused["msg"].startswith("policies holds a stand-in id")


# ---- outside check mode: refused before any request --------------------------------------

REFUSED = [
    (cfd_tunnel, dict(id=TUNNEL, state="absent"), "id"),
    (cfd_tunnel_config, dict(id=TUNNEL, ingress=[APP]), "id"),
    (tunnel_token, dict(id=TUNNEL), "id"),
    (cfd_tunnel_info, dict(id=TUNNEL, wait_for=dict(status=["healthy"])), "id"),
    (tunnel_route, dict(network="10.0.0.0/24", tunnel=TUNNEL, virtual_network=VNET), "tunnel and virtual_network"),
    (tunnel_route, dict(network="10.0.0.0/24", tunnel="web", comment="for %s" % TUNNEL), "comment"),
    (hostname_route, dict(hostname="wiki.corp.internal", tunnel=TUNNEL), "tunnel"),
    (virtual_network, dict(id=VNET, state="absent"), "id"),
    (warp_connector, dict(id=WARP, name="office-2"), "id"),
    (tunnel_route_info, dict(tunnel=TUNNEL), "tunnel"),
    (hostname_route_info, dict(tunnel=TUNNEL), "tunnel"),
    (virtual_network_info, dict(id=VNET), "id"),
    (warp_connector_info, dict(id=WARP), "id"),
]


@pytest.mark.parametrize("module, args, options", REFUSED, ids=["%s-%s" % (m.__name__.rsplit(".", 1)[1], o) for m, _a, o in REFUSED])
def test_a_real_run_refuses_a_stand_in_before_any_request(run_module, module, args, options):
    result = run_module(module, args)
    assert result["failed"] is True
    assert result["msg"].startswith("%s hold" % options), result["msg"]
    assert "a stand-in id, (known after apply: " in result["msg"] and "Run the play without --check" in result["msg"]
    assert run_module.requests() == []


def test_the_client_never_sends_a_stand_in(emulator, api):
    client = api
    with pytest.raises(_api.CloudflareError) as info:
        client.get("/accounts/%s/cfd_tunnel/%s" % (emulator.account_id, TUNNEL))
    assert "never sent to the API" in str(info.value) and client.request_count == 0
    with pytest.raises(_api.CloudflareError):
        client.get("/accounts/%s/teamnet/routes" % emulator.account_id, {"tunnel_id": TUNNEL})
    assert emulator.control.requests() == []
