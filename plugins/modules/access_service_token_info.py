#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: access_service_token_info
short_description: List Cloudflare Access service tokens
version_added: 0.2.0
description:
  - Lists the service tokens of an account with their client ids and expiry times. The API never returns a
    client secret after creation, so neither does this module.
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.info_attributes
options:
  id:
    description: Only the token with this UUID.
    type: str
  name:
    description: Only tokens with exactly this name.
    type: str
  search:
    description: Only tokens whose name contains this text.
    type: str
  expiring_within:
    description:
      - Only tokens that expire within this duration from now (like V(720h)), to find the ones to renew. Tokens
        that never expire are left out.
    type: str
notes:
  - "Request cost: one request per 100 tokens."
seealso:
  - module: edgeops.cloudflare.access_service_token
"""

EXAMPLES = r"""
- name: Tokens that expire within 30 days
  edgeops.cloudflare.access_service_token_info:
    expiring_within: 720h
  register: expiring

- name: Name them
  ansible.builtin.debug:
    msg: "{{ expiring.service_tokens | map(attribute='name') }}"
"""

RETURN = r"""
service_tokens:
  description:
    - The matching tokens, each with C(id), C(name), C(client_id), C(duration), C(expires_at), C(created_at),
      C(updated_at) and C(last_seen_at).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.edgeops.cloudflare.plugins.module_utils._access import AccessServiceTokenListing
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import Task

TASK = Task(AccessServiceTokenListing, dict(
    id=dict(type="str"),
    name=dict(type="str"),
    search=dict(type="str"),
    expiring_within=dict(type="str"),
))

main = TASK.main

if __name__ == "__main__":
    main()
