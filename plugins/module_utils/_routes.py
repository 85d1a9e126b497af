# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private networks: virtual networks, CIDR routes and hostname routes, declared for the layer."""

from __future__ import annotations

from ._api import CloudflareError
from ._common import ModuleError, host_bits_set, ip_address, ip_network, limited, name, name_or_uuid, text, timestamp, uuid
from ._module import state_spec
from ._resource import Collection, Listing, Reference, Step
from ._teamnet import HOSTNAME_ROUTES_PATH, ROUTES_PATH, VIRTUAL_NETWORKS_PATH, private_hostname
from ._tunnels import CfdTunnel, WarpConnector

VNET_FIELDS = ("id", "name", "comment", "is_default_network", "created_at", "deleted_at")
VNET_TEXT_LIMIT = 256  # name and comment (API schema: maxLength 256)
ROUTE_FIELDS = ("id", "network", "tunnel_id", "tunnel_name", "tun_type", "virtual_network_id",
                "virtual_network_name", "comment", "created_at", "deleted_at")
HOSTNAME_ROUTE_FIELDS = ("id", "hostname", "tunnel_id", "tunnel_name", "tun_type", "comment", "created_at", "deleted_at")


def is_default(vnet):
    """``is_default_network``, or the older ``is_default`` field."""
    value = vnet.get("is_default_network")
    return vnet.get("is_default") if value is None else value


class VirtualNetwork(Collection):
    noun = "virtual network"
    path = VIRTUAL_NETWORKS_PATH
    result_key = "virtual_network"
    fields = VNET_FIELDS
    updatable = ("name", "comment", "is_default_network")
    reports = ("routes_removed",)
    forms = {"name": limited(name, VNET_TEXT_LIMIT), "comment": limited(text, VNET_TEXT_LIMIT)}
    readers = {"is_default_network": is_default}

    def predict_created(self, body):
        vnet = super(VirtualNetwork, self).predict_created(body)
        vnet.update(comment=body.get("comment", ""), is_default_network=bool(body.get("is_default_network")))
        return vnet

    def current_default(self):
        """The account's default network (every account has one)."""
        found = self.live({"is_default_network": "true", "is_deleted": "false"},
                          lambda vnet: is_default(vnet) and not vnet.get("deleted_at"))
        return found[0] if found else None

    def wrote(self, obj_id, answer=None, deleted=False):
        # A new default network un-defaults the previous one: a loop's listing of them is read again.
        if answer and is_default(answer) and self.client.loop_reads is not None:
            self.client.loop_reads.forget(self.client, self.collection)
        return super(VirtualNetwork, self).wrote(obj_id, answer, deleted)

    def changes(self, current):
        if self.params.get("is_default_network") is False and is_default(current):
            raise ModuleError("Virtual network %r is the default network and cannot stop being it: make another network "
                              "the default instead (is_default_network: true on that one)." % current.get("name"))
        body = super(VirtualNetwork, self).changes(current)
        if body.get("is_default_network"):
            self.note_previous_default(current)
        return body

    def create_body(self):
        body = super(VirtualNetwork, self).create_body()
        if body.get("is_default_network"):
            self.note_previous_default(None)
        return body

    def note_previous_default(self, current):
        """Report the network the API un-defaults, in check mode and real mode alike."""
        previous = self.current_default()
        if previous is not None and previous.get("id") != (current or {}).get("id"):
            self.extra["previous_default"] = self.view(dict(previous, is_default_network=False))

    def steps(self, current):
        if self.state != "absent" or current is None or current.get("deleted_at"):
            return []
        if is_default(current):
            raise ModuleError("Virtual network %r is the default network, which the API does not delete: make another "
                              "network the default first." % current.get("name"))
        routes = [r for r in self.client.paginate(ROUTES_PATH.format(account_id=self.params["account_id"]),
                                                  {"virtual_network_id": current["id"], "is_deleted": "false"})
                  if r.get("virtual_network_id") == current["id"]]
        items = [{"id": r["id"], "network": r.get("network"), "tunnel_id": r.get("tunnel_id")} for r in routes]
        if items and not self.params.get("force"):
            self.still_used(ModuleError("Virtual network %r is used by %d route(s): %s. Remove them first, or set force: true "
                                        "to delete the network together with its routes."
                                        % (current.get("name"), len(items), ", ".join(i["network"] for i in items)),
                                        routes=items))
            return []
        # force=true makes the DELETE take the routes along; nothing of ours to apply.
        return [Step("routes_removed", items, None, changes=False)]

    def delete_query(self):
        return {"force": "true"} if self.params.get("force") else None


def tunnel_class(params):
    return WarpConnector if params.get("tunnel_type") == "warp_connector" else CfdTunnel


def default_network(work):
    vnet = VirtualNetwork(work.client, work.params, work.check_mode).current_default()
    if vnet is None:
        raise ModuleError("Account %s has no default virtual network; name one with virtual_network."
                          % work.params["account_id"])
    return vnet


TUNNEL = Reference("tunnel", "tunnel_id", tunnel_class, present_only=True,
                   copies=(("tunnel_name", "name"), ("tun_type", "tun_type")))
VIRTUAL_NETWORK = Reference("virtual_network", "virtual_network_id", lambda params: VirtualNetwork,
                            default=default_network, copies=(("virtual_network_name", "name"),))


class Route(Collection):
    """What CIDR and hostname routes share: the tunnel they go through (resolved by name or id) and a comment."""

    updatable = ("tunnel_id", "comment")
    forms = {"tunnel": name_or_uuid, "comment": text}

    @classmethod
    def validate(cls, params):
        super(Route, cls).validate(params)
        if params["state"] == "present" and not params.get("tunnel"):
            raise ModuleError("tunnel is required with state: present (the name or id of the tunnel to route through).")

    def predict_created(self, body):
        route = super(Route, self).predict_created(body)
        if route.get("comment") is None:  # the API stores an omitted comment as ""
            route["comment"] = ""
        return route


def exact_network(network):
    """The route list's query for one network exactly: the API has only subset and superset filters,
    and only the network itself is both."""
    return {"network_subset": network, "network_superset": network}


class TunnelRoute(Route):
    """A CIDR route: natural key (network as Cloudflare stores it, virtual network)."""

    noun = "route"
    path = ROUTES_PATH
    result_key = "route"
    key = ("network", "virtual_network_id")
    fields = ROUTE_FIELDS
    forms = {"network": ip_network, "virtual_network": name_or_uuid}
    references = (TUNNEL, VIRTUAL_NETWORK)

    @classmethod
    def check(cls, params):
        checked = super(TunnelRoute, cls).check(params)
        if host_bits_set(params["network"]):
            checked.notes.append("network %s has host bits set; the route is %s." % (params["network"].strip(), checked["network"]))
        return checked

    def describe(self):
        vnet = self.params.get("virtual_network")
        return "network %s in %s" % (self.wanted_value("network"),
                                     "virtual network %r" % vnet if vnet else "the default virtual network")

    def lookup_query(self):
        return dict(self.live_filter, virtual_network_id=self.wanted_value("virtual_network_id"),
                    **exact_network(self.wanted_value("network")))


class HostnameRoute(Route):
    """A private hostname routed through a tunnel, found by the hostname as Cloudflare stores it."""

    noun = "hostname route"
    path = HOSTNAME_ROUTES_PATH
    result_key = "hostname_route"
    key = ("hostname",)
    fields = HOSTNAME_ROUTE_FIELDS
    forms = {"hostname": private_hostname}
    references = (TUNNEL,)

    @classmethod
    def validate(cls, params):
        super(HostnameRoute, cls).validate(params)
        if params["state"] == "present" and params.get("tunnel_type") == "warp_connector":
            raise ModuleError("tunnel_type must be cfd_tunnel for a hostname route: the API routes private hostnames "
                              "only through cloudflared tunnels, not WARP connectors.")


def route_spec(**more):
    """Options every route module shares: the tunnel it goes through, the comment, the state."""
    return state_spec(
        tunnel=dict(type="str"),
        tunnel_type=dict(type="str", default="cfd_tunnel", choices=["cfd_tunnel", "warp_connector"]),
        comment=dict(type="str"),
        **more)


# ---- reading ---------------------------------------------------------------------------
class VirtualNetworkListing(Listing):
    collection = VirtualNetwork
    path = VIRTUAL_NETWORKS_PATH
    result_key = "virtual_networks"
    filters = (("id", "id"), ("name", "name"), ("is_default_network", "is_default_network"), ("is_deleted", "is_deleted"))
    forms = {"id": uuid, "name": name}


IP_EXCLUSIVE = ("tunnel", "network", "network_subset", "network_superset", "comment", "route_id", "tunnel_types",
                "existed_at", "is_deleted")


class TunnelRouteListing(Listing):
    collection = TunnelRoute
    path = ROUTES_PATH
    result_key = "routes"
    filters = (("comment", "comment"), ("is_deleted", "is_deleted"), ("network_subset", "network_subset"),
               ("network_superset", "network_superset"), ("existed_at", "existed_at"), ("route_id", "route_id"),
               ("tunnel_types", "tun_types"))
    forms = {"network": ip_network, "network_subset": ip_network, "network_superset": ip_network, "ip": ip_address, "comment": text,
             "route_id": uuid, "existed_at": timestamp, "tunnel": name_or_uuid, "virtual_network": name_or_uuid}
    references = (Reference("tunnel", "tunnel_id", tunnel_class),
                  Reference("virtual_network", "virtual_network_id", lambda params: VirtualNetwork))

    @classmethod
    def validate(cls, params):
        others = [option for option in IP_EXCLUSIVE if params.get(option)]
        if params.get("ip") is not None and others:
            raise ModuleError("ip finds the live route serving one address and takes only virtual_network as a filter, "
                              "not %s." % ", ".join(others))
        loose = [option for option in ("network_subset", "network_superset") if params.get(option)]
        if params.get("network") is not None and loose:
            raise ModuleError("network lists the routes of exactly that network; it cannot be combined with %s."
                              % " or ".join(loose))

    def query(self):
        query = super(TunnelRouteListing, self).query()
        if self.params.get("network") is not None:
            query.update(exact_network(self.params["network"]))
        return query

    def fetch(self):
        if self.params.get("ip") is None:
            return super(TunnelRouteListing, self).fetch()
        if self.unresolved:
            return []
        lookup = dict((k, v) for k, v in self.resolved.items() if k == "virtual_network_id")
        try:
            route = self.client.get("%s/ip/%s" % (self.list_path(), self.params["ip"]), lookup or None)
        except CloudflareError as exc:
            if exc.status == 404:  # no route serves the address
                return []
            raise
        return [self.view(route)] if route else []


class HostnameRouteListing(Listing):
    collection = HostnameRoute
    path = HOSTNAME_ROUTES_PATH
    result_key = "hostname_routes"
    # hostname (exact) and hostname_contains (any substring) both go out as the API's substring filter
    filters = (("id", "id"), ("hostname", "hostname"), ("hostname_contains", "hostname"), ("comment", "comment"),
               ("existed_at", "existed_at"), ("is_deleted", "is_deleted"))
    forms = {"id": uuid, "hostname": private_hostname, "hostname_contains": name, "comment": text,
             "existed_at": timestamp, "tunnel": name_or_uuid}
    references = (Reference("tunnel", "tunnel_id", tunnel_class),)

    def fetch(self):
        routes = super(HostnameRouteListing, self).fetch()
        if self.params.get("hostname"):  # the option is exact
            routes = [r for r in routes if r.get("hostname") == self.params["hostname"]]
        return routes
