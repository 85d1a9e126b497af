#!/usr/bin/env bash
# cfd_tunnel_config (and cfd_tunnel delete_dns_records) through real ansible-playbook runs
# against the emulator: two plays publishing on one tunnel, DNS, check/diff, idempotence,
# faults, bad input, teardown.
set -euo pipefail
cd "$(dirname "$0")"
source ../setup_emulator/emulator.sh

run_playbook prepare.yml "$@"
# Two separate ansible-playbook runs own different hostnames of one tunnel (merge mode).
run_playbook play_app.yml "$@"
run_playbook play_docs.yml "$@"
# Rerunning the first one must neither write nor disturb the second one's rule.
run_playbook play_app.yml -e expect_unchanged=true "$@"
run_playbook checks.yml "$@"
run_playbook teardown.yml "$@"
