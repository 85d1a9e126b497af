"""The resource layer on its own, with a resource no module declares: virtual networks.

Proves the layer is generic (lookup, present, update, absent, check mode, diff) and tests the
parts of it that the tunnel modules only reach indirectly.
"""

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import CloudflareClient
from ansible_collections.edgeops.cloudflare.plugins.module_utils._common import ModuleError
from ansible_collections.edgeops.cloudflare.plugins.module_utils._resource import Collection, wait_until


class VirtualNetwork(Collection):
    noun = "virtual network"
    path = "/accounts/{account_id}/teamnet/virtual_networks"
    result_key = "virtual_network"
    fields = ("id", "name", "comment")
    updatable = ("comment",)


@pytest.fixture
def client(emulator):
    return CloudflareClient(emulator.base_url, api_token=emulator.write_token, sleep=lambda seconds: None)


def declare(client, emulator, check_mode=False, **params):
    params.setdefault("account_id", emulator.account_id)
    params.setdefault("state", "present")
    return VirtualNetwork(client, params, check_mode=check_mode, diff=True)


def writes(emulator):
    return [r for r in emulator.control.requests() if r["method"] != "GET"]


def test_present_creates_then_is_idempotent(client, emulator):
    result = declare(client, emulator, name="office", comment="HQ").run()
    assert result["changed"] is True
    assert result["virtual_network"]["name"] == "office" and result["virtual_network"]["comment"] == "HQ"
    assert result["diff"] == {"before": {}, "after": result["virtual_network"]}
    emulator.control.clear_requests()
    again = declare(client, emulator, name="office", comment="HQ").run()
    assert again["changed"] is False and writes(emulator) == []
    assert again["diff"]["before"] == again["diff"]["after"]


def test_present_updates_only_what_differs(client, emulator):
    created = declare(client, emulator, name="office", comment="HQ").run()["virtual_network"]
    emulator.control.clear_requests()
    result = declare(client, emulator, name="office", comment="Head office").run()
    assert result["changed"] is True
    assert result["diff"]["before"]["comment"] == "HQ" and result["diff"]["after"]["comment"] == "Head office"
    patch = writes(emulator)
    assert [(r["method"], r["body"]) for r in patch] == [("PATCH", {"comment": "Head office"})]
    assert patch[0]["path"].endswith(created["id"])


def test_unset_options_are_left_alone(client, emulator):
    declare(client, emulator, name="office", comment="HQ").run()
    emulator.control.clear_requests()
    result = declare(client, emulator, name="office", comment=None).run()
    assert result["changed"] is False and writes(emulator) == []
    assert result["virtual_network"]["comment"] == "HQ"


def test_check_mode_predicts_create_update_and_delete_without_writing(client, emulator):
    created = declare(client, emulator, check_mode=True, name="office", comment="HQ").run()
    assert created["changed"] is True and created["virtual_network"] == {"id": None, "name": "office", "comment": "HQ"}
    declare(client, emulator, name="office", comment="HQ").run()
    emulator.control.clear_requests()
    updated = declare(client, emulator, check_mode=True, name="office", comment="new").run()
    assert updated["changed"] is True and updated["virtual_network"]["comment"] == "new"
    deleted = declare(client, emulator, check_mode=True, name="office", state="absent").run()
    assert deleted["changed"] is True and deleted["diff"]["after"] == {}
    assert writes(emulator) == []


def test_absent_deletes_once(client, emulator):
    declare(client, emulator, name="office").run()
    result = declare(client, emulator, name="office", state="absent").run()
    assert result["changed"] is True and result["diff"]["before"]["name"] == "office"
    emulator.control.clear_requests()
    again = declare(client, emulator, name="office", state="absent").run()
    assert again["changed"] is False and again["virtual_network"] == {} and writes(emulator) == []


def test_lookup_by_id_and_missing_id(client, emulator):
    created = declare(client, emulator, name="office").run()["virtual_network"]
    found = declare(client, emulator, id=created["id"], name="renamed").run()
    assert found["virtual_network"]["id"] == created["id"]
    with pytest.raises(ModuleError) as info:
        declare(client, emulator, id="3f6c1a2e-0b1d-4c5e-9f7a-8b9c0d1e2f3a").run()
    assert "No virtual network with id 3f6c1a2e" in info.value.msg


def test_wait_until_stops_when_done_or_after_the_timeout():
    class Clock(object):
        def __init__(self):
            self.slept = []

        def sleep(self, seconds):
            self.slept.append(seconds)

    values = iter(range(100))
    clock = Clock()
    value, reached = wait_until(clock, lambda: next(values), lambda v: v >= 3, timeout=10, interval=2)
    assert (value, reached) == (3, True) and clock.slept == [2, 2, 2]
    never = Clock()
    value, reached = wait_until(never, lambda: 0, lambda v: False, timeout=5, interval=2)
    assert reached is False and never.slept == [2, 2, 2]
