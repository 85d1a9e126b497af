"""edgeops.cloudflare.cfd_tunnel_info in-process, over real HTTP against the emulator."""

from __future__ import annotations

import datetime

from ansible_collections.edgeops.cloudflare.plugins.module_utils import _api
from ansible_collections.edgeops.cloudflare.plugins.modules import cfd_tunnel_info


def path(emulator, *more):
    return "/".join(("/accounts/%s/cfd_tunnel" % emulator.account_id,) + more)


def create(api, emulator, name, **body):
    body["name"] = name
    return api.post(path(emulator), body)


def connect(api, emulator, tunnel_id, **kw):
    token = api.get(path(emulator, tunnel_id, "token"))
    return emulator.control.register_connector(token, **kw)["connector_id"]


def names(result):
    return [t["name"] for t in result["tunnels"]]


def test_lists_live_tunnels_without_secrets_and_never_changes(run_module, api, emulator):
    create(api, emulator, "a")
    gone = create(api, emulator, "b")
    api.delete(path(emulator, gone["id"]))
    result = run_module(cfd_tunnel_info, {})
    assert result["changed"] is False
    assert names(result) == ["a"]
    assert "token" not in result["tunnels"][0] and "credentials_file" not in result["tunnels"][0]
    log = run_module.requests()
    assert len(log) == 1 + 3 and log[-1]["query"]["is_deleted"] == "false" and log[-1]["query"]["per_page"] == "1000"


def test_deleted_only(run_module, api, emulator):
    create(api, emulator, "live")
    gone = create(api, emulator, "gone")
    api.delete(path(emulator, gone["id"]))
    result = run_module(cfd_tunnel_info, dict(is_deleted=True))
    assert names(result) == ["gone"] and result["tunnels"][0]["deleted_at"]


def test_name_id_and_prefix_filters(run_module, api, emulator):
    web1 = create(api, emulator, "web-1")
    create(api, emulator, "web-2")
    create(api, emulator, "db-1")
    assert names(run_module(cfd_tunnel_info, dict(name="web-2"))) == ["web-2"]
    assert names(run_module(cfd_tunnel_info, dict(id=web1["id"]))) == ["web-1"]
    assert names(run_module(cfd_tunnel_info, dict(include_prefix="web-"))) == ["web-1", "web-2"]
    assert names(run_module(cfd_tunnel_info, dict(exclude_prefix="web-"))) == ["db-1"]
    queries = [r["query"] for r in run_module.requests() if r["method"] == "GET" and r["path"] == path(emulator)]
    assert {"name": "web-2"}.items() <= queries[-4].items()
    assert queries[-3]["uuid"] == web1["id"]


def test_status_and_time_filters(run_module, api, emulator):
    idle = create(api, emulator, "idle")
    busy = create(api, emulator, "busy")
    connect(api, emulator, busy["id"])
    assert names(run_module(cfd_tunnel_info, dict(status="healthy"))) == ["busy"]
    assert names(run_module(cfd_tunnel_info, dict(status="inactive"))) == ["idle"]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert names(run_module(cfd_tunnel_info, dict(existed_at=now))) == ["idle", "busy"]
    assert names(run_module(cfd_tunnel_info, dict(was_active_at=now))) == ["busy"]
    assert names(run_module(cfd_tunnel_info, dict(was_inactive_at=now))) == ["idle"]
    assert idle["id"] != busy["id"]


def test_bad_timestamp_and_ids_fail_before_any_request(run_module):
    result = run_module(cfd_tunnel_info, dict(existed_at="yesterday"))
    assert result["failed"] is True and result["msg"].startswith("existed_at must be an ISO 8601 date-time")
    result = run_module(cfd_tunnel_info, dict(id="nope"))
    assert result["failed"] is True and result["msg"].startswith("id must be a UUID")
    result = run_module(cfd_tunnel_info, dict(connector_id="3f6c1a2e-0b1d-4c5e-9f7a-8b9c0d1e2f3a"))
    assert result["failed"] is True and "needs id or name" in result["msg"]
    result = run_module(cfd_tunnel_info, dict(wait_for=dict(status=["healthy"])))
    assert result["failed"] is True and "wait_for needs id or name" in result["msg"]
    result = run_module(cfd_tunnel_info, dict(name="x", wait_for=dict(timeout=5)))
    assert result["failed"] is True and "at least one of status, connectors, connector_id, no_outdated" in result["msg"]
    assert run_module.requests() == []


def test_listing_pages_of_a_thousand(run_module, api, emulator):
    emulator.control.settings(cfd_tunnel_limit=1001)  # an account whose limit was raised (Enterprise)
    for i in range(1001):
        create(api, emulator, "bulk-%04d" % i)
    run_module.clear()
    result = run_module(cfd_tunnel_info, dict(include_prefix="bulk-"))
    assert len(result["tunnels"]) == 1001
    assert [r["query"]["page"] for r in run_module.requests()] == ["1", "2"]


def test_tunnel_types_list_through_all_tunnels(run_module, api, emulator):
    create(api, emulator, "cfd")
    api.post("/accounts/%s/warp_connector" % emulator.account_id, {"name": "warp"})
    result = run_module(cfd_tunnel_info, dict(tunnel_types=["cfd_tunnel", "warp_connector"]))
    assert sorted((t["name"], t["tun_type"]) for t in result["tunnels"]) == [("cfd", "cfd_tunnel"), ("warp", "warp_connector")]
    warp = [t for t in result["tunnels"] if t["name"] == "warp"][0]
    assert warp["config_src"] is None
    log = run_module.requests()[-1]
    assert log["path"] == "/accounts/%s/tunnels" % emulator.account_id and log["query"]["tun_types"] == ["cfd_tunnel", "warp_connector"]
    only_warp = run_module(cfd_tunnel_info, dict(tunnel_types=["warp_connector"]))
    assert names(only_warp) == ["warp"]


def test_include_connections_and_one_connector(run_module, api, emulator):
    tunnel = create(api, emulator, "web")
    first = connect(api, emulator, tunnel["id"], connections=2)
    connect(api, emulator, tunnel["id"])
    result = run_module(cfd_tunnel_info, dict(name="web", include_connections=True))
    connectors = result["tunnels"][0]["connectors"]
    assert len(connectors) == 2 and len(connectors[0]["conns"]) == 2
    detail = run_module(cfd_tunnel_info, dict(name="web", connector_id=first))
    assert detail["connector"]["id"] == first and len(detail["connector"]["conns"]) == 2
    assert "connectors" not in detail["tunnels"][0]


def test_unknown_connector_is_a_cloudflare_error(run_module, api, emulator):
    create(api, emulator, "web")
    result = run_module(cfd_tunnel_info, dict(name="web", connector_id="3f6c1a2e-0b1d-4c5e-9f7a-8b9c0d1e2f3a"))
    assert result["failed"] is True and "(HTTP 404) on GET" in result["msg"]


def test_wait_for_polls_until_a_connector_serves(run_module, api, emulator, monkeypatch):
    tunnel = create(api, emulator, "rollout")
    registered = []

    def cloudflared_starts_while_we_wait(seconds):
        run_module.sleeps.append(seconds)
        if not registered:
            registered.append(connect(api, emulator, tunnel["id"]))

    monkeypatch.setattr(_api, "default_sleep", cloudflared_starts_while_we_wait)
    result = run_module(cfd_tunnel_info, dict(name="rollout", wait_for=dict(status=["healthy"], connectors=1, interval=5, timeout=60)))
    assert result["changed"] is False and not result.get("failed")
    assert result["tunnels"][0]["status"] == "healthy"
    assert run_module.sleeps == [5.0]
    assert "connectors" not in result["tunnels"][0]
    by_connector = run_module(cfd_tunnel_info, dict(id=tunnel["id"], wait_for=dict(connector_id=registered[0])))
    assert not by_connector.get("failed")


def test_wait_for_times_out_with_the_last_state(run_module, api, emulator):
    tunnel = create(api, emulator, "stuck")
    connect(api, emulator, tunnel["id"])
    result = run_module(cfd_tunnel_info, dict(name="stuck", wait_for=dict(connectors=2, interval=1, timeout=3)))
    assert result["failed"] is True
    assert result["msg"].startswith("Timed out after 3s waiting for tunnel stuck: wanted at least 2 serving connectors; "
                                    "last seen status healthy, 1 serving connectors")
    assert run_module.sleeps == [1.0, 1.0, 1.0]
    assert result["tunnels"][0]["name"] == "stuck"


def test_wait_for_a_missing_tunnel_reports_it(run_module):
    result = run_module(cfd_tunnel_info, dict(name="nothing", wait_for=dict(status=["healthy"], interval=1, timeout=1)))
    assert result["failed"] is True and "no live tunnel matched" in result["msg"]


def test_check_mode_reads_the_same(run_module, api, emulator):
    create(api, emulator, "x")
    result = run_module(cfd_tunnel_info, {}, check_mode=True)
    assert names(result) == ["x"] and result["changed"] is False


def test_faults_while_listing_are_retried(run_module, api, emulator):
    create(api, emulator, "x")
    emulator.control.fault(action="5xx", method="GET", count=2, status=502)
    emulator.control.fault(action="429", method="GET", count=1, retry_after="2")
    result = run_module(cfd_tunnel_info, dict(include_connections=True))
    assert names(result) == ["x"] and result["tunnels"][0]["connectors"] == []
    assert 2.0 in run_module.sleeps and len(run_module.sleeps) == 3
