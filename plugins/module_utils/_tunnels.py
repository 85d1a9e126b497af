# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tunnel resources: cloudflared tunnels and WARP connectors, declared once for every module."""

from __future__ import annotations

from ._common import ModuleError, check_not_empty, check_timestamp, check_tunnel_secret, check_uuid
from ._dns import TunnelDns
from ._resource import Resource

TUNNEL_FIELDS = ("id", "name", "account_tag", "config_src", "status", "created_at", "deleted_at",
                 "conns_active_at", "conns_inactive_at", "tun_type", "metadata")


def config_src_of(tunnel):
    """``config_src``, or the older ``remote_config`` flag when the API sends only that."""
    if tunnel.get("config_src"):
        return tunnel["config_src"]
    if tunnel.get("remote_config") is not None:
        return "cloudflare" if tunnel["remote_config"] else "local"
    return None


class TunnelResource(Resource):
    """What cloudflared tunnels and WARP connectors share: renamed by id, a rotatable secret."""

    tun_type = None
    updatable = ("name",)
    secret = "tunnel_secret"

    def predict_created(self, body):
        tunnel = super(TunnelResource, self).predict_created(body)
        tunnel.update(status="inactive", tun_type=self.tun_type, account_tag=self.params["account_id"], metadata={})
        return tunnel


class CfdTunnel(TunnelResource):
    noun = "tunnel"
    path = "/accounts/{account_id}/cfd_tunnel"
    result_key = "tunnel"
    tun_type = "cfd_tunnel"
    fields = TUNNEL_FIELDS
    create_only = ("config_src",)

    def current_value(self, obj, option):
        if option == "config_src":
            return config_src_of(obj)
        return obj.get(option)

    def predict_created(self, body):
        tunnel = super(CfdTunnel, self).predict_created(body)
        tunnel["config_src"] = body.get("config_src", "local")
        return tunnel

    # ---- connections -------------------------------------------------------------------
    def connections_path(self, tunnel_id):
        return self.item_path(tunnel_id, "connections")

    def connection_scope(self):
        connector_id = self.params.get("connector_id")
        return {"client_id": connector_id} if connector_id else None

    def present(self):
        tunnel = super(CfdTunnel, self).present()
        if self.params.get("cleanup_connections") and tunnel.get("id"):
            self.cleanup_connections(tunnel["id"])
        return tunnel

    def cleanup_connections(self, tunnel_id):
        """Remove connections, as a change only when there are some (reruns send no write)."""
        connector_id = self.params.get("connector_id")
        connectors = self.client.get(self.connections_path(tunnel_id)) or []
        have = [c.get("id") for c in connectors]
        removed = [cid for cid in have if connector_id in (None, cid)]
        self.extra["connections_removed"] = removed
        if not removed:
            return
        self.changed = True
        self.record({"connectors": have}, {"connectors": [cid for cid in have if cid not in removed]})
        if not self.check_mode:
            self.client.delete(self.connections_path(tunnel_id), params=self.connection_scope())

    def absent(self):
        tunnel = super(CfdTunnel, self).absent()
        if self.check_mode and self.changed and self.params.get("delete_dns_records"):
            self.remove_dns_records(tunnel)  # lists what would go; TunnelDns writes nothing in check mode
        return tunnel

    def remove_dns_records(self, tunnel):
        """Remove the CNAMEs that point at the tunnel, in every zone of the account."""
        dns = TunnelDns(self.client, self.params["account_id"], tunnel["id"], self.check_mode)
        removed = dns.remove_tunnel_records()
        self.extra["dns_records_removed"] = removed
        if removed:
            self.record({"dns_records": sorted(TunnelDns.line(r) for r in removed)}, {"dns_records": []})

    def before_delete(self, current):
        if self.params.get("delete_dns_records"):
            self.remove_dns_records(current)
        if self.params.get("cleanup_connections"):
            self.client.delete(self.connections_path(current["id"]), params=self.connection_scope())

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
        return exc


# Same fields as a cloudflared tunnel minus config_src, plus ha (when the API returns it).
WARP_FIELDS = tuple(field for field in TUNNEL_FIELDS if field != "config_src") + ("ha",)


class WarpConnector(TunnelResource):
    """A WARP connector tunnel: created from a name (and ``ha``) only; the secret is PATCHed after."""

    noun = "WARP connector"
    path = "/accounts/{account_id}/warp_connector"
    result_key = "warp_connector"
    tun_type = "warp_connector"
    fields = WARP_FIELDS
    create_only = ("ha",)
    secret_on_create = False

    def predict_created(self, body):
        connector = super(WarpConnector, self).predict_created(body)
        connector["ha"] = bool(body.get("ha"))
        return connector

    def explain_delete_failure(self, exc, current):
        if exc.status == 400 and exc.has_code(1022):
            return exc.with_hint("The WARP connector still has connections and the API offers no cleanup for them: "
                                 "stop WARP on its connector hosts, then delete it")
        return exc


def warp_view(connector):
    return dict((field, connector.get(field)) for field in WARP_FIELDS)


def require(resource):
    """The live object a task names, or a clear error naming what was looked for."""
    obj = resource.find()
    params = resource.params
    what = "id %s" % params["id"] if params.get("id") else "name %r" % params.get("name")
    if obj is None:
        raise ModuleError("No live %s with %s in account %s." % (resource.noun, what, params["account_id"]))
    if obj.get("deleted_at"):
        raise ModuleError("%s with %s was deleted at %s." % (resource.title(), what, obj["deleted_at"]))
    return obj


# ---- managing ----------------------------------------------------------------------------
def tunnel_spec(**more):
    """Options of a module that manages one tunnel: identity, state and the write-only secret."""
    spec = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tunnel_secret=dict(type="str", no_log=True),
        update_secret=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
    )
    spec.update(more)
    return spec


def check_tunnel_params(params):
    check_uuid(params["id"], "id")
    check_not_empty(params["name"], "name")
    check_tunnel_secret(params["tunnel_secret"])


# ---- reading ---------------------------------------------------------------------------
LIST_FILTERS = ("name", "include_prefix", "exclude_prefix", "status", "existed_at", "was_active_at", "was_inactive_at")
TUNNEL_TYPES = ("cfd_tunnel", "warp_connector", "ip_sec", "gre", "cni", "warp", "magic")


def list_filter_spec():
    """The list endpoints' filters as module options (documented in the tunnel_filters fragment)."""
    return dict(
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


def check_list_filters(params):
    check_uuid(params["id"], "id")
    check_not_empty(params["name"], "name")
    for option in ("existed_at", "was_active_at", "was_inactive_at"):
        check_timestamp(params[option], option)


def add_connectors(client, collection, tunnels):
    """Give each listed tunnel its ``connectors`` (one request per tunnel; the endpoint has no paging)."""
    for tunnel in tunnels:
        tunnel["connectors"] = client.get("%s/%s/connections" % (collection, tunnel["id"])) or []
    return tunnels


def list_query(params):
    """The list endpoint's query string for the filter options a task gave."""
    query = dict((key, params[key]) for key in LIST_FILTERS if params.get(key) is not None)
    if params.get("id"):
        query["uuid"] = params["id"]
    if params.get("is_deleted") is not None:
        query["is_deleted"] = "true" if params["is_deleted"] else "false"
    return query


def tunnel_view(tunnel):
    view = dict((field, tunnel.get(field)) for field in TUNNEL_FIELDS)
    view["config_src"] = config_src_of(tunnel)
    return view


def active_connectors(connectors):
    """Connectors that have at least one connection serving (not pending reconnect)."""
    return [c for c in connectors if any(not conn.get("is_pending_reconnect") for conn in c.get("conns") or [])]
