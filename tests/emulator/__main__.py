"""python -m tests.emulator [--host H] [--port N|0] [--port-file F] [--config F.json] [--verbose]"""

import argparse
import json
import os
import signal
import sys
import time

from .server import EmulatorServer


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description="Cloudflare API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the bound port to this file once listening")
    parser.add_argument("--config", help="JSON file overriding the defaults (account_id, tokens, zones, ...)")
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request on stderr")
    args = parser.parse_args(argv)

    config = None
    if args.config:
        with open(args.config, encoding="utf-8") as handle:
            config = json.load(handle)
        if not isinstance(config, dict):
            parser.error("--config must hold a JSON object")

    server = EmulatorServer(config, host=args.host, port=args.port, verbose=args.verbose).start()
    # The handler only appends to a list: an Event would take a lock that the main thread, waiting
    # on that Event, may hold when the signal lands, and the process would never stop (seen here).
    stopping = []

    def _stop(signum, frame):  # pylint: disable=unused-argument
        stopping.append(signum)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write("%d\n" % server.bound_port)
        os.replace(tmp, args.port_file)
    print("Cloudflare API emulator listening on %s" % server.base_url, flush=True)
    while not stopping:
        time.sleep(0.2)
    server.stop()
    print("Cloudflare API emulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
