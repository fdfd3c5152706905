#!/usr/bin/env python3
"""gwkit benchmarks (driven by tests/bench/run.sh; not a test: no assertion
on any figure). Measures gwkit and its peers on the servers run.sh started,
prints the table and writes tests/bench/RESULTS.md.

Environment (set by run.sh): TOP, LUA, BUILD, WORK, MAILENV, WEBENV,
NOPIPE_SUBMISSION, NOPIPE_SMTPS, RUNS (5), DELAY_MS (50), OUT."""
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

TOP = os.environ["TOP"]
LUA = os.environ.get("LUA", "lua5.1")
BUILD = os.environ.get("BUILD", "build")
WORK = os.environ["WORK"]
RUNS = int(os.environ.get("RUNS", "5"))
D = float(os.environ.get("DELAY_MS", "50"))
OUT = os.environ.get("OUT", os.path.join(TOP, "tests/bench/RESULTS.md"))
PY = "/usr/bin/python3"   # Debian's Python (the peer), not whatever is first on PATH
PEERS = os.path.join(TOP, "tests/bench/peers")
LOG = open(os.path.join(WORK, "bench.log"), "a", buffering=1)


def envfile(path):
    out = {}
    for line in open(path):
        if "=" in line:
            k, v = line.rstrip("\n").split("=", 1)
            out[k] = v
    return out


M = envfile(os.environ["MAILENV"])
W = envfile(os.environ["WEBENV"])
CA = M["CAFILE"]
USER, PASS, FROM, TO = M["USER1"], M["PASS1"], M["USER1"], M["USER2"]
PORTS = {("starttls", True): int(M["SUBMISSION_PORT"]), ("tls", True): int(M["SMTPS_PORT"]),
         ("starttls", False): int(os.environ["NOPIPE_SUBMISSION"]),
         ("tls", False): int(os.environ["NOPIPE_SMTPS"])}
MSG = os.path.join(WORK, "msg.eml")
with open(MSG, "wb") as f:
    f.write(b"From: " + FROM.encode() + b"\r\nTo: " + TO.encode() + b"\r\nSubject: gwkit bench\r\n"
            b"Date: Thu, 1 Jan 2026 00:00:00 +0000\r\nMessage-ID: <bench@example.test>\r\n"
            b"\r\ngwkit bench alert: PD prefix changed on lan2\r\n")
PWFILE = os.path.join(WORK, "pw")
with open(PWFILE, "w") as f:
    f.write(PASS + "\n")
os.chmod(PWFILE, 0o600)
BASE_ENV = dict(os.environ, GWMAIL_PASSWORD=PASS, GWHTTP_PASSWORD=W["PASS"])


def log(*a):
    LOG.write(" ".join(str(x) for x in a) + "\n")


def say(*a):
    print(*a, flush=True)
    log(*a)


# ------------------------------------------------------------------ proxies
PROXIES = {}
PROCS = []


def proxy(target_port, delay):
    key = (target_port, delay)
    if key in PROXIES:
        return PROXIES[key]
    ready = os.path.join(WORK, "proxy-%d-%g.port" % key)
    plog = os.path.join(WORK, "proxy-%d-%g.log" % key)
    p = subprocess.Popen([PY, os.path.join(TOP, "tests/bench/delayproxy.py"),
                          "--target", "127.0.0.1:%d" % target_port, "--delay-ms", str(delay),
                          "--ready-file", ready, "--log", plog, "--lifetime", "900"],
                         stdin=subprocess.DEVNULL, stdout=LOG, stderr=LOG)
    PROCS.append(p)
    for _ in range(200):
        if os.path.exists(ready):
            break
        time.sleep(0.05)
    port = int(open(ready).read())
    PROXIES[key] = port
    return port


def run(cmd, stdin=None, timeout=180, quiet_fail=False, env=None):
    """Runs cmd (env: extra variables); returns seconds of wall time, or None
    if it failed."""
    t = time.monotonic()
    try:
        r = subprocess.run(cmd, stdin=open(stdin, "rb") if stdin else subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=dict(BASE_ENV, **(env or {})), timeout=timeout)
    except subprocess.TimeoutExpired:
        log("TIMEOUT", cmd)
        return None
    dt = time.monotonic() - t
    if r.returncode != 0:
        log("FAILED rc=%d" % r.returncode, cmd, r.stderr.decode(errors="replace")[-600:])
        return None
    return dt


# ------------------------------------------------------------------ clients
def gwmail(mode, port, mech="PLAIN", tree=TOP, cafile=CA):
    """gwmail of `tree` (TOP, or the bytecode tree: its gwmail loads the Lua
    files beside it); cafile None: the system store."""
    c = [LUA, os.path.join(tree, "scripts/gwmail"), "-s", "127.0.0.1", "-p", str(port),
         "--tls", mode, "-u", USER, "-f", FROM, "-t", TO, "--raw"]
    if cafile:
        c += ["--cafile", cafile]
    if mech:
        c += ["-m", mech]
    return c, MSG


# The Lua files compiled with luac5.1 -s (PUC Lua 5.1 bytecode, stripped):
# what `make install LUAC=luac5.1` would install (see RESULTS.md).
BYTECODE = os.path.join(WORK, "bytecode")


def make_bytecode():
    if os.path.isdir(BYTECODE):
        return
    for d, _, files in os.walk(os.path.join(TOP, "lua")):
        for f in files:
            if f.endswith(".lua"):
                src = os.path.join(d, f)
                dst = os.path.join(BYTECODE, "lua", os.path.relpath(src, os.path.join(TOP, "lua")))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                subprocess.run(["luac5.1", "-s", "-o", dst, src], check=True)
    os.makedirs(os.path.join(BYTECODE, "scripts"), exist_ok=True)
    shutil.copy(os.path.join(TOP, "scripts/gwmail"), os.path.join(BYTECODE, "scripts/gwmail"))


# A system CA store that trusts the test CA: Debian's hashed directory and
# bundle, copied, with the test CA added (the host's /etc/ssl is not touched).
STORE = os.path.join(WORK, "store")
STORE_DIR, STORE_FILE = os.path.join(STORE, "certs"), os.path.join(STORE, "ca-certificates.crt")
SYSTEM_STORE = {"SSL_CERT_DIR": STORE_DIR, "SSL_CERT_FILE": STORE_FILE}
BUNDLE_ONLY = {"SSL_CERT_DIR": os.path.join(STORE, "empty"), "SSL_CERT_FILE": STORE_FILE}


def make_store():
    if os.path.isdir(STORE):
        return
    os.makedirs(STORE_DIR)
    os.makedirs(os.path.join(STORE, "empty"))
    for f in os.listdir("/etc/ssl/certs"):
        src = os.path.join("/etc/ssl/certs", f)
        if f.endswith(".pem") and os.path.isfile(src):
            shutil.copy(src, os.path.join(STORE_DIR, f))
    shutil.copy(CA, os.path.join(STORE_DIR, "gwkit-bench-ca.pem"))
    subprocess.run(["openssl", "rehash", STORE_DIR], stdout=LOG, stderr=LOG, check=True)
    with open(STORE_FILE, "wb") as out:
        out.write(open("/etc/ssl/certs/ca-certificates.crt", "rb").read())
        out.write(open(CA, "rb").read())


def store_size():
    return open(STORE_FILE).read().count("BEGIN CERTIFICATE")


def msmtp(mode, port, trust=CA):
    return (["msmtp", "--host=127.0.0.1", "--port=%d" % port, "--tls=on",
             "--tls-starttls=" + ("on" if mode == "starttls" else "off"),
             "--tls-trust-file=" + trust, "--auth=plain", "--user=" + USER,
             "--passwordeval=cat " + PWFILE, "--from=" + FROM, "--domain=localhost", TO], MSG)


def swaks(mode, port, pipelining=True):
    c = ["swaks", "--server", "127.0.0.1:%d" % port, "--tls" if mode == "starttls" else "--tlsc",
         "--tls-verify", "--tls-ca-path", CA, "--auth", "PLAIN", "--auth-user", USER,
         "--auth-password", PASS, "--from", FROM, "--to", TO, "--data", "@" + MSG,
         "--helo", "localhost", "--silent", "2"]
    if pipelining:
        c.append("--pipeline")
    return c, None


def smtplib(mode, port, count=1, how="session", cafile=CA):
    return ([PY, os.path.join(PEERS, "smtplib_send.py"), mode, "127.0.0.1", str(port), cafile,
             USER, PASS, FROM, TO, MSG, str(count), how], None)


def luasocket(mode, port, cafile=CA):
    return (["lua5.1", os.path.join(PEERS, "luasocket_send.lua"), mode, "127.0.0.1", str(port),
             cafile, USER, PASS, FROM, TO, MSG], None)


def curl_smtp(mode, port):
    """curl's SMTP client (libcurl, OpenSSL): STARTTLS required or implicit TLS,
    AUTH PLAIN with its initial response (--sasl-ir); the EHLO name from the URL."""
    scheme = "smtp" if mode == "starttls" else "smtps"
    return (["curl", "-sS", "--url", "%s://127.0.0.1:%d/localhost" % (scheme, port), "--ssl-reqd",
             "--cacert", CA, "--user", USER + ":" + PASS, "--login-options", "AUTH=PLAIN",
             "--sasl-ir", "--mail-from", FROM, "--mail-rcpt", TO, "--upload-file", MSG], None)


# tests/bench/peers/tls_floor.c, built here: the TLS of one send and nothing
# else (greeting, EHLO, STARTTLS, a verified handshake, QUIT), in C.
FLOOR = os.path.join(WORK, "tls_floor")


def tls_floor(port):
    if not os.path.exists(FLOOR):
        subprocess.run(["cc", "-O2", "-o", FLOOR, os.path.join(PEERS, "tls_floor.c"),
                        "-lssl", "-lcrypto"], stdout=LOG, stderr=LOG, check=True)
    return [FLOOR, "127.0.0.1", str(port), CA], None


SMTP_CLIENTS = [
    ("gwkit (gwmail -m PLAIN)", lambda m, p, pl: gwmail(m, p)),
    ("gwkit (gwmail, automatic: SCRAM-SHA-256)", lambda m, p, pl: gwmail(m, p, None)),
    ("msmtp", lambda m, p, pl: msmtp(m, p)),
    ("curl (smtp://, --sasl-ir)", lambda m, p, pl: curl_smtp(m, p)),
    ("swaks (--pipeline when offered)", lambda m, p, pl: swaks(m, p, pl)),
    ("Python smtplib", lambda m, p, pl: smtplib(m, p)),
    ("LuaSocket + LuaSec script", lambda m, p, pl: luasocket(m, p)),
]


def stats(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return statistics.median(xs), min(xs), max(xs), len(xs)


def num_or_failed(x, nd=1, unit=" M"):
    return "failed" if x is None else ("%%.%df" % nd) % x + unit


def fmt(st, nd=1, unit=""):
    if not st:
        return "failed"
    med, lo, hi, n = st
    f = "%%.%df" % nd
    s = (f % med) + unit + " (" + (f % lo) + "–" + (f % hi) + ")"
    if n < RUNS:
        s += " [%d ok]" % n
    return s


def counted_round_trips(text):
    """Round trips on the client's critical path, from the proxy's log of
    the connections of one run (see delayproxy.py): per connection one for
    the (emulated) TCP handshake, plus every flight of server segments that
    the client waited for, i.e. that was followed by client data (or the
    client's close) arriving no earlier than its delivery (D/2 later)."""
    conns = {}
    for line in text.splitlines():
        f = line.split(None, 4)
        if len(f) < 4 or f[0].startswith("#") or f[2] not in ("C", "S"):
            continue
        conns.setdefault(f[1], []).append((float(f[0]), f[2]))
    total = 0
    for segs in conns.values():
        flights = []
        for t, d in segs:
            if flights and flights[-1][0] == d:
                flights[-1][2] = t
            else:
                flights.append([d, t, t])
        rt = 1
        for i, (d, first, last) in enumerate(flights):
            if d == "S" and i + 1 < len(flights) and flights[i + 1][1] >= last + D / 2 - 1.0:
                rt += 1
        total += rt
    return total


def round_trips(cmd_for, target_port, count=1, runs=RUNS, rates=None):
    """Per run, through the proxy: the round trips counted in its log at D,
    and the wall-time estimate (wall at D - wall at D = 0) / D; per message.
    rates (a list) gets count / (wall time at D) of each run."""
    p0, pd = proxy(target_port, 0), proxy(target_port, D)
    plog = os.path.join(WORK, "proxy-%d-%g.log" % (target_port, D))
    out, est = [], []
    for _ in range(runs):
        c0, s0 = cmd_for(p0)
        cd, sd = cmd_for(pd)
        t0 = run(c0, s0)
        off = os.path.getsize(plog)
        td = run(cd, sd)
        time.sleep(0.1)
        with open(plog) as f:
            f.seek(off)
            counted = counted_round_trips(f.read())
        if rates is not None:
            rates.append(count / td if td else None)
        if t0 is None or td is None:
            out.append(None)
            est.append(None)
        else:
            out.append(counted / count)
            est.append((td - t0) * 1000.0 / D / count)
        log("rt", cmd_for(pd)[0][:3], target_port, count, out[-1], est[-1])
    return stats(out), stats(est)


RESULTS = {}


# ------------------------------------------------------------------ 1: SMTP round trips
def bench_smtp_rt():
    say("== SMTP round trips per message (D = %g ms)" % D)
    rows = []
    for name, mk in SMTP_CLIENTS:
        row = [name]
        for mode, pl in (("starttls", True), ("starttls", False), ("tls", True), ("tls", False)):
            st, est = round_trips(lambda port, mk=mk, mode=mode, pl=pl: mk(mode, port, pl),
                                  PORTS[(mode, pl)])
            row.append(fmt(st, 0) + " / " + fmt(est, 1))
        say("  " + " | ".join(row))
        rows.append(row)
    RESULTS["smtp_rt"] = rows


# ------------------------------------------------------------------ 2: batch
def bench_batch():
    n = int(os.environ.get("BATCH", "100"))
    nrt = int(os.environ.get("BATCH_RT", "20"))
    port = PORTS[("starttls", True)]
    say("== batch of %d alerts over 587 (STARTTLS + AUTH PLAIN)" % n)

    def gw(how, count, p):
        return ([LUA, os.path.join(PEERS, "gwkit_batch.lua"), how, "starttls", "127.0.0.1",
                 str(p), CA, USER, PASS, FROM, TO, str(count), "PLAIN"], None)

    def msmtp_loop(count, p):
        c, _ = msmtp("starttls", p)
        script = 'i=0; while [ $i -lt %d ]; do "$@" < %s || exit 1; i=$((i+1)); done' % (count, MSG)
        return (["sh", "-c", script, "sh"] + c, None)

    clients = [
        ("gwkit, smtp.send per alert (a connection each)", lambda c, p: gw("conn", c, p)),
        ("gwkit, one smtp.session, s:send per alert", lambda c, p: gw("session", c, p)),
        ("gwkit, one smtp.session, s:send_batch (32 alerts per flight)",
         lambda c, p: gw("batch", c, p)),
        ("Python smtplib, a connection each", lambda c, p: smtplib("starttls", p, c, "conn")),
        ("Python smtplib, one session", lambda c, p: smtplib("starttls", p, c, "session")),
        ("msmtp, a process and connection each", lambda c, p: msmtp_loop(c, p)),
    ]
    rows = []
    for name, mk in clients:
        rates = []
        for _ in range(RUNS):
            c, s = mk(n, port)
            t = run(c, s, timeout=300)
            rates.append(n / t if t else None)
        at_d = []
        rt, est = round_trips(lambda p, mk=mk: mk(nrt, p), port, count=nrt, rates=at_d)
        row = [name, fmt(stats(rates), 1), fmt(stats(at_d), 2), fmt(rt, 2) + " / " + fmt(est, 2)]
        RESULTS.setdefault("batch_raw", {})[name] = [
            (stats(rates) or [None])[0], (stats(at_d) or [None])[0], (rt or [None])[0]]
        say("  " + " | ".join(row))
        rows.append(row)
    RESULTS["batch"] = rows
    RESULTS["batch_n"] = (n, nrt)


# ------------------------------------------------------------------ 3: HTTP Digest
def bench_http():
    say("== HTTP Digest round trips per request (D = %g ms)" % D)
    port = int(W["HTTP_PORT"])
    sha = "/digest-sha256/status.html"
    md5 = "/digest-md5/status.html"

    def url(p, path):
        return "http://127.0.0.1:%d%s" % (p, path)

    def gwhttp(p, n):
        if n == 1:
            # the body goes to the pipe run() reads: never "-o /dev/null", gwhttp's -o
            # writes FILE.gwkit-part and renames it over FILE (it would replace /dev/null)
            return ([LUA, os.path.join(TOP, "scripts/gwhttp"), "-f",
                     "-u", W["USER"], url(p, sha)], None)
        return ([LUA, os.path.join(PEERS, "gwkit_http.lua"), url(p, sha), W["USER"], W["PASS"],
                 str(n)], None)

    def curl(p, n):
        return (["curl", "-sSf", "--digest", "-u", W["USER"] + ":" + W["PASS"]] +
                ["-o", "/dev/null"] * n + [url(p, sha)] * n, None)

    def urllib(p, n):
        return ([PY, os.path.join(PEERS, "urllib_digest.py"), url(p, md5), W["USER"], W["PASS"],
                 str(n)], None)

    clients = [
        ("gwkit (gwhttp; http.session for 20)", gwhttp),
        ("curl --digest (20 URLs in one invocation)", curl),
        ("Python urllib + HTTPDigestAuthHandler (digest-md5: urllib has no SHA-256)", urllib),
    ]
    rows = []
    for name, mk in clients:
        r1, e1 = round_trips(lambda p, mk=mk: mk(p, 1), port, 1)
        r20, e20 = round_trips(lambda p, mk=mk: mk(p, 20), port, 20)
        row = [name, fmt(r1, 0) + " / " + fmt(e1, 1), fmt(r20, 2) + " / " + fmt(e20, 2)]
        say("  " + " | ".join(row))
        rows.append(row)
    RESULTS["http"] = rows


# ------------------------------------------------------------------ 4: peak RSS
ONE_SEND = [
    ("gwkit (gwmail -m PLAIN)", lambda: gwmail("starttls", PORTS[("starttls", True)])),
    ("gwkit (gwmail -m PLAIN), Lua files as luac5.1 -s bytecode",
     lambda: gwmail("starttls", PORTS[("starttls", True)], tree=BYTECODE)),
    ("gwkit (gwmail, automatic: SCRAM-SHA-256)", lambda: gwmail("starttls", PORTS[("starttls", True)], None)),
    ("msmtp", lambda: msmtp("starttls", PORTS[("starttls", True)])),
    ("curl (smtp://, --sasl-ir)", lambda: curl_smtp("starttls", PORTS[("starttls", True)])),
    ("swaks", lambda: swaks("starttls", PORTS[("starttls", True)])),
    ("Python smtplib", lambda: smtplib("starttls", PORTS[("starttls", True)])),
    ("LuaSocket + LuaSec script", lambda: luasocket("starttls", PORTS[("starttls", True)])),
    ("yardstick: OpenSSL alone, C (tests/bench/peers/tls_floor.c: STARTTLS and a verified "
     "handshake, no AUTH, no message)", lambda: tls_floor(PORTS[("starttls", True)])),
]


# The same send verified against a system store instead of one CA file.
STORE_SEND = [
    ("gwkit (gwmail -m PLAIN), no --cafile: SSL_CERT_DIR + SSL_CERT_FILE",
     lambda: gwmail("starttls", PORTS[("starttls", True)], cafile=None) + (SYSTEM_STORE,)),
    ("gwkit, the same, Lua files as bytecode",
     lambda: gwmail("starttls", PORTS[("starttls", True)], tree=BYTECODE, cafile=None)
     + (SYSTEM_STORE,)),
    ("gwkit, bundle file only (SSL_CERT_DIR empty, like OpenWrt's ca-bundle)",
     lambda: gwmail("starttls", PORTS[("starttls", True)], cafile=None) + (BUNDLE_ONLY,)),
    ("gwkit, --cafile BUNDLE (OpenSSL parses the whole bundle)",
     lambda: gwmail("starttls", PORTS[("starttls", True)], cafile=STORE_FILE)),
    ("msmtp --tls-trust-file=BUNDLE", lambda: msmtp("starttls", PORTS[("starttls", True)],
                                                     trust=STORE_FILE)),
    ("Python smtplib, create_default_context() (SSL_CERT_DIR + SSL_CERT_FILE)",
     lambda: smtplib("starttls", PORTS[("starttls", True)], cafile="") + (SYSTEM_STORE,)),
    ("LuaSocket + LuaSec script, cafile = BUNDLE",
     lambda: luasocket("starttls", PORTS[("starttls", True)], cafile=STORE_FILE)),
]


def rss_of(mk):
    vals = []
    for _ in range(RUNS):
        c, s, *env = mk()
        out = os.path.join(WORK, "time-v.txt")
        ok = run(["/usr/bin/time", "-v", "-o", out] + c, s, env=env[0] if env else None)
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(out).read()) if ok else None
        vals.append(int(m.group(1)) / 1024.0 if m else None)
    return stats(vals)


def by_object(path):
    """Self cost (Ir) per ELF object of a callgrind output file, in millions,
    largest first: where the instructions of a run go."""
    names, cur, tot, incall = {}, None, {}, False

    def name(spec):
        m = re.match(r"\((\d+)\)(?: (.*))?", spec)
        if not m:
            return spec
        if m.group(2):
            names[m.group(1)] = m.group(2)
        return names.get(m.group(1), "?")
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("ob="):
            cur = name(line[3:])
        elif line.startswith("cob="):
            name(line[4:])
        elif line.startswith("calls="):
            incall = True
        elif line[:1].isdigit() or line[:1] in "+-*":
            if incall:
                incall = False
            else:
                f = line.split()
                if len(f) >= 2:
                    tot[cur] = tot.get(cur, 0) + int(f[1])
    return sorted(((v / 1e6, os.path.basename(k or "?")) for k, v in tot.items()), reverse=True)


def ir_of(mk, runs, keep=None):
    """Median Ir of runs callgrind runs; keep: a name to keep the last output
    under (WORK/callgrind-KEEP.out)."""
    vals = []
    for i in range(runs):
        c, s, *env = mk()
        out = os.path.join(WORK, "callgrind.%d.out" % i)
        ok = run(["valgrind", "--tool=callgrind", "--trace-children=no",
                  "--callgrind-out-file=" + out] + c, s, timeout=300, env=env[0] if env else None)
        ir = None
        if ok:
            for line in open(out):
                if line.startswith("totals:") or line.startswith("summary:"):
                    ir = int(line.split()[1])
            if keep:
                shutil.copy(out, os.path.join(WORK, "callgrind-%s.out" % keep))
        vals.append(ir / 1e6 if ir else None)
    return stats(vals)


def bench_store():
    make_bytecode()
    make_store()
    say("== one send verified against a system store (%d certificates)" % store_size())
    runs = int(os.environ.get("CALLGRIND_RUNS", str(RUNS)))
    rows = []
    for name, mk in STORE_SEND:
        ir = ir_of(mk, runs)
        RESULTS.setdefault("ir_raw", {})[name] = ir[0] if ir else None
        row = [name, fmt(ir, 1, " M"), fmt(rss_of(mk), 1, " MiB")]
        say("  " + " | ".join(row))
        rows.append(row)
    RESULTS["store"] = rows
    RESULTS["store_certs"] = store_size()


def bench_rss():
    make_bytecode()
    say("== peak RSS of one send (587, STARTTLS + AUTH, no proxy)")
    rows = []
    for name, mk in ONE_SEND:
        row = [name, fmt(rss_of(mk), 1, " MiB")]
        say("  " + " | ".join(row))
        rows.append(row)
    RESULTS["rss"] = rows


def bench_callgrind():
    make_bytecode()
    say("== instructions (callgrind Ir) of one send (587, STARTTLS + AUTH, no proxy)")
    runs = int(os.environ.get("CALLGRIND_RUNS", str(RUNS)))
    rows = []
    keep = {ONE_SEND[0][0]: "gwkit", ONE_SEND[1][0]: "gwkit-bytecode", "msmtp": "msmtp",
            "curl (smtp://, --sasl-ir)": "curl", ONE_SEND[-1][0]: "floor"}
    for name, mk in ONE_SEND:
        ir = ir_of(mk, runs, keep.get(name))
        RESULTS.setdefault("ir_raw", {})[name] = ir[0] if ir else None
        row = [name, fmt(ir, 1, " M")]
        say("  " + " | ".join(row))
        rows.append(row)
    RESULTS["ir"] = rows
    RESULTS["ir_runs"] = runs
    # Messages after the first in one process, a connection each (what gwkitd
    # does for each alert): (Ir of N sends - Ir of 1 send) / (N - 1).
    n, port = 10, PORTS[("starttls", True)]
    each = [
        ("gwkit, smtp.send per alert (a connection each; the SSL_CTX is kept)",
         lambda c: ([LUA, os.path.join(PEERS, "gwkit_batch.lua"), "conn", "starttls", "127.0.0.1",
                     str(port), CA, USER, PASS, FROM, TO, str(c), "PLAIN"], None)),
        ("gwkit, one smtp.session (s:send per alert)",
         lambda c: ([LUA, os.path.join(PEERS, "gwkit_batch.lua"), "session", "starttls",
                     "127.0.0.1", str(port), CA, USER, PASS, FROM, TO, str(c), "PLAIN"], None)),
        ("Python smtplib, a connection each", lambda c: smtplib("starttls", port, c, "conn")),
        ("Python smtplib, one session", lambda c: smtplib("starttls", port, c, "session")),
    ]
    erows = []
    for name, mk in each:
        one, many = ir_of(lambda: mk(1), runs), ir_of(lambda: mk(n), runs)
        per = (many[0] - one[0]) / (n - 1) if one and many else None
        row = [name, fmt(one, 1, " M"), fmt(many, 1, " M"), num_or_failed(per)]
        say("  " + " | ".join(row))
        erows.append(row)
    RESULTS["ir_each"] = erows
    RESULTS["ir_each_n"] = n
    split = {}
    for name, tag in keep.items():
        path = os.path.join(WORK, "callgrind-%s.out" % tag)
        if os.path.exists(path):
            split[name] = by_object(path)
    RESULTS["ir_split"] = split


# ------------------------------------------------------------------ 5: size, start-up
def bench_size():
    say("== size")
    so = os.path.join(WORK, "core.so")
    shutil.copy(os.path.join(WORK, "cpath/gwkit/core.so") if os.path.exists(os.path.join(WORK, "cpath/gwkit/core.so")) else os.path.join(TOP, BUILD, "gwkit/core.so"), so)
    subprocess.run(["strip", "--strip-unneeded", so], check=True)
    lib = "/usr/lib/x86_64-linux-gnu/lua/5.1/"
    peers = ["socket/core.so", "mime/core.so", "ssl.so"]
    rows = [["gwkit/core.so (stripped --strip-unneeded)", os.path.getsize(so)]]
    total = 0
    for p in peers:
        sz = os.path.getsize(lib + p)
        total += sz
        rows.append(["LuaSocket/LuaSec " + p, sz])
    rows.append(["LuaSocket + LuaSec .so total", total])

    def lua_bytes(paths):
        return sum(os.path.getsize(p) for p in paths if os.path.exists(p))
    import glob
    gw_lua = glob.glob(os.path.join(TOP, "lua/gwkit/*.lua")) + glob.glob(os.path.join(TOP, "lua/gwkit/*/*.lua"))
    share = "/usr/share/lua/5.1/"
    ls_lua = glob.glob(share + "socket.lua") + glob.glob(share + "socket/*.lua") + \
        glob.glob(share + "ssl.lua") + glob.glob(share + "ssl/*.lua") + glob.glob(share + "mime.lua") + \
        glob.glob(share + "ltn12.lua")
    rows.append(["gwkit Lua files (lua/gwkit, unstripped source)", lua_bytes(gw_lua)])
    rows.append(["LuaSocket + LuaSec Lua files (socket*, ssl*, mime, ltn12)", lua_bytes(ls_lua)])
    for r in rows:
        say("  %s | %d" % (r[0], r[1]))
    RESULTS["size"] = rows


def bench_startup():
    make_bytecode()
    say("== start-up")
    bc = "package.path = '%s/lua/?.lua;' .. package.path" % BYTECODE
    cases = [
        ("lua5.1 -e '' (the interpreter alone)", "lua5.1 -e ''"),
        ("lua5.1 -e 'require \"gwkit.smtp\"'", "lua5.1 -e 'require \"gwkit.smtp\"'"),
        ("lua5.1 -e 'require \"gwkit.smtp\"', Lua files as luac5.1 -s bytecode",
         "lua5.1 -e \"%s\" -e 'require \"gwkit.smtp\"'" % bc),
        ("lua5.1 -e 'require \"gwkit.http\"'", "lua5.1 -e 'require \"gwkit.http\"'"),
        ("lua5.1 -e 'require \"socket\"; require \"ssl\"'", "lua5.1 -e 'require \"socket\"; require \"ssl\"'"),
        ("lua5.1 -e 'require \"socket.smtp\"; require \"ssl\"'",
         "lua5.1 -e 'require \"socket.smtp\"; require \"ssl\"'"),
    ]
    rows = []
    if shutil.which("hyperfine"):
        js = os.path.join(WORK, "hyperfine.json")
        cmd = ["hyperfine", "-N", "-i", "--warmup", "5", "--runs", "50", "--export-json", js, "--style", "none"]
        for _, c in cases:
            cmd.append(c)
        subprocess.run(cmd, stdout=LOG, stderr=LOG, env=BASE_ENV, timeout=300)
        data = json.load(open(js))["results"]
        for (name, _), r in zip(cases, data):
            t = [x * 1000 for x in r["times"]]
            rows.append([name, "%.2f ms (%.2f–%.2f)" % (statistics.median(t), min(t), max(t))])
    else:
        for name, c in cases:
            ts = [run(["sh", "-c", c]) for _ in range(30)]
            st = stats([t * 1000 for t in ts if t])
            rows.append([name, fmt(st, 2, " ms")])
    for r in rows:
        say("  " + " | ".join(r))
    RESULTS["startup"] = rows
    RESULTS["startup_tool"] = "hyperfine -N --warmup 5 --runs 50" if shutil.which("hyperfine") else \
        "a loop of 30 runs timed from Python"


# ------------------------------------------------------------------ report
def sh_out(cmd):
    try:
        return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=30).stdout.decode(errors="replace").strip()
    except Exception as e:  # noqa
        return "?(%s)" % e


def versions():
    return [
        ("gwkit", sh_out("cd %s && git describe --always --dirty 2>/dev/null" % TOP)),
        ("Lua", sh_out("lua5.1 -v 2>&1")),
        ("msmtp", sh_out("msmtp --version | head -n1")),
        ("swaks", sh_out("swaks --version 2>&1 | head -n1")),
        ("curl", sh_out("curl --version | head -n1")),
        ("Python", sh_out(PY + " --version")),
        ("LuaSocket", sh_out("dpkg-query -W -f='${Version}' lua-socket")),
        ("LuaSec", sh_out("dpkg-query -W -f='${Version}' lua-sec")),
        ("OpenSSL", sh_out("openssl version")),
        ("Postfix", sh_out("postconf -d -h mail_version 2>/dev/null")),
        ("Dovecot", sh_out("dovecot --version")),
        ("lighttpd", sh_out("lighttpd -v 2>&1 | head -n1")),
        ("valgrind", sh_out("valgrind --version")),
        ("hyperfine", sh_out("hyperfine --version 2>/dev/null || echo absent")),
    ]


def machine():
    mem = sh_out("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
    cpu = sh_out("sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1")
    return "%s, %s cores (%s), %s RAM, kernel %s" % (
        sh_out(". /etc/os-release && echo $PRETTY_NAME"), os.cpu_count(), cpu, mem, platform.release())


def main():
    started = time.time()
    every = ["smtp", "batch", "http", "rss", "ir", "store", "size", "startup"]
    which = sys.argv[1:] or every
    steps = {"smtp": bench_smtp_rt, "batch": bench_batch, "http": bench_http, "rss": bench_rss,
             "ir": bench_callgrind, "store": bench_store, "size": bench_size,
             "startup": bench_startup}
    try:
        for w in which:
            steps[w]()
    finally:
        for p in PROCS:
            p.terminate()
        for p in PROCS:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
    RESULTS["date"] = time.strftime("%Y-%m-%d %H:%M %Z")
    RESULTS["machine"] = machine()
    RESULTS["versions"] = versions()
    RESULTS["elapsed"] = time.time() - started
    if os.environ.get("BENCH_START"):
        RESULTS["wall"] = time.time() - int(os.environ["BENCH_START"])
    RESULTS["runs"] = RUNS
    RESULTS["D"] = D
    with open(os.path.join(WORK, "results.json"), "w") as f:
        json.dump(RESULTS, f, indent=1)
    import report
    text = report.render(RESULTS, os.environ.get("FOOTPRINT_FILE"))
    # Only a run of every step replaces RESULTS.md; some steps go to the work
    # directory (kept with BENCH_KEEP=1) and to the output.
    out = OUT if set(which) >= set(every) else os.path.join(WORK, "RESULTS-partial.md")
    with open(out, "w") as f:
        f.write(text)
    if out != OUT:
        sys.stdout.write(text)
    say("wrote %s (%.0f s)" % (out, RESULTS["elapsed"]))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
