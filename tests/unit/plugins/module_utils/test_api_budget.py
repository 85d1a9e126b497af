"""Pacing from the API's rate-limit headers, over real HTTP against the emulator with its request budget on.

The injected sleep lets the emulator's budget clock advance by the time slept, so a wait for the
window to reset really finds a fresh window and nothing in the test waits.
"""

from __future__ import annotations

import pytest
import requests

from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import (
    NOTICE_AFTER,
    CloudflareClient,
    CloudflareError,
    RequestBudget,
    parse_limit_items,
)


@pytest.fixture
def sleeps(emulator):
    """Sleeps recorded, each one passing that much time on the emulator's budget clock (when it is on)."""
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        if emulator.control.settings()["rate_limit"]:
            emulator.control.advance_ratelimit(seconds)
    sleep.slept = slept
    return sleep


def client(emulator, sleeps, **kwargs):
    return CloudflareClient(emulator.base_url, api_token=emulator.write_token, sleep=sleeps, **kwargs)


def tunnels(emulator):
    return "/accounts/%s/cfd_tunnel" % emulator.account_id


def statuses(emulator):
    return [entry["status"] for entry in emulator.control.requests()]


def spend(emulator, count):
    """Requests by another tool with the same token: the budget is the user's, not the process's."""
    for dummy in range(count):
        requests.get(emulator.base_url + tunnels(emulator), headers=emulator.headers(), timeout=5)


# -- the headers ------------------------------------------------------------------------------


@pytest.mark.parametrize("value, items", [
    ('"default";r=50;t=30', {"default": {"r": 50, "t": 30}}),
    ('"default";r=0;t=1, "burst";r=9;t=60', {"default": {"r": 0, "t": 1}, "burst": {"r": 9, "t": 60}}),
    ('default ; r=5 ; t=7', {"default": {"r": 5, "t": 7}}),
    ('"default";t=30;r=50;x=y', {"default": {"r": 50, "t": 30}}),
    ('"default";r=-1;t=30', {}),
    ('"default";r=1.5;t=30', {}),
    ('"default";r=5', {}),
    ('"default";r=5;t=', {}),
    ('"default";r=5;t=30;flag', {}),
    ('"default" r=5 t=30', {}),
    ('r=5;t=30', {}),
    ('garbage, "ok";r=1;t=2', {"ok": {"r": 1, "t": 2}}),
    ('', {}),
    (None, {}),
])
def test_ratelimit_header_parsing(value, items):
    assert parse_limit_items(value, ("r", "t")) == items


def test_policy_header_parsing():
    assert parse_limit_items('"default";q=1200;w=300', ("q", "w")) == {"default": {"q": 1200, "w": 300}}
    assert parse_limit_items('"default";q=many;w=300', ("q", "w")) == {}


class FakeClock(object):
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize("headers", [
    {},
    {"Ratelimit": "nonsense", "Ratelimit-Policy": '"default";q=120;w=30'},
    {"Ratelimit": '"default";r=many;t=30', "Ratelimit-Policy": '"default";q=120;w=30'},
    {"Ratelimit": '"default";r=12', "Ratelimit-Policy": '"default";q=120;w=30'},
    {"Ratelimit-Policy": '"default";q=120;w=30'},
])
def test_malformed_or_absent_headers_never_wait(headers):
    budget = RequestBudget(10, clock=FakeClock())
    budget.learn(headers)
    assert budget.wait() is None


def test_the_reserve_decides_and_the_wait_counts_down():
    clock = FakeClock()
    budget = RequestBudget(10, clock=clock)
    budget.learn({"Ratelimit": '"default";r=13;t=30', "Ratelimit-Policy": '"default";q=120;w=30'})
    assert budget.wait() is None  # 13 left > reserve 12
    budget.learn({"Ratelimit": '"default";r=12;t=30', "Ratelimit-Policy": '"default";q=120;w=30'})
    clock.now += 10
    assert budget.wait() == (20.0, {"r": 12, "t": 30, "q": 120, "w": 30})
    clock.now += 20
    assert budget.wait() is None  # the window has reset meanwhile
    # without a policy the quota is unknown: the client waits only when nothing is left
    budget.learn({"Ratelimit": '"default";r=1;t=30'})
    assert budget.wait() is None
    budget.learn({"Ratelimit": '"default";r=0;t=30'})
    assert budget.wait()[0] == 30.0
    # the most restrictive of several limits wins
    budget.learn({"Ratelimit": '"default";r=100;t=200, "burst";r=0;t=5',
                  "Ratelimit-Policy": '"default";q=120;w=300, "burst";q=10;w=10'})
    assert budget.wait()[0] == 5.0


# -- against the emulator ---------------------------------------------------------------------


def test_without_the_headers_nothing_changes(emulator, sleeps):
    api = client(emulator, sleeps)
    for dummy in range(30):
        api.get(tunnels(emulator))
    assert sleeps.slept == [] and api.notices == [] and api.request_count == 30


def test_the_reserve_is_never_spent(emulator, sleeps):
    emulator.control.rate_limit(20, 30)
    left_when_waiting = []
    api = client(emulator, lambda seconds: (left_when_waiting.append(emulator.control.ratelimit()["remaining"]),
                                            sleeps(seconds)))
    for dummy in range(25):
        api.get(tunnels(emulator))
    # 10% of 20 is 2: after 18 requests the client waits for the window to reset, then goes on
    assert left_when_waiting == [2] and len(sleeps.slept) == 1 and 29 < sleeps.slept[0] <= 30
    assert statuses(emulator) == [200] * 25 and api.request_count == 25
    assert emulator.control.ratelimit()["remaining"] == 20 - 7
    assert len(api.notices) == 1
    assert api.notices[0].startswith("Waited 30s for Cloudflare's API rate limit: only 2 requests of 20 per 30s were left, "
                                     "the reserve that rate_limit_reserve (10%) keeps for other clients and retries.")


def test_the_reserve_holds_across_clients_sharing_a_token(emulator, sleeps):
    emulator.control.rate_limit(20, 30)
    forks = [client(emulator, sleeps) for dummy in range(2)]
    for index in range(60):
        forks[index % 2].get(tunnels(emulator))
    assert set(statuses(emulator)) == {200}  # never the 429 that blocks everyone
    assert len(sleeps.slept) >= 2 and all(0 < s <= 30 for s in sleeps.slept)


def test_reserve_zero_spends_the_whole_quota(emulator, sleeps):
    emulator.control.rate_limit(5, 30)
    api = client(emulator, sleeps, rate_limit_reserve=0)
    for dummy in range(6):
        api.get(tunnels(emulator))
    assert len(sleeps.slept) == 1 and statuses(emulator) == [200] * 6


def test_a_429_waits_its_retry_after_then_succeeds(emulator, sleeps):
    emulator.control.rate_limit(5, 30)
    spend(emulator, 5)  # another tool used the budget up; this client has seen no header yet
    api = client(emulator, sleeps)
    assert api.get(tunnels(emulator)) == []
    assert sleeps.slept == [30.0]
    assert statuses(emulator) == [200] * 5 + [429, 200]
    assert api.notices == ["Waited 30s for Cloudflare's API rate limit: the API answered 429, its request budget was "
                           "used up. Every client of the same user or token (other forks, hosts and tools, the "
                           "dashboard) spends that budget."]


def test_a_retry_after_beyond_retry_max_wait_fails_at_once(emulator, sleeps):
    emulator.control.rate_limit(5, 300)
    spend(emulator, 5)
    api = client(emulator, sleeps, retry_max_wait=60)
    with pytest.raises(CloudflareError) as info:
        api.get(tunnels(emulator))
    assert info.value.status == 429 and info.value.codes == [971]
    assert str(info.value).endswith("Please wait and consider throttling your request speed. "
                                    "Rate limited: Retry-After of 300s exceeds retry_max_wait (60s)")
    assert sleeps.slept == [] and statuses(emulator)[-1] == 429


def test_a_pacing_wait_beyond_retry_max_wait(emulator, sleeps):
    emulator.control.rate_limit(10, 300)
    api = client(emulator, sleeps, retry_max_wait=60, rate_limit_reserve=20)
    for dummy in range(10):  # the reserve (2) is spent rather than wait 300 s
        api.get(tunnels(emulator))
    assert sleeps.slept == [] and statuses(emulator) == [200] * 10
    with pytest.raises(CloudflareError) as info:  # nothing left: sending would block the account
        api.get(tunnels(emulator))
    assert "the API's request budget is used up for another 300s, longer than retry_max_wait (60s)" in str(info.value)
    assert len(statuses(emulator)) == 10  # not sent


def test_short_waits_are_not_reported(emulator, sleeps):
    emulator.control.rate_limit(5, 30)
    api = client(emulator, sleeps, rate_limit_reserve=0)
    for dummy in range(4):
        api.get(tunnels(emulator))
    emulator.control.advance_ratelimit(30 - NOTICE_AFTER + 1)
    api.get(tunnels(emulator))  # the last request of the window: t=4
    api.get(tunnels(emulator))
    assert len(sleeps.slept) == 1 and sleeps.slept[0] < NOTICE_AFTER and api.notices == []


def test_pages_and_creates_are_paced_too(emulator, sleeps):
    emulator.control.rate_limit(10, 30)
    api = client(emulator, sleeps, rate_limit_reserve=50)
    for index in range(5):
        api.post(tunnels(emulator), {"name": "t%d" % index})
    assert len(sleeps.slept) == 0
    names = [t["name"] for t in api.paginate(tunnels(emulator), per_page=1)]
    assert names == ["t%d" % i for i in range(5)]
    assert len(sleeps.slept) == 1 and set(statuses(emulator)) == {200}
