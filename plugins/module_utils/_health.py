# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cfd_tunnel_info beyond the list: connectors, their health (release, configuration), and waiting."""

from __future__ import annotations

from ._common import ModuleError, uuid
from ._ingress import stored_configuration
from ._tunnels import TunnelListing

REPLICA_LIMIT = 25  # active replicas per tunnel (API reference, account limits)


def active_connectors(connectors):
    """Connectors that have at least one connection serving (not pending reconnect)."""
    return [c for c in connectors if any(not conn.get("is_pending_reconnect") for conn in c.get("conns") or [])]


def parse_version(text):
    """A cloudflared release (``2026.8.2``) as a tuple of numbers; None when it is not one."""
    parts = str(text or "").strip().lstrip("v").split(".")
    if not all(part.isdigit() for part in parts) or len(parts) < 2:
        return None
    return tuple(int(part) for part in parts)


def release(value, option):
    """A cloudflared release, like 2026.8.2."""
    if parse_version(value) is None:
        raise ModuleError("%s must be a cloudflared release like 2026.8.2, got %r." % (option, value))
    return value.strip()


def connector_health(connector, min_version, config_version):
    """A connector's health fields: what it runs, where it is connected, and whether it is behind."""
    conns = [c for c in connector.get("conns") or [] if not c.get("is_pending_reconnect")]
    version = parse_version(connector.get("version"))
    has = connector.get("config_version")
    return dict(
        connections=len(conns),
        colos=sorted(set(c.get("colo_name") for c in conns if c.get("colo_name"))),
        origin_ip=next((c.get("origin_ip") for c in conns if c.get("origin_ip")), None),
        outdated=None if min_version is None or version is None else version < parse_version(min_version),
        stale_config=None if config_version is None or has is None else has < config_version,
    )


def health_summary(connectors):
    serving = active_connectors(connectors)
    return dict(replicas=len(serving), replica_limit=REPLICA_LIMIT,
                outdated=sum(1 for c in connectors if c.get("outdated")),
                stale_config=sum(1 for c in connectors if c.get("stale_config")))


class TunnelInfo(TunnelListing):
    """cfd_tunnel_info: tunnels of one type or of several, connectors, one connector, waiting."""

    wait_option = "wait_for"
    filters = TunnelListing.filters + (("tunnel_types", "tun_types"),)
    forms = {"connector_id": uuid, "min_version": release, "wait_for.connector_id": uuid}

    @classmethod
    def validate(cls, params):
        single = params.get("id") or params.get("name")
        if params.get("connector_id") and not single:
            raise ModuleError("connector_id needs id or name to pick the tunnel.")
        wait = params.get("wait_for")
        if wait:
            if not single:
                raise ModuleError("wait_for needs id or name to pick the tunnel to wait for.")
            conditions = (wait["status"], wait["connectors"] is not None, wait["connector_id"],
                          wait["no_outdated"], wait["no_stale_config"])
            if not any(conditions):
                raise ModuleError("wait_for needs at least one of status, connectors, connector_id, no_outdated "
                                  "or no_stale_config.")
            if wait["no_outdated"] and not params.get("min_version"):
                raise ModuleError("wait_for.no_outdated needs min_version: the oldest cloudflared release to accept.")
            if wait["timeout"] < 0 or wait["interval"] <= 0 or (wait["connectors"] or 0) < 0:
                raise ModuleError("wait_for.timeout and wait_for.connectors must not be negative, "
                                  "wait_for.interval must be positive.")

    def list_path(self):
        if self.params.get("tunnel_types"):
            return "/accounts/%s/tunnels" % self.params["account_id"]
        return super(TunnelInfo, self).list_path()

    def counts_connectors(self):
        """Whether waiting needs the connectors although the task did not ask to see them."""
        wait = self.params.get("wait_for")
        return bool(wait) and any((wait["connectors"] is not None, wait["connector_id"], wait.get("no_outdated"), wait.get("no_stale_config")))

    def wants_connectors(self):
        return self.params.get("include_connections") or self.counts_connectors() or self.wants_health()

    def wants_health(self):
        wait = self.params.get("wait_for") or {}
        return any((self.params.get("include_health"), self.params.get("min_version"), wait.get("no_outdated"), wait.get("no_stale_config")))

    def enrich(self, tunnels):
        tunnels = super(TunnelInfo, self).enrich(tunnels)
        for tunnel in tunnels:
            if self.params.get("include_config") or self.wants_health():
                config, version = self.configuration(tunnel)
                if self.params.get("include_config"):
                    tunnel["config"], tunnel["config_version"] = config, version
                if self.wants_health():
                    for connector in tunnel.get("connectors") or []:
                        connector.update(connector_health(connector, self.params.get("min_version"), version))
                    tunnel["health"] = health_summary(tunnel.get("connectors") or [])
        return tunnels

    def configuration(self, tunnel):
        """A remotely managed tunnel's ingress configuration in the options' shape of cfd_tunnel_config."""
        if tunnel.get("config_src") != "cloudflare" or tunnel.get("tun_type") not in (None, "cfd_tunnel"):
            return None, None
        config, version = stored_configuration(self.client.get(self.item_path(tunnel["id"], "configurations")))
        return config.view(), version

    def reached(self, tunnels):
        if len(tunnels) != 1:
            return False
        wait = self.params["wait_for"]
        tunnel = tunnels[0]
        serving = active_connectors(tunnel.get("connectors") or [])
        if wait["status"] and tunnel.get("status") not in wait["status"]:
            return False
        if wait["connectors"] is not None and len(serving) < wait["connectors"]:
            return False
        if wait["connector_id"] and wait["connector_id"] not in [c.get("id") for c in serving]:
            return False
        health = tunnel.get("health") or {}
        if wait.get("no_outdated") and health.get("outdated"):
            return False
        if wait.get("no_stale_config") and health.get("stale_config"):
            return False
        return True

    def describe_wait(self, tunnels):
        wait = self.params["wait_for"]
        wanted = []
        if wait["status"]:
            wanted.append("status in %s" % ", ".join(wait["status"]))
        if wait["connectors"] is not None:
            wanted.append("at least %d serving connectors" % wait["connectors"])
        if wait["connector_id"]:
            wanted.append("connector %s serving" % wait["connector_id"])
        if wait.get("no_outdated"):
            wanted.append("no connector older than %s" % self.params["min_version"])
        if wait.get("no_stale_config"):
            wanted.append("no connector behind the current configuration")
        if not tunnels:
            seen = "no live tunnel matched"
        elif len(tunnels) > 1:
            seen = "%d tunnels matched" % len(tunnels)
        else:
            tunnel = tunnels[0]
            seen = "status %s" % tunnel.get("status")
            if "connectors" in tunnel:
                serving = active_connectors(tunnel["connectors"])
                seen += ", %d serving connectors (%s)" % (len(serving), ", ".join(c.get("id", "?") for c in serving) or "none")
            if "health" in tunnel:
                health = tunnel["health"]
                seen += ", %d outdated, %d with a stale configuration" % (health["outdated"], health["stale_config"])
        named = self.params.get("id") or self.params.get("name")
        return "for tunnel %s: wanted %s; last seen %s." % (named, " and ".join(wanted), seen)

    def present(self, tunnels):
        shown = self.params.get("include_connections") or self.params.get("include_health") or self.params.get("min_version")
        if self.counts_connectors() and not shown:
            tunnels = [dict((k, v) for k, v in t.items() if k != "connectors") for t in tunnels]
        result = {"tunnels": tunnels}
        if self.params.get("connector_id"):
            if len(tunnels) != 1:
                raise ModuleError("connector_id needs exactly one matching tunnel, found %d." % len(tunnels))
            result["connector"] = self.client.get(self.item_path(tunnels[0]["id"], "connectors", self.params["connector_id"]))
        return result
