#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: hostname_route
short_description: Route a private hostname through a Cloudflare Tunnel
version_added: 1.0.0
description:
  - Manages a hostname route of Cloudflare Zero Trust, so that WARP clients reach a private hostname (one with
    no public DNS record, like V(wiki.corp.internal)) through a cloudflared tunnel.
  - The hostname is compared the way Cloudflare stores it - without case, without leading or trailing dots, and
    with a leading V(*.) wildcard stored as the name it covers (V(*.corp.internal) is stored as V(corp.internal),
    and also covers that name). Every spelling of one route is the same route, so the first rerun changes nothing.
  - Moving a route to another tunnel, or changing its comment, updates it in place.
  - Creating is safe against races and lost responses; the module never creates two routes.
  - The connectors of the tunnel need cloudflared 2025.7.0 or newer; hostname routes do not work with load balancing.
  - Only cloudflared tunnels carry hostname routes; O(tunnel_type=warp_connector) fails before any request.
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.action_attributes
  - edgeops.cloudflare.route_target
options:
  hostname:
    description:
      - The private hostname, under 255 characters, without scheme, port or path. At most one wildcard, only as
        the whole leading label (V(*.corp.internal)).
    type: str
    required: true
notes:
  - "Request cost: an unchanged route costs two requests (the tunnel and the route); creating or updating one adds
    one. Removing one costs two (find, delete); one already gone costs one."
  - The API's hostname filter matches substrings; this module picks the route whose hostname is exactly O(hostname).
  - With O(state=absent), the tunnel is not looked up and the options that only matter for creating or updating are
    ignored, so one task can toggle the route with a variable.
seealso:
  - module: edgeops.cloudflare.hostname_route_info
  - module: edgeops.cloudflare.tunnel_route
"""

EXAMPLES = r"""
- name: Let WARP clients reach wiki.corp.internal through the tunnel office-gw
  edgeops.cloudflare.hostname_route:
    hostname: wiki.corp.internal
    tunnel: office-gw
    comment: Team wiki

- name: Every host under corp.internal (and corp.internal itself)
  edgeops.cloudflare.hostname_route:
    hostname: "*.corp.internal"
    tunnel: office-gw

- name: Remove a route
  edgeops.cloudflare.hostname_route:
    hostname: wiki.corp.internal
    state: absent
"""

RETURN = r"""
hostname_route:
  description:
    - The hostname route as it is after the task (as it was, for O(state=absent); empty when there was none).
      Check mode predicts it; a route it would create has a null C(id).
    - C(id), C(hostname) (as Cloudflare stores it), and C(tunnel_id), C(tunnel_name), C(tun_type), C(comment),
      C(created_at), C(deleted_at) as in RV(edgeops.cloudflare.tunnel_route#module:route).
  returned: always
  type: dict
  sample:
    id: 0f1e2d3c-4b5a-4697-8877-665544332211
    hostname: corp.internal
    tunnel_id: 2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d
    tunnel_name: office-gw
    tun_type: cfd_tunnel
    comment: ""
assumed_created:
  description: In check mode, true when O(tunnel) does not exist yet and was assumed to be created by an earlier task.
  returned: when it happened
  type: bool
"""

# First: on a Python below the floor the module fails with a clear message (Python 2.7/3.6 safe).
from ansible_collections.edgeops.cloudflare.plugins.module_utils import _python_floor  # noqa: F401 pylint: disable=unused-import
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import Task
from ansible_collections.edgeops.cloudflare.plugins.module_utils._routes import HostnameRoute, route_spec

TASK = Task(HostnameRoute, route_spec(hostname=dict(type="str", required=True)))

main = TASK.main

if __name__ == "__main__":
    main()
