"""edgeops.cloudflare.virtual_network_info in-process, over real HTTP against the emulator."""

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.modules import virtual_network_info

FIELDS = {"id", "name", "comment", "is_default_network", "created_at", "deleted_at"}


@pytest.fixture
def world(api, emulator, run_module):
    """default, staging (commented), lab and gone (deleted); the log cleared."""
    path = "/accounts/%s/teamnet/virtual_networks" % emulator.account_id
    made = dict((v["name"], v) for v in api.paginate(path, {}))
    made["staging"] = api.post(path, {"name": "staging", "comment": "VPC"})
    made["lab"] = api.post(path, {"name": "lab"})
    made["gone"] = api.post(path, {"name": "gone"})
    api.delete("%s/%s" % (path, made["gone"]["id"]))
    run_module.clear()
    return made


def names(result):
    return [v["name"] for v in result["virtual_networks"]]


def test_lists_live_networks_in_one_request(run_module, emulator, world):
    result = run_module(virtual_network_info, dict())
    assert result["changed"] is False
    assert names(result) == ["default", "staging", "lab"]
    assert all(set(v) == FIELDS for v in result["virtual_networks"])
    assert result["virtual_networks"][1]["comment"] == "VPC"
    log = run_module.requests()
    assert len(log) == 1 and log[0]["path"].endswith("/teamnet/virtual_networks")
    assert log[0]["query"]["is_deleted"] == "false"


@pytest.mark.parametrize("args, query, expected", [
    (dict(name="lab"), {"name": "lab"}, ["lab"]),
    (dict(is_default_network=True), {"is_default_network": "true"}, ["default"]),
    (dict(is_default_network=False), {"is_default_network": "false"}, ["staging", "lab"]),
    (dict(is_deleted=True), {"is_deleted": "true"}, ["gone"]),
    (dict(name="nothing"), {"name": "nothing"}, []),
])
def test_filters_are_sent_to_the_api(run_module, world, args, query, expected):
    result = run_module(virtual_network_info, args, check_mode=True)
    assert result["changed"] is False and names(result) == expected
    log = run_module.requests()
    assert len(log) == 1
    for key, value in query.items():
        assert log[0]["query"][key] == value


def test_one_by_id(run_module, world):
    result = run_module(virtual_network_info, dict(id=world["staging"]["id"]))
    assert names(result) == ["staging"]
    assert run_module.requests()[0]["query"]["id"] == world["staging"]["id"]


@pytest.mark.parametrize("args, start", [
    (dict(id="nope"), "id must be a UUID"),
    (dict(name=" "), "name must not be empty"),
])
def test_bad_input_fails_before_any_request(run_module, args, start):
    result = run_module(virtual_network_info, args)
    assert result["failed"] is True and result["msg"].startswith(start)
    assert run_module.requests() == []
