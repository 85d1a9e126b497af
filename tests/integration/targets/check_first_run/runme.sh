#!/usr/bin/env bash
# ansible-playbook --check on a whole first-run play (create a tunnel, publish on it by name with
# DNS, fetch its token): every task predicts its change, the later ones say they assumed the
# tunnel, and nothing is written. The same play then runs for real; outside check mode a missing
# tunnel is a clear error, and a task without name or id names the missing option.
set -euo pipefail
cd "$(dirname "$0")"
source ../setup_emulator/emulator.sh

run_playbook reset.yml "$@"
run_playbook first_run.yml --check "$@"
run_playbook first_run.yml "$@"
run_playbook missing.yml "$@"
