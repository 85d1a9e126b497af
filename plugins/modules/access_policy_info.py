#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: access_policy_info
short_description: List reusable Cloudflare Access policies
version_added: 0.2.0
description:
  - Lists the reusable Access policies of an account, each with its rules and the number of applications using it.
  - The API has no filters for this list; O(name) and O(id) are applied to what it returns.
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.info_attributes
options:
  id:
    description: Only the policy with this UUID.
    type: str
  name:
    description: Only policies with exactly this name.
    type: str
notes:
  - "Request cost: one request per 100 policies."
seealso:
  - module: edgeops.cloudflare.access_policy
"""

EXAMPLES = r"""
- name: Policies no application uses
  edgeops.cloudflare.access_policy_info:
  register: all_policies

- name: Show them
  ansible.builtin.debug:
    msg: "{{ all_policies.policies | selectattr('app_count', 'equalto', 0) | map(attribute='name') }}"
"""

RETURN = r"""
policies:
  description:
    - The matching policies, each with C(id), C(name), C(decision), C(include), C(require), C(exclude) (in the API's
      form, sorted), C(session_duration), C(app_count), C(created_at) and C(updated_at).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.edgeops.cloudflare.plugins.module_utils._access import AccessPolicyListing
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import Task

TASK = Task(AccessPolicyListing, dict(
    id=dict(type="str"),
    name=dict(type="str"),
))

main = TASK.main

if __name__ == "__main__":
    main()
