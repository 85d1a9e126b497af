"""edgeops.cloudflare.hostname_route_info in-process, over real HTTP against the emulator."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.edgeops.cloudflare.plugins.modules import hostname_route_info

FIELDS = {"id", "hostname", "tunnel_id", "tunnel_name", "tun_type", "comment", "created_at", "deleted_at"}


@pytest.fixture
def world(api, emulator, run_module):
    """Hostname routes through two tunnels, one deleted; the log cleared."""
    account = "/accounts/%s" % emulator.account_id
    made = dict(web=api.post(account + "/cfd_tunnel", {"name": "web"}),
                db=api.post(account + "/cfd_tunnel", {"name": "db"}))

    def route(name, hostname, tunnel, comment=""):
        made[name] = api.post(account + "/zerotrust/routes/hostname",
                              {"hostname": hostname, "tunnel_id": made[tunnel]["id"], "comment": comment})

    route("apex", "corp.internal", "web", comment="all of corp")
    route("wiki", "wiki.corp.internal", "web")
    route("git", "git.wiki.corp.internal", "db")
    route("old", "old.corp.internal", "db")
    api.delete(account + "/zerotrust/routes/hostname/" + made["old"]["id"])
    run_module.clear()
    return made


def ids(result):
    return [r["id"] for r in result["hostname_routes"]]


def test_lists_live_routes_in_one_request(run_module, world):
    result = run_module(hostname_route_info, dict())
    assert result["changed"] is False
    assert ids(result) == [world[n]["id"] for n in ("apex", "wiki", "git")]
    assert all(set(r) == FIELDS for r in result["hostname_routes"])
    assert result["hostname_routes"][2]["tunnel_name"] == "db"
    log = run_module.requests()
    assert len(log) == 1 and log[0]["query"]["is_deleted"] == "false"


@pytest.mark.parametrize("args, query, expected", [
    (dict(hostname="Wiki.Corp.Internal."), {"hostname": "wiki.corp.internal"}, ["wiki"]),
    (dict(hostname="*.corp.internal"), {"hostname": "corp.internal"}, ["apex"]),
    (dict(hostname="nope.corp.internal"), {"hostname": "nope.corp.internal"}, []),
    (dict(hostname_contains="wiki"), {"hostname": "wiki"}, ["wiki", "git"]),
    (dict(hostname_contains="WIKI."), {"hostname": "WIKI."}, ["wiki", "git"]),
    (dict(hostname_contains="-x"), {"hostname": "-x"}, []),
    (dict(comment="all of corp"), {"comment": "all of corp"}, ["apex"]),
    (dict(is_deleted=True), {"is_deleted": "true"}, ["old"]),
])
def test_filters(run_module, world, args, query, expected):
    result = run_module(hostname_route_info, args, check_mode=True)
    assert result["changed"] is False and ids(result) == [world[n]["id"] for n in expected]
    log = run_module.requests()
    assert len(log) == 1
    for key, value in query.items():
        assert log[0]["query"][key] == value


def test_by_id_and_by_tunnel(run_module, world):
    assert ids(run_module(hostname_route_info, dict(id=world["git"]["id"]))) == [world["git"]["id"]]
    run_module.clear()
    by_tunnel = run_module(hostname_route_info, dict(tunnel="db", is_deleted=True))
    assert ids(by_tunnel) == [world["old"]["id"]]
    log = run_module.requests()
    assert len(log) == 2 and log[1]["query"]["tunnel_id"] == world["db"]["id"]
    run_module.clear()
    assert run_module(hostname_route_info, dict(tunnel="nope"))["hostname_routes"] == []
    assert len(run_module.requests()) == 1


def test_existed_at(run_module, world):
    assert run_module(hostname_route_info, dict(existed_at="2000-01-01T00:00:00Z"))["hostname_routes"] == []
    later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=1)).isoformat()
    assert ids(run_module(hostname_route_info, dict(existed_at=later))) == [world[n]["id"] for n in ("apex", "wiki", "git")]


@pytest.mark.parametrize("args, start", [
    (dict(hostname="wiki:80"), "hostname 'wiki:80' must be a bare hostname"),
    (dict(hostname="*.*.corp"), "hostname '*.*.corp': a wildcard is allowed once"),
    (dict(hostname_contains=" "), "hostname_contains must not be empty"),
    (dict(id="nope"), "id must be a UUID"),
    (dict(existed_at="soon"), "existed_at must be an ISO 8601 date-time"),
    (dict(hostname="a.b", hostname_contains="a"), "parameters are mutually exclusive: hostname|hostname_contains"),
])
def test_bad_input_fails_before_any_request(run_module, args, start):
    result = run_module(hostname_route_info, args)
    assert result["failed"] is True and result["msg"].startswith(start)
    assert run_module.requests() == []
