"""A task paced by the API's request budget says so in its warnings; rate_limit_reserve is checked first."""

from __future__ import annotations

import pytest
import requests

from ansible_collections.edgeops.cloudflare.plugins.modules import cfd_tunnel, cfd_tunnel_info
from ansible_collections.edgeops.cloudflare.plugins.plugin_utils import _inprocess

WAITED = ("Waited 30s for Cloudflare's API rate limit: only 2 requests of 20 per 30s were left, the reserve that "
          "rate_limit_reserve (10%) keeps for other clients and retries. Every client of the same user or token "
          "(other forks, hosts and tools, the dashboard) spends that budget.")


def spend(emulator, count):
    """Requests by another client of the same token (a dashboard, another play)."""
    for dummy in range(count):
        requests.get(emulator.url("/accounts/{account}/cfd_tunnel"), headers=emulator.headers(), timeout=5)


def test_a_long_wait_is_a_warning_of_the_task(run_module, emulator, sleeps):
    emulator.control.rate_limit(20, 30)
    spend(emulator, 17)
    result = run_module(cfd_tunnel, dict(name="web"))
    assert result["changed"] is True and result["warnings"] == [WAITED]
    assert len(sleeps) == 1 and 29 < sleeps[0] <= 30
    # the lookup left 2 requests, the reserve: the create waited for the next window
    assert [(r["method"], r["status"]) for r in run_module.requests()][-2:] == [("GET", 200), ("POST", 200)]


def test_the_in_process_path_warns_the_same(run_module, emulator, sleeps):
    emulator.control.rate_limit(20, 30)
    spend(emulator, 17)
    args = dict(run_module.auth(), name="web")
    result = _inprocess.run_task(cfd_tunnel.TASK, "cfd_tunnel", _inprocess.plain(args), False, False, {}, True)
    assert result["changed"] is True and result["warnings"] == [WAITED]


def test_a_failed_task_keeps_the_warning(run_module, emulator, sleeps):
    emulator.control.rate_limit(20, 30)
    spend(emulator, 17)
    emulator.control.fault(action="error_echo", method="POST")
    result = run_module(cfd_tunnel, dict(name="web"))
    assert result["failed"] is True and "Cloudflare API error 1001 (HTTP 400) on POST" in result["msg"]
    assert result["warnings"] == [WAITED]


@pytest.mark.parametrize("reserve", [-1, 100, 250])
def test_rate_limit_reserve_is_checked_before_any_request(run_module, emulator, reserve):
    result = run_module(cfd_tunnel_info, dict(rate_limit_reserve=reserve))
    assert result["failed"] is True
    assert result["msg"] == "rate_limit_reserve must be a percentage from 0 to 99, got %d." % reserve
    assert run_module.requests() == []
