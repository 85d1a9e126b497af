#!/usr/bin/env bash
# One read serves a whole loop: the request log of looped tasks on two hosts at once, on each execution
# path (the one scripts/test_all.py names, or both): in-process, one listing per kind of object, host and
# task; as modules, one query per item, as before. Results are the same on both paths.
set -euo pipefail
cd "$(dirname "$0")"
source ../setup_emulator/emulator.sh

INVENTORY="$(mktemp)"
trap 'rm -f "$INVENTORY"; stop_emulator' EXIT
cat >"$INVENTORY" <<INV
[loopers]
loop-a
loop-b

[all:vars]
ansible_connection=local
ansible_python_interpreter=$EMULATOR_PYTHON
INV

for path in ${EDGEOPS_CLOUDFLARE_EXECUTION:-module inprocess}; do
    EDGEOPS_CLOUDFLARE_EXECUTION="$path" ansible-playbook -i "$INVENTORY" --forks 2 loops.yml -e "expected_path=$path" "$@"
done
