"""hgw_emu_auth.py - the login side of the home-gateway emulator (hgw_emu.py).

HTTP Digest as a server (RFC 7616: MD5, MD5-sess, SHA-256, SHA-256-sess,
qop=auth, nonces with a lifetime and a strictly increasing nc, stale=true
for an expired or unknown nonce answered with the right password) and
Basic (RFC 7617). Counts failed logins (a wrong password, a wrong user) so
the emulator can lock itself like a gateway does. Python 3 stdlib only.
"""

import base64
import binascii
import os
import threading
import time

import digestsrv

HASHES = {"MD5": "md5", "SHA-256": "sha256"}
MAX_NONCES = 4096


def parse_params(s):
    """key=value, key="quoted \\" value", ... -> dict (keys lower-cased; a
    repeated key: the last value); None when the header is malformed."""
    p, err = digestsrv.parse_params(s, repeats=True)
    return None if err or "" in p else p


class Auth:
    """One gateway's login: realm, scheme, account, nonces, failures.
    check() returns (status, verdict, user, algorithm, stale)."""

    def __init__(self, scheme, algorithms, user, password, realm, nonce_lifetime):
        self.scheme = scheme                 # "digest" | "basic"
        self.algorithms = algorithms         # e.g. ["SHA-256", "MD5"]
        self.user = user
        self.password = password
        self.realm = realm
        self.nonce_lifetime = nonce_lifetime
        self.lock = threading.Lock()
        self.nonces = {}                     # nonce -> [issued, last nc]
        self.opaque = binascii.hexlify(os.urandom(8)).decode()

    def reset(self, password=None):
        """A reboot (every nonce forgotten) or, with a password, a new gateway
        (a new opaque too)."""
        with self.lock:
            self.nonces.clear()
            if password is not None:
                self.opaque = binascii.hexlify(os.urandom(8)).decode()
                self.password = password

    def _new_nonce(self):
        n = binascii.hexlify(os.urandom(16)).decode()
        with self.lock:
            if len(self.nonces) >= MAX_NONCES:
                oldest = min(self.nonces, key=lambda k: self.nonces[k][0])
                del self.nonces[oldest]
            self.nonces[n] = [time.monotonic(), 0]
        return n

    def challenges(self, stale=False):
        if self.scheme == "basic":
            return ['Basic realm="%s"' % self.realm]
        out = []
        for alg in self.algorithms:
            out.append('Digest realm="%s", qop="auth", algorithm=%s, nonce="%s", opaque="%s"%s'
                       % (self.realm, alg, self._new_nonce(), self.opaque,
                          ", stale=true" if stale else ""))
        return out

    def check(self, method, target, header):
        if not header:
            return 401, "none", "-", "-", False
        scheme, _, rest = header.partition(" ")
        scheme = scheme.lower()
        if self.scheme == "basic":
            if scheme != "basic":
                return 401, "wrong-scheme", "-", "-", False
            try:
                raw = base64.b64decode(rest.strip(), validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return 400, "malformed", "-", "-", False
            user, _, pw = raw.partition(":")
            if user == self.user and pw == self.password:
                return 200, "ok", user, "-", False
            return 401, "bad-password", user or "-", "-", False
        if scheme != "digest":
            return 401, "wrong-scheme", "-", "-", False
        return self._check_digest(method, target, parse_params(rest))

    def _check_digest(self, method, target, p):
        if p is None:
            return 400, "malformed", "-", "-", False
        need = ("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce")
        if any(k not in p for k in need):
            return 400, "missing-field", p.get("username", "-"), "-", False
        alg = p.get("algorithm", "MD5")
        user = p["username"]
        if alg not in self.algorithms or p["qop"] != "auth" or p["realm"] != self.realm:
            return 400, "bad-params", user, alg, False
        if p["uri"] != target:
            return 400, "bad-uri", user, alg, False
        try:
            nc = int(p["nc"], 16)
        except ValueError:
            return 400, "bad-nc", user, alg, False
        sess = alg.endswith("-sess")
        hname = HASHES[alg[:-5] if sess else alg]
        ha1 = digestsrv.ha1(hname, user, self.realm, self.password, sess, p["nonce"], p["cnonce"])
        want = digestsrv.response(hname, ha1, p["nonce"], method, p["uri"], p)
        if user != self.user or want != p["response"].lower():
            return 401, "bad-password", user, alg, False
        if p.get("opaque", self.opaque) != self.opaque:
            return 401, "bad-opaque", user, alg, True
        with self.lock:
            st = self.nonces.get(p["nonce"])
            if st is None:
                return 401, "unknown-nonce", user, alg, True
            if time.monotonic() - st[0] > self.nonce_lifetime:
                del self.nonces[p["nonce"]]
                return 401, "stale-nonce", user, alg, True
            if nc <= st[1]:
                return 401, "replayed-nc", user, alg, True
            st[1] = nc
        return 200, "ok", user, alg, False
