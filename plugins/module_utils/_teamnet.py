# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private-network paths and forms shared by the route declarations and the tunnel teardown.

The stored form of private hostnames, and the removal of a tunnel's routes (CIDR and hostname),
planned as a Step before the tunnel is deleted.
"""

from __future__ import annotations

from ._common import hostname
from ._resource import Collection, Step, live_objects

ROUTES_PATH = "/accounts/{account_id}/teamnet/routes"
HOSTNAME_ROUTES_PATH = "/accounts/{account_id}/zerotrust/routes/hostname"
VIRTUAL_NETWORKS_PATH = "/accounts/{account_id}/teamnet/virtual_networks"
MAX_PRIVATE_HOSTNAME = 254  # "under 255 characters" (hostname route docs)


def private_hostname(value, option):
    """A private hostname as Cloudflare stores it: normalised, and ``*.x`` as ``x`` (a wildcard
    route also covers its apex)."""
    normal = hostname(value, option, limit=MAX_PRIVATE_HOSTNAME)
    return normal[2:] if normal.startswith("*.") else normal


def routes_removal(client, account_id, tunnel_id):
    """A Step that removes every live CIDR and hostname route of a tunnel."""
    found = []
    for template, kind in ((ROUTES_PATH, "network"), (HOSTNAME_ROUTES_PATH, "hostname")):
        collection = template.format(account_id=account_id)
        routes = live_objects(client, client.loop_reads, collection, {"tunnel_id": tunnel_id, "is_deleted": "false"},
                              lambda route: route.get("tunnel_id") == tunnel_id and not route.get("deleted_at"),
                              Collection.live_filter, unique=False)
        for route in routes:
            item = {"id": route["id"], "kind": kind, kind: route.get(kind)}
            if kind == "network":
                item["virtual_network_id"] = route.get("virtual_network_id")
            found.append((collection, item))

    def apply():
        for collection, item in found:
            client.delete("%s/%s" % (collection, item["id"]), missing_ok=True)  # a CIDR route may have gone with its tunnel
            if client.loop_reads is not None:
                client.loop_reads.deleted(client, collection, item["id"])

    lines = sorted("%s %s" % (item["kind"], item[item["kind"]]) for _collection, item in found)
    return Step("routes_removed", [item for _collection, item in found], apply,
                diff=({"routes": lines}, {"routes": []}) if found else None)
