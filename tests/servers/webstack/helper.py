#!/usr/bin/env python3
"""gwkit test web stack: helper for tests/servers/webstack.sh.

  helper.py busy HOST:PORT...          print the HOST:PORT pairs that cannot be bound
  helper.py setpw FILE ALGS REALM USER PASSWORD
                                       (re)set USER's lines in the htdigest FILE, one
                                       per algorithm in ALGS (comma-separated: md5,
                                       sha256, sha512_256), other users' lines kept;
                                       written atomically (tmp + rename)
  helper.py big FILE SIZE              write SIZE deterministic bytes (SHA-256 in
                                       counter mode), print their hex SHA-256
  helper.py ready OPTIONS              wait until every listener answers as configured

"ready" checks, for every host: plain HTTP GET /open/status.html (200);
HTTPS GET /open/status.html with the certificate verified under --ca for the
name "localhost" (200; the last request of a round is
/open/status.html?webstack-ready, and "ready" prints how many of those it
sent in all); and a Digest MD5 login on /digest-md5/status.html
(401 with a challenge, then 200 on the same connection), which proves the
htdigest file and the realm. It retries until --timeout seconds have passed,
then prints the last failure and exits 1. Python standard library only; no
name is ever resolved (numeric addresses, the TLS name is only sent as SNI
and checked against the certificate).
"""
import argparse
import hashlib
import os
import re
import socket
import ssl
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from stackprobe import busy  # noqa: E402


HASHES = {"md5": "md5", "sha256": "sha256", "sha512_256": "sha512_256"}


def setpw(path, algs, realm, user, password):
    if ":" in user or "\n" in user or "\r" in user or not user:
        raise SystemExit("helper: user name must be non-empty, without ':' or line ends")
    if "\n" in password or "\r" in password:
        raise SystemExit("helper: password must not contain line ends")
    keep = []
    if os.path.exists(path):
        with open(path, "rb") as f:
            for line in f.read().split(b"\n"):
                if line and line.split(b":", 1)[0] != user.encode("utf-8"):
                    keep.append(line)
    new = []
    for a in algs.split(","):
        h = HASHES[a.strip()]
        u, r, p = user.encode("utf-8"), realm.encode("utf-8"), password.encode("utf-8")
        ha1 = hashlib.new(h, u + b":" + r + b":" + p).hexdigest()
        uh = hashlib.new(h, u + b":" + r).hexdigest()
        new.append(u + b":" + r + b":" + ha1.encode() + b":" + uh.encode())
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(b"\n".join(keep + new) + b"\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return 0


def big(path, size):
    h = hashlib.sha256()
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        i = 0
        left = size
        while left > 0:
            block = hashlib.sha256(b"gwkit webstack big.bin %d" % i).digest()[:left]
            f.write(block)
            h.update(block)
            left -= len(block)
            i += 1
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    print(h.hexdigest())
    return 0


# ---------------------------------------------------------------- ready

class NotReady(Exception):
    pass


class Conn:
    def __init__(self, host, port, ctx=None, timeout=3.0):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect((host, port))
            if ctx is not None:
                s = ctx.wrap_socket(s, server_hostname="localhost")
        except (OSError, ssl.SSLError) as e:
            s.close()
            raise NotReady("%s port %d: %s" % (host, port, e))
        self.s = s
        self.host = host
        self.port = port
        self.buf = b""

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    def _more(self):
        try:
            d = self.s.recv(65536)
        except (OSError, ssl.SSLError) as e:
            raise NotReady("%s port %d: recv: %s" % (self.host, self.port, e))
        if not d:
            raise NotReady("%s port %d: connection closed" % (self.host, self.port))
        self.buf += d

    def get(self, path, extra=""):
        hp = "[%s]" % self.host if ":" in self.host else self.host
        req = "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: webstack-probe\r\n%s\r\n" % (
            path, hp, self.port, extra)
        try:
            self.s.sendall(req.encode("utf-8"))
        except (OSError, ssl.SSLError) as e:
            raise NotReady("%s port %d: send: %s" % (self.host, self.port, e))
        while b"\r\n\r\n" not in self.buf:
            self._more()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
        if not m:
            raise NotReady("bad status line %r" % lines[0])
        hdrs = []
        for l in lines[1:]:
            k, _, v = l.partition(":")
            hdrs.append((k.strip().lower(), v.strip()))
        n = int(dict(hdrs).get("content-length", "0"))
        while len(self.buf) < n:
            self._more()
        body, self.buf = self.buf[:n], self.buf[n:]
        return int(m.group(1)), hdrs, body


def digest_answer(chal, user, password, method, uri):
    p = dict(re.findall(r'(\w+)="?([^",]*)"?', chal))
    realm, nonce = p["realm"], p["nonce"]
    H = lambda s: hashlib.md5(s.encode("utf-8")).hexdigest()
    cnonce = os.urandom(8).hex()
    ha1 = H("%s:%s:%s" % (user, realm, password))
    ha2 = H("%s:%s" % (method, uri))
    resp = H("%s:%s:00000001:%s:auth:%s" % (ha1, nonce, cnonce, ha2))
    return ('Authorization: Digest username="%s", realm="%s", nonce="%s", uri="%s", '
            'algorithm=MD5, qop=auth, nc=00000001, cnonce="%s", response="%s"\r\n'
            % (user, realm, nonce, uri, cnonce, resp))


MARKED = [0]  # requests sent with the ?webstack-ready marker


def check_host(host, a):
    c = Conn(host, a.http)
    try:
        st, _, body = c.get("/open/status.html")
        if st != 200:
            raise NotReady("http://%s:%d/open/status.html -> %d" % (host, a.http, st))
        path = "/digest-md5/status.html"
        st, hdrs, _ = c.get(path)
        chal = [v for k, v in hdrs if k == "www-authenticate"]
        if st != 401 or not chal or not chal[0].startswith("Digest "):
            raise NotReady("%s without credentials -> %d %r" % (path, st, chal))
        st, _, _ = c.get(path, digest_answer(chal[0], a.user, a.password, "GET", path))
        if st != 200:
            raise NotReady("%s with a Digest MD5 answer for %s -> %d" % (path, a.user, st))
    finally:
        c.close()
    ctx = ssl.create_default_context(cafile=a.ca)
    c = Conn(host, a.https, ctx)
    try:
        MARKED[0] += 1
        st, _, _ = c.get("/open/status.html?webstack-ready")
        if st != 200:
            raise NotReady("https://%s:%d/open/status.html -> %d" % (host, a.https, st))
    finally:
        c.close()


def ready(a):
    deadline = time.monotonic() + a.timeout
    last = None
    while True:
        try:
            for h in a.hosts.split(","):
                check_host(h, a)
            print(MARKED[0])
            return 0
        except NotReady as e:
            last = str(e)
        if time.monotonic() >= deadline:
            print("webstack: not ready: %s" % last, file=sys.stderr)
            return 1
        time.sleep(0.1)


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "busy":
        return busy(sys.argv[2:])
    if len(sys.argv) == 7 and sys.argv[1] == "setpw":
        return setpw(*sys.argv[2:])
    if len(sys.argv) == 4 and sys.argv[1] == "big":
        return big(sys.argv[2], int(sys.argv[3]))
    if len(sys.argv) >= 2 and sys.argv[1] == "ready":
        ap = argparse.ArgumentParser(prog="helper.py ready")
        ap.add_argument("--hosts", required=True)
        ap.add_argument("--http", type=int, required=True)
        ap.add_argument("--https", type=int, required=True)
        ap.add_argument("--ca", required=True)
        ap.add_argument("--user", required=True)
        ap.add_argument("--password", required=True)
        ap.add_argument("--timeout", type=float, default=10)
        return ready(ap.parse_args(sys.argv[2:]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
