"""Client for the emulator's /_emulator control endpoints; also a CLI for shell scripts.

    python -m tests.emulator.control --url http://127.0.0.1:8787 reset
    python -m tests.emulator.control --url URL requests [--method POST] [--path /accounts/.../cfd_tunnel]
    python -m tests.emulator.control --url URL writes
    python -m tests.emulator.control --url URL clear-requests
    python -m tests.emulator.control --url URL fault --action 429 [--method M] [--path RE] [--count N] ...
    python -m tests.emulator.control --url URL random-faults --rate 0.2 --seed 7 [--actions 429,5xx]
    python -m tests.emulator.control --url URL clear-faults
    python -m tests.emulator.control --url URL register-connector [--connections N] [--connector-id U]
        [--version V] [--arch A] [--origin-ip IP] [--colos DFW,AMS] [--config-version N]
        (the tunnel token is read from stdin or from the file named by --token-file, never from argv)
    python -m tests.emulator.control --url URL update-connector CONNECTOR_ID [--version V] [--arch A]
        [--config-version N|follow] [--pending-reconnect true|false]
    python -m tests.emulator.control --url URL unregister-connector CONNECTOR_ID
    python -m tests.emulator.control --url URL settings [--tunnel-delete-routes cascade|refuse]
        [--rate-limit QUOTA/WINDOW|off] [--cfd-tunnel-limit N] [--warp-connector-limit N] [--route-limit N]
        [--per-page-over-max reject|clamp]
    python -m tests.emulator.control --url URL ratelimit
    python -m tests.emulator.control --url URL advance-ratelimit SECONDS
    python -m tests.emulator.control --url URL add-zone NAME
    python -m tests.emulator.control --url URL state
    python -m tests.emulator.control --url URL access [--team-name NAME|none]
    python -m tests.emulator.control --url URL add-token --scopes '{"tunnel": "write"}'
        (the bearer token is read from stdin, never from argv)
    python -m tests.emulator.control --url URL verify-service-token --client-id ID
        (the client secret is read from stdin or from the file named by --secret-file, never from argv)
"""

import argparse
import json
import sys

import requests

API_PREFIX = "/client/v4"


class EmulatorControlError(Exception):
    def __init__(self, status, body):
        super().__init__("emulator control call failed: HTTP %s %s" % (status, body))
        self.status = status
        self.body = body


class EmulatorControl:
    """Wraps the control endpoints.  Accepts the root URL or the API base URL."""

    def __init__(self, root_url, timeout=10):
        root_url = root_url.rstrip("/")
        if root_url.endswith(API_PREFIX):
            root_url = root_url[:-len(API_PREFIX)]
        self.root_url = root_url
        self.timeout = timeout
        self.session = requests.Session()

    def _call(self, method, path, **kwargs):
        resp = self.session.request(method, self.root_url + "/_emulator" + path, timeout=self.timeout, **kwargs)
        try:
            body = resp.json()
        except ValueError:
            body = resp.text
        if resp.status_code != 200:
            raise EmulatorControlError(resp.status_code, body)
        return body

    def reset(self):
        return self._call("POST", "/reset")

    def requests(self, method=None, path=None):
        params = {}
        if method:
            params["method"] = method.upper()
        if path:
            params["path"] = path
        return self._call("GET", "/requests", params=params)["requests"]

    def writes(self):
        return [entry for entry in self.requests() if entry["method"] != "GET"]

    def clear_requests(self):
        return self._call("DELETE", "/requests")

    def fault(self, **rule):
        return self._call("POST", "/faults", json=rule)

    def random_faults(self, rate, seed, actions=None, **extra):
        spec = {"rate": rate, "seed": seed}
        if actions is not None:
            spec["actions"] = list(actions)
        spec.update(extra)
        return self._call("POST", "/faults", json={"random": spec})

    def faults(self):
        return self._call("GET", "/faults")

    def clear_faults(self):
        return self._call("DELETE", "/faults")

    def register_connector(self, token, **kwargs):
        body = {"token": token}
        body.update({k: v for k, v in kwargs.items() if v is not None})
        return self._call("POST", "/connectors", json=body)

    def update_connector(self, connector_id, **changes):
        """Change a running connector; config_version=None makes it follow the tunnel's version again."""
        return self._call("PATCH", "/connectors/%s" % connector_id, json=changes)

    def unregister_connector(self, connector_id):
        return self._call("DELETE", "/connectors/%s" % connector_id)

    def settings(self, **changes):
        """The run-time settings; with keyword arguments, change them first (reset restores them)."""
        if changes:
            return self._call("PATCH", "/settings", json=changes)
        return self._call("GET", "/settings")

    def rate_limit(self, quota, window):
        """Turn the request budget on (a fresh window) with `quota` requests per `window` seconds."""
        return self.settings(rate_limit={"quota": quota, "window": window})

    def ratelimit(self):
        """The budget now: quota, window, remaining, reset (seconds), blocked; or {"enabled": false}."""
        return self._call("GET", "/ratelimit")

    def advance_ratelimit(self, seconds):
        """Let `seconds` pass for the request budget (tests that sleep nothing use it as their clock)."""
        return self._call("POST", "/ratelimit/advance", json={"seconds": seconds})

    def add_zone(self, name):
        return self._call("POST", "/zones", json={"name": name})

    def state(self):
        return self._call("GET", "/state")

    def access(self, **changes):
        """The Zero Trust organization: ``team_name=None`` makes the account have none (404 on reads)."""
        return self._call("PATCH", "/access", json=changes)

    def add_token(self, token, scopes):
        """A bearer token until the next reset: "read", "write", or {permission group: level}."""
        return self._call("POST", "/tokens", json={"token": token, "scopes": scopes})

    def verify_service_token(self, client_id, client_secret):
        """Whether Access would accept these CF-Access-Client-Id / -Secret headers: {"valid", "token_id"}."""
        return self._call("POST", "/access/verify", json={"client_id": client_id, "client_secret": client_secret})


def _config_version(text):
    if text == "follow":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a number or 'follow'") from None


def _rate_limit(text):
    if text == "off":
        return text
    quota, dummy, window = text.partition("/")
    try:
        return {"quota": int(quota), "window": int(window)}
    except ValueError:
        raise argparse.ArgumentTypeError("expected QUOTA/WINDOW (e.g. 120/30) or off") from None


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.emulator.control")
    parser.add_argument("--url", required=True, help="emulator root or API base URL")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("reset")
    req = sub.add_parser("requests")
    req.add_argument("--method")
    req.add_argument("--path")
    sub.add_parser("writes")
    sub.add_parser("clear-requests")
    fault = sub.add_parser("fault")
    fault.add_argument("--action", required=True, choices=["429", "5xx", "latency", "drop_before", "drop_after", "error_echo"])
    fault.add_argument("--method")
    fault.add_argument("--path")
    fault.add_argument("--count", type=int)
    fault.add_argument("--retry-after")
    fault.add_argument("--retry-after-date", action="store_true")
    fault.add_argument("--status", type=int)
    fault.add_argument("--delay", type=float)
    fault.add_argument("--applied", action="store_true", help="error_echo: apply the request before answering")
    rnd = sub.add_parser("random-faults")
    rnd.add_argument("--rate", type=float, required=True)
    rnd.add_argument("--seed", type=int, required=True)
    rnd.add_argument("--actions", help="comma separated")
    sub.add_parser("clear-faults")
    sub.add_parser("faults")
    reg = sub.add_parser("register-connector")
    reg.add_argument("--token-file", help="file holding the tunnel token (default: read stdin)")
    reg.add_argument("--connector-id")
    reg.add_argument("--connections", type=int)
    reg.add_argument("--version")
    reg.add_argument("--arch")
    reg.add_argument("--origin-ip")
    reg.add_argument("--colos", help="comma separated colo names, one per connection in turn")
    reg.add_argument("--config-version", type=int, help="pin the connector at this configuration version")
    upd = sub.add_parser("update-connector")
    upd.add_argument("connector_id")
    upd.add_argument("--version")
    upd.add_argument("--arch")
    upd.add_argument("--config-version", type=_config_version,
                     help="a version number, or 'follow' to track the tunnel's version again")
    upd.add_argument("--pending-reconnect", choices=["true", "false"])
    unreg = sub.add_parser("unregister-connector")
    unreg.add_argument("connector_id")
    settings = sub.add_parser("settings")
    settings.add_argument("--tunnel-delete-routes", choices=["cascade", "refuse"])
    settings.add_argument("--per-page-over-max", choices=["reject", "clamp"])
    settings.add_argument("--rate-limit", type=_rate_limit, help="QUOTA/WINDOW (e.g. 120/30), or off")
    for limit in ("cfd-tunnel-limit", "warp-connector-limit", "route-limit"):
        settings.add_argument("--" + limit, type=int)
    sub.add_parser("ratelimit")
    advance = sub.add_parser("advance-ratelimit")
    advance.add_argument("seconds", type=float)
    zone = sub.add_parser("add-zone")
    zone.add_argument("name")
    sub.add_parser("state")
    access = sub.add_parser("access")
    access.add_argument("--team-name", help="the organization's team name, or 'none' for no Zero Trust organization")
    token = sub.add_parser("add-token")
    token.add_argument("--scopes", required=True, help='"read", "write" or a JSON object {group: level}')
    verify = sub.add_parser("verify-service-token")
    verify.add_argument("--client-id", required=True)
    verify.add_argument("--secret-file", help="file holding the client secret (default: read stdin)")
    args = parser.parse_args(argv)

    ctl = EmulatorControl(args.url)
    try:
        if args.command == "reset":
            out = ctl.reset()
        elif args.command == "requests":
            out = ctl.requests(method=args.method, path=args.path)
        elif args.command == "writes":
            out = ctl.writes()
        elif args.command == "clear-requests":
            out = ctl.clear_requests()
        elif args.command == "fault":
            rule = {"action": args.action}
            for key in ("method", "path", "count", "retry_after", "status", "delay"):
                if getattr(args, key) is not None:
                    rule[key] = getattr(args, key)
            if args.retry_after_date:
                rule["retry_after_date"] = True
            if args.applied:
                rule["applied"] = True
            out = ctl.fault(**rule)
        elif args.command == "random-faults":
            actions = args.actions.split(",") if args.actions else None
            out = ctl.random_faults(args.rate, args.seed, actions)
        elif args.command == "clear-faults":
            out = ctl.clear_faults()
        elif args.command == "faults":
            out = ctl.faults()
        elif args.command == "register-connector":
            if args.token_file:
                with open(args.token_file, encoding="utf-8") as handle:
                    token = handle.read().strip()
            else:
                token = sys.stdin.read().strip()
            out = ctl.register_connector(token, connector_id=args.connector_id, connections=args.connections,
                                         version=args.version, arch=args.arch, origin_ip=args.origin_ip,
                                         colos=args.colos.split(",") if args.colos else None,
                                         config_version=args.config_version)
        elif args.command == "update-connector":
            changes = {k: getattr(args, k) for k in ("version", "arch") if getattr(args, k)}
            if args.config_version is not None:
                changes["config_version"] = None if args.config_version == "follow" else args.config_version
            if args.pending_reconnect is not None:
                changes["pending_reconnect"] = args.pending_reconnect == "true"
            out = ctl.update_connector(args.connector_id, **changes)
        elif args.command == "settings":
            changes = {key: getattr(args, key) for key in ("tunnel_delete_routes", "rate_limit", "cfd_tunnel_limit",
                                                           "warp_connector_limit", "route_limit",
                                                           "per_page_over_max")
                       if getattr(args, key) is not None}
            if changes.get("rate_limit") == "off":
                changes["rate_limit"] = None
            out = ctl.settings(**changes)
        elif args.command == "ratelimit":
            out = ctl.ratelimit()
        elif args.command == "advance-ratelimit":
            out = ctl.advance_ratelimit(args.seconds)
        elif args.command == "unregister-connector":
            out = ctl.unregister_connector(args.connector_id)
        elif args.command == "add-zone":
            out = ctl.add_zone(args.name)
        elif args.command == "access":
            changes = {}
            if args.team_name is not None:
                changes["team_name"] = None if args.team_name == "none" else args.team_name
            out = ctl.access(**changes)
        elif args.command == "add-token":
            scopes = args.scopes if args.scopes in ("read", "write") else json.loads(args.scopes)
            out = ctl.add_token(sys.stdin.read().strip(), scopes)
        elif args.command == "verify-service-token":
            if args.secret_file:
                with open(args.secret_file, encoding="utf-8") as handle:
                    secret = handle.read().strip()
            else:
                secret = sys.stdin.read().strip()
            out = ctl.verify_service_token(args.client_id, secret)
        else:
            out = ctl.state()
    except EmulatorControlError as exc:
        print(json.dumps({"status": exc.status, "body": exc.body}), file=sys.stderr)
        return 1
    except requests.RequestException as exc:
        print("cannot reach the emulator: %s" % exc, file=sys.stderr)
        return 2
    print(json.dumps(out, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
