"""Tunnel routes and virtual networks."""

ROUTES = "/accounts/{account}/teamnet/routes"
VNETS = "/accounts/{account}/teamnet/virtual_networks"


def test_vnet_crud_and_default(api):
    v1 = api.ok("POST", VNETS, json={"name": "prod", "comment": "c", "is_default_network": True})
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
    assert [v["name"] for v in listed] == ["prod", "staging"] and info["count"] == 2
    assert [v["name"] for v in api.listing(VNETS, name="prod")[0]] == ["prod"]
    assert [v["name"] for v in api.listing(VNETS, id=v2["id"])[0]] == ["staging"]
    assert [v["name"] for v in api.listing(VNETS, is_default="true")[0]] == ["staging"]
    assert [v["name"] for v in api.listing(VNETS, is_default_network="false")[0]] == ["prod"]
    api.fail("DELETE", VNETS + "/" + v2["id"], 400, 1052)  # default network
    deleted = api.ok("DELETE", VNETS + "/" + v1["id"])
    assert deleted["deleted_at"]
    assert [v["name"] for v in api.listing(VNETS)[0]] == ["staging"]
    assert [v["name"] for v in api.listing(VNETS, is_deleted="true")[0]] == ["prod"]
    api.fail("GET", VNETS + "/00000000-0000-4000-8000-000000000000", 404, 1050)


def test_route_crud_and_teamnet_fields(api):
    tun = api.create_tunnel("router")
    vnet = api.ok("POST", VNETS, json={"name": "default", "is_default_network": True})
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
    api.fail("PATCH", ROUTES + "/" + route["id"], 400, 1001, json={"comment": "x"})
    assert [r["id"] for r in api.listing(ROUTES)[0]] == [in_other["id"]]
    assert [r["id"] for r in api.listing(ROUTES, is_deleted="true")[0]] == [route["id"]]
    api.fail("GET", ROUTES + "/00000000-0000-4000-8000-000000000000", 404, 1040)
    api.fail("DELETE", VNETS + "/" + other["id"], 400, 1052)  # still used by a route


def test_route_validation(api):
    tun = api.create_tunnel("rv")
    api.fail("POST", ROUTES, 400, 1001, json={"network": "not-a-cidr", "tunnel_id": tun["id"]})
    api.fail("POST", ROUTES, 400, 1001, json={"network": "10.0.0.0/8"})
    api.fail("POST", ROUTES, 400, 1001, json={"network": "10.0.0.0/8", "tunnel_id": "00000000-0000-4000-8000-000000000000"})
    api.fail("POST", ROUTES, 400, 1001, json={"network": "10.0.0.0/8", "tunnel_id": tun["id"],
                                              "virtual_network_id": "00000000-0000-4000-8000-000000000000"})
    route = api.ok("POST", ROUTES, json={"network": "10.0.0.0/8", "tunnel_id": tun["id"]})
    assert route["virtual_network_id"] is None  # no default network exists


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
    page, info = api.listing(ROUTES, per_page=2, page=2)
    assert [r["id"] for r in page] == [r3["id"]]
    assert info == {"count": 1, "page": 2, "per_page": 2, "total_count": 3, "total_pages": 2}
    api.fail("GET", ROUTES, 400, 1001, params={"per_page": 1001})
    api.fail("GET", ROUTES, 400, 1001, params={"network_subset": "x"})


def test_route_by_ip(api):
    tun = api.create_tunnel("ip")
    wide = api.ok("POST", ROUTES, json={"network": "10.0.0.0/8", "tunnel_id": tun["id"]})
    narrow = api.ok("POST", ROUTES, json={"network": "10.2.0.0/16", "tunnel_id": tun["id"]})
    assert api.ok("GET", ROUTES + "/ip/10.2.3.4")["id"] == narrow["id"]
    found = api.ok("GET", ROUTES + "/ip/10.9.9.9")
    assert found["id"] == wide["id"] and found["tunnel_name"] == "ip"
    api.fail("GET", ROUTES + "/ip/192.168.1.1", 404, 1040)
    api.fail("GET", ROUTES + "/ip/nope", 400, 1001)
