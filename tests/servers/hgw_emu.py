#!/usr/bin/env python3
"""hgw_emu.py - an NTT PR-600MI class home gateway, emulated for tests.

There is no real PR-600MI here: this serves the pages gwkit.hgw's pr600mi
profile reads (built from the emulator's state, in UTF-8, Shift_JIS or
EUC-JP) behind HTTP Digest (RFC 7616, MD5 and SHA-256) or Basic, sets a
session cookie HGWSESSIONID after a login, can lock itself after failed
logins (--lockout N: 503 after N failures within 10 minutes) and emulates
the gateway's DHCPv6-PD server (first come, first served /60s of its /56).

A control API without authentication under /__emu/ (JSON in and out):
  POST /__emu/solicit  {"client": "nvr510", "duid": "00:03:...", "iaid": 1, "ia_pd": 1}
                       -> {"prefix": ".../60", "index": n, "lifetime": 14400}
                       "ia_pd" > 1 (several prefixes in one request) crashes the
                       emulated firmware: 500, then every request is refused for
                       --crash-seconds (GET /__emu/state still answers)
  POST /__emu/release  {"client": "nvr510"}
  POST /__emu/reboot   every lease, nonce and session dropped
  POST /__emu/replace  {"mac": "...", "password": "..."}: a new gateway (new MAC,
                       new password, empty lease table, no failed logins)
  POST /__emu/set      {"drop_labels": [...], "ipv6_state": "...", "prefix": "...",
                        "charset": "...", "firmware": "..."} (for tests)
  GET  /__emu/state    JSON; ?format=text gives "key value" lines
With --kea-leases FILE the lease table comes from Kea's leases6 CSV and
solicit/release answer 409.

Log (--log): "<seconds> <conn#> <tag> <text>" lines: R one summary per
request (method= target= authorization= verdict= user= algorithm= cookie=
status=), * events (login failures, lockout, crash, reboot, replace).
The password never appears in the log.
"""

import argparse
import ipaddress
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quirklib  # noqa: E402
import hgw_emu_gateway  # noqa: E402
import hgw_emu_pages as pages  # noqa: E402

MAX_BODY = 65536
CONTROL_OPS = ("solicit", "release", "reboot", "replace", "set")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hgw-emu/1"
    sys_version = ""
    timeout = 30

    def setup(self):
        super().setup()
        with self.server.count_lock:
            self.server.conn_count += 1
            self.conn = self.server.conn_count

    def version_string(self):
        return self.server_version

    def log_request(self, code="-", size="-"):
        pass                    # one "R" record per request is written instead

    def log_message(self, fmt, *a):
        self.server.log.write(getattr(self, "conn", 0), "*", fmt % a)

    def ev(self, text):
        self.server.log.write(self.conn, "*", text)

    def send(self, status, body, ctype="text/html", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.route()

    def do_HEAD(self):
        self.route()

    def do_POST(self):
        self.route()

    def route(self):
        gw = self.server.gw
        path = self.path.split("?", 1)[0]
        if path.startswith("/__emu/"):
            return self.control(gw, path)
        if gw.crashed():
            self.ev("refused: firmware crashed")
            self.close_connection = True
            return
        with gw.lock:
            gw.counters["requests"] += 1
            self.page(gw, path)

    # -- the gateway's web UI ----------------------------------------------
    def page(self, gw, path):
        cs = gw.st["charset"]
        cookie = self.cookie_state(gw)
        if cookie == "valid":
            gw.counters["cookie_returned"] += 1
        rec = "method=%s target=%s authorization=%s cookie=%s" % (
            self.command, self.path, (self.headers.get("Authorization") or "-").split(" ")[0], cookie)
        if gw.locked():
            self.server.log.write(self.conn, "R", rec + " verdict=locked user=- algorithm=- status=503")
            return self.send(503, b"locked: too many failed logins", "text/plain")
        status, verdict, user, alg, stale = gw.auth.check(
            self.command, self.path, self.headers.get("Authorization"))
        if verdict in ("bad-password", "wrong-scheme"):
            gw.counters["failed_logins"] += 1
            gw.failures.append(time.monotonic())
            self.ev("failed login for user %r (%s)" % (user, verdict))
            if gw.locked():
                gw.counters["lockouts"] += 1
                self.ev("lockout: %d failed logins within %d s" % (len(gw.failures), hgw_emu_gateway.LOCKOUT_WINDOW))
        headers = []
        if status == 200:
            body = self.content(gw, path, cs)
            status = 200 if body is not None else 404
            if body is None:
                body = pages.not_found(cs)
            if cookie != "valid":
                sid = os.urandom(8).hex()
                gw.sessions.add(sid)
                gw.counters["logins"] += 1
                headers.append(("Set-Cookie", "HGWSESSIONID=%s; Path=/; HttpOnly" % sid))
            data = pages.encode(body, cs)
            ctype = "text/html" + ("; charset=%s" % pages.META_NAMES[cs] if self.server.args.header_charset else "")
        else:
            for ch in gw.auth.challenges(stale):
                headers.append(("WWW-Authenticate", ch))
            data = b"<html><body>401 Unauthorized</body></html>" if status == 401 else b"bad request"
            ctype = "text/html"
        self.server.log.write(self.conn, "R", rec + " verdict=%s user=%s algorithm=%s status=%d"
                              % (verdict, user.replace(" ", "_") or "-", alg, status))
        self.send(status, data, ctype, headers)

    def cookie_state(self, gw):
        raw = self.headers.get("Cookie")
        if not raw:
            return "-"
        for part in raw.split(";"):
            k, _, v = part.strip().partition("=")
            if k == "HGWSESSIONID":
                return "valid" if v in gw.sessions else "stale"
        return "other"

    def content(self, gw, path, cs):
        if path == pages.STATUS_PATH:
            return pages.status_page(gw.st, cs)
        if path == pages.LEASES_PATH:
            return pages.leases_page(gw.leases(), cs, gw.st["drop_labels"])
        if path == pages.DHCP4_PATH:
            return pages.dhcp4_page(cs)
        if path in ("/", "/ntt/", "/ntt/top"):
            return pages.top_page(cs)
        return None

    # -- control API --------------------------------------------------------
    def reply(self, status, obj):
        self.send(status, (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8"),
                  "application/json")

    def control(self, gw, path):
        if path == "/__emu/state" and self.command in ("GET", "HEAD"):
            if "format=text" in self.path:
                return self.send(200, gw.text_state().encode("utf-8"), "text/plain; charset=utf-8")
            return self.reply(200, gw.state())
        if gw.crashed():
            self.ev("refused %s: firmware crashed" % path)
            self.close_connection = True
            return
        if path[len("/__emu/"):] not in CONTROL_OPS:
            return self.reply(404, {"error": "unknown control %s" % path})
        if self.command != "POST":
            return self.reply(405, {"error": "POST expected"})
        try:
            req = json.loads(self.body().decode("utf-8") or "{}")
            if not isinstance(req, dict):
                raise ValueError("a JSON object expected")
        except (ValueError, UnicodeDecodeError) as e:
            return self.reply(400, {"error": str(e)})
        with gw.lock:
            status, obj = hgw_emu_gateway.run(self, gw, path[len("/__emu/"):], req)
            gw.save()
        self.server.log.write(self.conn, "R", "method=POST target=%s control=%s status=%d"
                              % (path, json.dumps(req.get("client", "-")), status))
        return self.reply(status, obj)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, args, log, gw):
        ip = ipaddress.ip_address(args.host.split("%")[0])
        self.address_family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        self.args, self.log, self.gw = args, log, gw
        self.count_lock = threading.Lock()
        self.conn_count = 0
        addr = (str(ip), args.port)
        if ip.version == 6:
            zone = args.host.partition("%")[2]
            addr = (str(ip), args.port, 0, socket.if_nametoindex(zone) if zone else 0)
        super().__init__(addr, Handler)

    def server_bind(self):
        # No getfqdn(): numeric addresses only, no name lookups.
        if self.address_family == socket.AF_INET6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name = self.args.host
        self.server_port = self.server_address[1]



def parse_args(argv):
    ap = argparse.ArgumentParser(description="NTT PR-600MI class home gateway emulator (tests only)")
    ap.add_argument("--host", default="127.0.0.1", help="numeric address (fe80::1%%eth0 allowed)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--ready-file", help="the port is written here once listening")
    ap.add_argument("--log", help="log file (default: none)")
    ap.add_argument("--lifetime", type=float, default=120, help="stop after this many seconds")
    ap.add_argument("--model", default="pr600mi", choices=["pr600mi"])
    ap.add_argument("--auth", default="digest", choices=["digest", "basic"])
    ap.add_argument("--algorithms", default="SHA-256,MD5",
                    help="Digest challenges offered, in order (MD5, MD5-sess, SHA-256, SHA-256-sess)")
    ap.add_argument("--realm", default="PR-600MI")
    ap.add_argument("--nonce-lifetime", type=float, default=300)
    ap.add_argument("--user", default="user")
    ap.add_argument("--password", default="")
    ap.add_argument("--password-file", help="read the password from this file instead")
    ap.add_argument("--mac", default="00:00:5e:00:53:01", help="the LAN-side MAC (WAN = MAC + 1)")
    ap.add_argument("--prefix", default="2001:db8:1234:5600::/56")
    ap.add_argument("--firmware", default="1.02.03")
    ap.add_argument("--charset", default="utf-8", choices=sorted(pages.CODECS))
    ap.add_argument("--header-charset", action="store_true",
                    help="also name the charset in the Content-Type header")
    ap.add_argument("--state-dir", help="keep MAC, password and leases in DIR/hgw-emu-state.json")
    ap.add_argument("--kea-leases", help="read the lease table from Kea's leases6 CSV")
    ap.add_argument("--lockout", type=int, default=0,
                    help="503 after N failed logins within 10 minutes (0: never)")
    ap.add_argument("--pd-lifetime", type=int, default=14400)
    ap.add_argument("--crash-seconds", type=float, default=5)
    args = ap.parse_args(argv)
    if args.password_file:
        with open(args.password_file, "r", encoding="utf-8") as f:
            args.password = f.readline().rstrip("\r\n")
    for a in (args.algorithms.split(",")):
        if a.strip() not in ("MD5", "MD5-sess", "SHA-256", "SHA-256-sess"):
            ap.error("unknown Digest algorithm %r" % a)
    try:
        ipaddress.ip_address(args.host.split("%")[0])
        ipaddress.IPv6Network(args.prefix)
        hgw_emu_gateway.norm_mac(args.mac)
    except ValueError as e:
        ap.error(str(e))
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    quirklib.disable_name_resolution("hgw_emu")
    log = quirklib.Log(args.log)
    if args.state_dir:
        os.makedirs(args.state_dir, exist_ok=True)
    gw = hgw_emu_gateway.Gateway(args, log)
    srv = Server(args, log, gw)
    port = srv.server_address[1]
    log.write(0, "*", "listening on %s port %d (model %s, auth %s, charset %s, lockout %d)"
              % (args.host, port, args.model, args.auth, args.charset, args.lockout))
    threading.Timer(args.lifetime, srv.shutdown).start()
    if args.ready_file:
        tmp = "%s.%d.tmp" % (args.ready_file, os.getpid())
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.ready_file)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        log.write(0, "*", "stop (lifetime %g s)" % args.lifetime)
        log.close()
        srv.server_close()
    os._exit(0)


if __name__ == "__main__":
    main()
