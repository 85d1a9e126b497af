# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # A secret written to a file instead of being returned: shared by tunnel_token and access_service_token.
    DOCUMENTATION = r"""
options:
  dest:
    description:
      - Write the secret to this file instead of returning it. The file is written atomically (a temporary file in
        the same folder, then renamed) with mode C(0600), and only when its content, mode or ownership differs.
      - "The module, and so the API call, runs where the task runs. To keep the API token on the controller and the
        file on the host, run the module on the controller (C(delegate_to: localhost)) and copy the secret with
        C(ansible.builtin.copy) (C(mode: '0600'), C(no_log: true)); with O(dest), the API token must be available on
        the host the module runs on."
      - Its folder must exist; that is checked before any request.
    type: path
  owner:
    description: Owner (name or uid) of the O(dest) file. When omitted, the user the module runs as.
    type: str
  group:
    description: Group (name or gid) of the O(dest) file. When omitted, that user's group.
    type: str
"""
