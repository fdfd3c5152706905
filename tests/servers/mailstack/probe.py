#!/usr/bin/env python3
"""gwkit test mail stack: helper for tests/servers/mailstack.sh.

  probe.py busy HOST:PORT...   print the HOST:PORT pairs that cannot be bound
  probe.py ready OPTIONS       wait until every listener answers as configured

"ready" checks, for every host: the plain port (banner, EHLO without
STARTTLS/AUTH), the submission port (STARTTLS offered, no AUTH before TLS,
certificate valid for "localhost" under --ca, all mechanisms after TLS), the
smtps port (implicit TLS, all mechanisms) and the clear-auth port (AUTH and
STARTTLS before TLS); then one AUTH PLAIN over smtps, which proves that
Postfix reaches Dovecot and the password file is right. It retries until
--timeout seconds have passed, then prints the last failure and exits 1.
"""
import argparse
import os
import smtplib
import ssl
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from stackprobe import busy  # noqa: E402

MECHS = ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"]


def mechs(conn):
    return conn.esmtp_features.get("auth", "").upper().split()


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def check_plain(host, port, ctx):
    with smtplib.SMTP(host, port, timeout=3) as c:
        code, _ = c.ehlo("probe.example.test")
        expect(code == 250, "EHLO -> %d" % code)
        expect(not c.has_extn("starttls"), "STARTTLS offered")
        expect(not c.has_extn("auth"), "AUTH offered")


def check_submission(host, port, ctx):
    with smtplib.SMTP(host, port, timeout=3) as c:
        c.ehlo("probe.example.test")
        expect(c.has_extn("starttls"), "no STARTTLS")
        expect(not c.has_extn("auth"), "AUTH offered before STARTTLS")
        c.starttls(context=ctx)
        c.ehlo("probe.example.test")
        expect(mechs(c) and set(MECHS) <= set(mechs(c)), "AUTH after TLS: %r" % mechs(c))


def check_smtps(host, port, ctx):
    with smtplib.SMTP_SSL(host, port, timeout=3, context=ctx) as c:
        c.ehlo("probe.example.test")
        expect(set(MECHS) <= set(mechs(c)), "AUTH: %r" % mechs(c))


def check_clear(host, port, ctx):
    with smtplib.SMTP(host, port, timeout=3) as c:
        c.ehlo("probe.example.test")
        expect(c.has_extn("starttls"), "no STARTTLS")
        expect(set(MECHS) <= set(mechs(c)), "AUTH before TLS: %r" % mechs(c))


def check_login(host, port, ctx, user, password):
    with smtplib.SMTP_SSL(host, port, timeout=5, context=ctx) as c:
        c.ehlo("probe.example.test")
        c.user, c.password = user, password
        code, resp = c.auth("PLAIN", c.auth_plain)
        expect(code == 235, "AUTH PLAIN -> %d %r" % (code, resp))


def ready(a):
    ctx = ssl.create_default_context(cafile=a.ca)  # verifies "localhost"
    checks = []
    for h in a.hosts.split(","):
        checks += [
            ("plain", h, a.plain, check_plain),
            ("submission", h, a.submission, check_submission),
            ("smtps", h, a.smtps, check_smtps),
            ("clearauth", h, a.clearauth, check_clear),
        ]
    deadline = time.monotonic() + a.timeout
    for name, host, port, fn in checks:
        while True:
            try:
                fn(host, port, ctx)
                break
            except Exception as e:  # noqa: BLE001 - report whatever failed
                last = "%s %s port %d: %s: %s" % (name, host, port, type(e).__name__, e)
            if time.monotonic() > deadline:
                print("mailstack: not ready: " + last, file=sys.stderr)
                return 1
            time.sleep(0.1)
    while True:
        try:
            check_login(a.hosts.split(",")[0], a.smtps, ctx, a.user, a.password)
            return 0
        except Exception as e:  # noqa: BLE001
            last = "AUTH PLAIN as %s over smtps: %s: %s" % (a.user, type(e).__name__, e)
        if time.monotonic() > deadline:
            print("mailstack: not ready: " + last, file=sys.stderr)
            return 1
        time.sleep(0.1)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("busy")
    b.add_argument("pairs", nargs="*")
    r = sub.add_parser("ready")
    r.add_argument("--ca", required=True)
    r.add_argument("--hosts", required=True)
    for port in ("plain", "submission", "smtps", "clearauth"):
        r.add_argument("--" + port, type=int, required=True)
    r.add_argument("--user", required=True)
    r.add_argument("--password", required=True)
    r.add_argument("--timeout", type=float, default=20)
    a = p.parse_args()
    if a.cmd == "busy":
        return busy(a.pairs)
    return ready(a)


if __name__ == "__main__":
    sys.exit(main())
