# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tunnel tokens: the token ``cloudflared tunnel run`` needs, or a management token, returned or
written to a root-only file."""

from __future__ import annotations

import base64
import binascii
import json

from ._api import CloudflareError
from ._common import ModuleError
from ._files import check_dest, secret_file
from ._resource import Work
from ._tunnels import CfdTunnel, WarpConnector

TOKEN_OWNERS = {"cfd_tunnel": CfdTunnel, "warp_connector": WarpConnector}


def _b64decode(text):
    """Standard base64 (padding optional); URL-safe base64 is accepted too."""
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return base64.b64decode(padded, altchars=b"-_", validate=True)


def token_parts(token, tunnel_id):
    """The non-secret parts of a tunnel token, after checking its shape. Never echoes the token."""
    if not isinstance(token, str) or not token:
        raise ModuleError("The API returned no tunnel token for tunnel %s (the result is %s)."
                          % (tunnel_id, "empty" if not token else "a %s, not a string" % type(token).__name__))
    try:
        doc = json.loads(_b64decode(token.strip()).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeError):
        doc = None
    where = "The tunnel token the API returned for tunnel %s" % tunnel_id
    if not isinstance(doc, dict):
        raise ModuleError("%s is not base64 of a JSON object, the shape cloudflared expects (the token is not shown)." % where)
    missing = [key for key in ("a", "t", "s") if not isinstance(doc.get(key), str) or not doc[key]]
    if missing:
        raise ModuleError("%s lacks %s (it must hold a, t and s; the token is not shown)." % (where, ", ".join(missing)))
    if doc["t"].lower() != tunnel_id.lower():
        raise ModuleError("%s names tunnel %s in its t part, not %s (the token is not shown)." % (where, doc["t"], tunnel_id))
    return {"tunnel_id": doc["t"], "account_tag": doc["a"]}


class TunnelToken(Work):
    """The token ``cloudflared tunnel run`` needs, or a management token; with ``dest``, written to
    a root-only file instead of being returned."""

    @classmethod
    def check(cls, params):
        # The tunnel's identity in its canonical form, as the tunnel's own declaration takes it.
        return super(TunnelToken, cls).check(TOKEN_OWNERS[params["tunnel_type"]].check(params))

    @classmethod
    def validate(cls, params):
        if params["token_type"] == "management" and params["tunnel_type"] == "warp_connector":
            raise ModuleError("token_type: management exists only for cloudflared tunnels (tunnel_type: cfd_tunnel); "
                              "the API has no management token for a WARP connector.")
        if params["token_type"] == "management" and not params["resources"]:
            raise ModuleError("resources must name at least one management resource (logs) for token_type: management.")
        check_dest(params)

    def __init__(self, client, params, check_mode=False, diff=False):
        super(TunnelToken, self).__init__(client, params, check_mode, diff and bool(params.get("dest")))
        self.owner = TOKEN_OWNERS[params["tunnel_type"]](client, params, check_mode)

    def run(self):
        params = self.params
        tunnel = {"id": params["id"]} if params["id"] else self.owner.require()
        self.warnings.extend(self.owner.warnings)
        result = dict(tunnel_type=params["tunnel_type"], token_type=params["token_type"], tunnel_id=None,
                      account_tag=params["account_id"], **self.owner.extra)
        token = None  # a tunnel assumed in check mode (created by an earlier task) has no token yet
        if tunnel.get("id") is not None:
            token = self.fetch(tunnel)
            if params["token_type"] == "tunnel":
                result.update(token_parts(token, tunnel["id"]))
            else:
                result.update(tunnel_id=tunnel["id"], account_tag=tunnel.get("account_tag") or params["account_id"])
        if not params.get("dest"):
            return self.finish(token=token, **result)
        if token is not None:
            self.secrets.add(token)  # written, never returned nor shown
        self.apply_steps([secret_file(params["dest"], token, params.get("owner"), params.get("group"), "the token")])
        return self.finish(dest=params["dest"], **result)

    def fetch(self, tunnel):
        """The token of a live tunnel; a missing tunnel named by id is reported as not found."""
        try:
            if self.params["token_type"] == "tunnel":
                return self.client.get(self.owner.item_path(tunnel["id"], "token"))
            # Asking for another management token changes nothing, so a lost response may be retried.
            token = self.client.post(self.owner.item_path(tunnel["id"], "management"),
                                     {"resources": self.params["resources"]}, idempotent=True)
        except CloudflareError as exc:
            if exc.status == 404 and self.params["id"]:
                raise ModuleError("No live %s with id %s in account %s (%s)."
                                  % (self.owner.noun, tunnel["id"], self.params["account_id"], exc), failure=exc.to_dict(),
                                  not_found=True)
            raise
        if not isinstance(token, str) or not token:
            raise ModuleError("The API returned no management token for tunnel %s." % tunnel["id"])
        return token
