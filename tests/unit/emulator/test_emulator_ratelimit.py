"""The request budget (developers.cloudflare.com fundamentals/api/reference/limits, changelog 2025-09-03)
and the account limits (Cloudflare One, "Account limits")."""

import requests

TUNNELS = "/accounts/{account}/cfd_tunnel"
WARP = "/accounts/{account}/warp_connector"
ROUTES = "/accounts/{account}/teamnet/routes"
HOSTNAMES = "/accounts/{account}/zerotrust/routes/hostname"
RATE_LIMITED = {"success": False, "errors": [{"code": 971, "message": "Please wait and consider throttling your request speed"}],
                "messages": [], "result": None}


def budget(resp):
    return resp.headers.get("Ratelimit"), resp.headers.get("Ratelimit-Policy")


def test_off_by_default_no_headers(api, emulator):
    resp = api.call("GET", TUNNELS)
    assert resp.status_code == 200 and budget(resp) == (None, None) and "Retry-After" not in resp.headers
    assert emulator.control.ratelimit() == {"enabled": False}


def test_every_api_response_carries_the_budget(api, emulator):
    emulator.control.rate_limit(120, 30)
    answers = [api.call("GET", TUNNELS), api.call("POST", TUNNELS, json={}), api.call("GET", "/no/such/path"),
               api.call("GET", TUNNELS, token="not-a-token")]
    assert [r.status_code for r in answers] == [200, 400, 404, 401]
    assert [budget(r) for r in answers] == [('"default";r=%d;t=30' % left, '"default";q=120;w=30') for left in (119, 118, 117, 116)]
    assert all("Retry-After" not in r.headers for r in answers)
    emulator.control.advance_ratelimit(12.5)
    assert budget(api.call("GET", TUNNELS))[0] == '"default";r=115;t=18'  # seconds left, rounded up
    # the control endpoints are not part of the API: they neither count nor carry the headers
    resp = requests.get(emulator.root_url + "/_emulator/requests", timeout=5)
    assert budget(resp) == (None, None)
    assert emulator.control.ratelimit() == {"quota": 120, "window": 30, "remaining": 115, "reset": 18, "blocked": False}


def test_going_over_blocks_every_request_for_one_window(api, emulator):
    emulator.control.rate_limit(3, 30)
    for dummy in range(3):
        assert api.call("GET", TUNNELS).status_code == 200
    emulator.control.advance_ratelimit(10)
    refused = api.call("POST", TUNNELS, json={"name": "over"})
    assert refused.status_code == 429 and refused.json() == RATE_LIMITED
    # the block lasts one whole window from the request that went over, not to the end of the old window
    assert refused.headers["Retry-After"] == "30" and budget(refused) == ('"default";r=0;t=30', '"default";q=3;w=30')
    emulator.control.advance_ratelimit(20)
    # every request is blocked, whatever its path, method or credentials, and nothing is carried out
    for method, path, kwargs in (("GET", TUNNELS, {}), ("GET", "/no/such/path", {}),
                                 ("POST", TUNNELS, {"json": {"name": "over"}}),
                                 ("GET", TUNNELS, {"token": emulator.read_token})):
        resp = api.call(method, path, **kwargs)
        assert resp.status_code == 429 and resp.json() == RATE_LIMITED
        assert resp.headers["Retry-After"] == "10" and budget(resp)[0] == '"default";r=0;t=10'
    assert emulator.control.ratelimit() == {"quota": 3, "window": 30, "remaining": 0, "reset": 10, "blocked": True}
    assert [t["name"] for t in emulator.control.state()["tunnels"]] == []
    log = emulator.control.requests()
    assert [e["status"] for e in log] == [200, 200, 200, 429, 429, 429, 429, 429] and "fault" not in log[-1]
    emulator.control.advance_ratelimit(10)
    # blocked requests did not count: the next window has the whole quota
    resp = api.call("POST", TUNNELS, json={"name": "after"})
    assert resp.status_code == 200 and budget(resp)[0] == '"default";r=2;t=30'


def test_the_window_resets_the_quota(api, emulator):
    emulator.control.rate_limit(2, 60)
    assert budget(api.call("GET", TUNNELS))[0] == '"default";r=1;t=60'
    emulator.control.advance_ratelimit(59)
    assert budget(api.call("GET", TUNNELS))[0] == '"default";r=0;t=1'
    emulator.control.advance_ratelimit(1)
    assert budget(api.call("GET", TUNNELS))[0] == '"default";r=1;t=60'


def test_faulted_requests_count_but_carry_no_budget(api, emulator):
    emulator.control.rate_limit(10, 30)
    emulator.control.fault(action="5xx", method="GET", count=1, status=503)
    resp = api.call("GET", TUNNELS)
    assert resp.status_code == 503 and budget(resp) == (None, None)  # an error from a gateway, not the API
    assert budget(api.call("GET", TUNNELS))[0] == '"default";r=8;t=30'


def test_changing_or_turning_off_the_budget(api, emulator):
    emulator.control.rate_limit(1, 30)
    api.call("GET", TUNNELS)
    assert api.call("GET", TUNNELS).status_code == 429
    emulator.control.rate_limit(5, 10)  # a new setting is a fresh budget
    assert budget(api.call("GET", TUNNELS)) == ('"default";r=4;t=10', '"default";q=5;w=10')
    emulator.control.settings(rate_limit=None)
    assert budget(api.call("GET", TUNNELS)) == (None, None)
    resp = requests.post(emulator.root_url + "/_emulator/ratelimit/advance", json={"seconds": 5}, timeout=5)
    assert resp.status_code == 400


# -- account limits ----------------------------------------------------------------------


def test_cloudflared_tunnel_limit(api, emulator):
    emulator.control.settings(cfd_tunnel_limit=2)
    first = api.create_tunnel("t1")
    api.create_tunnel("t2")
    api.fail("POST", TUNNELS, 409, 1013, json={"name": "t2"})  # a name clash is still a conflict first
    body = api.fail("POST", TUNNELS, 400, 1024, json={"name": "t3"})
    assert body["errors"][0]["message"] == "Account limit reached: this account may have at most 2 live cloudflared tunnels"
    api.ok("POST", WARP, json={"name": "w"})  # WARP connectors have a limit of their own
    api.ok("DELETE", TUNNELS + "/" + first["id"], json={})  # deleted tunnels do not count
    api.create_tunnel("t3")


def test_warp_connector_limit_is_ten_by_default(api):
    for index in range(10):
        api.ok("POST", WARP, json={"name": "w%d" % index})
    body = api.fail("POST", WARP, 400, 1025, json={"name": "w10"})
    assert "at most 10 live WARP connectors" in body["errors"][0]["message"]
    api.create_tunnel("cloudflared-is-counted-apart")


def test_route_limit_counts_cidr_and_hostname_routes_together(api, emulator):
    emulator.control.settings(route_limit=2)
    tun = api.create_tunnel("r")
    cidr = api.ok("POST", ROUTES, json={"network": "10.0.0.0/8", "tunnel_id": tun["id"]})
    api.ok("POST", HOSTNAMES, json={"hostname": "a.internal", "tunnel_id": tun["id"]})
    api.fail("POST", ROUTES, 409, 1041, json={"network": "10.0.0.0/8", "tunnel_id": tun["id"]})
    body = api.fail("POST", ROUTES, 400, 1045, json={"network": "10.1.0.0/16", "tunnel_id": tun["id"]})
    assert "at most 2 live routes (CIDR and hostname routes together)" in body["errors"][0]["message"]
    api.fail("POST", HOSTNAMES, 400, 1045, json={"hostname": "b.internal", "tunnel_id": tun["id"]})
    api.ok("DELETE", ROUTES + "/" + cidr["id"])
    api.ok("POST", HOSTNAMES, json={"hostname": "b.internal", "tunnel_id": tun["id"]})
    assert len(api.listing(ROUTES)[0]) + len(api.listing(HOSTNAMES)[0]) == 2
