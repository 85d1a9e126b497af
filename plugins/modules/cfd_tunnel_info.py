#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

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
  include_config:
    description:
      - Add each remotely managed tunnel's ingress configuration as C(config), in the same snake_case shape that
        M(edgeops.cloudflare.cfd_tunnel_config) takes (C(ingress), C(origin_request), C(catch_all_service)), so it
        can be fed back, and its version as C(config_version). Both are null for a locally configured tunnel.
      - Costs one request per remotely managed tunnel.
    type: bool
    default: false
  include_health:
    description:
      - Add connector health. Each connector gets C(connections) (serving connections), C(colos), C(origin_ip),
        C(outdated) (below O(min_version); null without it) and C(stale_config) (its C(config_version) is behind the
        tunnel's current configuration version; null for a locally configured tunnel). Each tunnel gets C(health),
        a summary with C(replicas) (connectors serving), C(replica_limit) (25, the API's limit), C(outdated) and
        C(stale_config) counts.
      - Implies the connectors (as O(include_connections) does) and costs one more request per remotely managed
        tunnel (its configuration version). Implied by O(min_version).
    type: bool
    default: false
  min_version:
    description:
      - The oldest cloudflared release to accept, like V(2026.8.2); connectors running an older one are flagged
        C(outdated). Implies O(include_health).
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
      no_outdated:
        description: No connector runs a release older than O(min_version) (which it needs).
        type: bool
        default: false
      no_stale_config:
        description: No connector is behind the tunnel's current configuration version.
        type: bool
        default: false
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

- name: Connector health of a tunnel, flagging connectors older than 2026.8.2
  edgeops.cloudflare.cfd_tunnel_info:
    name: web-eu-1
    min_version: "2026.8.2"
  register: web_health

- name: Fail when a connector is outdated or runs a stale configuration
  ansible.builtin.assert:
    that:
      - web_health.tunnels[0].health.outdated == 0
      - web_health.tunnels[0].health.stale_config == 0

- name: Read a tunnel's published hostnames in the shape cfd_tunnel_config takes
  edgeops.cloudflare.cfd_tunnel_info:
    name: web-eu-1
    include_config: true
  register: web_config

- name: List tunnels of every type, deleted ones only
  edgeops.cloudflare.cfd_tunnel_info:
    tunnel_types: [cfd_tunnel, warp_connector]
    is_deleted: true
"""

RETURN = r"""
tunnels:
  description:
    - The matching tunnels (no secrets), in the API's order, each with the fields that
      RV(edgeops.cloudflare.cfd_tunnel#module:tunnel) describes (C(id), C(name), C(account_tag), C(config_src),
      C(status), C(created_at), C(deleted_at), C(conns_active_at), C(conns_inactive_at), C(tun_type), C(metadata)),
      and what the options below add. C(config_src) is null for tunnels of other types.
  returned: always
  type: list
  elements: dict
  contains:
    connectors:
      description:
        - The tunnel's connectors (C(id), C(arch), C(version), C(config_version), C(run_at), C(features)),
          each with C(conns), its connections (C(id), C(colo_name), C(opened_at), C(origin_ip),
          C(client_version), C(is_pending_reconnect)).
        - With O(include_health) (or O(min_version)) each also has C(connections), C(colos), C(origin_ip),
          C(outdated) and C(stale_config).
      returned: when O(include_connections=true) or O(include_health=true), or O(wait_for) counts connectors
      type: list
      elements: dict
    health:
      description:
        - Connector health of the tunnel, C(replicas) (connectors serving), C(replica_limit) (25),
          C(outdated) and C(stale_config) (how many connectors are flagged so).
      returned: when O(include_health=true) or O(min_version) is set
      type: dict
    config:
      description:
        - The ingress configuration in the shape M(edgeops.cloudflare.cfd_tunnel_config) takes (C(ingress),
          C(origin_request), C(catch_all_service)); null for a locally configured tunnel.
      returned: when O(include_config=true)
      type: dict
    config_version:
      description: The version of that configuration; null for a locally configured tunnel.
      returned: when O(include_config=true)
      type: int
connector:
  description: The connector named by O(connector_id), with its connections.
  returned: when O(connector_id) is set
  type: dict
waited:
  description: Seconds spent waiting.
  returned: when O(wait_for) is set
  type: float
"""

# First: on a Python below the floor the module fails with a clear message (Python 2.7/3.6 safe).
from ansible_collections.edgeops.cloudflare.plugins.module_utils import _python_floor  # noqa: F401 pylint: disable=unused-import
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import Task
from ansible_collections.edgeops.cloudflare.plugins.module_utils._health import TunnelInfo
from ansible_collections.edgeops.cloudflare.plugins.module_utils._tunnels import TUNNEL_TYPES, list_filter_spec

STATUSES = ["inactive", "degraded", "healthy", "down"]
TASK = Task(TunnelInfo, list_filter_spec(
    tunnel_types=dict(type="list", elements="str", choices=list(TUNNEL_TYPES)),
    connector_id=dict(type="str"),
    include_config=dict(type="bool", default=False),
    include_health=dict(type="bool", default=False),
    min_version=dict(type="str"),
    wait_for=dict(type="dict", options=dict(
        status=dict(type="list", elements="str", choices=STATUSES),
        connectors=dict(type="int"),
        connector_id=dict(type="str"),
        no_outdated=dict(type="bool", default=False),
        no_stale_config=dict(type="bool", default=False),
        timeout=dict(type="int", default=120),
        interval=dict(type="float", default=2),
    )),
))

main = TASK.main

if __name__ == "__main__":
    main()
