#!/bin/sh
# tests/lab/dhclient-script.sh - the lab clients' dhclient script (-sf).
# It changes nothing (no address, no route, no resolv.conf): it records
# what dhclient gave it, one line per call, in the file named by
# GWLAB_EVENTS (passed with dhclient -e, as dhclient runs its script with
# its own variables only):
#   <unix time> reason=BOUND6 interface=wan0 new_ip6_prefix=2001:db8:1234:5610::/60 ...
# Every variable dhclient sets for a DHCPv6 client is written (reason,
# interface, new_*, old_*, cur_*, requested_*), sorted, on one line.
# lab.sh copies it into the lab directory (mode 755) and points -sf there.
[ -n "${GWLAB_EVENTS:-}" ] || exit 0
{
    printf '%s' "$(date +%s)"
    env | grep -E '^(reason|interface|(new|old|cur|requested)_[A-Za-z0-9_]+)=' |
        LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//; s/^/ /'
    echo
} >>"$GWLAB_EVENTS" 2>/dev/null
exit 0
