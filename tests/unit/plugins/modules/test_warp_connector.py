"""edgeops.cloudflare.warp_connector in-process, over real HTTP against the emulator."""

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import CloudflareClient
from ansible_collections.edgeops.cloudflare.plugins.module_utils._tunnels import WarpConnector
from ansible_collections.edgeops.cloudflare.plugins.modules import warp_connector

SECRET = base64.b64encode(b"w" * 32).decode()
OTHER_SECRET = base64.b64encode(b"x" * 40).decode()
FIELDS = {"id", "name", "account_tag", "status", "created_at", "deleted_at",
          "conns_active_at", "conns_inactive_at", "tun_type", "metadata"}


def collection(emulator):
    return "/accounts/%s/warp_connector" % emulator.account_id


def live(api, emulator):
    return list(api.paginate(collection(emulator), {"is_deleted": "false"}))


def token_of(api, emulator, tunnel_id):
    return json.loads(base64.b64decode(api.get("%s/%s/token" % (collection(emulator), tunnel_id))))


def emulated(emulator, tunnel_id):
    """The emulator's own record of a tunnel (includes ha, which the API does not return)."""
    return [t for t in emulator.control.state()["tunnels"] if t["id"] == tunnel_id][0]


# ---- create / idempotence ---------------------------------------------------------------

def test_create_by_name_costs_two_requests_and_returns_no_secret(run_module, emulator, api):
    result = run_module(warp_connector, dict(name="office"))
    assert result["changed"] is True
    connector = result["warp_connector"]
    assert set(connector) == FIELDS
    assert connector["name"] == "office" and connector["tun_type"] == "warp_connector"
    assert connector["status"] == "inactive" and connector["account_tag"] == emulator.account_id
    log = run_module.requests()
    assert [(r["method"], r["path"]) for r in log] == [("GET", collection(emulator)), ("POST", collection(emulator))]
    assert log[0]["query"]["name"] == "office" and log[0]["query"]["is_deleted"] == "false"
    assert log[1]["body"] == {"name": "office"}
    # ansible-core < 2.19 echoes the arguments in "invocation", the token masked: not a leak.
    printed = result["_stdout"].replace('"api_token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"', "")
    assert "token" not in printed.replace("tunnel_token", "")
    assert [t["id"] for t in live(api, emulator)] == [connector["id"]]


def test_create_is_not_a_cloudflared_tunnel(run_module, emulator, api):
    result = run_module(warp_connector, dict(name="office"))
    cfd = list(api.paginate("/accounts/%s/cfd_tunnel" % emulator.account_id, {"is_deleted": "false"}))
    assert cfd == [] and result["warp_connector"]["tun_type"] == "warp_connector"


def test_create_with_secret_patches_it_right_after(run_module, emulator, api):
    result = run_module(warp_connector, dict(name="office", tunnel_secret=SECRET), diff=True)
    assert result["changed"] is True
    writes = run_module.writes()
    assert [r["method"] for r in writes] == ["POST", "PATCH"]
    assert "tunnel_secret" not in writes[0]["body"]
    assert writes[1]["path"] == "%s/%s" % (collection(emulator), result["warp_connector"]["id"])
    assert token_of(api, emulator, result["warp_connector"]["id"])["s"] == SECRET
    assert SECRET not in result["_stdout"]
    assert result["diff"]["before"] == {} and result["diff"]["after"]["name"] == "office"


def test_second_run_changes_nothing_with_one_request_and_no_write(run_module, emulator, api):
    first = run_module(warp_connector, dict(name="office", ha=True, tunnel_secret=SECRET))
    run_module.clear()
    again = run_module(warp_connector, dict(name="office", ha=True, tunnel_secret=OTHER_SECRET))
    assert again["changed"] is False and again["warp_connector"] == first["warp_connector"]
    assert len(run_module.requests()) == 1 and run_module.writes() == []
    assert token_of(api, emulator, first["warp_connector"]["id"])["s"] == SECRET


def test_ha_is_sent_on_create(run_module, emulator):
    result = run_module(warp_connector, dict(name="ha-office", ha=True))
    assert run_module.writes()[0]["body"] == {"name": "ha-office", "ha": True}
    assert emulated(emulator, result["warp_connector"]["id"])["ha"] is True
    plain = run_module(warp_connector, dict(name="plain", ha=False))
    assert emulated(emulator, plain["warp_connector"]["id"])["ha"] is False


def test_check_mode_create_predicts_without_writing(run_module, emulator, api):
    result = run_module(warp_connector, dict(name="office", ha=True, tunnel_secret=SECRET), check_mode=True, diff=True)
    assert result["changed"] is True
    predicted = result["warp_connector"]
    assert predicted["id"] is None and predicted["name"] == "office" and "ha" not in predicted
    assert predicted["tun_type"] == "warp_connector" and predicted["status"] == "inactive"
    assert result["diff"]["before"] == {} and result["diff"]["after"]["name"] == "office"
    assert run_module.writes() == [] and live(api, emulator) == []


def test_deleted_one_with_the_same_name_is_ignored(run_module, emulator, api):
    old = api.post(collection(emulator), {"name": "reused"})
    api.delete("%s/%s" % (collection(emulator), old["id"]))
    result = run_module(warp_connector, dict(name="reused"))
    assert result["changed"] is True and result["warp_connector"]["id"] != old["id"]


# ---- ha (create-only) ---------------------------------------------------------------------

def test_ha_is_sent_on_create_only_and_never_reported(run_module, emulator, api):
    """The API takes ha on create only and has no ha field on WARP objects (2026 schema)."""
    api.post(collection(emulator), {"name": "office", "ha": False})
    run_module.clear()
    result = run_module(warp_connector, dict(name="office", ha=True))
    assert result["changed"] is False and "ha" not in result["warp_connector"]
    assert run_module.writes() == []
    assert run_module.writes() == []


# ---- secrets ------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["not base64!!", base64.b64encode(b"short").decode()])
def test_bad_secret_fails_before_any_request_without_echoing_it(run_module, bad):
    result = run_module(warp_connector, dict(name="office", tunnel_secret=bad))
    assert result["failed"] is True and "tunnel_secret" in result["msg"] and bad not in result["msg"]
    assert run_module.requests() == []


def test_update_secret_always_rotates_and_reports_change(run_module, api, emulator):
    created = run_module(warp_connector, dict(name="office", tunnel_secret=SECRET))["warp_connector"]
    run_module.clear()
    result = run_module(warp_connector, dict(name="office", tunnel_secret=OTHER_SECRET, update_secret="always"), diff=True)
    assert result["changed"] is True and result["secret_rotated"] is True
    assert result["diff"]["before"]["tunnel_secret"] == "(hidden)"
    assert result["diff"]["after"]["tunnel_secret"] == "(hidden, rotated)"
    assert [r["method"] for r in run_module.writes()] == ["PATCH"]
    assert token_of(api, emulator, created["id"])["s"] == OTHER_SECRET
    assert OTHER_SECRET not in result["_stdout"] and SECRET not in result["_stdout"]


def test_update_secret_always_without_secret_generates_one(run_module, api, emulator):
    created = run_module(warp_connector, dict(name="office", tunnel_secret=SECRET))["warp_connector"]
    result = run_module(warp_connector, dict(name="office", update_secret="always"))
    rotated = token_of(api, emulator, created["id"])["s"]
    assert result["changed"] is True and rotated != SECRET and len(base64.b64decode(rotated)) == 32
    assert rotated not in result["_stdout"]


def test_update_secret_always_in_check_mode_sends_nothing(run_module, api, emulator):
    created = run_module(warp_connector, dict(name="office", tunnel_secret=SECRET))["warp_connector"]
    run_module.clear()
    result = run_module(warp_connector, dict(name="office", update_secret="always"), check_mode=True)
    assert result["changed"] is True and run_module.writes() == []
    assert token_of(api, emulator, created["id"])["s"] == SECRET


def test_failed_secret_patch_after_create_says_what_exists_and_how_to_recover(run_module, emulator, api):
    emulator.control.fault(action="5xx", method="PATCH", count=10)
    result = run_module(warp_connector, dict(name="office", tunnel_secret=SECRET, retries=1))
    assert result["failed"] is True and result["changed"] is True
    created = live(api, emulator)
    assert len(created) == 1 and result["warp_connector"]["id"] == created[0]["id"]
    assert "was created (id %s) but setting its tunnel_secret failed" % created[0]["id"] in result["msg"]
    assert "update_secret: always" in result["msg"] and SECRET not in result["_stdout"]
    assert result["failure"]["status"] in (502, 503, 504)


# ---- rename -------------------------------------------------------------------------------

def test_rename_by_id_then_idempotent(run_module, api, emulator):
    connector = api.post(collection(emulator), {"name": "old"})
    run_module.clear()
    result = run_module(warp_connector, dict(id=connector["id"], name="new"), diff=True)
    assert result["changed"] is True and result["warp_connector"]["name"] == "new"
    assert result["diff"]["before"]["name"] == "old" and result["diff"]["after"]["name"] == "new"
    assert [r["method"] for r in run_module.requests()] == ["GET", "PATCH"]
    assert run_module.writes()[0]["body"] == {"name": "new"}
    run_module.clear()
    again = run_module(warp_connector, dict(id=connector["id"], name="new"))
    assert again["changed"] is False and len(run_module.requests()) == 1


def test_rename_in_check_mode(run_module, api, emulator):
    connector = api.post(collection(emulator), {"name": "old"})
    run_module.clear()
    result = run_module(warp_connector, dict(id=connector["id"], name="new"), check_mode=True, diff=True)
    assert result["changed"] is True and result["warp_connector"]["name"] == "new"
    assert run_module.writes() == []
    assert api.get("%s/%s" % (collection(emulator), connector["id"]))["name"] == "old"


def test_rename_onto_a_taken_name_surfaces_cloudflare_error(run_module, api, emulator):
    api.post(collection(emulator), {"name": "taken"})
    mine = api.post(collection(emulator), {"name": "mine"})
    result = run_module(warp_connector, dict(id=mine["id"], name="taken"))
    assert result["failed"] is True
    assert result["msg"].startswith("Cloudflare API error 1013 (HTTP 409) on PATCH /accounts/")
    assert result["failure"]["errors"][0]["code"] == 1013


def test_unknown_id_fails(run_module):
    result = run_module(warp_connector, dict(id="3f6c1a2e-0b1d-4c5e-9f7a-8b9c0d1e2f3a", name="x"))
    assert result["failed"] is True and "No WARP connector with id 3f6c1a2e" in result["msg"]
    assert run_module.writes() == []


def test_a_cloudflared_tunnel_id_is_not_a_warp_connector(run_module, api, emulator):
    tunnel = api.post("/accounts/%s/cfd_tunnel" % emulator.account_id, {"name": "cfd"})
    result = run_module(warp_connector, dict(id=tunnel["id"], name="cfd"))
    assert result["failed"] is True and "No WARP connector with id %s" % tunnel["id"] in result["msg"]


def test_deleted_id_cannot_be_changed(run_module, api, emulator):
    connector = api.post(collection(emulator), {"name": "gone"})
    api.delete("%s/%s" % (collection(emulator), connector["id"]))
    result = run_module(warp_connector, dict(id=connector["id"], name="back"))
    assert result["failed"] is True
    assert result["msg"].startswith("WARP connector %s ('gone') was deleted at" % connector["id"])


@pytest.mark.parametrize("args, expected", [
    (dict(), "one of the following is required: name, id"),
    (dict(id="not-a-uuid"), "id must be a UUID"),
    (dict(name="  "), "name must not be empty"),
    (dict(name="x", state="gone"), "value of state must be one of: present, absent"),
    (dict(name="x", ha="maybe"), "ha"),
])
def test_bad_parameters_fail_before_any_request(run_module, args, expected):
    result = run_module(warp_connector, args)
    assert result["failed"] is True and expected in result["msg"]
    assert run_module.requests() == []


# ---- delete -------------------------------------------------------------------------------

def test_delete_by_name_then_idempotent(run_module, api, emulator):
    connector = api.post(collection(emulator), {"name": "bye"})
    run_module.clear()
    result = run_module(warp_connector, dict(name="bye", state="absent"), diff=True)
    assert result["changed"] is True and result["warp_connector"]["id"] == connector["id"]
    assert result["warp_connector"]["deleted_at"]
    assert result["diff"]["after"] == {} and result["diff"]["before"]["name"] == "bye"
    assert [(r["method"], r["path"]) for r in run_module.requests()] == [
        ("GET", collection(emulator)), ("DELETE", "%s/%s" % (collection(emulator), connector["id"]))]
    assert live(api, emulator) == []
    again = run_module(warp_connector, dict(name="bye", state="absent"))
    assert again["changed"] is False and again["warp_connector"] == {}
    by_id = run_module(warp_connector, dict(id=connector["id"], state="absent"))
    assert by_id["changed"] is False and by_id["warp_connector"]["deleted_at"]


def test_delete_in_check_mode_sends_no_write(run_module, api, emulator):
    api.post(collection(emulator), {"name": "keep"})
    run_module.clear()
    result = run_module(warp_connector, dict(name="keep", state="absent"), check_mode=True, diff=True)
    assert result["changed"] is True and run_module.writes() == []
    assert result["diff"]["before"]["name"] == "keep" and result["diff"]["after"] == {}
    assert len(live(api, emulator)) == 1


def test_delete_with_connections_fails_and_says_what_to_do(run_module, api, emulator):
    connector = api.post(collection(emulator), {"name": "busy"})
    token = api.get("%s/%s/token" % (collection(emulator), connector["id"]))
    emulator.control.register_connector(token)
    result = run_module(warp_connector, dict(name="busy", state="absent"))
    assert result["failed"] is True
    assert "Cloudflare API error 1022 (HTTP 400) on DELETE" in result["msg"]
    assert "stop WARP on its connector hosts" in result["msg"]
    assert len(live(api, emulator)) == 1


# ---- safe create against conflicts and lost responses --------------------------------------

def test_lost_create_response_is_found_by_name_not_created_twice(run_module, emulator, api):
    emulator.control.fault(action="drop_after", method="POST", path="/warp_connector$", count=1)
    result = run_module(warp_connector, dict(name="office", tunnel_secret=SECRET))
    assert result["changed"] is True
    assert len(live(api, emulator)) == 1
    assert any("was lost" in w for w in result["warnings"])
    assert [r["method"] for r in run_module.writes()] == ["POST", "PATCH"]
    assert token_of(api, emulator, result["warp_connector"]["id"])["s"] == SECRET


def test_gateway_error_on_create_retries_once_nothing_exists(run_module, emulator, api):
    emulator.control.fault(action="5xx", method="POST", path="/warp_connector$", count=1)
    result = run_module(warp_connector, dict(name="office"))
    assert result["changed"] is True and len(live(api, emulator)) == 1
    assert [r["method"] for r in run_module.writes()] == ["POST", "POST"]
    assert len(run_module.sleeps) >= 1


def test_conflict_on_create_adopts_the_concurrent_one(emulator, api):
    class RacingClient(CloudflareClient):
        """Someone else creates the same name between our lookup and our POST."""

        def post(self, path, json=None, idempotent=None):
            api.post(collection(emulator), {"name": json["name"]})
            return super(RacingClient, self).post(path, json, idempotent)

    client = RacingClient(emulator.base_url, api_token=emulator.write_token)
    params = dict(account_id=emulator.account_id, name="office", id=None, ha=None, tunnel_secret=SECRET,
                  update_secret="on_create", state="present")
    result = WarpConnector(client, params).run()
    assert result["changed"] is False
    assert len(live(api, emulator)) == 1 and result["warp_connector"]["id"] == live(api, emulator)[0]["id"]
    assert "already existed" in result["warnings"][0]
    # the adopted one was not ours: its secret is not overwritten by on_create
    assert token_of(api, emulator, result["warp_connector"]["id"])["s"] != SECRET


def test_rate_limit_is_waited_out(run_module, emulator, api):
    emulator.control.fault(action="429", path="/warp_connector", count=2, retry_after="3")
    result = run_module(warp_connector, dict(name="office"))
    assert result["changed"] is True and len(live(api, emulator)) == 1
    assert run_module.sleeps[:2] == [3.0, 3.0]


def test_read_only_token_fails_with_cloudflare_code(run_module, emulator, api):
    result = run_module(warp_connector, dict(name="office", api_token=emulator.read_token))
    assert result["failed"] is True and "10000" in result["msg"] and "(HTTP 403) on POST" in result["msg"]
    assert emulator.read_token not in result["_stdout"]
    assert live(api, emulator) == []
