#!/bin/sh
# make demo, the PD-monitor part: an emulated PR-600MI home gateway
# (tests/servers/hgw_emu.py) and three emulated client routers
# (hgw_client.py) that took their /60s in the wrong order. pd-monitor shows
# its plan (--dry-run), repairs the drift (release in reverse order, rebind
# one at a time in the designed order) and mails the report through the
# outbox into the real Postfix. Exits non-zero unless the repair happened
# and the report was delivered.
#
#   sh tests/demo/pd.sh [MAILSTACK_DIR]
#
# With MAILSTACK_DIR (a mail stack already started by tests/servers/
# mailstack.sh, as tests/demo.sh does) it mails there; otherwise it starts
# its own (ports from PD_DEMO_PORT_BASE, default 12000) and stops it again.
# Environment: BUILD (build dir, default build), LUA (default lua5.1).
set -eu
demo=pd
# shellcheck source=tests/demo/lib.sh
. "$(dirname "$0")/lib.sh"
emu_pid=""
own_stack=""
cleanup() {
    if [ -n "$emu_pid" ]; then kill "$emu_pid" 2>/dev/null || true; fi
    if [ -n "$own_stack" ]; then bash tests/servers/mailstack.sh stop "$own_stack" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT INT TERM

if [ $# -ge 1 ] && [ -n "$1" ]; then
    mail=$1
else
    say "Starting Postfix + Dovecot on loopback (for the report)"
    own_stack="$work/mail"
    MAILSTACK_PORT_BASE=${PD_DEMO_PORT_BASE:-12000} bash tests/servers/mailstack.sh start "$own_stack" >/dev/null
    mail=$own_stack
fi
# shellcheck disable=SC1091
. "$mail/env.sh"

say "Starting the emulated home gateway (PR-600MI, Digest login, /56 2001:db8:1234:5600::/56)"
printf '%s\n' 'Gw-pass 1' > "$work/gw.pw"
python3 tests/servers/hgw_emu.py --host 127.0.0.1 --port 0 --ready-file "$work/emu.port" \
    --log "$work/emu.log" --password-file "$work/gw.pw" --mac 00:00:5e:00:53:01 \
    --lifetime 180 </dev/null >"$work/emu.out" 2>&1 &
emu_pid=$!
wait_for 10 test -s "$work/emu.port" || fail "the gateway emulator did not start: $(cat "$work/emu.out")"
emu="http://127.0.0.1:$(cat "$work/emu.port")"

client() {   # client NAME INDEX VERB: one emulated router's DHCPv6-PD client
    python3 "$top/tests/servers/hgw_client.py" --emu "$emu" --name "$1" \
        --duid "00:03:00:01:02:00:5e:10:00:0$2" --state "$work/$1.state" "$3"
}
leases() {
    python3 - "$emu" <<'EOF'
import json, sys, urllib.request
st = json.load(urllib.request.urlopen(sys.argv[1] + "/__emu/state", timeout=10))
for l in st["leases"]:
    print("  %-8s %s" % (l["client"], l["prefix"]))
EOF
}

say "The routers took their /60s in the wrong order (debian first, then nvr510, then openwrt)"
client debian 3 bind >/dev/null
client nvr510 1 bind >/dev/null
client openwrt 2 bind >/dev/null
leases

cat > "$work/pd-monitor.conf" <<EOF
-- The design: nvr510 holds ...10::/60, openwrt ...20::/60, debian ...30::/60.
local function router(name, index)
  local function cmd(verb)
    return ("python3 $top/tests/servers/hgw_client.py --emu $emu --name %s "
      .. "--duid 00:03:00:01:02:00:5e:10:00:0%d --state $work/%s.state %s"):format(name, index, name, verb)
  end
  return { name = name, index = index, duid = ("00:03:00:01:02:00:5e:10:00:0%d"):format(index),
           read = { command = cmd("show"), pattern = "prefix (%x[%x:]*/%d+)" },
           release = cmd("release"), rebind = cmd("bind"), rebind_timeout = 10, poll = 0.2 }
end
return {
  gateway = { model = "pr600mi", address = "127.0.0.1:$(cat "$work/emu.port")",
              password_file = "$work/gw.pw", discover = { "address" } },
  clients = { router("nvr510", 1), router("openwrt", 2), router("debian", 3) },
  state_file = "$work/pd.state",
  report = {
    subject = "router pd-monitor $(basename "$work")",
    outbox = { dir = "$work/outbox", from = "$USER1", to = { "$RCPT3" },
               routes = { { smtp = { server = "$HOST4", port = $SUBMISSION_PORT, cafile = "$CAFILE",
                                     user = "$USER1", password = "$PASS1", timeout = 10 } } } },
  },
}
EOF

say "pd-monitor --dry-run: the plan, nothing run"
set +e
$LUA scripts/pd-monitor -c "$work/pd-monitor.conf" --dry-run
rc=$?
set -e
echo "(exit $rc: a repair is planned)"
[ $rc -eq 1 ] || fail "--dry-run exited $rc, expected 1"

say "pd-monitor: release in reverse order, rebind one at a time in the designed order"
set +e
$LUA scripts/pd-monitor -c "$work/pd-monitor.conf"
rc=$?
set -e
echo "(exit $rc)"
[ $rc -eq 1 ] || fail "pd-monitor exited $rc, expected 1 (repaired)"

say "The gateway's lease table now"
leases
leases | grep -q "nvr510 *2001:db8:1234:5610::/60" || fail "nvr510 does not hold 2001:db8:1234:5610::/60"
leases | grep -q "openwrt *2001:db8:1234:5620::/60" || fail "openwrt does not hold 2001:db8:1234:5620::/60"
leases | grep -q "debian *2001:db8:1234:5630::/60" || fail "debian does not hold 2001:db8:1234:5630::/60"

say "The report as Postfix delivered it"
local_part=${RCPT3%%@*}
subject="Subject: router pd-monitor $(basename "$work"): repaired"
i=0; found=""
while [ -z "$found" ] && [ $i -lt 100 ]; do
    found=$(grep -l -F "$subject" "$MAILDIR/$local_part"/*.eml 2>/dev/null | tail -1 || true)
    [ -n "$found" ] || sleep 0.1
    i=$((i + 1))
done
[ -n "$found" ] || fail "the report did not arrive in $MAILDIR/$local_part"
cat "$found"

say "Done: the drift was repaired in the designed order and the report was mailed."
