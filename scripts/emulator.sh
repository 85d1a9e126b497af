#!/usr/bin/env bash
# `make emulator`: the bundled Cloudflare API emulator in the foreground, and the environment the
# README's "Ad-hoc use" commands need, printed as `export` lines to paste into another shell.
#
# Uses the light .venv-demo of `make demo` (VENV overrides it). EMULATOR_PORT picks the port
# (default 8787; 0 takes a free one). The emulator keeps its state in memory: Ctrl-C ends it.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv-demo}"
if [ ! -x "$VENV/bin/ansible" ]; then
    echo "emulator: $VENV/bin/ansible is missing; run scripts/bootstrap-demo.sh (or make emulator) first" >&2
    exit 1
fi

# Ansible finds the collection through ANSIBLE_COLLECTIONS_PATH/ansible_collections/edgeops/cloudflare.
COLLECTIONS="$ROOT/build/emulator/collections"
mkdir -p "$COLLECTIONS/ansible_collections/edgeops"
ln -sfn "$ROOT" "$COLLECTIONS/ansible_collections/edgeops/cloudflare"

COLLECTION_ROOT="$ROOT"
EMULATOR_PYTHON="$VENV/bin/python"
EMULATOR_PORT="${EMULATOR_PORT:-8787}"
# shellcheck source=SCRIPTDIR/../tests/emulator/start.sh
source "$ROOT/tests/emulator/start.sh"
trap stop_emulator EXIT
trap 'exit 0' INT TERM

cat <<EXPORTS
# The Cloudflare API emulator runs at $EMULATOR_ROOT (Ctrl-C stops it; its state goes with it).
# Paste these lines into another shell, then run the README's "Ad-hoc use" commands there:
export CLOUDFLARE_BASE_URL=$CLOUDFLARE_BASE_URL
export CLOUDFLARE_ACCOUNT_ID=$CLOUDFLARE_ACCOUNT_ID
export CLOUDFLARE_API_TOKEN=$CLOUDFLARE_API_TOKEN
export ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS
export PATH="$VENV/bin:\$PATH"
EXPORTS
wait "$EMULATOR_PID"
