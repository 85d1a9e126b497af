#!/usr/bin/env bash
# Host harness for the cloudflared role tests: build (and cache) Debian rootfs tarballs with
# debootstrap, boot them with systemd-nspawn --ephemeral, find the container's leader PID for
# the community.docker.nsenter connection, and power them off again.
# Sourced by run.sh; the functions log to stderr and print results on stdout.

EDGEOPS_CACHE="${EDGEOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/edgeops}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# Packages a "fresh" test host gets on top of minbase. python3-apt is what the apt module needs;
# procps gives `ps` for the secret-in-process-list checks.
ROOTFS_INCLUDE="systemd,systemd-sysv,dbus,python3,python3-apt,ca-certificates,procps"
ROOTFS_FORMAT=3   # bump to rebuild cached tarballs when ROOTFS_INCLUDE changes

log() { printf '[role-tests] %s\n' "$*" >&2; }

# rootfs_tarball RELEASE -> path of a cached tarball, built when missing
rootfs_tarball() {
    local release="$1"
    local tarball="$EDGEOPS_CACHE/rootfs-$release-v$ROOTFS_FORMAT.tar"
    if [[ ! -s "$tarball" ]]; then
        mkdir -p "$EDGEOPS_CACHE"
        local tmp
        tmp="$(mktemp -d "$EDGEOPS_CACHE/debootstrap-$release.XXXXXX")"
        log "debootstrap $release (cold cache, about a minute)"
        if ! debootstrap --variant=minbase --include="$ROOTFS_INCLUDE" "$release" "$tmp/root" "$DEBIAN_MIRROR" \
                >"$tmp/debootstrap.log" 2>&1; then
            tail -n 30 "$tmp/debootstrap.log" >&2
            rm -rf "$tmp"
            return 1
        fi
        # The machine id is regenerated per boot; an empty file makes systemd treat it as fresh.
        : >"$tmp/root/etc/machine-id"
        echo "edgeops-$release" >"$tmp/root/etc/hostname"
        rm -rf "$tmp/root/var/cache/apt/archives/"*.deb "$tmp/root/var/lib/apt/lists/"*
        tar -C "$tmp/root" --numeric-owner -cf "$tarball.part" .
        mv "$tarball.part" "$tarball"
        rm -rf "$tmp"
    fi
    printf '%s\n' "$tarball"
}

# unpack_rootfs RELEASE DEST -> DEST holds a fresh copy of the cached rootfs
unpack_rootfs() {
    local tarball
    tarball="$(rootfs_tarball "$1")" || return 1
    mkdir -p "$2"
    tar -C "$2" --numeric-owner -xf "$tarball"
}

# boot_host NAME ROOT LOGFILE -> prints the leader PID once systemd inside is up.
# --ephemeral keeps ROOT pristine (a btrfs/overlay snapshot or a copy); no --private-network so
# the container shares 127.0.0.1 with the harness (emulator, HTTP server).
# Each container gets a cgroup of its own: with --keep-unit on a host without systemd, nspawn
# roots every container at its own cgroup + /payload, so two containers started from one cgroup
# share one tree and their services (both cloudflared-main.service) trample each other's
# cgroups; restarts then fail at random with status=219/CGROUP.
host_cgroups() {
    local hier
    for hier in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
        [[ -d "$hier" ]] && printf '%s\n' "$hier/edgeops-$1"
    done
}

boot_host() {
    local name="$1" root="$2" logfile="$3"
    # sh joins the cgroups, then becomes systemd-nspawn (same PID: its child is the leader).
    # shellcheck disable=SC2016
    CGROUPS="$(host_cgroups "$name")" sh -c \
        'for c in $CGROUPS; do mkdir -p "$c" && echo $$ >"$c/cgroup.procs" || exit 1; done; exec "$@"' sh \
        systemd-nspawn -D "$root" --ephemeral --boot --register=no --keep-unit --console=pipe \
        --machine="$name" </dev/null >"$logfile" 2>&1 &
    local nspawn_pid=$!
    echo "$nspawn_pid" >"$logfile.pid"
    echo "$name" >"$logfile.name"
    local leader="" state=""
    # up to 120 s: a few seconds on a quiet machine, far more while the other test phases run
    for _ in $(seq 1 600); do
        if ! kill -0 "$nspawn_pid" 2>/dev/null; then
            log "systemd-nspawn for $name exited early:"; tail -n 20 "$logfile" >&2; return 1
        fi
        if [[ -z "$leader" ]]; then
            # the leader is nspawn's child running systemd as PID 1 of the container
            leader="$(pgrep -P "$nspawn_pid" 2>/dev/null | head -n 1 || true)"
        fi
        if [[ -n "$leader" ]]; then
            state="$(nsenter -t "$leader" -a systemctl is-system-running 2>/dev/null || true)"
            case "$state" in
                running|degraded) printf '%s\n' "$leader"; return 0 ;;
            esac
        fi
        sleep 0.2
    done
    log "host $name did not finish booting (state: ${state:-unknown})"; tail -n 20 "$logfile" >&2
    return 1
}

# stop_host LOGFILE LEADER: poweroff inside, make sure nspawn is gone, drop its cgroups
stop_host() {
    local logfile="$1" leader="$2"
    stop_nspawn "$logfile" "$leader"
    local name cgroup
    name="$(cat "$logfile.name" 2>/dev/null || true)"
    [[ -n "$name" ]] || return 0
    for cgroup in $(host_cgroups "$name"); do
        [[ -d "$cgroup" ]] && find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    return 0
}

stop_nspawn() {
    local logfile="$1" leader="$2" nspawn_pid
    nspawn_pid="$(cat "$logfile.pid" 2>/dev/null || true)"
    [[ -n "$nspawn_pid" ]] || return 0
    if [[ -n "$leader" ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
        nsenter -t "$leader" -a systemctl poweroff --no-block >/dev/null 2>&1 || true
    fi
    for _ in $(seq 1 50); do
        kill -0 "$nspawn_pid" 2>/dev/null || return 0
        sleep 0.2
    done
    kill "$nspawn_pid" 2>/dev/null || true
    sleep 1
    kill -9 "$nspawn_pid" 2>/dev/null || true
}
