# shellcheck shell=dash
# tests/lab/lablib.sh - helpers of tests/lab/lab.sh (sourced, not run):
# messages, processes (started, checked and stopped by pid only, every
# wait bounded), the lab's namespaces and files, and tearing a lab down.
# lab.sh sets ROOT (where lab directories live) and SELF before sourcing.

PFX=gwlab-

die() {
    echo "lab: $*" >&2
    exit 1
}

note() {
    echo "lab: $*" >&2
}

# A short random run id (6 hex digits).
rand_id() {
    od -An -N3 -tx1 /dev/urandom | tr -d ' \n'
}

# ---------------------------------------------------------------- processes

alive() {
    [ -n "$1" ] && [ -r "/proc/$1/status" ] || return 1
    ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# ours PID TEXT: PID is alive and its command line contains TEXT (so a
# recycled pid is never signalled).
ours() {
    alive "$1" || return 1
    tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# wait_gone SECONDS PID...: true once none of the PIDs is alive.
wait_gone() {
    _n=$(($1 * 20))
    shift
    while [ "$_n" -gt 0 ]; do
        _any=
        for _p in "$@"; do alive "$_p" && _any=1; done
        [ -z "$_any" ] && return 0
        sleep 0.05
        _n=$((_n - 1))
    done
    return 1
}

# terminate PID...: TERM, up to 5 s to exit, then KILL and up to 2 s more.
terminate() {
    [ $# -gt 0 ] || return 0
    kill -TERM "$@" 2>/dev/null
    wait_gone 5 "$@" && return 0
    kill -KILL "$@" 2>/dev/null
    wait_gone 2 "$@"
}

# pid_of FILE TEXT: the pid recorded in FILE if that process is ours.
pid_of() {
    _pid=
    [ -r "$1" ] && read -r _pid <"$1"
    _pid=$(printf '%s' "$_pid" | tr -cd '0-9')
    if [ -n "$_pid" ] && ours "$_pid" "$2"; then echo "$_pid"; fi
}

# until_true SECONDS CMD...: runs CMD every 50 ms until it succeeds.
until_true() {
    _n=$(($1 * 20))
    shift
    while [ "$_n" -gt 0 ]; do
        "$@" && return 0
        sleep 0.05
        _n=$((_n - 1))
    done
    "$@"
}

# ---------------------------------------------------------------- the lab

# Namespaces whose name starts with $1.
lab_netns() {
    ip netns list 2>/dev/null | awk '{print $1}' | grep "^$1" || true
}

# Lab directories (with the .gwlab marker) of run id $1 ("" = every lab).
lab_dirs() {
    for _d in "$ROOT/$PFX$1"*; do
        [ -f "$_d/.gwlab" ] && echo "$_d"
    done
    return 0
}

# The lab to act on: $GWLAB_DIR, else the newest lab directory.
find_lab() {
    if [ -n "${GWLAB_DIR:-}" ]; then
        DIR=$GWLAB_DIR
    else
        # shellcheck disable=SC2012 # names are ours: gwlab-<hex>
        DIR=$(ls -dt "$ROOT/$PFX"* 2>/dev/null | while read -r d; do
            [ -f "$d/env" ] && [ -f "$d/.gwlab" ] && echo "$d" && break
        done)
    fi
    if [ -z "$DIR" ] || [ ! -f "$DIR/env" ]; then
        die "no lab running (start one: sh tests/lab/lab.sh start)"
    fi
    # shellcheck disable=SC1091
    . "$DIR/env"
}

# The processes a lab directory recorded: Kea, the web UI, every client's
# dhclient. (The watchdog is stopped separately.)
recorded_pids() {
    pid_of "$1/kea.pid" "$1/"
    pid_of "$1/webui.pid" "$1/"
    for _c in "$1"/clients/*/; do
        [ -d "$_c" ] && pid_of "$_c/dhclient.pid" "$_c"
    done
    return 0
}

# stop_labs ID: stops the lab of run id ID ("" = every lab, stale ones of
# killed runs too): its processes, then whatever still runs in its
# namespaces, the namespaces (and with them every link in them), its files.
stop_labs() {
    _dirs=$(lab_dirs "$1")
    _wd=
    for _d in $_dirs; do
        _w=$(pid_of "$_d/watchdog.pid" "$_d")
        [ -n "$_w" ] && [ "$_w" != "${WATCHDOG_SELF:-}" ] && _wd="$_wd $_w"
    done
    # The watchdog is a session leader (setsid): its group goes with it.
    for _w in $_wd; do env kill -s TERM -- "-$_w" 2>/dev/null; done
    # shellcheck disable=SC2046
    terminate $(for _d in $_dirs; do recorded_pids "$_d"; done)
    _pat=$PFX
    [ -n "$1" ] && _pat=$PFX$1-
    _nss=$(lab_netns "$_pat")
    # shellcheck disable=SC2046
    terminate $(for _ns in $_nss; do ip netns pids "$_ns" 2>/dev/null; done)
    for _ns in $_nss; do
        ip netns del "$_ns" 2>/dev/null || note "could not delete namespace $_ns"
    done
    # shellcheck disable=SC2086
    [ -n "$_wd" ] && wait_gone 2 $_wd
    for _d in $_dirs; do rm -rf "$_d"; done
    return 0
}

# ---------------------------------------------------------------- addresses

# eui64 MAC: the EUI-64 interface identifier (4 groups, RFC 5952 case and
# zeros) of a MAC, U/L bit flipped.
eui64() {
    # shellcheck disable=SC2046
    set -- $(echo "$1" | tr ':' ' ')
    printf '%x:%x:%x:%x\n' $(((0x$1 ^ 2) * 256 + 0x$2)) $((0x$3 * 256 + 0xff)) \
        $((0xfe00 + 0x$4)) $((0x$5 * 256 + 0x$6))
}

# A link-local address from an EUI-64 identifier (zeros compressed).
link_local() {
    case $1 in
    0:0:*) echo "fe80::${1#0:0:}" ;;
    0:*) echo "fe80::${1#0:}" ;;
    *) echo "fe80::$1" ;;
    esac
}

# Is the IPv6 UDP port $2 (hex) bound inside namespace $1?
# shellcheck disable=SC2016 # awk's own $2
udp_bound() {
    ip netns exec "$1" awk -v p=":$2" '$2 ~ p"$" {f=1} END {exit !f}' /proc/net/udp6 2>/dev/null
}

# Is the IPv6 TCP port $2 (hex) listening inside namespace $1?
# shellcheck disable=SC2016 # awk's own $2 and $4
tcp_listening() {
    ip netns exec "$1" awk -v p=":$2" '$2 ~ p"$" && $4 == "0A" {f=1} END {exit !f}' \
        /proc/net/tcp6 2>/dev/null
}

# Has interface $2 in namespace $1 a usable (not tentative) link-local address?
has_link_local() {
    ip -n "$1" -6 addr show dev "$2" scope link 2>/dev/null | grep -q 'inet6 fe80' &&
        ! ip -n "$1" -6 addr show dev "$2" tentative 2>/dev/null | grep -q inet6
}
