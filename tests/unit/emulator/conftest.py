"""Helpers for the emulator's own tests: a thin requests wrapper that asserts on envelopes."""

import pytest
import requests


class Api:
    def __init__(self, emulator):
        self.emu = emulator
        self.session = requests.Session()

    def call(self, method, path, token=None, headers=None, **kwargs):
        hdrs = dict(headers) if headers is not None else self.emu.headers(token)
        return self.session.request(method, self.emu.url(path), headers=hdrs, timeout=10, **kwargs)

    def ok(self, method, path, **kwargs):
        resp = self.call(method, path, **kwargs)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["success"] is True and body["errors"] == [] and body["messages"] == []
        return body["result"]

    def fail(self, method, path, status, code, **kwargs):
        resp = self.call(method, path, **kwargs)
        assert resp.status_code == status, resp.text
        body = resp.json()
        assert body["success"] is False and body["result"] is None and body["messages"] == []
        assert [e["code"] for e in body["errors"]] == [code], body
        return body

    def listing(self, path, **params):
        resp = self.call("GET", path, params=params)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        return body["result"], body["result_info"]

    def create_tunnel(self, name="tun", **body):
        body["name"] = name
        return self.ok("POST", "/accounts/{account}/cfd_tunnel", json=body)

    def connect(self, token, **kwargs):
        return self.emu.control.register_connector(token, **kwargs)


@pytest.fixture
def api(emulator):
    return Api(emulator)


@pytest.fixture
def default_settings():
    """The run-time settings of a fresh emulator: the current API's behaviour and documented limits."""
    return {"tunnel_delete_routes": "cascade", "rate_limit": None, "cfd_tunnel_limit": 1000,
            "warp_connector_limit": 10, "route_limit": 1000, "per_page_over_max": "reject"}
