"""The resource layer on its own, with a resource no module declares: virtual networks.

Proves the layer is generic (lookup, present, update, absent, check mode, diff) and tests the
parts of it that the tunnel modules only reach indirectly.
"""

from __future__ import annotations

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import CloudflareClient
from ansible_collections.edgeops.cloudflare.plugins.module_utils._common import ModuleError
from ansible_collections.edgeops.cloudflare.plugins.module_utils._resource import Collection, Document, Issued, Listing, wait_until
from ansible_collections.edgeops.cloudflare.plugins.module_utils._tunnels import CfdTunnel


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


# ---- a Listing no module declares: private network routes -----------------------------------
class RouteListing(Listing):
    path = "/accounts/{account_id}/teamnet/routes"
    result_key = "routes"
    filters = (("comment", "comment"), ("network_subset", "network_subset"), ("is_deleted", "is_deleted"))

    def view(self, obj):
        return dict((key, obj.get(key)) for key in ("id", "network", "comment"))

    def enrich(self, items):
        for route in items:
            route["tunnel_name"] = self.client.get("/accounts/%s/cfd_tunnel/%s" % (self.params["account_id"], self.tunnel_id))["name"]
        return items

    tunnel_id = None


def routes(client, emulator, networks):
    tunnel = client.post("/accounts/%s/cfd_tunnel" % emulator.account_id, {"name": "routes-owner"})
    for network, comment in networks:
        client.post("/accounts/%s/teamnet/routes" % emulator.account_id,
                    {"network": network, "tunnel_id": tunnel["id"], "comment": comment})
    RouteListing.tunnel_id = tunnel["id"]
    return tunnel


def test_listing_sends_set_filters_as_the_query_views_and_enriches(client, emulator):
    routes(client, emulator, [("10.1.0.0/24", "office"), ("10.2.0.0/24", "office"), ("192.168.0.0/24", "lab")])
    emulator.control.clear_requests()
    params = dict(account_id=emulator.account_id, comment="office", network_subset="10.0.0.0/8", is_deleted=False)
    result = RouteListing(client, params, check_mode=True, diff=True).run()
    assert result["changed"] is False and "diff" not in result
    assert [r["network"] for r in result["routes"]] == ["10.1.0.0/24", "10.2.0.0/24"]
    assert set(result["routes"][0]) == {"id", "network", "comment", "tunnel_name"}
    assert result["routes"][0]["tunnel_name"] == "routes-owner"
    listed = emulator.control.requests(method="GET", path="/accounts/%s/teamnet/routes" % emulator.account_id)
    assert len(listed) == 1
    assert dict((k, v) for k, v in listed[0]["query"].items() if k not in ("page", "per_page")) == {
        "comment": "office", "network_subset": "10.0.0.0/8", "is_deleted": "false"}
    assert writes(emulator) == []


def test_listing_leaves_unset_filters_out_and_waits_until_reached(client, emulator):
    routes(client, emulator, [("10.1.0.0/24", "office")])

    class Waiting(RouteListing):
        wait_option = "wait_for"

        def reached(self, items):
            return len(items) == 2

        def describe_wait(self, items):
            return "for two routes; saw %d." % len(items)

    emulator.control.clear_requests()
    params = dict(account_id=emulator.account_id, comment=None, network_subset=None, is_deleted=None,
                  wait_for=dict(timeout=1, interval=0.5))
    with pytest.raises(ModuleError) as info:
        Waiting(client, params).run()
    assert info.value.msg == "Timed out after 1s waiting for two routes; saw 1."
    assert len(info.value.extra["routes"]) == 1
    listed = emulator.control.requests(path="/accounts/%s/teamnet/routes" % emulator.account_id)
    assert len(listed) >= 2 and all(set(r["query"]) == {"page", "per_page"} for r in listed)


# ---- a Document no module declares: a tunnel's configuration, taken raw ---------------------
class RawConfig(Document):
    """The configuration document as given: no normalising, no steps."""

    noun = "configuration"
    parent = CfdTunnel
    subpath = "configurations"

    def unwrap(self, result):
        return result.get("config") or {}, result.get("version")

    def wanted(self, stored):
        return {} if self.state == "absent" else self.params["config"]

    def body(self, wanted):
        return {"config": wanted}

    def describe_result(self, owner, stored, wanted, written, version):
        return dict(config=written, version=version)


CONFIG = {"ingress": [{"hostname": "app.example.com", "service": "http://localhost:8080"}, {"service": "http_status:404"}]}


def document(client, emulator, check_mode=False, cls=RawConfig, **params):
    params.setdefault("account_id", emulator.account_id)
    params.setdefault("state", "present")
    params.setdefault("name", "doc-tunnel")
    params.setdefault("config", CONFIG)
    return cls(client, params, check_mode=check_mode, diff=True)


def config_tunnel(client, emulator):
    return client.post("/accounts/%s/cfd_tunnel" % emulator.account_id, {"name": "doc-tunnel", "config_src": "cloudflare"})


def stored_config(emulator, tunnel_id):
    return [t for t in emulator.control.state()["tunnels"] if t["id"] == tunnel_id][0]["configuration"]


def test_document_writes_once_then_is_idempotent_with_diff(client, emulator):
    tunnel = config_tunnel(client, emulator)
    emulator.control.clear_requests()
    result = document(client, emulator).run()
    assert result["changed"] is True and result["version"] == 1 and result["config"] == CONFIG
    assert result["diff"] == {"before": {}, "after": CONFIG}
    assert [r["method"] for r in writes(emulator)] == ["PUT"]
    assert stored_config(emulator, tunnel["id"])["config"] == CONFIG
    emulator.control.clear_requests()
    again = document(client, emulator).run()
    assert again["changed"] is False and again["version"] == 1 and writes(emulator) == []
    assert again["diff"]["before"] == again["diff"]["after"] == CONFIG


def test_document_check_mode_predicts_without_writing(client, emulator):
    tunnel = config_tunnel(client, emulator)
    emulator.control.clear_requests()
    result = document(client, emulator, check_mode=True).run()
    assert result["changed"] is True and result["config"] == CONFIG and result["version"] == 0
    assert result["diff"] == {"before": {}, "after": CONFIG}
    assert writes(emulator) == [] and stored_config(emulator, tunnel["id"])["version"] == 0


def test_document_check_mode_assumes_a_parent_named_but_not_created_yet(client, emulator):
    result = document(client, emulator, check_mode=True).run()
    assert result["changed"] is True and result["assumed_created"] is True
    assert result["warnings"] == ["Check mode: no live tunnel with name 'doc-tunnel' exists yet; "
                                  "assumed an earlier task creates it."]
    assert result["version"] is None and writes(emulator) == []
    assert [r["path"] for r in emulator.control.requests()] == ["/accounts/%s/cfd_tunnel" % emulator.account_id]


def test_document_absent_on_a_missing_parent_is_ok_and_present_fails(client, emulator):
    result = document(client, emulator, state="absent").run()
    assert result == {"changed": False, "config": None, "version": None, "diff": {"before": {}, "after": {}}}
    with pytest.raises(ModuleError) as info:
        document(client, emulator).run()
    assert info.value.msg == "No live tunnel with name 'doc-tunnel' in account %s." % emulator.account_id


def test_document_repeated_put_is_not_a_concurrent_change(client, emulator):
    tunnel = config_tunnel(client, emulator)
    emulator.control.clear_requests()
    emulator.control.fault(action="drop_after", method="PUT")
    result = document(client, emulator).run()
    assert result["changed"] is True and result["version"] == 2 and "warnings" not in result
    assert [r["method"] for r in writes(emulator)] == ["PUT", "PUT"]
    assert stored_config(emulator, tunnel["id"])["version"] == 2


class RacedConfig(RawConfig):
    """Someone else writes the document between this task's read and its write."""

    other = None

    def body(self, wanted):
        path = self.owner.item_path(self.owner_id, self.subpath)
        RacedConfig.other.put(path, {"config": {"ingress": [{"service": "http_status:503"}]}})
        return super(RacedConfig, self).body(wanted)

    def read(self, owner):
        self.owner_id = owner["id"]
        return super(RacedConfig, self).read(owner)


@pytest.mark.parametrize("lost", [False, True], ids=["clean PUT", "repeated PUT"])
def test_document_warns_of_a_version_jump_that_is_not_our_own(client, emulator, lost):
    config_tunnel(client, emulator)
    RacedConfig.other = CloudflareClient(emulator.base_url, api_token=emulator.write_token)
    if lost:
        # The other writer's PUT comes first (let through by a zero latency rule); ours loses its response.
        emulator.control.fault(action="latency", method="PUT", delay=0, count=1)
        emulator.control.fault(action="drop_after", method="PUT", count=1)
    result = document(client, emulator, cls=RacedConfig).run()
    expected = 3 if lost else 2
    assert result["changed"] is True and result["version"] == expected
    assert result["warnings"] == ["The configuration of tunnel doc-tunnel changed while this task ran (version 0 -> %d); "
                                  "a concurrent change may have been overwritten: rerun the other task." % expected]


# ---- objects the API replaces whole, secrets it issues, names resolved in one listing -----------
class Record(Collection):
    """A DNS record: the API's PUT replaces the whole record (what it leaves out is lost)."""

    noun = "record"
    path = "/zones/{zone_id}/dns_records"
    result_key = "record"
    live_filter = {}
    fields = ("id", "name", "type", "content", "proxied")
    create_only = ("type",)
    updatable = ("content",)
    replaces = True
    read_only = ("id", "created_on", "modified_on", "meta", "zone_id", "zone_name", "proxiable", "locked", "settings")


def zone_id(client):
    return [z for z in client.paginate("/zones", per_page=50) if z["name"] == "example.com"][0]["id"]


def test_a_replacing_update_puts_the_stored_object_with_the_changes(client, emulator):
    zone = zone_id(client)
    record = client.post("/zones/%s/dns_records" % zone, {"type": "CNAME", "name": "app.example.com", "content": "a.example.net",
                                                         "proxied": True, "comment": "made elsewhere", "ttl": 1})
    emulator.control.clear_requests()
    params = dict(account_id=emulator.account_id, zone_id=zone, name="app.example.com", type="CNAME",
                  content="b.example.net", state="present")
    result = Record(client, params, diff=True).run()
    assert result["changed"] is True and result["diff"]["after"]["content"] == "b.example.net"
    [put] = writes(emulator)
    assert put["method"] == "PUT" and put["path"].endswith(record["id"])
    assert put["body"]["comment"] == "made elsewhere" and put["body"]["proxied"] is True
    assert put["body"]["content"] == "b.example.net" and not set(put["body"]) & set(Record.read_only)
    assert client.get("/zones/%s/dns_records/%s" % (zone, record["id"]))["comment"] == "made elsewhere"


class Credential(Collection):
    """An Access service token with the layer's default hand-over of the secret it issues (into the result)."""

    noun = "credential"
    path = "/accounts/{account_id}/access/service_tokens"
    result_key = "credential"
    live_filter = {}
    fields = ("id", "name", "client_id")
    per_page = 100
    issued = Issued("client_secret", rotate_option="rotate", rotate_path="rotate")


def credential(client, emulator, check_mode=False, **params):
    params = dict(dict(account_id=emulator.account_id, state="present", rotate=False), **params)
    return Credential(client, params, check_mode=check_mode, diff=True)


def test_an_issued_secret_is_taken_out_of_the_object_and_handed_over_once(client, emulator):
    created = credential(client, emulator, name="ci").run()
    secret = created["client_secret"]
    assert secret and "client_secret" not in created["credential"] and created["diff"]["after"]["client_secret"] == "(hidden, set)"
    assert emulator.control.verify_service_token(created["credential"]["client_id"], secret)["valid"]
    again = credential(client, emulator, name="ci").run()
    assert again["changed"] is False and again["client_secret"] is None
    checked = credential(client, emulator, check_mode=True, name="ci", rotate=True).run()
    assert checked["changed"] is True and checked["client_secret"] is None and checked["secret_rotated"] is True
    rotated = credential(client, emulator, name="ci", rotate=True).run()
    assert rotated["client_secret"] not in (None, secret)
    assert rotated["diff"]["before"]["client_secret"] == "(hidden)" and rotated["diff"]["after"]["client_secret"] == "(hidden, rotated)"
    assert not emulator.control.verify_service_token(created["credential"]["client_id"], secret)["valid"]


class Policy(Collection):
    noun = "policy"
    path = "/accounts/{account_id}/access/policies"
    result_key = "policy"
    live_filter = {}
    per_page = 2


def test_names_are_resolved_in_one_listing_per_kind_with_clear_failures(client, emulator):
    for name in ("a", "b", "b", "c"):
        client.post(Policy.path.format(account_id=emulator.account_id), {"name": name, "decision": "allow", "include": [{"everyone": {}}]})
    emulator.control.clear_requests()
    work = Policy(client, dict(account_id=emulator.account_id, name="x"))
    a_id = work.id_of(Policy, "a", "policies")
    assert work.object_of(Policy, "c", "policies")["name"] == "c"
    assert work.object_of(Policy, a_id, "policies")["name"] == "a"
    # one listing of every policy, in pages of the declared size, for all the names
    assert [(r["query"]["page"], r["query"]["per_page"]) for r in emulator.control.requests()] == [("1", "2"), ("2", "2")]
    with pytest.raises(ModuleError, match=r"policies: more than one policy is named 'b' \(ids: .*\); give the id instead"):
        work.id_of(Policy, "b", "policies")
    with pytest.raises(ModuleError, match=r"policies: no policy named 'z' exists in account"):
        work.id_of(Policy, "z", "policies")
    assert work.id_of(Policy, "00000000-0000-4000-8000-000000000000", "policies") == "00000000-0000-4000-8000-000000000000"
    assert len(emulator.control.requests()) == 2
    checking = Policy(client, dict(account_id=emulator.account_id, name="x"), check_mode=True)
    assert checking.object_of(Policy, "z", "policies") == {"id": None, "name": "z"}
    assert checking.id_of(Policy, "z", "policies") is None
    assert checking.warnings == ["Check mode: policies: no policy named 'z' exists yet; assumed an earlier task creates it."]


def test_paging_follows_a_smaller_per_page_the_server_reports(client, emulator):
    path = Policy.path.format(account_id=emulator.account_id)
    for index in range(105):
        client.post(path, {"name": "p%d" % index, "decision": "allow", "include": [{"everyone": {}}]})
    emulator.control.settings(per_page_over_max="clamp")
    emulator.control.clear_requests()
    assert len(list(client.paginate(path, per_page=500))) == 105
    assert [r["query"]["page"] for r in emulator.control.requests()] == ["1", "2"]


def test_a_delete_answered_with_the_id_only_returns_the_object(client, emulator):
    created = client.post(Policy.path.format(account_id=emulator.account_id), {"name": "old", "decision": "deny",
                                                                              "include": [{"everyone": {}}]})
    gone = Policy(client, dict(account_id=emulator.account_id, name="old", state="absent")).run()
    assert gone["changed"] is True and gone["policy"] == {"id": created["id"], "name": "old"}
