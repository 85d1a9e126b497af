#!/usr/bin/env bash
# A lost response on every kind of write (POST, PATCH, PUT, DELETE of tunnels, WARP connectors,
# DNS records, connections): the emulator applies the request and drops the connection; each task
# must succeed, report the right change, and leave exactly the intended objects behind.
set -euo pipefail
cd "$(dirname "$0")"
source ../setup_emulator/emulator.sh

run_playbook lost_responses.yml "$@"
