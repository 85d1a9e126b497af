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
