"""edgeops.cloudflare.access_service_token and access_service_token_info in-process, over real HTTP against the emulator."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.edgeops.cloudflare.plugins.modules import access_service_token, access_service_token_info

FIELDS = {"id", "name", "client_id", "duration", "expires_at", "created_at", "updated_at", "last_seen_at"}


def path(emulator, what):
    return "/accounts/%s/access/%s" % (emulator.account_id, what)


def valid(emulator, token, secret):
    return emulator.control.verify_service_token(token["client_id"], secret)["valid"]


def without(result, secret):
    """The result with the one key allowed to hold the secret taken out, as text."""
    return json.dumps(dict((k, v) for k, v in result.items() if k not in ("client_secret", "_stdout")))


def test_the_secret_comes_once_then_an_unchanged_rerun_costs_one_request(run_module, emulator):
    created = run_module(access_service_token, dict(name="deploy"), diff=True)
    assert created["changed"] is True
    token, secret = created["service_token"], created["client_secret"]
    assert set(token) == FIELDS and token["duration"] == "8760h" and token["client_id"].endswith(".access")
    assert valid(emulator, token, secret)
    assert created["diff"]["after"]["client_secret"] == "(hidden, set)"
    assert secret not in without(created, secret)
    assert run_module.calls() == [("GET", "access/service_tokens", {"name": "deploy"}),
                                  ("POST", "access/service_tokens", {})]
    run_module.clear()
    again = run_module(access_service_token, dict(name="deploy", duration="8760h"), diff=True)
    assert again["changed"] is False and again["client_secret"] is None and again["service_token"] == token
    assert len(run_module.requests()) == 1 and run_module.writes() == []
    assert "secret_rotated" not in again


def test_check_mode_has_no_secret_and_sends_no_write(run_module, emulator, api):
    checked = run_module(access_service_token, dict(name="deploy"), check_mode=True, diff=True)
    assert checked["changed"] is True and checked["client_secret"] is None and checked["service_token"]["id"] is None
    assert run_module.writes() == [] and api.get(path(emulator, "service_tokens")) == []


def test_rename_and_duration_send_only_what_changes(run_module, emulator, api):
    token = api.post(path(emulator, "service_tokens"), {"name": "old", "duration": "720h"})
    run_module.clear()
    renamed = run_module(access_service_token, dict(id=token["id"], name="new", duration="720h"),
                         diff=True)
    assert renamed["changed"] is True and renamed["client_secret"] is None
    assert [(r["method"], r["body"]) for r in run_module.writes()] == [("PUT", {"name": "new"})]
    assert renamed["diff"]["before"]["name"] == "old" and renamed["diff"]["after"]["name"] == "new"
    run_module.clear()
    longer = run_module(access_service_token, dict(name="new", duration="1440h"))
    assert longer["changed"] is True and longer["service_token"]["duration"] == "1440h"
    assert [(r["method"], r["body"]) for r in run_module.writes()] == [("PUT", {"duration": "1440h"})]
    assert longer["service_token"]["expires_at"] > token["expires_at"]
    run_module.clear()
    # 86400m is 1440h: no change, so the lifetime is not restarted
    assert run_module(access_service_token, dict(name="new", duration="86400m"))["changed"] is False
    assert run_module.writes() == []


def test_rotation_returns_a_new_secret_and_the_old_one_stops(run_module, emulator, api):
    created = run_module(access_service_token, dict(name="deploy"))
    token, old = created["service_token"], created["client_secret"]
    run_module.clear()
    rotated = run_module(access_service_token, dict(name="deploy", rotate_secret=True), diff=True)
    assert rotated["changed"] is True and rotated["secret_rotated"] is True
    new = rotated["client_secret"]
    assert new and new != old and rotated["service_token"]["client_id"] == token["client_id"]
    assert rotated["diff"]["before"]["client_secret"] == "(hidden)" and rotated["diff"]["after"]["client_secret"] == "(hidden, rotated)"
    assert not valid(emulator, token, old) and valid(emulator, token, new)
    assert [(r["method"], r["path"].rsplit("/", 1)[1], r["body"]) for r in run_module.writes()] == [("POST", "rotate", {})]
    run_module.clear()
    graced = run_module(access_service_token, dict(name="deploy", rotate_secret=True,
                                                   previous_secret_expires_at="2099-01-01T00:00:00Z"))
    assert valid(emulator, token, new) and valid(emulator, token, graced["client_secret"])
    assert run_module.writes()[0]["body"] == {"previous_client_secret_expires_at": "2099-01-01T00:00:00Z"}
    checked = run_module(access_service_token, dict(name="deploy", rotate_secret=True), check_mode=True)
    assert checked["changed"] is True and checked["client_secret"] is None and checked["secret_rotated"] is True


def test_dest_writes_the_secret_to_a_0600_file_and_returns_none(run_module, emulator, tmp_path):
    dest = str(tmp_path / "client-secret")
    created = run_module(access_service_token, dict(name="deploy", dest=dest), diff=True)
    assert created["changed"] is True and created["dest"] == dest and "client_secret" not in created
    with open(dest, encoding="utf-8") as handle:
        secret = handle.read()
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert valid(emulator, created["service_token"], secret)
    assert secret not in created["_stdout"]
    assert created["diff"]["after"]["dest"]["content"] == "(hidden, the client secret)"
    again = run_module(access_service_token, dict(name="deploy", dest=dest))
    assert again["changed"] is False
    with open(dest, encoding="utf-8") as handle:
        assert handle.read() == secret
    rotated = run_module(access_service_token, dict(name="deploy", dest=dest, rotate_secret=True))
    with open(dest, encoding="utf-8") as handle:
        new = handle.read()
    assert rotated["changed"] is True and new != secret and valid(emulator, created["service_token"], new)
    assert new not in rotated["_stdout"]
    os.unlink(dest)
    run_module.clear()
    lost = run_module(access_service_token, dict(name="deploy", dest=dest))
    assert lost["failed"] is True and "set rotate_secret: true" in lost["msg"] and run_module.writes() == []


def test_dest_in_a_missing_folder_fails_before_any_request(run_module, tmp_path):
    failed = run_module(access_service_token, dict(name="deploy", dest=str(tmp_path / "nope" / "secret")))
    assert failed["failed"] is True and "does not exist" in failed["msg"] and run_module.requests() == []


def test_a_lost_create_answer_is_found_and_rotated(run_module, emulator):
    emulator.control.fault(action="drop_after", method="POST", path="/access/service_tokens$")
    created = run_module(access_service_token, dict(name="deploy"))
    assert created["changed"] is True and created["client_secret"]
    assert any("rotated it to get one" in w for w in created["warnings"])
    assert valid(emulator, created["service_token"], created["client_secret"])
    assert [r["path"].rsplit("/", 1)[1] for r in run_module.writes()] == ["service_tokens", "rotate"]
    assert len(emulator.control.state()["access"]["service_tokens"]) == 1


@pytest.mark.parametrize("args, message", [
    (dict(duration="1 year"), "duration must be a duration like"),
    (dict(duration="1y"), "duration must be a duration like"),
    (dict(previous_secret_expires_at="tomorrow", rotate_secret=True), "previous_secret_expires_at must be an ISO 8601"),
    (dict(previous_secret_expires_at="2099-01-01T00:00:00Z"), "only applies with rotate_secret: true"),
    (dict(owner="root"), "owner and group only apply with dest"),
    (dict(name=" deploy"), "leading or trailing white space"),
])
def test_bad_input_fails_before_any_request(run_module, args, message):
    failed = run_module(access_service_token, dict(dict(name="deploy"), **args))
    assert failed["failed"] is True and message in failed["msg"], failed["msg"]
    assert run_module.requests() == []


def test_forever(run_module):
    token = run_module(access_service_token, dict(name="ci", duration="forever"))["service_token"]
    assert token["duration"] == "forever" and token["expires_at"] is None


def test_a_token_a_policy_names_is_not_deleted_and_the_policies_are_named(run_module, emulator, api):
    token = api.post(path(emulator, "service_tokens"), {"name": "deploy"})
    api.post(path(emulator, "policies"), {"name": "bots", "decision": "non_identity",
                                          "include": [{"service_token": {"token_id": token["id"]}}]})
    failed = run_module(access_service_token, dict(name="deploy", state="absent"))
    assert failed["failed"] is True and failed["failure"]["errors"][0]["code"] == 12139
    assert "Policies still name service token 'deploy': 'bots'" in failed["msg"]


def test_delete(run_module, emulator, api):
    api.post(path(emulator, "service_tokens"), {"name": "deploy"})
    run_module.clear()
    deleted = run_module(access_service_token, dict(name="deploy", state="absent"))
    assert deleted["changed"] is True and deleted["service_token"]["name"] == "deploy"
    assert "client_secret" not in json.dumps(deleted["service_token"])
    assert [(r["method"], r["status"]) for r in run_module.writes()] == [("DELETE", 200)]
    assert run_module(access_service_token, dict(name="deploy", state="absent"))["changed"] is False


def test_info(run_module, emulator, api):
    short = api.post(path(emulator, "service_tokens"), {"name": "ci", "duration": "24h"})
    api.post(path(emulator, "service_tokens"), {"name": "ci-long"})
    api.post(path(emulator, "service_tokens"), {"name": "forever", "duration": "forever"})
    run_module.clear()
    listed = run_module(access_service_token_info, {})["service_tokens"]
    assert [t["name"] for t in listed] == ["ci", "ci-long", "forever"] and all(set(t) == FIELDS for t in listed)
    assert [t["name"] for t in run_module(access_service_token_info, dict(expiring_within="720h"))["service_tokens"]] == ["ci"]
    assert [t["name"] for t in run_module(access_service_token_info, dict(search="ci"))["service_tokens"]] == ["ci", "ci-long"]
    assert [t["id"] for t in run_module(access_service_token_info, dict(name="ci"))["service_tokens"]] == [short["id"]]
    assert run_module(access_service_token_info, dict(id=short["id"]))["service_tokens"][0]["name"] == "ci"
