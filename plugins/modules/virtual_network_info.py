#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: virtual_network_info
short_description: List Cloudflare Zero Trust virtual networks
version_added: 1.0.0
description:
  - Lists the virtual networks of an account, with every filter of the API's list.
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.info_attributes
options:
  id:
    description: Only the virtual network with this UUID.
    type: str
  name:
    description: Only the virtual network with exactly this name.
    type: str
  is_default_network:
    description: V(true) lists only the default network, V(false) every other one.
    type: bool
  is_deleted:
    description: V(false) lists live networks, V(true) only deleted ones.
    type: bool
    default: false
notes:
  - "Request cost: one request."
seealso:
  - module: edgeops.cloudflare.virtual_network
"""

EXAMPLES = r"""
- name: The account's default virtual network
  edgeops.cloudflare.virtual_network_info:
    is_default_network: true
  register: default_vnet

- name: Show its name
  ansible.builtin.debug:
    msg: "{{ default_vnet.virtual_networks[0].name }}"
"""

RETURN = r"""
virtual_networks:
  description: The matching virtual networks, each with C(id), C(name), C(comment), C(is_default_network), C(created_at), C(deleted_at).
  returned: always
  type: list
  elements: dict
"""

# First: on a Python below the floor the module fails with a clear message (Python 2.7/3.6 safe).
from ansible_collections.edgeops.cloudflare.plugins.module_utils import _python_floor  # noqa: F401 pylint: disable=unused-import
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import Task
from ansible_collections.edgeops.cloudflare.plugins.module_utils._routes import VirtualNetworkListing

TASK = Task(VirtualNetworkListing, dict(
    id=dict(type="str"),
    name=dict(type="str"),
    is_default_network=dict(type="bool"),
    is_deleted=dict(type="bool", default=False),
))

main = TASK.main

if __name__ == "__main__":
    main()
