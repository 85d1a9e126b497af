"""edgeops.cloudflare.hostname_route in-process, over real HTTP against the emulator."""

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.modules import hostname_route

FIELDS = {"id", "hostname", "tunnel_id", "tunnel_name", "tun_type", "comment", "created_at", "deleted_at"}
ROUTES = "zerotrust/routes/hostname"


def path(emulator, what):
    return "/accounts/%s/%s" % (emulator.account_id, what)


@pytest.fixture
def world(api, emulator, run_module):
    """Two cloudflared tunnels and a WARP connector; the log cleared."""
    made = dict(
        web=api.post(path(emulator, "cfd_tunnel"), {"name": "web"}),
        db=api.post(path(emulator, "cfd_tunnel"), {"name": "db"}),
        warp=api.post(path(emulator, "warp_connector"), {"name": "office"}),
    )
    run_module.clear()
    return made


def live_routes(api, emulator):
    return list(api.paginate(path(emulator, ROUTES), {"is_deleted": "false"}))


def lookup(hostname):
    return ("GET", ROUTES, {"hostname": hostname, "is_deleted": "false"})


WEB = ("GET", "cfd_tunnel", {"name": "web", "is_deleted": "false"})


# ---- create / idempotence ---------------------------------------------------------------

def test_create_costs_three_requests_then_two(run_module, emulator, api, world):
    created = run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel="web", comment="Team wiki"))
    assert created["changed"] is True
    route = created["hostname_route"]
    assert set(route) == FIELDS
    assert route["hostname"] == "wiki.corp.internal" and route["tunnel_id"] == world["web"]["id"]
    assert route["comment"] == "Team wiki" and route["tunnel_name"] == "web"
    assert run_module.calls() == [WEB, lookup("wiki.corp.internal"), ("POST", ROUTES, {})]
    assert run_module.writes()[0]["body"] == {"hostname": "wiki.corp.internal", "tunnel_id": world["web"]["id"],
                                              "comment": "Team wiki"}
    run_module.clear()
    again = run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel="web", comment="Team wiki"), diff=True)
    assert again["changed"] is False and again["hostname_route"] == route
    assert again["diff"]["before"] == again["diff"]["after"]
    assert len(run_module.requests()) == 2 and run_module.writes() == []


def test_check_mode_create_predicts_the_real_result(run_module, emulator, api, world):
    args = dict(hostname="*.Corp.Internal.", tunnel="web")
    checked = run_module(hostname_route, args, check_mode=True, diff=True)
    assert checked["changed"] is True and run_module.writes() == [] and live_routes(api, emulator) == []
    assert checked["hostname_route"]["id"] == "(known after apply: hostname route corp.internal)"
    assert checked["hostname_route"]["hostname"] == "corp.internal"
    assert checked["diff"]["before"] == {} and checked["diff"]["after"]["hostname"] == "corp.internal"
    real = run_module(hostname_route, args, diff=True)
    assert set(real) - {"_stdout"} == set(checked) - {"_stdout"}
    assert set(real["hostname_route"]) == set(checked["hostname_route"])
    for key in ("hostname", "tunnel_id", "comment"):
        assert real["hostname_route"][key] == checked["hostname_route"][key]


@pytest.mark.parametrize("written, rerun, stored", [
    ("Wiki.Corp.Internal", "wiki.corp.internal", "wiki.corp.internal"),
    ("wiki.corp.internal.", ".wiki.corp.internal", "wiki.corp.internal"),
    ("..wiki.corp.internal..", "WIKI.CORP.INTERNAL", "wiki.corp.internal"),
    ("*.corp.internal", "corp.internal", "corp.internal"),
    ("corp.internal", "*.Corp.Internal.", "corp.internal"),
    ("intranet", "Intranet.", "intranet"),
])
def test_every_spelling_is_the_same_route_and_the_first_rerun_sends_no_write(
        run_module, emulator, api, world, written, rerun, stored):
    created = run_module(hostname_route, dict(hostname=written, tunnel="web"))
    assert created["changed"] is True and created["hostname_route"]["hostname"] == stored
    run_module.clear()
    for spelling in (written, rerun):
        again = run_module(hostname_route, dict(hostname=spelling, tunnel="web"))
        assert again["changed"] is False and again["hostname_route"]["id"] == created["hostname_route"]["id"]
    assert run_module.writes() == []
    assert [r["hostname"] for r in live_routes(api, emulator)] == [stored]


def test_the_substring_filter_does_not_confuse_neighbours(run_module, emulator, api, world):
    wiki = run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel="web"))["hostname_route"]
    git = run_module(hostname_route, dict(hostname="git.wiki.corp.internal", tunnel="db"))["hostname_route"]
    apex = run_module(hostname_route, dict(hostname="corp.internal", tunnel="db"))["hostname_route"]
    assert len({wiki["id"], git["id"], apex["id"]}) == 3
    run_module.clear()
    for hostname, tunnel, route in (("wiki.corp.internal", "web", wiki), ("git.wiki.corp.internal", "db", git),
                                    ("*.corp.internal", "db", apex)):
        again = run_module(hostname_route, dict(hostname=hostname, tunnel=tunnel))
        assert again["changed"] is False and again["hostname_route"]["id"] == route["id"]
    assert run_module.writes() == []


def test_a_deleted_route_of_the_same_hostname_is_ignored(run_module, emulator, api, world):
    old = api.post(path(emulator, ROUTES), {"hostname": "wiki.corp.internal", "tunnel_id": world["web"]["id"]})
    api.delete(path(emulator, "%s/%s" % (ROUTES, old["id"])))
    result = run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel="web"))
    assert result["changed"] is True and result["hostname_route"]["id"] != old["id"]
    assert run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel="web"))["changed"] is False


# ---- update -------------------------------------------------------------------------------

def test_moving_to_another_tunnel_is_a_patch_never_a_replacement(run_module, emulator, api, world):
    route = run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel="web", comment="c"))["hostname_route"]
    run_module.clear()
    checked = run_module(hostname_route, dict(hostname="Wiki.Corp.Internal", tunnel="db"), check_mode=True, diff=True)
    assert checked["changed"] is True and run_module.writes() == []
    assert checked["hostname_route"]["tunnel_id"] == world["db"]["id"]
    assert checked["diff"]["before"]["tunnel_id"] == world["web"]["id"]
    assert checked["diff"]["after"]["tunnel_id"] == world["db"]["id"]
    # The names follow the ids: the old tunnel's before, the new one's after and in the result.
    assert checked["diff"]["before"]["tunnel_name"] == "web"
    assert checked["diff"]["after"]["tunnel_name"] == checked["hostname_route"]["tunnel_name"] == "db"
    run_module.clear()
    moved = run_module(hostname_route, dict(hostname="Wiki.Corp.Internal", tunnel="db"), diff=True)
    assert moved["changed"] is True and moved["hostname_route"]["id"] == route["id"]
    assert moved["hostname_route"]["tunnel_id"] == world["db"]["id"] and moved["hostname_route"]["comment"] == "c"
    assert moved["hostname_route"]["tunnel_name"] == "db"
    assert moved["diff"] == checked["diff"]
    assert [(r["method"], r["path"].rsplit("/", 1)[-1], r["body"]) for r in run_module.writes()] == [
        ("PATCH", route["id"], {"tunnel_id": world["db"]["id"]})]
    assert len(run_module.requests()) == 3
    assert [r["tunnel_id"] for r in live_routes(api, emulator)] == [world["db"]["id"]]


def test_changing_the_comment_is_a_patch(run_module, emulator, api, world):
    run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel="web", comment="old"))
    run_module.clear()
    changed = run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel="web", comment="new"), diff=True)
    assert changed["changed"] is True and changed["hostname_route"]["comment"] == "new"
    assert changed["diff"]["before"]["comment"] == "old" and changed["diff"]["after"]["comment"] == "new"
    assert [(r["method"], r["body"]) for r in run_module.writes()] == [("PATCH", {"comment": "new"})]
    run_module.clear()
    assert run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel="web"))["changed"] is False
    assert run_module.writes() == []


# ---- absent -------------------------------------------------------------------------------

def test_remove_costs_two_requests_then_one(run_module, emulator, api, world):
    route = run_module(hostname_route, dict(hostname="*.corp.internal", tunnel="web"))["hostname_route"]
    run_module.clear()
    checked = run_module(hostname_route, dict(hostname="corp.internal", state="absent"), check_mode=True, diff=True)
    assert checked["changed"] is True and run_module.writes() == [] and len(live_routes(api, emulator)) == 1
    run_module.clear()
    removed = run_module(hostname_route, dict(hostname="Corp.Internal.", tunnel="gone", state="absent"), diff=True)
    assert removed["changed"] is True and removed["hostname_route"]["id"] == route["id"]
    assert removed["hostname_route"]["deleted_at"]
    assert removed["diff"] == checked["diff"] and removed["diff"]["after"] == {}
    assert run_module.calls() == [lookup("corp.internal"), ("DELETE", "%s/%s" % (ROUTES, route["id"]), {})]
    run_module.clear()
    again = run_module(hostname_route, dict(hostname="corp.internal", state="absent"))
    assert again["changed"] is False and again["hostname_route"] == {}
    assert len(run_module.requests()) == 1 and run_module.writes() == []


def test_remove_after_its_tunnel_was_deleted(run_module, emulator, api, world):
    run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel="web"))
    api.delete(path(emulator, "cfd_tunnel/%s" % world["web"]["id"]))  # cascade: hostname routes stay
    result = run_module(hostname_route, dict(hostname="wiki.corp.internal", state="absent"))
    assert result["changed"] is True and live_routes(api, emulator) == []


# ---- references ---------------------------------------------------------------------------

@pytest.mark.parametrize("tunnel", ["nope", "3f6c1a2e-0b1d-4c5e-9f7a-8b9c0d1e2f3a", "office"])
def test_a_missing_tunnel_fails_naming_it_without_a_write(run_module, emulator, api, world, tunnel):
    result = run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel=tunnel))
    assert result["failed"] is True and result["msg"].startswith("tunnel: No live tunnel")
    assert run_module.writes() == []


def test_a_warp_connector_is_refused_before_any_request(run_module, world):
    result = run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel="office", tunnel_type="warp_connector"))
    assert result["failed"] is True and result["msg"].startswith("tunnel_type")
    assert "cloudflared tunnel" in result["msg"]
    assert run_module.requests() == []


def test_check_mode_assumes_a_tunnel_an_earlier_task_creates(run_module, world):
    result = run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel="future"), check_mode=True)
    assert result["changed"] is True and result["assumed_created"] is True
    assert result["hostname_route"]["tunnel_id"] == "(known after apply: tunnel future)" and run_module.writes() == []
    assert result["hostname_route"]["tunnel_name"] == "future" and result["hostname_route"]["tun_type"] == "cfd_tunnel"


# ---- faults -------------------------------------------------------------------------------

def test_a_lost_create_response_leaves_exactly_one_route(run_module, emulator, api, world):
    emulator.control.fault(action="drop_after", method="POST", path="/zerotrust/routes/hostname$", count=1)
    result = run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel="web"))
    assert result["changed"] is True and any("was lost" in w for w in result["warnings"])
    assert [r["method"] for r in run_module.writes()] == ["POST"]
    assert [r["id"] for r in live_routes(api, emulator)] == [result["hostname_route"]["id"]]


def test_a_lost_delete_response_leaves_no_route(run_module, emulator, api, world):
    keep = run_module(hostname_route, dict(hostname="git.corp.internal", tunnel="web"))["hostname_route"]
    run_module(hostname_route, dict(hostname="wiki.corp.internal", tunnel="web"))
    emulator.control.fault(action="drop_after", method="DELETE", path="/zerotrust/routes/hostname/", count=1)
    run_module.clear()
    result = run_module(hostname_route, dict(hostname="wiki.corp.internal", state="absent"))
    assert result["changed"] is True and not result.get("failed")
    assert [r["method"] for r in run_module.writes()] == ["DELETE", "DELETE"]
    assert [r["id"] for r in live_routes(api, emulator)] == [keep["id"]]


# ---- input --------------------------------------------------------------------------------

@pytest.mark.parametrize("hostname, says", [
    ("wiki.corp.internal:8080", "without scheme, port or path"),
    ("https://wiki.corp.internal", "without scheme, port or path"),
    ("wiki.corp.internal/path", "without scheme, port or path"),
    ("*.*.corp.internal", "a wildcard is allowed once"),
    ("wiki.*.internal", "a wildcard is allowed once"),
    ("wi*ki.corp.internal", "a wildcard is allowed once"),
    ("wiki corp.internal", "is not a valid hostname"),
    ("-wiki.corp.internal", "is not a valid hostname"),
    ("wiki..corp.internal", "is not a valid hostname"),
    ("w\u00efki.corp.internal", "is not a valid hostname"),
    ("a" * 64 + ".internal", "is not a valid hostname"),
    (".".join(["abcdefgh"] * 29), "is not a valid hostname"),
    ("*", "is not a valid hostname"),
    ("", "hostname must not be empty"),
    ("..", "hostname must not be empty"),
])
def test_bad_hostnames_fail_before_any_request(run_module, world, hostname, says):
    result = run_module(hostname_route, dict(hostname=hostname, tunnel="web"))
    assert result["failed"] is True and result["msg"].startswith("hostname") and says in result["msg"]
    assert run_module.requests() == []


def test_the_longest_hostname_is_accepted(run_module, emulator, api, world):
    longest = ".".join(["a" * 63] * 3 + ["b" * 62])  # 254 characters
    result = run_module(hostname_route, dict(hostname=longest, tunnel="web"))
    assert result["changed"] is True and result["hostname_route"]["hostname"] == longest


@pytest.mark.parametrize("args, start", [
    (dict(hostname="wiki.corp.internal"), "tunnel is required with state: present"),
    (dict(hostname="wiki.corp.internal", tunnel=" web"), "tunnel ' web' has leading or trailing white space"),
    (dict(tunnel="web"), "missing required arguments: hostname"),
])
def test_other_bad_input_fails_before_any_request(run_module, world, args, start):
    result = run_module(hostname_route, args)
    assert result["failed"] is True and result["msg"].startswith(start)
    assert run_module.requests() == []
