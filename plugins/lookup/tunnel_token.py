# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: tunnel_token
short_description: The token of a Cloudflare Tunnel or WARP connector, for templates and variables
version_added: 1.0.0
description:
  - Returns the token that C(cloudflared tunnel run --token) takes, for each tunnel named in the terms (names of
    live tunnels, or UUIDs).
  - Uses the same client, validation and error messages as M(edgeops.cloudflare.tunnel_token), and runs on the
    controller. An option it does not know, or a value of the wrong type, fails before any request.
  - "The token is a secret; put C(no_log: true) on tasks that use it."
author:
  - edgeops maintainers (@edgeops)
options:
  _terms:
    description: Names or UUIDs of the tunnels.
    type: list
    elements: str
    required: true
  tunnel_type:
    description: V(cfd_tunnel) for cloudflared tunnels, V(warp_connector) for WARP connectors.
    type: str
    choices: [cfd_tunnel, warp_connector]
    default: cfd_tunnel
  on_missing:
    description:
      - What to do when a named tunnel does not exist. V(error) fails, V(warn) warns and returns an empty string
        in its place, V(skip) returns an empty string in its place silently.
      - Any other failure (credentials, permissions, the API) always fails.
    type: str
    choices: [error, warn, skip]
    default: error
  token_type:
    description: V(tunnel) for the token C(cloudflared tunnel run) takes, V(management) for a management token.
    type: str
    choices: [tunnel, management]
    default: tunnel
  resources:
    description: The resources a management token grants access to (with O(token_type=management)).
    type: list
    elements: str
    choices: [logs]
    default: [logs]
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
notes:
  - Reading a tunnel token needs an API token with the C(Cloudflare Tunnel Edit) permission.
  - "Request cost: two requests per name, one per UUID."
seealso:
  - module: edgeops.cloudflare.tunnel_token
"""

EXAMPLES = r"""
- name: Hand the token to a container, without a task that fetches it first
  community.docker.docker_container:
    name: cloudflared
    image: cloudflare/cloudflared:2026.8.2
    command: tunnel run
    env:
      TUNNEL_TOKEN: "{{ lookup('edgeops.cloudflare.tunnel_token', 'web-prod') }}"
  no_log: true

- name: Tokens of two WARP connectors, an empty string for one that does not exist
  ansible.builtin.set_fact:
    warp_tokens: "{{ query('edgeops.cloudflare.tunnel_token', 'office-a', 'office-b', tunnel_type='warp_connector', on_missing='warn') }}"
  no_log: true
"""

RETURN = r"""
_raw:
  description: One token per term (an empty string for a missing tunnel with O(on_missing=warn) or V(skip)).
  type: list
  elements: str
"""

import os

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.edgeops.cloudflare.plugins.module_utils._common import UUID_RE
from ansible_collections.edgeops.cloudflare.plugins.modules.tunnel_token import TASK
from ansible_collections.edgeops.cloudflare.plugins.plugin_utils._inprocess import plain, run_task

NAME = "edgeops.cloudflare.tunnel_token"
# The module's options and validation, without its file options (a lookup returns the token), plus
# the lookup's own; the tunnels come from the terms.
LOOKUP = TASK.variant(drop=("dest", "owner", "group"),
                      on_missing=dict(type="str", choices=["error", "warn", "skip"], default="error"))
display = Display()


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        named = sorted(option for option in ("id", "name") if option in kwargs)
        if named:
            raise AnsibleError("%s: give the tunnels as terms (names or ids), not as %s." % (NAME, " or ".join(named)))
        if not terms:
            raise AnsibleError("%s needs at least one term: the name or id of a tunnel." % NAME)
        bad = [term for term in terms if not isinstance(term, str) or not term.strip()]
        if bad:
            raise AnsibleError("%s: each term must be the name or id of a tunnel, got %r." % (NAME, plain(bad[0])))
        return [self.token(term, plain(kwargs)) for term in terms]

    def token(self, term, options):
        args = dict(options)
        args["id" if UUID_RE.match(term.strip()) else "name"] = str(term)
        result = run_task(LOOKUP, NAME, args, environ=os.environ, inject_invocation=False, kind="lookup")
        for warning in result.get("warnings", []):
            display.warning("%s: %s" % (NAME, warning))
        if not result.get("failed"):
            return result["token"]
        on_missing = options.get("on_missing", "error")
        if result.get("not_found") and on_missing != "error":
            if on_missing == "warn":
                display.warning("%s: %s" % (NAME, result["msg"]))
            return ""
        raise AnsibleError("%s: %s" % (NAME, result["msg"]))
