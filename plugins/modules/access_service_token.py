#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: access_service_token
short_description: Create, rename, rotate and delete Cloudflare Access service tokens
version_added: 0.2.0
description:
  - Manages a service token of the account, found by its O(name) or by O(id). Machines (CI jobs, scripts, other
    services) send its client id and client secret in the C(CF-Access-Client-Id) and C(CF-Access-Client-Secret)
    headers to pass an Access application whose policy has the decision C(non_identity) and a C(service_token)
    rule naming the token (M(edgeops.cloudflare.access_policy)).
  - The API returns the client secret only once, when the token is created or its secret rotated
    (O(rotate_secret=true)). This module returns it then as RV(client_secret) or, with O(dest), writes it to a
    file (mode C(0600)) instead; on every other run there is no secret to return. A lost secret can only be
    replaced by rotating.
  - "B(The result can hold a secret.) The collection's action plugin for this module marks every successful
    result as C(no_log), so the secret is not printed even when a task forgets C(no_log: true) or runs at
    C(-vvv); a registered variable still holds it. Diffs and error messages never contain it."
  - O(duration) is sent only when it changes, because the API restarts a token's lifetime from the time of the
    update when it gets one.
author:
  - edgeops maintainers (@edgeops)
attributes:
  check_mode:
    support: full
    description: Predicts the change without making it; a token that would be created or rotated has no secret yet.
  diff_mode:
    support: full
    description: Shows the change, with the secret and the O(dest) file's content hidden.
  action_group:
    support: full
    membership:
      - edgeops.cloudflare.cloudflare
    description: Use C(group/edgeops.cloudflare.cloudflare) in C(module_defaults) to set the shared options.
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.state
  - edgeops.cloudflare.secret_file
options:
  name:
    description:
      - Name of the service token. Without O(id), the token is found by this exact name (several with the name fail,
        asking for O(id)).
      - With O(id), the token is renamed to this name when it differs.
      - Required when creating one.
    type: str
  id:
    description: UUID of an existing service token (not its client id). Takes precedence over O(name) for finding it.
    type: str
  duration:
    description:
      - How long the token is valid, as a duration like V(8760h) (the API's default, a year) or V(720h), or
        V(forever).
      - Changing it restarts the token's lifetime from now. Compared by value (V(90m) is V(1h30m)).
    type: str
  rotate_secret:
    description:
      - V(true) generates a new client secret on every run (so the task always reports a change) and returns it, or
        writes it to O(dest). Without O(previous_secret_expires_at), the old secret stops working at once.
    type: bool
    default: false
  previous_secret_expires_at:
    description:
      - With O(rotate_secret=true), keep the old secret working until this time (RFC 3339, like
        V(2026-12-31T00:00:00Z)), so that clients can switch over.
    type: str
notes:
  - With O(dest), the file is written when there is a secret to write (on create and rotation). An existing token
    whose O(dest) file does not exist fails, since the API never shows the secret again; set O(rotate_secret=true)
    to write a new one.
  - "Deleting a token that a policy still names fails with the API's C(service_token_in_use), naming those
    policies: take the token out of them first (M(edgeops.cloudflare.access_policy))."
  - "Request cost: an unchanged token costs one request; creating, renaming, changing the duration or rotating
    adds one."
  - "The API token needs the C(Access: Service Tokens) permission (Write to change anything)."
seealso:
  - module: edgeops.cloudflare.access_service_token_info
  - module: edgeops.cloudflare.access_policy
  - name: Service tokens
    description: Cloudflare's documentation of service tokens and how clients send them.
    link: https://developers.cloudflare.com/cloudflare-one/identity/service-tokens/
"""

EXAMPLES = r"""
- name: A service token for the deploy job, its secret kept in a root-only file
  edgeops.cloudflare.access_service_token:
    name: deploy
    duration: 8760h
    dest: /etc/deploy/access-client-secret
  register: deploy_token

- name: The client id is not secret
  ansible.builtin.debug:
    msg: "CF-Access-Client-Id: {{ deploy_token.service_token.client_id }}"

- name: Rotate the secret, keeping the old one valid for a day
  edgeops.cloudflare.access_service_token:
    name: deploy
    rotate_secret: true
    previous_secret_expires_at: "{{ '%Y-%m-%dT%H:%M:%SZ' | strftime(now(utc=true).timestamp() + 86400) }}"
    dest: /etc/deploy/access-client-secret

- name: Delete it (after taking it out of every policy)
  edgeops.cloudflare.access_service_token:
    name: deploy
    state: absent
"""

RETURN = r"""
service_token:
  description:
    - The service token after the task, without its secret; before it for O(state=absent). Empty when
      O(state=absent) found none.
  returned: always
  type: dict
  contains:
    id:
      description: Token UUID (the id that policies name).
      type: str
    name:
      description: Name.
      type: str
    client_id:
      description: The client id, sent as C(CF-Access-Client-Id). Not a secret.
      type: str
    duration:
      description: The lifetime.
      type: str
    expires_at:
      description: When the token stops working.
      type: str
    created_at:
      description: Creation time.
      type: str
    updated_at:
      description: Time of the last change.
      type: str
    last_seen_at:
      description: When the token was last used, when the API says so.
      type: str
client_secret:
  description:
    - The client secret, sent as C(CF-Access-Client-Secret). Only when the task created the token or rotated its
      secret, and only without O(dest); null otherwise (also in check mode). Never shown in output.
  returned: success, without O(dest)
  type: str
secret_rotated:
  description: Whether the task rotated the secret (or would, in check mode).
  returned: when O(rotate_secret=true)
  type: bool
dest:
  description: The file the secret was written to (with O(dest)).
  returned: when O(dest) is set
  type: str
"""

from ansible_collections.edgeops.cloudflare.plugins.module_utils._access import AccessServiceToken, service_token_spec
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import NAMED, Task

TASK = Task(AccessServiceToken, service_token_spec(), **NAMED)

main = TASK.main

if __name__ == "__main__":
    main()
