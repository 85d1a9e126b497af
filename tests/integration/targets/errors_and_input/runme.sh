#!/usr/bin/env bash
# Errors that say what to do (a 403 names the account and the permission the call needs; a missing
# account_id names CLOUDFLARE_ACCOUNT_ID) and bad input refused before any request, naming the
# parameter, on every module.
set -euo pipefail
cd "$(dirname "$0")"
source ../setup_emulator/emulator.sh

run_playbook permissions.yml "$@"
run_playbook bad_input.yml "$@"
