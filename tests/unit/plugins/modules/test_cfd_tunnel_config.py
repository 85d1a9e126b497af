"""edgeops.cloudflare.cfd_tunnel_config in-process, over real HTTP against the emulator."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils import _dns
from ansible_collections.edgeops.cloudflare.plugins.modules import cfd_tunnel_config

APP = {"hostname": "app.example.com", "service": "http://localhost:8080"}
API = {"hostname": "app.example.com", "path": "^/api/", "service": "http://localhost:9000"}
DOCS = {"hostname": "docs.dev.example.com", "service": "https://localhost:8443"}
CATCH_ALL = {"service": "http_status:404"}


def tunnels_path(emulator):
    return "/accounts/%s/cfd_tunnel" % emulator.account_id


@pytest.fixture
def tunnel(api, emulator):
    created = api.post(tunnels_path(emulator), {"name": "web", "config_src": "cloudflare"})
    emulator.control.clear_requests()
    return created


def config_path(emulator, tunnel_id):
    return "%s/%s/configurations" % (tunnels_path(emulator), tunnel_id)


def stored(api, emulator, tunnel_id):
    return api.get(config_path(emulator, tunnel_id))


def put_config(api, emulator, tunnel_id, config):
    return api.put(config_path(emulator, tunnel_id), {"config": config})


def zone(api, name):
    return api.get("/zones", {"name": name})[0]


def records(api, name=None):
    found = []
    for z in api.get("/zones"):
        query = {"name": name} if name else {}
        found.extend(api.get("/zones/%s/dns_records" % z["id"], query))
    return found


def target(tunnel_id):
    return "%s.cfargotunnel.com" % tunnel_id


def rules(*items):
    return [copy.deepcopy(item) for item in items]


# ---- publishing, idempotence ------------------------------------------------------------

def test_publish_by_name_writes_once_and_returns_config_and_version(run_module, api, emulator, tunnel):
    result = run_module(cfd_tunnel_config, dict(name="web", ingress=rules(APP, API)))
    assert result["changed"] is True, result
    expected = {"ingress": [APP, API, CATCH_ALL]}
    assert result["config"] == expected
    assert result["version"] == 1
    assert result["tunnel"] == {"id": tunnel["id"], "name": "web"}
    assert result["hostnames"] == ["app.example.com"]
    doc = stored(api, emulator, tunnel["id"])
    assert doc["config"] == expected and doc["version"] == 1
    assert [(w["method"], w["path"]) for w in run_module.writes()] == [("PUT", config_path(emulator, tunnel["id"]))]
    assert run_module.writes()[0]["body"] == {"config": expected}
    assert result["dns_records"] == []  # a list-valued return key is always there


def test_rerun_changes_nothing_with_two_requests_and_no_write(run_module, api, emulator, tunnel):
    args = dict(name="web", ingress=rules(APP, API), origin_request={"connect_timeout": 5, "access": {
        "aud_tag": ["aud1"], "team_name": "team", "required": False}})
    run_module(cfd_tunnel_config, args)
    run_module.clear()
    again = run_module(cfd_tunnel_config, args)
    assert again["changed"] is False
    assert again["version"] == 1
    assert run_module.writes() == []
    assert len(run_module.requests()) == 2


def test_by_id_costs_two_requests(run_module, emulator, tunnel):
    run_module(cfd_tunnel_config, dict(id=tunnel["id"], ingress=rules(APP)))
    run_module.clear()
    again = run_module(cfd_tunnel_config, dict(id=tunnel["id"], ingress=rules(APP)))
    assert again["changed"] is False
    assert [r["path"] for r in run_module.requests()] == [
        "%s/%s" % (tunnels_path(emulator), tunnel["id"]), config_path(emulator, tunnel["id"])]


def test_semantic_comparison_of_case_trailing_dot_empty_path_and_defaults(run_module, api, emulator, tunnel):
    put_config(api, emulator, tunnel["id"], {"ingress": [
        {"hostname": "app.example.com", "path": "", "service": "http://localhost:8080", "originRequest": {}},
        {"hostname": "x.example.com", "service": "ssh://localhost:22",
         "originRequest": {"access": {"audTag": ["a"], "teamName": "t", "required": False}}},
        {"service": "http_status:404"}]})
    run_module.clear()
    result = run_module(cfd_tunnel_config, dict(name="web", mode="replace", ingress=[
        {"hostname": "App.Example.COM.", "service": "http://localhost:8080"},
        {"hostname": "x.example.com", "service": "ssh://localhost:22",
         "origin_request": {"access": {"aud_tag": ["a"], "team_name": "t"}}}]))
    assert result["changed"] is False, result.get("diff")
    assert run_module.writes() == []


def test_every_origin_request_option_maps_to_the_api_name(run_module, api, emulator, tunnel):
    every = dict(connect_timeout=1, tls_timeout=2, tcp_keep_alive=3, keep_alive_timeout=4, keep_alive_connections=5,
                 no_happy_eyeballs=True, no_tls_verify=True, disable_chunked_encoding=True, http2_origin=True,
                 http_host_header="internal.local", origin_server_name="origin.local", ca_pool="/etc/ca.pem",
                 proxy_type="socks", access=dict(aud_tag=["aud1", "aud2"], team_name="team", required=True))
    api_names = {"connectTimeout": 1, "tlsTimeout": 2, "tcpKeepAlive": 3, "keepAliveTimeout": 4, "keepAliveConnections": 5,
                 "noHappyEyeballs": True, "noTLSVerify": True, "disableChunkedEncoding": True, "http2Origin": True,
                 "httpHostHeader": "internal.local", "originServerName": "origin.local", "caPool": "/etc/ca.pem",
                 "proxyType": "socks", "access": {"audTag": ["aud1", "aud2"], "teamName": "team", "required": True}}
    rule = dict(APP, origin_request={"connect_timeout": 7, "http_host_header": "app.internal"})
    result = run_module(cfd_tunnel_config, dict(name="web", ingress=[rule], origin_request=every))
    assert result["changed"] is True
    config = stored(api, emulator, tunnel["id"])["config"]
    assert config["originRequest"] == api_names
    assert config["ingress"][0] == dict(APP, originRequest={"connectTimeout": 7, "httpHostHeader": "app.internal"})
    run_module.clear()
    assert run_module(cfd_tunnel_config, dict(name="web", ingress=[rule], origin_request=every))["changed"] is False
    assert run_module.writes() == []


def test_catch_all_service_is_kept_last(run_module, api, emulator, tunnel):
    result = run_module(cfd_tunnel_config, dict(name="web", ingress=rules(APP), catch_all_service="http_status:503"))
    assert result["config"]["ingress"] == [APP, {"service": "http_status:503"}]
    result = run_module(cfd_tunnel_config, dict(name="web", ingress=rules(DOCS)))
    assert result["config"]["ingress"] == [APP, DOCS, {"service": "http_status:503"}]
    result = run_module(cfd_tunnel_config, dict(name="web", ingress=rules(DOCS), catch_all_service="hello_world"))
    assert result["config"]["ingress"][-1] == {"service": "hello_world"}


def test_locally_configured_tunnel_fails_clearly_without_writing(run_module, api, emulator):
    api.post(tunnels_path(emulator), {"name": "local-one", "config_src": "local"})
    run_module.clear()
    result = run_module(cfd_tunnel_config, dict(name="local-one", ingress=rules(APP)))
    assert result["failed"] is True
    assert "locally configured" in result["msg"] and "config_src: cloudflare" in result["msg"]
    assert run_module.writes() == [] and len(run_module.requests()) == 1


def test_missing_tunnel_fails_clearly(run_module):
    result = run_module(cfd_tunnel_config, dict(name="nope", ingress=rules(APP)))
    assert result["failed"] is True and "No live tunnel with name 'nope'" in result["msg"]


# ---- merge and replace -------------------------------------------------------------------

def test_two_plays_in_merge_mode_do_not_disturb_each_other(run_module, api, emulator, tunnel):
    play_a = dict(name="web", ingress=rules(APP, API))
    play_b = dict(name="web", ingress=rules(DOCS))
    run_module(cfd_tunnel_config, play_a)
    run_module(cfd_tunnel_config, play_b)
    assert stored(api, emulator, tunnel["id"])["config"]["ingress"] == [APP, API, DOCS, CATCH_ALL]
    run_module.clear()
    assert run_module(cfd_tunnel_config, play_a)["changed"] is False
    assert run_module(cfd_tunnel_config, play_b)["changed"] is False
    assert run_module.writes() == []
    # Play A changes its service; B's rule stays where it is.
    changed_app = dict(APP, service="http://localhost:8081")
    result = run_module(cfd_tunnel_config, dict(name="web", ingress=[changed_app, API]))
    assert result["changed"] is True
    assert stored(api, emulator, tunnel["id"])["config"]["ingress"] == [changed_app, API, DOCS, CATCH_ALL]
    # Play A drops its /api rule: the rules of a listed hostname are the listed ones.
    run_module(cfd_tunnel_config, dict(name="web", ingress=[changed_app]))
    assert stored(api, emulator, tunnel["id"])["config"]["ingress"] == [changed_app, DOCS, CATCH_ALL]


def test_merge_keeps_global_defaults_and_catch_all_of_others(run_module, api, emulator, tunnel):
    put_config(api, emulator, tunnel["id"], {
        "originRequest": {"connectTimeout": 30},
        "ingress": [DOCS, {"service": "http_status:503"}],
        "warp-routing": {"enabled": False},
    })
    result = run_module(cfd_tunnel_config, dict(name="web", ingress=rules(APP)))
    assert result["config"] == {"originRequest": {"connectTimeout": 30}, "warp-routing": {"enabled": False},
                                "ingress": [DOCS, APP, {"service": "http_status:503"}]}


def test_merge_puts_a_new_hostname_before_a_wildcard_that_would_shadow_it(run_module, api, emulator, tunnel):
    wildcard = {"hostname": "*.dev.example.com", "service": "http://localhost:7000"}
    put_config(api, emulator, tunnel["id"], {"ingress": [wildcard, CATCH_ALL]})
    result = run_module(cfd_tunnel_config, dict(name="web", ingress=rules(APP, DOCS)))
    # cloudflared matches *.dev.example.com on any deeper name: docs.dev.example.com goes first;
    # app.example.com is not shadowed and goes last.
    assert result["config"]["ingress"] == [DOCS, wildcard, APP, CATCH_ALL]


def test_merge_absent_removes_listed_hostnames_only(run_module, api, emulator, tunnel):
    run_module(cfd_tunnel_config, dict(name="web", ingress=rules(APP, API, DOCS)))
    result = run_module(cfd_tunnel_config, dict(name="web", state="absent", ingress=[{"hostname": "app.example.com", "path": "^/api/"}]))
    assert result["changed"] is True
    assert stored(api, emulator, tunnel["id"])["config"]["ingress"] == [APP, DOCS, CATCH_ALL]
    result = run_module(cfd_tunnel_config, dict(name="web", state="absent", ingress=[{"hostname": "APP.example.com"}]))
    assert result["changed"] is True and result["hostnames"] == ["docs.dev.example.com"]
    assert stored(api, emulator, tunnel["id"])["config"]["ingress"] == [DOCS, CATCH_ALL]
    run_module.clear()
    again = run_module(cfd_tunnel_config, dict(name="web", state="absent", ingress=[{"hostname": "app.example.com"}]))
    assert again["changed"] is False and run_module.writes() == []


def test_merge_absent_on_an_unconfigured_tunnel_writes_nothing(run_module, emulator, tunnel):
    result = run_module(cfd_tunnel_config, dict(name="web", state="absent", ingress=[{"hostname": "app.example.com"}]))
    assert result["changed"] is False and result["config"] == {} and result["version"] == 0
    assert run_module.writes() == []


def test_replace_makes_the_document_exactly_what_is_given(run_module, api, emulator, tunnel):
    put_config(api, emulator, tunnel["id"], {
        "originRequest": {"connectTimeout": 30},
        "ingress": [DOCS, {"service": "http_status:503"}],
    })
    result = run_module(cfd_tunnel_config, dict(name="web", mode="replace", ingress=rules(API, APP)))
    assert result["changed"] is True
    assert stored(api, emulator, tunnel["id"])["config"] == {"ingress": [API, APP, CATCH_ALL]}
    run_module.clear()
    assert run_module(cfd_tunnel_config, dict(name="web", mode="replace", ingress=rules(API, APP)))["changed"] is False
    # Order matters in replace mode.
    result = run_module(cfd_tunnel_config, dict(name="web", mode="replace", ingress=rules(APP, API)))
    assert result["changed"] is True
    assert stored(api, emulator, tunnel["id"])["config"]["ingress"] == [APP, API, CATCH_ALL]


def test_replace_absent_leaves_only_the_catch_all(run_module, api, emulator, tunnel):
    run_module(cfd_tunnel_config, dict(name="web", ingress=rules(APP), origin_request={"tls_timeout": 3}))
    result = run_module(cfd_tunnel_config, dict(name="web", mode="replace", state="absent"))
    assert result["changed"] is True and result["hostnames"] == []
    assert stored(api, emulator, tunnel["id"])["config"] == {"ingress": [CATCH_ALL]}
    run_module.clear()
    assert run_module(cfd_tunnel_config, dict(name="web", mode="replace", state="absent"))["changed"] is False
    assert run_module.writes() == []


# ---- check mode and diff -----------------------------------------------------------------

def test_check_mode_predicts_without_writing(run_module, api, emulator, tunnel):
    result = run_module(cfd_tunnel_config, dict(name="web", ingress=rules(APP)), check_mode=True)
    assert result["changed"] is True
    assert result["config"] == {"ingress": [APP, CATCH_ALL]} and result["version"] == 0
    assert run_module.writes() == []
    assert stored(api, emulator, tunnel["id"])["version"] == 0


def test_diff_is_rule_level(run_module, api, emulator, tunnel):
    run_module(cfd_tunnel_config, dict(name="web", ingress=rules(APP, DOCS)))
    changed = dict(DOCS, service="https://localhost:9443", origin_request={"no_tls_verify": True})
    result = run_module(cfd_tunnel_config, dict(name="web", ingress=[changed]), diff=True)
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert before["ingress"] == [APP, DOCS]
    assert after["ingress"] == [APP, dict(DOCS, service="https://localhost:9443", origin_request={"no_tls_verify": True})]
    assert before["catch_all_service"] == after["catch_all_service"] == "http_status:404"
    noop = run_module(cfd_tunnel_config, dict(name="web", ingress=[changed]), diff=True)
    assert noop["changed"] is False and noop["diff"]["before"] == noop["diff"]["after"]


def test_check_mode_with_diff_on_replace(run_module, api, emulator, tunnel):
    run_module(cfd_tunnel_config, dict(name="web", ingress=rules(APP, DOCS)))
    run_module.clear()
    result = run_module(cfd_tunnel_config, dict(name="web", mode="replace", ingress=rules(DOCS)), check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["ingress"] == [APP, DOCS] and result["diff"]["after"]["ingress"] == [DOCS]
    assert run_module.writes() == []


# ---- DNS ---------------------------------------------------------------------------------

def cnames_to(api, tunnel_id):
    return sorted((r["name"], r["zone_name"], r["proxied"]) for r in records(api) if r["type"] == "CNAME"
                  and r["content"] == target(tunnel_id))


def test_dns_creates_proxied_cnames_in_the_longest_matching_zone(run_module, api, emulator, tunnel):
    result = run_module(cfd_tunnel_config, dict(name="web", dns=True, ingress=rules(APP, API, DOCS)))
    assert result["changed"] is True
    assert cnames_to(api, tunnel["id"]) == [("app.example.com", "example.com", True),
                                            ("docs.dev.example.com", "dev.example.com", True)]
    by_host = dict((r["hostname"], r) for r in result["dns_records"])
    assert set(by_host) == {"app.example.com", "docs.dev.example.com"}
    assert by_host["docs.dev.example.com"]["action"] == "created"
    assert by_host["docs.dev.example.com"]["zone_name"] == "dev.example.com"
    assert by_host["app.example.com"]["content"] == target(tunnel["id"]) and by_host["app.example.com"]["id"]
    posts = [w for w in run_module.writes() if w["method"] == "POST"]
    assert len(posts) == 2 and all(p["body"]["proxied"] is True and p["body"]["type"] == "CNAME" for p in posts)
    # The configuration is written before the records.
    assert [w["method"] for w in run_module.writes()] == ["PUT", "POST", "POST"]


def test_dns_rerun_is_idempotent_with_zero_writes(run_module, api, emulator, tunnel):
    args = dict(name="web", dns=True, ingress=rules(APP, DOCS))
    run_module(cfd_tunnel_config, args)
    run_module.clear()
    again = run_module(cfd_tunnel_config, args)
    assert again["changed"] is False
    assert [r["action"] for r in again["dns_records"]] == ["unchanged", "unchanged"]
    assert run_module.writes() == []
    # tunnel lookup, configuration, zones, one lookup per hostname
    assert len(run_module.requests()) == 5


def test_dns_updates_an_unproxied_record_of_the_tunnel(run_module, api, emulator, tunnel):
    zone_id = zone(api, "example.com")["id"]
    api.post("/zones/%s/dns_records" % zone_id, {"type": "CNAME", "name": "app", "content": target(tunnel["id"]), "proxied": False})
    run_module.clear()
    result = run_module(cfd_tunnel_config, dict(name="web", dns=True, ingress=rules(APP)), diff=True)
    assert result["changed"] is True and result["dns_records"][0]["action"] == "updated"
    assert cnames_to(api, tunnel["id"]) == [("app.example.com", "example.com", True)]
    assert [w["method"] for w in run_module.writes()] == ["PUT", "PATCH"]
    assert result["diff"]["before"]["dns"] == {"app.example.com": "CNAME app.example.com -> %s" % target(tunnel["id"])}
    assert result["diff"]["after"]["dns"] == {"app.example.com": "CNAME app.example.com -> %s (proxied)" % target(tunnel["id"])}


def test_dns_conflict_fails_before_any_write(run_module, api, emulator, tunnel):
    zone_id = zone(api, "example.com")["id"]
    api.post("/zones/%s/dns_records" % zone_id, {"type": "CNAME", "name": "app", "content": "elsewhere.example.net", "proxied": True})
    run_module.clear()
    result = run_module(cfd_tunnel_config, dict(name="web", dns=True, ingress=rules(DOCS, APP)))
    assert result["failed"] is True
    assert "app.example.com" in result["msg"] and "elsewhere.example.net" in result["msg"] and "dns_overwrite" in result["msg"]
    assert run_module.writes() == []
    assert stored(api, emulator, tunnel["id"])["version"] == 0


def test_dns_overwrite_repoints_a_cname_and_replaces_an_a_record(run_module, api, emulator, tunnel):
    zone_id = zone(api, "example.com")["id"]
    dev_id = zone(api, "dev.example.com")["id"]
    other = api.post("/zones/%s/dns_records" % zone_id, {"type": "CNAME", "name": "app", "content": "elsewhere.example.net"})
    api.post("/zones/%s/dns_records" % dev_id, {"type": "A", "name": "docs", "content": "192.0.2.10"})
    api.post("/zones/%s/dns_records" % dev_id, {"type": "TXT", "name": "_acme.docs", "content": "keep me"})
    run_module.clear()
    result = run_module(cfd_tunnel_config, dict(name="web", dns=True, dns_overwrite=True, ingress=rules(APP, DOCS)))
    assert result.get("changed") is True, result.get("msg")
    actions = dict((r["hostname"], r["action"]) for r in result["dns_records"])
    assert actions == {"app.example.com": "updated", "docs.dev.example.com": "replaced"}
    assert cnames_to(api, tunnel["id"]) == [("app.example.com", "example.com", True),
                                            ("docs.dev.example.com", "dev.example.com", True)]
    assert [r["id"] for r in records(api, "app.example.com")] == [other["id"]]  # repointed in place
    assert [r["type"] for r in records(api, "docs.dev.example.com")] == ["CNAME"]
    assert [r["content"] for r in records(api, "_acme.docs.dev.example.com")] == ["keep me"]


def test_dns_name_with_another_record_type_fails_even_with_overwrite(run_module, api, emulator, tunnel):
    api.post("/zones/%s/dns_records" % zone(api, "example.com")["id"], {"type": "TXT", "name": "app", "content": "v=spf1 -all"})
    run_module.clear()
    result = run_module(cfd_tunnel_config, dict(name="web", dns=True, dns_overwrite=True, ingress=rules(APP)))
    assert result["failed"] is True
    assert "has TXT record(s)" in result["msg"] and "never removes them" in result["msg"]
    assert run_module.writes() == []


def test_dns_removes_only_records_pointing_at_this_tunnel(run_module, api, emulator, tunnel):
    run_module(cfd_tunnel_config, dict(name="web", dns=True, ingress=rules(APP, DOCS)))
    other_tunnel = api.post(tunnels_path(emulator), {"name": "other", "config_src": "cloudflare"})
    dev_id = zone(api, "dev.example.com")["id"]
    # Someone repointed docs at another tunnel by hand: this task must not remove that record.
    docs = list(records(api, "docs.dev.example.com"))[0]
    api.patch("/zones/%s/dns_records/%s" % (dev_id, docs["id"]), {"content": target(other_tunnel["id"])})
    run_module.clear()
    removed = [{"hostname": "app.example.com"}, {"hostname": "docs.dev.example.com"}]
    result = run_module(cfd_tunnel_config, dict(name="web", state="absent", dns=True, ingress=removed))
    assert result["changed"] is True
    assert [(r["hostname"], r["action"]) for r in result["dns_records"]] == [("app.example.com", "deleted")]
    assert any("docs.dev.example.com" in w and "not at this tunnel" in w for w in result["warnings"])
    assert records(api, "app.example.com") == []
    assert [r["content"] for r in records(api, "docs.dev.example.com")] == [target(other_tunnel["id"])]
    assert stored(api, emulator, tunnel["id"])["config"]["ingress"] == [CATCH_ALL]
    # DNS removal happens before the configuration write (a rerun after a failure still knows what to remove).
    assert [w["method"] for w in run_module.writes()] == ["DELETE", "PUT"]
    run_module.clear()
    again = run_module(cfd_tunnel_config, dict(name="web", state="absent", dns=True, ingress=[{"hostname": "app.example.com"}]))
    assert again["changed"] is False and run_module.writes() == []


def test_dns_keeps_the_record_while_another_path_rule_serves_the_hostname(run_module, api, emulator, tunnel):
    run_module(cfd_tunnel_config, dict(name="web", dns=True, ingress=rules(APP, API)))
    removed = [{"hostname": "app.example.com", "path": "^/api/"}]
    result = run_module(cfd_tunnel_config, dict(name="web", state="absent", dns=True, ingress=removed))
    assert result["changed"] is True and result["dns_records"] == []
    assert cnames_to(api, tunnel["id"]) == [("app.example.com", "example.com", True)]


def test_replace_mode_removes_records_of_dropped_hostnames(run_module, api, emulator, tunnel):
    run_module(cfd_tunnel_config, dict(name="web", mode="replace", dns=True, ingress=rules(APP, DOCS)))
    result = run_module(cfd_tunnel_config, dict(name="web", mode="replace", dns=True, ingress=rules(DOCS)))
    assert sorted((r["hostname"], r["action"]) for r in result["dns_records"]) == [
        ("app.example.com", "deleted"), ("docs.dev.example.com", "unchanged")]
    assert cnames_to(api, tunnel["id"]) == [("docs.dev.example.com", "dev.example.com", True)]


def test_dns_for_a_wildcard_hostname(run_module, api, emulator, tunnel):
    wildcard = {"hostname": "*.dev.example.com", "service": "http://localhost:7000"}
    result = run_module(cfd_tunnel_config, dict(name="web", dns=True, ingress=[wildcard]))
    assert result["changed"] is True
    assert cnames_to(api, tunnel["id"]) == [("*.dev.example.com", "dev.example.com", True)]


def test_hostname_outside_every_zone_fails_before_any_write(run_module, api, emulator, tunnel):
    outside = {"hostname": "shop.example.org", "service": "http://localhost:1"}
    result = run_module(cfd_tunnel_config, dict(name="web", dns=True, ingress=rules(APP, outside)))
    assert result["failed"] is True
    assert "No zone of account" in result["msg"] and "shop.example.org" in result["msg"]
    assert "dev.example.com, example.com" in result["msg"]
    assert run_module.writes() == []


def test_dns_in_check_mode_predicts_without_writing(run_module, api, emulator, tunnel):
    result = run_module(cfd_tunnel_config, dict(name="web", dns=True, ingress=rules(APP)), check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["dns_records"][0]["action"] == "created"
    assert result["dns_records"][0]["id"] == "(known after apply: DNS record app.example.com)"
    assert result["diff"]["after"]["dns"] == {"app.example.com": "CNAME app.example.com -> %s (proxied)" % target(tunnel["id"])}
    assert result["diff"]["before"]["dns"] == {}
    assert run_module.writes() == [] and records(api) == []


def test_dns_only_change_is_reported_when_config_is_already_right(run_module, api, emulator, tunnel):
    run_module(cfd_tunnel_config, dict(name="web", ingress=rules(APP)))
    run_module.clear()
    result = run_module(cfd_tunnel_config, dict(name="web", dns=True, ingress=rules(APP)))
    assert result["changed"] is True
    assert [w["method"] for w in run_module.writes()] == ["POST"]


# ---- many hostnames: DNS read by zone -------------------------------------------------------

def many(count, zone_name="example.com"):
    return [{"hostname": "h%03d.%s" % (n, zone_name), "service": "http://localhost:%d" % (8000 + n)} for n in range(count)]


def dns_reads(run_module):
    """The query (paging left out) of each read of DNS records."""
    return [dict((k, v) for k, v in (r["query"] or {}).items() if k not in ("page", "per_page"))
            for r in run_module.requests("GET") if r["path"].endswith("/dns_records")]


def test_many_hostnames_of_one_zone_are_read_with_one_listing_of_the_zone(run_module, api, emulator, tunnel):
    args = dict(name="web", dns=True, ingress=many(40) + rules(DOCS))
    result = run_module(cfd_tunnel_config, args)
    assert result["changed"] is True and len(result["dns_records"]) == 41
    # example.com once, whole (5,000 a page); dev.example.com holds one hostname: asked by name
    assert dns_reads(run_module) == [{}, {"name": "docs.dev.example.com"}]
    assert [r["query"]["per_page"] for r in run_module.requests() if r["path"].endswith("dns_records")
            and r["method"] == "GET"] == ["5000", "1000"]
    assert [w["method"] for w in run_module.writes()] == ["PUT"] + ["POST"] * 41
    run_module.clear()
    again = run_module(cfd_tunnel_config, args)
    assert again["changed"] is False and run_module.writes() == []
    assert len(run_module.requests()) == 5  # tunnel, configuration, zones, example.com, docs.dev.example.com
    assert again["dns_records"] == [dict(r, action="unchanged") for r in result["dns_records"]]


def test_a_zone_read_finds_conflicts_before_anything_is_written(run_module, api, emulator, tunnel):
    zone_id = zone(api, "example.com")["id"]
    api.post("/zones/%s/dns_records" % zone_id, {"type": "A", "name": "H002", "content": "192.0.2.2"})
    api.post("/zones/%s/dns_records" % zone_id, {"type": "TXT", "name": "h004", "content": "mine"})
    run_module.clear()
    result = run_module(cfd_tunnel_config, dict(name="web", dns=True, dns_overwrite=True, ingress=many(5)))
    assert result["failed"] is True and "h004.example.com" in result["msg"] and "TXT" in result["msg"]
    assert run_module.writes() == [] and len(dns_reads(run_module)) == 1
    run_module.clear()
    replaced = run_module(cfd_tunnel_config, dict(name="web", dns=True, dns_overwrite=True, ingress=many(4)))
    assert [r["action"] for r in replaced["dns_records"]] == ["created", "created", "replaced", "created"]
    assert len(dns_reads(run_module)) == 1 and [r["type"] for r in records(api, "h002.example.com")] == ["CNAME"]


def test_removing_many_hostnames_reads_their_zone_once(run_module, api, emulator, tunnel):
    run_module(cfd_tunnel_config, dict(name="web", dns=True, ingress=many(6)))
    run_module.clear()
    result = run_module(cfd_tunnel_config, dict(name="web", state="absent", dns=True, ingress=many(6)))
    assert [r["action"] for r in result["dns_records"]] == ["deleted"] * 6
    assert dns_reads(run_module) == [{}]
    assert records(api) == []


@pytest.mark.parametrize("hostnames, reads", [
    (4, [{}, {}, {}]),                                # 5 records, 2 a page: the other 2 pages are cheaper than 4 names
    (2, [{}] + [{"name": "h%03d.example.com" % n} for n in range(2)]),  # 2 more pages cost as much as 2 names
])
def test_a_zone_of_many_pages_is_read_whole_only_when_that_is_cheaper(run_module, api, emulator, tunnel, monkeypatch, hostnames, reads):
    monkeypatch.setattr(_dns, "ZONE_PAGE", 2)
    zone_id = zone(api, "example.com")["id"]
    for n in range(5):
        api.post("/zones/%s/dns_records" % zone_id, {"type": "A", "name": "other%d" % n, "content": "192.0.2.%d" % n})
    run_module.clear()
    result = run_module(cfd_tunnel_config, dict(name="web", dns=True, ingress=many(hostnames)))
    assert [r["action"] for r in result["dns_records"]] == ["created"] * hostnames
    assert dns_reads(run_module) == reads


# ---- faults during a multi-step change ----------------------------------------------------

def test_dns_create_failing_after_the_config_write_converges_on_rerun(run_module, api, emulator, tunnel):
    emulator.control.fault(action="5xx", method="POST", path="dns_records", count=10, status=503)
    args = dict(name="web", dns=True, ingress=rules(APP, DOCS))
    failed = run_module(cfd_tunnel_config, dict(args, retries=1))
    assert failed["failed"] is True and "503" in failed["msg"]
    assert stored(api, emulator, tunnel["id"])["version"] == 1  # the configuration was written
    emulator.control.clear_faults()
    result = run_module(cfd_tunnel_config, args)
    assert result["changed"] is True
    assert [r["action"] for r in result["dns_records"]] == ["created", "created"]
    assert stored(api, emulator, tunnel["id"])["version"] == 1  # not rewritten
    run_module.clear()
    assert run_module(cfd_tunnel_config, args)["changed"] is False and run_module.writes() == []


def test_lost_dns_create_response_is_found_not_duplicated(run_module, api, emulator, tunnel):
    emulator.control.fault(action="drop_after", method="POST", path="dns_records", count=1)
    result = run_module(cfd_tunnel_config, dict(name="web", dns=True, ingress=rules(APP)))
    assert result["changed"] is True and result["dns_records"][0]["action"] == "created"
    assert len(records(api, "app.example.com")) == 1


def test_dns_removal_failing_before_the_config_write_converges_on_rerun(run_module, api, emulator, tunnel):
    run_module(cfd_tunnel_config, dict(name="web", mode="replace", dns=True, ingress=rules(APP, DOCS)))
    emulator.control.fault(action="5xx", method="DELETE", path="dns_records", count=10, status=502)
    args = dict(name="web", mode="replace", dns=True, ingress=rules(DOCS))
    failed = run_module(cfd_tunnel_config, dict(args, retries=1))
    assert failed["failed"] is True
    assert stored(api, emulator, tunnel["id"])["version"] == 1  # config untouched: the rerun still sees app
    emulator.control.clear_faults()
    result = run_module(cfd_tunnel_config, args)
    assert result["changed"] is True
    assert cnames_to(api, tunnel["id"]) == [("docs.dev.example.com", "dev.example.com", True)]
    assert stored(api, emulator, tunnel["id"])["config"]["ingress"] == [DOCS, CATCH_ALL]


def test_config_put_is_retried_through_rate_limits_and_gateway_errors(run_module, api, emulator, tunnel):
    emulator.control.fault(action="429", method="PUT", count=1, retry_after="2")
    emulator.control.fault(action="5xx", method="PUT", count=1, status=504)
    result = run_module(cfd_tunnel_config, dict(name="web", ingress=rules(APP)))
    assert result["changed"] is True and result["version"] == 1
    assert 2.0 in run_module.sleeps


def test_random_faults_converge_to_one_record_per_hostname(run_module, api, emulator, tunnel):
    args = dict(name="web", dns=True, ingress=rules(APP, API, DOCS))
    emulator.control.random_faults(rate=0.3, seed=5, actions=["429", "5xx", "drop_before", "drop_after"])
    outcomes = [run_module(cfd_tunnel_config, dict(args, retries=2)).get("failed", False) for _run in range(6)]
    faulted = [r for r in run_module.requests() if r["status"] in (429, 502, 503, 504) or r["status"] is None]
    emulator.control.clear_faults()
    assert faulted, "the random faults never fired: the test proves nothing"
    final = run_module(cfd_tunnel_config, args)
    assert "failed" not in final
    assert cnames_to(api, tunnel["id"]) == [("app.example.com", "example.com", True),
                                            ("docs.dev.example.com", "dev.example.com", True)]
    assert len(records(api)) == 2
    assert stored(api, emulator, tunnel["id"])["config"]["ingress"] == [APP, API, DOCS, CATCH_ALL]
    run_module.clear()
    assert run_module(cfd_tunnel_config, args)["changed"] is False and run_module.writes() == []


# ---- bad input: fails naming the problem, sends nothing ------------------------------------

BAD = [
    (dict(ingress=[{"hostname": "app.example.com", "service": "ftp://localhost:21"}]), "is not one the API accepts"),
    (dict(ingress=[{"hostname": "app.example.com", "service": "http://localhost:8080/app"}]), "must not have a path"),
    (dict(ingress=[{"hostname": "app.example.com", "service": "http://localhost:99999"}]), "invalid port"),
    (dict(ingress=[{"hostname": "app.example.com", "service": "http_status:42"}]), "three-digit"),
    (dict(ingress=[{"hostname": "app.example.com", "service": "http_status:700"}]), "between 100 and 599"),
    (dict(ingress=[{"hostname": "app.example.com", "service": "unix:run/app.sock"}]), "absolute socket path"),
    (dict(ingress=[{"hostname": "app.example.com"}]), "ingress[0]: service is required"),
    (dict(ingress=[{"hostname": "app.*.example.com", "service": "http://x:1"}]), "a wildcard is allowed once, only as the whole leading"),
    (dict(ingress=[{"hostname": "*app.example.com", "service": "http://x:1"}]), "ingress[0]: hostname '*app.example.com': a wildcard"),
    (dict(ingress=[{"hostname": "https://app.example.com", "service": "http://x:1"}]), "without scheme"),
    (dict(ingress=[{"hostname": "localhost", "service": "http://x:1"}]),
     "'localhost' is not a valid hostname (labels of letters, digits, - and _, at most 253 characters, at least 2 labels)"),
    (dict(ingress=[{"hostname": "*", "service": "http://x:1"}]),
     "ingress[0] is for every hostname and path, so it matches every request: it is a catch-all rule. The module adds the "
     "catch-all itself, always last: set catch_all_service to its service (http://x:1) instead of listing it in ingress."),
    # A rule without a hostname in the middle: what cloudflared's own config would call the catch-all.
    (dict(ingress=[APP, {"service": "http_status:404"}, API]),
     "ingress[1] has no hostname, so it matches every request: it is a catch-all rule, and it is not last: cloudflared "
     "would never reach the rules after it. The module adds the catch-all itself, always last: set catch_all_service to "
     "its service (http_status:404) instead of listing it in ingress."),
    (dict(ingress=[APP, {"hostname": " ", "service": "http_status:404"}]), "ingress[1] has no hostname, so it matches every"),
    (dict(state="absent", ingress=[{"path": "^/old/"}]), "ingress[0] has no hostname"),
    (dict(ingress=[APP, dict(APP, service="http://localhost:1")]), "ingress[1] repeats hostname 'app.example.com'"),
    (dict(ingress=[API, dict(API, hostname="APP.example.com.")]), "with path '^/api/'"),
    (dict(ingress=[dict(APP, path="([")]), "not a valid regular expression"),
    (dict(ingress=[dict(APP, origin_request={"connect_timeout": -1})]), "ingress[0].origin_request: connect_timeout must not be negative"),
    (dict(ingress=[APP], origin_request={"access": {"aud_tag": [], "team_name": "t"}}), "aud_tag must list at least one"),
    (dict(ingress=[APP], catch_all_service="nonsense"), "catch_all_service: service 'nonsense'"),
    (dict(state="absent", ingress=[]), "needs ingress"),
    (dict(ingress=[APP], dns_overwrite=True), "dns_overwrite only makes sense"),
    (dict(ingress=[APP], id="not-a-uuid"), "id must be a UUID"),
]


@pytest.mark.parametrize("args,message", BAD, ids=[message for _args, message in BAD])
def test_bad_input_fails_before_any_request(run_module, tunnel, args, message):
    full = dict(name="web")
    full.update(copy.deepcopy(args))
    result = run_module(cfd_tunnel_config, full)
    assert result["failed"] is True
    assert message in result["msg"], result["msg"]
    assert run_module.requests() == []


GOOD_SERVICES = ["http://localhost:8080", "https://10.0.0.5", "tcp://db.internal:5432", "ssh://localhost:22", "rdp://win:3389",
                 "smb://files:445", "unix:/run/app.sock", "unix+tls:/run/app.sock", "http_status:404", "hello_world",
                 "bastion", "socks-proxy", "http://[::1]:8080"]


def test_every_accepted_service_form_is_sent(run_module, api, emulator, tunnel):
    ingress = [{"hostname": "h%d.example.com" % i, "service": s} for i, s in enumerate(GOOD_SERVICES)]
    result = run_module(cfd_tunnel_config, dict(name="web", mode="replace", ingress=ingress))
    assert result.get("changed") is True, result.get("msg")
    assert [r["service"] for r in stored(api, emulator, tunnel["id"])["config"]["ingress"]] == GOOD_SERVICES + ["http_status:404"]


def test_secrets_do_not_reach_the_output(run_module, emulator, tunnel):
    result = run_module(cfd_tunnel_config, dict(name="web", ingress=rules(APP), dns=True))
    assert emulator.write_token not in result["_stdout"]
