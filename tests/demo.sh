#!/bin/sh
# make demo: the main job on an embedded default. Starts the local mail
# stack (real Postfix + Dovecot) and the ISP-quirk server on loopback, sends
# a router alert through each with the protocol trace on, and prints the
# messages as they were delivered. Everything it starts stops at the end.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
eval "$(make -s env BUILD="${BUILD:-build}")"
LUA=${LUA:-lua5.1}
work=$(mktemp -d /tmp/gwkit-demo.XXXXXX)
chmod 755 "$work"    # the mail stack delivers as nobody
quirk_pid=""
cleanup() {
    [ -n "$quirk_pid" ] && kill "$quirk_pid" 2>/dev/null || true
    bash tests/servers/mailstack.sh stop "$work/mail" >/dev/null 2>&1 || true
    bash tests/servers/webstack.sh stop "$work/web" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# The alert: the router log of the incident gwkit was built for.
alert="$work/alert.txt"
{
    echo "Router alert: the built-in mailer failed."
    echo
    sed -n '/Send Msg: "AUTH/,/Receive Error/p' tests/fixtures/nvr510-mail-error.log
} > "$alert"

say "Starting Postfix + Dovecot on loopback"
bash tests/servers/mailstack.sh start "$work/mail" > /dev/null
# shellcheck disable=SC1091
. "$work/mail/env.sh"
echo "submission $HOST4:$SUBMISSION_PORT (STARTTLS), smtps $HOST4:$SMTPS_PORT"

say "Starting the ISP-quirk server (advertises CRAM-MD5, answers it with 535)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$work/key.pem" -out "$work/cert.pem" -days 1 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
printf '%s\n' 'Secret-42' > "$work/isp.pw"
python3 tests/servers/smtpd_quirk.py --scenario isp --host 127.0.0.1 --port 0 \
    --users 'someone@example.jp:Secret-42' --cert "$work/cert.pem" --key "$work/key.pem" \
    --ready-file "$work/isp.port" --log "$work/isp.log" --spool "$work/isp" \
    --lifetime 120 --quiet </dev/null >"$work/isp.out" 2>&1 &
quirk_pid=$!
i=0; while [ ! -s "$work/isp.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
isp_port=$(cat "$work/isp.port")

say "1. Through the ISP quirk, mechanisms in the router's order (CRAM-MD5 first)"
$LUA scripts/gwmail -s 127.0.0.1 -p "$isp_port" --cafile "$work/cert.pem" \
    -u someone@example.jp --password-file "$work/isp.pw" -m CRAM-MD5,PLAIN,LOGIN \
    -f someone@example.jp -t admin@example.jp --subject "ルータ警告: メール送信失敗" \
    --trace < "$alert"

say "2. Through Postfix (submission, STARTTLS), automatic choice"
printf '%s\n' "$PASS1" > "$work/alice.pw"
$LUA scripts/gwmail -s "$HOST4" -p "$SUBMISSION_PORT" --cafile "$CAFILE" \
    -u "$USER1" --password-file "$work/alice.pw" \
    -f "$USER1" -t "$USER2" --subject "ルータ警告: メール送信失敗" \
    --attach tests/fixtures/nvr510-mail-error.log --trace < "$alert"

say "The message as the ISP-quirk server stored it"
i=0; while [ ! -s "$work/isp/1.eml" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
cat "$work/isp/1.eml"

say "The message as Postfix delivered it"
local_part=${USER2%%@*}
i=0; while [ -z "$(ls "$MAILDIR/$local_part" 2>/dev/null)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
cat "$MAILDIR/$local_part"/*.eml
echo
say "3. The home gateway's PD page, behind HTTP Digest (a real lighttpd)"
bash tests/servers/webstack.sh start "$work/web" > /dev/null
printf '%s\n' 'Gw-pass 1' > "$work/hgw.pw"
$LUA scripts/gwhttp -u user --password-file "$work/hgw.pw" --trace \
    "http://127.0.0.1:$(sed -n 's/^HTTP_PORT=//p' "$work/web/env")/digest-sha256/pd.html" |
    sed -n '/id="pd-table"/,/<\/table>/p'

say "Done: both alerts were delivered (the first after CRAM-MD5 was refused), and the gateway page was read through Digest."

# The jobs built on top: each part starts and stops what it needs, prints
# what happened, and fails the demo if its job did not get done.
cleanup
trap - EXIT INT TERM
rc=0
for part in tests/demo/alerts.sh tests/demo/pd.sh; do
    [ -f "$part" ] || continue
    LUA=$LUA BUILD=${BUILD:-build} sh "$part" || { echo "demo: $part failed" >&2; rc=1; }
done
exit $rc
