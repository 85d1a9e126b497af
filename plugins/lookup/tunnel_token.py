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
    controller.
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
  api_token:
    description: API token; when not given, E(CLOUDFLARE_API_TOKEN) is used (or E(CLOUDFLARE_EMAIL) with E(CLOUDFLARE_API_KEY)).
    type: str
  api_email:
    description: Email for the legacy global API key, with O(api_key).
    type: str
  api_key:
    description: Legacy global API key, with O(api_email).
    type: str
  account_id:
    description: The account id; when not given, E(CLOUDFLARE_ACCOUNT_ID) is used.
    type: str
  api_base_url:
    description: Base URL of the API; when not given, E(CLOUDFLARE_BASE_URL), then V(https://api.cloudflare.com/client/v4).
    type: str
  validate_certs:
    description: Verify the API's TLS certificate.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for each request.
    type: float
    default: 30
  retries:
    description: How many times a request is repeated after a rate limit or a gateway error.
    type: int
    default: 5
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

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.edgeops.cloudflare.plugins.module_utils._common import UUID_RE
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import execute
from ansible_collections.edgeops.cloudflare.plugins.modules.tunnel_token import TASK

CONNECTION = ("api_token", "api_email", "api_key", "account_id", "api_base_url", "validate_certs", "timeout", "retries")
display = Display()


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        tokens = []
        for term in terms:
            # Unset options stay out: the validator counts a present key as given (mutually exclusive ones).
            params = dict((option, self.get_option(option)) for option in CONNECTION if self.get_option(option) is not None)
            params.update(tunnel_type=self.get_option("tunnel_type"), token_type="tunnel")
            params["id" if UUID_RE.match(str(term)) else "name"] = str(term)
            tokens.append(self.token(params))
        return tokens

    def token(self, params):
        validated = ArgumentSpecValidator(TASK.argument_spec, **TASK.constraints).validate(params)
        if validated.error_messages:
            raise AnsibleError("edgeops.cloudflare.tunnel_token: %s" % "; ".join(validated.error_messages))
        result, _secrets = execute(TASK, validated.validated_parameters)
        if not result.get("failed"):
            return result["token"]
        if result.get("not_found") and self.get_option("on_missing") != "error":
            if self.get_option("on_missing") == "warn":
                display.warning("edgeops.cloudflare.tunnel_token: %s" % result["msg"])
            return ""
        raise AnsibleError("edgeops.cloudflare.tunnel_token: %s" % result["msg"])
