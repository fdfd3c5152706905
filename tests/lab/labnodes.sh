# shellcheck shell=dash
# tests/lab/labnodes.sh - the nodes of the lab (sourced by lab.sh, not run):
# the namespaces and their links, Kea on the gateway, its web UI, and the
# clients' dhclient. Every process is started with `ip netns exec` itself
# (so the recorded pid is the daemon's), output to a file in the lab
# directory, and every wait has a deadline. Kea and the web UI get a
# session of their own (setsid, which does not fork here: the pid stays
# theirs): a lab command run by a monitor's release or rebind command,
# whose process group is killed at its deadline, does not take them along.

PATH=$PATH:/usr/sbin:/sbin
export PATH

# Can a lab run here? Prints why not and fails.
check_lab() {
    [ "$(id -u)" = 0 ] || { echo "lab: needs root (network namespaces)"; return 1; }
    for t in ip kea-dhcp6 dhclient timeout setsid od awk; do
        command -v "$t" >/dev/null 2>&1 ||
            { echo "lab: $t not found (sh .ci/deps.sh installs kea-dhcp6-server, isc-dhcp-client)"; return 1; }
    done
    probe=${PFX}probe-$$
    ip netns add "$probe" 2>/dev/null || { echo "lab: cannot make a network namespace (ip netns add)"; return 1; }
    ip netns del "$probe"
}

# make_ns NS: a namespace with lo up and DAD off (addresses usable at once).
make_ns() {
    ip netns add "$1" &&
        ip -n "$1" link set lo up &&
        ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.accept_dad=0 \
            net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.accept_ra=0 >/dev/null
}

make_gateway() {
    make_ns "$NS_GW" &&
        ip -n "$NS_GW" link add br0 address "$GW_MAC" type bridge forward_delay 0 \
            stp_state 0 mcast_snooping 0 &&
        ip -n "$NS_GW" link set br0 up &&
        ip -n "$NS_GW" -6 addr add "$GW_ADDR/64" dev br0 nodad
}

# make_node NS NAME MAC: a namespace whose wan0 (MAC) is a port (p-NAME) of
# the gateway's bridge. The veth is made inside the gateway's namespace
# with its peer made directly in NS: no link ever shows in the host's.
make_node() {
    make_ns "$1" &&
        ip -n "$NS_GW" link add "p-$2" type veth peer name wan0 address "$3" netns "$1" &&
        ip -n "$NS_GW" link set "p-$2" master br0 up &&
        ip -n "$1" link set wan0 up
}

# ---------------------------------------------------------------- Kea

kea_config() {
    macdot=$(echo "$GW_MAC" | tr -d ':')
    sed -e "s|@DIR@|$DIR|g" -e "s|@LEASES@|$KEA_LEASES|g" -e "s|@IFACE@|$GW_IF|g" \
        -e "s|@P@|${PREFIX56%00::/56}|g" -e "s|@MACHEX@|$macdot|g" \
        -e "s|@LIFE@|14400|g" -e "s|@T1@|7200|g" -e "s|@T2@|11520|g" \
        "$HERE/kea-dhcp6.conf.in" >"$KEA_CONF"
}

# Stops this lab's Kea and waits until it is gone (Kea refuses to start
# while an earlier instance is alive).
kea_stop() {
    # shellcheck disable=SC2046
    terminate $(pid_of "$DIR/kea.pid" "$DIR/") || { note "Kea does not exit"; return 1; }
}

kea_start() {
    kea_stop || return 1
    touch "$KEA_LEASES"
    KEA_PIDFILE_DIR=$DIR KEA_LOCKFILE_DIR=$DIR \
        setsid ip netns exec "$NS_GW" kea-dhcp6 -c "$KEA_CONF" </dev/null >>"$DIR/kea.out" 2>&1 &
    echo $! >"$DIR/kea.pid"
    kpid=$!
    n=200 # 10 s
    while [ $n -gt 0 ]; do
        alive "$kpid" || { note "Kea exited (see $DIR/kea.out, kea.log)"; tail -n 5 "$DIR/kea.out" >&2; return 1; }
        udp_bound "$NS_GW" 0223 && return 0
        sleep 0.05
        n=$((n - 1))
    done
    note "Kea not listening on port 547 within 10 s"
    return 1
}

# Kea's current PD leases (the last line of an address wins; released,
# declined, reclaimed and expired ones left out): PREFIX/LEN DUID IAID EXPIRE.
cmd_leases() {
    [ -r "$KEA_LEASES" ] || return 0
    awk -F, -v now="$(date +%s)" '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        { key = $col["address"] "/" $col["prefix_len"]; last[key] = $0; order[key] = NR }
        END {
            for (k in last) {
                split(last[k], f, ",")
                if (f[col["lease_type"]] != 2 || f[col["valid_lifetime"]] == 0) continue
                if ((col["state"] && f[col["state"]] != 0) || f[col["expire"]] <= now) continue
                print k, f[col["duid"]], f[col["iaid"]], f[col["expire"]]
            }
        }' "$KEA_LEASES" | sort
}

# ---------------------------------------------------------------- web UI

webui_start() {
    printf '%s\n' "${GWLAB_WEBUI_PASSWORD:-lab-Pass 1}" >"$DIR/webui.password"
    chmod 600 "$DIR/webui.password"
    cmd=${GWLAB_WEBUI:-}
    emu=$TOP/tests/servers/hgw_emu.py
    if [ "$cmd" = none ] || { [ -z "$cmd" ] && [ ! -f "$emu" ]; }; then
        [ "$cmd" = none ] || note "no $emu: the gateway has no web UI"
        echo "WEBUI_URL=" >>"$DIR/env"
        return 0
    fi
    export LAB_DIR GW_ADDR GW_MAC PREFIX56 KEA_LEASES LAB_LIFETIME
    WEBUI_PASSWORD_FILE=$DIR/webui.password
    export WEBUI_PASSWORD_FILE
    [ -n "$cmd" ] || cmd="python3 $emu --kea-leases $KEA_LEASES --host :: --port 80 \
--mac $GW_MAC --prefix $PREFIX56 --user user --password-file $WEBUI_PASSWORD_FILE \
--lifetime $LIFETIME --log $DIR/webui.log"
    setsid ip netns exec "$NS_GW" sh -c "exec $cmd" </dev/null >"$DIR/webui.out" 2>&1 &
    echo $! >"$DIR/webui.pid"
    wpid=$!
    n=200
    while [ $n -gt 0 ]; do
        alive "$wpid" || { tail -n 5 "$DIR/webui.out" >&2; return 1; }
        if tcp_listening "$NS_GW" 0050; then
            {
                echo "WEBUI_URL=http://[$GW_ADDR]/"
                echo "WEBUI_USER=user"
                echo "WEBUI_PASSWORD_FILE=$WEBUI_PASSWORD_FILE"
                echo "WEBUI_LOG=$DIR/webui.log"
            } >>"$DIR/env"
            return 0
        fi
        sleep 0.05
        n=$((n - 1))
    done
    return 1
}

# ---------------------------------------------------------------- replacement

# env_drop KEY...: the lines of KEYs out of the lab's env file.
env_drop() {
    for _k in "$@"; do
        grep -v "^$_k=" "$DIR/env" >"$DIR/env.tmp" || true
        mv "$DIR/env.tmp" "$DIR/env"
    done
}

# gw_replace [MAC [PASSWORD]]: the gateway swapped for a new one. Its LAN
# side (br0) gets a new MAC, so its link-local and EUI-64 addresses change
# (the old ones are gone); the other nodes' default route follows, as the
# new gateway's Router Advertisements would make it. Kea comes back with a
# new server DUID (DUID-LL of the new MAC) and an empty lease table; the
# web UI with the new MAC, the new address and a new password (in
# webui.password; the old web UI log is kept as webui.log.old). The
# clients keep what they hold. Prints the changed KEY=VALUE lines.
gw_replace() {
    new_mac=$(echo "${1:-02:00:5e:10:00:fd}" | tr 'A-F' 'a-f')
    echo "$new_mac" | grep -qE '^([0-9a-f]{2}:){5}[0-9a-f]{2}$' || die "bad MAC '$new_mac'"
    [ "$new_mac" != "$GW_MAC" ] || die "the gateway has MAC $GW_MAC already"
    # shellcheck disable=SC2046
    terminate $(pid_of "$DIR/webui.pid" "$DIR/") || die "the web UI does not exit"
    kea_stop || die "Kea does not exit"
    GW_MAC=$new_mac
    GW_ADDR=${PREFIX56%00::/56}00:$(eui64 "$GW_MAC")
    GW_LL=$(link_local "$(eui64 "$GW_MAC")")
    # Down and up: the kernel makes the link-local address of the new MAC.
    if ! { ip -n "$NS_GW" -6 addr flush dev br0 scope global &&
        ip -n "$NS_GW" link set br0 down &&
        ip -n "$NS_GW" link set br0 address "$GW_MAC" &&
        ip -n "$NS_GW" link set br0 up &&
        ip -n "$NS_GW" -6 addr add "$GW_ADDR/64" dev br0 nodad; }; then
        die "cannot change br0"
    fi
    until_true 10 has_link_local "$NS_GW" br0 || die "no link-local address on br0"
    for ns in "$NS_MON" $(for c in $(echo "$CLIENTS" | tr ',' ' '); do echo "$PFX$LAB_ID-$c"; done); do
        ip -n "$ns" -6 route replace default via "$GW_LL" dev wan0 || die "route in $ns"
    done
    env_drop GW_MAC GW_ADDR GW_LL WEBUI_URL WEBUI_USER WEBUI_PASSWORD_FILE WEBUI_LOG
    {
        echo "GW_MAC=$GW_MAC"
        echo "GW_ADDR=$GW_ADDR"
        echo "GW_LL=$GW_LL"
    } >>"$DIR/env"
    rm -f "$DIR/kea-dhcp6-serverid" "$KEA_LEASES".*
    : >"$KEA_LEASES"
    kea_config || die "Kea configuration"
    kea_start || die "Kea did not start"
    [ -f "$DIR/webui.log" ] && mv "$DIR/webui.log" "$DIR/webui.log.old"
    if [ -n "${WEBUI_URL:-}" ]; then
        LIFETIME=$LAB_LIFETIME GWLAB_WEBUI_PASSWORD=${2:-lab-Pass 2} webui_start ||
            die "web UI did not start (see $DIR/webui.out)"
    else
        echo "WEBUI_URL=" >>"$DIR/env"
    fi
    grep -E '^(GW_|WEBUI_)' "$DIR/env"
}

# ---------------------------------------------------------------- pd-monitor

# A pd-monitor config for this lab (LAB_DIR/pd-monitor.conf): the design
# is the clients in their listed order (c1 holds <P>10::/60, ...), read
# from their lease files, released and rebound through lab.sh.
pdmon_config() {
    {
        echo "-- pd-monitor config for lab $LAB_ID (made by tests/lab/lab.sh start)"
        echo "local function client(name, index, mac, leases)"
        echo "  local lab = { \"env\", \"GWLAB_DIR=$DIR\", \"sh\", \"$SELF\" }"
        echo "  local function cmd(c) return { lab[1], lab[2], lab[3], lab[4], c, name } end"
        echo "  return { name = name, index = index, mac = mac, read = { lease_file = leases },"
        echo "           release = cmd(\"client-release\"), rebind = cmd(\"client-rebind\"),"
        echo "           release_timeout = 30, rebind_timeout = 30 }"
        echo "end"
        echo "return {"
        echo "  gateway = { model = \"pr600mi\", address = \"$GW_ADDR\", user = \"user\","
        echo "              password_file = \"$DIR/webui.password\","
        echo "              discover = { \"address\", \"routes\", \"neighbours\" } },"
        echo "  state_file = \"$DIR/pd-monitor.state\","
        echo "  clients = {"
        i=0
        for c in $CLIENT_NAMES; do
            i=$((i + 1))
            u=$(echo "$c" | tr '[:lower:]' '[:upper:]')
            eval "mac=\$MAC_$u leases=\$LEASES_$u"
            # shellcheck disable=SC2154 # set by the eval
            echo "    client(\"$c\", $i, \"$mac\", \"$leases\"),"
        done
        echo "  },"
        echo "}"
    } >"$DIR/pd-monitor.conf"
    echo "PDMON_CONF=$DIR/pd-monitor.conf" >>"$DIR/env"
}

# ---------------------------------------------------------------- clients

# client_vars NAME: C_NS C_DIR C_LEASES C_PID C_EVENTS of a client.
client_vars() {
    case ",$CLIENTS," in
    *",$1,"*) ;;
    *) die "no client '${1:-}' (clients: $CLIENTS)" ;;
    esac
    C_NAME=$1
    C_NS=$PFX$LAB_ID-$1
    C_DIR=$DIR/clients/$1
    C_LEASES=$C_DIR/dhclient6.leases
    C_PID=$C_DIR/dhclient.pid
    C_EVENTS=$C_DIR/events
}

# The delegated prefix of the last lease in a dhclient lease file, or
# "none". dhclient may list several iaprefix entries in it: one the server
# took back (max-life 0) until it expires, and, after a Solicit whose hint
# was refused, the prefix of its old lease merged in with its old times.
# The current one is the valid entry (max-life not run out) that started
# last. dhclient -r appends the lease again marked "released;": "none".
lease_prefix() {
    p=$(awk -v now="$(date +%s)" '
        $1 == "lease6" { best = ""; bst = -1; rel = 0; cur = "" }
        $1 == "iaprefix" { cur = $2; st = 0 }
        $1 == "starts" && cur != "" { st = $2 + 0 }
        $1 == "max-life" && cur != "" {
            if ($2 + 0 > 0 && st + $2 > now && st > bst) { best = cur; bst = st }
            cur = ""
        }
        $1 == "released;" { rel = 1 }
        END { if (!rel) print best }' "$1" 2>/dev/null)
    echo "${p:-none}"
}

# dhclient_run ARGS...: dhclient -6 -P for the current client with its
# files, in its namespace, bounded by the bind deadline.
dhclient_run() {
    timeout -k 2 "$BIND_TIMEOUT" ip netns exec "$C_NS" dhclient -6 -P -D LL -v "$@" \
        -cf "$DIR/dhclient.conf" -lf "$C_LEASES" -pf "$C_PID" -sf "$DIR/dhclient-script" \
        -e "GWLAB_EVENTS=$C_EVENTS" "$CLIENT_IF" </dev/null >>"$C_DIR/dhclient.out" 2>&1
}

# Stops the client's dhclient daemon (no Release).
client_stop() {
    # shellcheck disable=SC2046
    terminate $(pid_of "$C_PID" "$C_DIR") || return 1
    rm -f "$C_PID"
}

client_bind() {
    client_vars "${1:-}"
    client_stop || die "$C_NAME: its dhclient does not exit"
    echo "----- bind $(date +%s)" >>"$C_DIR/dhclient.out"
    dhclient_run -1
    rc=$?
    if [ $rc -ne 0 ]; then
        client_stop
        [ $rc -ge 124 ] && die "$C_NAME: not bound within $BIND_TIMEOUT s"
        die "$C_NAME: dhclient failed (exit $rc; see $C_DIR/dhclient.out)"
    fi
    # dhclient -1 returns once bound; the daemon it leaves writes its pid.
    until_true 5 test -s "$C_PID" || note "$C_NAME: no pid file from dhclient"
    p=$(lease_prefix "$C_LEASES")
    [ "$p" != none ] || die "$C_NAME: bound but no prefix in $C_LEASES"
    echo "$p"
}

client_release() {
    client_vars "${1:-}"
    echo "----- release $(date +%s)" >>"$C_DIR/dhclient.out"
    dhclient_run -r
    rc=$?
    client_stop
    [ $rc -eq 0 ] || die "$C_NAME: release failed (exit $rc; see $C_DIR/dhclient.out)"
}

client_forget() {
    client_vars "${1:-}"
    client_stop || die "$C_NAME: its dhclient does not exit"
    [ -f "$C_LEASES" ] || return 0
    grep '^default-duid' "$C_LEASES" >"$C_LEASES.tmp"
    mv "$C_LEASES.tmp" "$C_LEASES"
}

# A rebind as a client of the emulated gateway sees it: no prefix hint, and
# the lowest free /60 (Kea restarted first, keeping its leases).
client_rebind() {
    client_forget "${1:-}" || return 1
    kea_start || die "Kea did not restart"
    client_bind "$1"
}

client_link() {
    client_vars "${1:-}"
    case ${2:-} in
    down | up) ip -n "$NS_GW" link set "p-$C_NAME" "$2" ;;
    *) die "usage: lab.sh client-link NAME down|up" ;;
    esac
}
