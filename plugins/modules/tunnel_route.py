#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: tunnel_route
short_description: Route a private IP network through a Cloudflare Tunnel or WARP connector
version_added: 1.0.0
description:
  - Manages a tunnel route (a CIDR route of Cloudflare Zero Trust) so that WARP clients reach a private
    IPv4 or IPv6 network through a cloudflared tunnel or a WARP connector.
  - A route is identified by its network and its virtual network, as Cloudflare does. V(10.1.2.3/16),
    V(10.1.0.0/16), V(2001:DB8::/32) and V(2001:db8::/32) name the same routes as their canonical forms;
    the result always shows the canonical form, and a network with host bits set gets a warning.
  - Moving a route to another tunnel, or changing its comment, updates it in place; it is never replaced.
  - Creating is safe against races and lost responses; the module never creates two routes.
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.action_attributes
  - edgeops.cloudflare.route_target
options:
  network:
    description:
      - The private network in CIDR form, IPv4 or IPv6, like V(10.0.0.0/24) or V(2001:db8:1::/48). A bare address
        is a single-host route (C(/32) or C(/128)).
    type: str
    required: true
  virtual_network:
    description:
      - Name or UUID of the virtual network the route belongs to. When omitted, the account's default virtual
        network is used.
      - A virtual network that does not exist fails the task before any change (in check mode it is assumed to be
        created by an earlier task).
    type: str
notes:
  - "Request cost: an unchanged route costs three requests (the tunnel, the virtual network, the route); creating
    or updating one adds one. Removing one costs three (the virtual network, the route, the delete); when there
    is none, also a route already removed with its tunnel, two, and one when the virtual network does not exist."
  - With O(state=absent), the tunnel is not looked up (it may be gone already) and the options that only matter
    for creating or updating are ignored, so one task can toggle the route with a variable.
seealso:
  - module: edgeops.cloudflare.tunnel_route_info
  - module: edgeops.cloudflare.virtual_network
  - module: edgeops.cloudflare.hostname_route
"""

EXAMPLES = r"""
- name: Let WARP clients reach 10.0.0.0/24 through the tunnel office-gw
  edgeops.cloudflare.tunnel_route:
    network: 10.0.0.0/24
    tunnel: office-gw
    comment: Office LAN

- name: The same range in another virtual network, through a WARP connector
  edgeops.cloudflare.tunnel_route:
    network: 10.0.0.0/24
    virtual_network: staging
    tunnel: staging-connector
    tunnel_type: warp_connector

- name: Remove the route
  edgeops.cloudflare.tunnel_route:
    network: 10.0.0.0/24
    state: absent
"""

RETURN = r"""
route:
  description:
    - The route after the task; before it for O(state=absent). Empty when O(state=absent) found none.
    - In check mode, the predicted route (C(id) is null for one that would be created).
  returned: always
  type: dict
  contains:
    id:
      description: Route id.
      type: str
    network:
      description: The network in canonical CIDR form.
      type: str
      sample: 10.0.0.0/24
    tunnel_id:
      description: UUID of the tunnel the route goes through.
      type: str
    tunnel_name:
      description: Name of that tunnel, when the API reports it (list results do).
      type: str
    tun_type:
      description: Type of that tunnel, when the API reports it.
      type: str
    virtual_network_id:
      description: UUID of the route's virtual network.
      type: str
    virtual_network_name:
      description: Name of that virtual network, when the API reports it.
      type: str
    comment:
      description: Comment.
      type: str
    created_at:
      description: Creation time.
      type: str
    deleted_at:
      description: Deletion time, null for a live route.
      type: str
assumed_created:
  description: In check mode, true when O(tunnel) or O(virtual_network) does not exist yet and was assumed to be created by an earlier task.
  returned: when it happened
  type: bool
"""

# First: on a Python below the floor the module fails with a clear message (Python 2.7/3.6 safe).
from ansible_collections.edgeops.cloudflare.plugins.module_utils import _python_floor  # noqa: F401 pylint: disable=unused-import
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import Task
from ansible_collections.edgeops.cloudflare.plugins.module_utils._routes import TunnelRoute, route_spec

TASK = Task(TunnelRoute, route_spec(network=dict(type="str", required=True), virtual_network=dict(type="str")))

main = TASK.main

if __name__ == "__main__":
    main()
