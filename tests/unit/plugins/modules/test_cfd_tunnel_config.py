"""edgeops.cloudflare.cfd_tunnel_config in-process, over real HTTP against the emulator."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import CloudflareClient
from ansible_collections.edgeops.cloudflare.plugins.modules import cfd_tunnel_config

APP = {"hostname": "app.example.com", "service": "http://localhost:8080"}
API = {"hostname": "app.example.com", "path": "^/api/", "service": "http://localhost:9000"}
DOCS = {"hostname": "docs.dev.example.com", "service": "https://localhost:8443"}
CATCH_ALL = {"service": "http_status:404"}


@pytest.fixture
def api(emulator):
    return CloudflareClient(emulator.base_url, api_token=emulator.write_token)


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
    return [z for z in api.get("/zones", {"name": name})][0]


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
    assert "dns_records" not in result


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
    put_config(api, emulator, tunnel["id"], {"originRequest": {"connectTimeout": 30},
                                              "ingress": [DOCS, {"service": "http_status:503"}],
                                              "warp-routing": {"enabled": False}})
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
    put_config(api, emulator, tunnel["id"], {"originRequest": {"connectTimeout": 30},
                                              "ingress": [DOCS, {"service": "http_status:503"}]})
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
