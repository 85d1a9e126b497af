# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # Connection and authentication options shared by every module of the collection.
    DOCUMENTATION = r"""
options:
  api_token:
    description:
      - "Cloudflare API token, sent as C(Authorization: Bearer)."
      - Preferred over O(api_email) and O(api_key). Tunnel writes, and reading a tunnel token, need a
        token with the C(Cloudflare Tunnel Edit) (or C(Cloudflare One Connector) Write) permission.
      - When neither this nor O(api_key) is set, the environment variable E(CLOUDFLARE_API_TOKEN) is used.
      - Mutually exclusive with O(api_key) and O(api_email).
    type: str
  api_email:
    description:
      - Email address of the account owner, used with O(api_key) (legacy global API key auth).
      - When no credential option is set, E(CLOUDFLARE_EMAIL) is used together with E(CLOUDFLARE_API_KEY).
    type: str
  api_key:
    description:
      - Global API key, sent as C(X-Auth-Key) together with O(api_email) as C(X-Auth-Email).
      - When no credential option is set, E(CLOUDFLARE_API_KEY) is used together with E(CLOUDFLARE_EMAIL).
    type: str
  account_id:
    description:
      - The Cloudflare account id (32 hexadecimal characters) that owns the tunnels.
      - Required. When not set on the task, the environment variable E(CLOUDFLARE_ACCOUNT_ID) is used; a task with
        neither fails before any request, naming both.
    type: str
  api_base_url:
    description:
      - Base URL of the Cloudflare v4 API.
      - Defaults to the environment variable E(CLOUDFLARE_BASE_URL), then to V(https://api.cloudflare.com/client/v4).
      - Point it at the bundled API emulator to test playbooks without an account.
      - Must be an V(https://) or V(http://) URL with a host; checked before any request.
    type: str
  validate_certs:
    description:
      - Verify the API's TLS certificate. Only turn this off for test endpoints.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA certificates to trust instead of the system store (for TLS-inspecting proxies).
    type: path
  timeout:
    description:
      - Seconds to wait for the API to accept a connection and to answer, per request.
    type: float
    default: 30
  retries:
    description:
      - How many times a request is repeated after a rate limit (HTTP 429), a gateway error
        (HTTP 502, 503, 504), a dropped connection or a timeout.
      - Reads, updates and deletes are repeated with exponential backoff and jitter. A create (POST) is
        repeated only when it certainly never reached the API; otherwise the module first looks the
        object up so that it never creates two.
    type: int
    default: 5
  retry_max_wait:
    description:
      - Longest wait in seconds that a C(Retry-After) header may impose. Cloudflare blocks a client that
        exceeds its rate limit for five minutes; the default waits that out. A longer C(Retry-After)
        fails the task at once.
    type: int
    default: 300
  rate_limit_reserve:
    description:
      - Percentage of the API's request quota to leave unused in each rate-limit window. Cloudflare answers every
        request with the requests left in the current window and when it resets (the C(Ratelimit) and
        C(Ratelimit-Policy) headers); when one more request would eat into this reserve, the task waits until the
        window resets instead, so that it never trips the C(429) that blocks every client of the same user or token
        for a whole window (1,200 requests per 5 minutes by default).
      - The count is kept by the API, so the reserve holds across forks, hosts and other tools using the same token.
        A wait longer than a few seconds is reported as a warning. Without the headers (another proxy) nothing waits.
      - V(0) waits only when the quota is used up. A wait longer than O(retry_max_wait) is not made while requests
        are left (the reserve is spent instead); with none left the task fails.
      - From V(0) to V(99).
    type: int
    default: 10
    version_added: 1.0.0
notes:
  - A token that lacks a permission fails with the permission the failed call needs (for example
    C(Cloudflare Tunnel Edit) or C(DNS Write)) next to Cloudflare's error code and message.
  - All options above can be set once per play with C(module_defaults) and the action group
    C(group/edgeops.cloudflare.cloudflare).
requirements:
  - Python 3.9 or newer on the host that runs the module (usually the controller); on an older Python the module fails with
    a message saying so.
  - requests 2.25 or newer on that host.
"""

    # Standard attributes (and the author) of a module that changes things.
    ACTION_ATTRIBUTES = r"""
author:
  - edgeops maintainers (@edgeops)
attributes:
  check_mode:
    support: full
    description: Can run in check mode and return the changed status prediction without modifying anything.
  diff_mode:
    support: full
    description: Returns details on what has changed (or would change in check mode), when run in diff mode.
  action_group:
    support: full
    membership:
      - edgeops.cloudflare.cloudflare
    description: Use C(group/edgeops.cloudflare.cloudflare) in C(module_defaults) to set the shared options.
"""

    # Standard attributes (and the author) of a read-only module.
    INFO_ATTRIBUTES = r"""
author:
  - edgeops maintainers (@edgeops)
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
    details: This module never changes anything and never reports C(changed).
  diff_mode:
    support: N/A
    description: Nothing changes, so there is no diff.
  action_group:
    support: full
    membership:
      - edgeops.cloudflare.cloudflare
    description: Use C(group/edgeops.cloudflare.cloudflare) in C(module_defaults) to set the shared options.
"""

    # The state option of a module that manages one object found by name or id.
    STATE = r"""
options:
  state:
    description:
      - V(present) creates or updates the object, V(absent) deletes it.
      - Deleting one that is already deleted or does not exist changes nothing.
      - With V(absent), options that only matter for creating or updating are accepted and ignored, so one task can
        toggle its state with a variable.
    type: str
    choices: [present, absent]
    default: present
"""
