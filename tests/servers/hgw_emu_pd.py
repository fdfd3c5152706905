"""hgw_emu_pd.py - the DHCPv6-PD side of the home-gateway emulator.

What an NTT PR-600MI class gateway does with the /56 it holds: it keeps
...00::/64 and ...01::/64 (the /60 with index 0) for itself and hands out
the /60s with index 1..15 first come, first served, the lowest free index
first, each with a 14400 s valid lifetime. A second IA_PD in one request
"crashes" the firmware (the caller handles that). With --kea-leases the
table comes from a real Kea server's memfile CSV instead (read_kea).
Python 3 stdlib only.
"""

import ipaddress
import time

FIRST_INDEX, LAST_INDEX = 1, 15
MAX_KEA_LINES = 100000


def sub60(prefix56, index):
    net = ipaddress.IPv6Network(prefix56)
    base = int(net.network_address) + (index << (128 - 60))
    return "%s/60" % ipaddress.IPv6Address(base)


class Table:
    """The emulator's own lease table: client name -> lease dict."""

    def __init__(self, prefix56, lifetime):
        self.prefix = str(ipaddress.IPv6Network(prefix56))
        self.lifetime = lifetime
        self.leases = {}

    def _expire(self):
        now = time.time()
        for c in [c for c, l in self.leases.items() if l["expires"] <= now]:
            del self.leases[c]

    def solicit(self, client, duid, iaid):
        """-> (lease, None) | (None, reason). A client that holds a lease
        gets the same prefix again (a renew)."""
        self._expire()
        now = time.time()
        lease = self.leases.get(client)
        if lease is not None:
            lease["expires"] = now + self.lifetime
            lease["duid"], lease["iaid"] = duid or lease["duid"], iaid
            return lease, None
        used = set(l["index"] for l in self.leases.values())
        for i in range(FIRST_INDEX, LAST_INDEX + 1):
            if i not in used:
                lease = {"client": client, "duid": duid or "", "iaid": iaid, "index": i,
                         "prefix": sub60(self.prefix, i), "expires": now + self.lifetime,
                         "state": "bound"}
                self.leases[client] = lease
                return lease, None
        return None, "no prefix available (all %d /60s are leased)" % (LAST_INDEX - FIRST_INDEX + 1)

    def release(self, client):
        lease = self.leases.pop(client, None)
        return lease and lease["prefix"]

    def clear(self):
        self.leases.clear()

    def rows(self):
        """Leases in index order, each with the remaining lifetime."""
        self._expire()
        now = time.time()
        out = []
        for l in sorted(self.leases.values(), key=lambda x: x["index"]):
            d = dict(l)
            d["remaining"] = max(0, int(l["expires"] - now))
            out.append(d)
        return out


def read_kea(path, prefix56=None):
    """Kea's leases6 memfile CSV (header line first; the last line for an
    address wins; lease_type 2 = IA_PD). Returns the PD leases still
    valid: valid_lifetime 0 (released), state 1 (declined) or 2
    (expired-reclaimed) and past expiry are left out."""
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()[:MAX_KEA_LINES]
    except OSError:
        return []
    if not lines:
        return []
    cols = [c.strip() for c in lines[0].split(",")]
    idx = dict((c, i) for i, c in enumerate(cols))
    need = ("address", "duid", "valid_lifetime", "expire", "lease_type", "prefix_len")
    if any(c not in idx for c in need):
        return []
    latest = {}
    for line in lines[1:]:
        f = line.split(",")
        if len(f) < len(cols):
            continue
        latest[(f[idx["address"]], f[idx["prefix_len"]])] = f
    now = time.time()
    out = []
    net = ipaddress.IPv6Network(prefix56) if prefix56 else None
    for (addr, plen), f in latest.items():
        try:
            ltype, valid = int(f[idx["lease_type"]]), int(f[idx["valid_lifetime"]])
            expire = int(f[idx["expire"]])
            state = int(f[idx["state"]]) if "state" in idx and f[idx["state"]] else 0
            pnet = ipaddress.IPv6Network("%s/%s" % (addr, plen), strict=False)
        except ValueError:
            continue
        if ltype != 2 or valid == 0 or state in (1, 2) or expire <= now:
            continue
        index = None
        if net is not None and pnet.prefixlen == 60 and pnet.subnet_of(net):
            index = (int(pnet.network_address) - int(net.network_address)) >> (128 - 60)
        iaid = f[idx["iaid"]] if "iaid" in idx else ""
        out.append({"client": "", "duid": f[idx["duid"]], "iaid": int(iaid) if iaid.isdigit() else None,
                    "index": index, "prefix": str(pnet), "remaining": expire - int(now),
                    "expires": expire, "state": "bound"})
    out.sort(key=lambda l: ipaddress.IPv6Network(l["prefix"]))
    return out
