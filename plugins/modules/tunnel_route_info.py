#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: tunnel_route_info
short_description: List Cloudflare tunnel routes, or find the route that serves an address
version_added: 1.0.0
description:
  - Lists the CIDR routes of an account with every filter of the API's list, or, with O(ip), returns the route
    whose network holds that address.
  - Networks are returned in canonical CIDR form.
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.info_attributes
  - edgeops.cloudflare.route_filters
options:
  ip:
    description:
      - One IPv4 or IPv6 address; returns the route that serves it (the most specific one) in O(virtual_network),
        or in the default virtual network when that is omitted. An empty list when no route serves it.
      - O(ip) takes only O(virtual_network) as a filter; any other filter fails the task before any request.
    type: str
  virtual_network:
    description: Only routes in this virtual network (name or UUID).
    type: str
  network_subset:
    description: Only routes whose network lies within this CIDR.
    type: str
  network_superset:
    description: Only routes whose network contains this CIDR.
    type: str
  route_id:
    description: Only the route with this id.
    type: str
  tunnel_types:
    description: Only routes through tunnels of these types.
    type: list
    elements: str
    choices: [cfd_tunnel, warp_connector, ip_sec, gre, cni, warp, magic]
notes:
  - "Request cost: one request a page of 1000 routes, plus one for each of O(tunnel) and O(virtual_network) given by
    name or id; with O(ip), one request plus one for O(virtual_network)."
seealso:
  - module: edgeops.cloudflare.tunnel_route
"""

EXAMPLES = r"""
- name: Which route serves 10.0.0.17?
  edgeops.cloudflare.tunnel_route_info:
    ip: 10.0.0.17
  register: serving

- name: Every route through the tunnel office-gw
  edgeops.cloudflare.tunnel_route_info:
    tunnel: office-gw
  register: office_routes
"""

RETURN = r"""
routes:
  description:
    - The matching routes, each with C(id), C(network), C(tunnel_id), C(tunnel_name), C(tun_type),
      C(virtual_network_id), C(virtual_network_name), C(comment), C(created_at), C(deleted_at).
  returned: always
  type: list
  elements: dict
"""

# First: on a Python below the floor the module fails with a clear message (Python 2.7/3.6 safe).
from ansible_collections.edgeops.cloudflare.plugins.module_utils import _python_floor  # noqa: F401 pylint: disable=unused-import
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import Task
from ansible_collections.edgeops.cloudflare.plugins.module_utils._routes import TunnelRouteListing
from ansible_collections.edgeops.cloudflare.plugins.module_utils._tunnels import TUNNEL_TYPES

FILTERS = ("ip", "tunnel", "virtual_network", "network_subset", "network_superset", "comment", "route_id", "existed_at")
TASK = Task(TunnelRouteListing, dict(
    dict((option, dict(type="str")) for option in FILTERS),
    tunnel_type=dict(type="str", default="cfd_tunnel", choices=["cfd_tunnel", "warp_connector"]),
    tunnel_types=dict(type="list", elements="str", choices=list(TUNNEL_TYPES)),
    is_deleted=dict(type="bool", default=False),
))

main = TASK.main

if __name__ == "__main__":
    main()
