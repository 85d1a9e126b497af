# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # Filters both route lists take: tunnel_route_info and hostname_route_info.
    DOCUMENTATION = r"""
options:
  tunnel:
    description: Only routes through this tunnel (name or UUID; a name that matches no tunnel lists nothing).
    type: str
  tunnel_type:
    description: Whether O(tunnel) names a cloudflared tunnel or a WARP connector.
    type: str
    choices: [cfd_tunnel, warp_connector]
    default: cfd_tunnel
  comment:
    description: Only routes with this comment.
    type: str
  existed_at:
    description: Only routes that existed at this ISO 8601 date-time.
    type: str
  is_deleted:
    description: V(false) lists live routes, V(true) only deleted ones.
    type: bool
    default: false
"""
