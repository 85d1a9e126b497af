#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: access_application
short_description: Put Cloudflare Access in front of public hostnames and private destinations
version_added: 0.2.0
description:
  - Manages a self-hosted Access application of the account, found by its O(name) or by O(id). It sets the
    hostnames (O(domains)) and private destinations (O(private_destinations)) the application protects, the
    reusable policies that decide who may enter (O(policies), in precedence order), the identity providers users
    may log in with, the session duration and the cookie and App Launcher options.
  - Returns the application's C(aud) tag, which cloudflared checks (M(edgeops.cloudflare.cfd_tunnel_config) does
    that for you with an ingress rule's C(access) option).
  - The API replaces an application whole on update; this module sends the stored application with the task's
    options applied, so options the task leaves out (and settings made elsewhere, such as CORS headers) keep
    their stored values. Defaults the API fills in never show as a change.
  - Every input is checked before the first request; policies and identity providers named by name must exist
    (in check mode, ones an earlier task would create are assumed, with a warning).
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.action_attributes
  - edgeops.cloudflare.cloudflare.state
options:
  name:
    description:
      - Name of the application. Without O(id), the application is found by this exact name (several with the name
        fail, asking for O(id)).
      - With O(id), the application is renamed to this name when it differs.
      - Required when creating one.
    type: str
  id:
    description: UUID of an existing application. Takes precedence over O(name) for finding it.
    type: str
  domains:
    description:
      - Public hostnames the application protects, each optionally with a path (V(app.example.com/admin)) and
        wildcards (V(*.example.com)); no scheme, no port. The first is the primary domain, shown in the App Launcher.
      - At most five. Every hostname must be in a zone of the account. Order matters (the first is the primary).
      - With O(private_destinations), both together make the application's destinations, public ones first.
      - One of O(domains) and O(private_destinations) is required when creating an application; when both are
        omitted on an existing one, its destinations are kept.
    type: list
    elements: str
  private_destinations:
    description:
      - Private network destinations that WARP clients reach through a tunnel or WARP connector, protected by this
        application.
    type: list
    elements: dict
    suboptions:
      cidr:
        description: An IP address or CIDR range without host bits (a single address is stored as a /32 or /128).
        type: str
      hostname:
        description: A private hostname (the SNI of an HTTPS origin, like V(wiki.corp.internal)).
        type: str
      port_range:
        description: A port (V(22)) or a range (V(8000-8099)); all ports when omitted.
        type: str
      protocol:
        description: V(tcp) or V(udp); both when omitted.
        type: str
        choices: [tcp, udp]
      virtual_network:
        description: Name or UUID of the virtual network; every virtual network when omitted.
        type: str
  policies:
    description:
      - Reusable policies (M(edgeops.cloudflare.access_policy)) by name or UUID, in order of precedence (the
        first is evaluated first). Access still evaluates Bypass and Service Auth policies before Allow and Block.
      - V([]) removes every policy (nobody gets in); when omitted, the stored policies are kept.
    type: list
    elements: str
  identity_providers:
    description:
      - Identity providers (by name or UUID) users may log in with; all of the account's when empty. Compared as a set.
      - When omitted, the stored choice is kept.
    type: list
    elements: str
  auto_redirect_to_identity:
    description: Skip the identity provider choice (needs exactly one entry in O(identity_providers)).
    type: bool
  session_duration:
    description: How long a session lasts, as a duration like V(30m), V(24h) or V(2h45m). The API's default is V(24h).
    type: str
  app_launcher_visible:
    description: Whether the application shows in the App Launcher. The API's default is V(true).
    type: bool
  logo_url:
    description: Image URL of the logo in the App Launcher.
    type: str
  tags:
    description: Tags for filtering in the App Launcher. Compared as a set.
    type: list
    elements: str
  http_only_cookie_attribute:
    description: Sets C(HttpOnly) on the authorization cookie. The API's default is V(true).
    type: bool
  same_site_cookie_attribute:
    description: The C(SameSite) attribute of the authorization cookie.
    type: str
    choices: [none, lax, strict]
  enable_binding_cookie:
    description: Bind the authorization cookie to the browser (breaks tools such as curl that reuse a token).
    type: bool
  path_cookie_attribute:
    description: Scope the cookie to the application's path instead of the hostname.
    type: bool
  skip_interstitial:
    description: Authenticate automatically through cloudflared (C(cloudflared access)).
    type: bool
  service_auth_401_redirect:
    description: Answer HTTP 401 instead of redirecting to a login when a Service Auth policy blocks a request.
    type: bool
  options_preflight_bypass:
    description: Let CORS preflight (C(OPTIONS)) requests through to the origin without Access.
    type: bool
  custom_deny_message:
    description: Message shown to a user who is denied.
    type: str
  custom_deny_url:
    description: URL a user is sent to when identity rules deny them.
    type: str
  custom_non_identity_deny_url:
    description: URL a user is sent to when non-identity rules deny them.
    type: str
notes:
  - "Deleting an application does not unpublish its hostnames: a tunnel keeps serving them, now without Access in
    front. Remove their ingress rules first (M(edgeops.cloudflare.cfd_tunnel_config) with
    O(edgeops.cloudflare.cfd_tunnel_config#module:state=absent)); the task warns when it deletes an application."
  - "Request cost: an unchanged application costs one request, plus one for O(identity_providers) given by name and
    one for virtual networks of O(private_destinations) given by name; O(policies) by name cost nothing while they
    are the linked ones (a changed list adds one); creating or updating adds one."
  - "The API token needs the C(Access: Apps and Policies) permission, and C(Access: Organizations, Identity
    Providers, and Groups Read) to name identity providers."
seealso:
  - module: edgeops.cloudflare.access_application_info
  - module: edgeops.cloudflare.access_policy
  - module: edgeops.cloudflare.cfd_tunnel_config
  - name: Self-hosted applications
    description: Cloudflare's documentation of public and private self-hosted applications.
    link: https://developers.cloudflare.com/cloudflare-one/applications/configure-apps/self-hosted-apps/
"""

EXAMPLES = r"""
- name: Protect two hostnames with the staff and deploy-bot policies
  edgeops.cloudflare.access_application:
    name: wiki
    domains:
      - wiki.example.com
      - docs.example.com/internal
    policies: [deploy-bot, staff]
    session_duration: 12h
  register: wiki_app

- name: Show the aud tag cloudflared checks
  ansible.builtin.debug:
    msg: "{{ wiki_app.application.aud }}"

- name: A private database behind WARP
  edgeops.cloudflare.access_application:
    name: orders-db
    private_destinations:
      - cidr: 10.20.0.15
        port_range: "5432"
        protocol: tcp
        virtual_network: production
    policies: [dba]
    identity_providers: [Okta]
    auto_redirect_to_identity: true

- name: Delete the application (unpublish its hostnames first)
  edgeops.cloudflare.access_application:
    name: wiki
    state: absent
"""

RETURN = r"""
application:
  description:
    - The application after the task; before it for O(state=absent). Empty when O(state=absent) found none.
    - In check mode, the predicted application (C(id) and C(aud) are null for one that would be created).
  returned: always
  type: dict
  contains:
    id:
      description: Application UUID.
      type: str
    aud:
      description: The Application Audience (AUD) tag, 64 hexadecimal characters; cloudflared checks it.
      type: str
      sample: 737646a56ab1df6ec9bddc7e5ca84eaf3b0768850f3ffb5d74f1534911fe3893
    name:
      description: Name.
      type: str
    domain:
      description: The primary domain.
      type: str
    destinations:
      description: Public (C(type), C(uri)) and private (C(type), C(cidr) or C(hostname), C(port_range), C(l4_protocol), C(vnet_id)) destinations.
      type: list
      elements: dict
    policies:
      description: The linked policies in precedence order, each with C(id), C(name), C(decision) and C(precedence).
      type: list
      elements: dict
    allowed_idps:
      description: UUIDs of the identity providers users may choose (empty for all).
      type: list
      elements: str
    session_duration:
      description: Session duration.
      type: str
    created_at:
      description: Creation time.
      type: str
    updated_at:
      description: Time of the last change.
      type: str
"""

from ansible_collections.edgeops.cloudflare.plugins.module_utils._access import AccessApplication, application_spec
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import NAMED, Task

TASK = Task(AccessApplication, application_spec(), **NAMED)

main = TASK.main

if __name__ == "__main__":
    main()
