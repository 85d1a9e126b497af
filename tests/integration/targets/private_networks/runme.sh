#!/usr/bin/env bash
# Private networks (virtual_network, tunnel_route, hostname_route and their _info modules) through real
# ansible-playbook runs against the emulator, torn down by cfd_tunnel delete_routes in both ways the API
# treats the routes of a deleted tunnel.
set -euo pipefail
cd "$(dirname "$0")"
source ../setup_emulator/emulator.sh

run_playbook lifecycle.yml -e tunnel_delete_routes=cascade "$@"
run_playbook lifecycle.yml -e tunnel_delete_routes=refuse "$@"
