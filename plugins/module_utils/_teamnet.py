# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private-network paths and forms shared by the route declarations and the tunnel teardown.

Normalises networks and private hostnames the way Cloudflare stores them, and plans the removal
of a tunnel's routes (CIDR and hostname) as a Step before the tunnel is deleted.
"""

from __future__ import annotations

import ipaddress
import re

from ._common import ModuleError
from ._resource import Step

ROUTES_PATH = "/accounts/{account_id}/teamnet/routes"
HOSTNAME_ROUTES_PATH = "/accounts/{account_id}/zerotrust/routes/hostname"
VIRTUAL_NETWORKS_PATH = "/accounts/{account_id}/teamnet/virtual_networks"
HOSTNAME_LABEL_RE = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
MAX_HOSTNAME = 254


def parse_network(value, option="network"):
    """An IPv4 or IPv6 CIDR (a bare address is a /32 or /128); host bits are masked."""
    try:
        return ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        raise ModuleError("%s must be an IPv4 or IPv6 network in CIDR form like 10.0.0.0/24 or 2001:db8::/48, got %r."
                          % (option, value))


def canonical_network(value):
    """The form Cloudflare stores: host bits masked, IPv6 compressed and lower-case."""
    return str(parse_network(value))


def host_bits_set(value):
    network = parse_network(value)
    text = str(value).strip()
    address = text.split("/", 1)[0]
    return "/" in text and ipaddress.ip_address(address) != network.network_address


def canonical_hostname(value):
    """A private hostname as Cloudflare stores it: lower-case, outer dots trimmed, and ``*.x`` as ``x``
    (a wildcard route also covers its apex)."""
    name = (value or "").strip().strip(".").lower()
    return name[2:] if name.startswith("*.") else name


def check_hostname(value, option="hostname"):
    """A private hostname: DNS labels, at most one wildcard as the whole leading label, no port."""
    if value is None:
        return
    name = (value or "").strip().strip(".").lower()
    if not name:
        raise ModuleError("%s must not be empty." % option)
    if ":" in name or "/" in name:
        raise ModuleError("%s %r must be a bare hostname, without scheme, port or path." % (option, value))
    labels = name.split(".")
    if labels[0] == "*":
        labels = labels[1:]
    if "*" in ".".join(labels):
        raise ModuleError("%s %r: a wildcard is allowed once, only as the whole leading label (like *.internal.example)."
                          % (option, value))
    if len(name) > MAX_HOSTNAME or not labels or not all(HOSTNAME_LABEL_RE.match(label) for label in labels):
        raise ModuleError("%s %r is not a valid hostname (labels of letters, digits, - and _, under 255 characters)."
                          % (option, value))


def routes_removal(client, account_id, tunnel_id):
    """A Step that removes every live CIDR and hostname route of a tunnel."""
    found = []
    for template, kind in ((ROUTES_PATH, "network"), (HOSTNAME_ROUTES_PATH, "hostname")):
        collection = template.format(account_id=account_id)
        for route in client.paginate(collection, {"tunnel_id": tunnel_id, "is_deleted": "false"}):
            if route.get("tunnel_id") != tunnel_id or route.get("deleted_at"):
                continue
            item = {"id": route["id"], "kind": kind, kind: route.get(kind)}
            if kind == "network":
                item["virtual_network_id"] = route.get("virtual_network_id")
            found.append(("%s/%s" % (collection, route["id"]), item))

    def apply():
        for path, _item in found:
            client.delete(path, missing_ok=True)  # a CIDR route may have gone with its tunnel (404/1015)

    lines = sorted("%s %s" % (item["kind"], item[item["kind"]]) for _path, item in found)
    return Step("routes_removed", [item for _path, item in found], apply,
                diff=({"routes": lines}, {"routes": []}) if found else None)
