# shellcheck shell=bash
# Sourced by the runme.sh of every target that talks to the Cloudflare API emulator.
# Starts it on a free port, exports the CLOUDFLARE_* variables the modules read and
# EMULATOR_ROOT for the control endpoints, and stops it when the target's shell exits.

# ansible-test runs targets from a scratch copy of tests/integration; the collection itself is
# in the first ANSIBLE_COLLECTIONS_PATH entry (outside ansible-test: four levels up from here).
if [ -n "${ANSIBLE_COLLECTIONS_PATH:-}" ]; then
    COLLECTION_ROOT="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/edgeops/cloudflare"
else
    COLLECTION_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
fi
EMULATOR_PYTHON="${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}"

# The test-only `emulator` action (action_plugins/emulator.py): the targets' calls to the emulator's
# controls and the API's scaffolding, in the controller's process (ansible.builtin.uri runs a module).
ANSIBLE_ACTION_PLUGINS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/action_plugins"
export ANSIBLE_ACTION_PLUGINS

# shellcheck source=SCRIPTDIR/../../../emulator/start.sh
source "$COLLECTION_ROOT/tests/emulator/start.sh"
trap stop_emulator EXIT

# Playbooks run on the controller with the Python that runs ansible-test.
run_playbook() {
    ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$EMULATOR_PYTHON" "$@"
}

# Runs a playbook at -vvv with its stdout, stderr and log in "$LEAK_DIR" (stdout, stderr, ansible.log),
# for the target to search every output for secrets afterwards. A failed play's output is shown (it
# holds no secret by design, and the failure must be understood), and the target stops.
run_playbook_vvv() {
    local status=0
    ANSIBLE_NOCOLOR=1 ANSIBLE_LOG_PATH="$LEAK_DIR/ansible.log" \
        run_playbook "$@" -vvv >"$LEAK_DIR/stdout" 2>"$LEAK_DIR/stderr" || status=$?
    if [ "$status" -ne 0 ]; then
        cat "$LEAK_DIR/stdout" "$LEAK_DIR/stderr" >&2
        echo "$1 failed with status $status" >&2
        exit 1
    fi
}

# The -vvv output differs between the execution paths (a module's upload and run, or none), so a leak
# check runs forced to each, whichever path the rest of the suite takes: for each path, LEAK_DIR is a
# fresh folder under LEAK_ROOT, run_playbook_vvv runs the play there, its -vvv output must show MODULE
# (a module of the collection the play runs) on the path it was forced to, then CHECK searches LEAK_DIR.
leak_check_each_path() {  # CHECK MODULE PLAYBOOK [ARGUMENTS...]
    local check="$1" module="$2" path expected
    shift 2
    for path in module inprocess; do
        LEAK_DIR="$LEAK_ROOT/$path"
        export LEAK_DIR
        mkdir -m 700 "$LEAK_DIR"
        EDGEOPS_CLOUDFLARE_EXECUTION="$path" run_playbook_vvv "$@"
        case "$path" in
            module) expected="$module runs as a module: forced by environment variable EDGEOPS_CLOUDFLARE_EXECUTION" ;;
            inprocess) expected="$module runs in the controller's worker process" ;;
        esac
        grep -qF "$expected" "$LEAK_DIR/stdout" || { echo "$1 at -vvv does not say: $expected" >&2; exit 1; }
        "$check"
    done
}
