"""edgeops.cloudflare.access_policy and access_policy_info in-process, over real HTTP against the emulator."""

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.modules import access_policy, access_policy_info

STAFF = dict(name="staff", decision="allow",
             include=[{"email_domain": "example.com"}, {"email": ["b@example.com", "a@example.com"]}],
             require=[{"auth_method": "mfa"}], exclude=[{"ip": "198.51.100.0/24"}])
STAFF_INCLUDE = [{"email": {"email": "a@example.com"}}, {"email": {"email": "b@example.com"}},
                 {"email_domain": {"domain": "example.com"}}]


def path(emulator, what):
    return "/accounts/%s/access/%s" % (emulator.account_id, what)


def a_token(api, emulator, name="deploy"):
    return api.post(path(emulator, "service_tokens"), {"name": name})


def test_create_then_an_unchanged_rerun_costs_one_request(run_module, emulator, api):
    created = run_module(access_policy, STAFF, diff=True)
    assert created["changed"] is True
    policy = created["policy"]
    assert policy["include"] == STAFF_INCLUDE
    assert policy["require"] == [{"auth_method": {"auth_method": "mfa"}}]
    assert policy["exclude"] == [{"ip": {"ip": "198.51.100.0/24"}}]
    assert policy["session_duration"] == "24h" and policy["app_count"] == 0
    assert created["diff"]["before"] == {} and created["diff"]["after"]["name"] == "staff"
    assert run_module.calls() == [("GET", "access/policies", {}), ("POST", "access/policies", {})]
    assert run_module.writes()[0]["body"] == {"name": "staff", "decision": "allow", "include": STAFF_INCLUDE,
                                              "require": [{"auth_method": {"auth_method": "mfa"}}],
                                              "exclude": [{"ip": {"ip": "198.51.100.0/24"}}]}
    run_module.clear()
    # The same rules in another order, repeated, in the API's own form: no change, one request.
    reordered = dict(STAFF, include=[{"email": {"email": "a@example.com"}}, {"email": "b@example.com"},
                                     {"email_domain": "Example.COM"}, {"email": "a@example.com"}])
    again = run_module(access_policy, reordered, diff=True)
    assert again["changed"] is False and again["policy"] == policy
    assert again["diff"]["before"] == again["diff"]["after"]
    assert len(run_module.requests()) == 1 and run_module.writes() == []


def test_check_mode_predicts_and_sends_no_write(run_module, emulator, api):
    checked = run_module(access_policy, STAFF, check_mode=True, diff=True)
    assert checked["changed"] is True and checked["policy"]["id"] is None
    assert checked["policy"]["include"] == STAFF_INCLUDE
    assert run_module.writes() == []
    assert api.get(path(emulator, "policies")) == []


def test_an_update_puts_the_whole_policy_and_keeps_what_the_task_leaves_out(run_module, emulator, api):
    stored = api.post(path(emulator, "policies"), {"name": "staff", "decision": "allow", "include": [{"everyone": {}}],
                                                   "require": [{"geo": {"country_code": "DE"}}],
                                                   "session_duration": "30m", "purpose_justification_required": True})
    run_module.clear()
    changed = run_module(access_policy, dict(name="staff", include=[{"email_domain": "example.com"}],
                                             session_duration="1h30m"), diff=True)
    assert changed["changed"] is True
    assert changed["diff"]["before"]["include"] == [{"everyone": {}}]
    assert changed["diff"]["after"]["include"] == [{"email_domain": {"domain": "example.com"}}]
    assert changed["diff"]["after"]["session_duration"] == "1h30m"
    [put] = run_module.writes()
    assert put["method"] == "PUT" and put["path"].endswith(stored["id"])
    # read-only fields stay out; what the task did not give is sent as stored
    assert not set(put["body"]) & {"id", "created_at", "updated_at", "app_count", "reusable"}
    assert put["body"]["require"] == [{"geo": {"country_code": "DE"}}] and put["body"]["purpose_justification_required"] is True
    got = api.get(path(emulator, "policies/" + stored["id"]))
    assert got["require"] == [{"geo": {"country_code": "DE"}}] and got["session_duration"] == "1h30m"
    run_module.clear()
    # 90m is 1h30m: no change
    assert run_module(access_policy, dict(name="staff", session_duration="90m"))["changed"] is False
    assert run_module.writes() == []


def test_service_tokens_by_name_cost_one_list(run_module, emulator, api):
    token = a_token(api, emulator)
    args = dict(name="bots", decision="non_identity", include=[{"service_token": "deploy"}, {"any_valid_service_token": True}])
    created = run_module(access_policy, args)
    assert created["policy"]["include"] == [{"any_valid_service_token": {}}, {"service_token": {"token_id": token["id"]}}]
    run_module.clear()
    again = run_module(access_policy, args)
    assert again["changed"] is False and run_module.writes() == []
    assert run_module.calls() == [("GET", "access/policies", {}), ("GET", "access/service_tokens", {})]


def test_an_unknown_token_name_fails_naming_the_option(run_module, emulator, api):
    failed = run_module(access_policy, dict(name="bots", decision="non_identity", include=[{"service_token": "nope"}]))
    assert failed["failed"] is True
    assert "include: service_token: no service token named 'nope'" in failed["msg"]
    assert run_module.writes() == []
    checked = run_module(access_policy, dict(name="bots", decision="non_identity", include=[{"service_token": "nope"}]),
                         check_mode=True)
    assert checked["changed"] is True
    assert [w for w in checked["warnings"] if "assumed" in w] == [
        "Check mode: include: service_token: no service token named 'nope' exists yet; assumed an earlier task creates it."]


@pytest.mark.parametrize("args, message", [
    (dict(include=[{"emails": "a@example.com"}]), "include[0]: unknown rule kind 'emails'"),
    (dict(include=[{"email": "not-an-email"}]), "include[0].email must be an email address"),
    (dict(include=[{"email_domain": "@example.com"}]), "without @"),
    (dict(include=[{"ip": "10.0.0.0/33"}]), "include[0].ip must be an IPv4 or IPv6 network"),
    (dict(include=[{"everyone": "yes"}]), "include[0].everyone takes no value"),
    (dict(include=[{"geo": "Germany"}]), "two-letter country code"),
    (dict(include=[{"email": "a@example.com", "everyone": True}]), "one key"),
    (dict(include=[{"saml": {"attribute_name": "x"}}]), "include[0].saml must be a dictionary with"),
    (dict(include=[]), "include needs at least one rule"),
    (dict(session_duration="1 day"), "session_duration must be a duration like"),
    (dict(session_duration="1d"), "session_duration must be a duration like"),
    (dict(decision="bypass", include=[{"email_domain": "example.com"}]), "decision bypass takes no identity rules"),
    (dict(id="not-a-uuid"), "id must be a UUID"),
])
def test_bad_input_fails_before_any_request(run_module, args, message):
    full = dict(dict(name="p", decision="allow", include=[{"everyone": True}]), **args)
    failed = run_module(access_policy, full)
    assert failed["failed"] is True and message in failed["msg"], failed["msg"]
    assert run_module.requests() == []


def test_creating_needs_decision_and_include(run_module):
    failed = run_module(access_policy, dict(name="p", require=[{"auth_method": "mfa"}]))
    assert failed["failed"] is True and "decision and include is required to create" in failed["msg"]
    assert run_module.writes() == []


def test_a_policy_an_application_uses_is_not_deleted(run_module, emulator, api):
    policy = api.post(path(emulator, "policies"), {"name": "staff", "decision": "allow", "include": [{"everyone": {}}]})
    api.post(path(emulator, "apps"), {"type": "self_hosted", "name": "wiki", "domain": "wiki.example.com",
                                       "policies": [{"id": policy["id"], "precedence": 1}]})
    run_module.clear()
    failed = run_module(access_policy, dict(name="staff", state="absent"))
    assert failed["failed"] is True
    assert "Access policy 'staff' is used by 1 application(s): 'wiki'" in failed["msg"]
    assert failed["applications"][0]["name"] == "wiki"
    assert run_module.calls() == [("GET", "access/policies", {}), ("GET", "access/apps", {})]


def test_delete_and_delete_again(run_module, emulator, api):
    api.post(path(emulator, "policies"), {"name": "old", "decision": "deny", "include": [{"everyone": {}}]})
    run_module.clear()
    checked = run_module(access_policy, dict(name="old", state="absent"), check_mode=True, diff=True)
    assert checked["changed"] is True and checked["diff"]["after"] == {} and run_module.writes() == []
    deleted = run_module(access_policy, dict(name="old", state="absent"))
    assert deleted["changed"] is True and deleted["policy"]["name"] == "old"
    assert [(r["method"], r["status"]) for r in run_module.writes()] == [("DELETE", 202)]
    run_module.clear()
    gone = run_module(access_policy, dict(name="old", state="absent"))
    assert gone["changed"] is False and gone["policy"] == {} and len(run_module.requests()) == 1


def test_a_token_without_access_permission_gets_the_permission_named(run_module, emulator):
    emulator.control.add_token("tunnel-only", {"tunnel": "write"})
    failed = run_module(access_policy, dict(dict(STAFF), api_token="tunnel-only"))
    assert failed["failed"] is True and failed["failure"]["status"] == 403
    assert "Access: Apps and Policies Read" in failed["msg"]


def test_info_lists_and_filters(run_module, emulator, api):
    first = api.post(path(emulator, "policies"), {"name": "one", "decision": "allow", "include": [{"everyone": {}}]})
    api.post(path(emulator, "policies"), {"name": "two", "decision": "deny", "include": [{"geo": {"country_code": "us"}}]})
    run_module.clear()
    listed = run_module(access_policy_info, {})
    assert listed["changed"] is False and [p["name"] for p in listed["policies"]] == ["one", "two"]
    assert listed["policies"][1]["include"] == [{"geo": {"country_code": "US"}}]
    assert [p["id"] for p in run_module(access_policy_info, dict(name="one"))["policies"]] == [first["id"]]
    assert run_module(access_policy_info, dict(id=first["id"]))["policies"][0]["name"] == "one"
    assert run_module(access_policy_info, dict(name="three"))["policies"] == []
