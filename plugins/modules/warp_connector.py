#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: warp_connector
short_description: Create, rename, rotate and delete Cloudflare WARP connector tunnels
version_added: 0.1.0
description:
  - Manages a WARP connector tunnel of a Cloudflare account (the newer docs call these Cloudflare Mesh
    nodes; the API still says C(warp_connector)), found by its live O(name) or by O(id).
  - Creates it when missing, renames it (O(id) with a new O(name)), sets or rotates its secret, and deletes it.
  - Creating is safe against races and lost responses; the module never creates two WARP connectors and
    never replaces one silently.
  - "Never returns the tunnel secret or the token. Use M(edgeops.cloudflare.tunnel_token) with
    C(tunnel_type: warp_connector) to fetch the token."
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.action_attributes
  - edgeops.cloudflare.cloudflare.state
options:
  name:
    description:
      - Name of the WARP connector. Names are unique among the live (not deleted) WARP connectors of an account.
      - Without O(id), the WARP connector is found by this exact name among live ones (deleted ones that kept
        the name are ignored). When several live ones match, the task fails and asks for O(id).
      - With O(id), the WARP connector is renamed to this name when it differs.
      - Required when creating one.
    type: str
  id:
    description:
      - UUID of an existing WARP connector. Takes precedence over O(name) for finding it.
    type: str
  ha:
    description:
      - Create the WARP connector as highly available (several connector hosts, one active).
      - Sent when the WARP connector is created, and only then. The API takes it on create, cannot change it
        and does not report it on the object, so an existing WARP connector is never checked against it.
      - When omitted, a new WARP connector is created with the API's default (V(false)).
      - M(edgeops.cloudflare.warp_connector_info) with O(edgeops.cloudflare.warp_connector_info#module:include_connections=true)
        shows which connector host is active (C(ha_status)).
    type: bool
  tunnel_secret:
    description:
      - Secret of the WARP connector tunnel, base64 (standard alphabet, padded) of at least 32 random bytes,
        for example the output of C(openssl rand -base64 32). Checked before any request is sent.
      - The create call of the API does not take a secret, so a new WARP connector gets one from Cloudflare
        and this secret is then set with a second request (an update) right after the create.
      - The API never returns a secret, so the module cannot compare it; see O(update_secret).
    type: str
  update_secret:
    description:
      - V(on_create) sets O(tunnel_secret) only when the WARP connector is created.
      - V(always) rotates the secret on every run and always reports a change. Without O(tunnel_secret)
        a new random secret is generated.
      - Rotating the secret changes the token; restart the connector hosts with the new token.
    type: str
    choices: [on_create, always]
    default: on_create
  delete_routes:
    description:
      - With O(state=absent), first remove the WARP connector's private-network routes, CIDR routes
        (M(edgeops.cloudflare.tunnel_route)) and hostname routes (M(edgeops.cloudflare.hostname_route)), and report
        them in RV(routes_removed), the same in check mode.
      - The API either removes a tunnel's CIDR routes together with the tunnel (its hostname routes stay), or, as it
        did until 2023, refuses to delete a tunnel that still has routes; with this option a teardown works either way.
    type: bool
    default: false
notes:
  - "Request cost: an unchanged WARP connector found by name costs one request; creating costs two, three
    with O(tunnel_secret); renaming by id two; deleting by name two, and O(delete_routes) adds two (the
    connector's CIDR and hostname routes) and one per route removed."
  - The API refuses to delete a WARP connector that still has connections; stop WARP on its hosts first.
seealso:
  - module: edgeops.cloudflare.warp_connector_info
  - module: edgeops.cloudflare.tunnel_token
  - module: edgeops.cloudflare.cfd_tunnel
"""

EXAMPLES = r"""
- name: Create a highly available WARP connector
  edgeops.cloudflare.warp_connector:
    name: office-berlin
    ha: true
  register: office

- name: Create a WARP connector with a secret from a vault
  edgeops.cloudflare.warp_connector:
    name: lab-gateway
    tunnel_secret: "{{ vault_lab_gateway_secret }}"

- name: Rename a WARP connector, found by id
  edgeops.cloudflare.warp_connector:
    id: 5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e
    name: office-berlin-old

- name: Rotate the secret (the token changes; restart the connector hosts)
  edgeops.cloudflare.warp_connector:
    name: office-berlin
    update_secret: always

- name: Delete a WARP connector
  edgeops.cloudflare.warp_connector:
    name: lab-gateway
    state: absent
"""

RETURN = r"""
warp_connector:
  description:
    - The WARP connector after the task; before it for O(state=absent) (with C(deleted_at) set once deleted).
    - Empty when O(state=absent) found none. In check mode, the predicted object (C(id) is null for one that
      would be created).
    - Its fields are those of a cloudflared tunnel, as RV(edgeops.cloudflare.cfd_tunnel#module:tunnel) describes them,
      without C(config_src) - C(id), C(name), C(account_tag), C(status), C(created_at), C(deleted_at),
      C(conns_active_at), C(conns_inactive_at), C(tun_type) (V(warp_connector)), C(metadata).
    - Never contains the secret or the token.
  returned: always
  type: dict
  sample:
    id: 5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e
    name: office-a
    status: healthy
    tun_type: warp_connector
secret_rotated:
  description: True when the secret was (or in check mode would be) rotated.
  returned: when the secret was rotated
  type: bool
routes_removed:
  description:
    - The CIDR and hostname routes of the WARP connector that were (or in check mode would be) removed with
      O(delete_routes), each with C(id), C(kind) and the fields of its kind, as in
      RV(edgeops.cloudflare.cfd_tunnel#module:routes_removed).
  returned: when O(state=absent) deletes the WARP connector (or would) and O(delete_routes=true)
  type: list
  elements: dict
"""

from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import NAMED, Task
from ansible_collections.edgeops.cloudflare.plugins.module_utils._tunnels import WarpConnector, tunnel_spec

TASK = Task(WarpConnector, tunnel_spec(ha=dict(type="bool")), **NAMED)

main = TASK.main

if __name__ == "__main__":
    main()
