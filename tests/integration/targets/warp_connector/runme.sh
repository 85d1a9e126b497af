#!/usr/bin/env bash
# warp_connector and warp_connector_info through real ansible-playbook runs against the emulator.
set -euo pipefail
cd "$(dirname "$0")"
# Starts the emulator on a free port, exports CLOUDFLARE_* and EMULATOR_ROOT, stops it on exit.
source ../setup_emulator/emulator.sh

run_playbook lifecycle.yml "$@"
