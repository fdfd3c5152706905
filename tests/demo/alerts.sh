#!/bin/sh
# make demo, the alerting part (issue 5): gwkitd runs for a short while on
# the embedded default configuration below. It tails a generated router log
# and mail log, detects the router's mail failure (built-in rule
# router_mail_failure) and a burst of submissions from one account
# (send_burst), queues both alerts in the durable outbox while the test mail
# server is stopped, and delivers each exactly once when the server comes
# back. Prints what happened and the delivered mails; exits non-zero if any
# of it did not happen.
#
#   sh tests/demo/alerts.sh
#
# Starts its own Postfix + Dovecot (ports from ALERTS_DEMO_PORT_BASE,
# default 13000) and stops everything it started. Environment: BUILD
# (build dir, default build), LUA (default lua5.1).
set -eu
demo=alerts
# shellcheck source=tests/demo/lib.sh
. "$(dirname "$0")/lib.sh"
stack="$work/mail"
gwkitd_pid=""
cleanup() {
    if [ -n "$gwkitd_pid" ]; then kill "$gwkitd_pid" 2>/dev/null || true; fi
    bash tests/servers/mailstack.sh stop "$stack" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

fail_details() {
    if [ -f "$work/gwkitd.log" ]; then sed 's/^/  gwkitd: /' "$work/gwkitd.log" >&2; fi
}
logged() { grep -q "$1" "$work/gwkitd.log"; }
# count GLOB: how many files match
count() { _c=0; for _f in "$@"; do [ -e "$_f" ] && _c=$((_c + 1)); done; echo "$_c"; }
spooled() { count "$work"/spool/q/*.msg; }
delivered() { count "$MAILDIR"/carol/*.eml; }
both_delivered() { [ "$(delivered)" -ge 2 ]; }
spool_empty() { [ "$(spooled)" = 0 ]; }

say "Starting Postfix + Dovecot on loopback"
MAILSTACK_PORT_BASE=${ALERTS_DEMO_PORT_BASE:-13000}
export MAILSTACK_PORT_BASE
bash tests/servers/mailstack.sh start "$stack" >/dev/null
# shellcheck disable=SC1091
. "$stack/env.sh"
echo "submission $HOST4:$SUBMISSION_PORT (STARTTLS, SASL)"

# The embedded default configuration: two logs, two built-in rules, the
# outbox with one SMTP route, a heartbeat. Short times for a demo.
cat > "$work/gwkitd.conf" <<EOF
-- gwkitd: the demo's configuration (see README, "gwkitd")
return {
  outbox = {
    dir = "$work/spool",
    routes = {
      { smtp = { server = "$HOST4", port = $SUBMISSION_PORT, cafile = "$CAFILE",
                 user = "$USER1", password = os.getenv("DEMO_SMTP_PASSWORD"), timeout = 5 } },
    },
    from = "router-alerts <$USER1>", to = "$RCPT3",
    flush_every = 1, backoff = 1, backoff_max = 2,
  },
  watch = {
    sources = { { file = "$work/router.log" }, { file = "$work/mail.log" } },
    rules = {
      { builtin = "router_mail_failure", batch = 2 },
      { builtin = "send_burst", max = 10, within = 60, batch = 2 },
    },
    state_file = "$work/watch.state",
    tick = 0.5,
  },
  heartbeat = { at = "08:00" },
  log = { stderr = true, syslog = false },
}
EOF
: > "$work/router.log"
: > "$work/mail.log"
say "gwkitd --check"
$LUA scripts/gwkitd --config "$work/gwkitd.conf" --check || fail "the configuration did not check"

say "Stopping Postfix: the alerts will have to wait in the spool"
bash tests/servers/mailstack.sh stop "$stack" >/dev/null

say "Starting gwkitd (at most 60 s)"
DEMO_SMTP_PASSWORD=$PASS1 $LUA scripts/gwkitd --config "$work/gwkitd.conf" --max-seconds 60 \
    </dev/null >"$work/gwkitd.log" 2>&1 &
gwkitd_pid=$!
wait_for 15 logged "started" || fail "gwkitd did not start"
sed -n 's/^/  /; /started/p' "$work/gwkitd.log"

say "The router's mailer fails (the incident of tests/fixtures/nvr510-mail-error.log)"
now=$(date '+%Y/%m/%d %H:%M:%S')
{
    echo "$now: [DHCP6] LAN2: Add IPv6 prefix 2001:db8:1:ff00::/56 via LAN2 by DHCPv6"
    sed -n '/\[MAIL\] Create Service State(mail, ID: 42)/,$p' tests/fixtures/nvr510-mail-error.log |
        sed "s|^[0-9/]* [0-9:]*:|$now:|"
} >> "$work/router.log"
tail -n 4 "$work/router.log" | sed 's/^/  /'

say "An account submits 30 messages within seconds (stolen credentials?)"
i=1
while [ $i -le 30 ]; do
    printf '%s gw postfix/smtpd[%d]: %05X: client=unknown[198.51.100.7], sasl_method=LOGIN, sasl_username=office@example.test\n' \
        "$(LC_ALL=C date '+%b %e %H:%M:%S')" $((4000 + i)) $((40960 + i)) >> "$work/mail.log"
    i=$((i + 1))
done
head -n 2 "$work/mail.log" | sed 's/^/  /'; echo "  ... (30 lines)"

wait_for 20 logged "alert queued (router_mail_failure)" || fail "no alert for the mail failure"
wait_for 20 logged "alert queued (send_burst)" || fail "no alert for the send burst"
wait_for 20 logged "to retry" || fail "the outbox did not try to send"
say "Both alerts are in the spool while the server is down"
grep -E "alert queued|outbox:" "$work/gwkitd.log" | sed 's/^/  /'
echo "  spool: $(spooled) message(s) in $work/spool/q"
[ "$(spooled)" = 2 ] || fail "expected 2 spooled messages, found $(spooled)"

say "Postfix is back"
bash tests/servers/mailstack.sh start "$stack" >/dev/null
wait_for 30 both_delivered || fail "the alerts were not delivered"
wait_for 20 spool_empty || fail "the spool did not empty"
kill -TERM "$gwkitd_pid"
wait "$gwkitd_pid" || fail "gwkitd did not exit with status 0"
gwkitd_pid=""
[ "$(delivered)" = 2 ] || fail "expected 2 delivered mails, found $(delivered)"

say "What gwkitd logged"
sed 's/^/  /' "$work/gwkitd.log"

say "The mails as Postfix delivered them"
for f in "$MAILDIR"/carol/*.eml; do
    echo "---- $(basename "$f")"
    awk '/^$/ { exit } /^(From|To|Subject|Date|Message-ID):/ { keep = 1; print; next }
         /^[ \t]/ && keep { print; next } { keep = 0 }' "$f"
    echo
    sed '1,/^$/d' "$f" | sed -n '1,30p'
done

ids=$(grep -h '^Message-ID:' "$MAILDIR"/carol/*.eml | sort | uniq -c | awk '$1 != 1' | wc -l)
[ "$ids" = 0 ] || fail "a message was delivered more than once"
grep -l '^Subject: router mail failure' "$MAILDIR"/carol/*.eml >/dev/null || fail "no mail-failure alert delivered"
grep -l '^Subject: send burst: user office@example.test' "$MAILDIR"/carol/*.eml >/dev/null ||
    fail "no send-burst alert delivered"
say "Done: both alerts waited in the spool while the server was down and arrived exactly once."
