#!/usr/bin/python3
"""chunked.cgi - gwkit webstack: a response without Content-Length, written
in parts with pauses, so that lighttpd sends it with
Transfer-Encoding: chunked (HTTP/1.1 clients; an HTTP/1.0 client gets it
read-to-close). lighttpd picks the chunk sizes (it may merge parts).

Query parameters (optional):
  parts=N      number of parts (default 8, 1..10000)
  size=S       bytes per part (default 100, 1..1048576)
  delay_ms=D   pause after each part but the last (default 10, 0..1000)

Part i (0-based) is the string "chunk %06d " % i repeated and cut to S
bytes. Headers X-Body-Length and X-Body-Sha256 give the length and hex
SHA-256 of the whole body.
"""
import hashlib
import os
import sys
import time
import urllib.parse


def num(q, name, default, lo, hi):
    try:
        v = int(q.get(name, [str(default)])[0])
    except ValueError:
        return default
    return min(max(v, lo), hi)


q = urllib.parse.parse_qs(os.environ.get("QUERY_STRING", ""))
parts = num(q, "parts", 8, 1, 10000)
size = num(q, "size", 100, 1, 1048576)
delay = num(q, "delay_ms", 10, 0, 1000) / 1000.0


def part(i):
    unit = b"chunk %06d " % i
    return (unit * (size // len(unit) + 1))[:size]


h = hashlib.sha256()
for i in range(parts):
    h.update(part(i))
out = sys.stdout.buffer
out.write(("Content-Type: text/plain; charset=us-ascii\r\n"
           "Cache-Control: no-store\r\n"
           "X-Body-Length: %d\r\nX-Body-Sha256: %s\r\n\r\n"
           % (parts * size, h.hexdigest())).encode("ascii"))
out.flush()
for i in range(parts):
    out.write(part(i))
    out.flush()
    if delay and i + 1 < parts:
        time.sleep(delay)
