"""hgw_emu_gateway.py - the state of the emulated home gateway (hgw_emu.py)
and its control API (POST /__emu/solicit, release, reboot, replace, set:
what a test does to the gateway -- clients taking prefixes, a reboot, a
swap for a new gateway with a new MAC and password, page changes).
Python 3 stdlib only.
"""

import ipaddress
import json
import os
import threading
import time

import hgw_emu_auth
import hgw_emu_pd

LOCKOUT_WINDOW = 600


def mac_plus(mac, k):
    n = (int(mac.replace(":", ""), 16) + k) % (1 << 48)
    h = "%012x" % n
    return ":".join(h[i:i + 2] for i in range(0, 12, 2))


def norm_mac(text):
    h = "".join(c for c in text.lower() if c in "0123456789abcdef")
    if len(h) != 12:
        raise ValueError("bad MAC %r" % text)
    return ":".join(h[i:i + 2] for i in range(0, 12, 2))

class Gateway:
    """The emulated gateway's state; every change is saved to --state-dir."""

    def __init__(self, args, log):
        self.args, self.log = args, log
        self.lock = threading.RLock()
        self.st = {"model_name": "PR-600MI", "firmware": args.firmware,
                   "mac": norm_mac(args.mac), "prefix": str(ipaddress.IPv6Network(args.prefix)),
                   "wan_ipv4": "203.0.113.45", "dns4": ["203.0.113.1", "203.0.113.2"],
                   "dns6": ["2001:db8:ffff::53", "2001:db8:ffff::54"], "ipv6_state": "接続中",
                   "charset": args.charset, "drop_labels": []}
        self.counters = {"logins": 0, "failed_logins": 0, "lockouts": 0, "crashes": 0,
                         "reboots": 0, "replaces": 0, "requests": 0, "cookie_returned": 0}
        self.password = args.password
        self.failures = []
        self.sessions = set()
        self.crashed_until = 0.0
        self.table = hgw_emu_pd.Table(self.st["prefix"], args.pd_lifetime)
        self._load()
        self.st["wan_mac"] = mac_plus(self.st["mac"], 1)
        algs = [a.strip() for a in args.algorithms.split(",") if a.strip()]
        self.auth = hgw_emu_auth.Auth(args.auth, algs, args.user, self.password,
                                      args.realm, args.nonce_lifetime)

    # -- persistence ------------------------------------------------------
    def _path(self):
        return self.args.state_dir and os.path.join(self.args.state_dir, "hgw-emu-state.json")

    def _load(self):
        p = self._path()
        if not p or not os.path.exists(p):
            return
        with open(p, "r", encoding="utf-8") as f:
            d = json.load(f)
        self.st["mac"] = d.get("mac", self.st["mac"])
        self.password = d.get("password", self.password)
        for l in d.get("leases", []):
            if l.get("expires", 0) > time.time():
                self.table.leases[l["client"]] = l
        self.log.write(0, "*", "state loaded from %s" % p)

    def save(self):
        p = self._path()
        if not p:
            return
        d = {"mac": self.st["mac"], "password": self.password,
             "leases": list(self.table.leases.values())}
        tmp = "%s.%d.tmp" % (p, os.getpid())
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(d, f)
        os.replace(tmp, p)

    # -- state ------------------------------------------------------------
    def crashed(self):
        return time.monotonic() < self.crashed_until

    def locked(self):
        if not self.args.lockout:
            return False
        now = time.monotonic()
        self.failures = [t for t in self.failures if now - t < LOCKOUT_WINDOW]
        return len(self.failures) >= self.args.lockout

    def leases(self):
        if self.args.kea_leases:
            return hgw_emu_pd.read_kea(self.args.kea_leases, self.st["prefix"])
        return self.table.rows()

    def state(self):
        with self.lock:
            d = dict(self.st)
            d.update(self.counters)
            d.update({"user": self.args.user, "auth": self.args.auth, "locked": self.locked(),
                      "crashed": self.crashed(), "leases": self.leases(),
                      "lease_source": "kea" if self.args.kea_leases else "emulator"})
            return d

    def text_state(self):
        d = self.state()
        out = []
        for k in sorted(d):
            if k == "leases":
                continue
            v = d[k]
            if isinstance(v, list):
                v = ",".join(v) if v else "-"
            elif isinstance(v, bool):
                v = "true" if v else "false"
            out.append("%s %s" % (k, v))
        for l in d["leases"]:
            out.append("lease %s %s %s %s" % (l["client"] or "-", l["prefix"], l["duid"] or "-",
                                              l["remaining"]))
        return "\n".join(out) + "\n"


def run(h, gw, op, req):
    """One control operation -> (status, JSON object). h: the request handler."""
    if op in ("solicit", "release") and h.server.args.kea_leases:
        return 409, {"error": "leases come from Kea (--kea-leases): use a real DHCPv6 client"}
    if op == "solicit":
        if int(req.get("ia_pd", 1)) > 1:
            gw.counters["crashes"] += 1
            gw.crashed_until = time.monotonic() + h.server.args.crash_seconds
            h.ev("CRASH: %d IA_PD in one request from %r; refusing requests for %g s"
                 % (int(req["ia_pd"]), req.get("client"), h.server.args.crash_seconds))
            h.close_connection = True
            return 500, {"error": "firmware crashed (several IA_PD in one request)"}
        client = str(req.get("client") or "")
        if not client:
            return 400, {"error": "client expected"}
        lease, why = gw.table.solicit(client, str(req.get("duid") or ""), req.get("iaid"))
        if lease is None:
            return 409, {"error": why}
        h.ev("lease %s -> %s" % (client, lease["prefix"]))
        return 200, {"prefix": lease["prefix"], "index": lease["index"],
                     "lifetime": gw.table.lifetime}
    if op == "release":
        p = gw.table.release(str(req.get("client") or ""))
        h.ev("release %r (%s)" % (req.get("client"), p))
        return 200, {"released": p}
    if op == "reboot":
        gw.table.clear()
        gw.sessions.clear()
        gw.auth.reset()
        gw.counters["reboots"] += 1
        h.ev("reboot: leases, sessions and nonces dropped")
        return 200, {"rebooted": True}
    if op == "replace":
        try:
            gw.st["mac"] = norm_mac(str(req.get("mac") or mac_plus(gw.st["mac"], 16)))
        except ValueError as e:
            return 400, {"error": str(e)}
        gw.st["wan_mac"] = mac_plus(gw.st["mac"], 1)
        if req.get("password") is not None:
            gw.password = str(req["password"])
        gw.auth.reset(gw.password)
        gw.table.clear()
        gw.sessions.clear()
        gw.failures = []
        gw.counters["replaces"] += 1
        h.ev("replace: new gateway with MAC %s (password changed: %s)"
             % (gw.st["mac"], "yes" if req.get("password") is not None else "no"))
        return 200, {"mac": gw.st["mac"]}
    if op == "set":
        for k in ("drop_labels", "ipv6_state", "prefix", "charset", "firmware", "wan_ipv4"):
            if k in req:
                gw.st[k] = req[k]
        if "prefix" in req:
            gw.table = hgw_emu_pd.Table(req["prefix"], gw.table.lifetime)
        return 200, {"set": sorted(req)}
    return 404, {"error": "unknown control %s" % path}
