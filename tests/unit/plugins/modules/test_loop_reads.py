"""One read serves a whole loop: the items of a looped task share their listings (module_utils/_loop.py).

Each case runs a loop's items the way the action plugin does on the in-process path (run_task with one
LoopReads for the task) over real HTTP against the emulator, and counts the requests exactly. Without
LoopReads (the module path) every item reads as before; the other test files cover that path.
"""

from __future__ import annotations

import base64

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._common import stand_in
from ansible_collections.edgeops.cloudflare.plugins.module_utils._loop import MAX_AGE, LoopReads
from ansible_collections.edgeops.cloudflare.plugins.modules import (cfd_tunnel, cfd_tunnel_config, hostname_route, tunnel_route,
                                                                    tunnel_token, virtual_network, warp_connector)
from ansible_collections.edgeops.cloudflare.plugins.plugin_utils._inprocess import plain, run_task

LIVE = {"is_deleted": "false"}


class Clock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def path(emulator, what):
    return "/accounts/%s/%s" % (emulator.account_id, what)


def run_loop(run_module, module, items, reads=None, check_mode=False, diff=False, **common):
    """Each item's args (common ones added) through run_task as the action plugin runs a loop's items."""
    results = []
    for item in items:
        args = dict(run_module.auth())
        args.update(common)
        args.update(item)
        result = run_task(module.TASK, module.__name__, plain(args), check_mode, diff, {}, False, loop_reads=reads)
        results.append(result)
    return results


def reads_of(run_module):
    return [call for call in run_module.calls() if call[0] == "GET"]


def methods(run_module):
    return [call[0] for call in run_module.calls()]


def names(*names):
    return [dict(name=name) for name in names]


# ---- tunnels --------------------------------------------------------------------------------

def test_a_looped_rerun_reads_the_tunnels_once(run_module, api, emulator):
    made = [api.post(path(emulator, "cfd_tunnel"), {"name": "loop-%d" % n}) for n in range(5)]
    run_module.clear()
    results = run_loop(run_module, cfd_tunnel, names(*("loop-%d" % n for n in range(5))), reads=LoopReads(), diff=True)
    assert [r["changed"] for r in results] == [False] * 5
    assert [r["tunnel"]["id"] for r in results] == [t["id"] for t in made]
    assert run_module.calls() == [("GET", "cfd_tunnel", LIVE)]
    assert [r["query"]["per_page"] for r in run_module.requests()] == ["1000"]
    # The same results as one query per item (the module path), diff included.
    run_module.clear()
    alone = run_loop(run_module, cfd_tunnel, names(*("loop-%d" % n for n in range(5))), diff=True)
    assert alone == results and len(run_module.requests()) == 5


def test_a_looped_create_keeps_the_listing_current_with_its_own_writes(run_module, api, emulator):
    api.post(path(emulator, "cfd_tunnel"), {"name": "old"})
    api.post(path(emulator, "cfd_tunnel"), {"name": "gone"})
    run_module.clear()
    items = names("a", "old", "a") + [dict(name="gone", state="absent"), dict(name="gone"), dict(name="a", state="absent")]
    results = run_loop(run_module, cfd_tunnel, items, reads=LoopReads())
    assert [r["changed"] for r in results] == [True, False, False, True, True, True]
    assert not any(r.get("warnings") for r in results), "nothing was adopted: the listing had our own create"
    assert results[2]["tunnel"]["id"] == results[0]["tunnel"]["id"]
    assert results[4]["tunnel"]["id"] != results[3]["tunnel"]["id"], "the deleted one is not found again"
    assert methods(run_module) == ["GET", "POST", "DELETE", "POST", "DELETE"]
    assert sorted(t["name"] for t in api.paginate(path(emulator, "cfd_tunnel"), LIVE)) == ["gone", "old"]


def test_check_mode_and_diff_are_the_same_with_and_without_the_shared_listing(run_module, api, emulator):
    api.post(path(emulator, "cfd_tunnel"), {"name": "there"})
    items = names("there", "new", "new") + [dict(name="there", state="absent")]
    run_module.clear()
    shared = run_loop(run_module, cfd_tunnel, items, reads=LoopReads(), check_mode=True, diff=True)
    assert run_module.calls() == [("GET", "cfd_tunnel", LIVE)]
    run_module.clear()
    alone = run_loop(run_module, cfd_tunnel, items, check_mode=True, diff=True)
    assert shared == alone and len(run_module.requests()) == 4 and run_module.writes() == []
    assert [r["changed"] for r in shared] == [False, True, True, True]
    # check mode created nothing, so the second 'new' is predicted again, with the same stand-in id
    assert shared[2]["tunnel"]["id"] == shared[1]["tunnel"]["id"] == stand_in("tunnel", "new")


def test_a_create_the_listing_missed_is_adopted(run_module, api, emulator):
    reads = LoopReads()
    run_loop(run_module, cfd_tunnel, names("first"), reads=reads)
    other = api.post(path(emulator, "cfd_tunnel"), {"name": "raced", "config_src": "cloudflare"})  # another play, meanwhile
    run_module.clear()
    result, = run_loop(run_module, cfd_tunnel, names("raced"), reads=reads)
    assert result["changed"] is False and result["tunnel"]["id"] == other["id"]
    assert any("already existed" in w and "adopted" in w for w in result["warnings"])
    # the POST is refused (409), then the API itself is asked, not the listing
    assert run_module.calls() == [("POST", "cfd_tunnel", {}), ("GET", "cfd_tunnel", dict(LIVE, name="raced"))]
    assert [t["name"] for t in api.paginate(path(emulator, "cfd_tunnel"), dict(LIVE, name="raced"))] == ["raced"]


def test_the_listing_is_read_again_when_it_is_a_minute_old(run_module, api, emulator):
    clock = Clock()
    reads = LoopReads(clock=clock)
    run_loop(run_module, cfd_tunnel, names("a"), reads=reads)
    clock.now += MAX_AGE - 1
    run_loop(run_module, cfd_tunnel, names("a"), reads=reads)
    api.post(path(emulator, "cfd_tunnel"), {"name": "b"})
    clock.now += 1
    run_module.clear()
    result, = run_loop(run_module, cfd_tunnel, names("b"), reads=reads)
    assert result["changed"] is False and not result.get("warnings")
    assert run_module.calls() == [("GET", "cfd_tunnel", LIVE)]


def test_a_failed_item_drops_the_listings(run_module, api, emulator):
    api.post(path(emulator, "cfd_tunnel"), {"name": "local", "config_src": "local"})
    reads = LoopReads()
    run_module.clear()
    results = run_loop(run_module, cfd_tunnel, [dict(name="local", config_src="cloudflare"), dict(name="local")], reads=reads)
    assert results[0]["failed"] is True and results[1]["changed"] is False
    assert run_module.calls() == [("GET", "cfd_tunnel", LIVE)] * 2


def test_a_collection_larger_than_one_page_answers_what_it_holds_and_asks_the_api_for_the_rest(run_module, api, emulator):
    for n in range(5):
        api.post(path(emulator, "cfd_tunnel"), {"name": "big-%d" % n})
    run_module.clear()
    results = run_loop(run_module, cfd_tunnel, names("big-1", "big-4", "big-0", "new"), reads=LoopReads(per_page=2))
    assert [r["changed"] for r in results] == [False, False, False, True]
    assert run_module.calls() == [("GET", "cfd_tunnel", LIVE),                      # page 1: big-0, big-1
                                  ("GET", "cfd_tunnel", dict(LIVE, name="big-4")),  # not on it: asked
                                  ("GET", "cfd_tunnel", dict(LIVE, name="new")),    # not on it: asked, then created
                                  ("POST", "cfd_tunnel", {})]


def test_listings_are_kept_apart_by_credentials(run_module, api, emulator):
    api.post(path(emulator, "cfd_tunnel"), {"name": "a"})
    reads = LoopReads()
    run_module.clear()
    results = run_loop(run_module, cfd_tunnel, [dict(name="a"), dict(name="a", api_token=emulator.read_token),
                                                dict(name="a")], reads=reads)
    assert [r.get("failed", False) for r in results] == [False, False, False]
    assert run_module.calls() == [("GET", "cfd_tunnel", LIVE)] * 2


def test_cleanup_connections_looks_the_tunnel_up_fresh(run_module, api, emulator):
    tunnel = api.post(path(emulator, "cfd_tunnel"), {"name": "busy"})
    reads = LoopReads()
    run_loop(run_module, cfd_tunnel, names("busy"), reads=reads)
    # a connector comes up after the listing: conns_active_at changes, which the listing cannot show
    emulator.control.register_connector(api.get(path(emulator, "cfd_tunnel/%s/token" % tunnel["id"])))
    run_module.clear()
    result, = run_loop(run_module, cfd_tunnel, [dict(name="busy", cleanup_connections=True)], reads=reads)
    assert result["changed"] is True and len(result["connections_removed"]) == 1
    assert [call[:2] for call in run_module.calls()] == [("GET", "cfd_tunnel"), ("GET", "cfd_tunnel/%s/connections" % tunnel["id"]),
                                                         ("DELETE", "cfd_tunnel/%s/connections" % tunnel["id"])]
    assert run_module.calls()[0][2] == dict(LIVE, name="busy")


def test_warp_connectors_tokens_and_configurations_share_the_listing(run_module, api, emulator):
    for name in ("w1", "w2"):
        api.post(path(emulator, "warp_connector"), {"name": name})
        api.post(path(emulator, "cfd_tunnel"), {"name": name, "config_src": "cloudflare"})
    run_module.clear()
    secret = dict(name="w3", tunnel_secret=base64.b64encode(b"s" * 32).decode())  # PATCHed after the create
    warps = run_loop(run_module, warp_connector, names("w1", "w2") + [secret, dict(name="w3")], reads=LoopReads())
    assert [r["changed"] for r in warps] == [False, False, True, False] and warps[3]["warp_connector"]["id"]
    assert methods(run_module) == ["GET", "POST", "PATCH"]
    run_module.clear()
    tokens = run_loop(run_module, tunnel_token, names("w1", "w2"), reads=LoopReads())
    assert all(r["token"] for r in tokens)
    assert [call[1] for call in run_module.calls()] == ["cfd_tunnel", "cfd_tunnel/%s/token" % tokens[0]["tunnel_id"],
                                                        "cfd_tunnel/%s/token" % tokens[1]["tunnel_id"]]
    run_module.clear()
    ingress = [{"hostname": "app.example.com", "service": "http://localhost:8080"}]
    configs = run_loop(run_module, cfd_tunnel_config, names("w1", "w2"), reads=LoopReads(), ingress=ingress)
    assert [r["changed"] for r in configs] == [True, True]
    assert [call[:2] for call in run_module.calls()] == [
        ("GET", "cfd_tunnel"), ("GET", "cfd_tunnel/%s/configurations" % configs[0]["tunnel"]["id"]),
        ("PUT", "cfd_tunnel/%s/configurations" % configs[0]["tunnel"]["id"]),
        ("GET", "cfd_tunnel/%s/configurations" % configs[1]["tunnel"]["id"]),
        ("PUT", "cfd_tunnel/%s/configurations" % configs[1]["tunnel"]["id"])]


def test_the_items_share_what_the_api_said_about_the_request_budget(run_module, api, emulator, sleeps):
    """Items that send one request each (the listing answered their lookups) are paced too: the request
    that would have eaten into the reserve waits for the window instead of tripping the 429 block."""
    waited = sleeps
    emulator.control.rate_limit(10, 30)  # a reserve of 1 (10 %)
    for _other_tool in range(7):
        api.get(path(emulator, "cfd_tunnel"))
    run_module.clear()
    results = run_loop(run_module, cfd_tunnel, names("a", "b", "c"), reads=LoopReads())
    assert [r["changed"] for r in results] == [True] * 3
    assert [(r["method"], r["status"]) for r in run_module.requests()] == [("GET", 200)] + [("POST", 200)] * 3
    assert len(waited) == 1 and 25 < waited[0] <= 30  # before b's POST: one left, the reserve


# ---- private networks ---------------------------------------------------------------------

@pytest.fixture
def tunnels(api, emulator):
    return [api.post(path(emulator, "cfd_tunnel"), {"name": "gw-%d" % n}) for n in range(3)]


def test_looped_routes_read_tunnels_networks_and_routes_once_each(run_module, api, emulator, tunnels):
    items = [dict(network="10.%d.0.0/16" % n, tunnel="gw-%d" % n) for n in range(3)]
    run_module.clear()
    created = run_loop(run_module, tunnel_route, items, reads=LoopReads(), diff=True)
    assert [r["changed"] for r in created] == [True] * 3
    assert [r["route"]["tunnel_name"] for r in created] == ["gw-0", "gw-1", "gw-2"]
    assert run_module.calls() == [("GET", "cfd_tunnel", LIVE), ("GET", "teamnet/virtual_networks", LIVE),
                                  ("GET", "teamnet/routes", LIVE)] + [("POST", "teamnet/routes", {})] * 3
    run_module.clear()
    rerun = run_loop(run_module, tunnel_route, items, reads=LoopReads(), diff=True)
    assert [r["changed"] for r in rerun] == [False] * 3 and len(run_module.requests()) == 3
    run_module.clear()
    alone = run_loop(run_module, tunnel_route, items, diff=True)
    assert alone == rerun and len(run_module.requests()) == 9
    # move each route to the next tunnel, then remove them: still one read of each kind
    moved = [dict(item, tunnel="gw-%d" % ((n + 1) % 3)) for n, item in enumerate(items)]
    run_module.clear()
    assert [r["changed"] for r in run_loop(run_module, tunnel_route, moved + items, reads=LoopReads())] == [True] * 6
    assert methods(run_module) == ["GET"] * 3 + ["PATCH"] * 6
    run_module.clear()
    gone = run_loop(run_module, tunnel_route, [dict(network=i["network"], state="absent") for i in items], reads=LoopReads())
    assert [r["changed"] for r in gone] == [True] * 3 and methods(run_module) == ["GET", "GET", "DELETE", "DELETE", "DELETE"]


def test_objects_named_by_id_are_found_in_the_listing_and_deleted_ones_are_read_by_id(run_module, api, emulator, tunnels):
    default = next(v for v in api.paginate(path(emulator, "teamnet/virtual_networks"), {}) if v["is_default_network"])
    api.delete(path(emulator, "cfd_tunnel/%s" % tunnels[2]["id"]))
    items = [dict(network="10.%d.0.0/16" % n, tunnel=tunnels[n]["id"], virtual_network=default["id"]) for n in range(3)]
    run_module.clear()
    results = run_loop(run_module, tunnel_route, items, reads=LoopReads())
    assert [r.get("changed") for r in results[:2]] == [True, True]
    assert results[2]["failed"] is True and "was deleted at" in results[2]["msg"]
    assert run_module.calls() == [("GET", "cfd_tunnel", LIVE), ("GET", "teamnet/virtual_networks", LIVE),
                                  ("GET", "teamnet/routes", LIVE), ("POST", "teamnet/routes", {}),
                                  ("POST", "teamnet/routes", {}),
                                  ("GET", "cfd_tunnel/%s" % tunnels[2]["id"], {})]  # deleted: not in the listing


def test_looped_hostname_routes_read_tunnels_and_routes_once(run_module, api, emulator, tunnels):
    items = [dict(hostname="app%d.corp.internal" % n, tunnel="gw-%d" % n) for n in range(3)]
    run_module.clear()
    assert [r["changed"] for r in run_loop(run_module, hostname_route, items, reads=LoopReads())] == [True] * 3
    assert run_module.calls() == [("GET", "cfd_tunnel", LIVE), ("GET", "zerotrust/routes/hostname", LIVE)] + \
        [("POST", "zerotrust/routes/hostname", {})] * 3
    run_module.clear()
    assert [r["changed"] for r in run_loop(run_module, hostname_route, items, reads=LoopReads())] == [False] * 3
    assert len(run_module.requests()) == 2


def test_a_new_default_network_makes_the_loop_read_the_networks_again(run_module, api, emulator):
    items = [dict(name="blue", is_default_network=True), dict(name="green"), dict(name="blue"),
             dict(name="green", is_default_network=True), dict(name="blue", comment="was default")]
    run_module.clear()
    shared = run_loop(run_module, virtual_network, items, reads=LoopReads())
    assert [r["changed"] for r in shared] == [True, True, False, True, True]
    assert shared[0]["previous_default"]["name"] == "default" and shared[3]["previous_default"]["name"] == "blue"
    assert shared[4]["virtual_network"]["is_default_network"] is False
    # read again after each write that made a default: before item 2 and before item 5
    assert methods(run_module) == ["GET", "POST", "GET", "POST", "PATCH", "GET", "PATCH"]


def test_a_looped_teardown_with_delete_routes_reads_each_kind_once(run_module, api, emulator, tunnels):
    for n, tunnel in enumerate(tunnels):
        api.post(path(emulator, "teamnet/routes"), {"network": "10.%d.0.0/16" % n, "tunnel_id": tunnel["id"]})
        api.post(path(emulator, "zerotrust/routes/hostname"), {"hostname": "h%d.corp.internal" % n, "tunnel_id": tunnel["id"]})
    run_module.clear()
    items = [dict(name=t["name"], state="absent", delete_routes=True) for t in tunnels]
    results = run_loop(run_module, cfd_tunnel, items, reads=LoopReads())
    assert [sorted(i["kind"] for i in r["routes_removed"]) for r in results] == [["hostname", "network"]] * 3
    assert reads_of(run_module) == [("GET", "cfd_tunnel", LIVE), ("GET", "teamnet/routes", LIVE),
                                    ("GET", "zerotrust/routes/hostname", LIVE)]
    assert methods(run_module).count("DELETE") == 9
    assert list(api.paginate(path(emulator, "teamnet/routes"), LIVE)) == []


# ---- the listings themselves ---------------------------------------------------------------

def test_an_answer_that_is_not_the_object_drops_the_listing(emulator, api):
    client = api
    reads = LoopReads()
    collection = path(emulator, "cfd_tunnel")
    assert reads.find(client, collection, LIVE, lambda t: True) == []
    reads.wrote(client, collection, "x", {"id": "x", "name": "x"})
    assert reads.find(client, collection, LIVE, lambda t: True) == [{"id": "x", "name": "x"}]
    reads.wrote(client, collection, "x", None)
    emulator.control.clear_requests()
    assert reads.find(client, collection, LIVE, lambda t: True) == [] and len(emulator.control.requests()) == 1
    found = reads.find(client, collection, LIVE, lambda t: True)
    found.append("mutated")
    assert reads.find(client, collection, LIVE, lambda t: True) == [], "callers get copies"
