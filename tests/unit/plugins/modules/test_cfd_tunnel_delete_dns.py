"""edgeops.cloudflare.cfd_tunnel state=absent with delete_dns_records, against the emulator."""

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.modules import cfd_tunnel, cfd_tunnel_config


def collection(emulator):
    return "/accounts/%s/cfd_tunnel" % emulator.account_id


def all_records(api):
    found = []
    for zone in api.get("/zones"):
        found.extend(api.get("/zones/%s/dns_records" % zone["id"]))
    return found


@pytest.fixture
def published(run_module, api, emulator):
    """Tunnel 'web' serving two hostnames in two zones, a record of another tunnel, an unrelated record."""
    run_module(cfd_tunnel, dict(name="web", config_src="cloudflare"))
    run_module(cfd_tunnel, dict(name="other", config_src="cloudflare"))
    run_module(cfd_tunnel_config, dict(name="web", dns=True, ingress=[
        {"hostname": "app.example.com", "service": "http://localhost:8080"},
        {"hostname": "docs.dev.example.com", "service": "http://localhost:8081"}]))
    run_module(cfd_tunnel_config, dict(name="other", dns=True, ingress=[
        {"hostname": "shop.example.com", "service": "http://localhost:9090"}]))
    zone_id = api.get("/zones", {"name": "example.com"})[0]["id"]
    api.post("/zones/%s/dns_records" % zone_id, {"type": "A", "name": "www", "content": "192.0.2.1"})
    tunnels = dict((t["name"], t) for t in api.get(collection(emulator), {"is_deleted": "false"}))
    run_module.clear()
    return tunnels


def test_delete_removes_only_the_records_pointing_at_the_tunnel(run_module, api, emulator, published):
    web = published["web"]
    result = run_module(cfd_tunnel, dict(name="web", state="absent", delete_dns_records=True), diff=True)
    assert result["changed"] is True
    assert sorted(r["name"] for r in result["dns_records_removed"]) == ["app.example.com", "docs.dev.example.com"]
    assert sorted(r["zone_name"] for r in result["dns_records_removed"]) == ["dev.example.com", "example.com"]
    left = sorted((r["name"], r["content"]) for r in all_records(api))
    assert left == [("shop.example.com", "%s.cfargotunnel.com" % published["other"]["id"]), ("www.example.com", "192.0.2.1")]
    assert api.get("%s/%s" % (collection(emulator), web["id"]))["deleted_at"]
    writes = [(w["method"], w["path"].split("/")[-2]) for w in run_module.writes()]
    assert writes[:2] == [("DELETE", "dns_records"), ("DELETE", "dns_records")]
    assert writes[2] == ("DELETE", "cfd_tunnel")
    assert len(result["diff"]["before"]["dns_records"]) == 2 and result["diff"]["after"]["dns_records"] == []


def test_delete_with_dns_in_check_mode_lists_without_writing(run_module, api, published):
    result = run_module(cfd_tunnel, dict(name="web", state="absent", delete_dns_records=True), check_mode=True)
    assert result["changed"] is True
    assert sorted(r["name"] for r in result["dns_records_removed"]) == ["app.example.com", "docs.dev.example.com"]
    assert run_module.writes() == [] and len(all_records(api)) == 4


def test_delete_without_the_option_keeps_records_and_costs_two_requests(run_module, api, published):
    result = run_module(cfd_tunnel, dict(name="web", state="absent"))
    assert result["changed"] is True and result["dns_records_removed"] == []
    assert [r["method"] for r in run_module.requests()] == ["GET", "DELETE"] and len(all_records(api)) == 4


def test_delete_with_dns_failing_midway_converges_on_rerun(run_module, api, emulator, published):
    emulator.control.fault(action="5xx", method="DELETE", path="dns_records", count=10, status=503)
    failed = run_module(cfd_tunnel, dict(name="web", state="absent", delete_dns_records=True, retries=1))
    assert failed["failed"] is True
    assert api.get("%s/%s" % (collection(emulator), published["web"]["id"]))["deleted_at"] is None  # not deleted yet
    emulator.control.clear_faults()
    result = run_module(cfd_tunnel, dict(name="web", state="absent", delete_dns_records=True))
    assert result["changed"] is True and len(result["dns_records_removed"]) == 2
    assert len(all_records(api)) == 2
    run_module.clear()
    again = run_module(cfd_tunnel, dict(name="web", state="absent", delete_dns_records=True))
    assert again["changed"] is False and run_module.writes() == []
