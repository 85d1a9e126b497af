"""Access (reference: cloudflare-access-api.md): applications, reusable policies, service tokens,
identity providers, the organization, and the permission groups a token needs for them."""

import json
import os
import re
import subprocess
import sys

import pytest
import requests

ACCESS = "/accounts/{account}/access"
APPS = ACCESS + "/apps"
POLICIES = ACCESS + "/policies"
TOKENS = ACCESS + "/service_tokens"
IDPS = ACCESS + "/identity_providers"
MISSING = "00000000-0000-4000-8000-000000000000"
EVERYONE = [{"everyone": {}}]


def created(api, method, path, **kwargs):
    """A create call: Access answers 201 (and DELETE of apps/policies 202)."""
    resp = api.call(method, path, **kwargs)
    assert resp.status_code in (201, 202), resp.text
    body = resp.json()
    assert body["success"] is True and body["errors"] == []
    return body["result"]


def policy(api, name="staff", decision="allow", include=None, **extra):
    return created(api, "POST", POLICIES, json=dict(extra, name=name, decision=decision, include=include or EVERYONE))


def app(api, name="wiki", domain="wiki.example.com", **extra):
    return created(api, "POST", APPS, json=dict(extra, type="self_hosted", name=name, domain=domain))


def token(api, name="ci", **extra):
    return created(api, "POST", TOKENS, json=dict(extra, name=name))


# -- organization and identity providers --------------------------------------------------

def test_organization_names_the_team_domain(api, emulator):
    org = api.ok("GET", ACCESS + "/organizations")
    assert org["auth_domain"] == "emulated-team.cloudflareaccess.com"
    emulator.control.access(team_name="acme")
    assert api.ok("GET", ACCESS + "/organizations")["auth_domain"] == "acme.cloudflareaccess.com"
    emulator.control.access(team_name=None)
    body = api.fail("GET", ACCESS + "/organizations", 404, 12100)
    assert body["errors"][0]["message"].startswith("access.api.error.not_found")
    emulator.control.reset()
    assert api.ok("GET", ACCESS + "/organizations")["auth_domain"] == "emulated-team.cloudflareaccess.com"


def test_identity_providers_are_listed_created_and_deleted(api):
    idp = created(api, "POST", IDPS, json={"name": "Okta", "type": "okta", "config": {}})
    assert set(idp) == {"id", "name", "type", "config"}
    assert api.listing(IDPS)[0] == [idp]
    assert created(api, "DELETE", IDPS + "/" + idp["id"]) == {"id": idp["id"]}
    api.fail("GET", IDPS + "/" + idp["id"], 404, 12140)


# -- permissions ----------------------------------------------------------------------------

def test_a_token_without_access_groups_gets_403_on_access_but_not_on_tunnels(api, emulator):
    emulator.control.add_token("tunnel-only-token", {"tunnel": "write"})
    api.fail("GET", APPS, 403, 10000, token="tunnel-only-token")
    api.fail("GET", POLICIES, 403, 10000, token="tunnel-only-token")
    api.fail("GET", TOKENS, 403, 10000, token="tunnel-only-token")
    api.fail("GET", ACCESS + "/organizations", 403, 10000, token="tunnel-only-token")
    api.fail("POST", APPS, 403, 10000, token="tunnel-only-token", json={"type": "self_hosted", "domain": "a.example.com"})
    assert api.ok("GET", "/accounts/{account}/cfd_tunnel", token="tunnel-only-token") == []
    assert api.ok("POST", "/accounts/{account}/cfd_tunnel", token="tunnel-only-token", json={"name": "t"})["name"] == "t"


def test_permission_groups_are_separate_and_read_is_not_write(api, emulator):
    emulator.control.add_token("apps-read-token", {"access_apps": "read"})
    emulator.control.add_token("tokens-write-token", {"access_service_tokens": "write"})
    assert api.listing(APPS)[0] == []
    assert api.ok("GET", APPS, token="apps-read-token") == []
    api.fail("POST", POLICIES, 403, 10000, token="apps-read-token", json={"name": "p", "decision": "allow", "include": EVERYONE})
    api.fail("GET", TOKENS, 403, 10000, token="apps-read-token")
    assert created(api, "POST", TOKENS, token="tokens-write-token", json={"name": "ci"})["name"] == "ci"
    api.fail("GET", POLICIES, 403, 10000, token="tokens-write-token")
    api.fail("POST", "/accounts/{account}/cfd_tunnel", 403, 10000, token="tokens-write-token", json={"name": "t"})
    # The read token reads everything and writes nothing.
    assert api.ok("GET", TOKENS, token=emulator.read_token)[0]["name"] == "ci"
    api.fail("POST", TOKENS, 403, 10000, token=emulator.read_token, json={"name": "x"})


def test_tokens_added_at_run_time_go_with_reset(api, emulator):
    emulator.control.add_token("short-lived-token", "write")
    assert api.ok("GET", APPS, token="short-lived-token") == []
    emulator.control.reset()
    api.fail("GET", APPS, 401, 1000, token="short-lived-token")


def test_email_and_key_hold_every_group(api, emulator):
    headers = {"X-Auth-Email": emulator.email, "X-Auth-Key": emulator.api_key}
    assert api.call("GET", TOKENS, headers=headers).status_code == 200
    assert api.call("POST", TOKENS, headers=headers, json={"name": "k"}).status_code == 201


# -- reusable policies ----------------------------------------------------------------------

def test_policy_defaults_and_read_only_fields(api):
    pol = policy(api, include=[{"email": {"email": "a@example.com"}}])
    assert pol["require"] == [] and pol["exclude"] == []
    assert pol["session_duration"] == "24h"
    assert pol["approval_required"] is False and pol["isolation_required"] is False
    assert pol["purpose_justification_required"] is False
    assert pol["reusable"] is True and pol["app_count"] == 0
    assert re.match(r"^[0-9a-f-]{36}$", pol["id"])
    # Read-only fields sent back are ignored; a PUT replaces: what it leaves out returns to the default.
    changed = api.ok("PUT", POLICIES + "/" + pol["id"], json=dict(
        pol, id=MISSING, app_count=7, reusable=False, session_duration="30m", require=[{"geo": {"country_code": "DE"}}]))
    assert changed["id"] == pol["id"] and changed["app_count"] == 0 and changed["created_at"] == pol["created_at"]
    assert changed["session_duration"] == "30m" and changed["require"] == [{"geo": {"country_code": "DE"}}]
    replaced = api.ok("PUT", POLICIES + "/" + pol["id"], json={"name": "staff", "decision": "allow", "include": EVERYONE})
    assert replaced["session_duration"] == "24h" and replaced["require"] == []


@pytest.mark.parametrize("body, why", [
    ({"decision": "allow", "include": EVERYONE}, "name is required"),
    ({"name": "p", "decision": "permit", "include": EVERYONE}, "decision must be one of"),
    ({"name": "p", "decision": "allow"}, "include is required"),
    ({"name": "p", "decision": "allow", "include": []}, "at least one rule"),
    ({"name": "p", "decision": "allow", "include": [{"emails": {"email": "a@b.c"}}]}, "unknown rule kind 'emails'"),
    ({"name": "p", "decision": "allow", "include": [{"email": {"email": "nobody"}}]}, "not an email address"),
    ({"name": "p", "decision": "allow", "include": [{"ip": {"ip": "10.0.0.300/8"}}]}, "CIDR"),
    ({"name": "p", "decision": "allow", "include": [{"email": {}, "everyone": {}}]}, "exactly one rule kind"),
    ({"name": "p", "decision": "allow", "include": [{"service_token": {"token_id": MISSING}}]}, "no service token"),
    ({"name": "p", "decision": "allow", "include": EVERYONE, "session_duration": "1d"}, "duration like 300ms"),
    ({"name": "p", "decision": "bypass", "include": [{"email_domain": {"domain": "example.com"}}]}, "identity rules"),
])
def test_invalid_policies_are_refused_with_the_reason(api, body, why):
    err = api.fail("POST", POLICIES, 400, 12130, json=body)
    message = err["errors"][0]["message"]
    assert message.startswith("access.api.error.invalid_request: ") and why in message
    assert api.listing(POLICIES)[0] == []


def test_unknown_policy(api):
    api.fail("GET", POLICIES + "/" + MISSING, 404, 12113)
    api.fail("PUT", POLICIES + "/" + MISSING, 404, 12113, json={"name": "p", "decision": "allow", "include": EVERYONE})
    api.fail("DELETE", POLICIES + "/" + MISSING, 404, 12113)


def test_a_policy_used_by_an_application_cannot_be_deleted(api):
    pol = policy(api)
    used = app(api, policies=[{"id": pol["id"], "precedence": 1}])
    assert api.ok("GET", POLICIES + "/" + pol["id"])["app_count"] == 1
    err = api.fail("DELETE", POLICIES + "/" + pol["id"], 409, 12114)
    assert "used by 1 application" in err["errors"][0]["message"]
    api.ok("PUT", APPS + "/" + used["id"], json={"type": "self_hosted", "domain": used["domain"], "policies": []})
    assert created(api, "DELETE", POLICIES + "/" + pol["id"]) == {"id": pol["id"]}


# -- applications ---------------------------------------------------------------------------

def test_application_defaults_aud_and_domains_in_step(api):
    created_app = app(api)
    assert re.match(r"^[0-9a-f]{64}$", created_app["aud"])
    assert created_app["destinations"] == [{"type": "public", "uri": "wiki.example.com"}]
    assert created_app["self_hosted_domains"] == ["wiki.example.com"]
    assert created_app["session_duration"] == "24h"
    assert created_app["app_launcher_visible"] is True and created_app["http_only_cookie_attribute"] is True
    assert created_app["auto_redirect_to_identity"] is False and created_app["enable_binding_cookie"] is False
    assert created_app["allowed_idps"] == [] and created_app["policies"] == [] and created_app["tags"] == []
    assert "skip_interstitial" not in created_app and "options_preflight_bypass" not in created_app
    # Destinations win: domain and self_hosted_domains follow them; aud and id never change.
    moved = api.ok("PUT", APPS + "/" + created_app["id"], json={
        "type": "self_hosted", "name": "wiki", "aud": "0" * 64,
        "destinations": [{"type": "public", "uri": "docs.example.com"}, {"uri": "wiki.dev.example.com/admin"}],
        "self_hosted_domains": ["ignored.example.com"], "tags": ["b", "a"]})
    assert moved["aud"] == created_app["aud"] and moved["id"] == created_app["id"]
    assert moved["domain"] == "docs.example.com"
    assert moved["self_hosted_domains"] == ["docs.example.com", "wiki.dev.example.com/admin"]
    assert moved["destinations"][1] == {"type": "public", "uri": "wiki.dev.example.com/admin"}
    assert moved["tags"] == ["a", "b"]
    assert api.ok("GET", APPS + "/" + created_app["id"]) == moved


def test_private_destinations(api):
    vnet = api.listing("/accounts/{account}/teamnet/virtual_networks")[0][0]
    created_app = created(api, "POST", APPS, json={"type": "self_hosted", "name": "db", "destinations": [
        {"type": "private", "cidr": "10.1.2.3", "port_range": "5432", "l4_protocol": "tcp", "vnet_id": vnet["id"]},
        {"type": "private", "hostname": "Wiki.Corp.Internal", "port_range": "8000-8099"}]})
    assert created_app["destinations"] == [
        {"type": "private", "cidr": "10.1.2.3/32", "port_range": "5432", "l4_protocol": "tcp", "vnet_id": vnet["id"]},
        {"type": "private", "hostname": "wiki.corp.internal", "port_range": "8000-8099"}]
    assert created_app["domain"] == "10.1.2.3/32" and created_app["self_hosted_domains"] == []


@pytest.mark.parametrize("body, why", [
    ({"type": "self_hosted"}, "domain is required"),
    ({"domain": "a.example.com"}, "type is required"),
    ({"type": "self_hosted", "domain": "https://a.example.com"}, "without a scheme"),
    ({"type": "self_hosted", "domain": "a.example.org"}, "domain does not belong to zone"),
    ({"type": "self_hosted", "destinations": [{"type": "private", "cidr": "10.0.0.1/8"}]}, "without host bits"),
    ({"type": "self_hosted", "destinations": [{"type": "private", "port_range": "22"}]}, "cidr or hostname"),
    ({"type": "self_hosted", "destinations": [{"type": "private", "cidr": "10.0.0.0/8", "port_range": "22,80"}]}, "port_range"),
    ({"type": "self_hosted", "destinations": [{"type": "private", "cidr": "10.0.0.0/8", "vnet_id": MISSING}]},
     "no virtual network"),
    ({"type": "self_hosted", "destinations": [{"uri": "a.example.com", "port_range": "22"}]}, "only be set on private"),
    ({"type": "self_hosted", "destinations": [{"uri": "d%d.example.com" % i} for i in range(6)]}, "at most 5 domains"),
    ({"type": "self_hosted", "domain": "a.example.com", "session_duration": "forever"}, "duration like"),
    ({"type": "self_hosted", "domain": "a.example.com", "allowed_idps": [MISSING]}, "no identity provider"),
    ({"type": "self_hosted", "domain": "a.example.com", "policies": [{"id": MISSING, "precedence": 1}]},
     "no reusable policy"),
    ({"type": "self_hosted", "domain": "a.example.com",
      "policies": [{"name": "inline", "decision": "allow", "include": EVERYONE}]}, "inline"),
])
def test_invalid_applications_are_refused_with_the_reason(api, body, why):
    err = api.fail("POST", APPS, 400, 12130, json=body)
    assert why in err["errors"][0]["message"]
    assert api.listing(APPS)[0] == []


def test_policies_are_linked_by_precedence_kept_when_omitted_and_removed_by_an_empty_list(api):
    first, second = policy(api, "first"), policy(api, "second", decision="non_identity",
                                                  include=[{"any_valid_service_token": {}}])
    created_app = app(api, policies=[{"id": first["id"], "precedence": 2}, {"id": second["id"], "precedence": 1}])
    assert [(p["id"], p["precedence"], p["decision"]) for p in created_app["policies"]] == [
        (second["id"], 1, "non_identity"), (first["id"], 2, "allow")]
    base = {"type": "self_hosted", "domain": created_app["domain"]}
    kept = api.ok("PUT", APPS + "/" + created_app["id"], json=base)
    assert [p["id"] for p in kept["policies"]] == [second["id"], first["id"]]
    err = api.fail("PUT", APPS + "/" + created_app["id"], 400, 12130, json=dict(
        base, policies=[{"id": first["id"], "precedence": 1}, {"id": second["id"], "precedence": 1}]))
    assert err["errors"][0]["message"] == "access.api.error.invalid_request: policy precedences must be unique"
    assert api.ok("PUT", APPS + "/" + created_app["id"], json=dict(base, policies=[]))["policies"] == []


def test_one_application_per_public_domain(api):
    app(api, "one", "wiki.example.com")
    err = api.fail("POST", APPS, 409, 11010, json={"type": "self_hosted", "name": "two", "destinations": [
        {"uri": "other.example.com"}, {"uri": "WIKI.example.com"}]})
    assert err["errors"][0]["message"].startswith("access.api.error.application_already_exists")
    app(api, "one", "wiki.example.com/admin")  # another path is another destination; names may repeat


def test_unknown_application_and_delete(api):
    api.fail("GET", APPS + "/" + MISSING, 404, 11021)
    api.fail("PUT", APPS + "/" + MISSING, 404, 11021, json={"type": "self_hosted", "domain": "a.example.com"})
    created_app = app(api)
    assert created(api, "DELETE", APPS + "/" + created_app["id"]) == {"id": created_app["id"]}
    api.fail("DELETE", APPS + "/" + created_app["id"], 404, 11021)


def test_application_filters_and_paging(api, emulator):
    for index in range(5):
        app(api, "app-%d" % index, "app%d.example.com" % index)
    wiki = app(api, "Wiki", "wiki.dev.example.com")
    assert [a["name"] for a in api.listing(APPS, name="app")[0]] == ["app-%d" % i for i in range(5)]
    assert api.listing(APPS, name="app", exact="true")[0] == []
    assert [a["id"] for a in api.listing(APPS, name="Wiki", exact="true")[0]] == [wiki["id"]]
    assert [a["id"] for a in api.listing(APPS, domain="wiki.dev.example.com", exact="true")[0]] == [wiki["id"]]
    assert [a["id"] for a in api.listing(APPS, aud=wiki["aud"])[0]] == [wiki["id"]]
    assert [a["id"] for a in api.listing(APPS, search="WIKI")[0]] == [wiki["id"]]
    page, info = api.listing(APPS, per_page=4, page=2)
    assert [a["name"] for a in page] == ["app-4", "Wiki"]
    assert info == {"count": 2, "page": 2, "per_page": 4, "total_count": 6, "total_pages": 2}
    assert api.listing(APPS)[1]["per_page"] == 25
    api.fail("GET", APPS, 400, 1001, params={"per_page": 101})
    emulator.control.settings(per_page_over_max="clamp")
    assert api.listing(APPS, per_page=500)[1]["per_page"] == 100


# -- service tokens -------------------------------------------------------------------------

def test_the_client_secret_comes_only_with_create_and_rotate(api, emulator):
    tok = token(api)
    secret, client_id = tok["client_secret"], tok["client_id"]
    assert re.match(r"^[0-9a-f]{64}$", secret) and client_id.endswith(".access")
    assert tok["duration"] == "8760h" and tok["expires_at"]
    for got in (api.ok("GET", TOKENS + "/" + tok["id"]), api.listing(TOKENS)[0][0],
                api.ok("PUT", TOKENS + "/" + tok["id"], json={"name": "ci-2"})):
        assert "client_secret" not in got and got["client_id"] == client_id
    assert secret not in str(emulator.control.state())
    assert emulator.control.verify_service_token(client_id, secret) == {"valid": True, "token_id": tok["id"]}
    rotated = api.ok("POST", TOKENS + "/" + tok["id"] + "/rotate")
    assert rotated["client_id"] == client_id and rotated["client_secret"] != secret
    assert emulator.control.verify_service_token(client_id, secret)["valid"] is False
    assert emulator.control.verify_service_token(client_id, rotated["client_secret"])["valid"] is True
    graced = api.ok("POST", TOKENS + "/" + tok["id"] + "/rotate", json={"previous_client_secret_expires_at": "2099-01-01T00:00:00Z"})
    assert emulator.control.verify_service_token(client_id, rotated["client_secret"])["valid"] is True
    assert emulator.control.verify_service_token(client_id, graced["client_secret"])["valid"] is True


def test_token_durations(api):
    tok = token(api, duration="1h")
    assert tok["duration"] == "1h"
    kept = api.ok("PUT", TOKENS + "/" + tok["id"], json={"name": "renamed"})
    assert kept["duration"] == "1h" and kept["expires_at"] == tok["expires_at"] and kept["name"] == "renamed"
    longer = api.ok("PUT", TOKENS + "/" + tok["id"], json={"duration": "2h"})
    assert longer["duration"] == "2h" and longer["expires_at"] > tok["expires_at"]
    assert api.ok("PUT", TOKENS + "/" + tok["id"], json={"duration": "forever"})["expires_at"] is None
    err = api.fail("POST", TOKENS, 400, 12130, json={"name": "x", "duration": "1y"})
    assert "duration like" in err["errors"][0]["message"]
    api.fail("POST", TOKENS, 400, 12130, json={"duration": "1h"})


def test_a_token_named_in_a_policy_cannot_be_deleted(api):
    tok = token(api)
    pol = policy(api, decision="non_identity", include=[{"service_token": {"token_id": tok["id"]}}])
    body = api.fail("DELETE", TOKENS + "/" + tok["id"], 400, 12139)
    assert body["errors"][0]["message"] == "access.api.error.service_token_in_use"
    created(api, "DELETE", POLICIES + "/" + pol["id"])
    deleted = api.ok("DELETE", TOKENS + "/" + tok["id"])
    assert deleted["id"] == tok["id"] and "client_secret" not in deleted
    api.fail("GET", TOKENS + "/" + tok["id"], 404, 12138)


def test_token_filters(api):
    token(api, "ci"), token(api, "ci-deploy"), token(api, "ops")
    assert [t["name"] for t in api.listing(TOKENS, name="ci")[0]] == ["ci"]
    assert [t["name"] for t in api.listing(TOKENS, search="CI")[0]] == ["ci", "ci-deploy"]


def test_controls_without_an_api_token(emulator):
    resp = requests.post(emulator.root_url + "/_emulator/access/verify", json={"client_id": "x", "client_secret": "y"},
                         timeout=10)
    assert resp.json() == {"valid": False, "token_id": None}


def _cli(emulator, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "ansible_collections.edgeops.cloudflare.tests.emulator.control",
                           "--url", emulator.base_url] + list(args), input=stdin, capture_output=True, text=True,
                          timeout=30, env=dict(os.environ), check=False)


def test_control_cli_for_access(api, emulator):
    out = _cli(emulator, "access", "--team-name", "cli-team")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"team_name": "cli-team"}
    out = _cli(emulator, "add-token", "--scopes", '{"tunnel": "read"}', stdin="cli-scoped-token\n")
    assert out.returncode == 0, out.stderr
    api.fail("GET", APPS, 403, 10000, token="cli-scoped-token")
    tok = token(api)
    out = _cli(emulator, "verify-service-token", "--client-id", tok["client_id"], stdin=tok["client_secret"] + "\n")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"valid": True, "token_id": tok["id"]}
    assert tok["client_secret"] not in " ".join(out.args)
    assert _cli(emulator, "access", "--team-name", "Not A Label").returncode == 1
