# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # What a route goes through, and its state: shared by tunnel_route and hostname_route.
    DOCUMENTATION = r"""
options:
  tunnel:
    description:
      - Name or UUID of the tunnel the route goes through. Required with O(state=present).
      - A tunnel that does not exist fails the task before any change, naming this option. In check mode, a
        tunnel named that does not exist yet is assumed to be created by an earlier task of the play
        (the result says so with RV(assumed_created)).
      - Pointing an existing route at another tunnel updates the route in place.
    type: str
  tunnel_type:
    description:
      - Whether O(tunnel) is a cloudflared tunnel or a WARP connector.
    type: str
    choices: [cfd_tunnel, warp_connector]
    default: cfd_tunnel
  comment:
    description:
      - Free-form comment. When omitted, the stored comment is kept (a new route gets none).
    type: str
  state:
    description:
      - V(present) creates or updates the route, V(absent) removes it.
      - Removing a route that does not exist (or that the API already removed with its tunnel) changes nothing.
    type: str
    choices: [present, absent]
    default: present
"""
