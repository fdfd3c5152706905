#!/usr/bin/env bash
# gwkit test web stack: a real lighttpd with Digest/Basic authentication on
# loopback, plain HTTP and HTTPS.
#
#   tests/servers/webstack.sh start DIR    build everything in DIR, start,
#                                          print KEY=VALUE lines (also DIR/env)
#   tests/servers/webstack.sh stop DIR     stop the stack started from DIR
#   tests/servers/webstack.sh passwd DIR USER PASSWORD
#                                          set (or add) USER's password; takes
#                                          effect with the next request
#
# Environment:
#   WEBSTACK_PORT_BASE      ports are BASE+80 (HTTP) and BASE+443 (HTTPS) (default 20000)
#   WEBSTACK_LIFETIME       seconds until the watchdog stops the stack (1800)
#   WEBSTACK_START_TIMEOUT  seconds to wait for the listeners (20)
#
# Needs lighttpd, lighttpd-mod-openssl, openssl, python3. See
# tests/servers/README.md for the URLs, users and the access log format.
set -eu

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
TPL=$(dirname "$SELF")/webstack
STACK_NAME=webstack
STACK_LOGS="start.log error.log"
STACK_PROBLEMS='fatal|error|warning|failed'
# shellcheck source=tests/servers/stacklib.sh
. "$(dirname "$SELF")/stacklib.sh"

REALM=gwkit-test
USER1=user
PASS1='Gw-pass 1'
USER2='ユーザー'
PASS2='Gw-pass 2'
BIG_SIZE=1048576
AREAS="open digest-md5 digest-sha256 digest-sha512-256 digest-both digest-userhash basic"

# ---------------------------------------------------------------- helpers

# Is PID the lighttpd of the stack in directory $2? (its command line names
# DIR/lighttpd.conf)
is_our_lighttpd() {
    local exe
    alive "$1" || return 1
    exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
    case $exe in */lighttpd | */lighttpd\ *) ;; *) return 1 ;; esac
    tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qxF "$2/lighttpd.conf"
}

lighttpd_pid() {
    local pid=
    [ -r "$1/lighttpd.pid" ] && read -r pid <"$1/lighttpd.pid" || true
    pid=${pid// /}
    if [ -n "$pid" ] && is_our_lighttpd "$pid" "$1"; then printf '%s\n' "$pid"; fi
}

# Stack directories (with the .webstack marker) whose lighttpd is running,
# other than $1.
running_stacks() {
    local p exe d
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
        case $exe in */lighttpd) ;; *) continue ;; esac
        d=$(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | sed -n 's|/lighttpd\.conf$||p' | head -n1)
        [ -n "$d" ] && [ "$d" != "$1" ] && [ -e "$d/.webstack" ] && printf '%s\n' "$d"
    done | sort -u
}

# terminate PID: TERM lighttpd, wait (bounded) for it and for the rest of its
# process group (the access-log pipe "cat", CGI processes; lighttpd is not
# the group leader, its first, exited, parent was), then KILL what is left.
terminate() {
    local pid=$1 pg i left
    pg=$(proc_stat "$pid" | cut -d' ' -f3) || pg=
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 200); do # 10 s
        alive "$pid" || break
        sleep 0.05
    done
    if alive "$pid"; then
        note "lighttpd (pid $pid) ignored SIGTERM for 10 s, killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    [ -n "$pg" ] && [ "$pg" != 0 ] && [ "$pg" != 1 ] || return 0
    for i in $(seq 100); do # 5 s for the children
        left=$(pgrp_members "$pg")
        [ -z "$left" ] && return 0
        sleep 0.05
    done
    note "lighttpd: killing leftover processes ${left//$'\n'/ }"
    # shellcheck disable=SC2086 # one PID per word
    kill -KILL $left 2>/dev/null || true
}

# ---------------------------------------------------------------- stop

# do_stop DIR [LIGHTTPD_PID]: the PID is remembered by the watchdog in case
# DIR was deleted under a running stack.
do_stop() {
    local dir=$1 lp=${2:-} wd=
    if [ -z "${WEBSTACK_FROM_WATCHDOG:-}" ] && [ -r "$dir/watchdog.pid" ]; then
        read -r wd <"$dir/watchdog.pid" || true
        if [ -n "$wd" ] && alive "$wd" &&
            tr '\0' '\n' <"/proc/$wd/cmdline" 2>/dev/null | grep -qx __watchdog; then
            # the watchdog leads its own process group (setsid): its sleep too
            kill -TERM -- "-$wd" 2>/dev/null || true
        fi
        rm -f "$dir/watchdog.pid"
    fi
    [ -n "$lp" ] && is_our_lighttpd "$lp" "$dir" || lp=$(lighttpd_pid "$dir")
    if [ -n "$lp" ]; then terminate "$lp"; fi
    return 0
}

# ---------------------------------------------------------------- watchdog

watchdog() {
    local dir=$1 lifetime=$2 lp end why
    echo $$ >"$dir/watchdog.pid"
    lp=$(lighttpd_pid "$dir")
    echo "$(date '+%F %T') watchdog $$: lighttpd=$lp lifetime=${lifetime}s"
    end=$((SECONDS + lifetime))
    why="lifetime of ${lifetime}s is over"
    while [ "$SECONDS" -lt "$end" ]; do
        if [ ! -e "$dir/.webstack" ]; then
            why="$dir was removed"
            break
        fi
        if [ -z "$lp" ] || ! alive "$lp"; then
            echo "$(date '+%F %T') watchdog $$: stack is gone, exiting"
            return 0
        fi
        sleep 1
    done
    echo "$(date '+%F %T') watchdog $$: $why, stopping the stack"
    WEBSTACK_FROM_WATCHDOG=1 do_stop "$dir" "$lp"
    rm -f "$dir/watchdog.pid" 2>/dev/null || true
    echo "$(date '+%F %T') watchdog $$: stopped"
}

# ---------------------------------------------------------------- start

render() { # render TEMPLATE: substitute the @NAME@ placeholders to stdout
    sed -e "s|@DIR@|$DIR|g" \
        -e "s|@REALM@|$REALM|g" \
        -e "s|@HTTP_PORT@|$HTTP_PORT|g" \
        -e "s|@HTTPS_PORT@|$HTTPS_PORT|g" \
        "$1"
}

# socket_block ADDRESS PORT tls|plain: one lighttpd listener
socket_block() {
    local addr=$1
    case $addr in *:*) addr="[$addr]" ;; esac
    # shellcheck disable=SC2016 # a literal $SERVER
    printf '$SERVER["socket"] == "%s:%s" {\n' "$addr" "$2"
    if [ "$3" = tls ]; then
        printf '    ssl.engine  = "enable"\n'
        printf '    ssl.pemfile = "%s/tls/server.pem"\n' "$DIR"
        printf '    ssl.privkey = "%s/tls/server.key"\n' "$DIR"
    fi
    printf '}\n'
}

set_password() { # set_password USER PASSWORD (both htdigest files)
    python3 "$TPL/helper.py" setpw "$DIR/htdigest" md5,sha256 "$REALM" "$1" "$2" &&
        python3 "$TPL/helper.py" setpw "$DIR/htdigest-sha512-256" sha512_256 "$REALM" "$1" "$2"
}

make_docroot() {
    local d a
    d=$DIR/docroot
    rm -rf "$d"
    mkdir -p "$d"
    python3 "$TPL/helper.py" big "$DIR/big.bin" "$BIG_SIZE" >"$DIR/big.sha256"
    for a in $AREAS; do
        mkdir -p "$d/$a"
        printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>%s</title></head>\n<body><p id="area">%s</p><p>gwkit webstack status page</p></body></html>\n' \
            "$a" "$a" >"$d/$a/status.html"
        cp "$TPL/pd.html" "$d/$a/pd.html"
        install -m 755 "$TPL/echo.cgi" "$d/$a/echo.cgi"
        install -m 755 "$TPL/chunked.cgi" "$d/$a/chunked.cgi"
        ln "$DIR/big.bin" "$d/$a/big.bin"
    done
    chmod -R a+rX "$d"
}

do_start() {
    local p busy stale s i deadline hosts lifetime env_lines lp marked

    [ "$(id -u)" = 0 ] || die "must run as root"
    PATH=$PATH:/usr/sbin:/sbin
    for p in lighttpd openssl python3 setsid; do
        command -v "$p" >/dev/null 2>&1 ||
            die "$p not found (apt-get install lighttpd lighttpd-mod-openssl openssl python3)"
    done
    # lighttpd-mod-openssl is only a "Recommends" of lighttpd
    if [ -d /usr/lib/lighttpd ] && [ ! -e /usr/lib/lighttpd/mod_openssl.so ]; then
        die "lighttpd's mod_openssl is missing (apt-get install lighttpd-mod-openssl)"
    fi

    # lighttpd.conf strings and the access-log pipe command hold DIR unquoted.
    case $DIR in *[!A-Za-z0-9._/+-]*) die "DIR must match [A-Za-z0-9._/+-]*: $DIR" ;; esac

    BASE=${WEBSTACK_PORT_BASE:-20000}
    case $BASE in '' | *[!0-9]*) die "WEBSTACK_PORT_BASE must be a number" ;; esac
    [ "$BASE" -ge 1 ] && [ $((BASE + 443)) -le 65535 ] || die "WEBSTACK_PORT_BASE out of range: $BASE"
    HTTP_PORT=$((BASE + 80))
    HTTPS_PORT=$((BASE + 443))
    lifetime=${WEBSTACK_LIFETIME:-1800}
    case $lifetime in '' | *[!0-9]*) die "WEBSTACK_LIFETIME must be a number of seconds" ;; esac

    HOST4=127.0.0.1
    HOST6=::1
    if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
        hosts="$HOST4 $HOST6"
    else
        note "no IPv6 loopback (::1) on this machine, listening on 127.0.0.1 only"
        HOST6=
        hosts=$HOST4
    fi

    # DIR: new, empty, or a stopped stack directory (start again).
    if [ -e "$DIR/.webstack" ]; then
        lp=$(lighttpd_pid "$DIR")
        [ -z "$lp" ] || die "a stack is already running from $DIR (lighttpd $lp); run: $SELF stop $DIR"
    elif [ -d "$DIR" ]; then
        [ -z "$(ls -A "$DIR")" ] || die "$DIR is neither empty nor a web stack directory"
    elif [ -e "$DIR" ]; then
        die "$DIR exists and is not a directory"
    fi

    # Ports: a stack left over by a killed run is stopped; anything else
    # holding a port is an error that names the port.
    s=
    for p in $HTTP_PORT $HTTPS_PORT; do
        for i in $hosts; do
            case $i in *:*) s="$s [$i]:$p" ;; *) s="$s $i:$p" ;; esac
        done
    done
    # shellcheck disable=SC2086 # one HOST:PORT per word
    busy=$(python3 "$TPL/helper.py" busy $s)
    if [ -n "$busy" ]; then
        for stale in $(running_stacks "$DIR"); do
            note "stopping the stale web stack of $stale (ports busy: $busy)"
            do_stop "$stale"
        done
        # shellcheck disable=SC2086
        busy=$(python3 "$TPL/helper.py" busy $s)
        if [ -n "$busy" ]; then
            i=
            command -v ss >/dev/null 2>&1 && i=$(ss -Hltnp 2>/dev/null | grep -E ":(${HTTP_PORT}|${HTTPS_PORT}) " || true)
            die "port(s) in use: $busy${i:+
$i}
(set WEBSTACK_PORT_BASE to use other ports)"
        fi
    fi

    # Layout.
    mkdir -p "$DIR"
    chmod 755 "$DIR"
    echo "PORT_BASE=$BASE" >"$DIR/.webstack"
    rm -f "$DIR/env" "$DIR/env.sh" "$DIR/lighttpd.pid"
    : >"$DIR/start.log"
    : >"$DIR/access.log" # empty at every start: tests count its lines
    : >>"$DIR/error.log"
    mkdir -p "$DIR/tmp"

    make_tls "gwkit webstack test CA" "DNS:localhost,IP:127.0.0.1,IP:::1"
    # The users and passwords of the output, also after a "passwd" and a restart.
    rm -f "$DIR/htdigest" "$DIR/htdigest-sha512-256"
    set_password "$USER1" "$PASS1" || die "cannot write $DIR/htdigest"
    set_password "$USER2" "$PASS2" || die "cannot write $DIR/htdigest"
    make_docroot

    {
        render "$TPL/lighttpd.conf.in"
        echo "server.bind = \"$HOST4\""
        echo "server.port = $HTTP_PORT"
        socket_block "$HOST4" "$HTTPS_PORT" tls
        if [ -n "$HOST6" ]; then
            socket_block "$HOST6" "$HTTP_PORT" plain
            socket_block "$HOST6" "$HTTPS_PORT" tls
        fi
    } >"$DIR/lighttpd.conf"

    deadline=$((SECONDS + ${WEBSTACK_START_TIMEOUT:-20}))

    echo "== lighttpd -tt -f $DIR/lighttpd.conf" >>"$DIR/start.log"
    lighttpd -tt -f "$DIR/lighttpd.conf" </dev/null >>"$DIR/start.log" 2>&1 ||
        fail_start "lighttpd rejects its configuration"
    # lighttpd daemonizes: the command returns once the listeners are bound
    # (or fails). The daemon never gets our stdio.
    echo "== lighttpd -f $DIR/lighttpd.conf" >>"$DIR/start.log"
    lighttpd -f "$DIR/lighttpd.conf" </dev/null >>"$DIR/start.log" 2>&1 ||
        fail_start "lighttpd did not start"
    until [ -n "$(lighttpd_pid "$DIR")" ]; do
        [ "$SECONDS" -lt "$deadline" ] || fail_start "no running lighttpd for $DIR/lighttpd.pid"
        sleep 0.05
    done

    # Watchdog: own session, no inherited stdio.
    setsid "$BASH" "$SELF" __watchdog "$DIR" "$lifetime" </dev/null >>"$DIR/watchdog.log" 2>&1 &
    echo $! >"$DIR/watchdog.pid"

    marked=$(python3 "$TPL/helper.py" ready --ca "$DIR/tls/ca.pem" --hosts "${hosts// /,}" \
        --http "$HTTP_PORT" --https "$HTTPS_PORT" --user "$USER1" --password "$PASS1" \
        --timeout $((deadline - SECONDS > 1 ? deadline - SECONDS : 1)) </dev/null 2>>"$DIR/start.log") ||
        fail_start "$(sed -n 's/^webstack: \(not ready: \)/\1/p' "$DIR/start.log" | tail -n1)"
    # Empty the access log of the probe's requests: wait (bounded) for the
    # last one to be logged, then truncate (the logger appends: O_APPEND).
    for i in $(seq 40); do
        [ "$(grep -c 'webstack-ready' "$DIR/access.log")" -ge "$marked" ] && break
        sleep 0.05
    done
    cp "$DIR/access.log" "$DIR/access.log.ready"
    : >"$DIR/access.log"

    env_lines="WEBSTACK_DIR=$DIR
HOST4=$HOST4
HOST6=$HOST6
TLS_NAME=localhost
HTTP_PORT=$HTTP_PORT
HTTPS_PORT=$HTTPS_PORT
HTTP_URL=http://$HOST4:$HTTP_PORT
HTTP_URL6=${HOST6:+http://[$HOST6]:$HTTP_PORT}
HTTPS_URL=https://localhost:$HTTPS_PORT
CAFILE=$DIR/tls/ca.pem
CERTFILE=$DIR/tls/server.pem
REALM=$REALM
USER=$USER1
PASS=$PASS1
USER2=$USER2
PASS2=$PASS2
DOCROOT=$DIR/docroot
BIG_SIZE=$BIG_SIZE
BIG_SHA256=$(cat "$DIR/big.sha256")
LOG=$DIR/access.log
ERRORLOG=$DIR/error.log"
    printf '%s\n' "$env_lines" >"$DIR/env.tmp"
    while IFS= read -r i; do
        printf '%s=%q\n' "${i%%=*}" "${i#*=}"
    done <"$DIR/env.tmp" >"$DIR/env.sh"
    mv -f "$DIR/env.tmp" "$DIR/env"
    cat "$DIR/env"
}

do_passwd() {
    [ -e "$DIR/.webstack" ] || die "$DIR is not a web stack directory"
    case $1 in '' | *:*) die "passwd: the user name must be non-empty and without ':'" ;; esac
    set_password "$1" "$2" || die "passwd: cannot write $DIR/htdigest"
}

# ---------------------------------------------------------------- main

usage() {
    echo "usage: $0 start|stop DIR | passwd DIR USER PASSWORD" >&2
    exit 2
}

main() {
    case ${1:-} in
    start | stop) [ $# -eq 2 ] || usage ;;
    passwd) [ $# -eq 4 ] || usage ;;
    __watchdog) [ $# -eq 3 ] || usage ;;
    *) usage ;;
    esac
    DIR=$(abs_dir "$2")
    [ -d "$DIR" ] && DIR=$(cd "$DIR" && pwd -P)
    case $1 in
    start) do_start ;;
    stop)
        [ -d "$DIR" ] || exit 0
        do_stop "$DIR"
        ;;
    passwd) do_passwd "$3" "$4" ;;
    __watchdog) watchdog "$DIR" "$3" ;;
    esac
}

# One line, parsed before it runs: a long-lived watchdog is not confused if
# this file is edited meanwhile.
{ main "$@"; exit $?; }
