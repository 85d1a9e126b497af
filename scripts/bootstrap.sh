#!/usr/bin/env bash
# Prepare this checkout for `make test` / `make demo` on a fresh machine.
#
# Idempotent: every step checks what is already there, so a warm run takes seconds.
#   1. .venv from pyenv's Python 3.12 (absolute path, never the pyenv shim)
#   2. pinned ansible-core + requirements.txt + tests/requirements*.txt in .venv; one .venv-X.Y
#      per older ansible-core minor, from the oldest that meta/runtime.yml's requires_ansible
#      allows up to the one before .venv's (newest X.Y.* release) + requirements.txt +
#      tests/requirements.txt (no lint/doc tools); .venv-release with the platforms' tools
#      (tests/requirements-release.txt: galaxy-importer, ansible-builder, ansible-runner)
#   3. the offline get-pip stand-in that ansible-test needs (see docs/developing.md), for the
#      venvs that run ansible-test (.venv and the oldest)
#   4. .cache/pybin: python3.9 ... python3.13 symlinks to pyenv's interpreters, and python2.7
#      and python3.6 (below the modules' floor: the release phase checks their clear failure)
#   5. Debian packages listed in scripts/lib/apt-packages.txt (and tests/*/apt-packages.txt)
#
# Environment knobs: ANSIBLE_CORE_VERSION (default 2.21.5), PYENV_ROOT,
# BOOTSTRAP_SKIP_APT=1 (skip step 5, e.g. on a developer laptop without root),
# BOOTSTRAP_SKIP_OLDEST_CORE=1 (no .venv-X.Y; the test runner then fails the phases that need them).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ANSIBLE_CORE_VERSION="${ANSIBLE_CORE_VERSION:-2.21.5}"
CONTROLLER_VERSION="3.12"
MODULE_VERSIONS="3.9 3.10 3.11 3.12 3.13"
# Pythons below the modules' floor (plugins/module_utils/_python_floor.py) that ansible-core 2.16
# still starts modules on; optional (the release phase fails its check without them).
BELOW_FLOOR_VERSIONS="2.7 3.6"
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

# --- 2. virtual environments -------------------------------------------------------------
# The oldest ansible-core the collection claims to support, X.Y from requires_ansible.
OLDEST_CORE="$(sed -n 's/^requires_ansible:[^0-9]*\([0-9][0-9]*\.[0-9][0-9]*\).*$/\1/p' "$ROOT/meta/runtime.yml")"
[[ -n "$OLDEST_CORE" ]] || die "no requires_ansible version in meta/runtime.yml"
OLD_VENV="$ROOT/.venv-$OLDEST_CORE"
REQ_DIR="$(mktemp -d)"
trap 'rm -rf "$REQ_DIR"' EXIT

# prepare_venv DIR CORE_SPEC REQUIREMENT_FILE...: a venv on the controller Python with exactly these.
prepare_venv() {
    local venv="$1" core="$2" name
    shift 2
    name="$(basename "$venv")"
    if [[ -x "$venv/bin/python" ]] &&
        "$venv/bin/python" -c "import sys; sys.exit(sys.version_info[:2] != (3, 12))" 2>/dev/null; then
        log "$name: kept"
    else
        log "$name: creating from $CONTROLLER_PY"
        rm -rf "$venv"
        "$CONTROLLER_PY" -m venv "$venv"
    fi
    printf 'ansible-core%s\n' "$core" >"$REQ_DIR/$name-core.txt"
    local files=("$REQ_DIR/$name-core.txt" "$@") args=() f
    if "$venv/bin/python" "$ROOT/scripts/lib/check_requirements.py" "${files[@]}" >/dev/null 2>&1; then
        log "$name: python packages already satisfied (ansible-core$core)"
    else
        log "$name: installing ansible-core$core and requirements (this takes a minute when cold)"
        for f in "${files[@]}"; do args+=(-r "$f"); done
        "$venv/bin/python" -m pip install --disable-pip-version-check -q "${args[@]}" 2>&1 | quiet_pip_noise
        "$venv/bin/python" "$ROOT/scripts/lib/check_requirements.py" "${files[@]}" ||
            die "$name: requirements still unsatisfied after pip install (see above)"
    fi
}

# --- 3. ansible-test's get-pip stand-in ----------------------------------------------------
# get_pip_standin VENV: the stand-in for the pip version that venv's ansible-test asks for.
get_pip_standin() {
    local test_dir pip_version get_pip
    test_dir="$("$1/bin/python" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')"
    pip_version="$(sed -n "s/^[[:space:]]*pip='\([0-9][0-9.]*\)',\{0,1\}[[:space:]]*$/\1/p" \
        "$test_dir/_internal/python_requirements.py" | head -n 1)"
    [[ -n "$pip_version" ]] || die "could not find the pip version in $test_dir/_internal/python_requirements.py"
    get_pip="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
    if cmp -s "$ROOT/scripts/lib/get_pip_standin.py" "$get_pip"; then
        log "ansible-test get-pip stand-in: $get_pip (kept)"
    else
        mkdir -p "$(dirname "$get_pip")"
        install -m 0644 "$ROOT/scripts/lib/get_pip_standin.py" "$get_pip"
        log "ansible-test get-pip stand-in: wrote $get_pip (pip $pip_version)"
    fi
}

# tests/requirements.txt: what tests need on every ansible-core; -tools: lint and docs, newest only.
TEST_REQ="$ROOT/tests/requirements.txt"
prepare_venv "$VENV" "==$ANSIBLE_CORE_VERSION" "$ROOT/requirements.txt" "$TEST_REQ" "$ROOT/tests/requirements-tools.txt"
get_pip_standin "$VENV"
# Every minor from the oldest up to the one before .venv's: units and a smoke run (phase matrix);
# the oldest also runs sanity and integration (phases *-X.Y), hence its get-pip stand-in.
NEWEST_CORE="$(printf '%s\n' "$ANSIBLE_CORE_VERSION" | cut -d. -f1,2)"
if [[ "${BOOTSTRAP_SKIP_OLDEST_CORE:-}" == 1 ]]; then
    log ".venv-$OLDEST_CORE ... .venv-<before $NEWEST_CORE>: skipped (BOOTSTRAP_SKIP_OLDEST_CORE=1)"
else
    minor="${OLDEST_CORE#*.}"
    while ((minor < ${NEWEST_CORE#*.})); do
        core="${OLDEST_CORE%%.*}.$minor"
        prepare_venv "$ROOT/.venv-$core" "==$core.*" "$ROOT/requirements.txt" "$TEST_REQ"
        minor=$((minor + 1))
    done
    get_pip_standin "$OLD_VENV"
fi
# The platforms' tools on the same ansible-core as .venv (phase release).
prepare_venv "$ROOT/.venv-release" "==$ANSIBLE_CORE_VERSION" "$ROOT/requirements.txt" "$ROOT/tests/requirements-release.txt"

# --- 4. python3.X symlinks for ansible-test -------------------------------------------------
mkdir -p "$PYBIN"
# link_pythons VERSION...: link each pyenv Python found into $PYBIN; prints the versions linked
link_pythons() {
    local v py
    for v in "$@"; do
        py="$(pyenv_python "$v")"
        if [[ -z "$py" ]]; then
            rm -f "$PYBIN/python$v"
            continue
        fi
        [[ "$(readlink "$PYBIN/python$v" 2>/dev/null)" == "$py" ]] || ln -sfn "$py" "$PYBIN/python$v"
        echo "$v"
    done
}
# shellcheck disable=SC2086  # version lists split on spaces
mapfile -t FOUND < <(link_pythons $MODULE_VERSIONS)
for v in $MODULE_VERSIONS; do
    [[ " ${FOUND[*]} " == *" $v "* ]] || log "WARNING: no pyenv Python $v: ansible-test cannot test modules on it"
done
log "pythons for ansible-test in $PYBIN: ${FOUND[*]:-none}"
# shellcheck disable=SC2086
mapfile -t BELOW < <(link_pythons $BELOW_FLOOR_VERSIONS)
log "pythons below the modules' floor in $PYBIN: ${BELOW[*]:-none, the floor check of phase release fails}"

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
