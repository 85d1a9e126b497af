"""Authentication, permissions, account scoping, token verify, unknown routes, bad input."""

import pytest

TUNNELS = "/accounts/{account}/cfd_tunnel"


def test_missing_credentials_is_401_9106(api):
    api.fail("GET", TUNNELS, 401, 9106, headers={})


def test_unknown_bearer_token_is_401_1000(api):
    api.fail("GET", TUNNELS, 401, 1000, token="not-a-token")


def test_non_bearer_authorization_is_401_1000(api, emulator):
    api.fail("GET", TUNNELS, 401, 1000, headers={"Authorization": "Basic %s" % emulator.write_token})


def test_email_and_key_authenticate_with_write_permission(api, emulator):
    hdrs = {"X-Auth-Email": emulator.email, "X-Auth-Key": emulator.api_key}
    created = api.ok("POST", TUNNELS, headers=hdrs, json={"name": "via-key"})
    assert created["name"] == "via-key"


@pytest.mark.parametrize("email,key", [("ops@example.com", "wrong"), ("other@example.com", "emulator-global-key")])
def test_bad_email_or_key_is_403_9103(api, email, key):
    api.fail("GET", TUNNELS, 403, 9103, headers={"X-Auth-Email": email, "X-Auth-Key": key})


def test_only_one_of_email_key_is_missing_credentials(api, emulator):
    api.fail("GET", TUNNELS, 401, 9106, headers={"X-Auth-Email": emulator.email})


def test_read_token_can_read(api, emulator):
    api.create_tunnel("r1")
    result = api.listing(TUNNELS)[0]
    assert [t["name"] for t in result] == ["r1"]
    assert api.ok("GET", TUNNELS, token=emulator.read_token)[0]["name"] == "r1"


def test_read_token_is_refused_on_every_write(api, emulator):
    tun = api.create_tunnel("w1", config_src="cloudflare")
    warp = api.ok("POST", "/accounts/{account}/warp_connector", json={"name": "wc"})
    zone = api.ok("GET", "/zones", params={"name": "example.com"})[0]
    record = api.ok("POST", "/zones/%s/dns_records" % zone["id"], json={"type": "TXT", "name": "t", "content": "x"})
    vnet = api.ok("POST", "/accounts/{account}/teamnet/virtual_networks", json={"name": "v"})
    route = api.ok("POST", "/accounts/{account}/teamnet/routes", json={"network": "10.0.0.0/8", "tunnel_id": tun["id"]})
    read = emulator.read_token
    t = "/accounts/{account}/cfd_tunnel/%s" % tun["id"]
    w = "/accounts/{account}/warp_connector/%s" % warp["id"]
    calls = [
        ("POST", TUNNELS, {"name": "x"}),
        ("PATCH", t, {"name": "y"}),
        ("DELETE", t, {}),
        ("GET", t + "/token", None),
        ("POST", t + "/management", {"resources": ["logs"]}),
        ("DELETE", t + "/connections", {}),
        ("PUT", t + "/configurations", {"config": {"ingress": [{"service": "http_status:404"}]}}),
        ("POST", "/accounts/{account}/warp_connector", {"name": "x"}),
        ("PATCH", w, {"name": "y"}),
        ("DELETE", w, {}),
        ("GET", w + "/token", None),
        ("POST", "/zones/%s/dns_records" % zone["id"], {"type": "TXT", "name": "u", "content": "y"}),
        ("PATCH", "/zones/%s/dns_records/%s" % (zone["id"], record["id"]), {"content": "z"}),
        ("PUT", "/zones/%s/dns_records/%s" % (zone["id"], record["id"]), {"type": "TXT", "name": "t", "content": "z"}),
        ("DELETE", "/zones/%s/dns_records/%s" % (zone["id"], record["id"]), None),
        ("POST", "/accounts/{account}/teamnet/virtual_networks", {"name": "x"}),
        ("PATCH", "/accounts/{account}/teamnet/virtual_networks/%s" % vnet["id"], {"comment": "x"}),
        ("DELETE", "/accounts/{account}/teamnet/virtual_networks/%s" % vnet["id"], None),
        ("POST", "/accounts/{account}/teamnet/routes", {"network": "10.1.0.0/16", "tunnel_id": tun["id"]}),
        ("PATCH", "/accounts/{account}/teamnet/routes/%s" % route["id"], {"comment": "x"}),
        ("DELETE", "/accounts/{account}/teamnet/routes/%s" % route["id"], None),
    ]
    for method, path, body in calls:
        api.fail(method, path, 403, 10000, token=read, json=body)
    # nothing changed
    assert [w["method"] for w in emulator.control.writes() if w["status"] == 200] == ["POST"] * 5


def test_other_account_is_403_10000(api):
    api.fail("GET", "/accounts/%s/cfd_tunnel" % ("f" * 32), 403, 10000)
    api.fail("POST", "/accounts/%s/cfd_tunnel" % ("f" * 32), 403, 10000, json={"name": "x"})


@pytest.mark.parametrize("path", ["/user/tokens/verify", "/accounts/{account}/tokens/verify"])
def test_token_verify(api, emulator, path):
    result = api.ok("GET", path)
    assert result["status"] == "active"
    assert len(result["id"]) == 32
    assert result["not_before"] < result["expires_on"]
    assert api.ok("GET", path, token=emulator.read_token)["id"] != result["id"]
    api.fail("GET", path, 401, 1000, token="bogus")
    api.fail("GET", path, 400, 1001, headers={"X-Auth-Email": emulator.email, "X-Auth-Key": emulator.api_key})


def test_unknown_path_and_method_are_404_7003(api):
    api.fail("GET", "/accounts/{account}/nothing_here", 404, 7003)
    api.fail("PUT", TUNNELS, 404, 7003, json={})
    api.fail("GET", "/", 404, 7003, headers={})


def test_malformed_json_and_wrong_types_are_400(api):
    api.fail("POST", TUNNELS, 400, 1001, data="{not json", headers={**api.emu.headers(), "Content-Type": "application/json"})
    api.fail("POST", TUNNELS, 400, 1001, json=["a", "list"])
    api.fail("POST", TUNNELS, 400, 1001, json={"name": 5})
    api.fail("POST", TUNNELS, 400, 1001, json={})
    api.fail("POST", TUNNELS, 400, 1001, json={"name": "x", "config_src": "elsewhere"})
    api.fail("POST", "/accounts/{account}/warp_connector", 400, 1001, json={"name": "x", "ha": "yes"})
