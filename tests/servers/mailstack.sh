#!/usr/bin/env bash
# gwkit test mail stack: a real Postfix + Dovecot (SASL only) on loopback.
#
#   tests/servers/mailstack.sh start DIR   build everything in DIR, start,
#                                          print KEY=VALUE lines (also DIR/env)
#   tests/servers/mailstack.sh stop DIR    stop the stack started from DIR
#
# Environment:
#   MAILSTACK_PORT_BASE      ports are BASE+25, +465, +587, +588 (default 10000)
#   MAILSTACK_LIFETIME       seconds until the watchdog stops the stack (1800)
#   MAILSTACK_START_TIMEOUT  seconds to wait for the listeners (20)
#
# Must run as root (Postfix and Dovecot drop privileges themselves). See
# tests/servers/README.md for the ports, users and what is delivered where.
set -eu

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
TPL=$(dirname "$SELF")/mailstack
STACK_NAME=mailstack
STACK_LOGS="start.log maillog dovecot.log"
STACK_PROBLEMS='fatal|panic|error|warning'
# shellcheck source=tests/servers/stacklib.sh
. "$(dirname "$SELF")/stacklib.sh"

USER1=alice@example.test
PASS1='Wonder-land 42'
USER2=bob@example.test
PASS2='b0b:pass'

# ---------------------------------------------------------------- helpers

# Is PID the Postfix master of the stack in directory $2? (master runs with
# its cwd in the queue directory, DIR/spool; " (deleted)" if DIR was removed)
is_our_postfix() {
    local exe cwd
    alive "$1" || return 1
    exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
    case $exe in */postfix/sbin/master | */postfix/sbin/master\ *) ;; *) return 1 ;; esac
    cwd=$(readlink "/proc/$1/cwd" 2>/dev/null) || return 1
    [ "$cwd" = "$2/spool" ] || [ "$cwd" = "$2/spool (deleted)" ]
}

# Is PID the Dovecot master of the stack in directory $2? (its command line
# names DIR/dovecot/dovecot.conf)
is_our_dovecot() {
    local exe
    alive "$1" || return 1
    exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
    case $exe in */dovecot | */dovecot\ *) ;; *) return 1 ;; esac
    tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qxF "$2/dovecot/dovecot.conf"
}

postfix_pid() {
    local pid=
    [ -r "$1/spool/pid/master.pid" ] && read -r pid <"$1/spool/pid/master.pid" || true
    pid=${pid// /}
    if [ -n "$pid" ] && is_our_postfix "$pid" "$1"; then printf '%s\n' "$pid"; fi
}

dovecot_pid() {
    local pid=
    [ -r "$1/dovecot/run/master.pid" ] && read -r pid <"$1/dovecot/run/master.pid" || true
    if [ -n "$pid" ] && is_our_dovecot "$pid" "$1"; then printf '%s\n' "$pid"; fi
}

# Stack directories (with the .mailstack marker) whose Postfix master or
# Dovecot master is running, other than $1.
running_stacks() {
    local p exe cwd d
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
        d=
        case $exe in
        */postfix/sbin/master)
            cwd=$(readlink "/proc/$p/cwd" 2>/dev/null) || continue
            case $cwd in */spool) d=${cwd%/spool} ;; esac
            ;;
        */sbin/dovecot)
            d=$(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | sed -n 's|/dovecot/dovecot\.conf$||p' | head -n1)
            ;;
        esac
        [ -n "$d" ] && [ "$d" != "$1" ] && [ -e "$d/.mailstack" ] && printf '%s\n' "$d"
    done | sort -u
}

# terminate PID WHAT [group]: send TERM to PID (or, with "group", to its
# whole process group: Dovecot's master exits only after its log process,
# 1-2 s later, unless that gets the signal too), wait (bounded) for it and
# its process group to go away, then KILL what is left of the group.
terminate() {
    local pid=$1 what=$2 i left
    if [ "${3:-}" = group ] && [ "$(proc_stat "$pid" | cut -d' ' -f3)" = "$pid" ]; then
        kill -TERM -- "-$pid" 2>/dev/null || true
    else
        kill -TERM "$pid" 2>/dev/null || true
    fi
    for i in $(seq 200); do # 10 s
        alive "$pid" || break
        sleep 0.05
    done
    if alive "$pid"; then
        note "$what (pid $pid) ignored SIGTERM for 10 s, killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    for i in $(seq 100); do # 5 s for the children
        left=$(pgrp_members "$pid")
        [ -z "$left" ] && return 0
        sleep 0.05
    done
    note "$what: killing leftover processes ${left//$'\n'/ }"
    # shellcheck disable=SC2086 # one PID per word
    kill -KILL $left 2>/dev/null || true
}

# ---------------------------------------------------------------- stop

# do_stop DIR [POSTFIX_PID DOVECOT_PID]: the PIDs are remembered by the
# watchdog in case DIR was deleted under a running stack.
do_stop() {
    local dir=$1 pf=${2:-} dv=${3:-} wd=
    if [ -z "${MAILSTACK_FROM_WATCHDOG:-}" ] && [ -r "$dir/watchdog.pid" ]; then
        read -r wd <"$dir/watchdog.pid" || true
        if [ -n "$wd" ] && alive "$wd" &&
            tr '\0' '\n' <"/proc/$wd/cmdline" 2>/dev/null | grep -qx __watchdog; then
            # the watchdog leads its own process group (setsid): its sleep too
            kill -TERM -- "-$wd" 2>/dev/null || true
        fi
        rm -f "$dir/watchdog.pid"
    fi
    [ -n "$pf" ] && is_our_postfix "$pf" "$dir" || pf=$(postfix_pid "$dir")
    [ -n "$dv" ] && is_our_dovecot "$dv" "$dir" || dv=$(dovecot_pid "$dir")
    # Postfix first: its smtpd processes hold connections to Dovecot.
    if [ -n "$pf" ]; then terminate "$pf" "postfix master"; fi
    if [ -n "$dv" ]; then terminate "$dv" "dovecot master" group; fi
    return 0
}

# ---------------------------------------------------------------- watchdog

watchdog() {
    local dir=$1 lifetime=$2 pf dv end why
    echo $$ >"$dir/watchdog.pid"
    pf=$(postfix_pid "$dir")
    dv=$(dovecot_pid "$dir")
    echo "$(date '+%F %T') watchdog $$: postfix=$pf dovecot=$dv lifetime=${lifetime}s"
    end=$((SECONDS + lifetime))
    why="lifetime of ${lifetime}s is over"
    while [ "$SECONDS" -lt "$end" ]; do
        if [ ! -e "$dir/.mailstack" ]; then
            why="$dir was removed"
            break
        fi
        if [ -z "$pf$dv" ] || { ! alive "$pf" && ! alive "$dv"; }; then
            echo "$(date '+%F %T') watchdog $$: stack is gone, exiting"
            return 0
        fi
        sleep 1
    done
    echo "$(date '+%F %T') watchdog $$: $why, stopping the stack"
    MAILSTACK_FROM_WATCHDOG=1 do_stop "$dir" "$pf" "$dv"
    rm -f "$dir/watchdog.pid" 2>/dev/null || true
    echo "$(date '+%F %T') watchdog $$: stopped"
}

# ---------------------------------------------------------------- start

render() { # render TEMPLATE: substitute the @NAME@ placeholders to stdout
    sed -e "s|@DIR@|$DIR|g" \
        -e "s|@INET_INTERFACES@|$INET_INTERFACES|g" \
        -e "s|@INET_PROTOCOLS@|$INET_PROTOCOLS|g" \
        -e "s|@MYNETWORKS@|$MYNETWORKS|g" \
        "$1"
}

# listener ADDRESS PORT NAME -o... : one smtpd line for master.cf
listener() {
    local addr=$1 port=$2 name=$3
    shift 3
    case $addr in *:*) addr="[$addr]" ;; esac
    printf '%s:%s inet n - n - - smtpd\n  -o syslog_name=postfix/%s\n' "$addr" "$port" "$name"
    printf '  -o %s\n' "$@"
}

do_start() {
    local p busy stale s i deadline hosts lifetime env_lines pf dv

    [ "$(id -u)" = 0 ] || die "must run as root"
    for p in postfix postconf dovecot openssl python3 setsid; do
        command -v "$p" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$p" >/dev/null 2>&1 ||
            die "$p not found (apt-get install postfix dovecot-core openssl python3)"
    done
    PATH=$PATH:/usr/sbin:/sbin

    # Postfix config values and master.cf argv are split on white space.
    case $DIR in *[!A-Za-z0-9._/+-]*) die "DIR must match [A-Za-z0-9._/+-]*: $DIR" ;; esac

    BASE=${MAILSTACK_PORT_BASE:-10000}
    case $BASE in '' | *[!0-9]*) die "MAILSTACK_PORT_BASE must be a number" ;; esac
    [ "$BASE" -ge 1 ] && [ $((BASE + 588)) -le 65535 ] || die "MAILSTACK_PORT_BASE out of range: $BASE"
    PLAIN_PORT=$((BASE + 25))
    SMTPS_PORT=$((BASE + 465))
    SUBMISSION_PORT=$((BASE + 587))
    CLEARAUTH_PORT=$((BASE + 588))
    lifetime=${MAILSTACK_LIFETIME:-1800}
    case $lifetime in '' | *[!0-9]*) die "MAILSTACK_LIFETIME must be a number of seconds" ;; esac

    HOST4=127.0.0.1
    HOST6=::1
    if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
        INET_PROTOCOLS='ipv4, ipv6'
        INET_INTERFACES='127.0.0.1, [::1]'
        MYNETWORKS='127.0.0.0/8 [::1]/128'
        hosts="$HOST4 $HOST6"
    else
        note "no IPv6 loopback (::1) on this machine, listening on 127.0.0.1 only"
        HOST6=
        INET_PROTOCOLS=ipv4
        INET_INTERFACES=127.0.0.1
        MYNETWORKS=127.0.0.0/8
        hosts=$HOST4
    fi

    # DIR: new, empty, or a stopped stack directory (start again).
    if [ -e "$DIR/.mailstack" ]; then
        pf=$(postfix_pid "$DIR")
        dv=$(dovecot_pid "$DIR")
        [ -z "$pf$dv" ] || die "a stack is already running from $DIR (postfix ${pf:--} dovecot ${dv:--}); run: $SELF stop $DIR"
    elif [ -d "$DIR" ]; then
        [ -z "$(ls -A "$DIR")" ] || die "$DIR is neither empty nor a mail stack directory"
    elif [ -e "$DIR" ]; then
        die "$DIR exists and is not a directory"
    fi
    # Postfix (smtpd -> Dovecot socket) and the delivery script (nobody)
    # must be able to walk down to DIR.
    p=$(dirname "$DIR")
    while [ "$p" != / ]; do
        if [ -d "$p" ] && [ $((0$(stat -c %a "$p") & 1)) = 0 ]; then
            die "$p is not searchable by other users (chmod o+x it or use a DIR under /tmp)"
        fi
        p=$(dirname "$p")
    done

    # Ports: a stack left over by a killed run is stopped; anything else
    # holding a port is an error that names the port.
    s=
    for p in $PLAIN_PORT $SMTPS_PORT $SUBMISSION_PORT $CLEARAUTH_PORT; do
        for i in $hosts; do s="$s $i:$p"; done
    done
    busy=$(python3 "$TPL/probe.py" busy $s)
    if [ -n "$busy" ]; then
        for stale in $(running_stacks "$DIR"); do
            note "stopping the stale mail stack of $stale (ports busy: $busy)"
            do_stop "$stale"
        done
        busy=$(python3 "$TPL/probe.py" busy $s)
        if [ -n "$busy" ]; then
            i=
            command -v ss >/dev/null 2>&1 && i=$(ss -Hltnp 2>/dev/null | grep -E ":(${PLAIN_PORT}|${SMTPS_PORT}|${SUBMISSION_PORT}|${CLEARAUTH_PORT}) " || true)
            die "port(s) in use: $busy${i:+
$i}
(set MAILSTACK_PORT_BASE to use other ports)"
        fi
    fi

    # Layout.
    mkdir -p "$DIR"
    chmod 755 "$DIR"
    : >"$DIR/.mailstack"
    echo "PORT_BASE=$BASE" >"$DIR/.mailstack"
    rm -f "$DIR/env" "$DIR/env.sh"
    : >"$DIR/start.log"
    mkdir -p "$DIR/postfix" "$DIR/spool" "$DIR/data" "$DIR/bin" "$DIR/mail" \
        "$DIR/dovecot/run" "$DIR/dovecot/state"
    chown root:root "$DIR/spool"
    chmod 755 "$DIR/spool" "$DIR/postfix" "$DIR/bin" "$DIR/dovecot"
    chown postfix:postfix "$DIR/data"
    chmod 700 "$DIR/data"
    chown nobody:nogroup "$DIR/mail"
    chmod 755 "$DIR/mail"
    install -m 755 "$TPL/deliver.sh" "$DIR/bin/deliver"

    make_tls "gwkit test CA" "DNS:localhost,DNS:mail.example.test,IP:127.0.0.1,IP:::1"

    # Dovecot.
    render "$TPL/dovecot.conf.in" >"$DIR/dovecot/dovecot.conf"
    {
        printf '%s:{PLAIN.B64}%s::::::\n' "$USER1" "$(printf '%s' "$PASS1" | base64 -w0)"
        printf '%s:{PLAIN.B64}%s::::::\n' "$USER2" "$(printf '%s' "$PASS2" | base64 -w0)"
    } >"$DIR/dovecot/users"
    chown root:dovecot "$DIR/dovecot/users"
    chmod 640 "$DIR/dovecot/users"

    # Postfix.
    render "$TPL/main.cf.in" >"$DIR/postfix/main.cf"
    {
        render "$TPL/master.cf.in"
        for i in $hosts; do
            echo "# -- $i"
            listener "$i" "$PLAIN_PORT" plain \
                smtpd_tls_security_level=none smtpd_sasl_auth_enable=no
            listener "$i" "$SUBMISSION_PORT" submission \
                smtpd_tls_security_level=may smtpd_tls_auth_only=yes \
                smtpd_sasl_auth_enable=yes 'smtpd_recipient_restrictions=$gw_auth_required_rcpt'
            listener "$i" "$SMTPS_PORT" smtps \
                smtpd_tls_wrappermode=yes smtpd_tls_security_level=encrypt \
                smtpd_sasl_auth_enable=yes 'smtpd_recipient_restrictions=$gw_auth_required_rcpt'
            listener "$i" "$CLEARAUTH_PORT" clearauth \
                smtpd_tls_security_level=may smtpd_tls_auth_only=no smtpd_sasl_auth_enable=yes
        done
    } >"$DIR/postfix/master.cf"
    cp "$TPL/mailboxes" "$TPL/recipient_access" "$DIR/postfix/"
    chmod 644 "$DIR/postfix/"*
    # Postfix re-reads main.cf and texthash tables, 0.3 s apart, until their
    # mtime is over a second older than the read (dict_load_file): backdate.
    touch -d '-1 minute' "$DIR/postfix/"*

    deadline=$((SECONDS + ${MAILSTACK_START_TIMEOUT:-20}))

    # Start Dovecot, wait for its auth socket. Daemons never get our stdio.
    echo "== dovecot -c $DIR/dovecot/dovecot.conf" >>"$DIR/start.log"
    dovecot -c "$DIR/dovecot/dovecot.conf" </dev/null >>"$DIR/start.log" 2>&1 ||
        fail_start "dovecot did not start"
    until [ -S "$DIR/dovecot/run/auth-postfix" ]; do
        [ "$SECONDS" -lt "$deadline" ] || fail_start "no Dovecot auth socket $DIR/dovecot/run/auth-postfix"
        sleep 0.05
    done

    # Start Postfix (postfix-script checks, creates the queue directories,
    # and "master -w" returns once the listeners are bound).
    echo "== postfix -c $DIR/postfix start" >>"$DIR/start.log"
    postfix -c "$DIR/postfix" start </dev/null >>"$DIR/start.log" 2>&1 ||
        fail_start "postfix did not start"

    # Watchdog: own session, no inherited stdio.
    setsid "$BASH" "$SELF" __watchdog "$DIR" "$lifetime" </dev/null >>"$DIR/watchdog.log" 2>&1 &
    echo $! >"$DIR/watchdog.pid"

    # Wait until every listener answers as configured.
    python3 "$TPL/probe.py" ready --ca "$DIR/tls/ca.pem" --hosts "${hosts// /,}" \
        --plain "$PLAIN_PORT" --submission "$SUBMISSION_PORT" --smtps "$SMTPS_PORT" \
        --clearauth "$CLEARAUTH_PORT" --user "$USER1" --password "$PASS1" \
        --timeout $((deadline - SECONDS > 1 ? deadline - SECONDS : 1)) </dev/null 2>>"$DIR/start.log" ||
        fail_start "$(sed -n 's/^mailstack: \(not ready: \)/\1/p' "$DIR/start.log" | tail -n1)"

    env_lines="MAILSTACK_DIR=$DIR
HOST4=$HOST4
HOST6=$HOST6
TLS_NAME=localhost
DOMAIN=example.test
PLAIN_PORT=$PLAIN_PORT
SUBMISSION_PORT=$SUBMISSION_PORT
SMTPS_PORT=$SMTPS_PORT
CLEARAUTH_PORT=$CLEARAUTH_PORT
CAFILE=$DIR/tls/ca.pem
CERTFILE=$DIR/tls/server.pem
MAILDIR=$DIR/mail
USER1=$USER1
PASS1=$PASS1
USER2=$USER2
PASS2=$PASS2
RCPT3=carol@example.test
REJECT_RCPT=reject@example.test
DEFER_RCPT=defer@example.test
SIZE_LIMIT=10240000
LOG=$DIR/maillog
DOVECOT_LOG=$DIR/dovecot.log"
    # env: KEY=VALUE, value = rest of the line (not shell-quoted);
    # env.sh: the same, quoted for "source".
    printf '%s\n' "$env_lines" >"$DIR/env.tmp"
    while IFS= read -r i; do
        printf '%s=%q\n' "${i%%=*}" "${i#*=}"
    done <"$DIR/env.tmp" >"$DIR/env.sh"
    mv -f "$DIR/env.tmp" "$DIR/env"
    cat "$DIR/env"
}

# ---------------------------------------------------------------- main

main() {
    [ $# -eq 2 ] || [ "${1:-}" = __watchdog ] || {
        echo "usage: $0 start|stop DIR" >&2
        exit 2
    }
    DIR=$(abs_dir "$2")
    [ -d "$DIR" ] && DIR=$(cd "$DIR" && pwd -P)
    case $1 in
    start) do_start ;;
    stop)
        [ -d "$DIR" ] || exit 0
        do_stop "$DIR"
        ;;
    __watchdog) watchdog "$DIR" "$3" ;;
    *)
        echo "usage: $0 start|stop DIR" >&2
        exit 2
        ;;
    esac
}

# One line, parsed before it runs: a long-lived watchdog is not confused if
# this file is edited meanwhile.
{ main "$@"; exit $?; }
