#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cfd_tunnel_info
short_description: List Cloudflare Tunnels with their connectors, or wait until one is healthy
version_added: 0.1.0
description:
  - Lists the cloudflared tunnels of an account with every filter of the API, or tunnels of any type
    with O(tunnel_types).
  - Optionally adds each tunnel's connectors and their connections, or one connector's details.
  - With O(wait_for), polls until the tunnel reaches a status and/or has enough connectors; this is the
    step a play needs right after rolling out cloudflared.
author:
  - edgeops maintainers (@edgeops)
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.info_attributes
  - edgeops.cloudflare.tunnel_filters
options:
  tunnel_types:
    description:
      - List tunnels of these types through the account's all-tunnels endpoint instead of only cloudflared
        tunnels, for example V([cfd_tunnel, warp_connector]).
    type: list
    elements: str
    choices: [cfd_tunnel, warp_connector, ip_sec, gre, cni, warp, magic]
  connector_id:
    description:
      - Add C(connector), the details of this connector (cloudflared instance). Needs a filter that
        matches exactly one tunnel (O(id) or O(name)).
    type: str
  wait_for:
    description:
      - Wait until the one matched tunnel meets every condition given, polling the API. Needs O(id) or
        O(name). On timeout the task fails and reports the last state seen.
    type: dict
    suboptions:
      status:
        description: Statuses that count as reached, for example V([healthy]).
        type: list
        elements: str
        choices: [inactive, degraded, healthy, down]
      connectors:
        description: Least number of connectors with at least one serving connection.
        type: int
      connector_id:
        description: This connector must be among them, with at least one serving connection.
        type: str
      timeout:
        description: Seconds to wait in all.
        type: int
        default: 120
      interval:
        description: Seconds between two polls.
        type: float
        default: 2
seealso:
  - module: edgeops.cloudflare.cfd_tunnel
"""

EXAMPLES = r"""
- name: List all live tunnels whose names start with web-
  edgeops.cloudflare.cfd_tunnel_info:
    include_prefix: web-
  register: web_tunnels

- name: Show one tunnel with its connectors
  edgeops.cloudflare.cfd_tunnel_info:
    name: web-eu-1
    include_connections: true
  register: web

- name: Count the serving connectors
  ansible.builtin.debug:
    msg: "{{ web.tunnels[0].connectors | length }} connectors"

- name: Wait until the tunnel is healthy with two connectors (after starting cloudflared)
  edgeops.cloudflare.cfd_tunnel_info:
    name: web-eu-1
    wait_for:
      status: [healthy]
      connectors: 2
      timeout: 300

- name: List tunnels of every type, deleted ones only
  edgeops.cloudflare.cfd_tunnel_info:
    tunnel_types: [cfd_tunnel, warp_connector]
    is_deleted: true
"""

RETURN = r"""
tunnels:
  description: The matching tunnels (no secrets), in the API's order.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Tunnel UUID.
      type: str
    name:
      description: Tunnel name.
      type: str
    account_tag:
      description: Owning account id.
      type: str
    config_src:
      description: V(local) or V(cloudflare) for cloudflared tunnels; null for other types.
      type: str
    status:
      description: V(inactive), V(healthy), V(degraded) or V(down).
      type: str
    created_at:
      description: Creation time.
      type: str
    deleted_at:
      description: Deletion time or null.
      type: str
    conns_active_at:
      description: Since when the tunnel has had connections, or null.
      type: str
    conns_inactive_at:
      description: Since when it has had none, or null.
      type: str
    tun_type:
      description: Tunnel type.
      type: str
    metadata:
      description: Free-form metadata.
      type: dict
    connectors:
      description:
        - The tunnel's connectors (C(id), C(arch), C(version), C(config_version), C(run_at), C(features)),
          each with C(conns), its connections (C(id), C(colo_name), C(opened_at), C(origin_ip),
          C(client_version), C(is_pending_reconnect)).
      returned: when O(include_connections=true) or O(wait_for) counts connectors
      type: list
      elements: dict
connector:
  description: The connector named by O(connector_id), with its connections.
  returned: when O(connector_id) is set
  type: dict
waited:
  description: Seconds spent waiting.
  returned: when O(wait_for) is set
  type: float
"""

import time

from ansible_collections.edgeops.cloudflare.plugins.module_utils._common import CloudflareModule, ModuleError, check_uuid, run_module
from ansible_collections.edgeops.cloudflare.plugins.module_utils._resource import wait_until
from ansible_collections.edgeops.cloudflare.plugins.module_utils._tunnels import (
    TUNNEL_TYPES,
    CfdTunnel,
    active_connectors,
    add_connectors,
    check_list_filters,
    list_filter_spec,
    list_query,
    tunnel_view,
)


def check_params(params):
    check_list_filters(params)
    check_uuid(params["connector_id"], "connector_id")
    single = params["id"] or params["name"]
    if params["connector_id"] and not single:
        raise ModuleError("connector_id needs id or name to pick the tunnel.")
    wait = params["wait_for"]
    if wait:
        if not single:
            raise ModuleError("wait_for needs id or name to pick the tunnel to wait for.")
        if not (wait["status"] or wait["connectors"] is not None or wait["connector_id"]):
            raise ModuleError("wait_for needs at least one of status, connectors or connector_id.")
        check_uuid(wait["connector_id"], "wait_for.connector_id")
        if wait["timeout"] < 0 or wait["interval"] <= 0 or (wait["connectors"] or 0) < 0:
            raise ModuleError("wait_for.timeout and wait_for.connectors must not be negative, wait_for.interval must be positive.")


class TunnelInfo(object):
    def __init__(self, client, params):
        self.client = client
        self.params = params
        account = params["account_id"]
        self.collection = CfdTunnel.path.format(account_id=account)
        self.query = list_query(params)
        if params["tunnel_types"]:
            self.list_path = "/accounts/%s/tunnels" % account
            self.query["tun_types"] = ",".join(params["tunnel_types"])
        else:
            self.list_path = self.collection

    def tunnels(self, with_connectors):
        tunnels = [tunnel_view(t) for t in self.client.paginate(self.list_path, self.query)]
        return add_connectors(self.client, self.collection, tunnels) if with_connectors else tunnels

    def run(self):
        params = self.params
        wait = params["wait_for"]
        counts_connectors = bool(wait and (wait["connectors"] is not None or wait["connector_id"]))
        with_connectors = params["include_connections"] or counts_connectors
        result = dict(changed=False)
        if wait:
            started = time.monotonic()
            tunnels, reached = wait_until(self.client, lambda: self.tunnels(with_connectors), self.reached,
                                          wait["timeout"], wait["interval"])
            result["waited"] = round(time.monotonic() - started, 3)
            if not reached:
                raise ModuleError("Timed out after %ss waiting for tunnel %s: %s" % (wait["timeout"], params["id"] or params["name"],
                                                                                     self.describe(tunnels)), tunnels=tunnels)
        else:
            tunnels = self.tunnels(with_connectors)
        if counts_connectors and not params["include_connections"]:
            for tunnel in tunnels:
                tunnel.pop("connectors", None)
        result["tunnels"] = tunnels
        if params["connector_id"]:
            result["connector"] = self.connector(tunnels)
        return result

    def reached(self, tunnels):
        if len(tunnels) != 1:
            return False
        wait = self.params["wait_for"]
        tunnel = tunnels[0]
        serving = active_connectors(tunnel.get("connectors") or [])
        if wait["status"] and tunnel.get("status") not in wait["status"]:
            return False
        if wait["connectors"] is not None and len(serving) < wait["connectors"]:
            return False
        if wait["connector_id"] and wait["connector_id"] not in [c.get("id") for c in serving]:
            return False
        return True

    def describe(self, tunnels):
        wait = self.params["wait_for"]
        wanted = []
        if wait["status"]:
            wanted.append("status in %s" % ", ".join(wait["status"]))
        if wait["connectors"] is not None:
            wanted.append("at least %d serving connectors" % wait["connectors"])
        if wait["connector_id"]:
            wanted.append("connector %s serving" % wait["connector_id"])
        if not tunnels:
            seen = "no live tunnel matched"
        elif len(tunnels) > 1:
            seen = "%d tunnels matched" % len(tunnels)
        else:
            tunnel = tunnels[0]
            seen = "status %s" % tunnel.get("status")
            if "connectors" in tunnel:
                serving = active_connectors(tunnel["connectors"])
                seen += ", %d serving connectors (%s)" % (len(serving), ", ".join(c.get("id", "?") for c in serving) or "none")
        return "wanted %s; last seen %s." % (" and ".join(wanted), seen)

    def connector(self, tunnels):
        if len(tunnels) != 1:
            raise ModuleError("connector_id needs exactly one matching tunnel, found %d." % len(tunnels))
        return self.client.get("%s/%s/connectors/%s" % (self.collection, tunnels[0]["id"], self.params["connector_id"]))


def main():
    spec = list_filter_spec()
    spec.update(
        tunnel_types=dict(type="list", elements="str", choices=list(TUNNEL_TYPES)),
        connector_id=dict(type="str"),
        wait_for=dict(type="dict", options=dict(
            status=dict(type="list", elements="str", choices=["inactive", "degraded", "healthy", "down"]),
            connectors=dict(type="int"),
            connector_id=dict(type="str"),
            timeout=dict(type="int", default=120),
            interval=dict(type="float", default=2),
        )),
    )
    module = CloudflareModule(argument_spec=spec)
    run_module(module, lambda client: TunnelInfo(client, module.params).run(), check_params)


if __name__ == "__main__":
    main()
