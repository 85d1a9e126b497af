#!/usr/bin/env bash
# The end-to-end demo (playbooks/demo.yml): a tunnel, two published hostnames with DNS, a
# connector, healthy, a summary, then everything torn down.
#
# Default: against the bundled Cloudflare API emulator (no account needed). The script starts the
# emulator on a free port, exports CLOUDFLARE_* for it, runs the playbook, checks that the
# emulator is empty afterwards (no live tunnel, connector or DNS record left) and stops it.
#
# Against the real API: export CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_ZONE
# first. Then no emulator is started and the stand-in connector step is skipped.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv-demo}"
PYTHON="$VENV/bin/python"
PLAYBOOK="$VENV/bin/ansible-playbook"
for tool in "$PYTHON" "$PLAYBOOK"; do
    if [ ! -x "$tool" ]; then
        echo "demo: $tool is missing; run scripts/bootstrap-demo.sh (or make demo) first" >&2
        exit 1
    fi
done

WORK="$(mktemp -d)"
cleanup() {
    if declare -F stop_emulator >/dev/null; then
        stop_emulator
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# Ansible finds the collection through ANSIBLE_COLLECTIONS_PATH/ansible_collections/edgeops/cloudflare.
mkdir -p "$WORK/collections/ansible_collections/edgeops"
ln -s "$ROOT" "$WORK/collections/ansible_collections/edgeops/cloudflare"
export ANSIBLE_COLLECTIONS_PATH="$WORK/collections"
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false

run_playbook() {
    "$PLAYBOOK" -i localhost, -c local -e "ansible_python_interpreter=$PYTHON" "$ROOT/playbooks/demo.yml" "$@"
}

if [ -n "${CLOUDFLARE_API_TOKEN:-}" ]; then
    missing=""
    for var in CLOUDFLARE_ACCOUNT_ID CLOUDFLARE_ZONE; do
        [ -n "${!var:-}" ] || missing="$missing $var"
    done
    if [ -n "$missing" ]; then
        echo "demo: CLOUDFLARE_API_TOKEN is set, so the demo runs against the real API; it also needs:$missing" >&2
        exit 1
    fi
    unset EMULATOR_ROOT
    echo "demo: running against the real Cloudflare API (account $CLOUDFLARE_ACCOUNT_ID, zone $CLOUDFLARE_ZONE);"
    echo "demo: no emulator, no stand-in connector."
    run_playbook "$@"
    exit 0
fi

echo "demo: starting the Cloudflare API emulator (no account needed)"
COLLECTION_ROOT="$ROOT"
EMULATOR_PYTHON="$PYTHON"
# shellcheck source=SCRIPTDIR/../tests/emulator/start.sh
source "$ROOT/tests/emulator/start.sh"
export CLOUDFLARE_ZONE="example.com"
echo "demo: emulator at $EMULATOR_ROOT"

run_playbook "$@"

echo "demo: checking that the emulator is empty again"
(cd "$ROOT" && "$PYTHON" - "$EMULATOR_ROOT" <<'PY'
import sys

from tests.emulator.control import EmulatorControl

state = EmulatorControl(sys.argv[1]).state()
left = []
live = [t["name"] for t in state["tunnels"] if not t.get("deleted_at")]
if live:
    left.append("live tunnels: %s" % ", ".join(live))
connectors = [c.get("id") for t in state["tunnels"] for c in t.get("connectors") or []]
if connectors:
    left.append("connectors: %s" % ", ".join(str(c) for c in connectors))
if state["dns_records"]:
    left.append("DNS records: %s" % ", ".join(r["name"] for r in state["dns_records"]))
for key in ("routes", "hostname_routes", "virtual_networks"):
    # deleted ones stay readable; every account has its network named "default"
    kept = [o for o in state.get(key) or [] if not o.get("deleted_at") and o.get("name") != "default"]
    if kept:
        left.append("%s: %d" % (key, len(kept)))
if left:
    print("demo: FAILED, the emulator is not empty: " + "; ".join(left))
    sys.exit(1)
print("demo: OK, nothing left behind (%d deleted tunnel(s) stay readable, as in the real API)."
      % sum(1 for t in state["tunnels"] if t.get("deleted_at")))
PY
)
