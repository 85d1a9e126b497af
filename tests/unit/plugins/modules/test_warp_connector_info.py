"""edgeops.cloudflare.warp_connector_info in-process, over real HTTP against the emulator."""

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils import _api
from ansible_collections.edgeops.cloudflare.plugins.modules import warp_connector_info

FIELDS = {"id", "name", "account_tag", "status", "created_at", "deleted_at",
          "conns_active_at", "conns_inactive_at", "tun_type", "metadata"}


def collection(emulator):
    return "/accounts/%s/warp_connector" % emulator.account_id


def make(api, emulator, *names):
    return [api.post(collection(emulator), {"name": name}) for name in names]


def names(result):
    return [c["name"] for c in result["warp_connectors"]]


def test_lists_only_live_warp_connectors_without_secrets(run_module, api, emulator):
    make(api, emulator, "office-a", "office-b")
    api.post("/accounts/%s/cfd_tunnel" % emulator.account_id, {"name": "cfd-one"})
    run_module.clear()
    result = run_module(warp_connector_info, dict())
    assert result["changed"] is False
    assert names(result) == ["office-a", "office-b"]
    assert all(set(c) == FIELDS for c in result["warp_connectors"])
    assert all(c["tun_type"] == "warp_connector" for c in result["warp_connectors"])
    # ansible-core < 2.19 echoes the arguments in "invocation", the token masked: not a leak.
    printed = result["_stdout"].replace('"api_token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"', "")
    assert "token" not in printed and "secret" not in printed
    log = run_module.requests()
    assert len(log) == 1 and log[0]["path"] == collection(emulator)
    assert log[0]["query"]["is_deleted"] == "false" and log[0]["query"]["per_page"] == "1000"


@pytest.mark.parametrize("args, expected", [
    (dict(name="office-a"), ["office-a"]),
    (dict(include_prefix="office-"), ["office-a", "office-b"]),
    (dict(exclude_prefix="office-"), ["lab"]),
    (dict(status="inactive"), ["office-a", "office-b", "lab"]),
    (dict(status="healthy"), []),
])
def test_filters_are_sent_to_the_api(run_module, api, emulator, args, expected):
    make(api, emulator, "office-a", "office-b", "lab")
    run_module.clear()
    result = run_module(warp_connector_info, args)
    assert names(result) == expected
    query = run_module.requests()[0]["query"]
    for key, value in args.items():
        assert query[key] == value


def test_one_by_id(run_module, api, emulator):
    first, second = make(api, emulator, "one", "two")
    run_module.clear()
    result = run_module(warp_connector_info, dict(id=second["id"]))
    assert [c["id"] for c in result["warp_connectors"]] == [second["id"]]
    assert run_module.requests()[0]["query"]["uuid"] == second["id"]


def test_deleted_only_with_is_deleted(run_module, api, emulator):
    gone, kept = make(api, emulator, "gone", "kept")
    api.delete("%s/%s" % (collection(emulator), gone["id"]))
    deleted = run_module(warp_connector_info, dict(is_deleted=True))
    assert names(deleted) == ["gone"] and deleted["warp_connectors"][0]["deleted_at"]
    assert names(run_module(warp_connector_info, dict())) == ["kept"]


def test_time_filters(run_module, api, emulator):
    make(api, emulator, "old")
    result = run_module(warp_connector_info, dict(existed_at="2000-01-01T00:00:00Z"))
    assert result["warp_connectors"] == []
    result = run_module(warp_connector_info, dict(existed_at="2999-01-01T00:00:00Z"))
    assert names(result) == ["old"]
    assert run_module(warp_connector_info, dict(was_active_at="2999-01-01T00:00:00Z"))["warp_connectors"] == []
    assert names(run_module(warp_connector_info, dict(was_inactive_at="2999-01-01T00:00:00Z"))) == ["old"]


def test_pages_through_everything(run_module, api, emulator, monkeypatch):
    # pages of two instead of 1000, so that five objects take three real requests
    monkeypatch.setattr(_api, "MAX_PER_PAGE", 2)
    make(api, emulator, "p1", "p2", "p3", "p4", "p5")
    run_module.clear()
    result = run_module(warp_connector_info, dict(include_prefix="p"))
    assert names(result) == ["p1", "p2", "p3", "p4", "p5"]
    assert [r["query"]["page"] for r in run_module.requests()] == ["1", "2", "3"]


def test_include_connections(run_module, api, emulator):
    busy, idle = make(api, emulator, "busy", "idle")
    token = api.get("%s/%s/token" % (collection(emulator), busy["id"]))
    connector_id = emulator.control.register_connector(token, connections=2)["connector_id"]
    run_module.clear()
    result = run_module(warp_connector_info, dict(include_connections=True))
    by_name = dict((c["name"], c) for c in result["warp_connectors"])
    assert [c["id"] for c in by_name["busy"]["connectors"]] == [connector_id]
    assert len(by_name["busy"]["connectors"][0]["conns"]) == 2
    assert by_name["busy"]["status"] == "healthy"
    assert by_name["idle"]["connectors"] == []
    assert len(run_module.requests()) == 3
    assert token not in result["_stdout"]


def test_check_mode_reads_the_same(run_module, api, emulator):
    make(api, emulator, "one")
    result = run_module(warp_connector_info, dict(), check_mode=True)
    assert result["changed"] is False and names(result) == ["one"]


def test_read_token_is_enough(run_module, api, emulator):
    make(api, emulator, "one")
    result = run_module(warp_connector_info, dict(api_token=emulator.read_token))
    assert names(result) == ["one"]


@pytest.mark.parametrize("args, expected", [
    (dict(id="nope"), "id must be a UUID"),
    (dict(existed_at="yesterday"), "existed_at must be an ISO 8601 date-time"),
    (dict(status="broken"), "value of status must be one of"),
    (dict(name=" "), "name must not be empty"),
])
def test_bad_parameters_fail_before_any_request(run_module, args, expected):
    result = run_module(warp_connector_info, args)
    assert result["failed"] is True and expected in result["msg"]
    assert run_module.requests() == []


def test_server_errors_are_retried_then_reported(run_module, api, emulator):
    make(api, emulator, "one")
    emulator.control.fault(action="5xx", path="/warp_connector$", count=1)
    assert names(run_module(warp_connector_info, dict())) == ["one"]
    emulator.control.fault(action="5xx", path="/warp_connector$", count=10, status=503)
    failed = run_module(warp_connector_info, dict(retries=2))
    assert failed["failed"] is True and "(HTTP 503) on GET /accounts/" in failed["msg"]
    assert failed["failure"]["status"] == 503


def test_bad_credentials_are_reported_without_echo(run_module):
    result = run_module(warp_connector_info, dict(api_token="definitely-wrong-token"))
    assert result["failed"] is True and "Cloudflare API error 1000 (HTTP 401)" in result["msg"]
    assert "definitely-wrong-token" not in result["_stdout"]


def test_include_connections_shows_which_connector_of_a_highly_available_one_is_active(run_module, api, emulator):
    office = api.post(collection(emulator), {"name": "office", "ha": True})
    token = api.get("%s/%s/token" % (collection(emulator), office["id"]))
    first = emulator.control.register_connector(token)["connector_id"]
    second = emulator.control.register_connector(token)["connector_id"]
    run_module.clear()
    result = run_module(warp_connector_info, dict(name="office", include_connections=True))
    status = dict((c["id"], c["ha_status"]) for c in result["warp_connectors"][0]["connectors"])
    assert status == {first: "active", second: "passive"}
    assert "ha" not in result["warp_connectors"][0]
    assert len(run_module.requests()) == 2
