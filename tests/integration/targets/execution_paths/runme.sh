#!/usr/bin/env bash
# The same tasks on both execution paths: compare.yml runs once forced to each path; every
# registered result and the request log must be the same in anything but generated ids and
# times. Then, with nothing forced, -vvv shows which path each kind of task takes.
set -euo pipefail
cd "$(dirname "$0")"
# Starts the emulator on a free port, exports CLOUDFLARE_* and EMULATOR_ROOT, stops it on exit.
source ../setup_emulator/emulator.sh

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"; stop_emulator' EXIT
# invocation is compared too (ansible-core 2.21 adds it only when asked; earlier versions always).
export ANSIBLE_INJECT_INVOCATION=true

control() { (cd "$COLLECTION_ROOT" && "$EMULATOR_PYTHON" -m tests.emulator.control --url "$EMULATOR_ROOT" "$@"); }

for path in module inprocess; do
    control reset >/dev/null
    EDGEOPS_CLOUDFLARE_EXECUTION="$path" run_playbook compare.yml -e "result_file=$OUT/$path.json" -e "token_dir=$OUT" "$@"
    control requests >"$OUT/$path-requests.json"
done
"$EMULATOR_PYTHON" compare.py "$OUT" "$COLLECTION_ROOT/plugins/modules"

# ---- which path runs, when nothing forces one ------------------------------------------------
unset EDGEOPS_CLOUDFLARE_EXECUTION
cat >"$OUT/inventory" <<INV
localhost ansible_connection=local ansible_python_interpreter=$EMULATOR_PYTHON
remote ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=9 ansible_python_interpreter=$EMULATOR_PYTHON
INV
ANSIBLE_NOCOLOR=1 ansible-playbook -i "$OUT/inventory" choose.yml -e "token_dir=$OUT" -vvv >"$OUT/choose.log" 2>&1 || true
expect() {
    if ! grep -qF "$1" "$OUT/choose.log"; then
        cat "$OUT/choose.log" >&2
        echo "expected in the -vvv output: $1" >&2
        exit 1
    fi
}
expect "edgeops.cloudflare.cfd_tunnel_info runs in the controller's worker process"
expect "edgeops.cloudflare.cfd_tunnel_info runs as a module: it asks for become"
expect "edgeops.cloudflare.cfd_tunnel_info runs as a module: it runs async"
expect "edgeops.cloudflare.cfd_tunnel_info runs as a module: its environment sets NO_PROXY (only"
expect "edgeops.cloudflare.tunnel_token runs as a module: dest writes a file on the target"
expect "edgeops.cloudflare.cfd_tunnel_info runs as a module: forced by variable edgeops_cloudflare_execution"
expect "edgeops.cloudflare.cfd_tunnel_info runs as a module: it targets 127.0.0.1 over the ssh connection"
# The become and async tasks really ran as modules (they report the same as the in-process one).
[ "$(grep -c '"tunnels": \[\]' "$OUT/choose.log")" -ge 5 ] || { cat "$OUT/choose.log" >&2; echo "a choose.yml task failed" >&2; exit 1; }

# ---- forced in-process where the target is not the controller: a clear failure --------------
# (tasks that need a module by themselves - become, async, environment - still run as modules)
status=0
EDGEOPS_CLOUDFLARE_EXECUTION=inprocess ANSIBLE_NOCOLOR=1 ansible-playbook -i "$OUT/inventory" choose.yml -e "token_dir=$OUT" \
    --limit remote >"$OUT/forced.log" 2>&1 || status=$?
grep -qF "environment variable EDGEOPS_CLOUDFLARE_EXECUTION forces the in-process path, but this task cannot run in the controller's process: it targets 127.0.0.1 over the ssh connection, not the controller." \
    "$OUT/forced.log" || { cat "$OUT/forced.log" >&2; echo "forced in-process on a remote host should fail clearly" >&2; exit 1; }
[ "$status" -ne 0 ]

# ---- a bad switch value is an error naming it ---------------------------------------------------
status=0
EDGEOPS_CLOUDFLARE_EXECUTION=fast ANSIBLE_NOCOLOR=1 run_playbook choose.yml -e "token_dir=$OUT" --limit localhost >"$OUT/bad.log" 2>&1 || status=$?
grep -qF "environment variable EDGEOPS_CLOUDFLARE_EXECUTION must be one of auto, module, inprocess, got 'fast'." "$OUT/bad.log" \
    || { cat "$OUT/bad.log" >&2; exit 1; }
[ "$status" -ne 0 ]
echo "execution paths: all checks passed"
