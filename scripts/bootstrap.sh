#!/usr/bin/env bash
# Prepare this checkout for `make test` / `make demo` on a fresh machine.
#
# Idempotent: every step checks what is already there, so a warm run takes seconds.
#   1. .venv from pyenv's Python 3.12 (absolute path, never the pyenv shim)
#   2. pinned ansible-core + requirements.txt + tests/requirements.txt in .venv
#   3. the offline get-pip stand-in that ansible-test needs (see docs/developing.md)
#   4. .cache/pybin: python3.9 ... python3.13 symlinks to pyenv's interpreters
#   5. Debian packages listed in scripts/lib/apt-packages.txt (and tests/*/apt-packages.txt)
#
# Environment knobs: ANSIBLE_CORE_VERSION (default 2.21.5), PYENV_ROOT,
# BOOTSTRAP_SKIP_APT=1 (skip step 5, e.g. on a developer laptop without root).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ANSIBLE_CORE_VERSION="${ANSIBLE_CORE_VERSION:-2.21.5}"
CONTROLLER_VERSION="3.12"
MODULE_VERSIONS="3.9 3.10 3.11 3.12 3.13"
VENV="$ROOT/.venv"
PYBIN="$ROOT/.cache/pybin"
START=$(date +%s)

log() { printf '[bootstrap] %s\n' "$*"; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }
# pip on these machines warns about every missing local index folder; drop that noise only.
quiet_pip_noise() { sed -e '/is ignored: it is neither a file nor a directory/d'; }

# --- 1. pyenv interpreters ---------------------------------------------------------------
if command -v pyenv >/dev/null 2>&1; then
    PYENV_DIR="$(pyenv root)"
else
    PYENV_DIR="${PYENV_ROOT:-$HOME/.pyenv}"
fi

# Absolute path of the newest pyenv CPython X.Y, or nothing.
pyenv_python() {
    local want="$1" dir best=""
    for dir in "$PYENV_DIR"/versions/"$want".*; do
        [[ -d "$dir" && "$(basename "$dir")" =~ ^${want//./\\.}\.[0-9]+$ ]] || continue
        [[ -x "$dir/bin/python$want" ]] || continue
        best="$(printf '%s\n%s\n' "$best" "$dir" | sed '/^$/d' | sort -V | tail -n 1)"
    done
    [[ -n "$best" ]] && printf '%s/bin/python%s\n' "$best" "$want"
    return 0
}

CONTROLLER_PY="$(pyenv_python "$CONTROLLER_VERSION")"
[[ -n "$CONTROLLER_PY" ]] || die "no Python $CONTROLLER_VERSION under $PYENV_DIR/versions (install it with pyenv)"

# --- 2. virtual environment --------------------------------------------------------------
venv_ok() {
    [[ -x "$VENV/bin/python" ]] &&
        "$VENV/bin/python" -c "import sys; sys.exit(sys.version_info[:2] != (3, 12))" 2>/dev/null
}
if venv_ok; then
    log "venv: $VENV (kept)"
else
    log "venv: creating $VENV from $CONTROLLER_PY"
    rm -rf "$VENV"
    "$CONTROLLER_PY" -m venv "$VENV"
fi

CORE_REQ="$(mktemp)"
trap 'rm -f "$CORE_REQ"' EXIT
printf 'ansible-core==%s\n' "$ANSIBLE_CORE_VERSION" >"$CORE_REQ"
REQ_FILES=("$CORE_REQ" "$ROOT/requirements.txt")
[[ -f "$ROOT/tests/requirements.txt" ]] && REQ_FILES+=("$ROOT/tests/requirements.txt")

if "$VENV/bin/python" "$ROOT/scripts/lib/check_requirements.py" "${REQ_FILES[@]}" >/dev/null 2>&1; then
    log "python packages: all requirements already satisfied"
else
    log "python packages: installing ansible-core==$ANSIBLE_CORE_VERSION and requirements (this takes a minute when cold)"
    PIP_ARGS=()
    for f in "${REQ_FILES[@]}"; do PIP_ARGS+=(-r "$f"); done
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q "${PIP_ARGS[@]}" 2>&1 | quiet_pip_noise
    if ! "$VENV/bin/python" "$ROOT/scripts/lib/check_requirements.py" "${REQ_FILES[@]}"; then
        die "requirements still unsatisfied after pip install (see above)"
    fi
fi

# --- 3. ansible-test's get-pip stand-in ----------------------------------------------------
ANSIBLE_TEST_DIR="$("$VENV/bin/python" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')"
PIP_VERSION="$(sed -n "s/^[[:space:]]*pip='\([0-9][0-9.]*\)',\{0,1\}[[:space:]]*$/\1/p" \
    "$ANSIBLE_TEST_DIR/_internal/python_requirements.py" | head -n 1)"
[[ -n "$PIP_VERSION" ]] || die "could not find the pip version in $ANSIBLE_TEST_DIR/_internal/python_requirements.py"
GET_PIP="$HOME/.ansible/test/cache/get_pip_${PIP_VERSION//./_}.py"
if cmp -s "$ROOT/scripts/lib/get_pip_standin.py" "$GET_PIP"; then
    log "ansible-test get-pip stand-in: $GET_PIP (kept)"
else
    mkdir -p "$(dirname "$GET_PIP")"
    install -m 0644 "$ROOT/scripts/lib/get_pip_standin.py" "$GET_PIP"
    log "ansible-test get-pip stand-in: wrote $GET_PIP (pip $PIP_VERSION)"
fi

# --- 4. python3.X symlinks for ansible-test -------------------------------------------------
mkdir -p "$PYBIN"
FOUND=()
for v in $MODULE_VERSIONS; do
    py="$(pyenv_python "$v")"
    if [[ -z "$py" ]]; then
        rm -f "$PYBIN/python$v"
        log "WARNING: no pyenv Python $v: ansible-test cannot test modules on it"
        continue
    fi
    [[ "$(readlink "$PYBIN/python$v" 2>/dev/null)" == "$py" ]] || ln -sfn "$py" "$PYBIN/python$v"
    FOUND+=("$v")
done
log "pythons for ansible-test in $PYBIN: ${FOUND[*]:-none}"

# --- 5. Debian packages ----------------------------------------------------------------------
if [[ "${BOOTSTRAP_SKIP_APT:-}" == 1 ]]; then
    log "apt: skipped (BOOTSTRAP_SKIP_APT=1)"
else
    WANTED=()
    for list in "$ROOT/scripts/lib/apt-packages.txt" "$ROOT"/tests/*/apt-packages.txt; do
        [[ -f "$list" ]] || continue
        while read -r pkg _; do
            [[ -z "$pkg" || "$pkg" == \#* ]] || WANTED+=("$pkg")
        done <"$list"
    done
    MISSING=()
    for pkg in "${WANTED[@]}"; do
        status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
        [[ "$status" == "install ok installed" ]] || MISSING+=("$pkg")
    done
    if [[ ${#MISSING[@]} -eq 0 ]]; then
        log "apt: ${WANTED[*]:-nothing listed} already installed"
    else
        SUDO=()
        if [[ "$(id -u)" -ne 0 ]]; then
            sudo -n true 2>/dev/null || die "apt packages missing (${MISSING[*]}) and no root/sudo; install them or set BOOTSTRAP_SKIP_APT=1"
            SUDO=(sudo -n)
        fi
        log "apt: installing ${MISSING[*]}"
        export DEBIAN_FRONTEND=noninteractive
        "${SUDO[@]}" apt-get update -qq </dev/null
        "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${MISSING[@]}" </dev/null >/dev/null
    fi
fi

log "done in $(($(date +%s) - START)) s"
