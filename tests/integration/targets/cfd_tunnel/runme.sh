#!/usr/bin/env bash
# cfd_tunnel and cfd_tunnel_info through real ansible-playbook runs against the emulator.
set -euo pipefail
cd "$(dirname "$0")"
source ../setup_emulator/emulator.sh

run_playbook lifecycle.yml "$@"
run_playbook chaos.yml "$@"
