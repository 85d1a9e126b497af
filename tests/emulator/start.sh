# shellcheck shell=bash
# Sourced, never run: starts the Cloudflare API emulator on a free port and exports what the
# modules read (CLOUDFLARE_BASE_URL, CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_API_TOKEN) plus
# EMULATOR_ROOT for the control endpoints. Needs COLLECTION_ROOT (the collection's root) and
# EMULATOR_PYTHON (a Python with Flask); EMULATOR_CONFIG, when set, is the absolute path of a
# --config JSON file; EMULATOR_PORT, when set, the port (default: a free one). The caller stops it
# with stop_emulator, usually in a trap.
# Used by the integration targets (setup_emulator), scripts/demo.sh and scripts/emulator.sh.

EMULATOR_DIR="$(mktemp -d)"
(cd "$COLLECTION_ROOT" && exec "$EMULATOR_PYTHON" -m tests.emulator --port "${EMULATOR_PORT:-0}" --port-file "$EMULATOR_DIR/port" \
    ${EMULATOR_CONFIG:+--config "$EMULATOR_CONFIG"}) \
    >"$EMULATOR_DIR/log" 2>&1 &
EMULATOR_PID=$!

stop_emulator() {
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
    rm -rf "$EMULATOR_DIR"
}

for _attempt in $(seq 100); do
    [ -s "$EMULATOR_DIR/port" ] && break
    sleep 0.1
done
if [ ! -s "$EMULATOR_DIR/port" ]; then
    cat "$EMULATOR_DIR/log" >&2
    echo "the Cloudflare API emulator did not start" >&2
    stop_emulator
    exit 1
fi

# The emulator's documented defaults (docs/developing.md), not real credentials.
EMULATOR_ROOT="http://127.0.0.1:$(cat "$EMULATOR_DIR/port")"
export EMULATOR_ROOT
export CLOUDFLARE_BASE_URL="$EMULATOR_ROOT/client/v4"
export CLOUDFLARE_ACCOUNT_ID="a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"
export CLOUDFLARE_API_TOKEN="emulator-write-token"
unset CLOUDFLARE_EMAIL CLOUDFLARE_API_KEY
