#!/usr/bin/env bash
# tunnel_token through real ansible-playbook runs against the emulator, then the documented usage
# at -vvv: neither the API token, nor a tunnel secret, nor the fetched tunnel token may appear in
# any output (stdout, stderr, the log file).
set -euo pipefail
cd "$(dirname "$0")"
# Starts the emulator on a free port, exports CLOUDFLARE_* and EMULATOR_ROOT, stops it on exit.
source ../setup_emulator/emulator.sh

run_playbook tokens.yml "$@"
run_playbook lookup.yml "$@"
run_playbook lookup_input.yml "$@"

# ---- the -vvv no-leak run --------------------------------------------------------------
LEAK_DIR="$(mktemp -d)"
chmod 700 "$LEAK_DIR"
trap 'rm -rf "$LEAK_DIR"; stop_emulator' EXIT

# The secrets only travel through the environment (never argv), exactly as a vault would supply them.
IT_TUNNEL_SECRET="$("$EMULATOR_PYTHON" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')"
IT_API_TOKEN="$CLOUDFLARE_API_TOKEN"
export IT_TUNNEL_SECRET IT_API_TOKEN
# The play passes the API token explicitly (module_defaults), not through the environment.
unset CLOUDFLARE_API_TOKEN

run_playbook_vvv no_leak.yml

# The -vvv output names the execution path the suite was forced to (scripts/test_all.py runs both).
case "${EDGEOPS_CLOUDFLARE_EXECUTION:-auto}" in
    inprocess) expected="edgeops.cloudflare.tunnel_token runs in the controller's worker process" ;;
    module) expected="edgeops.cloudflare.tunnel_token runs as a module: forced by environment variable" ;;
    *) expected="edgeops.cloudflare.tunnel_token runs" ;;
esac
grep -qF "$expected" "$LEAK_DIR/stdout" || { echo "the -vvv output does not say: $expected" >&2; exit 1; }

# Fetch the token the play used, independently, and look for every secret in every output.
"$EMULATOR_PYTHON" - "$LEAK_DIR" <<'PY'
import base64, json, os, sys, urllib.request

out_dir = sys.argv[1]
base = os.environ["CLOUDFLARE_BASE_URL"]
account = os.environ["CLOUDFLARE_ACCOUNT_ID"]
api_token = os.environ["IT_API_TOKEN"]
secret = os.environ["IT_TUNNEL_SECRET"]


def get(path):
    request = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + api_token})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["result"]


tunnels = get("/accounts/%s/cfd_tunnel?name=it-leak-web&is_deleted=false" % account)
assert len(tunnels) == 1, "the play should have created exactly one tunnel named it-leak-web"
token = get("/accounts/%s/cfd_tunnel/%s/token" % (account, tunnels[0]["id"]))
assert json.loads(base64.b64decode(token))["s"] == secret, "the tunnel should run with the play's secret"

state = json.load(urllib.request.urlopen(os.environ["EMULATOR_ROOT"] + "/_emulator/state"))
connected = [t for t in state["tunnels"] if t["id"] == tunnels[0]["id"]][0]["connectors"]
assert len(connected) == 1, "the token handed over in the play should have connected one connector"

needles = {
    "the API token": api_token,
    "the tunnel secret": secret,
    "the fetched tunnel token": token,
    "the start of the fetched tunnel token": token[:40],
    "the end of the fetched tunnel token": token[-40:],
}
outputs = dict((name, open(os.path.join(out_dir, name), encoding="utf-8", errors="replace").read())
               for name in ("stdout", "stderr", "ansible.log"))
assert "TASK [Fetch the tunnel token once, on the controller]" in outputs["stdout"], "the play output is missing"
assert "ESTABLISH LOCAL CONNECTION" in outputs["stdout"], "the play did not run at -vvv"
leaks = ["%s in %s" % (what, where) for what, needle in needles.items() for where, text in outputs.items() if needle in text]
if leaks:
    sys.exit("SECRET LEAKED: " + "; ".join(leaks))
print("no leak: checked %d secrets in %d outputs (%d bytes of -vvv output)"
      % (len(needles), len(outputs), sum(len(t) for t in outputs.values())))
PY
