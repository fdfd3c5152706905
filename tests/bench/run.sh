#!/bin/sh
# make bench: gwkit side by side with msmtp, swaks, curl, Python and
# LuaSocket + LuaSec, on a real Postfix + Dovecot and a real lighttpd started
# here on loopback. Prints the table and writes tests/bench/RESULTS.md.
# Not a test: nothing here asserts on a figure. Takes a few minutes.
#
# Environment: LUA, BUILD (from make), RUNS (5), DELAY_MS (50), BATCH (100),
# BENCH_STEPS (default: all of smtp batch http rss ir store size startup),
# BENCH_MAIL_BASE (30000), BENCH_WEB_BASE (40000): port bases of the stacks.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BENCH_START=$(date +%s)
export BENCH_START
LUA=${LUA:-lua5.1}
BUILD=${BUILD:-build}
MAIL_BASE=${BENCH_MAIL_BASE:-30000}
WEB_BASE=${BENCH_WEB_BASE:-40000}
NOPIPE_SUBMISSION=$((MAIL_BASE + 1587))
NOPIPE_SMTPS=$((MAIL_BASE + 1465))
LIFETIME=900 # every server started here stops by itself after this

# ---------------------------------------------------------------- peers
need=""
for p in msmtp:msmtp curl:curl swaks:swaks python3:/usr/bin/python3 time:/usr/bin/time \
    valgrind:valgrind hyperfine:hyperfine lua-socket:/usr/share/lua/5.1/socket.lua \
    lua-sec:/usr/share/lua/5.1/ssl.lua binutils:strip strace:strace swatch:swatchdog; do
    pkg=${p%%:*} cmd=${p#*:}
    case $cmd in
    /*) [ -e "$cmd" ] || need="$need $pkg" ;;
    *) command -v "$cmd" >/dev/null 2>&1 || need="$need $pkg" ;;
    esac
done
if [ -n "$need" ]; then
    echo "bench: installing$need" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || true
    # hyperfine is optional (a timed loop replaces it)
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $need >/dev/null ||
        apt-get install -y -q --no-install-recommends ${need/hyperfine/} >/dev/null
fi
PATH=$PATH:/usr/sbin:/sbin

# ---------------------------------------------------------------- servers
BASE=$(mktemp -d /tmp/gwkit-bench.XXXXXX)
chmod 755 "$BASE"
WORK=$BASE/work
mkdir -p "$WORK"
MAIL=$BASE/mail
WEB=$BASE/web
started_mail= started_web=
cleanup() {
    set +e
    [ -n "$started_mail" ] && bash "$TOP/tests/servers/mailstack.sh" stop "$MAIL" >/dev/null 2>&1
    [ -n "$started_web" ] && bash "$TOP/tests/servers/webstack.sh" stop "$WEB" >/dev/null 2>&1
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$BASE"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

echo "bench: starting Postfix + Dovecot and lighttpd in $BASE (logs there)"
started_mail=1
MAILSTACK_PORT_BASE=$MAIL_BASE MAILSTACK_LIFETIME=$LIFETIME \
    bash "$TOP/tests/servers/mailstack.sh" start "$MAIL" >"$BASE/mail.out" 2>&1 ||
    { cat "$BASE/mail.out" >&2; exit 1; }
started_web=1
WEBSTACK_PORT_BASE=$WEB_BASE WEBSTACK_LIFETIME=$LIFETIME \
    bash "$TOP/tests/servers/webstack.sh" start "$WEB" >"$BASE/web.out" 2>&1 ||
    { cat "$BASE/web.out" >&2; exit 1; }

# PIPELINING off: the same submission and smtps services once more on two
# extra ports with smtpd_discard_ehlo_keywords=pipelining, added to the
# master.cf of the stack started above (mailstack.sh itself is unchanged).
# The proxy cannot strip PIPELINING: after STARTTLS and on 465 the EHLO
# reply is encrypted.
cat >>"$MAIL/postfix/master.cf" <<EOF
# -- tests/bench/run.sh: submission and smtps without PIPELINING
127.0.0.1:$NOPIPE_SUBMISSION inet n - n - - smtpd
  -o syslog_name=postfix/submission-nopipe
  -o smtpd_tls_security_level=may
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_recipient_restrictions=\$gw_auth_required_rcpt
  -o smtpd_discard_ehlo_keywords=pipelining
127.0.0.1:$NOPIPE_SMTPS inet n - n - - smtpd
  -o syslog_name=postfix/smtps-nopipe
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_recipient_restrictions=\$gw_auth_required_rcpt
  -o smtpd_discard_ehlo_keywords=pipelining
EOF
postfix -c "$MAIL/postfix" reload >>"$BASE/mail.out" 2>&1
for i in $(seq 100); do
    python3 - "$NOPIPE_SUBMISSION" "$NOPIPE_SMTPS" <<'EOF' && break
import socket, sys
for p in sys.argv[1:]:
    socket.create_connection(("127.0.0.1", int(p)), 1).close()
EOF
    sleep 0.1
done

# ---------------------------------------------------------------- measure
FOOTPRINT_FILE=
if [ -f "$TOP/tests/bench/footprint.sh" ]; then
    FOOTPRINT_FILE=$WORK/footprint.txt
    echo "bench: tests/bench/footprint.sh"
    (cd "$TOP" && LUA=$LUA BUILD=$BUILD timeout 300 sh tests/bench/footprint.sh) >"$FOOTPRINT_FILE" 2>&1 ||
        echo "(footprint.sh failed: exit $?)" >>"$FOOTPRINT_FILE"
fi

eval "$(cd "$TOP" && make -s env BUILD="$BUILD")"
# a private copy of the module: a rebuild during the run must not change it
mkdir -p "$WORK/cpath/gwkit"
cp "$TOP/$BUILD/gwkit/core.so" "$WORK/cpath/gwkit/core.so"
export LUA_CPATH="$WORK/cpath/?.so;;"
# shellcheck disable=SC2086
TOP=$TOP LUA=$LUA BUILD=$BUILD WORK=$WORK MAILENV=$MAIL/env WEBENV=$WEB/env \
    NOPIPE_SUBMISSION=$NOPIPE_SUBMISSION NOPIPE_SMTPS=$NOPIPE_SMTPS \
    FOOTPRINT_FILE=$FOOTPRINT_FILE OUT=$TOP/tests/bench/RESULTS.md \
    timeout 1200 /usr/bin/python3 "$TOP/tests/bench/bench.py" ${BENCH_STEPS:-}
echo "bench: logs of this run were in $BASE (removed; BENCH_KEEP=1 keeps them)"
