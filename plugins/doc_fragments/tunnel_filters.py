# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # The filters of the tunnel list endpoints (cloudflared tunnels and WARP connectors alike).
    DOCUMENTATION = r"""
options:
  id:
    description: Only the tunnel with this UUID.
    type: str
  name:
    description: Only tunnels with exactly this name.
    type: str
  include_prefix:
    description: Only tunnels whose name starts with this prefix.
    type: str
  exclude_prefix:
    description: Only tunnels whose name does not start with this prefix.
    type: str
  status:
    description: Only tunnels with this status.
    type: str
    choices: [inactive, degraded, healthy, down]
  is_deleted:
    description:
      - V(false) lists live tunnels, V(true) only deleted ones (deleted tunnels stay readable).
    type: bool
    default: false
  existed_at:
    description: Only tunnels that existed at this time (ISO 8601, for example V(2026-11-01T00:00:00Z)).
    type: str
  was_active_at:
    description: Only tunnels that were active at this time (ISO 8601).
    type: str
  was_inactive_at:
    description: Only tunnels that were inactive at this time (ISO 8601).
    type: str
  include_connections:
    description:
      - Add C(connectors) to each tunnel, the connectors (hosts running cloudflared or WARP) with their
        connections. Costs one request per tunnel.
    type: bool
    default: false
notes:
  - Pages through all results, 1000 tunnels per request.
  - Never reports C(changed).
"""
