# shellcheck shell=bash
# Sourced by the runme.sh of every target that talks to the Cloudflare API emulator.
# Starts it on a free port, exports the CLOUDFLARE_* variables the modules read and
# EMULATOR_ROOT for the control endpoints, and stops it when the target's shell exits.

# ansible-test runs targets from a scratch copy of tests/integration; the collection itself is
# in the first ANSIBLE_COLLECTIONS_PATH entry (outside ansible-test: four levels up from here).
if [ -n "${ANSIBLE_COLLECTIONS_PATH:-}" ]; then
    COLLECTION_ROOT="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/edgeops/cloudflare"
else
    COLLECTION_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
fi
EMULATOR_PYTHON="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"
EMULATOR_DIR="$(mktemp -d)"

(cd "$COLLECTION_ROOT" && exec "$EMULATOR_PYTHON" -m tests.emulator --port 0 --port-file "$EMULATOR_DIR/port") \
    >"$EMULATOR_DIR/log" 2>&1 &
EMULATOR_PID=$!

stop_emulator() {
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
    rm -rf "$EMULATOR_DIR"
}
trap stop_emulator EXIT

for _attempt in $(seq 100); do
    [ -s "$EMULATOR_DIR/port" ] && break
    sleep 0.1
done
if [ ! -s "$EMULATOR_DIR/port" ]; then
    cat "$EMULATOR_DIR/log" >&2
    echo "the Cloudflare API emulator did not start" >&2
    exit 1
fi

EMULATOR_ROOT="http://127.0.0.1:$(cat "$EMULATOR_DIR/port")"
export EMULATOR_ROOT
export CLOUDFLARE_BASE_URL="$EMULATOR_ROOT/client/v4"
export CLOUDFLARE_ACCOUNT_ID="a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"
export CLOUDFLARE_API_TOKEN="emulator-write-token"
unset CLOUDFLARE_EMAIL CLOUDFLARE_API_KEY

# Playbooks run on the controller with the Python that runs ansible-test.
run_playbook() {
    ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$EMULATOR_PYTHON" "$@"
}
