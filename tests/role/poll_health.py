"""Record a tunnel's healthy connectors while a rotation runs (tests/role/run.sh).

  python poll_health.py poll URL TUNNEL_ID SAMPLES STOP_FILE PORT...
      polls until STOP_FILE exists (at most MAX_SECONDS), one JSON line per sample in SAMPLES
  python poll_health.py summary SAMPLES
      prints {"samples", "unknown", "seconds", "min_api", "min_serving", "ids_seen"} as JSON
  python poll_health.py together SAMPLES ID...
      exits 0 when one sample's API list holds every ID

Two numbers per sample, because the API alone can flatter: a cloudflared that crashed stays
listed until its connections are cleaned up.
- api: connectors the API lists with at least one connection not pending reconnect;
- serving: those of them that a host also reports as its own live connector (/ready 200 on the
  host's metrics port; the test hosts share the harness's loopback).
A sample where a host did not answer in time (a loaded machine) has an unknown serving count,
left out of min_serving and counted as unknown (the checks allow a tenth of them): a refused
connection is "not serving", a timeout says nothing. The API's answer still counts for min_api.
"""

import json
import os
import sys
import time

import requests

ACCOUNT = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"
HEADERS = {"Authorization": "Bearer emulator-write-token"}
INTERVAL = 0.2
MAX_SECONDS = 600


class NoAnswer(Exception):
    """The API or a host did not answer within the timeout."""


def api_serving(session, root, tunnel_id):
    url = "%s/client/v4/accounts/%s/cfd_tunnel/%s/connections" % (root, ACCOUNT, tunnel_id)
    try:
        result = session.get(url, headers=HEADERS, timeout=10).json()["result"]
    except requests.Timeout as exc:
        raise NoAnswer("API: %s" % exc) from exc
    return sorted(c["id"] for c in result if any(not conn.get("is_pending_reconnect") for conn in c.get("conns") or []))


def host_connector(session, port):
    try:
        resp = session.get("http://127.0.0.1:%s/ready" % port, timeout=5)
    except requests.Timeout as exc:
        raise NoAnswer("port %s: %s" % (port, exc)) from exc
    except requests.RequestException:
        return None
    return resp.json().get("connectorId") if resp.status_code == 200 else None


def sample(session, root, tunnel_id, ports):
    """One row: ``api`` (None when the API did not answer in time) and ``serving`` (None when the API or
    a host did not: unknown, not zero)."""
    row = {"api": None, "serving": None}
    try:
        row["api"] = api_serving(session, root, tunnel_id)
        hosts = {port: host_connector(session, port) for port in ports}
    except NoAnswer as exc:
        row["unknown"] = str(exc)
        return row
    live = set(hosts.values()) - {None}
    row.update(hosts=hosts, serving=sorted(live.intersection(row["api"])))
    return row


def poll(root, tunnel_id, samples, stop_file, ports):
    session = requests.Session()
    start = time.monotonic()
    with open(samples, "w", encoding="utf-8") as out:
        while not os.path.exists(stop_file) and time.monotonic() - start < MAX_SECONDS:
            row = sample(session, root.rstrip("/"), tunnel_id, ports)
            row["t"] = round(time.monotonic() - start, 2)
            out.write(json.dumps(row) + "\n")
            out.flush()
            time.sleep(INTERVAL)


def read_rows(samples):
    with open(samples, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def summary(samples):
    rows = read_rows(samples)
    listed = [r["api"] for r in rows if r["api"] is not None]
    serving = [r["serving"] for r in rows if r["serving"] is not None]
    if not serving:
        raise SystemExit("no samples in %s" % samples)
    print(json.dumps({
        "samples": len(serving),
        "unknown": len(rows) - len(serving),
        "seconds": rows[-1]["t"],
        "min_api": min(len(ids) for ids in listed),
        "min_serving": min(len(ids) for ids in serving),
        "ids_seen": sorted({i for ids in listed for i in ids}),
    }))


def together(samples, ids):
    if not any(row["api"] is not None and set(ids) <= set(row["api"]) for row in read_rows(samples)):
        raise SystemExit("no sample lists all of %s" % ", ".join(ids))


def main(argv):
    if argv[0] == "poll":
        poll(argv[1], argv[2], argv[3], argv[4], argv[5:])
    elif argv[0] == "summary":
        summary(argv[1])
    elif argv[0] == "together":
        together(argv[1], argv[2:])
    else:
        raise SystemExit("unknown command %s" % argv[0])


if __name__ == "__main__":
    main(sys.argv[1:])
