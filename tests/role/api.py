"""Small API helper for tests/role/run.sh: talks to the emulator over real HTTP.

  python api.py URL create-tunnel NAME              -> prints the tunnel id
  python api.py URL token TUNNEL_ID OUT_FILE        -> writes the token to OUT_FILE (0600), never prints it
  python api.py URL rotate TUNNEL_ID                -> PATCHes a fresh tunnel_secret
  python api.py URL connectors TUNNEL_ID            -> prints the live connector ids, one a line
  python api.py URL count-requests METHOD PATH_RE [KEY=VALUE]
                                                   -> prints how many logged API requests match
                                                      (and have that query parameter)
  python api.py URL clear-requests
"""

import base64
import os
import re
import sys

import requests

ACCOUNT = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"
HEADERS = {"Authorization": "Bearer emulator-write-token"}


def api(root, method, path, **kwargs):
    resp = requests.request(method, "%s/client/v4/accounts/%s%s" % (root, ACCOUNT, path), headers=HEADERS,
                            timeout=10, **kwargs)
    body = resp.json()
    if not body.get("success"):
        raise SystemExit("%s %s -> HTTP %s %s" % (method, path, resp.status_code, body.get("errors")))
    return body["result"]


def main(argv):
    root, command, args = argv[0].rstrip("/"), argv[1], argv[2:]
    if command == "create-tunnel":
        secret = base64.b64encode(os.urandom(32)).decode()
        print(api(root, "POST", "/cfd_tunnel", json={"name": args[0], "tunnel_secret": secret,
                                                     "config_src": "cloudflare"})["id"])
    elif command == "token":
        token = api(root, "GET", "/cfd_tunnel/%s/token" % args[0])
        fd = os.open(args[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(token)
    elif command == "rotate":
        api(root, "PATCH", "/cfd_tunnel/%s" % args[0],
            json={"tunnel_secret": base64.b64encode(os.urandom(32)).decode()})
    elif command == "connectors":
        for connector in api(root, "GET", "/cfd_tunnel/%s/connections" % args[0]):
            if connector.get("conns"):
                print(connector["id"])
    elif command == "count-requests":
        log = requests.get(root + "/_emulator/requests", timeout=10).json()["requests"]
        pattern = re.compile(args[1])
        query = dict(arg.split("=", 1) for arg in args[2:])
        print(sum(1 for r in log if r["method"] == args[0] and pattern.search(r["path"])
                  and all((r.get("query") or {}).get(k) == v for k, v in query.items())))
    elif command == "clear-requests":
        requests.delete(root + "/_emulator/requests", timeout=10).raise_for_status()
    else:
        raise SystemExit("unknown command %s" % command)


if __name__ == "__main__":
    main(sys.argv[1:])
