# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ingress configuration of a remotely managed tunnel: validate, normalise, merge, compare.

Pure: no client, no paths, no check mode. The task's rules are turned into one normalised form
once (:class:`TaskIngress`); stored documents are parsed into :class:`Configuration`. Both keep
rules in the API's own shape (``hostname``, ``path``, ``service``, ``originRequest`` in
camelCase), so they compare semantically: hostnames lower-case without a trailing dot (the one
normaliser is ``_common.normalise_hostname``), an empty ``path`` or ``originRequest`` the same as
none, ``access.required: false`` the same as no ``required``. Snake_case appears only at the
edges: the task's options going in, :meth:`Configuration.view` coming out.
"""

from __future__ import annotations

import copy
import re

from ._common import ModuleError, hostname, name_or_uuid, normalise_hostname

DEFAULT_CATCH_ALL = "http_status:404"

# Our snake_case option, the API's originRequest key, and the option's argument spec: one table.
ORIGIN_REQUEST = (
    ("connect_timeout", "connectTimeout", dict(type="int")),
    ("tls_timeout", "tlsTimeout", dict(type="int")),
    ("tcp_keep_alive", "tcpKeepAlive", dict(type="int")),
    ("keep_alive_timeout", "keepAliveTimeout", dict(type="int")),
    ("keep_alive_connections", "keepAliveConnections", dict(type="int")),
    ("no_happy_eyeballs", "noHappyEyeballs", dict(type="bool")),
    ("no_tls_verify", "noTLSVerify", dict(type="bool")),
    ("disable_chunked_encoding", "disableChunkedEncoding", dict(type="bool")),
    ("http2_origin", "http2Origin", dict(type="bool")),
    ("http_host_header", "httpHostHeader", dict(type="str")),
    ("origin_server_name", "originServerName", dict(type="str")),
    ("ca_pool", "caPool", dict(type="str")),
    ("proxy_type", "proxyType", dict(type="str", choices=["", "socks"])),
    ("access", "access", dict(type="dict", options=dict(
        aud_tag=dict(type="list", elements="str", required=True),
        team_name=dict(type="str", required=True),
        required=dict(type="bool"),
    ))),
)
ORIGIN_REQUEST_KEYS = tuple((ours, theirs) for ours, theirs, _spec in ORIGIN_REQUEST)
ACCESS_KEYS = (("aud_tag", "audTag"), ("team_name", "teamName"), ("required", "required"))
NON_NEGATIVE = ("connect_timeout", "tls_timeout", "tcp_keep_alive", "keep_alive_timeout", "keep_alive_connections")

URL_SCHEMES = ("http", "https", "tcp", "ssh", "rdp", "smb")
NAMED_SERVICES = ("hello_world", "hello-world", "bastion", "socks-proxy")
LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
HTTP_STATUS_RE = re.compile(r"^http_status:(\d{3})$")
URL_RE = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<host>\[[0-9a-fA-F:.]+\]|[^/:?#\[\]@]+)(?::(?P<port>[^/?#]*))?(?P<rest>.*)$")


def origin_request_option_spec():
    """The argument spec of an ``origin_request`` dict (global defaults and per rule)."""
    return dict((ours, copy.deepcopy(spec)) for ours, _theirs, spec in ORIGIN_REQUEST)


def ingress_rule_option_spec():
    return dict(
        hostname=dict(type="str", required=True),
        path=dict(type="str"),
        service=dict(type="str"),
        origin_request=dict(type="dict", options=origin_request_option_spec()),
        access=dict(type="dict", options=dict(application=dict(type="str"), required=dict(type="bool", default=True))),
    )


# ---- validation ---------------------------------------------------------------------------

def rule_hostname(value, where):
    """A rule's public hostname, normalised (a leading ``*.`` label allowed); ``*`` is every hostname."""
    if normalise_hostname(value) == "*":
        return "*"
    return hostname(value, "%s: hostname" % where, min_labels=2)


def check_service(service, where):
    """A service the API accepts: a URL of a known scheme, a unix socket, http_status:NNN or a named one."""
    if service is None or not service.strip():
        raise ModuleError("%s: service is required (for example http://localhost:8080 or http_status:404)." % where)
    value = service.strip()
    status = HTTP_STATUS_RE.match(value)
    if status:
        if not 100 <= int(status.group(1)) <= 599:
            raise ModuleError("%s: service %r: the HTTP status must be between 100 and 599." % (where, service))
        return value
    if value.startswith("http_status:"):
        raise ModuleError("%s: service %r must be http_status: followed by a three-digit status code." % (where, service))
    if value in NAMED_SERVICES:
        return value
    for prefix in ("unix+tls:", "unix:"):
        if value.startswith(prefix):
            path = value[len(prefix):]
            path = path[2:] if path.startswith("//") else path
            if not path.startswith("/"):
                raise ModuleError("%s: service %r must name an absolute socket path, like %s/run/app.sock."
                                  % (where, service, prefix))
            return value
    match = URL_RE.match(value)
    scheme = match.group("scheme").lower() if match else value.split(":", 1)[0].lower() if ":" in value else None
    if scheme not in URL_SCHEMES:
        raise ModuleError(
            "%s: service %r is not one the API accepts: use http://, https://, tcp://, ssh://, rdp://, smb:// "
            "URLs, unix:/path or unix+tls:/path sockets, http_status:NNN, hello_world, bastion or socks-proxy."
            % (where, service))
    if not match:
        raise ModuleError("%s: service %r is not a valid URL (scheme://host[:port])." % (where, service))
    port = match.group("port")
    if port is not None and not (port.isdigit() and 1 <= int(port) <= 65535):
        raise ModuleError("%s: service %r has an invalid port %r." % (where, service, port))
    if match.group("rest") not in ("", "/"):
        raise ModuleError("%s: service %r must not have a path, query or fragment: the origin gets the path of "
                          "the request (use 'path' to match request paths)." % (where, service))
    return value


def check_path(path, where):
    if path is None or path == "":
        return None
    try:
        re.compile(path)
    except re.error as exc:
        raise ModuleError("%s: path %r is not a valid regular expression: %s." % (where, path, exc))
    return path


def check_origin_request(options, where):
    if not options:
        return
    for key in NON_NEGATIVE:
        if options.get(key) is not None and options[key] < 0:
            raise ModuleError("%s: %s must not be negative." % (where, key))
    for key in ("http_host_header", "origin_server_name"):
        if options.get(key) is not None and not options[key].strip():
            raise ModuleError("%s: %s must not be empty (omit it to keep cloudflared's default)." % (where, key))
    access = options.get("access")
    if access is not None:
        if not access.get("aud_tag") or any(not (tag or "").strip() for tag in access["aud_tag"]):
            raise ModuleError("%s: access.aud_tag must list at least one non-empty audience tag." % where)
        if not (access.get("team_name") or "").strip():
            raise ModuleError("%s: access.team_name must not be empty." % where)


def check_ingress(rules, state, mode):
    """The ``ingress`` option in canonical form (hostname normalised, an empty path none, the service
    stripped); raises ModuleError naming the rule and what is wrong."""
    seen = {}
    canonical = []
    for index, rule in enumerate(rules or []):
        where = "ingress[%d]" % index
        rule = dict(rule, hostname=rule_hostname(rule.get("hostname"), where), path=check_path(rule.get("path"), where))
        if state == "present":
            rule["service"] = check_service(rule.get("service"), where)
            check_origin_request(rule.get("origin_request"), where + ".origin_request")
            if rule["hostname"] == "*" and rule["path"] is None:
                raise ModuleError("%s: a rule for every hostname and path is the catch-all, which must be last; "
                                  "set catch_all_service instead." % where)
            rule["access"] = check_access(rule, where)
        # With state=absent, service and origin_request are ignored: one task can toggle its state.
        key = (rule["hostname"], rule["path"])
        if key in seen:
            raise ModuleError("%s repeats hostname %r%s of ingress[%d]; each hostname and path may appear once."
                              % (where, rule["hostname"], " with path %r" % rule["path"] if rule["path"] else "", seen[key]))
        seen[key] = index
        canonical.append(rule)
    if state == "absent" and mode == "merge" and not canonical:
        raise ModuleError("state=absent with mode=merge needs ingress: the rules (hostnames) to remove.")
    return canonical


def check_access(rule, where):
    """A rule's ``access`` (the Access application cloudflared checks tokens for), canonical: the
    application's name or id, or None to find it by the rule's hostname."""
    access = rule.get("access")
    if access is None:
        return None
    if (rule.get("origin_request") or {}).get("access") is not None:
        raise ModuleError("%s: give access (the module finds the team name and aud tag) or origin_request.access "
                          "(both by hand), not both." % where)
    application = access.get("application")
    if application is None and "*" in rule["hostname"]:
        raise ModuleError("%s: access needs application (a name or id) on a rule for %s: the application is found by "
                          "the rule's hostname only for one hostname." % (where, rule["hostname"]))
    return dict(access, application=None if application is None else name_or_uuid(application, where + ".access.application"))


def wired_access(params):
    """(index of the rule, its hostname, its canonical ``access``) of every rule that asks for Access."""
    return [(index, rule["hostname"], rule["access"]) for index, rule in enumerate(params.get("ingress") or [])
            if rule.get("access") and params.get("state") == "present"]


# ---- conversion ---------------------------------------------------------------------------

def origin_request_to_api(options):
    """Our snake_case origin_request (None values dropped) in the API's camelCase."""
    if not options:
        return {}
    out = {}
    for ours, theirs in ORIGIN_REQUEST_KEYS:
        value = options.get(ours)
        if value is None:
            continue
        if ours == "access":
            value = dict((api_key, value[key]) for key, api_key in ACCESS_KEYS if value.get(key) is not None)
        out[theirs] = value
    return normalise_origin_request(out)


def origin_request_from_api(origin):
    """The API's originRequest in our snake_case; keys we do not know keep their API name."""
    if not origin:
        return {}
    names = dict((theirs, ours) for ours, theirs in ORIGIN_REQUEST_KEYS)
    out = {}
    for key, value in origin.items():
        if key == "access" and isinstance(value, dict):
            access_names = dict((theirs, ours) for ours, theirs in ACCESS_KEYS)
            value = dict((access_names.get(k, k), v) for k, v in value.items())
        out[names.get(key, key)] = value
    return out


def normalise_origin_request(origin):
    if not isinstance(origin, dict):
        return {}
    out = {}
    for key, value in origin.items():
        if value is None:
            continue
        if key == "access" and isinstance(value, dict):
            value = dict((k, v) for k, v in value.items() if v is not None and not (k == "required" and v is False))
            if "audTag" in value and isinstance(value["audTag"], list):
                value["audTag"] = list(value["audTag"])
        out[key] = value
    return out


def normalise_rule(rule):
    """One rule in the canonical API shape, for comparing and sending."""
    out = {}
    hostname = rule.get("hostname")
    if hostname:
        out["hostname"] = normalise_hostname(hostname)
    if rule.get("path"):
        out["path"] = rule["path"]
    out["service"] = (rule.get("service") or "").strip()
    origin = normalise_origin_request(rule.get("originRequest"))
    if origin:
        out["originRequest"] = origin
    for key, value in rule.items():  # anything else the API stores stays as it is
        if key not in ("hostname", "path", "service", "originRequest") and value is not None:
            out[key] = copy.deepcopy(value)
    return out


class TaskIngress(object):
    """The task's ``ingress``, normalised once: API rules, removal targets and owned hostnames."""

    def __init__(self, params):
        self.state = params["state"]
        self.mode = params["mode"]
        self.origin_request = params.get("origin_request")
        self.catch_all_service = params.get("catch_all_service")
        self.rules = []
        self.targets = []  # (hostname, path or None) of each listed rule
        for rule in params.get("ingress") or []:  # canonical since check_ingress
            api_rule = {"hostname": rule["hostname"], "service": rule.get("service") or ""}
            if rule["path"]:
                api_rule["path"] = rule["path"]
            origin = origin_request_to_api(rule.get("origin_request"))
            if origin:
                api_rule["originRequest"] = origin
            self.rules.append(api_rule)
            self.targets.append((rule["hostname"], rule["path"]))
        self.hostnames = []  # listed hostnames in order, without the "*" of path-only rules
        for hostname, _path in self.targets:
            if hostname != "*" and hostname not in self.hostnames:
                self.hostnames.append(hostname)

    def removes(self, rule):
        """Whether a stored rule is one that state=absent with mode=merge removes."""
        return any(rule.get("hostname") == hostname and (not path or path == rule.get("path"))
                   for hostname, path in self.targets)


def is_catch_all(rule):
    hostname = normalise_hostname(rule.get("hostname"))
    return hostname in ("", "*") and not rule.get("path")


def stored_configuration(result):
    """(Configuration, version) from what the configurations endpoint answers."""
    result = result or {}
    if "config" in result or "version" in result:
        return Configuration(result.get("config")), result.get("version")
    return Configuration(result), None  # an older API shape: the bare configuration


class Configuration(object):
    """A tunnel configuration split into its parts: rules, catch-all, global originRequest, the rest."""

    def __init__(self, config):
        config = copy.deepcopy(config or {})
        ingress = [normalise_rule(rule) for rule in config.pop("ingress", None) or [] if isinstance(rule, dict)]
        self.catch_all = ingress.pop() if ingress and is_catch_all(ingress[-1]) else None
        self.rules = ingress
        self.origin_request = normalise_origin_request(config.pop("originRequest", None))
        self.other = config  # keys we do not manage, such as the deprecated warp-routing
        self.empty = not (self.rules or self.catch_all or self.origin_request)

    def to_api(self):
        config = copy.deepcopy(self.other)
        if self.origin_request:
            config["originRequest"] = copy.deepcopy(self.origin_request)
        if self.rules or self.catch_all:
            config["ingress"] = copy.deepcopy(self.rules) + [copy.deepcopy(self.catch_all or {"service": DEFAULT_CATCH_ALL})]
        return config

    def hostnames(self):
        return set(rule["hostname"] for rule in self.rules if rule.get("hostname") and rule["hostname"] != "*")

    def view(self):
        """What users see in diffs: our option names, one entry per rule."""
        view = {"ingress": [rule_view(rule) for rule in self.rules]}
        view["catch_all_service"] = (self.catch_all or {}).get("service") if self.catch_all else None
        view["origin_request"] = origin_request_from_api(self.origin_request)
        return view


def rule_view(rule):
    view = {"hostname": rule.get("hostname"), "service": rule.get("service")}
    if rule.get("path"):
        view["path"] = rule["path"]
    if rule.get("originRequest"):
        view["origin_request"] = origin_request_from_api(rule["originRequest"])
    return view


def wildcard_matches(pattern, hostname):
    """Whether a rule hostname (maybe ``*.zone``) matches a concrete hostname."""
    if pattern == hostname or pattern == "*":
        return True
    return pattern.startswith("*.") and hostname.endswith(pattern[1:]) and hostname != pattern[2:]


def covers(first, second):
    """Whether rule ``first`` takes every request rule ``second`` would match (so ``second``,
    coming later, is never reached): the same or a covering hostname, and every path or the same one."""
    host, other = first.get("hostname") or "*", second.get("hostname") or "*"
    if host != other and not (host == "*" or (host.startswith("*.") and "*" not in other and wildcard_matches(host, other))):
        return False
    return not first.get("path") or first.get("path") == second.get("path")


def shadowed(rules):
    """(index of the earlier rule, index of the later rule it shadows) for every such pair."""
    return [(i, j) for j, later in enumerate(rules) for i, earlier in enumerate(rules[:j]) if covers(earlier, later)]


def describe_rule(rule):
    return "%s%s" % (rule.get("hostname") or "*", " path %s" % rule["path"] if rule.get("path") else " (all paths)")


# ---- building the wanted document ---------------------------------------------------------

def catch_all_rule(service):
    return {"service": service.strip()}


def build_replace(stored, task):
    """mode=replace: the document becomes exactly the task's rules, defaults and catch-all."""
    doc = copy.copy(stored)
    absent = task.state == "absent"
    doc.rules = [] if absent else list(task.rules)
    doc.origin_request = {} if absent else origin_request_to_api(task.origin_request)
    doc.catch_all = catch_all_rule((not absent and task.catch_all_service) or DEFAULT_CATCH_ALL)
    if absent and stored.empty:
        doc.catch_all = None  # nothing configured, nothing to write
    doc.empty = not (doc.rules or doc.catch_all or doc.origin_request)
    return doc


def build_merge(stored, task):
    """mode=merge: own only the listed hostnames; everyone else's rules stay where they are."""
    doc = copy.copy(stored)
    if task.state == "absent":
        doc.rules = [rule for rule in stored.rules if not task.removes(rule)]
    else:
        doc.rules = _merge_rules(stored.rules, task.rules)
        if task.origin_request is not None:
            doc.origin_request = origin_request_to_api(task.origin_request)
        if task.catch_all_service:
            doc.catch_all = catch_all_rule(task.catch_all_service)
        elif doc.catch_all is None:
            doc.catch_all = catch_all_rule(DEFAULT_CATCH_ALL)
    doc.empty = not (doc.rules or doc.catch_all or doc.origin_request)
    return doc


def _merge_rules(current, wanted):
    """Replace the rules of each wanted hostname in place; new hostnames go before any wildcard
    rule of someone else that would shadow them, otherwise last (before the catch-all)."""
    by_host = {}
    order = []
    for rule in wanted:
        if rule["hostname"] not in by_host:
            by_host[rule["hostname"]] = []
            order.append(rule["hostname"])
        by_host[rule["hostname"]].append(rule)
    merged = []
    placed = set()
    for rule in current:
        hostname = rule.get("hostname")
        if hostname in by_host:
            if hostname not in placed:
                merged.extend(by_host[hostname])
                placed.add(hostname)
            continue
        merged.append(rule)
    for hostname in order:
        if hostname in placed:
            continue
        position = len(merged)
        for index, rule in enumerate(merged):
            other = rule.get("hostname") or ""
            if other not in by_host and other != hostname and "*" in other and wildcard_matches(other, hostname):
                position = index
                break
        merged[position:position] = by_host[hostname]
    return merged


def build(stored, task):
    """The wanted Configuration for the task, from the stored one."""
    return build_replace(stored, task) if task.mode == "replace" else build_merge(stored, task)


def same(first, second):
    return first.to_api() == second.to_api() or (first.empty and second.empty)


def removed_hostnames(stored, wanted, task):
    """Hostnames whose DNS records this task removes: those it stops serving."""
    if task.mode == "replace":
        return sorted(stored.hostnames() - wanted.hostnames())
    if task.state == "absent":
        # Listed hostnames without any rule left, whether or not this run removed the rule
        # (a rerun after a partial failure still removes the record).
        return sorted(set(task.hostnames) - wanted.hostnames())
    return []


def owned_hostnames(wanted, task):
    """Hostnames whose DNS records this task publishes, in order."""
    if task.state == "absent":
        return []
    if task.mode == "merge":
        return list(task.hostnames)
    out = []
    for rule in wanted.rules:
        name = rule.get("hostname")
        if name and name != "*" and name not in out:
            out.append(name)
    return out
