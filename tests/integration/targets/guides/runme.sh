#!/usr/bin/env bash
# Every guide of the docs site, the README's playbooks and the demo run verbatim against the emulator:
# check mode first on an empty account, then for real, then again with nothing to change
# (guides.py says what is extracted and checked).
set -euo pipefail
cd "$(dirname "$0")"
source ../setup_emulator/emulator.sh

export EMULATOR_PYTHON  # the plays' interpreter
"$EMULATOR_PYTHON" guides.py "$COLLECTION_ROOT" "$@"
