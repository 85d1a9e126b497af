"""edgeops.cloudflare.access_application and access_application_info in-process, over real HTTP against the emulator."""

from __future__ import annotations

import re

import pytest

from ansible_collections.edgeops.cloudflare.plugins.modules import access_application, access_application_info

APP = dict(name="wiki", domains=["wiki.example.com", "Docs.Example.com/internal"], policies=["bots", "staff"],
           session_duration="12h")


def path(emulator, what):
    return "/accounts/%s/access/%s" % (emulator.account_id, what)


@pytest.fixture
def policies(api, emulator):
    """Two reusable policies, by name (the request log starts after them)."""
    made = dict((name, api.post(path(emulator, "policies"), {"name": name, "decision": decision, "include": include}))
                for name, decision, include in (("staff", "allow", [{"email_domain": {"domain": "example.com"}}]),
                                                ("bots", "non_identity", [{"any_valid_service_token": {}}])))
    emulator.control.clear_requests()
    return made


def test_create_then_an_unchanged_rerun_costs_one_request(run_module, emulator, api, policies):
    created = run_module(access_application, APP, diff=True)
    assert created["changed"] is True
    app = created["application"]
    assert re.match(r"^[0-9a-f]{64}$", app["aud"])
    assert app["domain"] == "wiki.example.com"
    assert app["destinations"] == [{"type": "public", "uri": "wiki.example.com"},
                                   {"type": "public", "uri": "docs.example.com/internal"}]
    assert [(p["name"], p["precedence"]) for p in app["policies"]] == [("bots", 1), ("staff", 2)]
    assert app["session_duration"] == "12h" and app["app_launcher_visible"] is True
    assert created["diff"]["before"] == {} and created["diff"]["after"]["name"] == "wiki"
    assert run_module.calls() == [("GET", "access/apps", {"name": "wiki", "exact": "true"}),
                                  ("GET", "access/policies", {}), ("POST", "access/apps", {})]
    body = run_module.writes()[0]["body"]
    assert body["policies"] == [{"id": policies["bots"]["id"], "precedence": 1},
                                {"id": policies["staff"]["id"], "precedence": 2}]
    assert body["type"] == "self_hosted" and body["domain"] == "wiki.example.com"
    run_module.clear()
    again = run_module(access_application, APP, diff=True)
    assert again["changed"] is False and again["application"] == app
    assert again["diff"]["before"] == again["diff"]["after"]
    assert run_module.calls() == [("GET", "access/apps", {"name": "wiki", "exact": "true"})]


def test_check_mode_predicts_and_sends_no_write(run_module, emulator, api, policies):
    checked = run_module(access_application, APP, check_mode=True, diff=True)
    assert checked["changed"] is True and run_module.writes() == []
    assert checked["application"]["id"] is None and checked["application"]["aud"] is None
    assert [p["name"] for p in checked["application"]["policies"]] == ["bots", "staff"]
    assert api.get(path(emulator, "apps")) == []


def test_check_mode_assumes_policies_an_earlier_task_creates(run_module, emulator):
    checked = run_module(access_application, dict(APP, policies=["later"]), check_mode=True)
    assert checked["changed"] is True and run_module.writes() == []
    assert any("no Access policy named 'later'" in w for w in checked["warnings"])
    failed = run_module(access_application, dict(APP, policies=["later"]))
    assert failed["failed"] is True and "policies: no Access policy named 'later'" in failed["msg"]
    assert run_module.writes() == []


def test_policies_in_another_order_are_a_change_and_omitted_ones_are_kept(run_module, emulator, api, policies):
    first = run_module(access_application, APP)["application"]
    run_module.clear()
    changed = run_module(access_application, dict(APP, policies=[policies["staff"]["id"], "bots"]), diff=True)
    assert changed["changed"] is True
    assert [p["name"] for p in changed["diff"]["before"]["policies"]] == ["bots", "staff"]
    assert [p["name"] for p in changed["diff"]["after"]["policies"]] == ["staff", "bots"]
    [put] = run_module.writes()
    assert put["method"] == "PUT" and put["path"].endswith(first["id"])
    assert put["body"]["policies"] == [{"id": policies["staff"]["id"], "precedence": 1},
                                       {"id": policies["bots"]["id"], "precedence": 2}]
    assert not set(put["body"]) & {"id", "aud", "created_at", "updated_at", "self_hosted_domains"}
    run_module.clear()
    kept = run_module(access_application, dict(name="wiki"))
    assert kept["changed"] is False and [p["name"] for p in kept["application"]["policies"]] == ["staff", "bots"]
    assert kept["application"]["aud"] == first["aud"]
    removed = run_module(access_application, dict(name="wiki", policies=[]))
    assert removed["changed"] is True and removed["application"]["policies"] == []


def test_settings_made_elsewhere_survive_an_update(run_module, emulator, api, policies):
    app = api.post(path(emulator, "apps"), {"type": "self_hosted", "name": "wiki", "domain": "wiki.example.com",
                                            "cors_headers": {"allow_all_origins": True}, "allow_iframe": True})
    run_module.clear()
    changed = run_module(access_application, dict(name="wiki", session_duration="1h"))
    assert changed["changed"] is True
    got = api.get(path(emulator, "apps/" + app["id"]))
    assert got["cors_headers"] == {"allow_all_origins": True} and got["allow_iframe"] is True
    assert got["session_duration"] == "1h" and got["aud"] == app["aud"]


def test_api_defaults_never_show_as_a_change(run_module, emulator, api, policies):
    run_module(access_application, dict(name="wiki", domains=["wiki.example.com"], session_duration="24h",
                                        app_launcher_visible=True, http_only_cookie_attribute=True,
                                        auto_redirect_to_identity=False, enable_binding_cookie=False, tags=["b", "a"],
                                        identity_providers=[], same_site_cookie_attribute="lax"))
    run_module.clear()
    again = run_module(access_application, dict(name="wiki", domains=["WIKI.example.com."], session_duration="1440m",
                                                app_launcher_visible=True, tags=["a", "b", "a"], identity_providers=[],
                                                same_site_cookie_attribute="lax"))
    assert again["changed"] is False and run_module.writes() == []


def test_identity_providers_by_name_cost_one_list(run_module, emulator, api):
    okta = api.post(path(emulator, "identity_providers"), {"name": "Okta", "type": "okta", "config": {}})
    args = dict(name="wiki", domains=["wiki.example.com"], identity_providers=["Okta"], auto_redirect_to_identity=True)
    created = run_module(access_application, args)
    assert created["application"]["allowed_idps"] == [okta["id"]]
    run_module.clear()
    again = run_module(access_application, args)
    assert again["changed"] is False
    assert run_module.calls() == [("GET", "access/apps", {"name": "wiki", "exact": "true"}),
                                  ("GET", "access/identity_providers", {})]


def test_private_destinations_with_a_virtual_network_by_name(run_module, emulator, api):
    vnet = api.post("/accounts/%s/teamnet/virtual_networks" % emulator.account_id, {"name": "production"})
    args = dict(name="orders-db", private_destinations=[
        {"cidr": "10.20.0.15", "port_range": "5432", "protocol": "tcp", "virtual_network": "production"},
        {"hostname": "Wiki.Corp.Internal", "port_range": "8000-8099"}])
    created = run_module(access_application, args)
    assert created["application"]["destinations"] == [
        {"type": "private", "cidr": "10.20.0.15/32", "port_range": "5432", "l4_protocol": "tcp", "vnet_id": vnet["id"]},
        {"type": "private", "hostname": "wiki.corp.internal", "port_range": "8000-8099"}]
    run_module.clear()
    again = run_module(access_application, args)
    assert again["changed"] is False and len(run_module.requests()) == 2 and run_module.writes() == []
    moved = run_module(access_application, dict(name="orders-db", private_destinations=[{"cidr": "10.20.0.0/24"}]))
    assert moved["changed"] is True
    assert moved["application"]["destinations"] == [{"type": "private", "cidr": "10.20.0.0/24"}]
    assert "domain" not in run_module.writes()[-1]["body"]


@pytest.mark.parametrize("args, message", [
    (dict(domains=["https://wiki.example.com"]), "domains[0] 'https://wiki.example.com' must not carry a scheme"),
    (dict(domains=["wiki.example.com:8443"]), "no port"),
    (dict(domains=["d%d.example.com" % i for i in range(6)]), "at most 5"),
    (dict(domains=["a.example.com", "A.example.com"]), "repeats a hostname"),
    (dict(domains=[], private_destinations=[]), "at least one destination"),
    (dict(private_destinations=[{"cidr": "10.0.0.0/8", "hostname": "x.internal"}]), "exactly one of cidr and hostname"),
    (dict(private_destinations=[{"cidr": "10.0.0.300"}]), "private_destinations[0].cidr must be an IPv4 or IPv6 network"),
    (dict(private_destinations=[{"cidr": "10.0.0.0/8", "port_range": "80,443"}]), "private_destinations[0].port_range"),
    (dict(private_destinations=[{"cidr": "10.0.0.0/8", "port_range": "9000-8000"}]), "private_destinations[0].port_range"),
    (dict(session_duration="forever"), "session_duration must be a duration like"),
    (dict(auto_redirect_to_identity=True, identity_providers=["a", "b"]), "exactly one entry in identity_providers"),
])
def test_bad_input_fails_before_any_request(run_module, args, message):
    failed = run_module(access_application, dict(dict(name="wiki", domains=["wiki.example.com"]), **args))
    assert failed["failed"] is True and message in failed["msg"], failed["msg"]
    assert run_module.requests() == []


def test_another_application_for_the_domain_surfaces_the_api_error(run_module, emulator, api):
    api.post(path(emulator, "apps"), {"type": "self_hosted", "name": "old", "domain": "wiki.example.com"})
    failed = run_module(access_application, dict(name="wiki", domains=["wiki.example.com"]))
    assert failed["failed"] is True and failed["failure"]["errors"][0]["code"] == 11010
    assert "application_already_exists" in failed["msg"]


def test_delete_warns_that_the_hostnames_stay_published(run_module, emulator, api):
    api.post(path(emulator, "apps"), {"type": "self_hosted", "name": "wiki", "domain": "wiki.example.com"})
    run_module.clear()
    deleted = run_module(access_application, dict(name="wiki", state="absent"), diff=True)
    assert deleted["changed"] is True and deleted["application"]["name"] == "wiki"
    assert any("does not unpublish wiki.example.com" in w for w in deleted["warnings"])
    assert [(r["method"], r["status"]) for r in run_module.writes()] == [("DELETE", 202)]
    run_module.clear()
    assert run_module(access_application, dict(name="wiki", state="absent"))["changed"] is False
    assert len(run_module.requests()) == 1


def test_info_filters(run_module, emulator, api, policies):
    wiki = run_module(access_application, APP)["application"]
    run_module(access_application, dict(name="blog", domains=["blog.example.com"]))
    run_module.clear()
    assert [a["name"] for a in run_module(access_application_info, {})["applications"]] == ["wiki", "blog"]
    assert [a["id"] for a in run_module(access_application_info, dict(domain="docs.example.com/internal"))["applications"]] \
        == [wiki["id"]]
    assert run_module(access_application_info, dict(aud=wiki["aud"]))["applications"][0]["name"] == "wiki"
    assert run_module(access_application_info, dict(name="wik"))["applications"] == []
    assert len(run_module(access_application_info, dict(name="wik", exact=False))["applications"]) == 1
    assert run_module(access_application_info, dict(id=wiki["id"]))["applications"][0]["aud"] == wiki["aud"]
    assert run_module(access_application_info, dict(id="00000000-0000-4000-8000-000000000000"))["applications"] == []
