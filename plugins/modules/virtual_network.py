#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: virtual_network
short_description: Create, rename, make default and delete Cloudflare Zero Trust virtual networks
version_added: 1.0.0
description:
  - Manages a virtual network of a Cloudflare account, found by its O(name) (unique among live virtual networks)
    or by O(id). Virtual networks keep overlapping private IP ranges apart; each tunnel route belongs to one.
  - Every account has a virtual network named C(default) that is the default one; this module treats it like
    any other (it can be renamed or given a comment, and another network can be made the default).
  - Creating is safe against races and lost responses; the module never creates two virtual networks.
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.action_attributes
  - edgeops.cloudflare.cloudflare.state
options:
  name:
    description:
      - Name of the virtual network. Without O(id), the network is found by this exact name.
      - With O(id), the network is renamed to this name when it differs.
      - Required when creating one.
    type: str
  id:
    description:
      - UUID of an existing virtual network. Takes precedence over O(name) for finding it.
    type: str
  comment:
    description:
      - Free-form comment (at most 256 characters). When omitted, the stored comment is kept.
    type: str
  is_default_network:
    description:
      - V(true) makes this the account's default network, the one routes land in when they name no virtual
        network. The API then un-defaults the previous default network; the result names it in RV(previous_default).
      - V(false) on the current default network fails (a network cannot stop being the default by itself);
        make another network the default instead.
      - When omitted, the network's default status is left as it is.
    type: bool
  force:
    description:
      - With O(state=absent), delete the network even when routes still use it; the API deletes those routes
        with it. They are listed in RV(routes_removed).
      - Without it, deleting a network that routes use fails before any change, listing those routes.
    type: bool
    default: false
notes:
  - "Request cost: an unchanged network costs one request; creating costs two; making a network the default
    adds one (to name the previous default); deleting costs three (find, list its routes, delete)."
seealso:
  - module: edgeops.cloudflare.virtual_network_info
  - module: edgeops.cloudflare.tunnel_route
"""

EXAMPLES = r"""
- name: A virtual network for the staging environment
  edgeops.cloudflare.virtual_network:
    name: staging
    comment: Staging VPC 10.0.0.0/16

- name: Make it the default network
  edgeops.cloudflare.virtual_network:
    name: staging
    is_default_network: true
  register: staging

- name: Show which network stopped being the default
  ansible.builtin.debug:
    msg: "{{ staging.previous_default.name | default('none') }}"

- name: Delete a network together with the routes in it
  edgeops.cloudflare.virtual_network:
    name: old-lab
    state: absent
    force: true
"""

RETURN = r"""
virtual_network:
  description:
    - The virtual network after the task; before it for O(state=absent). Empty when O(state=absent) found none.
    - In check mode, the predicted network (C(id) is null for one that would be created).
  returned: always
  type: dict
  contains:
    id:
      description: Virtual network UUID.
      type: str
    name:
      description: Name.
      type: str
    comment:
      description: Comment.
      type: str
    is_default_network:
      description: Whether it is the account's default network.
      type: bool
    created_at:
      description: Creation time.
      type: str
    deleted_at:
      description: Deletion time, null for a live network.
      type: str
previous_default:
  description: The network that was the default before this task made O(name) the default (or would, in check mode).
  returned: when the task makes another network the default
  type: dict
routes_removed:
  description: Routes deleted with the network (O(force=true)); each with C(id), C(network) and C(tunnel_id).
  returned: when O(state=absent) deletes a network
  type: list
  elements: dict
"""

# First: on a Python below the floor the module fails with a clear message (Python 2.7/3.6 safe).
from ansible_collections.edgeops.cloudflare.plugins.module_utils import _python_floor  # noqa: F401 pylint: disable=unused-import
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import NAMED, Task, object_spec
from ansible_collections.edgeops.cloudflare.plugins.module_utils._routes import VirtualNetwork

TASK = Task(VirtualNetwork, object_spec(
    comment=dict(type="str"),
    is_default_network=dict(type="bool"),
    force=dict(type="bool", default=False),
), **NAMED)

main = TASK.main

if __name__ == "__main__":
    main()
