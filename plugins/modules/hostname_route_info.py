#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: hostname_route_info
short_description: List Cloudflare Zero Trust hostname routes
version_added: 1.0.0
description:
  - Lists the hostname routes of an account with every filter of the API's list.
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.info_attributes
  - edgeops.cloudflare.route_filters
options:
  hostname:
    description:
      - Only the route for exactly this hostname, compared the way Cloudflare stores hostnames (without case and
        outer dots; V(*.corp.internal) is V(corp.internal)).
    type: str
  hostname_contains:
    description: Only routes whose hostname contains this text (the API's own substring filter).
    type: str
  id:
    description: Only the route with this id.
    type: str
notes:
  - "Request cost: one request a page of 1000 routes, plus one when O(tunnel) is given."
seealso:
  - module: edgeops.cloudflare.hostname_route
"""

EXAMPLES = r"""
- name: The route of wiki.corp.internal, if any
  edgeops.cloudflare.hostname_route_info:
    hostname: wiki.corp.internal
  register: wiki
"""

RETURN = r"""
hostname_routes:
  description:
    - The matching routes, each with C(id), C(hostname), C(tunnel_id), C(tunnel_name), C(tun_type), C(comment),
      C(created_at), C(deleted_at).
  returned: always
  type: list
  elements: dict
"""

# First: on a Python below the floor the module fails with a clear message (Python 2.7/3.6 safe).
from ansible_collections.edgeops.cloudflare.plugins.module_utils import _python_floor  # noqa: F401 pylint: disable=unused-import
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import Task
from ansible_collections.edgeops.cloudflare.plugins.module_utils._routes import HostnameRouteListing

FILTERS = ("hostname", "hostname_contains", "id", "tunnel", "comment", "existed_at")
TASK = Task(HostnameRouteListing, dict(
    dict((option, dict(type="str")) for option in FILTERS),
    tunnel_type=dict(type="str", default="cfd_tunnel", choices=["cfd_tunnel", "warp_connector"]),
    is_deleted=dict(type="bool", default=False),
), mutually_exclusive=[["hostname", "hostname_contains"]])

main = TASK.main

if __name__ == "__main__":
    main()
