"""The emulator's in-memory state and the domain rules that do not depend on HTTP."""

import base64
import binascii
import copy
import hashlib
import json
import os
import random
import threading
import uuid
from datetime import datetime, timezone

from . import errors
from .ratelimit import RateLimiter

DEFAULT_CONFIG = {
    "account_id": "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5",
    "account_name": "Emulated Account",
    "write_token": "emulator-write-token",
    "read_token": "emulator-read-token",
    "email": "ops@example.com",
    "api_key": "emulator-global-key",
    # extra bearer tokens: {"<token>": "read" | "write" | {"<permission group>": "read" | "write" | "none"}}
    # (groups: TOKEN_GROUPS; a group left out of an object is "none")
    "tokens": {},
    # the Zero Trust organization's team name (auth_domain <team>.cloudflareaccess.com); null: none
    "access_team_name": "emulated-team",
    "zones": ["example.com", "dev.example.com"],
    # what deleting a tunnel does to its routes (reference §6.9): "cascade" = its CIDR routes are
    # deleted with it (the current API); "refuse" = 400 1023 while it has live routes (the 2023 API)
    "tunnel_delete_routes": "cascade",
    # the request budget (ratelimit.py): null = off, else {"quota": N, "window": seconds}
    "rate_limit": None,
    # account limits (Cloudflare One, "Account limits"): live objects per account
    "cfd_tunnel_limit": 1000,
    "warp_connector_limit": 10,
    "route_limit": 1000,  # CIDR and hostname routes together
    # a per_page above a list's maximum: "reject" (400) or "clamp" (pages of the maximum, reported in result_info)
    "per_page_over_max": "reject",
}


def _choice(*values):
    def check(key, value):
        if value not in values:
            raise errors.bad_request("setting '%s' must be one of %s" % (key, ", ".join(values)))
        return value
    return check


def _count(key, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise errors.bad_request("setting '%s' must be a non-negative integer" % key)
    return value


def _rate_limit(key, value):
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"quota", "window"} or not all(
            isinstance(value[k], int) and not isinstance(value[k], bool) and value[k] >= 1 for k in value):
        raise errors.bad_request("setting '%s' must be null or {\"quota\": N, \"window\": seconds}, both integers >= 1" % key)
    return dict(value)


# setting -> (error code, what is counted): the codes and message are the emulator's choice (none is published)
ACCOUNT_LIMITS = {
    "cfd_tunnel_limit": (1024, "cloudflared tunnels"),
    "warp_connector_limit": (1025, "WARP connectors"),
    "route_limit": (1045, "routes (CIDR and hostname routes together)"),
}

# settings a test may change at run time (PATCH /_emulator/settings); reset restores the configured value
SETTINGS = {
    "tunnel_delete_routes": _choice("cascade", "refuse"),
    "rate_limit": _rate_limit,
    "cfd_tunnel_limit": _count,
    "warp_connector_limit": _count,
    "route_limit": _count,
    "per_page_over_max": _choice("reject", "clamp"),
}

# Permission groups a scoped token can hold; "tunnel" covers every endpoint outside /access
TOKEN_GROUPS = ("tunnel", "access_apps", "access_service_tokens", "access_organizations")

DEFAULT_CONNECTOR_VERSION = "2026.8.2"
DEFAULT_ARCH = "linux_amd64"
COLOS = ["DFW", "AMS", "FRA", "SJC", "LHR", "NRT", "SIN", "CDG"]


def now():
    return datetime.now(timezone.utc)


def iso(dt):
    if dt is None:
        return None
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(value):
    """Parse an RFC 3339 date-time; raise ValueError when it is not one."""
    dt = datetime.fromisoformat(value.strip().replace("z", "Z"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt


def check_settings(values):
    """Return the validated settings, or raise a 400 naming the bad key or value."""
    if not isinstance(values, dict):
        raise errors.bad_request("settings must be an object")
    for key in values:
        if key not in SETTINGS:
            raise errors.bad_request("unknown setting '%s' (known: %s)" % (key, ", ".join(sorted(SETTINGS))))
    return {key: SETTINGS[key](key, value) for key, value in values.items()}


def hex_id():
    return uuid.uuid4().hex


def check_secret(secret):
    """Return the secret if it is standard base64 of at least 32 bytes, else raise 1008."""
    if not isinstance(secret, str):
        raise errors.bad_secret()
    try:
        raw = base64.b64decode(secret.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise errors.bad_secret() from None
    if len(raw) < 32:
        raise errors.bad_secret()
    return secret


def _text(value, what):
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise errors.bad_request("%s must be a non-empty string" % what)
    return value


def _config_version(value):
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise errors.bad_request("config_version must be a non-negative integer (or null to follow the tunnel)")


def new_secret():
    return base64.b64encode(os.urandom(32)).decode("ascii")


def make_token(account_id, tunnel_id, secret):
    doc = json.dumps({"a": account_id, "t": tunnel_id, "s": secret}, separators=(",", ":"))
    return base64.b64encode(doc.encode("utf-8")).decode("ascii")


def token_id(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:32]


class Tunnel:
    """A cfd_tunnel or warp_connector tunnel."""

    def __init__(self, account_id, name, tun_type, secret, config_src=None, ha=False):
        self.id = str(uuid.uuid4())
        self.account_tag = account_id
        self.name = name
        self.tun_type = tun_type
        self.secret = secret
        self.config_src = config_src
        self.ha = ha
        self.metadata = {}
        self.created_at = now()
        self.deleted_at = None
        self.conns_active_at = None
        self.conns_inactive_at = None
        # [start, end or None] intervals with >= 1 connection, for was_active_at
        self.active_intervals = []
        self.connectors = {}  # connector id -> connector dict (insertion ordered)
        self.pinned_config = set()  # connector ids whose config_version a test set (they skip config PUTs)
        self.config = None  # cfd_tunnel remote configuration {"config", "created_at"}
        self.config_version = 0
        # warp_connector high availability (…/configurations, …/failover): `ha: true` on create
        # starts in ha_mode "none" (HA on, no provider yet), `ha: false` in "disabled"
        self.ha_mode = "none" if ha else "disabled"
        self.ha_config = None
        self.ha_version = 0
        self.ha_updated_at = None
        self.active_client = None  # the WARP connector that carries the traffic of an HA tunnel

    @property
    def live(self):
        return self.deleted_at is None

    def connections(self):
        return [conn for connector in self.connectors.values() for conn in connector["conns"]]

    def serving(self):
        """Connections not pending a reconnect: the ones that carry traffic."""
        return [conn for conn in self.connections() if not conn["is_pending_reconnect"]]

    def status(self):
        if self.serving():
            return "healthy"
        if self.active_intervals:
            return "down"
        return "inactive"

    def connections_changed(self):
        """Update conns_active_at / conns_inactive_at after connectors came or went."""
        self.elect_active()
        active = bool(self.serving())
        was_active = bool(self.active_intervals) and self.active_intervals[-1][1] is None
        stamp = now()
        if active and not was_active:
            self.active_intervals.append([stamp, None])
            self.conns_active_at = stamp
            self.conns_inactive_at = None
        elif was_active and not active:
            self.active_intervals[-1][1] = stamp
            self.conns_active_at = None
            self.conns_inactive_at = stamp

    @staticmethod
    def is_online(connector):
        return any(not conn["is_pending_reconnect"] for conn in connector["conns"])

    def elect_active(self):
        """An HA tunnel keeps one active connector: the one chosen stays while it is online, else the
        first online one in connection order takes over (an automatic failover)."""
        current = self.connectors.get(self.active_client)
        if current is None or not self.is_online(current):
            self.active_client = next((c["id"] for c in self.connectors.values() if self.is_online(c)), None)

    def ha_status(self, connector):
        """offline / passive / active (WARP connectors, 2026 schema `ha_status`)."""
        if not self.is_online(connector):
            return "offline"
        if self.ha_mode == "disabled" or connector["id"] == self.active_client:
            return "active"
        return "passive"

    def connector_doc(self, connector):
        """A connector as the API shows it: WARP connectors add `ha_status`."""
        doc = copy.deepcopy(connector)
        if self.tun_type == "warp_connector":
            doc["ha_status"] = self.ha_status(connector)
        return doc

    def ha_doc(self):
        """The WARP connector HA configuration (GET/PUT …/warp_connector/{id}/configurations)."""
        doc = {
            "tunnel_id": self.id,
            "ha_mode": self.ha_mode,
            "configuration_version": self.ha_version,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.ha_updated_at),
        }
        if self.ha_config is not None:
            doc["config"] = copy.deepcopy(self.ha_config)
        return doc

    def was_active_at(self, when):
        for start, end in self.active_intervals:
            if start <= when and (end is None or when < end):
                return True
        return False

    def existed_at(self, when):
        return self.created_at <= when and (self.deleted_at is None or self.deleted_at > when)

    def token(self):
        return make_token(self.account_tag, self.id, self.secret)

    def to_api(self):
        doc = {
            "id": self.id,
            "account_tag": self.account_tag,
            "created_at": iso(self.created_at),
            "deleted_at": iso(self.deleted_at),
            "name": self.name,
            "conns_active_at": iso(self.conns_active_at),
            "conns_inactive_at": iso(self.conns_inactive_at),
            "tun_type": self.tun_type,
            "status": self.status(),
            "metadata": dict(self.metadata),
        }
        if self.tun_type == "cfd_tunnel":
            doc["remote_config"] = self.config_src == "cloudflare"
            doc["config_src"] = self.config_src
        return doc

    def credentials_file(self):
        return {
            "AccountTag": self.account_tag,
            "TunnelID": self.id,
            "TunnelName": self.name,
            "TunnelSecret": self.secret,
        }


class State:
    """All emulated objects, guarded by one re-entrant lock."""

    def __init__(self, config=None):
        merged = dict(DEFAULT_CONFIG)
        merged.update(config or {})
        self.config = merged
        self.lock = threading.RLock()
        self.account_id = merged["account_id"]
        self.tokens = {}  # bearer token -> level for the tunnel group ("read", "write" or "none")
        self.token_scopes = {}  # bearer token -> {group: level} for tokens scoped per group
        self.add_token(merged["write_token"], "write")
        self.add_token(merged["read_token"], "read")
        for token, scopes in (merged.get("tokens") or {}).items():
            self.add_token(token, scopes)
        self.configured_tokens = (dict(self.tokens), dict(self.token_scopes))
        self.zones = {}
        self.records = {}
        for name in merged["zones"]:
            self.add_zone(name)
        self.configured_zones = dict(self.zones)
        self.reset()

    # -- lifecycle ------------------------------------------------------------------

    def reset(self):
        with self.lock:
            # configured zones stay with their ids; zones added through the control API go
            self.zones = dict(self.configured_zones)
            self.tunnels = {}  # id -> Tunnel, creation ordered
            self.settings = {}
            self.limiter = None
            self.change_settings(check_settings({k: self.config[k] for k in SETTINGS}))
            self.routes = {}
            self.hostname_routes = {}
            self.vnets = {}
            self.add_vnet("default", is_default=True)
            self.records = {zone_id: {} for zone_id in self.zones}
            self.tokens, self.token_scopes = (dict(part) for part in self.configured_tokens)
            self.access = {"apps": {}, "policies": {}, "service_tokens": {}, "identity_providers": {},
                           "team_name": self.config["access_team_name"], "created_at": iso(now())}
            self.request_log = []
            self.faults = []
            self.random_faults = None
            self.rng = None

    # -- credentials ----------------------------------------------------------------

    def add_token(self, token, scopes):
        """A bearer token: "read" or "write" for every group, or {group: level} (others "none")."""
        levels = ("read", "write", "none")
        if isinstance(scopes, str) and scopes in levels:
            scopes = dict.fromkeys(TOKEN_GROUPS, scopes)
        if (not isinstance(token, str) or not token.strip() or not isinstance(scopes, dict)
                or any(group not in TOKEN_GROUPS or level not in levels for group, level in scopes.items())):
            raise errors.bad_request("a token is a non-empty string with 'read', 'write' or {group: level}; groups: %s"
                                     % ", ".join(TOKEN_GROUPS))
        self.tokens[token] = scopes.get("tunnel", "none")
        self.token_scopes[token] = dict((group, scopes.get(group, "none")) for group in TOKEN_GROUPS)

    def level(self, token, group):
        return self.token_scopes.get(token, {}).get(group, "none")

    def change_settings(self, values):
        """Apply validated settings; a new `rate_limit` starts a fresh budget (null turns it off)."""
        self.settings.update(values)
        if "rate_limit" in values:
            budget = values["rate_limit"]
            self.limiter = RateLimiter(budget["quota"], budget["window"]) if budget else None

    def check_account_limit(self, setting):
        """400 when one more live object would pass an account limit (ACCOUNT_LIMITS)."""
        code, what = ACCOUNT_LIMITS[setting]
        if setting == "route_limit":
            live = len(self.live_routes()) + len(self.live_hostname_routes())
        else:
            tun_type = setting[:-len("_limit")]
            live = sum(1 for t in self.tunnels.values() if t.live and t.tun_type == tun_type)
        if live >= self.settings[setting]:
            raise errors.account_limit(code, self.settings[setting], what)

    # -- zones ----------------------------------------------------------------------

    def add_zone(self, name):
        if not isinstance(name, str) or not name.strip().rstrip("."):
            raise errors.bad_request("zone name is required")
        name = name.strip().rstrip(".").lower()
        with self.lock:
            for zone in self.zones.values():
                if zone["name"] == name:
                    raise errors.zone_name_taken()
            stamp = iso(now())
            zone = {
                "id": hex_id(),
                "name": name,
                "status": "active",
                "paused": False,
                "type": "full",
                "development_mode": 0,
                "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
                "original_name_servers": [],
                "account": {"id": self.account_id, "name": self.config["account_name"]},
                "created_on": stamp,
                "modified_on": stamp,
                "activated_on": stamp,
                "permissions": ["#dns_records:edit", "#dns_records:read", "#zone:read"],
            }
            self.zones[zone["id"]] = zone
            self.records[zone["id"]] = {}
            return zone

    # -- tunnels --------------------------------------------------------------------

    def tunnel(self, tunnel_id, tun_type=None):
        tun = self.tunnels.get(tunnel_id)
        if tun is None or (tun_type is not None and tun.tun_type != tun_type):
            raise errors.tunnel_not_found(tunnel_id)
        return tun

    def live_name_taken(self, name, tun_type, exclude=None):
        return any(t.live and t.name == name and t.tun_type == tun_type and t.id != exclude for t in self.tunnels.values())

    def create_tunnel(self, name, tun_type, secret=None, config_src=None, ha=False):
        if self.live_name_taken(name, tun_type):
            raise errors.duplicate_tunnel()
        self.check_account_limit(tun_type + "_limit")
        tun = Tunnel(self.account_id, name, tun_type, secret or new_secret(), config_src, ha)
        self.tunnels[tun.id] = tun
        return tun

    # -- connectors -----------------------------------------------------------------

    def register_connector(self, token, connector_id=None, version=None, arch=None, connections=4, origin_ip=None,
                           features=None, colos=None, config_version=None):
        """Validate a tunnel token like the edge does and attach a connector.

        A cfd_tunnel connector reports the tunnel's current configuration version and follows
        later PUTs, unless `config_version` is given: then it stays at that version (a stale
        connector) until update_connector unpins it.
        """
        if not isinstance(token, str) or not token:
            raise errors.bad_connector_token()
        try:
            doc = json.loads(base64.b64decode(token.encode("ascii"), validate=True).decode("utf-8"))
        except (binascii.Error, ValueError, UnicodeError):
            raise errors.bad_connector_token() from None
        if not isinstance(doc, dict) or not all(isinstance(doc.get(k), str) for k in ("a", "t", "s")):
            raise errors.bad_connector_token()
        tun = self.tunnels.get(doc["t"])
        if tun is None or not tun.live or doc["a"] != tun.account_tag or doc["s"] != tun.secret:
            raise errors.bad_connector_token()
        if not isinstance(connections, int) or isinstance(connections, bool) or not 0 <= connections <= 16:
            raise errors.bad_request("connections must be an integer 0..16")
        try:
            connector_id = str(uuid.UUID(connector_id)) if connector_id else str(uuid.uuid4())
        except (ValueError, AttributeError, TypeError):
            raise errors.bad_request("connector_id must be a uuid") from None
        for other in self.tunnels.values():
            if connector_id in other.connectors and other is not tun:
                raise errors.bad_request("connector_id is connected to another tunnel")
        version = _text(version, "version") or DEFAULT_CONNECTOR_VERSION
        arch = _text(arch, "arch") or DEFAULT_ARCH
        origin_ip = _text(origin_ip, "origin_ip") or "198.51.100.%d" % random.randint(1, 254)
        if colos is None:
            colos = COLOS
        elif not isinstance(colos, list) or not colos or not all(isinstance(c, str) and c for c in colos):
            raise errors.bad_request("colos must be a non-empty list of colo names")
        if features is not None and (not isinstance(features, list) or not all(isinstance(f, str) for f in features)):
            raise errors.bad_request("features must be a list of strings")
        _config_version(config_version)
        if config_version is not None and tun.tun_type != "cfd_tunnel":
            raise errors.bad_request("WARP connectors have no config_version")
        stamp = iso(now())
        conns = []
        for index in range(connections):
            conn_id = str(uuid.uuid4())
            conns.append({
                "id": conn_id,
                "uuid": conn_id,
                "client_id": connector_id,
                "client_version": version,
                "colo_name": colos[index % len(colos)],
                "opened_at": stamp,
                "origin_ip": origin_ip,
                "is_pending_reconnect": False,
            })
        connector = {
            "id": connector_id,
            "arch": arch,
            "version": version,
            "run_at": stamp,
            "features": list(features) if features is not None else ["ha-origin", "serialized_headers"],
            "conns": conns,
        }
        tun.connectors[connector_id] = connector
        if tun.tun_type == "cfd_tunnel":
            self._set_config_version(tun, connector, config_version)
        tun.connections_changed()
        return tun, connector

    def update_connector(self, connector_id, changes):
        """What a test may change on a running connector: version, arch, config_version, pending_reconnect."""
        allowed = ("version", "arch", "config_version", "pending_reconnect")
        unknown = sorted(set(changes) - set(allowed))
        if unknown:
            raise errors.bad_request("unknown fields: %s (known: %s)" % (", ".join(unknown), ", ".join(allowed)))
        tun = self.find_connector(connector_id)
        if tun is None:
            raise errors.connector_not_found(connector_id)
        connector = tun.connectors[connector_id]
        pending = changes.get("pending_reconnect")
        if pending is not None and not isinstance(pending, bool):
            raise errors.bad_request("pending_reconnect must be a boolean")
        if "config_version" in changes:
            if tun.tun_type != "cfd_tunnel":
                raise errors.bad_request("WARP connectors have no config_version")
            _config_version(changes["config_version"])
        version = _text(changes.get("version"), "version")
        arch = _text(changes.get("arch"), "arch")
        if version:
            connector["version"] = version
            for conn in connector["conns"]:
                conn["client_version"] = version
        if arch:
            connector["arch"] = arch
        if "config_version" in changes:
            self._set_config_version(tun, connector, changes["config_version"])
        if pending is not None:
            for conn in connector["conns"]:
                conn["is_pending_reconnect"] = pending
            tun.connections_changed()
        return tun, connector

    @staticmethod
    def _set_config_version(tun, connector, pinned):
        if pinned is None:
            tun.pinned_config.discard(connector["id"])
            connector["config_version"] = tun.config_version
        else:
            tun.pinned_config.add(connector["id"])
            connector["config_version"] = pinned

    def config_changed(self, tun):
        """After a configuration PUT: every connector not pinned by a test picks the new version up."""
        for connector in tun.connectors.values():
            if connector["id"] not in tun.pinned_config:
                connector["config_version"] = tun.config_version

    def find_connector(self, connector_id):
        for tun in self.tunnels.values():
            if connector_id in tun.connectors:
                return tun
        return None

    def remove_connectors(self, tun, client_id=None):
        if client_id is None:
            tun.connectors.clear()
            tun.pinned_config.clear()
        else:
            tun.connectors.pop(client_id, None)
            tun.pinned_config.discard(client_id)
        tun.connections_changed()

    # -- routes and virtual networks --------------------------------------------------

    def add_vnet(self, name, comment="", is_default=False):
        vnet = {
            "id": str(uuid.uuid4()),
            "name": name,
            "comment": comment,
            "is_default_network": False,
            "created_at": iso(now()),
            "deleted_at": None,
        }
        self.vnets[vnet["id"]] = vnet
        if is_default:
            self.make_default_vnet(vnet)
        return vnet

    def make_default_vnet(self, vnet):
        """The API keeps exactly one default network: making one the default un-defaults the other."""
        for other in self.vnets.values():
            other["is_default_network"] = other is vnet

    def default_vnet(self):
        return next(v for v in self.vnets.values() if v["deleted_at"] is None and v["is_default_network"])

    def live_routes(self, tunnel_id=None, vnet_id=None):
        return [r for r in self.routes.values() if r["deleted_at"] is None
                and (tunnel_id is None or r["tunnel_id"] == tunnel_id)
                and (vnet_id is None or r["virtual_network_id"] == vnet_id)]

    def live_hostname_routes(self, tunnel_id=None):
        return [r for r in self.hostname_routes.values() if r["deleted_at"] is None
                and (tunnel_id is None or r["tunnel_id"] == tunnel_id)]

    def release_tunnel_routes(self, tun, when):
        """Apply the tunnel_delete_routes setting before a tunnel is deleted (reference §6.9).

        cascade: its CIDR routes are deleted with it; hostname routes stay (the reference says
        nothing about them), so a client has to remove them itself. refuse: 400 1023 while any
        live CIDR or hostname route uses the tunnel.
        """
        cidr = self.live_routes(tunnel_id=tun.id)
        if self.settings["tunnel_delete_routes"] == "refuse":
            count = len(cidr) + len(self.live_hostname_routes(tunnel_id=tun.id))
            if count:
                raise errors.tunnel_has_routes(count)
            return
        for route in cidr:
            route["deleted_at"] = iso(when)

    # -- configuration --------------------------------------------------------------

    def config_doc(self, tun):
        stored = tun.config or {"config": {}, "created_at": tun.created_at}
        return {
            "account_id": tun.account_tag,
            "tunnel_id": tun.id,
            "config": copy.deepcopy(stored["config"]),
            "version": tun.config_version,
            "source": tun.config_src or "local",
            "created_at": iso(stored["created_at"]),
        }

    # -- dump -----------------------------------------------------------------------

    def dump(self):
        with self.lock:
            tunnels = []
            for tun in self.tunnels.values():
                doc = tun.to_api()
                doc["connectors"] = [tun.connector_doc(c) for c in tun.connectors.values()]
                if tun.tun_type == "cfd_tunnel":
                    doc["configuration"] = self.config_doc(tun)
                else:
                    doc["ha"] = tun.ha  # what create was given; the API objects carry no `ha`
                    doc["ha_configuration"] = tun.ha_doc()
                tunnels.append(doc)
            return {
                "account_id": self.account_id,
                "tunnels": tunnels,
                "routes": copy.deepcopy(list(self.routes.values())),
                "hostname_routes": copy.deepcopy(list(self.hostname_routes.values())),
                "virtual_networks": copy.deepcopy(list(self.vnets.values())),
                "zones": copy.deepcopy(list(self.zones.values())),
                "dns_records": copy.deepcopy([rec for recs in self.records.values() for rec in recs.values()]),
                "access": copy.deepcopy(self.access),
                "settings": dict(self.settings),
                "faults": copy.deepcopy(self.faults),
                "random_faults": copy.deepcopy(self.random_faults),
                "request_count": len(self.request_log),
            }
