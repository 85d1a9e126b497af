"""cfd_tunnel_config's ingress rule option ``access``: the module finds the team name and the aud tags
and writes cloudflared's originRequest.access itself. In-process, over real HTTP against the emulator."""

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.modules import cfd_tunnel_config

WIKI = {"hostname": "wiki.example.com", "service": "http://localhost:8080"}
DOCS = {"hostname": "docs.example.com", "service": "http://localhost:8081"}


def account_path(emulator, what):
    return "/accounts/%s/%s" % (emulator.account_id, what)


@pytest.fixture
def tunnel(api, emulator):
    created = api.post(account_path(emulator, "cfd_tunnel"), {"name": "web", "config_src": "cloudflare"})
    emulator.control.clear_requests()
    return created


def application(api, emulator, name, *domains):
    return api.post(account_path(emulator, "access/apps"),
                    {"type": "self_hosted", "name": name, "destinations": [{"type": "public", "uri": d} for d in domains]})


def stored_rules(api, emulator, tunnel):
    return api.get(account_path(emulator, "cfd_tunnel/%s/configurations" % tunnel["id"]))["config"]["ingress"][:-1]


def test_access_by_application_name_and_by_hostname(run_module, emulator, api, tunnel):
    wiki = application(api, emulator, "wiki", "wiki.example.com", "docs.example.com/handbook")
    other = application(api, emulator, "docs-api", "docs.example.com/api")
    emulator.control.clear_requests()
    args = dict(name="web", ingress=[dict(WIKI, access={"application": "wiki"}), dict(DOCS, access={"required": True})])
    result = run_module(cfd_tunnel_config, args, diff=True)
    assert result["changed"] is True
    calls = run_module.calls()
    wiki_rule, docs_rule = stored_rules(api, emulator, tunnel)
    assert wiki_rule["originRequest"] == {"access": {"required": True, "teamName": "emulated-team", "audTag": [wiki["aud"]]}}
    # by hostname: every application protecting docs.example.com, whatever its path
    assert docs_rule["originRequest"]["access"]["audTag"] == sorted([wiki["aud"], other["aud"]])
    assert result["diff"]["after"]["ingress"][0]["origin_request"]["access"]["aud_tag"] == [wiki["aud"]]
    assert calls[:2] == [("GET", "cfd_tunnel", {"name": "web", "is_deleted": "false"}),
                         ("GET", "cfd_tunnel/%s/configurations" % tunnel["id"], {})]
    # two extra reads for any number of rules and applications: the organization and all applications
    assert sorted(calls[2:4]) == [("GET", "access/apps", {}), ("GET", "access/organizations", {})]
    assert [c[0] for c in calls[4:]] == ["PUT"]
    run_module.clear()
    again = run_module(cfd_tunnel_config, args)
    assert again["changed"] is False and run_module.writes() == [] and len(run_module.requests()) == 4


def test_a_recreated_application_is_followed(run_module, emulator, api, tunnel):
    old = application(api, emulator, "wiki", "wiki.example.com")
    args = dict(name="web", ingress=[dict(WIKI, access={"application": "wiki"})])
    run_module(cfd_tunnel_config, args)
    api.delete(account_path(emulator, "access/apps/" + old["id"]))
    new = application(api, emulator, "wiki", "wiki.example.com")
    run_module.clear()
    changed = run_module(cfd_tunnel_config, args, diff=True)
    assert changed["changed"] is True
    assert changed["diff"]["before"]["ingress"][0]["origin_request"]["access"]["aud_tag"] == [old["aud"]]
    assert stored_rules(api, emulator, tunnel)[0]["originRequest"]["access"]["audTag"] == [new["aud"]]


def test_a_missing_application_fails_before_any_write_and_is_assumed_in_check_mode(run_module, emulator, api, tunnel):
    args = dict(name="web", ingress=[dict(WIKI, access={"application": "wiki"})])
    failed = run_module(cfd_tunnel_config, args)
    assert failed["failed"] is True
    assert "ingress[0].access.application: no Access application named 'wiki'" in failed["msg"]
    assert run_module.writes() == []
    by_host = run_module(cfd_tunnel_config, dict(name="web", ingress=[dict(WIKI, access={})]))
    assert by_host["failed"] is True and "ingress[0].access: no Access application protects wiki.example.com" in by_host["msg"]
    assert run_module.writes() == []
    checked = run_module(cfd_tunnel_config, args, check_mode=True, diff=True)
    assert checked["changed"] is True and run_module.writes() == []
    assert any("assumed an earlier task creates it" in w for w in checked["warnings"])
    access = checked["diff"]["after"]["ingress"][0]["origin_request"]["access"]
    assert access["team_name"] == "emulated-team" and "assumed" in access["aud_tag"][0]


def test_first_run_check_mode_of_a_whole_play(run_module, emulator, api, tunnel):
    """Check mode of a tunnel config on a first run, with the tunnel assumed too."""
    checked = run_module(cfd_tunnel_config, dict(name="later", ingress=[dict(WIKI, access={})]), check_mode=True)
    assert checked["changed"] is True and run_module.writes() == []
    assert len([w for w in checked["warnings"] if "assumed" in w]) == 2


@pytest.mark.parametrize("rule, message", [
    (dict(WIKI, access={"application": "wiki"}, origin_request={"access": {"aud_tag": ["x"], "team_name": "t"}}),
     "ingress[0]: give access (the module finds the team name and aud tag) or origin_request.access"),
    (dict(WIKI, hostname="*.example.com", access={}), "ingress[0]: access needs application"),
    (dict(WIKI, access={"application": " wiki"}), "ingress[0].access.application ' wiki' has leading or trailing white space"),
])
def test_bad_access_fails_before_any_request(run_module, tunnel, rule, message):
    failed = run_module(cfd_tunnel_config, dict(name="web", ingress=[rule]))
    assert failed["failed"] is True and message in failed["msg"], failed["msg"]
    assert run_module.requests() == []


def test_no_zero_trust_organization(run_module, emulator, api, tunnel):
    application(api, emulator, "wiki", "wiki.example.com")
    emulator.control.access(team_name=None)
    emulator.control.clear_requests()
    failed = run_module(cfd_tunnel_config, dict(name="web", ingress=[dict(WIKI, access={})]))
    assert failed["failed"] is True and "has no Zero Trust organization" in failed["msg"] and run_module.writes() == []


def test_a_token_without_access_permission_is_told_which_one(run_module, emulator, api, tunnel):
    application(api, emulator, "wiki", "wiki.example.com")
    emulator.control.add_token("tunnel-only", {"tunnel": "write"})
    emulator.control.clear_requests()
    failed = run_module(cfd_tunnel_config, dict(name="web", ingress=[dict(WIKI, access={})], api_token="tunnel-only"))
    assert failed["failed"] is True and failed["failure"]["status"] == 403
    assert "Access: Organizations, Identity Providers, and Groups Read" in failed["msg"] and run_module.writes() == []


def test_state_absent_needs_no_access_reads(run_module, emulator, api, tunnel):
    application(api, emulator, "wiki", "wiki.example.com")
    run_module(cfd_tunnel_config, dict(name="web", ingress=[dict(WIKI, access={})]))
    run_module.clear()
    removed = run_module(cfd_tunnel_config, dict(name="web", state="absent", ingress=[dict(WIKI, access={})]))
    assert removed["changed"] is True
    assert [c[1] for c in run_module.calls() if c[0] == "GET"] == ["cfd_tunnel", "cfd_tunnel/%s/configurations" % tunnel["id"]]
