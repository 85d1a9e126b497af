#!/usr/bin/env bash
# state: absent takes the very options of the matching present task, so one task list toggles
# with a variable; connections_removed is reported with state: absent alike in check and real mode.
set -euo pipefail
cd "$(dirname "$0")"
source ../setup_emulator/emulator.sh

run_playbook toggle.yml "$@"
run_playbook connections.yml "$@"
