"""COUNT Digest-protected GETs with urllib and HTTPDigestAuthHandler, one
opener (urllib opens a connection per request and answers each 401 anew).
Usage: python3 urllib_digest.py URL USER PASSWORD COUNT"""
import sys, urllib.request
url, user, pw, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
pm = urllib.request.HTTPPasswordMgrWithDefaultRealm()
pm.add_password(None, url, user, pw)
opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(pm))
for _ in range(count):
    with opener.open(url, timeout=30) as r:
        assert r.status == 200, r.status
        r.read()
