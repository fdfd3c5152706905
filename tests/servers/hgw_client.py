#!/usr/bin/env python3
"""hgw_client.py - an emulated downstream router (a DHCPv6-PD client) for tests.

It takes a /60 from hgw_emu.py's control API the way a real router's
DHCPv6 client would from the gateway, and remembers it in its own state
file, like dhclient's lease file:

  hgw_client.py --emu http://127.0.0.1:PORT --name nvr510 --duid 00:03:00:01:02:00:5e:10:00:01 \\
                --state /tmp/x/nvr510.state bind      # prints "prefix 2001:db8:1234:5610::/60"
  hgw_client.py ... release                           # prints "prefix none"
  hgw_client.py ... show                              # "prefix <p>" or "prefix none"

bind asks for one IA_PD (--ia-pd N asks for N in one request: what crashes
PR-600MI firmware; only for the test that proves nobody does it). A
client that already holds a lease at the gateway gets the same prefix
again. show prints what the client believes it holds (its state file), not
what the gateway says: after a gateway reboot it is stale until the next
bind. Exit status: 0 done, 1 the gateway refused or did not answer, 2 usage.
Numeric addresses only (no name lookups); Python 3 stdlib only.
"""

import argparse
import http.client
import json
import os
import sys
import urllib.parse


def post(emu, path, obj, timeout):
    u = urllib.parse.urlsplit(emu)
    if u.scheme != "http" or not u.hostname:
        raise ValueError("--emu must be http://ADDRESS:PORT")
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    try:
        body = json.dumps(obj).encode("utf-8")
        conn.request("POST", path, body, {"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read(65536)
        try:
            return r.status, json.loads(data.decode("utf-8"))
        except ValueError:
            return r.status, {"error": data.decode("utf-8", "replace")[:200]}
    finally:
        conn.close()


def write_state(path, prefix):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("prefix %s\n" % (prefix or "none"))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_state(path):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("prefix "):
                    p = line.split()[1]
                    return None if p == "none" else p
    except OSError:
        pass
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description="emulated DHCPv6-PD client of hgw_emu.py")
    ap.add_argument("--emu", required=True, help="http://127.0.0.1:PORT of hgw_emu.py")
    ap.add_argument("--name", required=True, help="client name (the emulator's lease key)")
    ap.add_argument("--duid", default="", help="DUID shown in the gateway's lease table")
    ap.add_argument("--iaid", type=int, default=1)
    ap.add_argument("--ia-pd", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--state", required=True, help="this client's state file")
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("command", choices=["bind", "release", "show"])
    a = ap.parse_args(argv)
    if a.command == "show":
        print("prefix %s" % (read_state(a.state) or "none"))
        return 0
    try:
        if a.command == "bind":
            status, r = post(a.emu, "/__emu/solicit", {"client": a.name, "duid": a.duid,
                                                       "iaid": a.iaid, "ia_pd": a.ia_pd}, a.timeout)
            if status != 200:
                sys.stderr.write("hgw_client %s: bind refused (%d): %s\n" % (a.name, status, r.get("error")))
                return 1
            write_state(a.state, r["prefix"])
            print("prefix %s" % r["prefix"])
        else:
            status, r = post(a.emu, "/__emu/release", {"client": a.name}, a.timeout)
            if status != 200:
                sys.stderr.write("hgw_client %s: release refused (%d): %s\n" % (a.name, status, r.get("error")))
                return 1
            write_state(a.state, None)
            print("prefix none")
    except (OSError, ValueError, http.client.HTTPException) as e:
        sys.stderr.write("hgw_client %s: %s failed: %s\n" % (a.name, a.command, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
