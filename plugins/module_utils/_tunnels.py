# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tunnel declarations: cloudflared tunnels and WARP connectors, and their listings."""

from __future__ import annotations

from ._common import ModuleError, known, name, new_tunnel_secret, timestamp, tunnel_secret, uuid
from ._dns import TunnelDns
from ._module import object_spec
from ._resource import Collection, Listing, Step, WriteOnly
from ._teamnet import routes_removal

TUNNEL_FIELDS = ("id", "name", "account_tag", "config_src", "status", "created_at", "deleted_at",
                 "conns_active_at", "conns_inactive_at", "tun_type", "metadata")
# Same fields as a cloudflared tunnel minus config_src (the API's WARP objects have no ha field either).
WARP_FIELDS = tuple(field for field in TUNNEL_FIELDS if field != "config_src")


def config_src_of(tunnel):
    """``config_src``, or the older ``remote_config`` flag when the API sends only that."""
    if tunnel.get("config_src"):
        return tunnel["config_src"]
    if tunnel.get("remote_config") is not None:
        return "cloudflare" if tunnel["remote_config"] else "local"
    return None


class TunnelResource(Collection):
    """What cloudflared tunnels and WARP connectors share: renamed by id, a rotatable secret."""

    tun_type = None
    updatable = ("name",)
    reports = ("routes_removed",)
    write_only = (WriteOnly("tunnel_secret", form=tunnel_secret, generate=new_tunnel_secret, rotate_option="update_secret"),)

    def predict_created(self, body):
        tunnel = super(TunnelResource, self).predict_created(body)
        tunnel.update(status="inactive", tun_type=self.tun_type, account_tag=self.params["account_id"], metadata={})
        return tunnel

    def steps(self, current):
        """With delete_routes, the tunnel's CIDR and hostname routes go first, whichever way the API
        treats the routes of a deleted tunnel (removed with it, or the delete refused)."""
        # A tunnel deleted already (found by id) may have left hostname routes behind: remove those too.
        if self.state == "absent" and self.params.get("delete_routes") and current is not None:
            return [routes_removal(self.client, self.params["account_id"], current["id"])]
        return []

    def explain_delete_failure(self, exc, current):
        if exc.status == 400 and exc.has_code(1023):
            return exc.with_hint("The %s still has routes and the API refuses to delete it: set delete_routes: true "
                                 "to remove its CIDR and hostname routes first" % self.noun)
        return exc


class CfdTunnel(TunnelResource):
    noun = "tunnel"
    path = "/accounts/{account_id}/cfd_tunnel"
    result_key = "tunnel"
    tun_type = "cfd_tunnel"
    fields = TUNNEL_FIELDS
    create_only = ("config_src",)
    reports = ("connections_removed", "dns_records_removed", "routes_removed")
    fresh_options = ("cleanup_connections",)  # its connections are decided from the tunnel's current conns_active_at
    forms = {"connector_id": uuid}
    readers = {"config_src": config_src_of}

    @classmethod
    def validate(cls, params):
        super(CfdTunnel, cls).validate(params)
        if params.get("connector_id") and not params.get("cleanup_connections"):
            raise ModuleError("connector_id only makes sense with cleanup_connections: true.")

    def create_body(self):
        body = super(CfdTunnel, self).create_body()
        # Everything else here (ingress, DNS, routes) works on remotely managed tunnels.
        body.setdefault("config_src", "cloudflare")
        return body

    def predict_created(self, body):
        tunnel = super(CfdTunnel, self).predict_created(body)
        tunnel["config_src"] = body.get("config_src", "cloudflare")
        return tunnel

    def steps(self, current):
        """DNS records (with delete_dns_records) and connections (with cleanup_connections)."""
        steps = super(CfdTunnel, self).steps(current)
        if self.state == "absent" and self.params.get("delete_dns_records") and current is not None:
            steps.append(TunnelDns(self.client, self.params["account_id"], current["id"]).removal())
        if self.params.get("cleanup_connections") and current is not None and not current.get("deleted_at"):
            steps.append(self.connections_cleanup(current))
        return steps

    def connections_cleanup(self, tunnel):
        """Remove connections; a tunnel that never had or has lost them needs no request at all."""
        path = self.item_path(tunnel["id"], "connections")
        connector_id = self.params.get("connector_id")
        # conns_active_at is null while a tunnel has no connection (API reference, tunnel object).
        connectors = (self.client.get(path) or []) if tunnel.get("conns_active_at") else []
        have = [c.get("id") for c in connectors]
        removed = [cid for cid in have if connector_id in (None, cid)]
        scope = {"client_id": connector_id} if connector_id else None
        return Step("connections_removed", removed, lambda: self.client.delete(path, params=scope),
                    diff=({"connectors": have}, {"connectors": [c for c in have if c not in removed]}) if removed else None)

    def explain_delete_failure(self, exc, current):
        text = " ".join(e["message"] for e in exc.errors).lower()
        if exc.status == 400 and (exc.has_code(1022) or "connection" in text):
            if self.params.get("cleanup_connections"):
                hint = ("Connections of other connectors remain (connector_id limited the cleanup); "
                        "remove connector_id to clean up all connections before deleting.")
            else:
                hint = ("The tunnel still has connections: stop its connectors, or set cleanup_connections: true "
                        "to remove the connections before deleting.")
            return exc.with_hint(hint)
        return super(CfdTunnel, self).explain_delete_failure(exc, current)


class WarpConnector(TunnelResource):
    """A WARP connector tunnel: created from a name (and ``ha``) only; the secret is PATCHed after."""

    noun = "WARP connector"
    path = "/accounts/{account_id}/warp_connector"
    result_key = "warp_connector"
    tun_type = "warp_connector"
    fields = WARP_FIELDS
    create_only = ("ha",)
    write_only = (WriteOnly("tunnel_secret", form=tunnel_secret, generate=new_tunnel_secret, rotate_option="update_secret",
                            on_create=False),)

    def explain_delete_failure(self, exc, current):
        if exc.status == 400 and exc.has_code(1022):
            return exc.with_hint("The WARP connector still has connections and the API offers no cleanup for them: "
                                 "stop WARP on its connector hosts, then delete it")
        return super(WarpConnector, self).explain_delete_failure(exc, current)


# ---- managing ----------------------------------------------------------------------------
def tunnel_spec(**more):
    """Options of a module that manages one tunnel: identity, state and the write-only secret."""
    return object_spec(
        tunnel_secret=dict(type="str", no_log=True),
        update_secret=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
        delete_routes=dict(type="bool", default=False),
        **more)


# ---- reading ---------------------------------------------------------------------------
TUNNEL_TYPES = ("cfd_tunnel", "warp_connector", "ip_sec", "gre", "cni", "warp", "magic")
LIST_FILTERS = (("id", "uuid"), ("name", "name"), ("include_prefix", "include_prefix"),
                ("exclude_prefix", "exclude_prefix"), ("status", "status"), ("is_deleted", "is_deleted"),
                ("existed_at", "existed_at"), ("was_active_at", "was_active_at"), ("was_inactive_at", "was_inactive_at"))


def list_filter_spec(**more):
    """The list endpoints' filters as module options (documented in the tunnel_filters fragment)."""
    spec = dict(
        id=dict(type="str"),
        name=dict(type="str"),
        include_prefix=dict(type="str"),
        exclude_prefix=dict(type="str"),
        status=dict(type="str", choices=["inactive", "degraded", "healthy", "down"]),
        is_deleted=dict(type="bool", default=False),
        existed_at=dict(type="str"),
        was_active_at=dict(type="str"),
        was_inactive_at=dict(type="str"),
        include_connections=dict(type="bool", default=False),
    )
    spec.update(more)
    return spec


class TunnelListing(Listing):
    """Tunnels of one type, filtered as the list endpoint allows, optionally with connectors."""

    collection = CfdTunnel
    path = CfdTunnel.path
    result_key = "tunnels"
    filters = LIST_FILTERS
    forms = dict(id=uuid, name=name, include_prefix=name, exclude_prefix=name,
                 existed_at=timestamp, was_active_at=timestamp, was_inactive_at=timestamp)

    def wants_connectors(self):
        return self.params.get("include_connections")

    def item_path(self, tunnel_id, *more):
        return "/".join((self.collection.path.format(account_id=self.params["account_id"]), tunnel_id) + more)

    def enrich(self, tunnels):
        """Each tunnel's ``connectors`` (one request per tunnel; the endpoint has no paging)."""
        if self.wants_connectors():
            for tunnel in tunnels:  # a tunnel assumed in check mode has none yet
                tunnel["connectors"] = (self.client.get(self.item_path(tunnel["id"], "connections")) or []) if known(tunnel["id"]) else []
        return tunnels


class WarpConnectorListing(TunnelListing):
    collection = WarpConnector
    path = WarpConnector.path
    result_key = "warp_connectors"
