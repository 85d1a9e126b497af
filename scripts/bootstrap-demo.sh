#!/usr/bin/env bash
# Prepare .venv-demo for `make demo`: ansible-core, requests and Flask, nothing of the test
# toolchain and no Debian packages (that is scripts/bootstrap.sh, for `make test`).
#
# Idempotent; a warm run takes about a second. Python: DEMO_PYTHON if set, else the newest
# python3.13 ... python3.10 (then python3) on PATH that runs and can create a venv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${DEMO_VENV:-$ROOT/.venv-demo}"
REQ_FILES=("$ROOT/scripts/lib/demo-requirements.txt" "$ROOT/requirements.txt")
START=$(date +%s)

log() { printf '[bootstrap-demo] %s\n' "$*"; }
die() { printf '[bootstrap-demo] ERROR: %s\n' "$*" >&2; exit 1; }

# Prints the real interpreter path when "$1" is a usable Python 3.10-3.13 (pyenv shims of
# versions that are not selected fail here and are skipped).
usable_python() {
    "$1" - <<'PY' 2>/dev/null
import sys
import ensurepip, venv  # noqa: F401  (Debian splits these off into python3-venv)
if (3, 10) <= sys.version_info[:2] <= (3, 13):
    print(sys.executable)
PY
}

venv_ok() {
    [[ -x "$VENV/bin/python" ]] && [[ -n "$(usable_python "$VENV/bin/python")" ]]
}

if venv_ok; then
    log "venv: $VENV (kept, $("$VENV/bin/python" -V))"
else
    PY=""
    for candidate in ${DEMO_PYTHON:-python3.13 python3.12 python3.11 python3.10 python3}; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        PY="$(usable_python "$candidate")" && [[ -n "$PY" ]] && break
        PY=""
    done
    [[ -n "$PY" ]] || die "no Python 3.10-3.13 with the venv module on PATH (set DEMO_PYTHON, or install python3-venv)"
    log "venv: creating $VENV from $PY ($("$PY" -V))"
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
fi

if "$VENV/bin/python" "$ROOT/scripts/lib/check_requirements.py" "${REQ_FILES[@]}" >/dev/null 2>&1; then
    log "python packages: all requirements already satisfied"
else
    log "python packages: installing ansible-core, requests, flask"
    PIP_ARGS=()
    for f in "${REQ_FILES[@]}"; do PIP_ARGS+=(-r "$f"); done
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q "${PIP_ARGS[@]}" 2>&1 |
        sed -e '/is ignored: it is neither a file nor a directory/d'
    "$VENV/bin/python" "$ROOT/scripts/lib/check_requirements.py" "${REQ_FILES[@]}" ||
        die "requirements still unsatisfied after pip install (see above)"
fi
log "done in $(($(date +%s) - START)) s ($("$VENV/bin/ansible" --version | head -n 1))"
