"""A stand-in for the cloudflared binary, for testing the role offline.

build_artifacts.sh turns it into an executable (interpreter line, version) for the test hosts.

It is strict where cloudflared is strict (see ../shared/reference/cloudflared.md):
- flags belong to a command level: the app and `tunnel` accept the tunnel flags, `run` accepts
  only its own short list; anything else is "flag provided but not defined" (exit 1);
- the token comes from --token / TUNNEL_TOKEN, --token-file / TUNNEL_TOKEN_FILE (only from
  2025.4.0 on) or the config file; an invalid token exits 255;
- without --config it reads config.yml/config.yaml from the default directories, so a stray
  config leaks in exactly as it does with cloudflared.

Instead of dialing the edge it registers as a connector with the API emulator named in
/etc/cloudflared-standin/edge.json (a test-only file, never a flag), signals READY=1 to systemd,
serves /ready, /healthcheck and /metrics, and unregisters on SIGTERM.

Like cloudflared it logs "Configuration file ... was empty" for a config of comments only, and on
a usage error prints the command's help, where each flag shows its default from the environment:
TUNNEL_TOKEN in clear when the token comes from an environment file.

Test-only switches in edge.json:
- "fail_start" (read when `tunnel run` starts): "usage" exits with a usage error (as with a flag
  the release does not know); "edge" exits 1 after a second, as when the edge is unreachable;
- "on_stop" (read on SIGTERM): "stay_registered" leaves the connector registered, as the edge keeps
  listing a cloudflared that crashed or lost its network until its connections are cleaned up.

Only the Python standard library is used: it runs on the bare test hosts. The build replaces
the @VERSION@ marker (tests/role/build_artifacts.sh).
"""

import base64
import binascii
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "@VERSION@"
BUILD_DATE = "2026-01-01T00:00:00Z"
EDGE_FILE = os.environ.get("CLOUDFLARED_STANDIN_EDGE_FILE", "/etc/cloudflared-standin/edge.json")
DEFAULT_CONFIG_DIRS = ("~/.cloudflared", "~/.cloudflare-warp", "~/cloudflare-warp",
                       "/etc/cloudflared", "/usr/local/etc/cloudflared")

# name -> (takes a value, env variable); aliases map to the same entry
TUNNEL_FLAGS = {
    "config": (True, None),
    "origincert": (True, "TUNNEL_ORIGIN_CERT"),
    "autoupdate-freq": (True, None),
    "no-autoupdate": (False, "NO_AUTOUPDATE"),
    "metrics": (True, "TUNNEL_METRICS"),
    "metrics-update-freq": (True, "TUNNEL_METRICS_UPDATE_FREQ"),
    "tag": (True, "TUNNEL_TAG"),
    "loglevel": (True, "TUNNEL_LOGLEVEL"),
    "transport-loglevel": (True, "TUNNEL_PROTO_LOGLEVEL"),
    "logfile": (True, "TUNNEL_LOGFILE"),
    "log-directory": (True, "TUNNEL_LOGDIRECTORY"),
    "pidfile": (True, "TUNNEL_PIDFILE"),
    "protocol": (True, "TUNNEL_TRANSPORT_PROTOCOL"),
    "edge-ip-version": (True, "TUNNEL_EDGE_IP_VERSION"),
    "edge-bind-address": (True, "TUNNEL_EDGE_BIND_ADDRESS"),
    "region": (True, "TUNNEL_REGION"),
    "retries": (True, "TUNNEL_RETRIES"),
    "grace-period": (True, "TUNNEL_GRACE_PERIOD"),
    "ha-connections": (True, None),
    "post-quantum": (False, "TUNNEL_POST_QUANTUM"),
    "management-diagnostics": (False, "TUNNEL_MANAGEMENT_DIAGNOSTICS"),
    "label": (True, "TUNNEL_LABEL"),
}
RUN_FLAGS = {
    "token": (True, "TUNNEL_TOKEN"),
    "token-file": (True, "TUNNEL_TOKEN_FILE"),
    "credentials-file": (True, "TUNNEL_CRED_FILE"),
    "credentials-contents": (True, "TUNNEL_CRED_CONTENTS"),
    "protocol": (True, "TUNNEL_TRANSPORT_PROTOCOL"),
    "post-quantum": (False, "TUNNEL_POST_QUANTUM"),
    "icmpv4-src": (True, "TUNNEL_ICMPV4_SRC"),
    "icmpv6-src": (True, "TUNNEL_ICMPV6_SRC"),
    "max-active-flows": (True, "TUNNEL_MAX_ACTIVE_FLOWS"),
    "dns-resolver-addrs": (True, "TUNNEL_DNS_RESOLVER_ADDRS"),
    "features": (True, "TUNNEL_FEATURES"),
}
APP_ONLY_FLAGS = {"version": (False, None), "help": (False, None)}
CHOICES = {
    "loglevel": ("debug", "info", "warn", "error", "fatal"),
    "transport-loglevel": ("debug", "info", "warn", "error", "fatal"),
    "protocol": ("auto", "quic", "http2"),
    "edge-ip-version": ("4", "6", "auto"),
}
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ACCOUNT_RE = re.compile(r"^[0-9a-f]{32}$")


class UsageError(Exception):
    def __init__(self, message, command=None, flags=None):
        super().__init__(message)
        self.command = command
        self.flags = flags or {}


class Fatal(Exception):
    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


def version_tuple(text):
    return tuple(int(p) for p in text.split("."))


def has_token_file():
    return version_tuple(VERSION) >= (2025, 4, 0)


def run_flags():
    flags = dict(RUN_FLAGS)
    if not has_token_file():
        del flags["token-file"]
    return flags


def parse_flags(args, allowed):
    """urfave/cli style: flags until the first non-flag argument. Returns (flags, rest)."""
    found = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return found, args[i + 1:]
        if not arg.startswith("-") or arg == "-":
            break
        name, has_eq, value = arg.lstrip("-").partition("=")
        if name in ("v",) and "version" in allowed:
            name = "version"
        if name in ("h",) and "help" in allowed:
            name = "help"
        if name not in allowed:
            raise UsageError("flag provided but not defined: -%s" % name)
        takes_value = allowed[name][0]
        if takes_value and not has_eq:
            if i + 1 >= len(args):
                raise UsageError("flag needs an argument: -%s" % name)
            i += 1
            value = args[i]
        elif not takes_value:
            if has_eq and value.lower() not in ("true", "false", "1", "0"):
                raise UsageError('invalid boolean value "%s" for -%s' % (value, name))
            value = (value.lower() in ("true", "1")) if has_eq else True
        if name in CHOICES and value not in CHOICES[name]:
            raise UsageError('invalid value "%s" for flag -%s' % (value, name))
        found[name] = value
        i += 1
    return found, args[i:]


def load_config(path):
    """The flat `key: value` subset of YAML the role writes; nested blocks are kept as text."""
    settings = {}
    documents = 0
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            stripped = line.split(" #", 1)[0].rstrip()
            if not stripped or stripped.lstrip().startswith("#"):
                continue
            documents = 1
            if stripped == "{}":
                continue
            if line[0] in " \t-":
                continue  # part of a nested block (ingress and the like)
            key, sep, value = stripped.partition(":")
            if not sep or not re.match(r"^[a-z0-9-]+$", key):
                raise Fatal("Cannot parse config file %s line %d" % (path, number), 1)
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            if value.lower() in ("true", "false"):
                value = value.lower() == "true"
            settings[key] = value
    if not documents:
        log("ERR", "Configuration file %s was empty" % path)
    return settings


def find_config(explicit):
    if explicit:
        if not os.path.isfile(explicit):
            raise Fatal("Cannot determine default configuration path. No file %s" % explicit, 1)
        return explicit
    for directory in DEFAULT_CONFIG_DIRS:
        for name in ("config.yml", "config.yaml"):
            path = os.path.join(os.path.expanduser(directory), name)
            if os.path.isfile(path):
                return path
    return None


def resolve(name, cli, config, spec):
    """flag > environment > config file > None."""
    if name in cli:
        return cli[name]
    env = spec.get(name, (None, None))[1]
    if env and os.environ.get(env) not in (None, ""):
        value = os.environ[env]
        if not spec[name][0]:
            return value.lower() in ("true", "1")
        return value
    return config.get(name)


def parse_token(text):
    """As cloudflared's ParseToken, plus the field checks the API guarantees."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        data = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise Fatal("Provided Tunnel token is not valid.", 255) from None
    if not isinstance(data, dict):
        raise Fatal("Provided Tunnel token is not valid.", 255)
    account, tunnel, secret = data.get("a"), data.get("t"), data.get("s")
    ok = isinstance(account, str) and ACCOUNT_RE.match(account) and isinstance(tunnel, str) \
        and UUID_RE.match(tunnel) and isinstance(secret, str)
    if ok:
        try:
            ok = len(base64.b64decode(secret, validate=True)) >= 32
        except (binascii.Error, ValueError):
            ok = False
    if not ok:
        raise Fatal("Provided Tunnel token is not valid.", 255)
    return data


def log(level, message, **fields):
    extra = " ".join("%s=%s" % item for item in fields.items())
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    sys.stderr.write("%s %s %s %s\n" % (stamp, level, message, extra))
    sys.stderr.flush()


def sd_notify(message):
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(address)
        sock.sendall(message.encode())
    return True


class Connector:
    def __init__(self, settings, token_data, token):
        self.settings = settings
        self.token_data = token_data
        self.token = token
        self.connector_id = str(uuid.uuid4())
        self.ready = False
        self.edge = None
        self.edge_settings = edge_settings()
        self.stopping = []  # signals received; a list, not an Event: see run()

    def metrics_text(self):
        lines = [
            'build_info{goversion="standin",revision="standin",type="standin",version="%s"} 1' % VERSION,
            "cloudflared_tunnel_ha_connections %d" % (4 if self.ready else 0),
            'cloudflared_standin_config_file{path="%s"} 1' % (self.settings["config_file"] or ""),
            "cloudflared_standin_autoupdate %d" % (0 if self.settings["no-autoupdate"] else 1),
            'cloudflared_standin_settings{loglevel="%s",protocol="%s",edge_ip_version="%s"} 1' % (
                self.settings["loglevel"], self.settings["protocol"], self.settings["edge-ip-version"]),
        ]
        return "\n".join(lines) + "\n"


def make_handler(connector):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the journal quiet
            pass

        def _send(self, status, body, ctype):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/ready":
                status = 200 if connector.ready else 503
                body = {"status": status, "readyConnections": 4 if connector.ready else 0,
                        "connectorId": connector.connector_id}
                self._send(status, json.dumps(body), "application/json")
            elif path == "/healthcheck":
                self._send(200, "OK\n", "text/plain")
            elif path == "/metrics":
                self._send(200, connector.metrics_text(), "text/plain; version=0.0.4")
            else:
                self._send(404, "404 page not found\n", "text/plain")

    return Handler


def start_metrics(connector, address):
    candidates = [address] if address else ["localhost:%d" % p for p in range(20241, 20246)]
    for candidate in candidates:
        host, port = candidate.rsplit(":", 1)
        try:
            server = ThreadingHTTPServer((host.strip("[]") or "0.0.0.0", int(port)), make_handler(connector))
        except OSError as exc:
            if address:
                raise Fatal("failed to bind metrics server on %s: %s" % (candidate, exc), 1) from None
            continue
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        log("INF", "Starting metrics server", addr="%s/metrics" % candidate)
        return server
    raise Fatal("failed to bind any metrics port", 1)


def edge_call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read().decode() or "{}")


def edge_settings():
    try:
        with open(EDGE_FILE, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def register(connector):
    edge = connector.edge_settings.get("emulator", "").rstrip("/")
    if not edge or connector.edge_settings.get("fail_start") == "edge":
        time.sleep(1)
        raise Fatal("Could not lookup srv records on _v2-origintunneld._tcp.argotunnel.com", 1)
    body = {"token": connector.token, "connector_id": connector.connector_id, "version": VERSION,
            "arch": "linux_amd64"}
    try:
        edge_call("POST", edge + "/_emulator/connectors", body)
    except urllib.error.HTTPError as exc:
        raise Fatal("Register tunnel error from server side: HTTP %d" % exc.code, 1) from None
    except (urllib.error.URLError, OSError) as exc:
        raise Fatal("Unable to establish connection with Cloudflare edge: %s" % exc, 1) from None
    connector.edge = edge
    connector.ready = True
    for index in range(4):
        log("INF", "Registered tunnel connection", connIndex=index, connection=connector.connector_id,
            protocol=connector.settings["protocol"])


def unregister(connector):
    if edge_settings().get("on_stop") == "stay_registered":
        log("INF", "Leaving connector registered (stand-in on_stop: stay_registered)")
        return
    if connector.edge and connector.ready:
        connector.ready = False
        try:
            edge_call("DELETE", "%s/_emulator/connectors/%s" % (connector.edge, connector.connector_id))
        except (urllib.error.URLError, OSError) as exc:
            log("ERR", "Failed to unregister connector", error=exc)


def cmd_run(app_flags, tunnel_flags, args):
    try:
        run_cli, rest = parse_flags(args, run_flags())
        if edge_settings().get("fail_start") == "usage":
            raise UsageError("flag provided but not defined: -edgeops-test-unknown-flag")
    except UsageError as usage:
        raise UsageError(str(usage), "tunnel run", run_flags()) from None
    if rest:
        raise Fatal("\"cloudflared tunnel run\" accepts only one argument, the tunnel name or id, "
                    "and it is not used together with a token in this stand-in", 1)
    cli = dict(app_flags)
    cli.update(tunnel_flags)
    config_file = find_config(cli.get("config"))
    config = load_config(config_file) if config_file else {}
    spec = dict(TUNNEL_FLAGS)
    spec.update(run_flags())
    settings = {name: resolve(name, dict(cli, **run_cli), config, spec) for name in spec}
    settings["config_file"] = config_file
    settings["loglevel"] = settings["loglevel"] or "info"
    settings["protocol"] = settings["protocol"] or "auto"
    settings["edge-ip-version"] = settings["edge-ip-version"] or "4"
    for name, allowed in CHOICES.items():
        if settings.get(name) is not None and str(settings[name]) not in allowed:
            raise Fatal('invalid value "%s" for %s' % (settings[name], name), 1)

    token = settings.get("token")
    if not token and settings.get("token-file"):
        try:
            with open(settings["token-file"], encoding="utf-8") as handle:
                token = handle.read().strip()
        except OSError as exc:
            raise Fatal("Failed to read token file: %s" % exc, 255) from None
    if not token:
        raise Fatal("\"cloudflared tunnel run\" requires the ID or name of the tunnel to run as the last "
                    "command line argument or in the configuration file.", 1)
    token_data = parse_token(token)

    shown = {k: v for k, v in settings.items() if v not in (None, False) and k not in ("token",)}
    if "token" in run_cli:
        shown["token"] = "*****"
    log("INF", "Starting tunnel", tunnelID=token_data["t"])
    log("INF", "Version %s (Checksum standin)" % VERSION)
    log("INF", "Settings: %s" % json.dumps(shown, sort_keys=True))
    if not settings["no-autoupdate"]:
        log("WRN", "Autoupdate is enabled; cloudflared will replace itself when a new version is released")

    connector = Connector(settings, token_data, token)
    server = start_metrics(connector, settings.get("metrics"))

    # The handler must take no lock: an Event's lock may be held by the main thread waiting on it
    # when the signal lands, and the process would hang until systemd kills it.
    def _stop(signum, frame):  # pylint: disable=unused-argument
        connector.stopping.append(signum)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        register(connector)
        log("INF", "Tunnel connected", connectorID=connector.connector_id)
        sd_notify("READY=1\nSTATUS=connected")
        while not connector.stopping:
            time.sleep(0.2)
        log("INF", "Initiating graceful shutdown due to signal %s ..." % signal.Signals(connector.stopping[0]).name)
    finally:
        unregister(connector)
        server.shutdown()
    log("INF", "Tunnel server stopped")
    return 0


def cmd_ready(app_flags, tunnel_flags, args):
    rest = parse_flags(args, {})[1]
    if rest:
        raise UsageError("ready takes no arguments")
    address = tunnel_flags.get("metrics") or app_flags.get("metrics") or os.environ.get("TUNNEL_METRICS")
    if not address:
        raise Fatal("--metrics has to be provided", 1)
    try:
        with urllib.request.urlopen("http://%s/ready" % address, timeout=5) as resp:
            return 0 if resp.status == 200 else 1
    except (urllib.error.URLError, OSError):
        return 1


def help_text(usage):
    """The command's help as urfave/cli prints it after "Incorrect Usage": defaults from the environment."""
    lines = ["NAME:", "   cloudflared %s" % usage.command, "", "OPTIONS:"]
    for name, (takes_value, env) in sorted(usage.flags.items()):
        default = os.environ.get(env, "") if env else ""
        shown = '(default: "%s") ' % default if default else ""
        lines.append("   --%s%s\t%s%s" % (name, " value" if takes_value else "", shown, "[$%s]" % env if env else ""))
    return "\n".join(lines) + "\n"


def version_line():
    return "cloudflared version %s (built %s)" % (VERSION, BUILD_DATE)


def main(argv):
    app_spec = dict(TUNNEL_FLAGS)
    app_spec.update(APP_ONLY_FLAGS)
    app_flags, rest = parse_flags(argv, app_spec)
    if app_flags.get("version"):
        print(version_line())
        return 0
    if not rest:
        raise UsageError("no command given")
    command, args = rest[0], rest[1:]
    if command == "version":
        flags, extra = parse_flags(args, {"short": (False, None), "s": (False, None)})
        if extra:
            raise UsageError("version takes no arguments")
        print(VERSION if (flags.get("short") or flags.get("s")) else version_line())
        return 0
    if command != "tunnel":
        raise UsageError("command %s is not implemented by the stand-in" % command)
    tunnel_flags, rest = parse_flags(args, TUNNEL_FLAGS)
    if not rest:
        raise UsageError("tunnel needs a subcommand")
    sub, args = rest[0], rest[1:]
    if sub == "run":
        return cmd_run(app_flags, tunnel_flags, args)
    if sub == "ready":
        return cmd_ready(app_flags, tunnel_flags, args)
    raise UsageError("tunnel subcommand %s is not implemented by the stand-in" % sub)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except UsageError as err:
        sys.stderr.write("Incorrect Usage: %s\n\n" % err)
        if err.command:
            sys.stderr.write(help_text(err))
        sys.exit(1)
    except Fatal as err:
        log("ERR", str(err))
        sys.exit(err.code)
