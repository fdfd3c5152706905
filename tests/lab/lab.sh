#!/bin/sh
# shellcheck shell=dash
# tests/lab/lab.sh - the DHCPv6-PD lab: a home gateway and the client
# routers behind it, each in a network namespace of its own, with a real
# DHCPv6 server (Kea 2.2) and real clients (ISC dhclient).
#
#   gwlab-<id>-gw   the gateway: bridge br0 is its LAN (MAC GW_MAC, address
#                   <P>00:<EUI-64>/64), Kea delegating /60s out of the /56
#                   like a PR-600MI (<P>10::/60 .. <P>f0::/60, first come
#                   first served, 14400 s), its web UI (tests/servers/hgw_emu.py,
#                   PD table read from Kea's lease file) on port 80
#   gwlab-<id>-c1.. one per client router: wan0 (MAC 02:00:5e:10:00:0N) into
#                   the bridge, dhclient -6 -P with its own lease/pid files
#   gwlab-<id>-mon  where a monitor (pd-monitor) runs: wan0 into the bridge,
#                   <P>00::100/64, default route via the gateway
# Nothing changes in the host's own namespace: every link is made inside
# the lab's namespaces, every file in the lab directory /tmp/gwlab-<id>.
#
# Commands (root only; NODE is gw, mon or a client name):
#   start                 stop any earlier lab, make a new one, print KEY=VALUE lines
#   stop [ID]             stop every lab (or run id ID): processes, namespaces, files
#   status | env | check  what runs / the KEY=VALUE lines / can a lab run here?
#   exec NODE CMD...      run CMD in NODE's namespace (e.g. exec mon sh)
#   kea-restart           restart Kea keeping its lease file (its allocator then
#                         gives the lowest free /60 again, as the gateway does)
#   kea-reset             gateway reboot: restart Kea with an empty lease table
#   leases                Kea's current PD leases: PREFIX DUID IAID EXPIRE
#   client-bind NAME      (re)start NAME's dhclient -1, wait until bound (deadline
#                         GWLAB_BIND_TIMEOUT), print its /60; exit 1 if not bound
#   client-release NAME   dhclient -6 -r -P with the same files (Release, daemon stops)
#   client-forget NAME    stop NAME's dhclient, keep only default-duid in its lease
#                         file: its next Solicit carries no prefix hint
#   client-rebind NAME    client-forget, kea-restart, client-bind: a rebind that
#                         gets the lowest free /60, as from the emulated gateway
#   client-link NAME down|up   NAME's port on the gateway's bridge down or up
#   client-prefix NAME    the /60 in NAME's lease file, or "none"
#   gw-replace [MAC [PASSWORD]]  the gateway swapped for a new one: a new MAC
#                         on its LAN side (default 02:00:5e:10:00:fd; its
#                         link-local and EUI-64 addresses change, the other
#                         nodes' default routes follow), a new web UI password
#                         (default "lab-Pass 2"), Kea with a new server DUID
#                         and an empty lease table; prints the new GW_ and
#                         WEBUI_ lines
# Environment: GWLAB_CLIENTS ("c1 c2 c3"), GWLAB_LIFETIME (3600 s, then the
# lab stops itself), GWLAB_BIND_TIMEOUT (20 s), GWLAB_ROOT (/tmp),
# GWLAB_DIR (the lab to act on; default the newest), GWLAB_P (the /56 is
# ${GWLAB_P}00::/56; default 2001:db8:1234:56), GWLAB_GW_MAC, GWLAB_WEBUI
# ("none", or a command run in the gateway's namespace instead of
# hgw_emu.py; it sees LAB_DIR, GW_ADDR, KEA_LEASES ... in its environment),
# GWLAB_WEBUI_PASSWORD (the web UI password of user "user").
set -u
# Under the sanitizer run the test interpreter preloads the ASan runtime;
# system tools (ip, Kea, dhclient) must not inherit it (iproute2 trips
# ASan's strncpy-overlap check). The lab never runs gwkit's Lua itself.
unset LD_PRELOAD

SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
HERE=$(dirname "$SELF")
TOP=$(dirname "$(dirname "$HERE")")
ROOT=${GWLAB_ROOT:-/tmp}
# shellcheck source=tests/lab/lablib.sh
. "$HERE/lablib.sh"
# shellcheck source=tests/lab/labnodes.sh
. "$HERE/labnodes.sh"

LIFETIME=${GWLAB_LIFETIME:-3600}
BIND_TIMEOUT=${GWLAB_BIND_TIMEOUT:-20}

# ---------------------------------------------------------------- start

fail_start() {
    note "start failed: $*"
    for f in kea.out kea.log webui.out webui.log; do
        [ -s "$DIR/$f" ] && { echo "----- tail of $f" >&2; tail -n 12 "$DIR/$f" >&2; }
    done
    stop_labs "$ID"
    exit 1
}

write_env() {
    {
        echo "LAB_ID=$ID"
        echo "LAB_DIR=$DIR"
        echo "LAB_SH=$SELF"
        echo "LAB_LIFETIME=$LIFETIME"
        echo "NS_GW=$PFX$ID-gw"
        echo "NS_MON=$PFX$ID-mon"
        echo "GW_IF=br0"
        echo "GW_MAC=$GW_MAC"
        echo "GW_ADDR=${P}00:$(eui64 "$GW_MAC")"
        echo "GW_LL=$(link_local "$(eui64 "$GW_MAC")")"
        echo "PREFIX56=${P}00::/56"
        echo "MON_IF=wan0"
        echo "MON_ADDR=${P}00::100"
        echo "KEA_CONF=$DIR/kea-dhcp6.conf"
        echo "KEA_LEASES=$DIR/kea-leases6.csv"
        echo "KEA_LOG=$DIR/kea.log"
        echo "CLIENT_IF=wan0"
        echo "CLIENTS=$(echo "$CLIENT_NAMES" | tr ' ' ',')"
        i=0
        for c in $CLIENT_NAMES; do
            i=$((i + 1))
            u=$(echo "$c" | tr '[:lower:]' '[:upper:]')
            echo "NS_$u=$PFX$ID-$c"
            echo "MAC_$u=02:00:5e:10:00:$(printf %02x "$i")"
            echo "LEASES_$u=$DIR/clients/$c/dhclient6.leases"
            echo "PID_$u=$DIR/clients/$c/dhclient.pid"
            echo "EVENTS_$u=$DIR/clients/$c/events"
        done
    } >"$DIR/env"
}

cmd_start() {
    check_lab || exit 1
    P=${GWLAB_P:-2001:db8:1234:56}
    GW_MAC=${GWLAB_GW_MAC:-02:00:5e:10:00:fe}
    CLIENT_NAMES=${GWLAB_CLIENTS:-c1 c2 c3}
    for c in $CLIENT_NAMES; do
        echo "$c" | grep -qE '^[a-z][a-z0-9]{0,10}$' || die "bad client name '$c' (a-z0-9, at most 11)"
    done
    stop_labs ""
    ID=$(rand_id)
    DIR=$ROOT/$PFX$ID
    mkdir -m 755 "$DIR" || die "cannot make $DIR"
    : >"$DIR/.gwlab"
    write_env
    # shellcheck disable=SC1091
    . "$DIR/env"
    setsid -f sh "$SELF" watchdog "$DIR" "$LIFETIME" </dev/null >"$DIR/watchdog.out" 2>&1 ||
        fail_start "no watchdog"
    make_gateway || fail_start "gateway namespace"
    make_node "$NS_MON" mon "02:00:5e:10:01:00" || fail_start "monitor namespace"
    ip -n "$NS_MON" -6 addr add "$MON_ADDR/64" dev wan0 nodad || fail_start "monitor address"
    for c in $CLIENT_NAMES; do
        u=$(echo "$c" | tr '[:lower:]' '[:upper:]')
        eval "ns=\$NS_$u mac=\$MAC_$u"
        mkdir -p "$DIR/clients/$c"
        # shellcheck disable=SC2154 # set by the eval
        make_node "$ns" "$c" "$mac" || fail_start "client $c"
    done
    until_true 10 has_link_local "$NS_GW" br0 || fail_start "no link-local address on br0"
    for ns in "$NS_MON" $(for c in $CLIENT_NAMES; do echo "$PFX$ID-$c"; done); do
        until_true 10 has_link_local "$ns" wan0 || fail_start "no link-local address in $ns"
        ip -n "$ns" -6 route add default via "$GW_LL" dev wan0 || fail_start "route in $ns"
    done
    cp "$HERE/dhclient-script.sh" "$DIR/dhclient-script" || fail_start "dhclient script"
    chmod 755 "$DIR/dhclient-script"
    echo "# lab dhclient.conf: nothing beyond the defaults (dhclient -6 -P asks for IA_PD)" \
        >"$DIR/dhclient.conf"
    kea_config || fail_start "Kea configuration"
    kea_start || fail_start "Kea did not start"
    webui_start || fail_start "web UI did not start"
    pdmon_config
    cat "$DIR/env"
    cat <<EOF
# Lab $ID is up; it stops itself after $LIFETIME s. Try:
#   sh tests/lab/lab.sh client-bind c1     (then client-prefix c1, leases)
#   sh tests/lab/lab.sh exec mon sh        a shell where the monitor runs
#   eval "\$(make -s BUILD=${BUILD:-build} env)"; sh tests/lab/lab.sh exec mon \\
#     ${LUA:-lua5.1} scripts/pd-monitor -c $DIR/pd-monitor.conf --dry-run --no-mail
#   sh tests/lab/lab.sh stop               (make lab-stop)
EOF
}

# ---------------------------------------------------------------- commands

running() {
    if [ -n "$1" ]; then echo "running (pid $1)"; else echo "not running"; fi
}

cmd_status() {
    find_lab
    echo "lab $LAB_ID in $LAB_DIR (web UI: ${WEBUI_URL:-none})"
    k=$(pid_of "$DIR/kea.pid" "$DIR/")
    echo "kea: $(running "$k"); $(cmd_leases | wc -l) PD lease(s)"
    for c in $(echo "$CLIENTS" | tr ',' ' '); do
        client_vars "$c"
        d=$(pid_of "$C_PID" "$C_DIR")
        link=$(ip -n "$NS_GW" -o link show "p-$c" 2>/dev/null | grep -q 'state UP' && echo up || echo down)
        echo "$c: prefix $(lease_prefix "$C_LEASES"), dhclient $(running "$d"), link $link"
    done
}

cmd_exec() {
    find_lab
    [ $# -ge 2 ] || die "usage: lab.sh exec NODE CMD..."
    node=$1
    shift
    [ -e "/run/netns/$PFX$LAB_ID-$node" ] || die "no node '$node' (gw, mon, $CLIENTS)"
    exec ip netns exec "$PFX$LAB_ID-$node" "$@"
}

# The lab's own lifetime: stops it after N seconds, or quits once it is gone.
cmd_watchdog() {
    echo $$ >"$1/watchdog.pid"
    n=$2
    while [ "$n" -gt 0 ]; do
        sleep 1
        [ -f "$1/.gwlab" ] || exit 0
        n=$((n - 1))
    done
    id=$(basename "$1")
    note "lifetime over: stopping ${id#"$PFX"}"
    WATCHDOG_SELF=$$ stop_labs "${id#"$PFX"}"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
start) cmd_start ;;
stop) stop_labs "${1:-}" ;;
status) cmd_status ;;
env) find_lab && cat "$DIR/env" ;;
check) check_lab ;;
exec) cmd_exec "$@" ;;
watchdog) cmd_watchdog "$@" ;;
kea-restart) find_lab && kea_start ;;
kea-reset) find_lab && kea_stop && rm -f "$KEA_LEASES".* && : >"$KEA_LEASES" && kea_start ;;
leases) find_lab && cmd_leases ;;
client-bind) find_lab && client_bind "$@" ;;
client-release) find_lab && client_release "$@" ;;
client-forget) find_lab && client_forget "$@" ;;
client-rebind) find_lab && client_rebind "$@" ;;
client-link) find_lab && client_link "$@" ;;
client-prefix) find_lab && client_vars "${1:-}" && lease_prefix "$C_LEASES" ;;
gw-replace) find_lab && gw_replace "$@" ;;
*) sed -n '3,/^set -u/p' "$SELF" | grep '^#' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
