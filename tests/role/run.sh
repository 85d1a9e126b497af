#!/usr/bin/env bash
# Tests of the edgeops.cloudflare.cloudflared role on real systemd hosts (Debian 12 and 13 booted
# with systemd-nspawn, reached with the community.docker.nsenter connection), against the API
# emulator and a stand-in cloudflared served over local HTTP and from a locally signed apt repo.
#
# Run as root from anywhere:  tests/role/run.sh
# Environment: VENV (default <repo>/.venv), COLLECTIONS_PATH (a dir holding
# ansible_collections/edgeops/cloudflare; default: a copy of this checkout), BUILD_DIR,
# EDGEOPS_CACHE (rootfs tarballs, the ansible wheel), ROLE_TEST_RELEASES (default "bookworm trixie").
# Last line of output: "N passed, N failed".
set -Eeuo pipefail  # -E: the ERR trap below sees a failure inside a function too

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="${VENV:-$REPO/.venv}"
BUILD="${BUILD_DIR:-$REPO/build/role-tests}"
read -r -a RELEASES <<<"${ROLE_TEST_RELEASES:-bookworm trixie}"
ANSIBLE_WHEEL_VERSION="14.5.0"   # ships community.docker with the nsenter connection
# Debian packages the harness needs on the machine that runs it
APT_PACKAGES=(systemd systemd-container debootstrap dpkg-dev apt-utils gnupg procps util-linux)
V1="2026.8.2"; V2="2026.9.0"; VOLD="2025.1.0"

source "$HERE/hosts.sh"

PASSED=0; FAILED=0; NOTRUN=0
pass() { PASSED=$((PASSED + 1)); printf 'PASS [%3ss] %s\n' "$SECONDS" "$1"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL [%3ss] %s\n' "$SECONDS" "$1"; [[ -z "${2:-}" ]] || printf '     %s\n' "$2"; }
notrun() { NOTRUN=$((NOTRUN + 1)); printf 'NOT RUN %s: %s\n' "$1" "$2"; }
# check NAME COMMAND...: one verified assertion group
check() { local name="$1"; shift; local out; if out="$("$@" 2>&1)"; then pass "$name"; else fail "$name" "$(tail -n 5 <<<"$out")"; fi; }

# ---------------------------------------------------------------- teardown
declare -A LEADER=() PORT=()
EMU_PID=""; WWW_PID=""; POLL_PID=""
# stop_child PID: SIGTERM, then wait (at most 5 s, then SIGKILL): the emulator shuts down
# gracefully, and the test runner counts a server still stopping as left running
stop_child() {
    [[ -n "$1" ]] && kill "$1" 2>/dev/null || return 0
    for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
# A step outside a check that fails stops the run (set -e); the EXIT trap still ends the output
# with the summary line, the stop counted as a failure that names the line and the command.
STOPPED_AT=""; SUMMARY_PRINTED=0
trap 'STOPPED_AT="${BASH_SOURCE[0]##*/} line $LINENO: $(sed -n "${LINENO}s/^ *//p" "${BASH_SOURCE[0]}") (last command: $BASH_COMMAND)"' ERR
cleanup() {
    local rc=$? h stopped_at="$STOPPED_AT"
    stop_child "$POLL_PID"
    for h in "${!LEADER[@]}"; do stop_host "$BUILD/$h.log" "${LEADER[$h]}"; done
    stop_child "$EMU_PID"
    stop_child "$WWW_PID"
    if ((!SUMMARY_PRINTED)); then
        fail "the harness stopped early (exit $rc)" "${stopped_at:-no failing command recorded}"
        echo "$PASSED passed, $FAILED failed"
        exit $((rc ? rc : 1))
    fi
}
trap cleanup EXIT

[[ $EUID -eq 0 ]] || { echo "run as root (systemd-nspawn, nsenter)"; exit 2; }

# ---------------------------------------------------------------- tools
missing=()
for pkg in "${APT_PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg"); done
if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
PY="$VENV/bin/python"
[[ -x "$PY" ]] || { echo "no virtualenv at $VENV"; exit 2; }

rm -rf "$BUILD"; mkdir -p "$BUILD"; chmod 700 "$BUILD"
COLL_DEPS="$BUILD/collections"
mkdir -p "$EDGEOPS_CACHE/wheels" "$COLL_DEPS"
WHEEL="$EDGEOPS_CACHE/wheels/ansible-$ANSIBLE_WHEEL_VERSION-py3-none-any.whl"
if [[ ! -s "$WHEEL" ]]; then
    "$PY" -m pip download --quiet --no-deps "ansible==$ANSIBLE_WHEEL_VERSION" -d "$EDGEOPS_CACHE/wheels"
fi
"$PY" - "$WHEEL" "$COLL_DEPS" <<'PYEOF'
import sys, zipfile
wheel, dest = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    z.extractall(dest, [n for n in z.namelist() if n.startswith("ansible_collections/community/docker/")])
PYEOF
if [[ -z "${COLLECTIONS_PATH:-}" ]]; then
    COLLECTIONS_PATH="$BUILD/collection"
    dest="$COLLECTIONS_PATH/ansible_collections/edgeops/cloudflare"
    mkdir -p "$dest"
    (cd "$REPO" && git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$dest")
    [[ -f "$dest/roles/cloudflared/tasks/main.yml" ]] || { echo "collection copy is empty"; exit 2; }
fi
COLL="$COLLECTIONS_PATH/ansible_collections/edgeops/cloudflare"
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS_PATH:$COLL_DEPS"
export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_RETRY_FILES_ENABLED=False ANSIBLE_NOCOLOR=1
export ANSIBLE_LOCAL_TEMP="$BUILD/ansible-tmp" ANSIBLE_HOME="$BUILD/ansible-home"
PLAYBOOK="$VENV/bin/ansible-playbook"

# ---------------------------------------------------------------- servers, hosts

ASSET_ARCH="$("$HERE/build_artifacts.sh" "$BUILD/artifacts" "$V1" "$V2" "$VOLD" | tail -n 1)"
sha() { cat "$BUILD/artifacts/www/releases/$1/cloudflared-linux-$ASSET_ARCH.sha256"; }

(cd "$REPO" && exec "$PY" -m tests.emulator --port 0 --port-file "$BUILD/emulator.port" >"$BUILD/emulator.log" 2>&1) &
EMU_PID=$!
"$PY" "$HERE/serve.py" "$BUILD/artifacts/www" "$BUILD/www.port" &
WWW_PID=$!
for _ in $(seq 1 600); do [[ -s "$BUILD/emulator.port" && -s "$BUILD/www.port" ]] && break; sleep 0.1; done
[[ -s "$BUILD/emulator.port" && -s "$BUILD/www.port" ]] || { echo "the emulator or the file server did not start in 60 s (see $BUILD/emulator.log)"; exit 1; }
EMU="http://127.0.0.1:$(cat "$BUILD/emulator.port")"
WWW="http://127.0.0.1:$(cat "$BUILD/www.port")"
api() { "$PY" "$HERE/api.py" "$EMU" "$@"; }

INV="$BUILD/inventory.ini"
echo "[hosts]" >"$INV"
# The hosts share the machine's loopback (no --private-network) with the harness and with any
# other run of these tests, so each host gets its own metrics port from a block of ten picked per
# run (from this shell's PID, checked free); the legacy instance takes the block's last port.
PORT_BASE="$("$PY" - "$$" <<'PYEOF'
import socket, sys
pid = int(sys.argv[1])
for step in range(800):
    base = 21000 + (pid + step) % 800 * 10
    try:
        for port in range(base, base + 10):
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(base)
    break
PYEOF
)"
[[ -n "$PORT_BASE" ]] || { echo "no free block of metrics ports on 127.0.0.1"; exit 2; }
LEGACY_PORT=$((PORT_BASE + 9))
i=0
for rel in "${RELEASES[@]}"; do
    PORT[$rel]=$((PORT_BASE + i)); i=$((i + 1))
    unpack_rootfs "$rel" "$BUILD/root-$rel"
    LEADER[$rel]="$(boot_host "role-$rel-$$" "$BUILD/root-$rel" "$BUILD/$rel.log")"
    echo "$rel ansible_connection=community.docker.nsenter ansible_nsenter_pid=${LEADER[$rel]} ansible_python_interpreter=/usr/bin/python3 cloudflared_metrics_address=127.0.0.1:${PORT[$rel]}" >>"$INV"
    log "booted $rel (leader ${LEADER[$rel]})"
done
in_host() { local h="$1"; shift; nsenter -t "${LEADER[$h]}" -a "$@"; }

# test-only: where the stand-in finds the "edge"; and a stray config that must not leak in
for h in "${RELEASES[@]}"; do
    in_host "$h" sh -c "mkdir -p /etc/cloudflared-standin /etc/cloudflared && echo '{\"emulator\": \"$EMU\"}' >/etc/cloudflared-standin/edge.json \
        && printf 'metrics: 0.0.0.0:20299\nprotocol: bogus\n' >/etc/cloudflared/config.yml"
done

T1="$(api create-tunnel role-shared)"
T2="$(api create-tunnel role-legacy)"
api token "$T1" "$BUILD/t1.token.before"
api token "$T2" "$BUILD/t2.token"
export CLOUDFLARE_API_TOKEN=emulator-write-token CLOUDFLARE_ACCOUNT_ID=a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5
export CLOUDFLARE_BASE_URL="$EMU/client/v4"

API_PATH=0
if [[ -f "$COLL/plugins/modules/tunnel_token.py" ]]; then API_PATH=1; fi
token_source() {
    if ((API_PATH)); then echo "cloudflared_tunnel_name: role-shared"
    else echo "cloudflared_tunnel_token: \"{{ lookup('ansible.builtin.file', '$BUILD/t1.token.current') }}\""; fi
}
refresh_token_file() { api token "$T1" "$BUILD/t1.token.current"; }
refresh_token_file

# vars file for a scenario: binary|package VERSION [extra yaml lines]
write_vars() {
    local method="$1" version="$2" file="$BUILD/vars.yml"; shift 2
    {
        echo "cloudflared_install_method: $method"
        echo "cloudflared_version: \"$version\""
        echo "cloudflared_binary_url: \"$WWW/releases/{{ cloudflared_version }}/cloudflared-linux-{{ cloudflared_arch }}\""
        echo "cloudflared_binary_sha256: \"$(sha "$version")\""
        echo "cloudflared_apt_repo_url: \"$WWW/apt\""
        echo "cloudflared_apt_key_url: \"$WWW/apt/cloudflare-main.gpg\""
        echo "cloudflared_cleanup_old_connector: true"
        token_source
        printf '%s\n' "$@"
    } >"$file"
    chmod 600 "$file"
}
# converge LOGNAME [ansible-playbook args]: runs the role, output kept in $BUILD/LOGNAME.log
converge() {
    local name="$1"; shift
    "$PLAYBOOK" -i "$INV" "$HERE/playbooks/converge.yml" -e "@$BUILD/vars.yml" "$@" >"$BUILD/$name.log" 2>&1
}
recap_changed_zero() { grep -E '^[a-z0-9]+ +: ok=' "$BUILD/$1.log" | grep -vq 'changed=0' && return 1; grep -qE ' changed=0 ' "$BUILD/$1.log"; }
recap_all_changed() { ! grep -E '^[a-z0-9]+ +: ok=' "$BUILD/$1.log" | grep -q ' changed=0 '; }
secret_absent() { # FILE...: none of the tunnel tokens (current, earlier, legacy) appears
    local f tok
    for tok in "$BUILD"/t1.token.* "$BUILD/t2.token"; do
        for f in "$@"; do if grep -qF -- "$(cat "$tok")" "$f"; then echo "token found in $f"; return 1; fi; done
    done
}
# ready_json HOST [PORT]: "STATUS BODY" of the host's /ready; "000 <error>" when nothing answers.
# A loaded machine (CI runs the other phases beside these tests) may take seconds to answer: a
# timeout is tried again; a refused connection is not (the role returns once cloudflared is ready).
ready_json() { in_host "$1" python3 -c "import socket, sys, urllib.error, urllib.request
for attempt in range(3):
    try:
        r = urllib.request.urlopen('http://127.0.0.1:${2:-${PORT[$1]}}/ready', timeout=15); print(r.status, r.read().decode())
    except urllib.error.HTTPError as e:
        print(e.code, e.read().decode())
    except (socket.timeout, TimeoutError) as e:
        if attempt < 2:
            continue
        print('000', e)
    except OSError as e:
        print('000', e)
    break" || echo "000 nsenter into $1 failed"; }
connector_of() { ready_json "$1" "${2:-${PORT[$1]}}" | sed -n 's/.*"connectorId": *"\([0-9a-f-]*\)".*/\1/p'; }
metrics_of() { in_host "$1" python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:${2:-${PORT[$1]}}/metrics', timeout=15).read().decode())"; }
main_pid() { in_host "$1" systemctl show -P MainPID "${2:-cloudflared-main}"; }

# ---------------------------------------------------------------- checks used per host
host_running_checks() { # HOST SERVICE PORT TUNNEL
    local h="$1" svc="$2" port="$3" tunnel="$4" cid
    check "$h: $svc active" in_host "$h" systemctl is-active --quiet "$svc"
    check "$h: $svc /ready answers 200" sh -c "[ \"\$(echo \"\$1\" | cut -d' ' -f1)\" = 200 ]" _ "$(ready_json "$h" "$port")"
    cid="$(connector_of "$h" "$port")"
    check "$h: connector ${cid:-?} of $svc listed by the API" sh -c "[ -n \"$cid\" ] && \"\$@\" | grep -qx \"$cid\"" _ "$PY" "$HERE/api.py" "$EMU" connectors "$tunnel"
    check "$h: connector of $svc seen through cfd_tunnel_info" sh -c \
        "[ -n \"$cid\" ] && \"$VENV/bin/ansible\" localhost -m edgeops.cloudflare.cfd_tunnel_info -a 'id=$tunnel include_connections=true' | grep -q \"$cid\""
}
no_secret_on_host() { # HOST SERVICE UNITFILE
    local h="$1" svc="$2" unit="$3" d="$BUILD/leak-$1-$2"
    mkdir -p "$d"
    in_host "$h" ps -eo args >"$d/ps"
    in_host "$h" sh -c 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\0" " "' >"$d/cmdline"
    in_host "$h" systemctl show "$svc" >"$d/show"
    in_host "$h" systemctl cat "$svc" >"$d/cat"
    in_host "$h" cat "$unit" >"$d/unit"
    in_host "$h" journalctl -u "$svc" --no-pager >"$d/journal"
    in_host "$h" sh -c "cat /proc/\$(systemctl show -P MainPID $svc)/environ | tr '\0' '\n'" >"$d/environ"
    check "$h: no token in ps, /proc/*/cmdline, systemctl show/cat, unit, journal of $svc" secret_absent "$d/ps" "$d/cmdline" "$d/show" "$d/cat" "$d/unit" "$d/journal"
    check "$h: $svc started with --no-autoupdate, --config, loopback metrics, flags before run" \
        grep -qE 'cloudflared[a-z-]* tunnel --config /etc/cloudflared/[a-z]+/config.yml --no-autoupdate --metrics 127\.0\.0\.1:[0-9]+ .* run( |$)' "$d/ps"
    check "$h: $svc unit passes systemd-analyze verify with no output" sh -c \
        "out=\$(nsenter -t ${LEADER[$h]} -a systemd-analyze verify $unit 2>&1); rc=\$?; [ -z \"\$out\" ] && [ \$rc = 0 ] || { echo \"\$out\"; exit 1; }"
}

# ================================================================ facts on a local-connection host
# The controller's environment (CLOUDFLARE_API_TOKEN, exported above) must not become a fact.
check "on a connection: local host the role gathers only the 4 facts it reads, no environment, no API token" \
    "$PLAYBOOK" -i localhost, -e "ansible_python_interpreter=$PY" "$HERE/playbooks/local_facts.yml"

# ================================================================ scenario 1: binary, both hosts
write_vars binary "$V1"
check "check mode on fresh hosts completes" converge check-fresh --check
check "no host was changed by check mode" in_host "${RELEASES[0]}" sh -c '! test -e /etc/systemd/system/cloudflared-main.service'
api clear-requests
check "converge: binary $V1 on ${RELEASES[*]} (-vvv)" converge binary-1 -vvv
if ((API_PATH)); then
    check "one token request for the shared tunnel across ${#RELEASES[@]} hosts" sh -c "[ \"\$(\"\$@\")\" = 1 ]" _ \
        "$PY" "$HERE/api.py" "$EMU" count-requests GET "/cfd_tunnel/$T1/token\$"
else
    notrun "token fetched through the API once per tunnel" "plugins/modules/tunnel_token.py does not exist; token given with cloudflared_tunnel_token"
fi
check "no token in the -vvv output of the play" secret_absent "$BUILD/binary-1.log"
for h in "${RELEASES[@]}"; do
    host_running_checks "$h" cloudflared-main "${PORT[$h]}" "$T1"
    check "$h: token file root:root 0600, instance dir root:cloudflared 0750" sh -c \
        "[ \"\$(nsenter -t ${LEADER[$h]} -a stat -c '%U:%G %a' /etc/cloudflared/main/token /etc/cloudflared/main)\" = \"root:root 600
root:cloudflared 750\" ]"
    no_secret_on_host "$h" cloudflared-main /etc/systemd/system/cloudflared-main.service
    check "$h: service runs as the unprivileged cloudflared account" sh -c "[ \"\$(nsenter -t ${LEADER[$h]} -a ps -o user= -p \$(nsenter -t ${LEADER[$h]} -a systemctl show -P MainPID cloudflared-main))\" = cloudflared ]"
    check "$h: stray /etc/cloudflared/config.yml ignored, role config used, autoupdate off" sh -c \
        "m=\"\$1\"; echo \"\$m\" | grep -q 'cloudflared_standin_config_file{path=\"/etc/cloudflared/main/config.yml\"}' && echo \"\$m\" | grep -q 'cloudflared_standin_autoupdate 0'" _ "$(metrics_of "$h")"
    check "$h: with cloudflared_config {} the config is a valid empty YAML document" sh -c \
        "nsenter -t ${LEADER[$h]} -a cat /etc/cloudflared/main/config.yml | \"$PY\" -c 'import sys, yaml; sys.exit(yaml.safe_load(sys.stdin) != {})'"
    check "$h: cloudflared logged no 'Configuration file ... was empty'" sh -c \
        "! nsenter -t ${LEADER[$h]} -a journalctl -u cloudflared-main --no-pager | grep -q 'was empty'"
done
# the check above can fail: a config of comments only is what cloudflared (and the stand-in) call empty
standin_reports_empty() { in_host "$1" sh -c 'printf "# only comments\n" >/tmp/empty.yml; /usr/local/bin/cloudflared tunnel --config /tmp/empty.yml run 2>&1; true' | grep -q 'ERR Configuration file /tmp/empty.yml was empty'; }
check "stand-in reports a config of comments only as empty, as cloudflared does" standin_reports_empty "${RELEASES[0]}"

check "second run, in a play with gather_facts: false, changes nothing" converge binary-2 -e test_gather_facts=false
check "second run: changed=0 on every host" recap_changed_zero binary-2

# ---------------------------------------------------------------- token rotation
declare -A PID_BEFORE=() CID_BEFORE=()
for h in "${RELEASES[@]}"; do PID_BEFORE[$h]="$(main_pid "$h")"; CID_BEFORE[$h]="$(connector_of "$h")"; done
api rotate "$T1"
refresh_token_file
cp "$BUILD/t1.token.current" "$BUILD/t1.token.rotated"
check "converge after secret rotation" converge rotate
check "rotation reported as a change on every host" recap_all_changed rotate
for h in "${RELEASES[@]}"; do
    check "$h: rotation restarted the service with a new connector" sh -c \
        "[ \"$(main_pid "$h")\" != \"${PID_BEFORE[$h]}\" ] && [ \"$(connector_of "$h")\" != \"${CID_BEFORE[$h]}\" ]"
    check "$h: old connector ${CID_BEFORE[$h]} gone from the API" sh -c "! \"\$@\" | grep -qx \"${CID_BEFORE[$h]}\"" _ \
        "$PY" "$HERE/api.py" "$EMU" connectors "$T1"
    check "$h: token file holds the new token" sh -c "[ \"\$(nsenter -t ${LEADER[$h]} -a cat /etc/cloudflared/main/token)\" = \"\$(cat $BUILD/t1.token.rotated)\" ]"
    host_running_checks "$h" cloudflared-main "${PORT[$h]}" "$T1"
done

# ---------------------------------------------------------------- upgrade (binary)
write_vars binary "$V2"
check "converge: upgrade binary to $V2" converge upgrade
for h in "${RELEASES[@]}"; do
    check "$h: cloudflared --version reports $V2, running build too" sh -c \
        "nsenter -t ${LEADER[$h]} -a /usr/local/bin/cloudflared --version | grep -q 'version $V2 ' && echo \"\$1\" | grep -q 'version=\"$V2\"'" _ "$(metrics_of "$h")"
    host_running_checks "$h" cloudflared-main "${PORT[$h]}" "$T1"
done
check "after upgrade: second run changes nothing" converge upgrade-2
check "after upgrade: changed=0 on every host" recap_changed_zero upgrade-2

# ---------------------------------------------------------------- rolling rotation: the collection playbook
# edgeops.cloudflare.rotate_tunnel_token over both hosts, the role's variables in the inventory as a
# user keeps them. A poller records the serving connectors during each run (poll_health.py).
ROT_INV="$BUILD/rotation-inventory"
mkdir -p "$ROT_INV/group_vars"
cp "$INV" "$ROT_INV/hosts.ini"
{
    echo "cloudflared_install_method: binary"
    echo "cloudflared_version: \"$V2\""
    echo "cloudflared_binary_url: \"$WWW/releases/{{ cloudflared_version }}/cloudflared-linux-{{ cloudflared_arch }}\""
    echo "cloudflared_binary_sha256: \"$(sha "$V2")\""
} >"$ROT_INV/group_vars/all.yml"
rotate() { # LOGNAME [ansible-playbook args]
    local name="$1"; shift
    "$PLAYBOOK" -i "$ROT_INV" edgeops.cloudflare.rotate_tunnel_token -e tunnel=role-shared -e target=hosts "$@" >"$BUILD/$name.log" 2>&1
}
set_edge() { # HOST [extra JSON members]: the stand-in's test-only edge.json
    in_host "$1" sh -c "echo '{\"emulator\": \"$EMU\"${2:+, $2}}' >/etc/cloudflared-standin/edge.json"
}
poll_start() {
    rm -f "$BUILD/$1.stop" "$BUILD/$1.samples"
    "$PY" "$HERE/poll_health.py" poll "$EMU" "$T1" "$BUILD/$1.samples" "$BUILD/$1.stop" "${PORT[@]}" &
    POLL_PID=$!
    for _ in $(seq 1 50); do [[ -s "$BUILD/$1.samples" ]] && break; sleep 0.1; done
}
poll_stop() { touch "$BUILD/$1.stop"; wait "$POLL_PID" || true; POLL_PID=""; }
# with no sample to sum up, zeros: the checks on them fail and say so, and the run goes on
poll_summary() { "$PY" "$HERE/poll_health.py" summary "$BUILD/$1.samples" \
    || echo '{"samples": 0, "unknown": 0, "seconds": 0, "min_api": 0, "min_serving": 0, "ids_seen": []}'; }
json_field() { "$PY" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
# served_throughout SUMMARY: a serving connector in every sample, with at most a tenth of them unknown
served_throughout() { [ "$(json_field "$1" min_serving)" -ge 1 ] && [ $(($(json_field "$1" unknown) * 10)) -le "$(json_field "$1" samples)" ]; }
api_connectors_are() { # TUNNEL ID...: the API's serving connectors are exactly these
    [ "$("$PY" "$HERE/api.py" "$EMU" connectors "$1" | sort | tr '\n' ' ')" = "$(shift; printf '%s\n' "$@" | sort | tr '\n' ' ')" ]
}
token_on() { in_host "$1" cat /etc/cloudflared/main/token; }

if ((${#RELEASES[@]} < 2)); then
    notrun "rolling rotation with the collection playbook" "needs two hosts (ROLE_TEST_RELEASES has one)"
else
    HA="${RELEASES[0]}"; HB="${RELEASES[1]}"   # batch 1 and batch 2 (inventory order, serial 50%)
    declare -A OLD=() NEW=() PID_OLD=()
    api token "$T1" "$BUILD/t1.token.before-rolling"

    # -- refused: one serving connector
    check "$HB: stop cloudflared-main (one serving connector left)" in_host "$HB" systemctl stop cloudflared-main
    PID_A="$(main_pid "$HA")"
    api clear-requests
    if rotate rolling-refused; then fail "rotation refused with one serving connector" "the play succeeded"
    else pass "rotation refused with one serving connector"; fi
    check "refusal says why and names allow_downtime; no secret rotated, no host touched" sh -c \
        "grep -q 'Not rotating: tunnel role-shared has 1 serving connector' $BUILD/rolling-refused.log && grep -q 'allow_downtime=true' $BUILD/rolling-refused.log \
         && [ \"\$(\"\$@\" count-requests PATCH '/cfd_tunnel/$T1\$')\" = 0 ] && [ \"$(main_pid "$HA")\" = \"$PID_A\" ]" _ "$PY" "$HERE/api.py" "$EMU"
    check "$HB: start cloudflared-main again" in_host "$HB" systemctl start cloudflared-main

    # -- check mode: the checks run, nothing changes
    for h in "$HA" "$HB"; do PID_OLD[$h]="$(main_pid "$h")"; done
    api clear-requests
    check "check mode: the rotation playbook completes" rotate rolling-check --check
    check "check mode: no secret rotated, no connection removed, no host restarted" sh -c \
        "[ \"\$(\"\$@\" count-requests PATCH .)\" = 0 ] && [ \"\$(\"\$@\" count-requests DELETE .)\" = 0 ] \
         && [ \"$(main_pid "$HA")\" = \"${PID_OLD[$HA]}\" ] && [ \"$(main_pid "$HB")\" = \"${PID_OLD[$HB]}\" ] \
         && grep -q 'check mode, nothing changed' $BUILD/rolling-check.log" _ "$PY" "$HERE/api.py" "$EMU"

    # -- a full rotation; HA's old cloudflared stays listed when stopped (as a crashed one), so the
    #    cleanup step has something real to remove
    for h in "$HA" "$HB"; do OLD[$h]="$(connector_of "$h")"; PID_OLD[$h]="$(main_pid "$h")"; done
    set_edge "$HA" '"on_stop": "stay_registered"'
    api clear-requests
    poll_start rolling
    started=$EPOCHREALTIME
    check "rolling rotation over $HA, $HB (serial 50%)" rotate rolling -v
    ROT_SECONDS="$("$PY" -c 'import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 1))' "$started" "$EPOCHREALTIME")"
    poll_stop rolling
    set_edge "$HA"
    check "secret rotated once, new token fetched once" sh -c \
        "[ \"\$(\"\$@\" count-requests PATCH '/cfd_tunnel/$T1\$')\" = 1 ] && [ \"\$(\"\$@\" count-requests GET '/cfd_tunnel/$T1/token\$')\" = 1 ]" _ "$PY" "$HERE/api.py" "$EMU"
    api token "$T1" "$BUILD/t1.token.rolled"
    for h in "$HA" "$HB"; do NEW[$h]="$(connector_of "$h")"; done
    ROT_SUMMARY="$(poll_summary rolling)"
    echo "measured: rolling rotation of 2 hosts: ${ROT_SECONDS}s; poller: $ROT_SUMMARY"
    rotation_kept_serving() { [ "$(json_field "$1" min_api)" -ge 1 ] && [ "$(json_field "$1" samples)" -ge 10 ] && served_throughout "$1"; }
    check "the tunnel never had zero serving connectors during the rotation (poller: API and hosts)" rotation_kept_serving "$ROT_SUMMARY"
    check "one batch per host, in inventory order" sh -c \
        "[ \"\$(grep -c '^PLAY \[Rotate the tunnel token - restart the hosts in batches' $BUILD/rolling.log)\" = 2 ] \
         && grep -A2000 '^PLAY \[Rotate the tunnel token - restart' $BUILD/rolling.log | grep -m1 -oE '^(ok|changed): \[[a-z]+\]' | grep -q '\[$HA\]'"
    for h in "$HA" "$HB"; do
        check "$h: restarted with the new token and a new connector" sh -c \
            "[ \"$(main_pid "$h")\" != \"${PID_OLD[$h]}\" ] && [ -n \"${NEW[$h]}\" ] && [ \"${NEW[$h]}\" != \"${OLD[$h]}\" ] && [ \"\$1\" = \"\$(cat $BUILD/t1.token.rolled)\" ]" _ "$(token_on "$h")"
    done
    check "$HA's old connector was still listed after its new one registered (stopped like a crashed cloudflared)" \
        "$PY" "$HERE/poll_health.py" together "$BUILD/rolling.samples" "${OLD[$HA]}" "${NEW[$HA]}"
    check "cleanup removed the connections of $HA's old connector, and no other" sh -c \
        "[ \"\$(\"\$@\" count-requests DELETE '/cfd_tunnel/$T1/connections\$' client_id=${OLD[$HA]})\" = 1 ] \
         && [ \"\$(\"\$@\" count-requests DELETE '/cfd_tunnel/$T1/connections\$')\" = 1 ]" _ "$PY" "$HERE/api.py" "$EMU"
    check "at the end only the new connectors remain" api_connectors_are "$T1" "${NEW[$HA]}" "${NEW[$HB]}"
    check "no token in the rotation's output (-v)" secret_absent "$BUILD/rolling.log"

    # -- a failing batch: HA cannot reach the edge with the new token; the rotation stops there and
    #    HB keeps the old token and keeps serving
    for h in "$HA" "$HB"; do OLD[$h]="$(connector_of "$h")"; PID_OLD[$h]="$(main_pid "$h")"; done
    set_edge "$HA" '"fail_start": "edge"'
    poll_start rolling-fail
    if rotate rolling-fail; then fail "a failing first batch fails the rotation" "the play succeeded"
    else pass "a failing first batch fails the rotation"; fi
    poll_stop rolling-fail
    api token "$T1" "$BUILD/t1.token.rolled-2"
    FAIL_SUMMARY="$(poll_summary rolling-fail)"
    echo "measured: failing rotation; poller: $FAIL_SUMMARY"
    check "the failure shows $HA's journal and stops before batch 2" sh -c \
        "grep -q 'Could not lookup srv records' $BUILD/rolling-fail.log && [ \"\$(grep -c '^PLAY \[Rotate the tunnel token - restart the hosts in batches' $BUILD/rolling-fail.log)\" = 1 ] \
         && ! grep -q '^PLAY \[Rotate the tunnel token - clean up' $BUILD/rolling-fail.log"
    check "$HB: untouched, still on the old token and serving with its old connector" sh -c \
        "[ \"$(main_pid "$HB")\" = \"${PID_OLD[$HB]}\" ] && [ \"\$1\" = \"\$(cat $BUILD/t1.token.rolled)\" ] && [ \"\$(\"\$2\" \"\$3\" \"\$4\" connectors $T1)\" = \"${OLD[$HB]}\" ]" \
        _ "$(token_on "$HB")" "$PY" "$HERE/api.py" "$EMU"
    check "the tunnel kept a serving connector throughout the failed rotation" served_throughout "$FAIL_SUMMARY"
    check "no token in the failed rotation's output" secret_absent "$BUILD/rolling-fail.log"

    # -- recovery as the runbook says: fix the cause, resume without a new secret. HA is down, so
    #    only one connector serves: allow_downtime is needed, and nothing is actually lost
    check "$HA: stop the failed cloudflared-main (down, as after a failed batch)" in_host "$HA" systemctl stop cloudflared-main
    set_edge "$HA"
    api clear-requests
    poll_start rolling-resume
    check "resume: rotate_secret=false allow_downtime=true" rotate rolling-resume -e rotate_secret=false -e allow_downtime=true
    poll_stop rolling-resume
    RESUME_SUMMARY="$(poll_summary rolling-resume)"
    echo "measured: resumed rotation; poller: $RESUME_SUMMARY"
    for h in "$HA" "$HB"; do NEW[$h]="$(connector_of "$h")"; done
    check "resume: said what allow_downtime means, sent no new secret" sh -c \
        "grep -q 'allow_downtime=true: tunnel role-shared has 1 serving' $BUILD/rolling-resume.log \
         && [ \"\$(\"\$@\" count-requests PATCH '/cfd_tunnel/$T1\$')\" = 0 ]" _ "$PY" "$HERE/api.py" "$EMU"
    check "resume: both hosts on the current token, $HB restarted, only the new connectors remain" sh -c \
        "[ \"\$1\" = \"\$(cat $BUILD/t1.token.rolled-2)\" ] && [ \"\$2\" = \"\$(cat $BUILD/t1.token.rolled-2)\" ] && [ \"$(main_pid "$HB")\" != \"${PID_OLD[$HB]}\" ] \
         && [ \"${NEW[$HB]}\" != \"${OLD[$HB]}\" ]" _ "$(token_on "$HA")" "$(token_on "$HB")"
    check "resume: at the end only the new connectors remain" api_connectors_are "$T1" "${NEW[$HA]}" "${NEW[$HB]}"
    check "resume: the tunnel kept a serving connector throughout" served_throughout "$RESUME_SUMMARY"
fi

# ---------------------------------------------------------------- second instance, old release
H0="${RELEASES[0]}"
LEGACY_ARGS=(-e "test_legacy_hosts=$H0" -e "test_legacy_port=$LEGACY_PORT" -e "test_www=$WWW" -e "test_legacy_sha256=$(sha "$VOLD")" -e "test_legacy_token_file=$BUILD/t2.token")
MAIN_PID_BEFORE="$(main_pid "$H0")"
check "converge: second instance 'legacy' ($VOLD, env file) on $H0" \
    "$PLAYBOOK" -i "$INV" "$HERE/playbooks/legacy_instance.yml" "${LEGACY_ARGS[@]}"
host_running_checks "$H0" cloudflared-legacy "$LEGACY_PORT" "$T2"
check "$H0: legacy token in a root-only env file, no token file" sh -c \
    "[ \"\$(nsenter -t ${LEADER[$H0]} -a stat -c '%U:%G %a' /etc/cloudflared/legacy/env)\" = 'root:root 600' ] && ! nsenter -t ${LEADER[$H0]} -a test -e /etc/cloudflared/legacy/token"
no_secret_on_host "$H0" cloudflared-legacy /etc/systemd/system/cloudflared-legacy.service
# A usage error with the env_file delivery: cloudflared's help text shows TUNNEL_TOKEN as the default
# of --token, so the token reaches the journal; the role's failure excerpt must not repeat it.
set_edge "$H0" '"fail_start": "usage"'
if "$PLAYBOOK" -i "$INV" "$HERE/playbooks/legacy_instance.yml" "${LEGACY_ARGS[@]}" -e cloudflared_loglevel=debug -v >"$BUILD/legacy-usage.log" 2>&1; then
    fail "legacy instance: a usage error fails the play" "the play succeeded"
else pass "legacy instance: a usage error fails the play"; fi
check "$H0: the legacy journal holds the token (the leak the excerpt must not repeat)" sh -c \
    "nsenter -t ${LEADER[$H0]} -a journalctl -u cloudflared-legacy --no-pager | grep -qF -- \"\$(cat $BUILD/t2.token)\""
# shellcheck disable=SC2016  # a literal $TUNNEL_TOKEN
usage_excerpt_redacted() { grep -q 'Incorrect Usage' "$1" && grep -qF '(default: \"<redacted>\") [$TUNNEL_TOKEN]' "$1"; }
check "the failure shows the usage error and the help text, with the token redacted" usage_excerpt_redacted "$BUILD/legacy-usage.log"
check "no token in the failed play's output (-v)" secret_absent "$BUILD/legacy-usage.log"
set_edge "$H0"
check "legacy instance back to normal" "$PLAYBOOK" -i "$INV" "$HERE/playbooks/legacy_instance.yml" "${LEGACY_ARGS[@]}"
check "$H0: instance main untouched by the second instance" sh -c "[ \"$(main_pid "$H0")\" = \"$MAIN_PID_BEFORE\" ]"
check "remove the legacy instance" "$PLAYBOOK" -i "$INV" "$HERE/playbooks/legacy_instance.yml" "${LEGACY_ARGS[@]}" -e test_legacy_state=absent
check "$H0: legacy removed, main still active" sh -c \
    "! nsenter -t ${LEADER[$H0]} -a test -e /etc/systemd/system/cloudflared-legacy.service && ! nsenter -t ${LEADER[$H0]} -a test -e /etc/cloudflared/legacy \
     && ! nsenter -t ${LEADER[$H0]} -a test -e /usr/local/bin/cloudflared-legacy && nsenter -t ${LEADER[$H0]} -a systemctl is-active --quiet cloudflared-main"

# ---------------------------------------------------------------- invalid token
cp "$BUILD/vars.yml" "$BUILD/vars.good.yml"
printf 'cloudflared_tunnel_token: "eyJhIjoibm90LWEtdG9rZW4ifQ=="\n' >>"$BUILD/vars.yml"
sed -i '/^cloudflared_tunnel_name:/d' "$BUILD/vars.yml"
if converge invalid; then fail "an invalid token fails the play" "the play succeeded"; else pass "an invalid token fails the play"; fi
check "the invalid-token failure names the problem and does not show the token" sh -c \
    "grep -q 'is not valid' $BUILD/invalid.log && ! grep -q 'eyJhIjoibm90LWEtdG9rZW4ifQ' $BUILD/invalid.log"
cp "$BUILD/vars.good.yml" "$BUILD/vars.yml"

# ---------------------------------------------------------------- input check: one message per failed condition
HOST_ARCH="$(in_host "${RELEASES[0]}" uname -m)"
if converge bad-input -e cloudflared_arch=mips64 -e cloudflared_metrics_address=0.0.0.0:20241 \
        -e cloudflared_binary_sha256= -e cloudflared_tunnel_id=00000000-0000-4000-8000-000000000000; then
    fail "bad input fails the play" "the play succeeded"
else pass "bad input fails the play"; fi
bad_input_messages() { # the failed check's message list, one per line
    grep -m1 -F "[${RELEASES[0]}]: FAILED! => " "$BUILD/bad-input.log" | sed 's/^[^>]*=> //' | "$PY" -c 'import json, sys; print("\n".join(json.load(sys.stdin)["msg"]))'
}
check "bad input: four messages, one per failed condition, naming what the host and the input have" sh -c \
    "m=\"\$1\"; [ \"\$(echo \"\$m\" | wc -l)\" = 4 ] \
     && echo \"\$m\" | grep -qx 'cloudflared_arch: host architecture is $HOST_ARCH (cloudflared_arch mips64), supported: amd64, arm64, arm, armhf, 386' \
     && echo \"\$m\" | grep -q \"^cloudflared_metrics_address: '0.0.0.0:20241' is not on loopback\" \
     && echo \"\$m\" | grep -q \"^cloudflared_binary_sha256: a download needs a 64-hex SHA-256 .*\\['mips64'\\]), the role has none\" \
     && echo \"\$m\" | grep -q '^cloudflared_tunnel_name, cloudflared_tunnel_id: both are set'" _ "$(bad_input_messages)"
check "bad input: nothing ran after the check" sh -c "! grep -q 'TASK \[edgeops.cloudflare.cloudflared : Read the systemd version' $BUILD/bad-input.log"

# ---------------------------------------------------------------- uninstall (binary)
declare -A CID_LAST=()
for h in "${RELEASES[@]}"; do CID_LAST[$h]="$(connector_of "$h")"; done
write_vars binary "$V2" "cloudflared_state: absent"
check "converge: cloudflared_state absent (binary)" converge absent-binary
for h in "${RELEASES[@]}"; do
    check "$h: unit, instance dir, binary, account removed; service gone" sh -c \
        "! nsenter -t ${LEADER[$h]} -a test -e /etc/systemd/system/cloudflared-main.service && ! nsenter -t ${LEADER[$h]} -a test -e /etc/cloudflared/main \
         && ! nsenter -t ${LEADER[$h]} -a test -e /usr/local/bin/cloudflared && ! nsenter -t ${LEADER[$h]} -a getent passwd cloudflared \
         && ! nsenter -t ${LEADER[$h]} -a systemctl is-active --quiet cloudflared-main"
    check "$h: its connector left the tunnel" sh -c "! \"\$@\" | grep -qx \"${CID_LAST[$h]}\"" _ "$PY" "$HERE/api.py" "$EMU" connectors "$T1"
done
check "absent again changes nothing" converge absent-binary-2
check "absent again: changed=0 on every host" recap_changed_zero absent-binary-2

# ================================================================ scenario 2: package, both hosts
write_vars package "$V2"
check "check mode on hosts without the repository completes (package)" converge check-package --check
check "converge: package $V2 from the signed apt repository" converge package-1
for h in "${RELEASES[@]}"; do
    check "$h: deb822 source with Signed-By, key in place, /usr/bin/cloudflared $V2" sh -c \
        "nsenter -t ${LEADER[$h]} -a grep -qx 'Signed-By: /usr/share/keyrings/cloudflare-main.gpg' /etc/apt/sources.list.d/cloudflared.sources \
         && nsenter -t ${LEADER[$h]} -a test -s /usr/share/keyrings/cloudflare-main.gpg \
         && [ \"\$(nsenter -t ${LEADER[$h]} -a dpkg-query -W -f='\${Version}' cloudflared)\" = $V2 ] \
         && nsenter -t ${LEADER[$h]} -a /usr/bin/cloudflared --version | grep -q 'version $V2 '"
    host_running_checks "$h" cloudflared-main "${PORT[$h]}" "$T1"
    no_secret_on_host "$h" cloudflared-main /etc/systemd/system/cloudflared-main.service
done
for h in "${RELEASES[@]}"; do PID_BEFORE[$h]="$(main_pid "$h")"; done
write_vars package "$V1"
check "converge: downgrade the package to $V1 (one variable)" converge package-downgrade
for h in "${RELEASES[@]}"; do
    check "$h: package downgraded to $V1 and service restarted" sh -c \
        "[ \"\$(nsenter -t ${LEADER[$h]} -a dpkg-query -W -f='\${Version}' cloudflared)\" = $V1 ] && [ \"$(main_pid "$h")\" != \"${PID_BEFORE[$h]}\" ]"
    host_running_checks "$h" cloudflared-main "${PORT[$h]}" "$T1"
done
check "package: second run changes nothing" converge package-2
check "package: changed=0 on every host" recap_changed_zero package-2
write_vars package "$V1" "cloudflared_state: absent"
check "converge: cloudflared_state absent (package)" converge absent-package
for h in "${RELEASES[@]}"; do
    check "$h: package, repository, key, unit and account removed" sh -c \
        "! nsenter -t ${LEADER[$h]} -a dpkg-query -W -f='\${Status}' cloudflared 2>/dev/null | grep -q 'ok installed' \
         && ! nsenter -t ${LEADER[$h]} -a test -e /etc/apt/sources.list.d/cloudflared.sources \
         && ! nsenter -t ${LEADER[$h]} -a test -e /usr/share/keyrings/cloudflare-main.gpg \
         && ! nsenter -t ${LEADER[$h]} -a test -e /etc/systemd/system/cloudflared-main.service \
         && ! nsenter -t ${LEADER[$h]} -a getent passwd cloudflared"
done

echo "logs: $BUILD/*.log"
((NOTRUN == 0)) || echo "$NOTRUN not run (see NOT RUN lines)"
SUMMARY_PRINTED=1
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
