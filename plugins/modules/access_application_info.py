#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: access_application_info
short_description: List Cloudflare Access applications
version_added: 0.2.0
description:
  - Lists the Access applications of an account with the API's filters, each with its C(aud) tag and its
    policies in precedence order.
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.info_attributes
options:
  id:
    description: Only the application with this UUID (one request; none listed when it does not exist).
    type: str
  name:
    description: Only applications with this name (exactly, unless O(exact=false)).
    type: str
  domain:
    description: Only applications protecting this domain (exactly, unless O(exact=false)).
    type: str
  aud:
    description: Only the application with this C(aud) tag.
    type: str
  exact:
    description: V(false) matches O(name) and O(domain) loosely, as the API does without C(exact).
    type: bool
    default: true
  search:
    description: Only applications whose name or domains contain this text.
    type: str
notes:
  - "Request cost: one request per 100 applications."
seealso:
  - module: edgeops.cloudflare.access_application
"""

EXAMPLES = r"""
- name: The application protecting a hostname, and its aud tag
  edgeops.cloudflare.access_application_info:
    domain: wiki.example.com
  register: found

- name: Show it
  ansible.builtin.debug:
    msg: "{{ found.applications[0].aud }}"
"""

RETURN = r"""
applications:
  description:
    - The matching applications, each with C(id), C(aud), C(name), C(type), C(domain), C(destinations),
      C(policies) (C(id), C(name), C(decision), C(precedence)), C(allowed_idps), C(session_duration),
      C(created_at) and C(updated_at).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.edgeops.cloudflare.plugins.module_utils._access import AccessApplicationListing
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import Task

TASK = Task(AccessApplicationListing, dict(
    id=dict(type="str"),
    name=dict(type="str"),
    domain=dict(type="str"),
    aud=dict(type="str"),
    exact=dict(type="bool", default=True),
    search=dict(type="str"),
))

main = TASK.main

if __name__ == "__main__":
    main()
