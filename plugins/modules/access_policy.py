#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: access_policy
short_description: Create, update and delete reusable Cloudflare Access policies
version_added: 0.2.0
description:
  - Manages a reusable Access policy of the account, found by its O(name) or by O(id). A policy says who may
    enter (O(decision)) by rules, O(include) (any one of them), O(require) (all of them) and O(exclude) (none of
    them). Applications use policies by name
    (O(edgeops.cloudflare.access_application#module:policies) of M(edgeops.cloudflare.access_application)).
  - "Rules are written one per list item, as a dictionary with one key, the API's rule kind, for example
    C(email), C(email_domain), C(everyone), C(ip), C(geo), C(group), C(service_token),
    C(any_valid_service_token), C(login_method) or C(auth_method). Each maps one to one onto the API's rule
    object; a list of values (C(email: [a@example.com, b@example.com])) stands for one rule per value."
  - The API treats each rule list as a set; so does this module (order and repeats do not matter).
  - Every input is checked before the first request (unknown rule kinds, malformed emails, CIDR ranges and
    durations fail naming the option), and defaults the API fills in never show as a change.
  - The API replaces a policy whole on update; this module sends the stored policy with the task's options
    applied, so options the task leaves out keep their stored values.
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.action_attributes
  - edgeops.cloudflare.cloudflare.state
options:
  name:
    description:
      - Name of the policy. Without O(id), the policy is found by this exact name (the API does not make names
        unique, and several policies with the name fail, asking for O(id)).
      - With O(id), the policy is renamed to this name when it differs.
      - Required when creating one.
    type: str
  id:
    description: UUID of an existing policy. Takes precedence over O(name) for finding it.
    type: str
  decision:
    description:
      - What Access does with a request the policy matches. V(allow) (the dashboard's Allow), V(deny) (Block),
        V(non_identity) (Service Auth, for service tokens and other non-identity rules; the only decision that
        lets a service token in without a login) and V(bypass) (Bypass, without identity rules).
      - Required when creating a policy.
    type: str
    choices: [allow, deny, non_identity, bypass]
  include:
    description:
      - Rules of which a request must match at least one. Required when creating a policy; at least one rule.
      - "Each item is a dictionary with one key, the rule kind, and its value: C(email) (an address),
        C(email_domain) (like V(example.com), without C(@)), C(email_list) (a list UUID), C(everyone) (V(true)),
        C(ip) (an address or CIDR range without host bits), C(ip_list) (a list UUID), C(geo) (a two-letter country
        code), C(group) (an Access group UUID), C(service_token) (a service token's name or UUID; not its client
        id), C(any_valid_service_token) (V(true)), C(login_method) (an identity provider's name or UUID),
        C(auth_method) (an RFC 8176 method such as V(mfa)), C(certificate) (V(true)), C(common_name),
        C(device_posture) (an integration UID)."
      - "Scalar kinds also take a list of values (one rule per value) and the API's own form
        (C(email: {email: a@example.com}))."
      - "The identity provider group kinds take the API's dictionary: C(azureAD) (C(id), C(identity_provider_id)),
        C(github-organization) (C(name), C(identity_provider_id), C(team)), C(gsuite) (C(email),
        C(identity_provider_id)), C(okta) (C(name), C(identity_provider_id)), C(saml) (C(attribute_name),
        C(attribute_value), C(identity_provider_id)), C(oidc) (C(claim_name), C(claim_value),
        C(identity_provider_id)), C(external_evaluation) (C(evaluate_url), C(keys_url)) and C(auth_context)
        (C(id), C(ac_id), C(identity_provider_id))."
      - When omitted on an existing policy, the stored rules are kept.
    type: list
    elements: dict
  require:
    description:
      - Rules a request must all match, in the format of O(include). V([]) removes them all.
      - When omitted, the stored rules are kept.
    type: list
    elements: dict
  exclude:
    description:
      - Rules no request may match, in the format of O(include). V([]) removes them all.
      - When omitted, the stored rules are kept.
    type: list
    elements: dict
  session_duration:
    description:
      - How long a session that this policy let in lasts, as a duration like V(30m), V(24h) or V(2h45m); it
        overrides the application's session duration. The API's default is V(24h).
      - Compared by value (V(90m) is V(1h30m)).
    type: str
  approval_required:
    description: Whether a user must ask an administrator for access at the start of each session.
    type: bool
  purpose_justification_required:
    description: Whether a user must give a reason when logging in.
    type: bool
  purpose_justification_prompt:
    description: The text asking for that reason.
    type: str
  isolation_required:
    description: Whether matching users get the application in an isolated browser (needs Browser Isolation).
    type: bool
notes:
  - "Deleting a policy that applications still use fails before any change, naming those applications: remove it
    from them first (O(edgeops.cloudflare.access_application#module:policies) of
    M(edgeops.cloudflare.access_application)), or delete them."
  - "Request cost: an unchanged policy costs one request, plus one for each kind of object its rules name by name
    (service tokens, identity providers); creating or updating adds one."
  - "The API token needs the C(Access: Apps and Policies) permission (Read for nothing but lookups, Write to
    change), and C(Access: Service Tokens Read) for rules that name service tokens."
seealso:
  - module: edgeops.cloudflare.access_policy_info
  - module: edgeops.cloudflare.access_application
  - module: edgeops.cloudflare.access_service_token
  - name: Access policies
    description: Cloudflare's documentation of decisions, rule kinds and their order.
    link: https://developers.cloudflare.com/cloudflare-one/policies/access/
"""

EXAMPLES = r"""
- name: Staff of example.com, with a second factor, not from one network
  edgeops.cloudflare.access_policy:
    name: staff
    decision: allow
    include:
      - email_domain: example.com
      - email: [contractor@partner.example, auditor@partner.example]
    require:
      - auth_method: mfa
    exclude:
      - ip: 198.51.100.0/24
    session_duration: 12h

- name: Machines with the deploy service token
  edgeops.cloudflare.access_policy:
    name: deploy-bot
    decision: non_identity
    include:
      - service_token: deploy

- name: Remove a policy (after taking it out of every application)
  edgeops.cloudflare.access_policy:
    name: old-staff
    state: absent
"""

RETURN = r"""
policy:
  description:
    - The policy after the task; before it for O(state=absent). Empty when O(state=absent) found none.
    - In check mode, the predicted policy (C(id) is null for one that would be created).
    - "Rules are in the API's form (C({email: {email: a@example.com}})), service tokens and identity providers by id."
  returned: always
  type: dict
  contains:
    id:
      description: Policy UUID.
      type: str
    name:
      description: Name.
      type: str
    decision:
      description: The decision.
      type: str
    include:
      description: Include rules, in the API's form, sorted.
      type: list
      elements: dict
    require:
      description: Require rules.
      type: list
      elements: dict
    exclude:
      description: Exclude rules.
      type: list
      elements: dict
    session_duration:
      description: Session duration.
      type: str
    app_count:
      description: How many applications use the policy.
      type: int
    created_at:
      description: Creation time.
      type: str
    updated_at:
      description: Time of the last change.
      type: str
"""

from ansible_collections.edgeops.cloudflare.plugins.module_utils._access import AccessPolicy, policy_spec
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import NAMED, Task

TASK = Task(AccessPolicy, policy_spec(), **NAMED)

main = TASK.main

if __name__ == "__main__":
    main()
