"""Tunnel routes and virtual networks."""

import pytest

ROUTES = "/accounts/{account}/teamnet/routes"
VNETS = "/accounts/{account}/teamnet/virtual_networks"
TUNNELS = "/accounts/{account}/cfd_tunnel"


def default_vnet(api):
    [vnet] = api.listing(VNETS, name="default")[0]
    return vnet


def test_every_account_starts_with_the_default_network(api, emulator):
    listed, info = api.listing(VNETS)
    assert [(v["name"], v["is_default_network"], v["comment"], v["deleted_at"]) for v in listed] == [
        ("default", True, "", None)]
    assert info["count"] == 1
    old_id = listed[0]["id"]
    api.ok("POST", VNETS, json={"name": "other", "is_default_network": True})
    emulator.control.reset()
    again = api.listing(VNETS)[0]
    assert [(v["name"], v["is_default_network"]) for v in again] == [("default", True)]
    assert again[0]["id"] != old_id  # a fresh account


def test_vnet_crud_and_default(api):
    default = default_vnet(api)
    v1 = api.ok("POST", VNETS, json={"name": "prod", "comment": "c", "is_default_network": True})
    assert api.ok("GET", VNETS + "/" + default["id"])["is_default_network"] is False  # un-defaulted
    assert set(v1) == {"id", "name", "comment", "is_default_network", "created_at", "deleted_at"}
    assert v1["is_default_network"] is True and v1["deleted_at"] is None
    v2 = api.ok("POST", VNETS, json={"name": "staging", "is_default": False})
    api.fail("POST", VNETS, 409, 1051, json={"name": "prod"})
    api.fail("POST", VNETS, 400, 1001, json={"name": "x" * 257})
    api.fail("POST", VNETS, 400, 1001, json={})
    assert api.ok("GET", VNETS + "/" + v2["id"])["name"] == "staging"
    patched = api.ok("PATCH", VNETS + "/" + v2["id"], json={"comment": "new", "is_default_network": True})
    assert patched["comment"] == "new" and patched["is_default_network"] is True
    assert api.ok("GET", VNETS + "/" + v1["id"])["is_default_network"] is False
    api.fail("PATCH", VNETS + "/" + v2["id"], 400, 1001, json={"is_default_network": False})
    api.fail("PATCH", VNETS + "/" + v1["id"], 409, 1051, json={"name": "staging"})
    listed, info = api.listing(VNETS)
    assert [v["name"] for v in listed] == ["default", "prod", "staging"] and info["count"] == 3
    assert [v["name"] for v in api.listing(VNETS, name="prod")[0]] == ["prod"]
    assert [v["name"] for v in api.listing(VNETS, id=v2["id"])[0]] == ["staging"]
    assert [v["name"] for v in api.listing(VNETS, is_default="true")[0]] == ["staging"]
    assert [v["name"] for v in api.listing(VNETS, is_default_network="false")[0]] == ["default", "prod"]
    api.fail("DELETE", VNETS + "/" + v2["id"], 400, 1053)  # the default network, even with force
    api.fail("DELETE", VNETS + "/" + v2["id"], 400, 1053, params={"force": "true"})
    deleted = api.ok("DELETE", VNETS + "/" + v1["id"])
    assert deleted["deleted_at"]
    assert [v["name"] for v in api.listing(VNETS)[0]] == ["default", "staging"]
    assert [v["name"] for v in api.listing(VNETS, is_deleted="true")[0]] == ["prod"]
    assert api.ok("GET", VNETS + "/" + v1["id"])["deleted_at"] == deleted["deleted_at"]  # still readable
    api.fail("DELETE", VNETS + "/" + v1["id"], 404, 1054)  # a repeated delete
    api.fail("PATCH", VNETS + "/" + v1["id"], 404, 1054, json={"comment": "x"})
    api.ok("POST", VNETS, json={"name": "prod"})  # a deleted network's name is free again
    # the default network is a network like any other: it can be renamed, and made the default again
    renamed = api.ok("PATCH", VNETS + "/" + default["id"], json={"name": "main", "is_default_network": True})
    assert renamed["name"] == "main" and renamed["is_default_network"] is True
    assert api.ok("GET", VNETS + "/" + v2["id"])["is_default_network"] is False
    api.fail("GET", VNETS + "/00000000-0000-4000-8000-000000000000", 404, 1050)
    api.fail("DELETE", VNETS + "/00000000-0000-4000-8000-000000000000", 404, 1050)


def test_route_crud_and_teamnet_fields(api):
    tun = api.create_tunnel("router")
    vnet = default_vnet(api)
    other = api.ok("POST", VNETS, json={"name": "other"})
    route = api.ok("POST", ROUTES, json={"network": "10.0.0.0/16", "tunnel_id": tun["id"], "comment": "lan"})
    assert set(route) == {"id", "network", "tunnel_id", "virtual_network_id", "comment", "created_at", "deleted_at"}
    assert route["virtual_network_id"] == vnet["id"]  # filled with the default network
    api.fail("POST", ROUTES, 409, 1041, json={"network": "10.0.0.0/16", "tunnel_id": tun["id"]})
    in_other = api.ok("POST", ROUTES, json={"network": "10.0.0.0/16", "tunnel_id": tun["id"],
                                            "virtual_network_id": other["id"]})
    listed, info = api.listing(ROUTES)
    assert info["total_count"] == 2
    assert listed[0]["tunnel_name"] == "router" and listed[0]["tun_type"] == "cfd_tunnel"
    assert listed[0]["virtual_network_name"] == "default"
    assert api.ok("GET", ROUTES + "/" + route["id"])["comment"] == "lan"
    patched = api.ok("PATCH", ROUTES + "/" + route["id"], json={"comment": "changed", "network": "10.0.0.0/24"})
    assert patched["comment"] == "changed" and patched["network"] == "10.0.0.0/24"
    deleted = api.ok("DELETE", ROUTES + "/" + route["id"])
    assert deleted["deleted_at"]
    assert api.ok("GET", ROUTES + "/" + route["id"])["deleted_at"] == deleted["deleted_at"]
    api.fail("PATCH", ROUTES + "/" + route["id"], 404, 1015, json={"comment": "x"})
    api.fail("DELETE", ROUTES + "/" + route["id"], 404, 1015)  # a repeated delete: "not routed"
    assert [r["id"] for r in api.listing(ROUTES)[0]] == [in_other["id"]]
    assert [r["id"] for r in api.listing(ROUTES, is_deleted="true")[0]] == [route["id"]]
    api.fail("GET", ROUTES + "/00000000-0000-4000-8000-000000000000", 404, 1040)
    api.fail("DELETE", ROUTES + "/00000000-0000-4000-8000-000000000000", 404, 1040)
    # the network is free again in the default network once its route is deleted
    again = api.ok("POST", ROUTES, json={"network": "10.0.0.0/16", "tunnel_id": tun["id"]})
    assert again["id"] != route["id"]
    # moving a route into a network that already routes it is refused; into another it works
    api.fail("PATCH", ROUTES + "/" + again["id"], 409, 1041, json={"virtual_network_id": other["id"]})
    moved = api.ok("PATCH", ROUTES + "/" + again["id"],
                   json={"network": "10.9.0.0/16", "virtual_network_id": other["id"]})
    assert moved["virtual_network_id"] == other["id"]


def test_route_validation(api):
    tun = api.create_tunnel("rv")
    api.fail("POST", ROUTES, 400, 1001, json={"network": "not-a-cidr", "tunnel_id": tun["id"]})
    api.fail("POST", ROUTES, 400, 1001, json={"network": "10.0.0.0/8"})
    api.fail("POST", ROUTES, 400, 1001, json={"network": "10.0.0.0/8", "tunnel_id": "00000000-0000-4000-8000-000000000000"})
    api.fail("POST", ROUTES, 400, 1001, json={"network": "10.0.0.0/8", "tunnel_id": tun["id"],
                                              "virtual_network_id": "00000000-0000-4000-8000-000000000000"})
    deleted = api.create_tunnel("gone")
    api.ok("DELETE", TUNNELS + "/" + deleted["id"], json={})
    api.fail("POST", ROUTES, 400, 1001, json={"network": "10.0.0.0/8", "tunnel_id": deleted["id"]})
    route = api.ok("POST", ROUTES, json={"network": "10.0.0.0/8", "tunnel_id": tun["id"]})
    api.fail("PATCH", ROUTES + "/" + route["id"], 400, 1001, json={"network": "10.1.2.3/16"})
    api.fail("PATCH", ROUTES + "/" + route["id"], 400, 1001, json={"tunnel_id": deleted["id"]})


@pytest.mark.parametrize("sent, stored", [
    ("10.1.0.0/16", "10.1.0.0/16"),
    ("2001:DB8::/32", "2001:db8::/32"),
    ("2001:0db8:0000::/48", "2001:db8::/48"),
    ("192.0.2.7/32", "192.0.2.7/32"),
    ("10.0.0.0/255.255.0.0", "10.0.0.0/16"),
])
def test_route_network_is_stored_in_canonical_form(api, sent, stored):
    tun = api.create_tunnel("canon")
    route = api.ok("POST", ROUTES, json={"network": sent, "tunnel_id": tun["id"]})
    assert route["network"] == stored
    # the same network in another spelling is the same route
    api.fail("POST", ROUTES, 409, 1041, json={"network": stored.upper(), "tunnel_id": tun["id"]})


@pytest.mark.parametrize("bad", ["10.1.2.3/16", "2001:db8::1/32", "10.0.0.1", "10.0.0.0/33", "", "10.0.0.0/8 "])
def test_route_network_with_host_bits_or_no_prefix_is_refused(api, bad):
    tun = api.create_tunnel("hostbits")
    body = api.fail("POST", ROUTES, 400, 1001, json={"network": bad, "tunnel_id": tun["id"]})
    if bad == "10.1.2.3/16":
        assert "host bits" in body["errors"][0]["message"] and "10.1.0.0/16" in body["errors"][0]["message"]
    assert api.listing(ROUTES)[0] == []


def test_route_without_vnet_lands_in_the_current_default(api):
    tun = api.create_tunnel("dflt")
    first = api.ok("POST", ROUTES, json={"network": "10.0.0.0/8", "tunnel_id": tun["id"]})
    assert first["virtual_network_id"] == default_vnet(api)["id"]
    newer = api.ok("POST", VNETS, json={"name": "newer", "is_default": True})
    second = api.ok("POST", ROUTES, json={"network": "10.0.0.0/8", "tunnel_id": tun["id"]})
    assert second["virtual_network_id"] == newer["id"]


def test_vnet_in_use_needs_force_which_deletes_its_routes(api):
    tun = api.create_tunnel("vnet-user")
    vnet = api.ok("POST", VNETS, json={"name": "lab"})
    r1 = api.ok("POST", ROUTES, json={"network": "10.1.0.0/16", "tunnel_id": tun["id"], "virtual_network_id": vnet["id"]})
    r2 = api.ok("POST", ROUTES, json={"network": "10.2.0.0/16", "tunnel_id": tun["id"], "virtual_network_id": vnet["id"]})
    elsewhere = api.ok("POST", ROUTES, json={"network": "10.1.0.0/16", "tunnel_id": tun["id"]})
    body = api.fail("DELETE", VNETS + "/" + vnet["id"], 400, 1052)
    assert r1["id"] in body["errors"][0]["message"] and r2["id"] in body["errors"][0]["message"]
    api.fail("DELETE", VNETS + "/" + vnet["id"], 400, 1052, params={"force": "false"})
    assert api.ok("GET", VNETS + "/" + vnet["id"])["deleted_at"] is None
    deleted = api.ok("DELETE", VNETS + "/" + vnet["id"], params={"force": "true"})
    assert deleted["deleted_at"]
    assert [r["id"] for r in api.listing(ROUTES)[0]] == [elsewhere["id"]]
    assert sorted(r["id"] for r in api.listing(ROUTES, is_deleted="true")[0]) == sorted([r1["id"], r2["id"]])
    api.fail("DELETE", ROUTES + "/" + r1["id"], 404, 1015)
    # a vnet whose routes were all deleted goes without force
    empty = api.ok("POST", VNETS, json={"name": "empty"})
    r3 = api.ok("POST", ROUTES, json={"network": "10.3.0.0/16", "tunnel_id": tun["id"], "virtual_network_id": empty["id"]})
    api.ok("DELETE", ROUTES + "/" + r3["id"])
    api.ok("DELETE", VNETS + "/" + empty["id"])
    api.fail("DELETE", VNETS + "/" + vnet["id"], 400, 1001, params={"force": "maybe"})


def test_route_filters_and_paging(api):
    t1 = api.create_tunnel("t1")
    warp = api.ok("POST", "/accounts/{account}/warp_connector", json={"name": "w"})
    vnet = api.ok("POST", VNETS, json={"name": "v"})
    r1 = api.ok("POST", ROUTES, json={"network": "10.1.0.0/16", "tunnel_id": t1["id"], "comment": "one"})
    r2 = api.ok("POST", ROUTES, json={"network": "10.1.2.0/24", "tunnel_id": warp["id"], "virtual_network_id": vnet["id"]})
    r3 = api.ok("POST", ROUTES, json={"network": "2001:db8::/32", "tunnel_id": t1["id"]})

    def ids(**params):
        return [r["id"] for r in api.listing(ROUTES, **params)[0]]

    assert ids() == [r1["id"], r2["id"], r3["id"]]
    assert ids(comment="one") == [r1["id"]]
    assert ids(tunnel_id=t1["id"]) == [r1["id"], r3["id"]]
    assert ids(route_id=r2["id"]) == [r2["id"]]
    assert ids(virtual_network_id=vnet["id"]) == [r2["id"]]
    assert ids(tun_types="warp_connector") == [r2["id"]]
    assert ids(network_subset="10.0.0.0/8") == [r1["id"], r2["id"]]
    assert ids(network_subset="10.1.2.0/24") == [r2["id"]]
    assert ids(network_superset="10.1.2.128/25") == [r1["id"], r2["id"]]
    assert ids(network_superset="10.1.3.0/24") == [r1["id"]]
    assert ids(existed_at=r1["created_at"]) == [r1["id"]]
    assert ids(tun_types="cfd_tunnel,warp_connector") == [r1["id"], r2["id"], r3["id"]]
    assert ids(network_subset="10.1.0.0/16", network_superset="10.1.0.0/16") == [r1["id"]]  # cloudflared's lookup
    assert ids(network_subset="2001:db8::/16") == [r3["id"]]
    assert ids(virtual_network_id=vnet["id"], tunnel_id=t1["id"]) == []
    page, info = api.listing(ROUTES, per_page=2, page=2)
    assert [r["id"] for r in page] == [r3["id"]]
    assert info == {"count": 1, "page": 2, "per_page": 2, "total_count": 3, "total_pages": 2}
    api.fail("GET", ROUTES, 400, 1001, params={"per_page": 1001})
    api.fail("GET", ROUTES, 400, 1001, params={"network_subset": "x"})
    api.fail("GET", ROUTES, 400, 1001, params={"tun_types": "nope"})
    api.fail("GET", ROUTES, 400, 1001, params={"existed_at": "yesterday"})
    api.ok("DELETE", ROUTES + "/" + r2["id"])
    assert ids() == [r1["id"], r3["id"]]  # is_deleted absent: live only (the API default since 2025-12-01)
    assert ids(is_deleted="false") == [r1["id"], r3["id"]]
    assert ids(is_deleted="true") == [r2["id"]]
    assert ids(is_deleted="true", existed_at=r2["created_at"]) == [r2["id"]]


def test_route_by_ip(api):
    tun = api.create_tunnel("ip")
    wide = api.ok("POST", ROUTES, json={"network": "10.0.0.0/8", "tunnel_id": tun["id"]})
    narrow = api.ok("POST", ROUTES, json={"network": "10.2.0.0/16", "tunnel_id": tun["id"]})
    assert api.ok("GET", ROUTES + "/ip/10.2.3.4")["id"] == narrow["id"]
    found = api.ok("GET", ROUTES + "/ip/10.9.9.9")
    assert found["id"] == wide["id"] and found["tunnel_name"] == "ip"
    api.fail("GET", ROUTES + "/ip/192.168.1.1", 404, 1040)
    api.fail("GET", ROUTES + "/ip/nope", 400, 1001)
    api.ok("DELETE", ROUTES + "/" + narrow["id"])
    assert api.ok("GET", ROUTES + "/ip/10.2.3.4")["id"] == wide["id"]  # deleted routes serve nothing


def test_route_by_ip_in_virtual_networks(api):
    tun = api.create_tunnel("vip")
    lab = api.ok("POST", VNETS, json={"name": "lab"})
    in_default = api.ok("POST", ROUTES, json={"network": "10.0.0.0/16", "tunnel_id": tun["id"]})
    in_lab = api.ok("POST", ROUTES, json={"network": "10.0.0.0/24", "tunnel_id": tun["id"],
                                          "virtual_network_id": lab["id"]})
    v6 = api.ok("POST", ROUTES, json={"network": "2001:db8::/32", "tunnel_id": tun["id"]})
    # no vnet given: the default network is searched (default_virtual_network_fallback defaults to true)
    found = api.ok("GET", ROUTES + "/ip/10.0.0.5")
    assert found["id"] == in_default["id"] and found["virtual_network_name"] == "default"
    assert set(found) >= {"tun_type", "tunnel_name", "virtual_network_name", "network", "virtual_network_id"}
    assert api.ok("GET", ROUTES + "/ip/10.0.0.5", params={"virtual_network_id": lab["id"]})["id"] == in_lab["id"]
    api.fail("GET", ROUTES + "/ip/10.0.1.5", 404, 1040, params={"virtual_network_id": lab["id"]})
    # without the fallback every network is searched: the most specific route wins
    assert api.ok("GET", ROUTES + "/ip/10.0.0.5",
                  params={"default_virtual_network_fallback": "false"})["id"] == in_lab["id"]
    assert api.ok("GET", ROUTES + "/ip/2001:db8::1")["id"] == v6["id"]
    api.fail("GET", ROUTES + "/ip/10.0.0.5", 400, 1001, params={"virtual_network_id": "nope"})
