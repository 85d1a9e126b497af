"""What users tripped over (issue 12, points 1-4) and connector health (issue 11, part 2).

Each test drives a module's real main() over real HTTP against the emulator.
"""

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.modules import cfd_tunnel, cfd_tunnel_config, cfd_tunnel_info

APP = {"hostname": "app.example.com", "service": "http://localhost:8080"}
API = {"hostname": "app.example.com", "path": "^/api/", "service": "http://localhost:9000"}


def tunnels(emulator):
    return "/accounts/%s/cfd_tunnel" % emulator.account_id


def records(api, name):
    found = []
    for zone in api.get("/zones"):
        found.extend(api.get("/zones/%s/dns_records" % zone["id"], {"name": name}))
    return found


# ---- 1. a new tunnel is remotely managed unless asked otherwise ------------------------------

def test_a_new_tunnel_is_remotely_managed_so_publishing_works_right_away(run_module, api, emulator):
    created = run_module(cfd_tunnel, dict(name="x"))
    assert created["tunnel"]["config_src"] == "cloudflare"
    assert api.get("%s/%s" % (tunnels(emulator), created["tunnel"]["id"]))["config_src"] == "cloudflare"
    published = run_module(cfd_tunnel_config, dict(name="x", ingress=[APP]))
    assert published["changed"] is True and not published.get("failed")


def test_check_mode_predicts_the_remote_default_and_local_stays_available(run_module, api, emulator):
    predicted = run_module(cfd_tunnel, dict(name="x"), check_mode=True)
    assert predicted["tunnel"]["config_src"] == "cloudflare"
    local = run_module(cfd_tunnel, dict(name="y", config_src="local"))
    assert local["tunnel"]["config_src"] == "local"
    run_module.clear()
    again = run_module(cfd_tunnel, dict(name="y"))  # an existing tunnel is not checked against the default
    assert again["changed"] is False and run_module.writes() == []


# ---- 2. an earlier rule that shadows a later one ---------------------------------------------

def test_a_rule_for_all_paths_before_one_with_a_path_warns(run_module, api, emulator):
    run_module(cfd_tunnel, dict(name="web"))
    result = run_module(cfd_tunnel_config, dict(name="web", ingress=[APP, API]))
    assert result["changed"] is True
    assert any("rule 1 (app.example.com (all paths)) comes before rule 2 (app.example.com path ^/api/)" in w
               for w in result["warnings"])


def test_the_fixed_order_does_not_warn(run_module, api, emulator):
    run_module(cfd_tunnel, dict(name="web"))
    result = run_module(cfd_tunnel_config, dict(name="web", ingress=[API, APP]))
    assert result["changed"] is True and result["warnings"] == []


def test_a_wildcard_before_a_hostname_it_covers_warns(run_module, api, emulator):
    run_module(cfd_tunnel, dict(name="web"))
    wildcard = {"hostname": "*.example.com", "service": "http://localhost:1"}
    result = run_module(cfd_tunnel_config, dict(name="web", mode="replace", ingress=[wildcard, APP]))
    assert any("*.example.com (all paths)" in w and "app.example.com (all paths)" in w for w in result["warnings"])


def test_strict_order_fails_before_any_write(run_module, api, emulator):
    run_module(cfd_tunnel, dict(name="web"))
    run_module.clear()
    result = run_module(cfd_tunnel_config, dict(name="web", ingress=[APP, API], strict_order=True))
    assert result["failed"] is True and "can never be reached" in result["msg"]
    assert run_module.writes() == []


# ---- 3. reading the configuration in the shape the config module takes ----------------------

def test_include_config_returns_what_cfd_tunnel_config_takes(run_module, api, emulator):
    run_module(cfd_tunnel, dict(name="web"))
    rules = [dict(API, origin_request={"connect_timeout": 5, "no_tls_verify": True}), APP]
    run_module(cfd_tunnel_config, dict(name="web", ingress=rules, origin_request={"http_host_header": "app"},
                                       catch_all_service="http_status:503"))
    info = run_module(cfd_tunnel_info, dict(name="web", include_config=True))
    config = info["tunnels"][0]["config"]
    assert config == {
        "ingress": [{"hostname": "app.example.com", "path": "^/api/", "service": "http://localhost:9000",
                     "origin_request": {"connect_timeout": 5, "no_tls_verify": True}},
                    {"hostname": "app.example.com", "service": "http://localhost:8080"}],
        "origin_request": {"http_host_header": "app"},
        "catch_all_service": "http_status:503",
    }
    assert info["tunnels"][0]["config_version"] == 1
    run_module.clear()
    fed_back = run_module(cfd_tunnel_config, dict(config, name="web", mode="replace"))
    assert fed_back["changed"] is False and run_module.writes() == []


def test_include_config_of_a_local_tunnel_is_null_and_costs_nothing(run_module, api, emulator):
    run_module(cfd_tunnel, dict(name="here", config_src="local"))
    run_module.clear()
    info = run_module(cfd_tunnel_info, dict(name="here", include_config=True))
    assert info["tunnels"][0]["config"] is None and info["tunnels"][0]["config_version"] is None
    assert len(run_module.requests()) == 1


# ---- 4. records left behind by a deleted tunnel ----------------------------------------------

@pytest.fixture
def orphan(run_module, api, emulator):
    """app.example.com still points at 'old', a deleted tunnel of this account."""
    old = run_module(cfd_tunnel, dict(name="old"))["tunnel"]
    run_module(cfd_tunnel_config, dict(name="old", ingress=[APP], dns=True))
    run_module(cfd_tunnel, dict(name="old", state="absent"))
    run_module(cfd_tunnel, dict(name="new"))
    return old


def test_the_conflict_names_the_deleted_tunnel(run_module, api, emulator, orphan):
    run_module.clear()
    result = run_module(cfd_tunnel_config, dict(name="new", ingress=[APP], dns=True))
    assert result["failed"] is True
    assert "the deleted tunnel 'old' (%s) of this account" % orphan["id"] in result["msg"]
    assert "dns_overwrite: orphaned" in result["msg"]
    assert run_module.writes() == []


def test_dns_overwrite_orphaned_replaces_a_record_of_a_deleted_tunnel(run_module, api, emulator, orphan):
    result = run_module(cfd_tunnel_config, dict(name="new", ingress=[APP], dns=True, dns_overwrite="orphaned"))
    assert result["changed"] is True and not result.get("failed")
    new_id = result["tunnel"]["id"]
    assert [r["content"] for r in records(api, "app.example.com")] == ["%s.cfargotunnel.com" % new_id]


def test_dns_overwrite_orphaned_leaves_other_records_alone(run_module, api, emulator):
    run_module(cfd_tunnel, dict(name="new"))
    zone = api.get("/zones", {"name": "example.com"})[0]
    elsewhere = {"type": "CNAME", "name": "app.example.com", "content": "elsewhere.example.net", "proxied": True}
    api.post("/zones/%s/dns_records" % zone["id"], elsewhere)
    run_module.clear()
    result = run_module(cfd_tunnel_config, dict(name="new", ingress=[APP], dns=True, dns_overwrite="orphaned"))
    assert result["failed"] is True and "elsewhere.example.net" in result["msg"]
    assert run_module.writes() == []


def test_dns_overwrite_takes_booleans_as_before(run_module, api, emulator, orphan):
    result = run_module(cfd_tunnel_config, dict(name="new", ingress=[APP], dns=True, dns_overwrite=True))
    assert result["changed"] is True and not result.get("failed")
    bad = run_module(cfd_tunnel_config, dict(name="new", ingress=[APP], dns=True, dns_overwrite="sometimes"))
    assert bad["failed"] is True and "dns_overwrite must be false, true or orphaned" in bad["msg"]


def test_delete_dns_records_by_id_cleans_up_after_an_already_deleted_tunnel(run_module, api, emulator, orphan):
    result = run_module(cfd_tunnel, dict(id=orphan["id"], state="absent", delete_dns_records=True))
    assert result["changed"] is True
    assert [r["name"] for r in result["dns_records_removed"]] == ["app.example.com"]
    assert records(api, "app.example.com") == []
    again = run_module(cfd_tunnel, dict(id=orphan["id"], state="absent", delete_dns_records=True))
    assert again["changed"] is False and again["dns_records_removed"] == []


# ---- connector health (issue 11, part 2) -----------------------------------------------------

def connect(api, emulator, tunnel_id, **kw):
    token = api.get("%s/%s/token" % (tunnels(emulator), tunnel_id))
    return emulator.control.register_connector(token, **kw)["connector_id"]


def test_health_flags_outdated_and_stale_connectors(run_module, api, emulator):
    tunnel = run_module(cfd_tunnel, dict(name="web"))["tunnel"]
    run_module(cfd_tunnel_config, dict(name="web", ingress=[APP]))
    current = connect(api, emulator, tunnel["id"], version="2026.8.2", colos=["AMS", "FRA"], origin_ip="198.51.100.7")
    old = connect(api, emulator, tunnel["id"], version="2025.11.0", config_version=0)
    result = run_module(cfd_tunnel_info, dict(name="web", min_version="2026.8.2"))
    connectors = dict((c["id"], c) for c in result["tunnels"][0]["connectors"])
    assert connectors[current]["outdated"] is False and connectors[current]["stale_config"] is False
    assert connectors[current]["colos"] == ["AMS", "FRA"] and connectors[current]["origin_ip"] == "198.51.100.7"
    assert connectors[current]["connections"] == 4
    assert connectors[old]["outdated"] is True and connectors[old]["stale_config"] is True
    assert result["tunnels"][0]["health"] == {"replicas": 2, "replica_limit": 25, "outdated": 1, "stale_config": 1}


def test_wait_for_no_stale_config_reports_what_it_saw(run_module, api, emulator):
    tunnel = run_module(cfd_tunnel, dict(name="web"))["tunnel"]
    run_module(cfd_tunnel_config, dict(name="web", ingress=[APP]))
    connect(api, emulator, tunnel["id"], config_version=0)
    result = run_module(cfd_tunnel_info, dict(name="web", wait_for={"no_stale_config": True, "timeout": 2, "interval": 1}))
    assert result["failed"] is True and "1 with a stale configuration" in result["msg"]
    assert "connectors" not in result["tunnels"][0] and result["tunnels"][0]["health"]["stale_config"] == 1
    fresh = connect(api, emulator, tunnel["id"])
    assert fresh
    emulator.control.update_connector(next(c["id"] for c in api.get("%s/%s/connections" % (tunnels(emulator), tunnel["id"]))
                                           if c["id"] != fresh), config_version=None)
    done = run_module(cfd_tunnel_info, dict(name="web", wait_for={"no_stale_config": True, "timeout": 2, "interval": 1}))
    assert not done.get("failed") and done["tunnels"][0]["health"]["stale_config"] == 0


def test_no_outdated_needs_min_version(run_module):
    result = run_module(cfd_tunnel_info, dict(name="web", wait_for={"no_outdated": True}))
    assert result["failed"] is True and "needs min_version" in result["msg"]
    assert run_module.requests() == []
    bad = run_module(cfd_tunnel_info, dict(name="web", min_version="latest"))
    assert bad["failed"] is True and "min_version must be a cloudflared release" in bad["msg"]
