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

# scripts/test_all.py runs the suite once per execution path and names the path in this file of its
# copy (ansible-test passes no environment variable of ours to the targets).
EXECUTION_PATH_FILE="$(dirname "${BASH_SOURCE[0]}")/execution_path"
if [ -z "${EDGEOPS_CLOUDFLARE_EXECUTION:-}" ] && [ -s "$EXECUTION_PATH_FILE" ]; then
    EDGEOPS_CLOUDFLARE_EXECUTION="$(cat "$EXECUTION_PATH_FILE")"
    export EDGEOPS_CLOUDFLARE_EXECUTION
fi

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
