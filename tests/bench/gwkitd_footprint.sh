#!/bin/sh
# gwkitd at run time, for tests/bench/footprint.sh: peak RSS idle and after
# sending one alert, CPU and system calls over an idle minute, and bytes
# written to disk while nothing happens; under lua5.1 and LuaJIT, beside
# swatch (Debian's swatchdog, a Perl log watcher reading `tail -F`) idle on
# the same kind of file. Prints the table on stdout, nothing on stderr.
#
#   sh tests/bench/gwkitd_footprint.sh   # BUILD (build), FP_IDLE_SECONDS (60),
#                                        # FP_KEEP=1: keep the work directory
#
# gwkitd runs tests/bench/gwkitd_footprint.conf (one followed log, the
# built-in rules, an outbox with one SMTP route, a heartbeat at a time the
# run does not reach) against its own tests/servers/smtpd_quirk.py (scenario
# normal: STARTTLS with a self-signed certificate made here, AUTH; port 0 on
# 127.0.0.1, so no fixed port is taken). The three measurements run at the
# same time, each figure of its own processes: about FP_IDLE_SECONDS + 20 s
# in all. Figures come from /proc/PID/{stat,status,io} and `strace -c`.
# Every process started here has a lifetime (--max-seconds, --lifetime,
# timeout) and is killed on exit. Builds $BUILD and $BUILD-luajit.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
BUILD=${BUILD:-build}
IDLE=${FP_IDLE_SECONDS:-60}
HZ=$(getconf CLK_TCK)
work=$(mktemp -d /tmp/gwkit-gwkitd-fp.XXXXXX)
log=$work/log
jobs=""
# shellcheck disable=SC2317  # (run by the trap)
cleanup() {
    for p in $jobs; do kill "$p" 2>/dev/null; done
    # strace first, with KILL (the kernel then detaches its tracees): an
    # strace told to stop while gwkitd forks (its outbox lists the spool
    # with `ls` when it stops) can hang, and so would gwkitd with it
    for f in "$work"/*/*.spid "$work"/*/m/*.spid; do
        [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
    done
    for f in "$work"/*/*.pid "$work"/*/m/*.pid; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    [ -n "${FP_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---------------------------------------------------------------- helpers
# wait_for TENTHS CMD...: until CMD succeeds, at most TENTHS tenths of a second
wait_for() {
    n=$1; shift
    while [ "$n" -gt 0 ]; do
        "$@" 2>/dev/null && return 0
        sleep 0.1; n=$((n - 1))
    done
    return 1
}
# ticks PID...: utime + stime (fields 14 and 15 of /proc/PID/stat), summed
ticks() {
    t=0
    for p in "$@"; do
        v=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }')
        t=$((t + ${v:-0}))
    done
    echo $t
}
# field FILE KEY PID...: the number after "KEY:" in /proc/PID/FILE, summed
field() {
    f=$1 k=$2; shift 2
    t=0
    for p in "$@"; do
        v=$(awk -v k="$k:" '$1 == k { print $2 }' "/proc/$p/$f" 2>/dev/null)
        t=$((t + ${v:-0}))
    done
    echo $t
}
# tree PID: PID and its descendants
tree() {
    echo "$1"
    for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do tree "$c"; done
}
# files DIR: every entry below DIR (directories too) with size and mtime
files() { find "$1" -printf '%p %s %T@\n' 2>/dev/null | sort; }
changed() {   # changed BEFORE AFTER: "N of M" entries that differ
    n=$(sort "$1" "$2" | uniq -u | awk '{ print $1 }' | sort -u | wc -l)
    echo "$n of $(wc -l < "$2" | tr -d ' ')"
}
cpu() {       # cpu TICKS: "0.02 s (0.03 %)" for the idle period
    awk -v t="$1" -v hz="$HZ" -v s="$IDLE" 'BEGIN { printf "%.2f s (%.3f %%)", t / hz, 100 * t / hz / s }'
}
perhour() {   # perhour BYTES: "N B in 60 s (N B/h)"
    awk -v b="$1" -v s="$IDLE" 'BEGIN { printf "%d B in %d s (%d B/h)", b, s, b * 3600 / s }'
}
# syscalls FILE: "waits / stats / all" from a `strace -c` summary (strace
# prints no table when it saw no call; FILE.rc "ran": it ran its whole time)
syscalls() {
    [ "$(cat "$1.rc" 2>/dev/null)" = ran ] || { echo "n/a"; return; }
    awk '$NF == "total" { all = $4; next }
         $NF ~ /^(e?poll|ppoll|e?poll_p?wait|p?select6?|nanosleep|clock_nanosleep|read|restart_syscall)$/ { w += $4 }
         $NF ~ /stat/ { s += $4 }
         END { printf "%d / %d / %d", w, s, all }' "$1"
}
# strace_start OUT PID...: count the system calls of PID... until
# strace_wait OUT. strace ends by itself when they end (each has a lifetime).
strace_start() {
    if command -v strace >/dev/null 2>&1; then
        out=$1 a=""
        shift
        for p in "$@"; do a="$a -p $p"; done
        # shellcheck disable=SC2086
        strace -c -f $a -o "$out" >/dev/null 2>&1 &
        echo $! > "$out.spid"
    fi
}
strace_wait() {    # strace_wait OUT: stop it (it writes its table); OUT.rc
    [ -f "$1.spid" ] || return 0
    p=$(cat "$1.spid")
    if kill -INT "$p" 2>/dev/null; then echo ran > "$1.rc"; else echo ended > "$1.rc"; fi
    wait "$p"
    rm -f "$1.spid"
}
W="38 13 17 34 23 13 27"   # column widths of the table
row() {
    for w in $W; do printf '| %-*s ' "$w" "$1"; shift; done
    echo '|'
}
rule() {
    for w in $W; do printf '|%s' "$(printf '%*s' $((w + 2)) '' | tr ' ' -)"; done
    echo '|'
}
kb() { echo "$1 kB"; }
# has_tail PID: a tail process among PID's descendants
# shellcheck disable=SC2317  # (run by wait_for)
has_tail() { for p in $(tree "$1"); do ps -o comm= -p "$p"; done | grep -qx tail; }

# ---------------------------------------------------------------- gwkitd
pass=fp-$$-Secret
hb=$(date -d '+12 hours' +%H:%M)
# gwkitd_run NAME LUA: one row for gwkitd under LUA (core.so from $work/NAME)
gwkitd_run() {
    name=$1 lua=$2 d=$work/$1
    mkdir -p "$d/quirk" "$d/var"
    : > "$d/router.log"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$d/quirk/key.pem" -out "$d/quirk/cert.pem" -days 2 -subj /CN=localhost \
        -addext subjectAltName=IP:127.0.0.1 >>"$d/log" 2>&1
    python3 tests/servers/smtpd_quirk.py --scenario normal --host 127.0.0.1 --port 0 \
        --ready-file "$d/quirk/port" --log "$d/quirk/log" --spool "$d/quirk" \
        --lifetime $((IDLE + 90)) --users "router@example.jp:$pass" \
        --cert "$d/quirk/cert.pem" --key "$d/quirk/key.pem" --quiet </dev/null >>"$d/log" 2>&1 &
    echo $! > "$d/quirk.pid"
    fail() { row "gwkitd, $name" "failed: $1 (see below)" "" "" "" "" ""; tail -n 5 "$d/gwkitd.out" "$d/log" > "$d/why" 2>/dev/null; }
    wait_for 100 test -s "$d/quirk/port" || { fail "the mail server did not start"; return; }
    FP_DIR=$d FP_PORT=$(cat "$d/quirk/port") FP_HEARTBEAT=$hb GWKIT_SMTP_PASSWORD=$pass \
        LUA_CPATH="$d/cpath/?.so;;" "$lua" scripts/gwkitd --config tests/bench/gwkitd_footprint.conf \
        --max-seconds $((IDLE + 60)) </dev/null >"$d/gwkitd.out" 2>&1 &
    pid=$!
    echo $pid > "$d/gwkitd.pid"
    wait_for 100 grep -q ' started ' "$d/gwkitd.out" || { fail "gwkitd did not start"; return; }
    sleep 2     # the look at the spool and the first look at the log, at start
    t0=$(ticks $pid) w0=$(field io write_bytes $pid)
    files "$d/var" > "$d/files0"
    strace_start "$d/strace" $pid
    sleep "$IDLE"
    t1=$(ticks $pid) w1=$(field io write_bytes $pid)
    hwm_idle=$(field status VmHWM $pid)
    files "$d/var" > "$d/files1"
    strace_wait "$d/strace"
    kill -0 $pid 2>/dev/null || { fail "gwkitd stopped while idle"; return; }
    # Send: the router's mailer fails (tests/fixtures/nvr510-mail-error.log,
    # stamped now); router_mail_failure fires after its 2 s batch.
    w2=$(field io write_bytes $pid)
    now=$(date '+%Y/%m/%d %H:%M:%S')
    sed -n '/\[MAIL\] Create Service State(mail, ID: 42)/,$p' tests/fixtures/nvr510-mail-error.log |
        sed "s|^[0-9/]* [0-9:]*:|$now:|" >> "$d/router.log"
    wait_for 300 grep -q 'outbox: 1 sent' "$d/gwkitd.out" || { fail "the alert was not sent"; return; }
    hwm_send=$(field status VmHWM $pid) w3=$(field io write_bytes $pid)
    kill -TERM $pid; wait $pid; rm -f "$d/gwkitd.pid"
    kill "$(cat "$d/quirk.pid")" 2>/dev/null; wait "$(cat "$d/quirk.pid")"; rm -f "$d/quirk.pid"
    eml=$(find "$d/quirk" -name '*.eml' | sort | head -n 1)
    if [ -n "$eml" ] && grep -q '^Subject: router mail failure' "$eml"; then
        sent=$(kb "$hwm_send")
        python3 -c 'import json, sys
e = json.load(open(sys.argv[2]))
print("%s: the alert arrived in the mail server'\''s spool: %s bytes, %s, AUTH %s, %s" % (sys.argv[1],
      e.get("size"), e.get("tls_version"), e.get("mechanism"), e.get("final_reply")))' \
            "$name" "${eml%.eml}.json" > "$d/note" 2>>"$d/log"
        echo "$name: write_bytes from the lines' arrival until the alert was sent: $((w3 - w2)) B (the counter at work: the alert is spooled and fsynced, log lines; whole pages)" >> "$d/note"
    else
        sent="no mail arrived"
    fi
    row "gwkitd, $name" "$(kb "$hwm_idle")" "$(cpu $((t1 - t0)))" "$(syscalls "$d/strace")" \
        "$(perhour $((w1 - w0)))" "$(changed "$d/files0" "$d/files1")" "$sent"
}

# ---------------------------------------------------------------- swatch
swatch_run() {
    d=$work/swatch m=$work/swatch/m    # m: the measurements, not looked at
    mkdir -p "$m"
    : > "$d/router.log"
    if ! command -v swatchdog >/dev/null 2>&1; then
        row "swatchdog" "not installed (apt-get install swatch)" "" "" "" "" ""
        return
    fi
    cat > "$d/swatchrc" <<'EOF'
watchfor /\[MAIL\].*Error/
    mail addresses=root,subject=router mail failure
    threshold type=limit,count=1,seconds=60
EOF
    timeout $((IDLE + 30)) swatchdog --config-file "$d/swatchrc" --tail-file "$d/router.log" \
        --script-dir "$d" </dev/null >"$d/out" 2>&1 &
    echo $! > "$m/timeout.pid"
    top_pid=$!
    # swatchdog, the script it writes and runs, and the tail -F it reads
    wait_for 100 has_tail "$top_pid" || { row "swatchdog" "did not start" "" "" "" "" ""; return; }
    sleep 2
    pids=$(tree "$top_pid" | sed 1d)
    [ -n "$pids" ] || { row "swatchdog" "did not start" "" "" "" "" ""; return; }
    # shellcheck disable=SC2086
    t0=$(ticks $pids) w0=$(field io write_bytes $pids)
    files "$d" | grep -v "^$m" > "$m/files0"
    # shellcheck disable=SC2086
    strace_start "$m/strace" $pids
    sleep "$IDLE"
    # shellcheck disable=SC2086
    t1=$(ticks $pids) w1=$(field io write_bytes $pids)
    # shellcheck disable=SC2086
    hwm=$(field status VmHWM $pids)
    parts=$(for p in $pids; do echo "$(ps -o args= -p "$p" | cut -c1-40) $(field status VmHWM "$p") kB"; done)
    files "$d" | grep -v "^$m" > "$m/files1"
    strace_wait "$m/strace"
    kill "$top_pid" 2>/dev/null; wait "$top_pid"; rm -f "$m/timeout.pid"
    echo "swatchdog: processes measured (summed), peak RSS each:" > "$d/note"
    echo "$parts" | sed 's/^/  /' >> "$d/note"
    row "swatchdog $(swatchdog --version 2>/dev/null | awk '/version/ { print $NF }') (perl + tail -F)" \
        "$(kb "$hwm")" "$(cpu $((t1 - t0)))" "$(syscalls "$m/strace")" \
        "$(perhour $((w1 - w0)))" "$(changed "$m/files0" "$m/files1")" "n/a (mails via an MTA)"
}

# ---------------------------------------------------------------- run
{
    make -s BUILD="$BUILD" "$BUILD/gwkit/core.so"
    make -s BUILD="$BUILD-luajit" LUA_PC=luajit "$BUILD-luajit/gwkit/core.so"
} >>"$log" 2>&1
names=""
for rt in lua5.1:"$BUILD" luajit:"$BUILD-luajit"; do
    lua=${rt%%:*} b=${rt#*:}
    if ! command -v "$lua" >/dev/null 2>&1 || [ ! -f "$b/gwkit/core.so" ]; then
        row "gwkitd, $lua" "not run: no $lua or no $b/gwkit/core.so" "" "" "" "" "" > "$work/$lua.row"
        names="$names $lua"
        continue
    fi
    # a private copy: a rebuild during the run must not change it
    mkdir -p "$work/$lua/cpath/gwkit"
    cp "$b/gwkit/core.so" "$work/$lua/cpath/gwkit/core.so"
    names="$names $lua"
    (trap - EXIT INT TERM HUP; gwkitd_run "$lua" "$lua") > "$work/$lua.row" 2>>"$log" &
    jobs="$jobs $!"
done
(trap - EXIT INT TERM HUP; swatch_run) > "$work/swatch.row" 2>>"$log" &
jobs="$jobs $!"
for p in $jobs; do wait "$p"; done
jobs=""

echo "gwkitd at run time (tests/bench/gwkitd_footprint.sh, config tests/bench/gwkitd_footprint.conf):"
echo "one followed log file, the 5 built-in rules, an outbox with one SMTP route (STARTTLS + AUTH PLAIN to"
echo "tests/servers/smtpd_quirk.py on 127.0.0.1), heartbeat at $hb (not reached during the run); defaults"
echo "otherwise: watch.interval 1 s (the followed file is looked at once a second), watch.tick 5 s."
echo "Idle: ${IDLE} s with nothing written to the followed log, starting 2 s after \"started\"."
echo "Peak RSS = VmHWM (/proc/PID/status); CPU = utime + stime (/proc/PID/stat, CLK_TCK $HZ) over the ${IDLE} s;"
echo "system calls over the same ${IDLE} s by strace -c -f -p (waits = poll/select/sleep/read calls, each"
echo "one wakeup at most; stats = stat family); disk writes = write_bytes (/proc/PID/io) over the ${IDLE} s,"
echo "per hour = that figure x $((3600 / IDLE)); files changed = entries of the spool/state dirs (swatch: its"
echo "directory) whose size or mtime changed in the ${IDLE} s. After sending: VmHWM once one router_mail_failure"
echo "alert (the lines of tests/fixtures/nvr510-mail-error.log appended) was delivered. The rows ran at the"
echo "same time (from footprint.sh: beside its builds); each figure is of that row's own processes."
command -v strace >/dev/null 2>&1 || echo "(strace is not installed: no system call counts; apt-get install strace)"
echo "Versions: $(lua5.1 -v 2>&1 | awk '{ print $1, $2 }'); $(luajit -v 2>/dev/null | awk '{ print $1, $2 }');" \
    "perl $(perl -e 'printf "%vd", $^V' 2>/dev/null)."
echo
row "process" "peak RSS idle" "CPU idle" "syscalls idle: waits / stats / all" "disk writes idle" \
    "files changed" "peak RSS after 1 alert sent"
rule
for n in $names swatch; do cat "$work/$n.row"; done
echo
for n in $names swatch; do
    [ -f "$work/$n/note" ] && cat "$work/$n/note"
    [ -f "$work/$n/why" ] && sed "s|^|$n: |" "$work/$n/why"
done
exit 0
