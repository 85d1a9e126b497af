"""edgeops.cloudflare.tunnel_token in-process, over real HTTP against the emulator."""

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import CloudflareClient
from ansible_collections.edgeops.cloudflare.plugins.module_utils._common import ModuleError
from ansible_collections.edgeops.cloudflare.plugins.module_utils._tokens import token_parts
from ansible_collections.edgeops.cloudflare.plugins.modules import tunnel_token

SECRET = base64.b64encode(b"k" * 32).decode()
MISSING_ID = "3f6c1a2e-0b1d-4c5e-9f7a-8b9c0d1e2f3a"


def collection(emulator, kind="cfd_tunnel"):
    return "/accounts/%s/%s" % (emulator.account_id, kind)


def make(api, emulator, name, kind="cfd_tunnel", secret=SECRET):
    obj = api.post(collection(emulator, kind), {"name": name})
    api.patch("%s/%s" % (collection(emulator, kind), obj["id"]), {"tunnel_secret": secret})
    return obj


def decode(token):
    return json.loads(base64.b64decode(token))


# ---- tunnel tokens --------------------------------------------------------------------------

def test_token_by_name_costs_two_requests_and_is_what_cloudflared_needs(run_module, api, emulator):
    tunnel = make(api, emulator, "web")
    run_module.clear()
    result = run_module(tunnel_token, dict(name="web"))
    assert result["changed"] is False
    assert result["tunnel_id"] == tunnel["id"] and result["account_tag"] == emulator.account_id
    assert result["tunnel_type"] == "cfd_tunnel" and result["token_type"] == "tunnel"
    assert decode(result["token"]) == {"a": emulator.account_id, "t": tunnel["id"], "s": SECRET}
    assert [(r["method"], r["path"]) for r in run_module.requests()] == [
        ("GET", collection(emulator)), ("GET", "%s/%s/token" % (collection(emulator), tunnel["id"]))]
    # the edge accepts it: a connector registers with exactly this token
    registered = emulator.control.register_connector(result["token"])
    assert registered["tunnel_id"] == tunnel["id"]
    assert set(result) - {"_stdout", "warnings", "invocation"} == {"changed", "token", "tunnel_id", "account_tag",
                                                                   "tunnel_type", "token_type"}


def test_token_by_id_costs_one_request(run_module, api, emulator):
    tunnel = make(api, emulator, "web")
    run_module.clear()
    result = run_module(tunnel_token, dict(id=tunnel["id"]))
    assert result["tunnel_id"] == tunnel["id"] and decode(result["token"])["s"] == SECRET
    assert [r["path"] for r in run_module.requests()] == ["%s/%s/token" % (collection(emulator), tunnel["id"])]


def test_warp_connector_token(run_module, api, emulator):
    connector = make(api, emulator, "office", kind="warp_connector")
    make(api, emulator, "office")  # a cloudflared tunnel with the same name is not picked
    run_module.clear()
    result = run_module(tunnel_token, dict(name="office", tunnel_type="warp_connector"))
    assert result["tunnel_id"] == connector["id"] and result["tunnel_type"] == "warp_connector"
    assert [r["path"] for r in run_module.requests()] == [
        collection(emulator, "warp_connector"), "%s/%s/token" % (collection(emulator, "warp_connector"), connector["id"])]
    assert emulator.control.register_connector(result["token"])["tun_type"] == "warp_connector"


def test_check_mode_returns_the_token_too(run_module, api, emulator):
    tunnel = make(api, emulator, "web")
    run_module.clear()
    result = run_module(tunnel_token, dict(id=tunnel["id"]), check_mode=True)
    assert result["changed"] is False and decode(result["token"])["t"] == tunnel["id"]
    assert run_module.writes() == []


def test_token_follows_a_rotated_secret(run_module, api, emulator):
    tunnel = make(api, emulator, "web")
    other = base64.b64encode(b"r" * 32).decode()
    api.patch("%s/%s" % (collection(emulator), tunnel["id"]), {"tunnel_secret": other})
    assert decode(run_module(tunnel_token, dict(name="web"))["token"])["s"] == other


def test_the_api_token_never_appears_in_the_result(run_module, api, emulator):
    tunnel = make(api, emulator, "web")
    result = run_module(tunnel_token, dict(id=tunnel["id"]))
    assert emulator.write_token not in result["_stdout"]
    assert SECRET not in result["_stdout"]  # only inside the base64 token, never on its own


# ---- management tokens ----------------------------------------------------------------------

def test_management_token_by_name(run_module, api, emulator):
    tunnel = make(api, emulator, "web")
    run_module.clear()
    result = run_module(tunnel_token, dict(name="web", token_type="management"))
    assert result["changed"] is False and result["token_type"] == "management"
    assert isinstance(result["token"], str) and len(result["token"]) > 20
    assert result["tunnel_id"] == tunnel["id"] and result["account_tag"] == emulator.account_id
    log = run_module.requests()
    assert [(r["method"], r["path"]) for r in log] == [
        ("GET", collection(emulator)), ("POST", "%s/%s/management" % (collection(emulator), tunnel["id"]))]
    assert log[1]["body"] == {"resources": ["logs"]}


def test_management_token_by_id_with_explicit_resources(run_module, api, emulator):
    tunnel = make(api, emulator, "web")
    run_module.clear()
    result = run_module(tunnel_token, dict(id=tunnel["id"], token_type="management", resources=["logs"]))
    assert result["tunnel_id"] == tunnel["id"] and result["account_tag"] == emulator.account_id
    assert len(run_module.requests()) == 1


def test_management_token_post_is_retried_after_a_lost_response(run_module, api, emulator):
    tunnel = make(api, emulator, "web")
    emulator.control.fault(action="drop_after", method="POST", path="/management$", count=1)
    run_module.clear()
    result = run_module(tunnel_token, dict(id=tunnel["id"], token_type="management"))
    assert result["token"] and [r["method"] for r in run_module.requests()] == ["POST", "POST"]


def test_management_token_for_a_warp_connector_fails_before_any_request(run_module):
    result = run_module(tunnel_token, dict(name="office", tunnel_type="warp_connector", token_type="management"))
    assert result["failed"] is True
    assert "token_type: management exists only for cloudflared tunnels" in result["msg"]
    assert run_module.requests() == []


def test_management_needs_resources(run_module):
    result = run_module(tunnel_token, dict(name="web", token_type="management", resources=[]))
    assert result["failed"] is True and "resources must name at least one" in result["msg"]
    assert run_module.requests() == []


# ---- errors ---------------------------------------------------------------------------------

def test_read_only_api_token_is_told_which_permission_is_missing(run_module, api, emulator):
    make(api, emulator, "web")
    result = run_module(tunnel_token, dict(name="web", api_token=emulator.read_token))
    assert result["failed"] is True
    msg = result["msg"]
    assert "The API token has no access to account %s, or lacks the Cloudflare Tunnel Edit permission" % emulator.account_id in msg
    assert "Cloudflare API error 10000 (HTTP 403) on GET /accounts/" in msg and "Authentication error" in msg
    assert result["failure"]["errors"] == [{"code": 10000, "message": "Authentication error"}]
    assert emulator.read_token not in result["_stdout"] and "token" not in result


def test_read_only_api_token_by_id_for_a_warp_connector(run_module, api, emulator):
    connector = make(api, emulator, "office", kind="warp_connector")
    result = run_module(tunnel_token, dict(id=connector["id"], tunnel_type="warp_connector", api_token=emulator.read_token))
    assert result["failed"] is True
    assert "lacks the Cloudflare One Connector: WARP Write (or Cloudflare Tunnel Edit) permission" in result["msg"]


def test_read_only_api_token_for_a_management_token(run_module, api, emulator):
    make(api, emulator, "web")
    result = run_module(tunnel_token, dict(name="web", token_type="management", api_token=emulator.read_token))
    assert result["failed"] is True and "lacks the Cloudflare Tunnel Edit permission" in result["msg"]


def test_unknown_name_fails_clearly(run_module):
    result = run_module(tunnel_token, dict(name="nope"))
    assert result["failed"] is True and result["msg"].startswith("No live tunnel with name 'nope' in account")
    assert len(run_module.requests()) == 1


def test_unknown_id_fails_clearly(run_module, emulator):
    result = run_module(tunnel_token, dict(id=MISSING_ID))
    assert result["failed"] is True
    assert result["msg"].startswith("No live tunnel with id %s in account %s" % (MISSING_ID, emulator.account_id))
    assert result["failure"]["status"] == 404


def test_a_warp_connector_is_not_found_as_a_cloudflared_tunnel(run_module, api, emulator):
    connector = make(api, emulator, "office", kind="warp_connector")
    result = run_module(tunnel_token, dict(id=connector["id"]))
    assert result["failed"] is True and "No live tunnel with id" in result["msg"]


def test_deleted_tunnel_by_name_is_not_found(run_module, api, emulator):
    tunnel = make(api, emulator, "gone")
    api.delete("%s/%s" % (collection(emulator), tunnel["id"]))
    result = run_module(tunnel_token, dict(name="gone"))
    assert result["failed"] is True and "No live tunnel with name 'gone'" in result["msg"]


def test_rate_limits_and_gateway_errors_are_retried(run_module, api, emulator):
    tunnel = make(api, emulator, "web")
    emulator.control.fault(action="429", path="/token$", count=1, retry_after="2")
    emulator.control.fault(action="5xx", path="/token$", count=1)
    result = run_module(tunnel_token, dict(id=tunnel["id"]))
    assert decode(result["token"])["t"] == tunnel["id"]
    assert run_module.sleeps[0] == 2.0 and len(run_module.sleeps) == 2


@pytest.mark.parametrize("args, expected", [
    (dict(), "one of the following is required: name, id"),
    (dict(id="abc"), "id must be a UUID"),
    (dict(name="web", tunnel_type="gre"), "value of tunnel_type must be one of: cfd_tunnel, warp_connector"),
    (dict(name="web", token_type="other"), "value of token_type must be one of: tunnel, management"),
    (dict(name="web", token_type="management", resources=["metrics"]), "value of resources must be one or more of: logs"),
    (dict(name="web", account_id="short"), "account_id must be the 32-character"),
])
def test_bad_parameters_fail_before_any_request(run_module, args, expected):
    result = run_module(tunnel_token, args)
    assert result["failed"] is True and expected in result["msg"]
    assert run_module.requests() == []


# ---- token shape ----------------------------------------------------------------------------

TID = "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"


def b64(doc, encoder=base64.b64encode):
    return encoder(json.dumps(doc).encode()).decode()


def test_token_parts_accept_the_documented_shape():
    token = b64({"a": "acc", "t": TID, "s": SECRET})
    assert token_parts(token, TID) == {"tunnel_id": TID, "account_tag": "acc"}
    assert token_parts(token.rstrip("="), TID.upper())["tunnel_id"] == TID
    urlsafe = b64({"a": "acc", "t": TID, "s": "??>>" * 11}, base64.urlsafe_b64encode)
    assert token_parts(urlsafe, TID)["account_tag"] == "acc"


@pytest.mark.parametrize("token, expected", [
    ("", "returned no tunnel token"),
    (None, "returned no tunnel token"),
    (42, "a int, not a string"),
    ("%%%not-base64%%%", "is not base64 of a JSON object"),
    (base64.b64encode(b"not json").decode(), "is not base64 of a JSON object"),
    (base64.b64encode(b"[1, 2]").decode(), "is not base64 of a JSON object"),
    (b64({"a": "acc", "t": TID}), "lacks s"),
    (b64({"t": TID, "s": SECRET, "a": ""}), "lacks a"),
    (b64({"a": "acc", "t": "5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e", "s": SECRET}),
     "names tunnel 5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e in its t part, not " + TID),
])
def test_token_parts_reject_other_shapes_without_echoing(token, expected):
    with pytest.raises(ModuleError) as info:
        token_parts(token, TID)
    assert expected in info.value.msg
    if isinstance(token, str) and token:
        assert token not in info.value.msg
    assert SECRET not in info.value.msg


def test_a_malformed_token_from_the_api_fails_the_task(run_module, api, emulator, monkeypatch):
    tunnel = make(api, emulator, "web")
    real_get = CloudflareClient.get

    def corrupting_get(self, path, params=None):
        value = real_get(self, path, params)
        return value[::-1] if path.endswith("/token") else value

    monkeypatch.setattr(CloudflareClient, "get", corrupting_get)
    result = run_module(tunnel_token, dict(id=tunnel["id"]))
    assert result["failed"] is True and "is not base64 of a JSON object" in result["msg"]
    assert "token" not in result


# ---- dest: the token written to a file -------------------------------------------------------

def test_dest_writes_the_token_once_with_mode_0600_and_never_returns_it(run_module, api, emulator, tmp_path):
    tunnel = make(api, emulator, "web")
    dest = tmp_path / "web.token"
    result = run_module(tunnel_token, dict(name="web", dest=str(dest)), diff=True)
    assert result["changed"] is True and result["dest"] == str(dest)
    token = api.get("%s/%s/token" % (collection(emulator), tunnel["id"]))
    assert dest.read_text() == token and (dest.stat().st_mode & 0o777) == 0o600
    assert "token" not in result and token not in result["_stdout"]
    assert result["diff"]["after"]["dest"] == {"path": str(dest), "content": "(hidden, the token)"}
    again = run_module(tunnel_token, dict(name="web", dest=str(dest)))
    assert again["changed"] is False
    assert [p.name for p in tmp_path.iterdir()] == ["web.token"]  # no temporary file left


def test_dest_in_check_mode_predicts_without_writing(run_module, api, emulator, tmp_path):
    make(api, emulator, "web")
    dest = tmp_path / "web.token"
    result = run_module(tunnel_token, dict(name="web", dest=str(dest)), check_mode=True)
    assert result["changed"] is True and not dest.exists()


def test_dest_fixes_a_file_with_the_wrong_mode_or_content(run_module, api, emulator, tmp_path):
    make(api, emulator, "web")
    dest = tmp_path / "web.token"
    dest.write_text("stale")
    dest.chmod(0o644)
    result = run_module(tunnel_token, dict(name="web", dest=str(dest)))
    assert result["changed"] is True and dest.read_text() != "stale" and (dest.stat().st_mode & 0o777) == 0o600
    dest.chmod(0o640)
    assert run_module(tunnel_token, dict(name="web", dest=str(dest)))["changed"] is True


def test_dest_input_errors_send_nothing(run_module, tmp_path):
    for args, expected in ((dict(name="web", owner="root"), "owner and group only apply with dest"),
                           (dict(name="web", dest=str(tmp_path) + "/"), "dest must be the path of a file"),
                           (dict(name="web", dest=str(tmp_path / "t"), owner="no-such-user-here"), "owner 'no-such-user-here' does not exist")):
        result = run_module(tunnel_token, args)
        assert result["failed"] is True and expected in result["msg"], result["msg"]
    assert run_module.requests() == []


def test_dest_in_a_missing_folder_fails_clearly(run_module, api, emulator, tmp_path):
    make(api, emulator, "web")
    result = run_module(tunnel_token, dict(name="web", dest=str(tmp_path / "missing" / "web.token")))
    assert result["failed"] is True and "cannot be written" in result["msg"]
