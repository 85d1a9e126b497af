"""edgeops.cloudflare.cfd_tunnel in-process, over real HTTP against the emulator."""

from __future__ import annotations

import base64
import json
import os

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._resource import Collection
from ansible_collections.edgeops.cloudflare.plugins.module_utils._tunnels import CfdTunnel, config_src_of
from ansible_collections.edgeops.cloudflare.plugins.modules import cfd_tunnel

SECRET = base64.b64encode(b"s" * 32).decode()
OTHER_SECRET = base64.b64encode(b"t" * 40).decode()
FIELDS = {"id", "name", "account_tag", "config_src", "status", "created_at", "deleted_at",
          "conns_active_at", "conns_inactive_at", "tun_type", "metadata"}


def collection(emulator):
    return "/accounts/%s/cfd_tunnel" % emulator.account_id


def live_tunnels(api, emulator):
    return list(api.paginate(collection(emulator), {"is_deleted": "false"}))


def token_of(api, emulator, tunnel_id):
    return json.loads(base64.b64decode(api.get("%s/%s/token" % (collection(emulator), tunnel_id))))


def connect(api, emulator, tunnel_id, **kw):
    token = api.get("%s/%s/token" % (collection(emulator), tunnel_id))
    return emulator.control.register_connector(token, **kw)["connector_id"]


# ---- create / idempotence ---------------------------------------------------------------

def test_create_by_name_costs_two_requests_and_returns_no_secret(run_module, emulator, api):
    result = run_module(cfd_tunnel, dict(name="web", config_src="cloudflare", tunnel_secret=SECRET))
    assert result["changed"] is True
    tunnel = result["tunnel"]
    assert set(tunnel) == FIELDS
    assert tunnel["name"] == "web" and tunnel["config_src"] == "cloudflare" and tunnel["status"] == "inactive"
    log = run_module.requests()
    assert [(r["method"], r["path"]) for r in log] == [("GET", collection(emulator)), ("POST", collection(emulator))]
    assert log[0]["query"]["name"] == "web" and log[0]["query"]["is_deleted"] == "false"
    for forbidden in ("token", "credentials_file", "tunnel_secret", SECRET, "TunnelSecret"):
        assert forbidden not in json.dumps(tunnel)
    assert SECRET not in result["_stdout"]
    assert token_of(api, emulator, tunnel["id"])["s"] == SECRET


def test_second_run_changes_nothing_with_one_request_and_no_write(run_module, emulator):
    first = run_module(cfd_tunnel, dict(name="web", config_src="cloudflare"))
    run_module.clear()
    again = run_module(cfd_tunnel, dict(name="web", config_src="cloudflare", tunnel_secret=SECRET))
    assert again["changed"] is False
    assert again["tunnel"] == first["tunnel"]
    assert len(run_module.requests()) == 1 and run_module.writes() == []


def test_check_mode_create_predicts_without_writing(run_module, emulator, api):
    result = run_module(cfd_tunnel, dict(name="web", config_src="cloudflare"), check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["tunnel"]["id"] == "(known after apply: tunnel web)" and result["tunnel"]["name"] == "web"
    assert result["tunnel"]["config_src"] == "cloudflare"
    assert result["diff"]["before"] == {} and result["diff"]["after"]["name"] == "web"
    assert run_module.writes() == [] and live_tunnels(api, emulator) == []


def test_diff_on_create_and_on_noop(run_module):
    created = run_module(cfd_tunnel, dict(name="web"), diff=True)
    assert created["diff"]["before"] == {} and created["diff"]["after"]["id"] == created["tunnel"]["id"]
    noop = run_module(cfd_tunnel, dict(name="web"), diff=True)
    assert noop["diff"]["before"] == noop["diff"]["after"]


def test_deleted_tunnel_with_the_same_name_is_ignored(run_module, emulator, api):
    old = api.post(collection(emulator), {"name": "reused"})
    api.delete("%s/%s" % (collection(emulator), old["id"]))
    result = run_module(cfd_tunnel, dict(name="reused"))
    assert result["changed"] is True and result["tunnel"]["id"] != old["id"]
    again = run_module(cfd_tunnel, dict(name="reused"))
    assert again["changed"] is False and again["tunnel"]["id"] == result["tunnel"]["id"]


def test_several_live_matches_fail_clearly(emulator, api):
    class TwoMatches(object):  # the API guarantees unique live names; this guards a broken promise
        retries = 0
        loop_reads = None  # not in a loop

        def paginate(self, path, query, per_page=None):
            return iter([{"id": "a", "name": "dup"}, {"id": "b", "name": "dup"}])

    resource = CfdTunnel(TwoMatches(), dict(account_id=emulator.account_id, name="dup"))
    with pytest.raises(Exception) as info:
        resource.find()
    assert "2 live tunnels have name 'dup' (ids: a, b); pass id to choose one." in str(info.value)


# ---- config_src ---------------------------------------------------------------------------

def test_config_src_mismatch_fails_naming_both_values(run_module, api, emulator):
    run_module(cfd_tunnel, dict(name="web", config_src="local"))
    run_module.clear()
    result = run_module(cfd_tunnel, dict(name="web", config_src="cloudflare"))
    assert result["failed"] is True
    assert "config_src=local" in result["msg"] and "config_src=cloudflare" in result["msg"]
    assert "only be set when the tunnel is created" in result["msg"]
    assert run_module.writes() == []
    assert len(live_tunnels(api, emulator)) == 1


def test_config_src_falls_back_to_remote_config():
    assert config_src_of({"config_src": "local", "remote_config": True}) == "local"
    assert config_src_of({"remote_config": True}) == "cloudflare"
    assert config_src_of({"remote_config": False}) == "local"
    assert config_src_of({}) is None


# ---- secrets ------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["not base64!!", base64.b64encode(b"short").decode(), "c2VjcmV0"])
def test_bad_secret_fails_before_any_request_without_echoing_it(run_module, bad):
    result = run_module(cfd_tunnel, dict(name="web", tunnel_secret=bad))
    assert result["failed"] is True
    assert "tunnel_secret" in result["msg"]
    assert bad not in result["msg"]
    assert run_module.requests() == []


def test_update_secret_always_rotates_and_reports_change(run_module, api, emulator):
    created = run_module(cfd_tunnel, dict(name="web", tunnel_secret=SECRET))["tunnel"]
    old_token = token_of(api, emulator, created["id"])
    run_module.clear()
    result = run_module(cfd_tunnel, dict(name="web", tunnel_secret=OTHER_SECRET, update_secret="always"), diff=True)
    assert result["changed"] is True and result["secret_rotated"] is True
    assert result["diff"]["before"]["tunnel_secret"] == "(hidden)"
    assert result["diff"]["after"]["tunnel_secret"] == "(hidden, rotated)"
    assert OTHER_SECRET not in result["_stdout"] and SECRET not in result["_stdout"]
    assert [r["method"] for r in run_module.writes()] == ["PATCH"]
    new_token = token_of(api, emulator, created["id"])
    assert new_token["s"] == OTHER_SECRET and new_token != old_token


def test_update_secret_always_without_secret_generates_one(run_module, api, emulator):
    created = run_module(cfd_tunnel, dict(name="web", tunnel_secret=SECRET))["tunnel"]
    result = run_module(cfd_tunnel, dict(name="web", update_secret="always"))
    assert result["changed"] is True
    rotated = token_of(api, emulator, created["id"])["s"]
    assert rotated != SECRET and len(base64.b64decode(rotated)) == 32
    assert rotated not in result["_stdout"]


def test_update_secret_always_in_check_mode_sends_nothing(run_module, api, emulator):
    created = run_module(cfd_tunnel, dict(name="web", tunnel_secret=SECRET))["tunnel"]
    run_module.clear()
    result = run_module(cfd_tunnel, dict(name="web", update_secret="always"), check_mode=True)
    assert result["changed"] is True and run_module.writes() == []
    assert token_of(api, emulator, created["id"])["s"] == SECRET


# ---- rename -------------------------------------------------------------------------------

def test_rename_by_id_costs_two_requests_then_none_to_write(run_module, api, emulator):
    tunnel = api.post(collection(emulator), {"name": "old"})
    run_module.clear()
    result = run_module(cfd_tunnel, dict(id=tunnel["id"], name="new"), diff=True)
    assert result["changed"] is True and result["tunnel"]["name"] == "new"
    assert result["diff"]["before"]["name"] == "old" and result["diff"]["after"]["name"] == "new"
    assert [r["method"] for r in run_module.requests()] == ["GET", "PATCH"]
    run_module.clear()
    again = run_module(cfd_tunnel, dict(id=tunnel["id"], name="new"))
    assert again["changed"] is False and len(run_module.requests()) == 1


def test_rename_in_check_mode(run_module, api, emulator):
    tunnel = api.post(collection(emulator), {"name": "old"})
    run_module.clear()
    result = run_module(cfd_tunnel, dict(id=tunnel["id"], name="new"), check_mode=True, diff=True)
    assert result["changed"] is True and result["tunnel"]["name"] == "new"
    assert run_module.writes() == []
    assert api.get("%s/%s" % (collection(emulator), tunnel["id"]))["name"] == "old"


def test_rename_onto_a_taken_name_surfaces_cloudflare_error(run_module, api, emulator):
    api.post(collection(emulator), {"name": "taken"})
    mine = api.post(collection(emulator), {"name": "mine"})
    result = run_module(cfd_tunnel, dict(id=mine["id"], name="taken"))
    assert result["failed"] is True
    assert result["msg"].startswith("Cloudflare API error 1013 (HTTP 409) on PATCH /accounts/")
    assert result["failure"]["errors"][0]["code"] == 1013
    assert "Traceback" not in result["_stdout"]


def test_unknown_id_fails(run_module):
    result = run_module(cfd_tunnel, dict(id="3f6c1a2e-0b1d-4c5e-9f7a-8b9c0d1e2f3a", name="x"))
    assert result["failed"] is True and "No tunnel with id 3f6c1a2e" in result["msg"]
    assert run_module.writes() == []


def test_deleted_id_cannot_be_changed(run_module, api, emulator):
    tunnel = api.post(collection(emulator), {"name": "gone"})
    api.delete("%s/%s" % (collection(emulator), tunnel["id"]))
    result = run_module(cfd_tunnel, dict(id=tunnel["id"], name="back"))
    assert result["failed"] is True and "was deleted at" in result["msg"]


# ---- delete -------------------------------------------------------------------------------

def test_delete_by_name_costs_two_requests_and_is_idempotent(run_module, api, emulator):
    tunnel = api.post(collection(emulator), {"name": "bye"})
    run_module.clear()
    result = run_module(cfd_tunnel, dict(name="bye", state="absent"), diff=True)
    assert result["changed"] is True and result["tunnel"]["id"] == tunnel["id"]
    assert result["tunnel"]["deleted_at"]
    assert result["diff"]["after"] == {} and result["diff"]["before"]["name"] == "bye"
    assert [r["method"] for r in run_module.requests()] == ["GET", "DELETE"]
    again = run_module(cfd_tunnel, dict(name="bye", state="absent"))
    assert again["changed"] is False and again["tunnel"] == {}
    by_id = run_module(cfd_tunnel, dict(id=tunnel["id"], state="absent"))
    assert by_id["changed"] is False and by_id["tunnel"]["deleted_at"]


def test_delete_missing_changes_nothing(run_module):
    result = run_module(cfd_tunnel, dict(name="never", state="absent"))
    assert result["changed"] is False and run_module.writes() == []


def test_delete_in_check_mode_sends_no_write(run_module, api, emulator):
    api.post(collection(emulator), {"name": "keep"})
    run_module.clear()
    result = run_module(cfd_tunnel, dict(name="keep", state="absent", cleanup_connections=True), check_mode=True)
    assert result["changed"] is True and run_module.writes() == []
    assert len(live_tunnels(api, emulator)) == 1


def test_delete_with_connections_fails_and_says_what_to_do(run_module, api, emulator):
    tunnel = api.post(collection(emulator), {"name": "busy"})
    connect(api, emulator, tunnel["id"])
    result = run_module(cfd_tunnel, dict(name="busy", state="absent"))
    assert result["failed"] is True
    assert "(HTTP 400) on DELETE" in result["msg"]
    assert "cleanup_connections: true" in result["msg"]
    assert len(live_tunnels(api, emulator)) == 1


def test_delete_with_cleanup_reports_the_connections_it_removes(run_module, api, emulator):
    tunnel = api.post(collection(emulator), {"name": "busy"})
    first = connect(api, emulator, tunnel["id"])
    second = connect(api, emulator, tunnel["id"])
    run_module.clear()
    result = run_module(cfd_tunnel, dict(name="busy", state="absent", cleanup_connections=True))
    assert result["changed"] is True
    assert sorted(result["connections_removed"]) == sorted([first, second])
    log = run_module.requests()
    assert [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in log] == [
        ("GET", "cfd_tunnel"), ("GET", "connections"), ("DELETE", "connections"), ("DELETE", tunnel["id"])]
    assert live_tunnels(api, emulator) == []


def test_delete_with_cleanup_of_an_idle_tunnel_costs_two_requests(run_module, api, emulator):
    tunnel = api.post(collection(emulator), {"name": "idle"})
    run_module.clear()
    result = run_module(cfd_tunnel, dict(name="idle", state="absent", cleanup_connections=True))
    assert result["changed"] is True and result["connections_removed"] == []
    assert [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in run_module.requests()] == [
        ("GET", "cfd_tunnel"), ("DELETE", tunnel["id"])]


def test_delete_with_cleanup_of_one_connector_explains_the_rest(run_module, api, emulator):
    tunnel = api.post(collection(emulator), {"name": "busy"})
    first = connect(api, emulator, tunnel["id"])
    connect(api, emulator, tunnel["id"])
    result = run_module(cfd_tunnel, dict(name="busy", state="absent", cleanup_connections=True, connector_id=first))
    assert result["failed"] is True and "remove connector_id" in result["msg"]


# ---- cleanup on a live tunnel ---------------------------------------------------------------

def test_cleanup_connections_alone_then_idempotent(run_module, api, emulator):
    tunnel = api.post(collection(emulator), {"name": "rotated"})
    first = connect(api, emulator, tunnel["id"])
    second = connect(api, emulator, tunnel["id"])
    run_module.clear()
    result = run_module(cfd_tunnel, dict(name="rotated", cleanup_connections=True), diff=True)
    assert result["changed"] is True
    assert sorted(result["connections_removed"]) == sorted([first, second])
    assert result["diff"]["after"]["connectors"] == []
    assert api.get("%s/%s/connections" % (collection(emulator), tunnel["id"])) == []
    run_module.clear()
    again = run_module(cfd_tunnel, dict(name="rotated", cleanup_connections=True))
    assert again["changed"] is False and run_module.writes() == []


def test_cleanup_only_one_connector(run_module, api, emulator):
    tunnel = api.post(collection(emulator), {"name": "two"})
    stale = connect(api, emulator, tunnel["id"])
    keep = connect(api, emulator, tunnel["id"])
    result = run_module(cfd_tunnel, dict(name="two", cleanup_connections=True, connector_id=stale))
    assert result["changed"] is True and result["connections_removed"] == [stale]
    remaining = api.get("%s/%s/connections" % (collection(emulator), tunnel["id"]))
    assert [c["id"] for c in remaining] == [keep]
    delete_log = [r for r in run_module.writes() if r["method"] == "DELETE"]
    assert delete_log[0]["query"] == {"client_id": stale}


def test_cleanup_in_check_mode_sends_no_write(run_module, api, emulator):
    tunnel = api.post(collection(emulator), {"name": "cm"})
    connect(api, emulator, tunnel["id"])
    run_module.clear()
    result = run_module(cfd_tunnel, dict(name="cm", cleanup_connections=True), check_mode=True)
    assert result["changed"] is True and run_module.writes() == []
    assert len(api.get("%s/%s/connections" % (collection(emulator), tunnel["id"]))) == 1


# ---- races, lost responses, faults ----------------------------------------------------------

def test_conflict_during_create_adopts_the_live_tunnel(run_module, api, emulator, monkeypatch):
    other = api.post(collection(emulator), {"name": "raced", "config_src": "cloudflare"})
    original = Collection.find
    calls = []

    def stale_first_lookup(self):  # the race window: our lookup ran before the other create
        calls.append(1)
        return None if len(calls) == 1 else original(self)

    monkeypatch.setattr(Collection, "find", stale_first_lookup)
    run_module.clear()
    result = run_module(cfd_tunnel, dict(name="raced", config_src="cloudflare"))
    assert result["changed"] is False
    assert result["tunnel"]["id"] == other["id"]
    assert any("adopted" in w for w in result["warnings"])
    assert [r["method"] for r in run_module.writes()] == ["POST"]
    assert len(live_tunnels(api, emulator)) == 1


def test_conflict_adoption_still_checks_config_src(run_module, api, emulator, monkeypatch):
    api.post(collection(emulator), {"name": "raced", "config_src": "local"})
    monkeypatch.setattr(Collection, "find", lambda self: None)
    result = run_module(cfd_tunnel, dict(name="raced", config_src="cloudflare"))
    assert result["failed"] is True and "config_src=local" in result["msg"]


def test_lost_create_response_is_found_not_repeated(run_module, api, emulator):
    emulator.control.fault(action="drop_after", method="POST", count=1)
    result = run_module(cfd_tunnel, dict(name="lost"))
    assert result["changed"] is True
    assert any("response" in w and "lost" in w for w in result["warnings"])
    assert [r["method"] for r in run_module.writes()] == ["POST"]
    tunnels = live_tunnels(api, emulator)
    assert len(tunnels) == 1 and tunnels[0]["id"] == result["tunnel"]["id"]


def test_create_dropped_before_arrival_is_retried_after_a_lookup(run_module, api, emulator):
    emulator.control.fault(action="drop_before", method="POST", count=1)
    result = run_module(cfd_tunnel, dict(name="retry"))
    assert result["changed"] is True
    methods = [r["method"] for r in run_module.requests()]
    assert methods == ["GET", "POST", "GET", "POST"]
    assert len(live_tunnels(api, emulator)) == 1


def test_create_after_503_looks_up_then_retries(run_module, api, emulator):
    emulator.control.fault(action="5xx", method="POST", count=1, status=503)
    result = run_module(cfd_tunnel, dict(name="gw"))
    assert result["changed"] is True and len(live_tunnels(api, emulator)) == 1


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
def test_rate_limits_on_every_step_are_waited_out(run_module, api, emulator, method):
    tunnel = api.post(collection(emulator), {"name": "busy"})
    connect(api, emulator, tunnel["id"])
    emulator.control.fault(action="429", method=method, count=2, retry_after="3")
    created = run_module(cfd_tunnel, dict(name="new", tunnel_secret=SECRET))
    renamed = run_module(cfd_tunnel, dict(id=created["tunnel"]["id"], name="renamed"))
    deleted = run_module(cfd_tunnel, dict(name="busy", state="absent", cleanup_connections=True))
    assert not created.get("failed") and not renamed.get("failed") and not deleted.get("failed")
    assert run_module.sleeps.count(3.0) == 2
    assert sorted(t["name"] for t in live_tunnels(api, emulator)) == ["renamed"]


def test_random_faults_converge_without_duplicates(run_module, api, emulator):
    names = ["chaos-%d" % i for i in range(12)]
    emulator.control.random_faults(rate=0.3, seed=11, actions=["429", "5xx", "drop_before", "drop_after"])
    pending = list(names)
    for _round in range(6):
        pending = [n for n in pending if run_module(cfd_tunnel, dict(name=n, retries=2)).get("failed")]
        if not pending:
            break
    emulator.control.clear_faults()
    assert pending == []
    live = [t["name"] for t in live_tunnels(api, emulator)]
    assert sorted(live) == sorted(names)  # every tunnel exactly once
    run_module.clear()
    for name in names:
        assert run_module(cfd_tunnel, dict(name=name))["changed"] is False
    assert run_module.writes() == []


# ---- input and auth -------------------------------------------------------------------------

def test_bad_ids_fail_before_any_request(run_module):
    result = run_module(cfd_tunnel, dict(id="not-a-uuid"))
    assert result["failed"] is True and result["msg"].startswith("id must be a UUID")
    result = run_module(cfd_tunnel, dict(name="x", cleanup_connections=True, connector_id="nope"))
    assert result["failed"] is True and result["msg"].startswith("connector_id must be a UUID")
    result = run_module(cfd_tunnel, dict(name="x", connector_id="3f6c1a2e-0b1d-4c5e-9f7a-8b9c0d1e2f3a"))
    assert result["failed"] is True and "cleanup_connections" in result["msg"]
    result = run_module(cfd_tunnel, dict(name="  "))
    assert result["failed"] is True and result["msg"] == "name must not be empty."
    assert run_module.requests() == []


def test_name_or_id_is_required(run_module):
    result = run_module(cfd_tunnel, dict(state="present"))
    assert result["failed"] is True and "name, id" in result["msg"]


def test_bad_account_id_fails_before_any_request(run_module, emulator):
    result = run_module(cfd_tunnel, dict(name="x", account_id="acme"))
    assert result["failed"] is True and result["msg"].startswith("account_id must be")
    assert run_module.requests() == []


def test_read_only_token_fails_with_cloudflare_error_and_no_secret(run_module, emulator):
    args = dict(run_module.auth(emulator.read_token), name="ro")
    result = run_module(cfd_tunnel, args, auth=False)
    assert result["failed"] is True and "(HTTP 403) on POST" in result["msg"]
    assert emulator.read_token not in result["_stdout"]


def test_missing_credentials_are_explained(run_module, emulator):
    result = run_module(cfd_tunnel, dict(name="x", account_id=emulator.account_id, api_base_url=emulator.base_url), auth=False)
    assert result["failed"] is True and "No Cloudflare credentials" in result["msg"]
    assert run_module.requests() == []


def test_environment_credentials_and_email_key(run_module, emulator, monkeypatch):
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", emulator.write_token)
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", emulator.account_id)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", emulator.base_url)
    from_env = run_module(cfd_tunnel, dict(name="env"), auth=False)
    assert from_env["changed"] is True
    assert emulator.write_token not in from_env["_stdout"]
    # Explicit email + key win over the token in the environment.
    by_key = run_module(cfd_tunnel, dict(name="key", api_email=emulator.email, api_key=emulator.api_key), auth=False)
    assert by_key["changed"] is True
    assert emulator.api_key not in by_key["_stdout"]
    assert os.environ["CLOUDFLARE_API_TOKEN"] == emulator.write_token
