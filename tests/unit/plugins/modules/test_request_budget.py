"""The requests each task spends: the table of the "Large accounts" guide, measured.

Every row of the table in docs/docsite/rst/guide_large-accounts.rst names a module and a task; here
each row has a scenario that runs that task for three objects, the way the action plugin runs a
loop's items (run_task) over real HTTP against the emulator. ``requests`` is what the first object
costs alone (a task without a loop, or any item on the module path); ``a further item`` is what the
third object costs as a later item of an in-process loop, after the second took the listings they
share (``_loop.LoopReads``). A row without a scenario, or a scenario without a row, fails.
"""

from __future__ import annotations

import base64
import os
import re

import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._loop import LoopReads
from ansible_collections.edgeops.cloudflare.plugins.modules import (cfd_tunnel, cfd_tunnel_config, cfd_tunnel_info, hostname_route,
                                                                    tunnel_route, tunnel_token, virtual_network, warp_connector)
from ansible_collections.edgeops.cloudflare.plugins.plugin_utils._inprocess import plain, run_task

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
GUIDE = os.path.join(COLLECTION, "docs", "docsite", "rst", "guide_large-accounts.rst")
SECRET = base64.b64encode(b"budget-table-secret-0123456789ab").decode()
MANY = 100


def guide_table():
    """{(module, task): (requests, a further item)} from the guide's simple table headed "module  task ..."."""
    with open(GUIDE, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    header = next(n for n, line in enumerate(lines) if line.split()[:2] == ["module", "task"])
    starts = [match.start() for match in re.finditer(r"=+", lines[header - 1])]
    rows = {}
    for line in lines[header + 2:]:
        if line.startswith("="):
            break
        cells = [line[start:end].strip().replace("``", "") for start, end in zip(starts, starts[1:] + [None])]
        rows[(cells[0], cells[1])] = (int(cells[2]), int(cells[3]))
    return rows


def path(emulator, what):
    return "/accounts/%s/%s" % (emulator.account_id, what)


def hostnames(n, count=1):
    return [{"hostname": "h%d-%03d.example.com" % (n, i), "service": "http://localhost:8080"} for i in range(count)]


class World(object):
    """What the scenarios arrange through the API (the emulator's state is fresh for each test)."""

    def __init__(self, api, emulator, run_module):
        self.api, self.emulator, self.run_module = api, emulator, run_module

    def tunnels(self, **body):
        return [self.api.post(path(self.emulator, "cfd_tunnel"), dict(body, name="t-%d" % n)) for n in range(3)]

    def warps(self):
        return [self.api.post(path(self.emulator, "warp_connector"), {"name": "t-%d" % n}) for n in range(3)]

    def vnets(self):
        return [self.api.post(path(self.emulator, "teamnet/virtual_networks"), {"name": "t-%d" % n}) for n in range(3)]

    def routes(self):
        for n, tunnel in enumerate(self.tunnels()):
            self.api.post(path(self.emulator, "teamnet/routes"), {"network": "10.%d.0.0/16" % n, "tunnel_id": tunnel["id"]})

    def hostname_routes(self):
        for n, tunnel in enumerate(self.tunnels()):
            self.api.post(path(self.emulator, "zerotrust/routes/hostname"),
                          {"hostname": "t-%d.corp.internal" % n, "tunnel_id": tunnel["id"]})

    def records(self):
        zone = self.api.get("/zones", {"name": "example.com"})[0]
        for n, tunnel in enumerate(self.tunnels()):
            self.api.post("/zones/%s/dns_records" % zone["id"], {"type": "CNAME", "name": "t-%d" % n,
                                                                 "content": "%s.cfargotunnel.com" % tunnel["id"], "proxied": True})

    def published(self, count):
        self.tunnels(config_src="cloudflare")
        for n in range(3):
            args = dict(self.run_module.auth(), name="t-%d" % n, dns=True, ingress=hostnames(n, count))
            assert run_task(cfd_tunnel_config.TASK, "cfd_tunnel_config", plain(args))["changed"] is True


# (module, task) -> (module, arrange(world), args of object n)
SCENARIOS = {
    ("cfd_tunnel", "create"): (cfd_tunnel, None, lambda n: dict(name="t-%d" % n)),
    ("cfd_tunnel", "no change"): (cfd_tunnel, World.tunnels, lambda n: dict(name="t-%d" % n)),
    ("cfd_tunnel", "rotate the secret (update_secret: always)"): (
        cfd_tunnel, World.tunnels, lambda n: dict(name="t-%d" % n, update_secret="always")),
    ("cfd_tunnel", "delete"): (cfd_tunnel, World.tunnels, lambda n: dict(name="t-%d" % n, state="absent")),
    ("cfd_tunnel", "delete with delete_routes (one CIDR route)"): (
        cfd_tunnel, World.routes, lambda n: dict(name="t-%d" % n, state="absent", delete_routes=True)),
    ("cfd_tunnel", "delete with delete_dns_records (one record, two zones)"): (
        cfd_tunnel, World.records, lambda n: dict(name="t-%d" % n, state="absent", delete_dns_records=True)),
    ("warp_connector", "create with tunnel_secret"): (warp_connector, None, lambda n: dict(name="t-%d" % n, tunnel_secret=SECRET)),
    ("warp_connector", "no change"): (warp_connector, World.warps, lambda n: dict(name="t-%d" % n)),
    ("tunnel_token", "fetch by name"): (tunnel_token, World.tunnels, lambda n: dict(name="t-%d" % n)),
    ("cfd_tunnel_config", "publish 1 new hostname with dns"): (
        cfd_tunnel_config, lambda world: world.tunnels(config_src="cloudflare"),
        lambda n: dict(name="t-%d" % n, dns=True, ingress=hostnames(n))),
    ("cfd_tunnel_config", "no change, 1 hostname with dns"): (
        cfd_tunnel_config, lambda world: world.published(1), lambda n: dict(name="t-%d" % n, dns=True, ingress=hostnames(n))),
    ("cfd_tunnel_config", "publish %d new hostnames of one zone with dns" % MANY): (
        cfd_tunnel_config, lambda world: world.tunnels(config_src="cloudflare"),
        lambda n: dict(name="t-%d" % n, dns=True, ingress=hostnames(n, MANY))),
    ("cfd_tunnel_config", "no change, %d hostnames of one zone with dns" % MANY): (
        cfd_tunnel_config, lambda world: world.published(MANY), lambda n: dict(name="t-%d" % n, dns=True, ingress=hostnames(n, MANY))),
    ("tunnel_route", "create in the default virtual network"): (
        tunnel_route, World.tunnels, lambda n: dict(network="10.%d.0.0/16" % n, tunnel="t-%d" % n)),
    ("tunnel_route", "no change"): (tunnel_route, World.routes, lambda n: dict(network="10.%d.0.0/16" % n, tunnel="t-%d" % n)),
    ("tunnel_route", "delete"): (tunnel_route, World.routes, lambda n: dict(network="10.%d.0.0/16" % n, state="absent")),
    ("hostname_route", "create"): (hostname_route, World.tunnels, lambda n: dict(hostname="t-%d.corp.internal" % n, tunnel="t-%d" % n)),
    ("hostname_route", "no change"): (
        hostname_route, World.hostname_routes, lambda n: dict(hostname="t-%d.corp.internal" % n, tunnel="t-%d" % n)),
    ("virtual_network", "create"): (virtual_network, None, lambda n: dict(name="t-%d" % n)),
    ("virtual_network", "no change"): (virtual_network, World.vnets, lambda n: dict(name="t-%d" % n)),
    ("cfd_tunnel_info", "list (up to 1,000 tunnels)"): (cfd_tunnel_info, World.tunnels, lambda n: dict(include_prefix="t-")),
    ("cfd_tunnel_info", "list 3 tunnels with include_connections"): (
        cfd_tunnel_info, World.tunnels, lambda n: dict(include_prefix="t-", include_connections=True)),
}


def test_every_row_of_the_table_is_measured():
    assert sorted(guide_table()) == sorted(SCENARIOS)


@pytest.mark.parametrize("row", sorted(SCENARIOS), ids=lambda row: "%s: %s" % row)
def test_requests_per_task(run_module, api, emulator, row):
    module, arrange, args = SCENARIOS[row]
    if arrange:
        arrange(World(api, emulator, run_module))
    counts = []
    reads = LoopReads()
    for n, shared in ((0, None), (1, reads), (2, reads)):
        run_module.clear()
        result = run_task(module.TASK, module.__name__, plain(dict(run_module.auth(), **args(n))), loop_reads=shared)
        assert not result.get("failed"), result
        counts.append(len(run_module.requests()))
    assert (counts[0], counts[2]) == guide_table()[row]
