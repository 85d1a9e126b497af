#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: warp_connector_info
short_description: List Cloudflare WARP connector tunnels, optionally with their connectors
version_added: 0.1.0
description:
  - Lists the WARP connector tunnels of an account with every filter of the API's WARP connector list,
    or the one with O(id).
  - Optionally adds each one's connectors (the hosts running WARP) and their connections.
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.info_attributes
  - edgeops.cloudflare.tunnel_filters
seealso:
  - module: edgeops.cloudflare.warp_connector
  - module: edgeops.cloudflare.cfd_tunnel_info
"""

EXAMPLES = r"""
- name: List all live WARP connectors whose names start with office-
  edgeops.cloudflare.warp_connector_info:
    include_prefix: office-
  register: offices

- name: Show the names of the healthy ones
  ansible.builtin.debug:
    msg: "{{ offices.warp_connectors | selectattr('status', 'equalto', 'healthy') | map(attribute='name') | list }}"

- name: One WARP connector by id, with its connectors
  edgeops.cloudflare.warp_connector_info:
    id: 5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e
    include_connections: true
  register: office

- name: Deleted WARP connectors
  edgeops.cloudflare.warp_connector_info:
    is_deleted: true
"""

RETURN = r"""
warp_connectors:
  description:
    - The matching WARP connectors (no secrets), in the API's order, each with the fields that
      RV(edgeops.cloudflare.warp_connector#module:warp_connector) describes (C(id), C(name), C(account_tag),
      C(status), C(created_at), C(deleted_at), C(conns_active_at), C(conns_inactive_at), C(tun_type), C(metadata)).
    - With O(include_connections=true), also C(connectors), its connectors (C(id), C(arch), C(version), C(run_at),
      C(features), and C(ha_status), the connector's part in a highly available WARP connector, V(active) for the
      one that serves, V(passive) for a standby, V(offline)), each with C(conns), its connections (C(id),
      C(colo_name), C(opened_at), C(origin_ip), C(client_version)).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import Task
from ansible_collections.edgeops.cloudflare.plugins.module_utils._tunnels import WarpConnectorListing, list_filter_spec

TASK = Task(WarpConnectorListing, list_filter_spec())

main = TASK.main

if __name__ == "__main__":
    main()
