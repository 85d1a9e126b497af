"""Every list-valued return key of every module is in every successful result, ``[]`` when empty
(issue 17, point 9: ``{{ td.routes_removed }}`` must never be a template error)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import yaml

from ansible_collections.edgeops.cloudflare.plugins import modules

MODULES = sorted(info.name for info in pkgutil.iter_modules(modules.__path__))
APP = {"hostname": "app.example.com", "service": "http://localhost:8080"}

# Runs that take each module through its paths: create, no change, delete, delete of nothing, check mode.
RUNS = {
    "access_application": [dict(name="a", domains=["a.example.com"], _check=True), dict(name="a", state="absent")],
    "access_application_info": [dict()],
    "access_policy": [dict(name="p", decision="allow", include=[{"everyone": True}]), dict(name="p", state="absent")],
    "access_policy_info": [dict()],
    "access_service_token": [dict(name="s", _check=True), dict(name="s", state="absent")],
    "access_service_token_info": [dict()],
    "cfd_tunnel": [dict(name="t"), dict(name="t"), dict(name="t", state="absent", _check=True), dict(name="t", state="absent"),
                   dict(name="t", state="absent")],
    "cfd_tunnel_config": [dict(name="t", ingress=[APP], _check=True), dict(name="t", ingress=[APP], state="absent")],
    "cfd_tunnel_info": [dict(), dict(name="t", include_connections=True)],
    "hostname_route": [dict(hostname="wiki.corp.internal", tunnel="w"), dict(hostname="wiki.corp.internal", state="absent")],
    "hostname_route_info": [dict()],
    "tunnel_route": [dict(network="10.0.0.0/24", tunnel="w"), dict(network="10.0.0.0/24", state="absent")],
    "tunnel_route_info": [dict(), dict(ip="10.9.9.9")],
    "tunnel_token": [dict(name="w")],
    "virtual_network": [dict(name="v"), dict(name="v", state="absent", _check=True), dict(name="v", state="absent"),
                        dict(name="v", state="absent")],
    "virtual_network_info": [dict()],
    "warp_connector": [dict(name="c"), dict(name="c", state="absent"), dict(name="c", state="absent")],
    "warp_connector_info": [dict()],
}


def list_keys(module):
    returned = yaml.safe_load(module.RETURN) or {}
    return dict((key, doc) for key, doc in returned.items() if doc.get("type") == "list")


def test_every_module_has_runs():
    assert sorted(RUNS) == MODULES


@pytest.mark.parametrize("name", MODULES)
def test_list_valued_return_keys_are_documented_as_always_returned(name):
    module = importlib.import_module("%s.%s" % (modules.__name__, name))
    assert dict((key, doc["returned"]) for key, doc in list_keys(module).items() if doc["returned"] != "always") == {}


@pytest.mark.parametrize("name", MODULES)
def test_list_valued_return_keys_are_in_every_result(run_module, api, emulator, name):
    module = importlib.import_module("%s.%s" % (modules.__name__, name))
    api.post("/accounts/%s/cfd_tunnel" % emulator.account_id, {"name": "w", "config_src": "cloudflare"})
    keys = sorted(list_keys(module))
    for args in RUNS[name]:
        args = dict(args)
        result = run_module(module, args, check_mode=args.pop("_check", False))
        assert result.get("failed") is not True, result.get("msg")
        assert dict((key, result.get(key)) for key in keys if not isinstance(result.get(key), list)) == {}, args
