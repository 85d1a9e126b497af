#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: tunnel_token
short_description: Fetch the token that C(cloudflared tunnel run) needs, or a tunnel management token
version_added: 0.1.0
description:
  - Returns the token of a cloudflared tunnel or of a WARP connector, found by O(id) or by its live O(name).
    This is the value C(cloudflared tunnel run --token) (or the E(TUNNEL_TOKEN) environment variable) takes.
  - Checks that the token has the documented shape (base64 of a JSON object with C(a), C(t) and C(s), where
    C(t) is the tunnel id) and also returns its non-secret parts, C(tunnel_id) and C(account_tag).
  - With O(token_type=management), returns a token for the tunnel's management resources (log streaming)
    instead. Only cloudflared tunnels have one.
  - Without O(dest), read-only; never reports C(changed) and runs the same in check mode.
  - With O(dest), writes the token to a file on the host the module runs on (mode C(0600), atomically) instead of
    returning it, and reports C(changed) only when the file's content, mode or ownership changes. Nothing prints the
    token, so this works in ad-hoc commands, for example
    C(ansible web1 -m edgeops.cloudflare.tunnel_token -a 'name=web dest=/etc/cloudflared/web.token' -b).
  - "B(The result holds a secret.) Put C(no_log: true) on the task. In addition, the collection's action
    plugin for this module marks every successful result as C(no_log), so the token is not printed even when
    a task forgets it or runs at C(-vvv); a registered variable still holds it."
author:
  - edgeops maintainers (@edgeops)
attributes:
  check_mode:
    support: full
    description: Reads only; with O(dest), predicts whether the file would change without writing it.
  diff_mode:
    support: full
    description: With O(dest), shows whether the file changes (never its content).
  action_group:
    support: full
    membership:
      - edgeops.cloudflare.cloudflare
    description: Use C(group/edgeops.cloudflare.cloudflare) in C(module_defaults) to set the shared options.
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.secret_file
options:
  id:
    description:
      - UUID of the tunnel or WARP connector. Takes precedence over O(name).
      - Costs one request (the token request).
    type: str
  name:
    description:
      - Name of a live tunnel or WARP connector. Costs one list request more than O(id).
    type: str
  tunnel_type:
    description:
      - V(cfd_tunnel) for a cloudflared tunnel (M(edgeops.cloudflare.cfd_tunnel)), V(warp_connector) for a
        WARP connector (M(edgeops.cloudflare.warp_connector)).
    type: str
    choices: [cfd_tunnel, warp_connector]
    default: cfd_tunnel
  token_type:
    description:
      - V(tunnel) returns the token that C(cloudflared tunnel run) needs.
      - V(management) returns a token for the management resources named in O(resources) (cloudflared tunnels
        only; for a WARP connector the task fails before sending anything).
    type: str
    choices: [tunnel, management]
    default: tunnel
  resources:
    description:
      - The management resources the token grants access to, with O(token_type=management). Ignored otherwise.
    type: list
    elements: str
    choices: [logs]
    default: [logs]
notes:
  - "Reading a tunnel token needs an API token with the C(Cloudflare Tunnel Edit) (write) permission, or for a
    WARP connector C(Cloudflare One Connector: WARP Write); a read-only API token fails with a message saying so."
  - The token is a long-lived credential for the tunnel. Do not store it in facts, files or logs; hand it to
    cloudflared through a root-only file or environment (the P(edgeops.cloudflare.cloudflared#role) role does so).
  - "Request cost: one request by O(id), two by O(name)."
  - "The module runs on the host it is delegated to; run it on the controller (C(delegate_to: localhost),
    C(run_once: true)) so the API token never reaches the managed hosts. Async is not supported, so the token
    is never written to an async status file."
seealso:
  - module: edgeops.cloudflare.cfd_tunnel
  - module: edgeops.cloudflare.warp_connector
  - name: cloudflared tunnel run
    description: How cloudflared takes the token.
    link: https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/configure-tunnels/cloudflared-parameters/run-parameters/
"""

EXAMPLES = r"""
# In a play on the hosts that run the tunnel: the API token comes from the environment
# (CLOUDFLARE_API_TOKEN) or from module_defaults; no_log: true keeps the fetched token out of every
# output, and the role receives it as a variable, never as an argument on a command line.
- name: Fetch the tunnel token once, on the controller
  edgeops.cloudflare.tunnel_token:
    name: web-eu-1
    account_id: "{{ cloudflare_account_id }}"
  delegate_to: localhost
  run_once: true
  no_log: true
  register: web_tunnel_token

- name: Install and run cloudflared with it
  ansible.builtin.include_role:
    name: edgeops.cloudflare.cloudflared
  vars:
    cloudflared_tunnel_token: "{{ web_tunnel_token.token }}"

- name: Token of a WARP connector, by id
  edgeops.cloudflare.tunnel_token:
    id: 5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e
    tunnel_type: warp_connector
  delegate_to: localhost
  no_log: true
  register: office_token

- name: Show only the non-secret parts
  ansible.builtin.debug:
    msg: "Token for tunnel {{ office_token.tunnel_id }} of account {{ office_token.account_tag }}"

- name: A management token for streaming the tunnel's logs
  edgeops.cloudflare.tunnel_token:
    name: web-eu-1
    token_type: management
    resources: [logs]
  delegate_to: localhost
  no_log: true
  register: web_logs_token
"""

RETURN = r"""
token:
  description:
    - The token (a secret). For O(token_type=tunnel), base64 of the JSON object C({"a", "t", "s"}).
    - Never shown in output; use it only through the registered variable.
  returned: success, without O(dest)
  type: str
tunnel_id:
  description: UUID of the tunnel the token belongs to (for a tunnel token, read from the token and checked).
  returned: success
  type: str
  sample: 2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d
account_tag:
  description:
    - The account the tunnel belongs to (for a tunnel token, the C(a) part of the token; for a management token,
      the tunnel's C(account_tag) when found by name, else O(account_id)).
  returned: success
  type: str
  sample: a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5
tunnel_type:
  description: O(tunnel_type) as given.
  returned: success
  type: str
  sample: cfd_tunnel
dest:
  description: The file the token was written to (with O(dest)); the token itself is then not returned.
  returned: when O(dest) is set
  type: str
token_type:
  description: O(token_type) as given.
  returned: success
  type: str
  sample: tunnel
"""

from ansible_collections.edgeops.cloudflare.plugins.module_utils._files import dest_spec
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import NAMED, Task
from ansible_collections.edgeops.cloudflare.plugins.module_utils._tokens import TunnelToken

TASK = Task(
    TunnelToken,
    dict(
        id=dict(type="str"),
        name=dict(type="str"),
        tunnel_type=dict(type="str", default="cfd_tunnel", choices=["cfd_tunnel", "warp_connector"]),
        token_type=dict(type="str", default="tunnel", choices=["tunnel", "management"], no_log=False),
        resources=dict(type="list", elements="str", default=["logs"], choices=["logs"]),
        **dest_spec()
    ),
    **NAMED
)

main = TASK.main

if __name__ == "__main__":
    main()
