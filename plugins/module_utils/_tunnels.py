# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tunnel declarations: cloudflared tunnels, WARP connectors, their listings and tokens."""

from __future__ import annotations

import base64
import binascii
import grp
import json
import os
import pwd
import stat
import tempfile

from ._api import CloudflareError
from ._common import ModuleError, check_name, check_timestamp, check_tunnel_secret, check_uuid, new_tunnel_secret
from ._dns import TunnelDns
from ._ingress import stored_configuration
from ._resource import Collection, Listing, Step, Work, WriteOnly
from ._teamnet import routes_removal

TUNNEL_FIELDS = ("id", "name", "account_tag", "config_src", "status", "created_at", "deleted_at",
                 "conns_active_at", "conns_inactive_at", "tun_type", "metadata")
# Same fields as a cloudflared tunnel minus config_src, plus ha (when the API returns it).
WARP_FIELDS = tuple(field for field in TUNNEL_FIELDS if field != "config_src") + ("ha",)
TUNNEL_SECRET = WriteOnly("tunnel_secret", validate=check_tunnel_secret, generate=new_tunnel_secret,
                          rotate_option="update_secret")


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
    write_only = (TUNNEL_SECRET,)

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

    @classmethod
    def check(cls, params):
        super(CfdTunnel, cls).check(params)
        check_uuid(params.get("connector_id"), "connector_id")
        if params.get("connector_id") and not params.get("cleanup_connections"):
            raise ModuleError("connector_id only makes sense with cleanup_connections: true.")

    def current_value(self, obj, option):
        if option == "config_src":
            return config_src_of(obj)
        return obj.get(option)

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
    write_only = (WriteOnly("tunnel_secret", validate=check_tunnel_secret, generate=new_tunnel_secret,
                            rotate_option="update_secret", on_create=False),)

    def predict_created(self, body):
        connector = super(WarpConnector, self).predict_created(body)
        connector["ha"] = bool(body.get("ha"))
        return connector

    def explain_delete_failure(self, exc, current):
        if exc.status == 400 and exc.has_code(1022):
            return exc.with_hint("The WARP connector still has connections and the API offers no cleanup for them: "
                                 "stop WARP on its connector hosts, then delete it")
        return super(WarpConnector, self).explain_delete_failure(exc, current)


# ---- managing ----------------------------------------------------------------------------
def tunnel_spec(**more):
    """Options of a module that manages one tunnel: identity, state and the write-only secret."""
    spec = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tunnel_secret=dict(type="str", no_log=True),
        update_secret=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
        delete_routes=dict(type="bool", default=False),
    )
    spec.update(more)
    return spec


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


def check_version(value, option):
    if value is not None and parse_version(value) is None:
        raise ModuleError("%s must be a cloudflared release like 2026.8.2, got %r." % (option, value))


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


class TunnelListing(Listing):
    """Tunnels of one type, filtered as the list endpoint allows, optionally with connectors."""

    owner = CfdTunnel
    path = CfdTunnel.path
    result_key = "tunnels"
    filters = LIST_FILTERS
    fields = TUNNEL_FIELDS

    @classmethod
    def check(cls, params):
        check_uuid(params.get("id"), "id")
        check_name(params.get("name"), "name")
        for option in ("include_prefix", "exclude_prefix"):
            if params.get(option) is not None and not params[option].strip():
                raise ModuleError("%s must not be empty (omit it to list every tunnel)." % option)
        for option in ("existed_at", "was_active_at", "was_inactive_at"):
            check_timestamp(params.get(option), option)

    def view(self, obj):
        view = dict((field, obj.get(field)) for field in self.fields)
        if "config_src" in self.fields:
            view["config_src"] = config_src_of(obj)
        return view

    def wants_connectors(self):
        return self.params.get("include_connections")

    def item_path(self, tunnel_id, *more):
        return "/".join((self.owner.path.format(account_id=self.params["account_id"]), tunnel_id) + more)

    def enrich(self, tunnels):
        """Each tunnel's ``connectors`` (one request per tunnel; the endpoint has no paging)."""
        if self.wants_connectors():
            for tunnel in tunnels:
                tunnel["connectors"] = self.client.get(self.item_path(tunnel["id"], "connections")) or []
        return tunnels


class WarpConnectorListing(TunnelListing):
    owner = WarpConnector
    path = WarpConnector.path
    result_key = "warp_connectors"
    fields = WARP_FIELDS


class TunnelInfo(TunnelListing):
    """cfd_tunnel_info: tunnels of one type or of several, connectors, one connector, waiting."""

    wait_option = "wait_for"

    @classmethod
    def check(cls, params):
        super(TunnelInfo, cls).check(params)
        check_uuid(params.get("connector_id"), "connector_id")
        check_version(params.get("min_version"), "min_version")
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
            check_uuid(wait["connector_id"], "wait_for.connector_id")
            if wait["timeout"] < 0 or wait["interval"] <= 0 or (wait["connectors"] or 0) < 0:
                raise ModuleError("wait_for.timeout and wait_for.connectors must not be negative, "
                                  "wait_for.interval must be positive.")

    def list_path(self):
        if self.params.get("tunnel_types"):
            return "/accounts/%s/tunnels" % self.params["account_id"]
        return super(TunnelInfo, self).list_path()

    def query(self):
        query = super(TunnelInfo, self).query()
        if self.params.get("tunnel_types"):
            query["tun_types"] = ",".join(self.params["tunnel_types"])
        return query

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


# ---- tokens ------------------------------------------------------------------------------
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


TOKEN_FILE_MODE = 0o600


def file_owner_ids(owner, group):
    """(uid, gid) for the owner and group options; -1 keeps what the file has."""
    uid = gid = -1
    try:
        if owner is not None:
            uid = int(owner) if str(owner).isdigit() else pwd.getpwnam(owner).pw_uid
        if group is not None:
            gid = int(group) if str(group).isdigit() else grp.getgrnam(group).gr_gid
    except KeyError:
        raise ModuleError("%s %r does not exist on this host." % (("owner", owner) if owner is not None and uid == -1
                                                                  else ("group", group)))
    return uid, gid


def token_file(path, token, owner, group):
    """A Step that writes the token to ``path`` atomically, mode 0600, only when something differs."""
    uid, gid = file_owner_ids(owner, group)
    content = token.encode("utf-8")
    try:
        info = os.stat(path)
        with open(path, "rb") as handle:
            same = handle.read() == content
    except FileNotFoundError:
        info, same = None, False
    except OSError as exc:
        raise ModuleError("dest %s cannot be read: %s." % (path, exc.strerror))
    differs = not same or info is None or stat.S_IMODE(info.st_mode) != TOKEN_FILE_MODE or uid not in (-1, info.st_uid) or gid not in (-1, info.st_gid)

    def write():
        folder = os.path.dirname(os.path.abspath(path))
        temporary = None
        try:
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tunnel-token-")
            with os.fdopen(handle, "wb") as out:
                os.fchmod(out.fileno(), TOKEN_FILE_MODE)  # before the secret is in it
                if (uid, gid) != (-1, -1):
                    os.fchown(out.fileno(), uid, gid)
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
            temporary = None
        except OSError as exc:
            raise ModuleError("dest %s cannot be written: %s." % (path, exc.strerror))
        finally:
            if temporary is not None and os.path.exists(temporary):
                os.unlink(temporary)

    state = "(hidden, %s)" % ("unchanged" if same else "absent" if info is None else "different")
    return Step(None, [], write, changes=differs,
                diff=({"dest": {"path": path, "content": state}}, {"dest": {"path": path, "content": "(hidden, the token)"}}))


class TunnelToken(Work):
    """The token ``cloudflared tunnel run`` needs, or a management token; with ``dest``, written to
    a root-only file instead of being returned."""

    @classmethod
    def check(cls, params):
        TOKEN_OWNERS[params["tunnel_type"]].check(params)
        if params["token_type"] == "management" and params["tunnel_type"] == "warp_connector":
            raise ModuleError("token_type: management exists only for cloudflared tunnels (tunnel_type: cfd_tunnel); "
                              "the API has no management token for a WARP connector.")
        if params["token_type"] == "management" and not params["resources"]:
            raise ModuleError("resources must name at least one management resource (logs) for token_type: management.")
        if (params.get("owner") is not None or params.get("group") is not None) and not params.get("dest"):
            raise ModuleError("owner and group only apply with dest (the file the token is written to).")
        if params.get("dest") is not None and (not params["dest"].strip() or params["dest"].endswith("/")):
            raise ModuleError("dest must be the path of a file, got %r." % params["dest"])
        file_owner_ids(params.get("owner"), params.get("group"))

    def __init__(self, client, params, check_mode=False, diff=False):
        super(TunnelToken, self).__init__(client, params, check_mode, diff and bool(params.get("dest")))
        self.owner = TOKEN_OWNERS[params["tunnel_type"]](client, params, check_mode)

    def run(self):
        params = self.params
        tunnel = {"id": params["id"]} if params["id"] else self.owner.require()
        self.warnings.extend(self.owner.warnings)
        result = dict(tunnel_type=params["tunnel_type"], token_type=params["token_type"], **self.owner.extra)
        if tunnel.get("id") is None:  # check mode, tunnel assumed created by an earlier task
            if params.get("dest"):
                self.changed = True
                return self.finish(dest=params["dest"], tunnel_id=None, account_tag=params["account_id"], **result)
            return self.finish(token=None, tunnel_id=None, account_tag=params["account_id"], **result)
        try:
            token = self.fetch(tunnel["id"])
        except CloudflareError as exc:
            if exc.status == 404 and params["id"]:
                raise ModuleError("No live %s with id %s in account %s (%s)."
                                  % (self.owner.noun, tunnel["id"], params["account_id"], exc), failure=exc.to_dict(),
                                  not_found=True)
            raise
        if params["token_type"] == "tunnel":
            result.update(token_parts(token, tunnel["id"]))
        else:
            if not isinstance(token, str) or not token:
                raise ModuleError("The API returned no management token for tunnel %s." % tunnel["id"])
            result.update(tunnel_id=tunnel["id"], account_tag=tunnel.get("account_tag") or params["account_id"])
        if not params.get("dest"):
            return self.finish(token=token, **result)
        self.secrets.add(token)  # written, never returned nor shown
        self.apply_steps([token_file(params["dest"], token, params.get("owner"), params.get("group"))])
        return self.finish(dest=params["dest"], **result)

    def fetch(self, tunnel_id):
        if self.params["token_type"] == "management":
            # Asking for another management token changes nothing, so a lost response may be retried.
            return self.client.post(self.owner.item_path(tunnel_id, "management"),
                                    {"resources": self.params["resources"]}, idempotent=True)
        return self.client.get(self.owner.item_path(tunnel_id, "token"))
