#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cfd_tunnel
short_description: Create, rename, rotate, clean up and delete Cloudflare Tunnels (cloudflared)
version_added: 0.1.0
description:
  - Manages a cloudflared tunnel of a Cloudflare account, found by its live O(name) or by O(id).
  - Creates it when missing, renames it (O(id) with a new O(name)), rotates its secret, removes its
    connections, and deletes it.
  - Creating is safe against races and lost responses; the module never creates two tunnels and never
    replaces one silently.
  - Never returns the tunnel secret, the tunnel token or the credentials file. Use M(edgeops.cloudflare.tunnel_token)
    to fetch the token that C(cloudflared tunnel run) needs.
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.action_attributes
  - edgeops.cloudflare.cloudflare.state
options:
  name:
    description:
      - Name of the tunnel. Names are unique among the live (not deleted) tunnels of an account.
      - Without O(id), the tunnel is found by this exact name among live tunnels (deleted tunnels that
        kept the name are ignored). When several live tunnels match, the task fails and asks for O(id).
      - With O(id), the tunnel is renamed to this name when it differs.
      - Required when creating a tunnel.
    type: str
  id:
    description:
      - UUID of an existing tunnel. Takes precedence over O(name) for finding the tunnel.
    type: str
  config_src:
    description:
      - Where the tunnel's ingress configuration lives. V(local) means a config file on the host running
        cloudflared; V(cloudflare) means it is managed remotely (see M(edgeops.cloudflare.cfd_tunnel_config)).
      - Set at creation only; the API cannot change it. When an existing tunnel differs, the task fails
        naming both values rather than replacing the tunnel.
      - When omitted, a new tunnel is created remotely managed (V(cloudflare)), which is what
        M(edgeops.cloudflare.cfd_tunnel_config), the DNS options and the routes work with; an existing tunnel is not
        checked. Before version 1.0.0 the default was the API's own, V(local).
    type: str
    choices: [local, cloudflare]
  tunnel_secret:
    description:
      - Secret of the tunnel, base64 (standard alphabet, padded) of at least 32 random bytes, for example
        the output of C(openssl rand -base64 32). Checked before any request is sent.
      - When omitted on creation, Cloudflare generates one.
      - The API never returns a secret, so the module cannot compare it; see O(update_secret).
    type: str
  update_secret:
    description:
      - V(on_create) sets O(tunnel_secret) only when the tunnel is created.
      - V(always) rotates the secret on every run and always reports a change. Without O(tunnel_secret)
        a new random secret is generated.
      - Rotating the secret changes the tunnel token. Running connectors keep their connections until
        restarted; restart them with the new token (the P(edgeops.cloudflare.cloudflared#role) role does so) and
        clean up the old connections (O(cleanup_connections)).
    type: str
    choices: [on_create, always]
    default: on_create
  cleanup_connections:
    description:
      - Remove the tunnel's connections (of all connectors, or only of O(connector_id)).
      - With O(state=present) this is a step of its own, reported as a change only when there were
        connections to remove. With O(state=absent) it runs before the delete, which Cloudflare refuses
        while connections exist.
    type: bool
    default: false
  connector_id:
    description:
      - With O(cleanup_connections), remove only the connections of this connector (a cloudflared
        instance; its UUID is the C(client_id) of its connections).
    type: str
  delete_dns_records:
    description:
      - With O(state=absent), first remove the DNS records that point at the tunnel (CNAMEs to
        C(<tunnel id>.cfargotunnel.com)) in every zone of the account, so that no hostname is left pointing at a
        deleted tunnel. Records pointing anywhere else are never touched.
      - The token needs the C(DNS Write) permission on the zones.
    type: bool
    default: false
  delete_routes:
    description:
      - With O(state=absent), first remove the tunnel's private-network routes, CIDR routes
        (M(edgeops.cloudflare.tunnel_route)) and hostname routes (M(edgeops.cloudflare.hostname_route)), and report
        them in RV(routes_removed), the same in check mode.
      - The API either removes a tunnel's CIDR routes together with the tunnel (its hostname routes stay), or, as it
        did until 2023, refuses to delete a tunnel that still has routes; with this option a teardown works either way.
      - Given the O(id) of a tunnel deleted already without this option, it still removes the routes the tunnel left.
    type: bool
    default: false
notes:
  - "Request cost: an unchanged tunnel found by name costs one request; creating costs two; renaming by
    id two; deleting by name two; O(cleanup_connections) adds nothing for a tunnel without connections and two
    for one with connections (list them, so that RV(connections_removed) is exact in check mode too, then remove
    them); O(delete_dns_records) adds one request
    for the zones, one per zone and one per record removed; O(delete_routes) adds two (the tunnel's CIDR and
    hostname routes) and one per route removed."
seealso:
  - module: edgeops.cloudflare.cfd_tunnel_info
  - module: edgeops.cloudflare.tunnel_token
  - module: edgeops.cloudflare.cfd_tunnel_config
"""

EXAMPLES = r"""
# Connection options come from the environment (CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID) or once
# per play from module_defaults: group/edgeops.cloudflare.cloudflare (see the collection README).
- name: Create a remotely managed tunnel
  edgeops.cloudflare.cfd_tunnel:
    name: web-eu-1
    config_src: cloudflare
  register: web_tunnel

- name: Show its id
  ansible.builtin.debug:
    msg: "Tunnel {{ web_tunnel.tunnel.id }} is {{ web_tunnel.tunnel.status }}"

- name: Create a tunnel with a secret from a vault
  edgeops.cloudflare.cfd_tunnel:
    name: db-bastion
    tunnel_secret: "{{ vault_db_bastion_tunnel_secret }}"

- name: Rename a tunnel, found by id
  edgeops.cloudflare.cfd_tunnel:
    id: 2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d
    name: web-eu-1-old

- name: Rotate the secret (the token changes; restart connectors with the new token)
  edgeops.cloudflare.cfd_tunnel:
    name: web-eu-1
    update_secret: always

- name: Drop the connections of one stale connector
  edgeops.cloudflare.cfd_tunnel:
    name: web-eu-1
    cleanup_connections: true
    connector_id: 7f8e9d0c-1b2a-4c3d-8e4f-5a6b7c8d9e0f

- name: Delete a tunnel, removing its connections and the DNS records pointing at it first
  edgeops.cloudflare.cfd_tunnel:
    name: web-eu-1
    state: absent
    cleanup_connections: true
    delete_dns_records: true
"""

RETURN = r"""
tunnel:
  description:
    - The tunnel after the task; before it for O(state=absent) (with C(deleted_at) set once deleted).
    - Empty when O(state=absent) found no tunnel. In check mode, the predicted tunnel (C(id) is null for a
      tunnel that would be created).
    - Never contains the secret, the token or the credentials file.
  returned: always
  type: dict
  contains:
    id:
      description: Tunnel UUID.
      type: str
      sample: 2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d
    name:
      description: Tunnel name.
      type: str
      sample: web-eu-1
    account_tag:
      description: Account id that owns the tunnel.
      type: str
    config_src:
      description: V(local) or V(cloudflare) (read from C(config_src), or from the older C(remote_config) flag).
      type: str
      sample: cloudflare
    status:
      description: V(inactive) (never connected), V(healthy), V(degraded) or V(down).
      type: str
      sample: healthy
    created_at:
      description: Creation time.
      type: str
    deleted_at:
      description: Deletion time, null for a live tunnel.
      type: str
    conns_active_at:
      description: Since when the tunnel has had connections; null when it has none.
      type: str
    conns_inactive_at:
      description: Since when the tunnel has had no connections; null while it has some.
      type: str
    tun_type:
      description: Tunnel type, V(cfd_tunnel).
      type: str
    metadata:
      description: Free-form metadata.
      type: dict
secret_rotated:
  description: True when the secret was (or in check mode would be) rotated.
  returned: when the secret was rotated
  type: bool
dns_records_removed:
  description:
    - The DNS records that pointed at the tunnel and were (or in check mode would be) removed with O(delete_dns_records),
      each with C(id), C(zone_id), C(zone_name), C(name), C(type) (V(CNAME)), C(content)
      (C(<tunnel id>.cfargotunnel.com)) and C(proxied), as in RV(edgeops.cloudflare.cfd_tunnel_config#module:dns_records).
  returned: when O(state=absent) deletes the tunnel (or would) and O(delete_dns_records=true)
  type: list
  elements: dict
connections_removed:
  description: UUIDs of the connectors whose connections were (or would be) removed with O(cleanup_connections).
  returned: when O(cleanup_connections=true)
  type: list
  elements: str
routes_removed:
  description: The CIDR and hostname routes of the tunnel that were (or in check mode would be) removed with O(delete_routes).
  returned: when O(state=absent) deletes the tunnel (or would) and O(delete_routes=true)
  type: list
  elements: dict
  contains:
    id:
      description: Route id.
      type: str
    kind:
      description: V(network) for a CIDR route, V(hostname) for a hostname route.
      type: str
    network:
      description: The CIDR of a CIDR route.
      type: str
    virtual_network_id:
      description: The virtual network of a CIDR route.
      type: str
    hostname:
      description: The hostname of a hostname route.
      type: str
"""

# First: on a Python below the floor the module fails with a clear message (Python 2.7/3.6 safe).
from ansible_collections.edgeops.cloudflare.plugins.module_utils import _python_floor  # noqa: F401 pylint: disable=unused-import
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import NAMED, Task
from ansible_collections.edgeops.cloudflare.plugins.module_utils._tunnels import CfdTunnel, tunnel_spec

TASK = Task(
    CfdTunnel,
    tunnel_spec(
        config_src=dict(type="str", choices=["local", "cloudflare"]),
        cleanup_connections=dict(type="bool", default=False),
        connector_id=dict(type="str"),
        delete_dns_records=dict(type="bool", default=False),
    ),
    **NAMED
)

main = TASK.main

if __name__ == "__main__":
    main()
