"""Input is parsed once, at the edge: checked in the form it is sent, every documented limit before
the first request, check mode answering as the real run does, and no check() touching its input."""

from __future__ import annotations

import base64
import copy

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.edgeops.cloudflare.plugins.module_utils import _resource, _routes, _tunnels
from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import CloudflareClient
from ansible_collections.edgeops.cloudflare.plugins.modules import (
    cfd_tunnel,
    cfd_tunnel_config,
    cfd_tunnel_info,
    hostname_route,
    hostname_route_info,
    tunnel_route,
    tunnel_route_info,
    tunnel_token,
    virtual_network,
    virtual_network_info,
    warp_connector,
    warp_connector_info,
)

SECRET = base64.b64encode(b"s" * 32).decode()

BAD = [
    (tunnel_route, dict(network="fe80::%eth0/64", tunnel="web"), "network must be an IPv4 or IPv6 network in CIDR form"),
    (tunnel_route, dict(network="fe80::1%eth0", tunnel="web"), "(without a zone id)"),
    (tunnel_route_info, dict(network_subset="fe80::%eth0/64"), "network_subset must be an IPv4 or IPv6 network"),
    (tunnel_route_info, dict(ip="fe80::1%eth0"), "ip must be one IPv4 or IPv6 address like 10.0.0.1 (no prefix length, no zone id)"),
    (tunnel_route_info, dict(route_id=""), "route_id must be a UUID"),
    (tunnel_route_info, dict(route_id=" "), "route_id must be a UUID"),
    (hostname_route_info, dict(id=""), "id must be a UUID"),
    (virtual_network, dict(name="n" * 257), "name is 257 characters long; the API takes at most 256."),
    (virtual_network, dict(name="office", comment="c" * 300), "comment is 300 characters long; the API takes at most 256."),
    (cfd_tunnel_info, dict(connector_id=""), "connector_id must be a UUID"),
    (cfd_tunnel_info, dict(name="web", wait_for=dict(connector_id="nope", connectors=1)), "wait_for.connector_id must be a UUID"),
]


@pytest.mark.parametrize("check_mode", [False, True], ids=["real", "check"])
@pytest.mark.parametrize("module, args, message", BAD, ids=[m for _mod, _args, m in BAD])
def test_bad_input_fails_naming_the_option_before_any_request(run_module, module, args, message, check_mode):
    result = run_module(module, args, check_mode=check_mode)
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert run_module.requests() == []


def test_the_longest_documented_virtual_network_name_and_comment_are_sent(run_module):
    result = run_module(virtual_network, dict(name="n" * 256, comment="c" * 256))
    assert result["changed"] is True and result["virtual_network"]["name"] == "n" * 256


def test_an_address_is_sent_as_it_was_checked(run_module, api, emulator):
    tunnel = api.post("/accounts/%s/cfd_tunnel" % emulator.account_id, {"name": "web"})
    route = api.post("/accounts/%s/teamnet/routes" % emulator.account_id, {"network": "10.0.0.0/24", "tunnel_id": tunnel["id"]})
    run_module.clear()
    result = run_module(tunnel_route_info, dict(ip=" 10.0.0.1 "))
    assert [r["id"] for r in result["routes"]] == [route["id"]], result.get("msg")
    assert run_module.requests()[0]["path"].endswith("/teamnet/routes/ip/10.0.0.1")


def test_an_ipv6_network_is_compared_and_sent_in_the_stored_form(run_module, api, emulator):
    api.post("/accounts/%s/cfd_tunnel" % emulator.account_id, {"name": "web"})
    run_module.clear()
    created = run_module(tunnel_route, dict(network="2001:DB8:0::/48", tunnel="web"))
    assert created["route"]["network"] == "2001:db8::/48"
    assert run_module.writes()[0]["body"]["network"] == "2001:db8::/48"


# ---- tunnel_token dest: what cannot be written fails before the token is fetched ---------------

@pytest.mark.parametrize("check_mode", [False, True], ids=["real", "check"])
@pytest.mark.parametrize("where, message", [
    ("missing/web.token", "its folder %(tmp)s/missing does not exist"),
    ("", "dest %(tmp)s is a folder"),
    ("afile/web.token", "its folder %(tmp)s/afile is not a folder"),
])
def test_dest_that_cannot_be_written_fails_before_any_request(run_module, api, emulator, tmp_path, where, message, check_mode):
    api.post("/accounts/%s/cfd_tunnel" % emulator.account_id, {"name": "web"})
    (tmp_path / "afile").write_text("not a folder")
    run_module.clear()
    dest = str(tmp_path / where) if where else str(tmp_path)
    result = run_module(tunnel_token, dict(name="web", dest=dest), check_mode=check_mode)
    assert result["failed"] is True and message % {"tmp": tmp_path} in result["msg"], result["msg"]
    assert run_module.requests() == []


# ---- check() returns the canonical parameters and never touches its input --------------------

VALID = [
    (cfd_tunnel, dict(name="web", tunnel_secret=SECRET)),
    (cfd_tunnel_config, dict(name="web", dns=True, dns_overwrite=True, ingress=[
        {"hostname": " App.Example.com. ", "path": "", "service": " http://localhost:8080 "}])),
    (cfd_tunnel_info, dict(name="web", wait_for=dict(connector_id="3F6C1A2E-0B1D-4C5E-9F7A-8B9C0D1E2F3A"))),
    (hostname_route, dict(hostname="*.Corp.Internal.", tunnel="web")),
    (hostname_route_info, dict(hostname="Wiki.Corp.Internal")),
    (tunnel_route, dict(network=" 10.1.2.3/16 ", tunnel="web")),
    (tunnel_route_info, dict(ip=" 10.0.0.1")),
    (tunnel_token, dict(name="web")),
    (virtual_network, dict(name="office")),
    (virtual_network_info, dict(id="3F6C1A2E-0B1D-4C5E-9F7A-8B9C0D1E2F3A")),
    (warp_connector, dict(name="office", tunnel_secret=SECRET)),
    (warp_connector_info, dict(name="office")),
]
CANONICAL = {
    "cfd_tunnel_config": lambda p: (p["dns_overwrite"], p["ingress"][0]["hostname"], p["ingress"][0]["path"],
                                    p["ingress"][0]["service"]) == ("always", "app.example.com", None, "http://localhost:8080"),
    "cfd_tunnel_info": lambda p: p["wait_for"]["connector_id"] == "3f6c1a2e-0b1d-4c5e-9f7a-8b9c0d1e2f3a",
    "hostname_route": lambda p: p["hostname"] == "corp.internal",
    "hostname_route_info": lambda p: p["hostname"] == "wiki.corp.internal",
    "tunnel_route": lambda p: p["network"] == "10.1.0.0/16" and p.notes == ["network 10.1.2.3/16 has host bits set; the route is 10.1.0.0/16."],
    "tunnel_route_info": lambda p: p["ip"] == "10.0.0.1",
    "virtual_network_info": lambda p: p["id"] == "3f6c1a2e-0b1d-4c5e-9f7a-8b9c0d1e2f3a",
}


@pytest.mark.parametrize("module, args", VALID, ids=[m.__name__.rsplit(".", 1)[1] for m, _a in VALID])
def test_check_returns_the_canonical_parameters_and_leaves_its_input_alone(module, args):
    args = dict(args, account_id="a" * 32, api_token="t")
    params = ArgumentSpecValidator(module.TASK.argument_spec, **module.TASK.constraints).validate(args).validated_parameters
    given = copy.deepcopy(params)
    checked = module.TASK.work.check(params)
    assert params == given
    name = module.__name__.rsplit(".", 1)[1]
    assert CANONICAL.get(name, lambda p: p == given)(checked)


# ---- computed once, carried: a create reads the tunnel secret once -----------------------------

class ReadCounting(dict):
    """Task parameters that count how often the tunnel secret is read."""

    reads = 0

    def get(self, key, default=None):
        self.reads += key == "tunnel_secret"
        return super(ReadCounting, self).get(key, default)

    def __getitem__(self, key):
        self.reads += key == "tunnel_secret"
        return super(ReadCounting, self).__getitem__(key)


def test_a_create_reads_the_tunnel_secret_once(emulator):
    client = CloudflareClient(emulator.base_url, api_token=emulator.write_token, sleep=lambda seconds: None)
    params = ReadCounting(_tunnels.CfdTunnel.check(dict(account_id=emulator.account_id, name="web", tunnel_secret=SECRET,
                                                        update_secret="on_create", state="present")))
    result = _tunnels.CfdTunnel(client, params, diff=True).run()
    assert result["changed"] is True and result["diff"]["after"]["tunnel_secret"] == "(hidden, set)"
    sent = emulator.control.requests()
    assert [r["method"] for r in sent] == ["GET", "POST"] and sent[1]["body"]["tunnel_secret"] == "<redacted>"
    assert params.reads == 1


# ---- one declaration of each field's stored form ----------------------------------------------

LISTINGS = [(_tunnels.TunnelListing, _tunnels.CfdTunnel), (_tunnels.WarpConnectorListing, _tunnels.WarpConnector),
            (_routes.VirtualNetworkListing, _routes.VirtualNetwork), (_routes.TunnelRouteListing, _routes.TunnelRoute),
            (_routes.HostnameRouteListing, _routes.HostnameRoute)]
LEGACY = {"id": "3F6C1A2E-0B1D-4C5E-9F7A-8B9C0D1E2F3A", "name": "x", "remote_config": True, "is_default": True,
          "network": "10.0.0.0/255.255.255.0", "hostname": "Wiki.Corp.Internal."}


@pytest.mark.parametrize("listing, collection", LISTINGS, ids=[c.__name__ for _l, c in LISTINGS])
def test_a_listing_shows_its_objects_exactly_as_its_collection_does(listing, collection):
    assert listing.collection is collection
    shown = listing(None, dict(account_id="a" * 32)).view(dict(LEGACY))
    assert shown == collection.stored_view(dict(LEGACY))
    assert shown["id"] == LEGACY["id"].lower()
    assert shown.get("config_src", "cloudflare") == "cloudflare" and shown.get("is_default_network", True) is True
    assert shown.get("network", "10.0.0.0/24") == "10.0.0.0/24"
    assert shown.get("hostname", "wiki.corp.internal") == "wiki.corp.internal"


def test_forms_add_up_over_the_declarations():
    forms = _resource.declared(_routes.TunnelRoute, "forms")
    assert set(forms) >= {"id", "name", "tunnel", "comment", "network", "virtual_network"}


# ---- one hostname normaliser: public, private and DNS names agree ------------------------------

def test_public_and_private_hostnames_are_normalised_alike(run_module, api, emulator):
    api.post("/accounts/%s/cfd_tunnel" % emulator.account_id, {"name": "web", "config_src": "cloudflare"})
    published = run_module(cfd_tunnel_config, dict(name="web", ingress=[{"hostname": " .App.Example.COM. ", "service": "http://localhost:1"}]))
    routed = run_module(hostname_route, dict(hostname=" .App.Example.COM. ", tunnel="web"))
    assert published["hostnames"] == ["app.example.com"], published.get("msg")
    assert routed["hostname_route"]["hostname"] == "app.example.com", routed.get("msg")
