#!/usr/bin/python3
"""httpd_quirk.py - a scriptable HTTP/1.1 test server for gwkit's test suite.

It produces what the real server (lighttpd, tests/servers/webstack.sh) will
not: every Digest variant of RFC 7616 (MD5, MD5-sess, SHA-256, SHA-256-sess,
SHA-512-256(-sess); qop auth and auth-int; userhash; several challenges in
one header or in several), stale nonces, nextnonce, rspauth (right and
wrong), a session cookie, odd challenge syntax, chunked edge cases, bodies
without a length, oversized bodies and headers, stalls and redirects to
another origin. Digest answers are really verified (realm, uri, algorithm
and qop offered, opaque, nonce known and fresh, nc strictly increasing per
nonce, the response hash), so a client's mistakes show up as 401s.
Python 3 standard library only.

Usage:
  httpd_quirk.py --scenario digest --users 'user:Gw-pass 1' \\
      --ready-file /tmp/x/port --log /tmp/x/log \\
      [--host 127.0.0.1|::1] [--port 0] [--port2 0 [--host2 ::1]] \\
      [--cert cert.pem --key key.pem] [--token T] [--lifetime 120] \\
      [--max-connections N] [--config knobs.json] [--set KNOB=JSON ...]
  httpd_quirk.py --list-scenarios
  httpd_quirk.py --scenario NAME [--config F] [--set K=V] --dump-config

  * Binds only numeric loopback addresses (127.0.0.0/8 or ::1); never
    resolves a name (the resolver functions of the socket module are
    disabled in this process).
  * --port2 opens a second listener (on --host2, default --host): another
    origin, for redirects (listener 2 answers every path, see redirect_to).
  * When listening, writes the port (and, with --port2, the second port on
    a second line) to --ready-file (tmp file + rename; an old ready file is
    removed at start) and prints "PORT n" (and "PORT2 n") on stdout
    (nothing else; --quiet suppresses it).
  * --cert/--key: both listeners speak TLS (https) from the first byte.
  * Stops by itself after --lifetime seconds even if a client stalls, or
    after --max-connections connections (both listeners together) have been
    accepted and finished, or on SIGTERM/SIGINT. Connections are served in
    threads; each is keep-alive (HTTP/1.1) unless the client or a knob says
    otherwise. Request bodies are read (Content-Length or chunked, with
    extensions and trailers); "Expect: 100-continue" gets a 100 first.
  * Behaviour = scenario preset (--scenario, default digest), then the JSON
    knobs of --config FILE (an object; may also name "scenario"), then each
    --set KNOB=JSON (value parsed as JSON, or taken as a string if it is not
    JSON). The dict knob "users" is merged key by key; other knobs are
    replaced. --users 'u:p,u2:p2' adds accounts, --token adds a bearer token.
  * Log (--log FILE, truncated at start, one line per record, written as the
    exchange goes):   <seconds since start> <conn#> <tag> <text>
      C   a request line, header line, chunk-size line or trailer line, as
          received (the empty line ending the head shows as an empty text)
      C~  bytes of an unfinished line (the client stopped or the line is
          longer than the limit)
      B   the request body: len=N sha256=HEX data=<first log_body_max bytes>
      R   the request summary, one per request, key=value fields separated
          by spaces: listener=1|2 req=<n on this connection> method= target=
          host= authorization=<scheme or -> cookie=<cookie names or ->
          verdict=<see below> user= algorithm= qop= nc= status=
      S   a response head line as sent (status line, header lines, then an
          empty text); S~ a head line without its CRLF
      D   the response body: len=N sha256=HEX (chunked: chunks=K, and the
          trailer names), or "stalled after N of M bytes"
      *   an event (connect, close, TLS, nonce bookkeeping, stop ...)
    Text is escaped: \\\\ \\r \\n \\t \\xHH for other bytes (a line that ended in
    a bare LF shows a trailing \\n); records longer than log_line_max are cut
    with "...[+N bytes]". conn 0 = the server. Nothing is redacted.
    R verdicts: open (no auth needed), ok, cookie (a valid session cookie),
    no-auth, wrong-scheme, malformed, realm-mismatch, algorithm-not-offered,
    qop-not-offered, uri-mismatch, opaque-mismatch, unknown-user,
    userhash-required, unknown-nonce, retired-nonce, stale (nonce too old),
    stale-forced (knob stale_count), bad-nc (first use of a nonce not
    nc=00000001, or not 8 hex digits), replayed-nc (nc not above the last
    one seen for that nonce), bad-response (wrong hash: wrong password),
    bad-password (Basic), bad-token (Bearer). A request that cannot be read
    gets "R listener= req= verdict=bad-request status=400|413|431|501 why=..."
    and the connection is closed.
  * Paths: /echo... answers (after auth) with the request body, byte-exact,
    and X-Echo-* headers like webstack's echo.cgi (?format=json: a JSON
    object); /final is the redirect target; anything else is "the page"
    (knobs page_*, transfer, chunk_*, stall_after).
  * Scenarios and knobs (with defaults): see --help / --list-scenarios.
"""

import argparse
import base64
import email.utils
import hashlib
import hmac
import json
import os
import re
import secrets
import select
import socket
import ssl
import sys
import textwrap
import time
import traceback
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quirklib  # noqa: E402
from quirklib import ConfigError, TLS_VERSIONS, esc, strip_eol, parse_users, check_host, listen  # noqa: E402
import digestsrv  # noqa: E402
from digestsrv import H, parse_params  # noqa: E402


# --------------------------------------------------------------------------
# No name resolution anywhere in this process.
quirklib.disable_name_resolution("httpd_quirk")


# --------------------------------------------------------------------------
# Knobs

STATUS_PAGE = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>gwkit quirk</title>'
               '</head>\n<body><p id="scenario">{scenario}</p><p id="path">{path}</p>'
               '<p id="user">{user}</p></body></html>\n')

DEFAULTS = {
    "auth": "digest",              # "none" | "digest" | "basic" | "bearer"
    "open_prefixes": ["/open/"],   # paths under these never need auth
    "realm": "gwkit-quirk",
    "users": {},                   # user -> password (Digest, Basic)
    "bearer_tokens": [],           # accepted Bearer tokens
    # Digest challenges, in the order sent. Each: algorithm (MD5, MD5-sess,
    # SHA-256, SHA-256-sess, SHA-512-256, SHA-512-256-sess), qop ("auth",
    # "auth-int", "auth,auth-int" or "" for none), userhash (bool), charset
    # (bool: charset=UTF-8). Each challenge gets a nonce of its own.
    "challenges": [{"algorithm": "SHA-256", "qop": "auth", "userhash": False, "charset": True},
                   {"algorithm": "MD5", "qop": "auth", "userhash": False, "charset": True}],
    "challenge_style": "one-header",  # "one-header" (comma-joined) | "headers" (a field each)
    "challenge_raw": None,         # list of WWW-Authenticate values sent instead of the
                                   # generated ones; placeholders {nonce0} {nonce1} ...
                                   # {opaque} {realm} (quoted-string escaped); "challenges"
                                   # still says what is accepted
    "opaque": "random",            # null (none) | "random" (one per server) | a fixed string
    "nonce_style": "hex",          # "hex" (32 hex digits) | "b64" ("+/" and base64, "==")
    "nonce_lifetime": 300,         # seconds; an older nonce gets 401 stale=true
    "stale_count": 0,              # the first N correct answers get 401 stale=true anyway
    "nextnonce": False,            # Authentication-Info: nextnonce="..." on success; the old
                                   # nonce is retired, the new one must start at nc=00000001
    "rspauth": "none",             # "none" | "good" | "bad": Authentication-Info rspauth
    "require_userhash": False,     # refuse a plain username when the challenge had userhash
    "session_cookie": None,        # cookie name: the first successful login sets
                                   # NAME=<random>; Path=/; HttpOnly, and a request with it
                                   # needs no Authorization
    "page_body": STATUS_PAGE,      # body of a successful page ({scenario} {path} {user})
    "page_file": None,             # a file served instead of page_body
    "page_size": 0,                # >0: the body is so many deterministic bytes instead
    "content_type": "text/html; charset=utf-8",
    "transfer": "length",          # "length" | "chunked" | "close" (no length, Connection:
                                   # close, body ends with the connection)
    "chunk_sizes": [4096],         # chunk lengths, cycled
    "chunk_size_formats": ["%x"],  # printf formats of the size lines, cycled ("%X", "%04x")
    "chunk_exts": [""],            # chunk extensions, cycled (";foo=bar")
    "last_chunk": "0",             # the last-chunk line ("0;end=1")
    "trailers": [],                # trailer lines ("X-Trailer: yes"; {sha256} {length})
    "write_size": 0,               # >0: send the response in pieces of so many bytes
    "write_delay": 0.0,            # seconds between those pieces
    "extra_headers": [],           # header lines added to every response
    "huge_header": 0,              # >0: an "X-Huge: AAA..." header line of so many bytes
    "stall_after": None,           # null | bytes of body | "half": then send nothing more
                                   # and hold the connection until the client or the
                                   # lifetime ends it
    "keep_alive": True,            # false: Connection: close after every response
    "close_after_401": False,      # close the connection after a 401
    "redirect_to": None,           # null | "origin2" (listener 2: {scheme}://{host2}:{port2}/final)
                                   # | "same" (/final) | "loop" (/loop/N -> /loop/N+1) |
                                   # a URL template ({scheme} {host} {port} {host2} {port2})
    "redirect_status": 302,
    "redirect_after_auth": True,   # the redirect is the answer to an authenticated request
    "redirect_cookie": None,       # cookie NAME set with the redirect (NAME=<random>; Path=/)
    "origin2_auth": "none",        # listener 2: "none" | "same" (as listener 1)
    "expect_100": True,            # answer "Expect: 100-continue" with a 100 first
    "max_request_head": 1048576,   # bytes of a request head (431 beyond)
    "max_request_body": 67108864,  # bytes of a request body (413 beyond)
    "max_requests": 1000,          # requests per connection
    "idle_timeout": 0,             # >0: close a connection idle that long between requests
    "tls_min": "1.2",              # "1.0" | "1.1" | "1.2" | "1.3" | null
    "log_body_max": 256,           # bytes of a body shown in B records
    "log_line_max": 4096,          # longest log record text
}

KNOB_DOC = {
    "auth": "what protected paths need: none | digest | basic | bearer",
    "open_prefixes": "paths under these never need auth",
    "realm": "the realm of every challenge",
    "users": "user -> password (Digest, Basic); --users adds to it",
    "bearer_tokens": "accepted Bearer tokens; --token adds to it",
    "challenges": "Digest challenges in the order sent: algorithm (MD5, SHA-256, SHA-512-256, "
                  "each optionally -sess), qop (\"auth\", \"auth-int\", \"auth,auth-int\" or "
                  "\"\" for none), userhash (bool), charset (bool: charset=UTF-8); each gets a "
                  "nonce of its own; an answer is accepted only for an offered algorithm and qop",
    "challenge_style": "one-header (challenges comma-joined in one WWW-Authenticate) | "
                       "headers (a field each)",
    "challenge_raw": "list of WWW-Authenticate values sent instead of the generated ones, with "
                     "{nonce0} {nonce1} ... {opaque} {realm} (quoted-string escaped); "
                     "\"challenges\" still says what is accepted",
    "opaque": "null (none) | \"random\" (one per server run) | a fixed string; must be echoed",
    "nonce_style": "hex (32 hex digits) | b64 (\"+/\" then base64 ending in \"==\")",
    "nonce_lifetime": "seconds; a correct answer with an older nonce gets 401 stale=true",
    "stale_count": "the first N correct answers (server-wide) get 401 stale=true anyway",
    "nextnonce": "success carries Authentication-Info nextnonce=\"...\"; the old nonce is "
                 "retired, the new one must start at nc=00000001",
    "rspauth": "none | good | bad: Authentication-Info rspauth (with qop, nc, cnonce)",
    "require_userhash": "refuse a plain username when the challenge said userhash=true",
    "session_cookie": "cookie NAME: the first successful Digest login sets NAME=<random>; "
                      "Path=/; HttpOnly; a request carrying it needs no Authorization",
    "page_body": "body of a successful page ({scenario} {path} {user} substituted)",
    "page_file": "a file served instead of page_body",
    "page_size": ">0: the page is so many deterministic bytes (as webstack's big.bin, which "
                 "is its first 1 MiB) with X-Body-Length and X-Body-Sha256 headers",
    "content_type": "Content-Type of a page",
    "transfer": "length (Content-Length) | chunked | close (no length, Connection: close, "
                "the body ends with the connection) for pages (/echo always has a length)",
    "chunk_sizes": "chunk lengths, cycled",
    "chunk_size_formats": "printf formats of the size lines, cycled (\"%X\", \"%04x\")",
    "chunk_exts": "chunk extensions, cycled (\";foo=bar\")",
    "last_chunk": "the last-chunk line (\"0;end=1\")",
    "trailers": "trailer lines (\"X-Trailer: yes\"; {sha256} {length} of the body)",
    "write_size": ">0: send responses in pieces of so many bytes",
    "write_delay": "seconds between those pieces",
    "extra_headers": "header lines added to every response",
    "huge_header": ">0: an \"X-Huge: AAA...\" header line of so many bytes in every response",
    "stall_after": "null | bytes | \"half\": a 200 page sends its head and that much body, "
                   "then nothing until the client closes or the lifetime ends",
    "keep_alive": "false: Connection: close after every response",
    "close_after_401": "close the connection after a 401",
    "redirect_to": "null | origin2 ({scheme}://{host2}:{port2}/final, listener 2) | same "
                   "(/final) | loop (/loop/N -> /loop/N+1) | a URL template ({scheme} {host} "
                   "{port} {host2} {port2}); /final and listener 2 are never redirected",
    "redirect_status": "status of a redirect",
    "redirect_after_auth": "the redirect answers an authenticated request (else any request)",
    "redirect_cookie": "cookie NAME set with a redirect (NAME=<random>; Path=/)",
    "origin2_auth": "listener 2: none | same (the auth of listener 1)",
    "expect_100": "answer \"Expect: 100-continue\" with a 100 before reading the body",
    "max_request_head": "bytes of a request head (431 beyond)",
    "max_request_body": "bytes of a request body (413 beyond)",
    "max_requests": "requests per connection",
    "idle_timeout": ">0: close a connection idle that long between requests",
    "tls_min": "1.0 | 1.1 | 1.2 | 1.3 | null (with --cert)",
    "log_body_max": "bytes of a body shown in B records",
    "log_line_max": "longest log record text",
}

DICT_KNOBS = ("users",)
ALGORITHMS = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256"}

ODD_CHALLENGE = ('Newauth realm="apps", type=1, title="Login to \\"apps\\"", '
                 'digest QOP="auth", NONCE="{nonce0}", ALGORITHM=SHA-256, '
                 'Realm = "{realm}", opaque="{opaque}", x-extra="a, b", '
                 'charset=UTF-8, Stale=FALSE')


def _ch(alg, qop="auth", userhash=False, charset=True):
    return {"algorithm": alg, "qop": qop, "userhash": userhash, "charset": charset}


SCENARIOS = {
    "digest": ("Digest: challenges SHA-256 and MD5 (qop=auth, each its own nonce, an opaque) "
               "in ONE WWW-Authenticate header; answers fully verified. With a wrong password "
               "every answer gets 401 (verdict bad-response): count the attempts in the log.",
               {}),
    "digest-two-headers": ("As digest, the two challenges in two WWW-Authenticate fields.",
                           {"challenge_style": "headers"}),
    "digest-md5": ("Digest MD5 only (qop=auth).", {"challenges": [_ch("MD5")]}),
    "digest-md5-sess": ("Digest MD5-sess only (qop=auth).", {"challenges": [_ch("MD5-sess")]}),
    "digest-sha256-sess": ("Digest SHA-256-sess only.", {"challenges": [_ch("SHA-256-sess")]}),
    "digest-sha512-256": ("Digest SHA-512-256 only.", {"challenges": [_ch("SHA-512-256")]}),
    "digest-auth-int": ("Digest SHA-256 and MD5 with qop=\"auth-int\" only: the body's hash is "
                        "part of the answer.",
                        {"challenges": [_ch("SHA-256", "auth-int"), _ch("MD5", "auth-int")]}),
    "digest-no-qop": ("Digest MD5 without qop (RFC 2069 style answer: no nc/cnonce).",
                      {"challenges": [_ch("MD5", "")]}),
    "digest-userhash": ("Digest SHA-256 with userhash=true; a plain username is refused "
                        "(verdict userhash-required).",
                        {"challenges": [_ch("SHA-256", "auth", True)],
                         "require_userhash": True}),
    "digest-odd": ("One WWW-Authenticate header holding first a 'Newauth' challenge whose "
                   "params contain commas and escaped quotes, then a lower-case 'digest' "
                   "challenge with upper/mixed-case names, an unquoted ALGORITHM=SHA-256, "
                   "'Realm = \"HGW, \\\"main\\\" (PR-600MI)\"' (comma and escaped quotes, "
                   "spaces around '='), a base64 nonce with + / =, an unknown x-extra param, "
                   "Stale=FALSE. HA1 uses the unescaped realm.",
                   {"realm": 'HGW, "main" (PR-600MI)', "nonce_style": "b64",
                    "challenges": [_ch("SHA-256")], "challenge_raw": [ODD_CHALLENGE]}),
    "stale": ("As digest, but the first correct answer gets 401 with stale=true and fresh "
              "nonces (verdict stale-forced); the retry with a new nonce succeeds.",
              {"stale_count": 1}),
    "nextnonce": ("As digest; every success carries Authentication-Info: nextnonce=\"...\"; "
                  "the old nonce is retired (verdict retired-nonce) and the next request must "
                  "use the new one with nc=00000001.", {"nextnonce": True}),
    "rspauth": ("As digest; every success carries Authentication-Info with a correct rspauth "
                "(qop, nc, cnonce too).", {"rspauth": "good"}),
    "rspauth-bad": ("As rspauth, but the rspauth value is wrong (one hex digit changed).",
                    {"rspauth": "bad"}),
    "session-cookie": ("As digest; the first successful login sets 'HGWSESSIONID=<random>; "
                       "Path=/; HttpOnly'; later requests carrying it are answered 200 without "
                       "a challenge (verdict cookie).", {"session_cookie": "HGWSESSIONID"}),
    "basic": ("Basic realm (charset=\"UTF-8\"), checked against --users.", {"auth": "basic"}),
    "bearer": ("Expects 'Authorization: Bearer TOKEN' (--token / bearer_tokens); otherwise 401 "
               "'Bearer realm=...' (error=\"invalid_token\" for a wrong one).",
               {"auth": "bearer"}),
    "open": ("No authentication anywhere; plain pages and /echo.", {"auth": "none"}),
    "chunked-edge": ("No auth. The body (1000 bytes) is chunked with size lines '1A;foo=bar', "
                     "'ff', '0001', upper- and lower-case hex with extensions (one quoted "
                     "with ';' inside), a last-chunk '0;end=1' and a trailer section "
                     "'X-Trailer: yes', 'X-Body-Sha256: <hex>'; the response is written in "
                     "7-byte pieces, 2 ms apart.",
                     {"auth": "none", "page_size": 1000, "transfer": "chunked",
                      "chunk_sizes": [26, 255, 1, 300, 418],
                      "chunk_size_formats": ["%X", "%x", "%04X", "%X", "%x"],
                      "chunk_exts": [";foo=bar", "", '; name="a;b"', ";x", ""],
                      "last_chunk": "0;end=1",
                      "trailers": ["X-Trailer: yes", "X-Body-Sha256: {sha256}"],
                      "write_size": 7, "write_delay": 0.002}),
    "no-length": ("No auth. 200 without Content-Length or chunking, 'Connection: close'; the "
                  "body (10000 bytes) ends when the server closes.",
                  {"auth": "none", "page_size": 10000, "transfer": "close"}),
    "max-body": ("No auth. A 2 MiB body (Content-Length; X-Body-Sha256 given).",
                 {"auth": "none", "page_size": 2097152}),
    "huge-header": ("No auth. The response head has a 1 MiB header line 'X-Huge: AAA...'.",
                    {"auth": "none", "huge_header": 1048576}),
    "stall-body": ("No auth. Head with Content-Length: 65536, then half the body, then "
                   "nothing until the client closes or the lifetime ends.",
                   {"auth": "none", "page_size": 65536, "stall_after": "half"}),
    "redirect-cross-origin": ("Digest as in digest; an authenticated request to listener 1 "
                              "(any path but /final) gets 302 to {scheme}://{host2}:{port2}"
                              "/final on listener 2 (needs --port2), with Set-Cookie "
                              "HGWSESSIONID=<random>; Path=/. Listener 2 answers 200 without "
                              "auth; its R record shows authorization= and cookie=.",
                              {"redirect_to": "origin2", "redirect_cookie": "HGWSESSIONID"}),
    "redirect-same-origin": ("Digest as in digest; an authenticated request (any path but "
                             "/final) gets 302 to /final on the same listener (also protected).",
                             {"redirect_to": "same"}),
    "redirect-loop": ("No auth. /loop/N (any other path counts as N=0) gets 302 to "
                      "/loop/N+1, forever.", {"auth": "none", "redirect_to": "loop",
                                              "redirect_after_auth": False}),
}


def merge_knobs(cfg, knobs, origin):
    quirklib.merge_knobs(cfg, knobs, origin, DEFAULTS, DICT_KNOBS)


def split_alg(alg):
    """'SHA-256-sess' -> ('SHA-256', True); unknown -> (None, False)."""
    a = str(alg).strip()
    sess = a.lower().endswith("-sess")
    if sess:
        a = a[:-5]
    for name in ALGORITHMS:
        if a.upper() == name:
            return name, sess
    return None, False


def validate(cfg):
    if cfg["auth"] not in ("none", "digest", "basic", "bearer"):
        raise ConfigError("auth must be none, digest, basic or bearer")
    if not isinstance(cfg["challenges"], list) or (cfg["auth"] == "digest" and not cfg["challenges"]):
        raise ConfigError("challenges must be a non-empty list")
    for c in cfg["challenges"]:
        if not isinstance(c, dict) or split_alg(c.get("algorithm", "MD5"))[0] is None:
            raise ConfigError("challenge %r: algorithm must be MD5, SHA-256 or SHA-512-256 "
                              "(optionally -sess)" % (c,))
        for q in qops_of(c):
            if q not in ("auth", "auth-int"):
                raise ConfigError("challenge %r: qop must be auth and/or auth-int" % (c,))
    if cfg["challenge_style"] not in ("one-header", "headers"):
        raise ConfigError("challenge_style must be one-header or headers")
    if cfg["challenge_raw"] is not None and not (isinstance(cfg["challenge_raw"], list)
                                                 and cfg["challenge_raw"]):
        raise ConfigError("challenge_raw must be a non-empty list or null")
    if cfg["nonce_style"] not in ("hex", "b64"):
        raise ConfigError("nonce_style must be hex or b64")
    if cfg["rspauth"] not in ("none", "good", "bad"):
        raise ConfigError("rspauth must be none, good or bad")
    if cfg["transfer"] not in ("length", "chunked", "close"):
        raise ConfigError("transfer must be length, chunked or close")
    for k in ("chunk_sizes", "chunk_size_formats", "chunk_exts"):
        if not isinstance(cfg[k], list) or not cfg[k]:
            raise ConfigError("%s must be a non-empty list" % k)
    if any((not isinstance(n, int)) or n <= 0 for n in cfg["chunk_sizes"]):
        raise ConfigError("chunk_sizes must be integers > 0")
    if cfg["stall_after"] not in (None, "half") and not (isinstance(cfg["stall_after"], int)
                                                          and cfg["stall_after"] >= 0):
        raise ConfigError("stall_after must be null, \"half\" or an integer >= 0")
    if cfg["redirect_to"] is not None and not isinstance(cfg["redirect_to"], str):
        raise ConfigError("redirect_to must be null or a string")
    if cfg["origin2_auth"] not in ("none", "same"):
        raise ConfigError("origin2_auth must be none or same")
    if cfg["tls_min"] is not None and cfg["tls_min"] not in TLS_VERSIONS:
        raise ConfigError("tls_min must be one of %s or null" % ", ".join(TLS_VERSIONS))
    for k in ("page_size", "huge_header", "write_size", "max_request_head", "max_request_body",
              "max_requests", "log_body_max", "log_line_max", "stale_count"):
        if not isinstance(cfg[k], int) or cfg[k] < 0:
            raise ConfigError("%s must be an integer >= 0" % k)
    for k in ("nonce_lifetime", "write_delay", "idle_timeout"):
        if not isinstance(cfg[k], (int, float)) or cfg[k] < 0:
            raise ConfigError("%s must be a number >= 0" % k)
    for k in ("open_prefixes", "bearer_tokens", "trailers", "extra_headers"):
        if not isinstance(cfg[k], list):
            raise ConfigError("%s must be a list" % k)
    for h in cfg["extra_headers"] + cfg["trailers"]:
        if "\r" in h or "\n" in h or ":" not in h:
            raise ConfigError("header line %r must be 'Name: value' without CR/LF" % h)


def qops_of(ch):
    return [q.strip() for q in str(ch.get("qop", "auth")).split(",") if q.strip()]


# --------------------------------------------------------------------------
# Log

class Log(quirklib.Log):
    def line(self, conn, tag, data):
        """One received/sent line: tag (complete, CRLF stripped) or tag~ (no LF)."""
        if data.endswith(b"\n"):
            self.write(conn, tag, esc(strip_eol(data), self.line_max))
        else:
            self.write(conn, tag + "~", esc(data, self.line_max))


# --------------------------------------------------------------------------
# Digest helpers

def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def decode_ext_value(v):
    """RFC 8187 ext-value (UTF-8''%E3%83...) -> str, or None."""
    m = re.match(r"^(?i:utf-8)'[^']*'(.*)$", v)
    if not m:
        return None
    try:
        return urllib.parse.unquote_to_bytes(m.group(1)).decode("utf-8")
    except UnicodeDecodeError:
        return None


def pattern_body(size):
    """Deterministic bytes (SHA-256 in counter mode), like webstack's big.bin."""
    out = bytearray()
    i = 0
    while len(out) < size:
        out += hashlib.sha256(b"gwkit webstack big.bin %d" % i).digest()
        i += 1
    return bytes(out[:size])


# --------------------------------------------------------------------------
# Connection

class Closed(Exception):
    """The connection is gone (client EOF, lifetime, error)."""


class BadRequest(Exception):
    def __init__(self, status, why):
        Exception.__init__(self, why)
        self.status = status
        self.why = why


class Request:
    def __init__(self):
        self.method = ""
        self.target = ""
        self.version = ""
        self.headers = []  # (name lower, value)
        self.body = b""
        self.chunked = False

    def get(self, name, default=None):
        for k, v in self.headers:
            if k == name:
                return v
        return default

    def all(self, name):
        return [v for k, v in self.headers if k == name]


class Conn:
    def __init__(self, server, sock, peer, n, listener):
        self.sv = server
        self.cfg = server.cfg
        self.log = server.log
        self.sock = sock
        self.peer = peer
        self.n = n
        self.listener = listener
        self.buf = bytearray()
        self.eof = False
        self.closed = False
        self.thread = None
        self.tls_version = None

    # ---- helpers ----------------------------------------------------------
    def ev(self, text):
        self.log.write(self.n, "*", text)

    def stopped(self):
        return self.sv.stop.is_set() or self.sv.remaining() <= 0

    # ---- output -----------------------------------------------------------
    def _sendall(self, data):
        if not data:
            return
        try:
            self.sock.settimeout(max(0.05, self.sv.remaining()))
            self.sock.sendall(data)
        except (OSError, ValueError) as e:
            self.ev("send-error %s" % esc(str(e)))
            self.eof = True
            raise Closed()

    def send(self, data):
        """Send, in write_size pieces write_delay apart when asked to."""
        ws = self.cfg["write_size"]
        if not ws:
            self._sendall(data)
            return
        for i in range(0, len(data), ws):
            self._sendall(data[i:i + ws])
            if self.cfg["write_delay"] and i + ws < len(data):
                self.sv.sleep(self.cfg["write_delay"])
                if self.stopped():
                    raise Closed()

    # ---- input ------------------------------------------------------------
    def recv_more(self, idle_limit=0):
        if self.eof:
            raise Closed()
        t0 = time.monotonic()
        while True:
            if self.stopped():
                raise Closed()
            try:
                self.sock.settimeout(0.25)
                data = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                if idle_limit and time.monotonic() - t0 >= idle_limit:
                    self.ev("idle timeout (%ss)" % idle_limit)
                    self.eof = True
                    raise Closed()
                continue
            except (OSError, ValueError) as e:
                self.ev("recv-error %s" % esc(str(e)))
                self.eof = True
                raise Closed()
            if not data:
                self.ev("server stopping: connection shut down" if self.stopped()
                        else "client closed the connection (EOF)")
                self.eof = True
                raise Closed()
            self.buf += data
            return

    def read_line(self, limit, idle_limit=0):
        """(bytes, complete). complete=False: limit reached without LF."""
        while True:
            i = self.buf.find(b"\n", 0, limit)
            if i >= 0:
                line = bytes(self.buf[:i + 1])
                del self.buf[:i + 1]
                return line, True
            if len(self.buf) >= limit:
                chunk = bytes(self.buf[:limit])
                del self.buf[:limit]
                return chunk, False
            try:
                self.recv_more(idle_limit)
            except Closed:
                if self.buf:
                    self.log.line(self.n, "C", bytes(self.buf))
                    self.buf.clear()
                raise

    def read_exact(self, n):
        while len(self.buf) < n:
            self.recv_more()
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    # ---- request ----------------------------------------------------------
    def read_request(self):
        """Read one request head (and leave the body). None: clean EOF before one."""
        cfg = self.cfg
        left = cfg["max_request_head"]
        idle = cfg["idle_timeout"]
        req = Request()
        # request line (skip empty lines before it, RFC 9112 2.2)
        for _ in range(8):
            try:
                line, complete = self.read_line(max(1, left), idle_limit=idle)
            except Closed:
                if not self.buf:
                    return None
                raise
            self.log.line(self.n, "C", line)
            if not complete:
                raise BadRequest(431, "request line longer than max_request_head")
            left -= len(line)
            if line.strip(b"\r\n"):
                break
        else:
            raise BadRequest(400, "only empty lines")
        text = strip_eol(line).rstrip(b"\n").decode("latin-1")
        parts = text.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise BadRequest(400, "bad request line")
        req.method, req.target, req.version = parts
        while True:
            if left <= 0:
                raise BadRequest(431, "request head longer than max_request_head")
            line, complete = self.read_line(left)
            self.log.line(self.n, "C", line)
            if not complete:
                raise BadRequest(431, "request head longer than max_request_head")
            left -= len(line)
            content = strip_eol(line).rstrip(b"\n")
            if not content:
                break
            if content[:1] in (b" ", b"\t"):
                raise BadRequest(400, "obsolete line folding")
            name, sep, value = content.partition(b":")
            if not sep or not name or name != name.strip():
                raise BadRequest(400, "bad header line")
            req.headers.append((name.decode("latin-1").lower(),
                                value.strip(b" \t").decode("utf-8", "surrogateescape")))
        return req

    def read_body(self, req):
        cfg = self.cfg
        te = ",".join(req.all("transfer-encoding")).lower()
        cls = req.all("content-length")
        if te:
            if te.replace(" ", "").split(",")[-1] != "chunked":
                raise BadRequest(501, "transfer-encoding %s not supported" % te)
            req.chunked = True
        elif cls:
            if len(set(cls)) != 1 or not re.match(r"^[0-9]{1,18}$", cls[0]):
                raise BadRequest(400, "bad content-length")
            if int(cls[0]) > cfg["max_request_body"]:
                raise BadRequest(413, "body larger than max_request_body")
        else:
            return
        if cfg["expect_100"] and (req.get("expect") or "").lower() == "100-continue":
            self.log.write(self.n, "S", "HTTP/1.1 100 Continue")
            self.log.write(self.n, "S", "")
            self._sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if not req.chunked:
            req.body = self.read_exact(int(cls[0]))
        else:
            body = bytearray()
            for _ in range(10_000_000):
                line, complete = self.read_line(4096)
                self.log.line(self.n, "C", line)
                if not complete:
                    raise BadRequest(400, "chunk-size line too long")
                m = re.match(rb"^([0-9A-Fa-f]{1,15})[ \t]*(;.*)?\r?\n$", line)
                if not m:
                    raise BadRequest(400, "bad chunk-size line")
                size = int(m.group(1), 16)
                if size == 0:
                    break
                if len(body) + size > cfg["max_request_body"]:
                    raise BadRequest(413, "body larger than max_request_body")
                body += self.read_exact(size)
                crlf, complete = self.read_line(4)
                if crlf not in (b"\r\n", b"\n"):
                    self.log.line(self.n, "C", crlf)
                    raise BadRequest(400, "chunk data not followed by CRLF")
            for _ in range(1000):  # trailer section
                line, complete = self.read_line(65536)
                self.log.line(self.n, "C", line)
                if not complete:
                    raise BadRequest(400, "trailer line too long")
                if not strip_eol(line).rstrip(b"\n"):
                    break
            else:
                raise BadRequest(400, "too many trailer lines")
            req.body = bytes(body)
        self.log.write(self.n, "B", "len=%d sha256=%s data=%s" % (
            len(req.body), hashlib.sha256(req.body).hexdigest(),
            esc(req.body, cfg["log_body_max"])))

    # ---- response ---------------------------------------------------------
    def respond(self, req, status, reason, headers, body, close=False, head_only=False,
                body_mode=None, page=False):
        """Send a response; returns True when the connection must close."""
        cfg = self.cfg
        mode = body_mode or "length"
        if mode == "chunked" and req.version == "HTTP/1.0":
            mode = "close"  # no chunked coding for an HTTP/1.0 client
        lines = ["HTTP/1.1 %d %s" % (status, reason),
                 "Date: " + email.utils.formatdate(usegmt=True),
                 "Server: gwkit-quirk"]
        lines += headers
        lines += [str(h) for h in cfg["extra_headers"]]
        if cfg["huge_header"]:
            lines.append("X-Huge: " + "A" * max(0, cfg["huge_header"] - len("X-Huge: ")))
        if mode == "length":
            lines.append("Content-Length: %d" % len(body))
        elif mode == "chunked":
            lines.append("Transfer-Encoding: chunked")
            if cfg["trailers"]:
                lines.append("Trailer: " + ", ".join(t.split(":", 1)[0] for t in cfg["trailers"]))
        if mode == "close":
            close = True
        if close:
            lines.append("Connection: close")
        head = b"".join(l.encode("utf-8") + b"\r\n" for l in lines) + b"\r\n"
        for l in lines:
            self.log.write(self.n, "S", esc(l, cfg["log_line_max"]))
        self.log.write(self.n, "S", "")
        sha = hashlib.sha256(body).hexdigest()
        if head_only:
            self.send(head)
            self.log.write(self.n, "D", "len=0 (HEAD; the body would be %d bytes)" % len(body))
            return close
        stall = cfg["stall_after"] if page else None
        if stall is not None:
            cut = len(body) // 2 if stall == "half" else min(int(stall), len(body))
            self.send(head + body[:cut])
            self.log.write(self.n, "D", "stalled after %d of %d bytes (sha256 of all %s)"
                           % (cut, len(body), sha))
            raise Stall()
        if mode != "chunked":
            self.send(head + body)
            self.log.write(self.n, "D", "len=%d sha256=%s%s" % (
                len(body), sha, " (ends with the connection)" if mode == "close" else ""))
            return close
        out = bytearray(head)
        pos = k = 0
        while pos < len(body):
            size = min(cfg["chunk_sizes"][k % len(cfg["chunk_sizes"])], len(body) - pos)
            fmt = cfg["chunk_size_formats"][k % len(cfg["chunk_size_formats"])]
            ext = cfg["chunk_exts"][k % len(cfg["chunk_exts"])]
            out += (fmt % size + ext + "\r\n").encode("latin-1")
            out += body[pos:pos + size] + b"\r\n"
            pos += size
            k += 1
        out += (cfg["last_chunk"] + "\r\n").encode("latin-1")
        for t in cfg["trailers"]:
            out += t.replace("{sha256}", sha).replace("{length}", str(len(body))).encode("utf-8") + b"\r\n"
        out += b"\r\n"
        self.send(bytes(out))
        self.log.write(self.n, "D", "len=%d sha256=%s chunked chunks=%d last=%s trailers=%s" % (
            len(body), sha, k, esc(cfg["last_chunk"]),
            ",".join(t.split(":", 1)[0] for t in cfg["trailers"]) or "-"))
        return close

    # ---- authentication ---------------------------------------------------
    def challenges(self, stale=False, error=None):
        """WWW-Authenticate header lines for this listener's auth."""
        cfg = self.cfg
        realm = cfg["realm"]
        if cfg["auth"] == "basic":
            return ["WWW-Authenticate: Basic realm=%s, charset=\"UTF-8\"" % quote(realm)]
        if cfg["auth"] == "bearer":
            v = "Bearer realm=%s" % quote(realm)
            if error:
                v += ', error="invalid_token"'
            return ["WWW-Authenticate: " + v]
        nonces = [self.sv.new_nonce(self.n) for _ in cfg["challenges"]]
        opaque = self.sv.opaque
        if cfg["challenge_raw"] is not None:
            vals = []
            for t in cfg["challenge_raw"]:
                v = t.replace("{realm}", quote(realm)[1:-1])
                v = v.replace("{opaque}", opaque or "")
                for i, nn in enumerate(nonces):
                    v = v.replace("{nonce%d}" % i, nn)
                if stale:
                    v = re.sub(r"(?i)stale=false", "stale=true", v)
                    if "stale=true" not in v.lower():
                        v += ", stale=true"
                vals.append(v)
        else:
            vals = []
            for ch, nn in zip(cfg["challenges"], nonces):
                v = "Digest realm=%s" % quote(realm)
                if qops_of(ch):
                    v += ", qop=%s" % quote(",".join(qops_of(ch)))
                v += ", algorithm=%s, nonce=%s" % (ch.get("algorithm", "MD5"), quote(nn))
                if opaque is not None:
                    v += ", opaque=%s" % quote(opaque)
                if ch.get("charset", True):
                    v += ", charset=UTF-8"
                if ch.get("userhash"):
                    v += ", userhash=true"
                if stale:
                    v += ", stale=true"
                vals.append(v)
        if cfg["challenge_style"] == "one-header":
            return ["WWW-Authenticate: " + ", ".join(vals)]
        return ["WWW-Authenticate: " + v for v in vals]

    def check_auth(self, req, info):
        """-> (verdict, status, extra headers). verdict ok/cookie/open pass."""
        cfg = self.cfg
        auth = cfg["auth"]
        if self.listener == 2 and cfg["origin2_auth"] == "none":
            auth = "none"
        path = req.target.split("?", 1)[0]
        if auth == "none" or any(path.startswith(p) for p in cfg["open_prefixes"]):
            return "open", 200, []
        if cfg["session_cookie"]:
            for c in req.all("cookie"):
                for part in c.split(";"):
                    k, _, v = part.strip().partition("=")
                    if k == cfg["session_cookie"] and self.sv.cookie_ok(v):
                        info["user"] = self.sv.cookie_user(v)
                        return "cookie", 200, []
        authz = req.get("authorization")
        if authz is None:
            return "no-auth", 401, self.challenges()
        scheme, _, rest = authz.strip().partition(" ")
        if auth == "basic":
            if scheme.lower() != "basic":
                return "wrong-scheme", 401, self.challenges()
            try:
                raw = base64.b64decode(rest.strip(), validate=True)
            except (ValueError, base64.binascii.Error):
                return "malformed", 400, []
            u, sep, p = raw.partition(b":")
            user = u.decode("utf-8", "surrogateescape")
            info["user"] = user
            if not sep:
                return "malformed", 400, []
            pw = cfg["users"].get(user)
            if pw is not None and hmac.compare_digest(pw.encode("utf-8"), p):
                return "ok", 200, []
            return "bad-password", 401, self.challenges()
        if auth == "bearer":
            if scheme.lower() != "bearer":
                return "wrong-scheme", 401, self.challenges()
            tok = rest.strip()
            if tok and tok in cfg["bearer_tokens"]:
                return "ok", 200, []
            return "bad-token", 401, self.challenges(error=True)
        if scheme.lower() != "digest":
            return "wrong-scheme", 401, self.challenges()
        return self.check_digest(req, rest, info)

    def check_digest(self, req, rest, info):
        cfg = self.cfg
        sv = self.sv
        p, err = parse_params(rest)
        if err:
            self.ev("digest: %s" % esc(err))
            return "malformed", 400, []
        alg_s = p.get("algorithm", "MD5")
        info["algorithm"] = alg_s
        info["qop"] = p.get("qop", "-")
        info["nc"] = p.get("nc", "-")
        need = ["realm", "nonce", "uri", "response"]
        if "qop" in p:
            need += ["nc", "cnonce"]
        missing = [k for k in need if k not in p]
        if ("username" in p) == ("username*" in p):
            missing.append("username (exactly one of username, username*)")
        if missing:
            self.ev("digest: missing %s" % ", ".join(missing))
            return "malformed", 400, []
        if p["realm"] != cfg["realm"]:
            self.ev("digest: realm %s, expected %s" % (esc(p["realm"]), esc(cfg["realm"])))
            return "realm-mismatch", 401, self.challenges()
        base, sess = split_alg(alg_s)
        offered = None
        for ch in cfg["challenges"]:
            b2, s2 = split_alg(ch.get("algorithm", "MD5"))
            if base is not None and (b2, s2) == (base, sess):
                offered = ch
                break
        if offered is None:
            return "algorithm-not-offered", 401, self.challenges()
        qops = qops_of(offered)
        if qops and p.get("qop") not in qops:
            return "qop-not-offered", 401, self.challenges()
        if not qops and "qop" in p:
            return "qop-not-offered", 401, self.challenges()
        if p["uri"] != req.target:
            self.ev("digest: uri %s, request-target %s" % (esc(p["uri"]), esc(req.target)))
            return "uri-mismatch", 400, []
        if sv.opaque is not None and p.get("opaque") != sv.opaque:
            return "opaque-mismatch", 401, self.challenges()
        hname = ALGORITHMS[base]
        realm_b = cfg["realm"].encode("utf-8")
        uh = p.get("userhash", "false").lower() == "true"
        user = None
        if uh:
            want = p.get("username", "").lower()
            for u in cfg["users"]:
                if H(hname, u.encode("utf-8") + b":" + realm_b) == want:
                    user = u
                    break
            info["user"] = user if user is not None else "(userhash %s)" % want[:16]
        else:
            if offered.get("userhash") and cfg["require_userhash"]:
                info["user"] = p.get("username") or p.get("username*")
                return "userhash-required", 401, self.challenges()
            if "username*" in p:
                user = decode_ext_value(p["username*"])
                if user is None:
                    self.ev("digest: bad username* %s" % esc(p["username*"]))
                    return "malformed", 400, []
            else:
                user = p["username"]
            info["user"] = user
        pw = cfg["users"].get(user) if user is not None else None
        nonce = p["nonce"]
        st = sv.nonce_state(nonce)
        if st is None:
            return "unknown-nonce", 401, self.challenges()
        if st["retired"]:
            return "retired-nonce", 401, self.challenges()
        nc_val = None
        if "qop" in p:
            if not re.match(r"^[0-9a-fA-F]{8}$", p["nc"]):
                return "bad-nc", 401, self.challenges()
            nc_val = int(p["nc"], 16)
        if pw is None:
            return "unknown-user", 401, self.challenges()
        ha1 = digestsrv.ha1(hname, user, cfg["realm"], pw, sess, nonce, p.get("cnonce", ""))
        want = digestsrv.response(hname, ha1, nonce, req.method, p["uri"], p, req.body)
        if not hmac.compare_digest(want, p["response"].lower()):
            return "bad-response", 401, self.challenges()
        # the hash is right: now the nonce's age and count
        if time.monotonic() - st["created"] > cfg["nonce_lifetime"]:
            return "stale", 401, self.challenges(stale=True)
        verdict = sv.use_nonce(nonce, nc_val)
        if verdict != "ok":
            return verdict, 401, self.challenges()
        if sv.take_forced_stale():
            sv.retire(nonce)
            return "stale-forced", 401, self.challenges(stale=True)
        info["digest"] = (hname, ha1, nonce, p, offered)
        return "ok", 200, []

    def auth_info(self, info, body):
        """Authentication-Info value after a Digest success, or None."""
        cfg = self.cfg
        if "digest" not in info:
            return None
        hname, ha1, nonce, p, _ = info["digest"]
        parts = []
        if cfg["nextnonce"]:
            nn = self.sv.new_nonce(self.n)
            self.sv.retire(nonce)
            parts.append("nextnonce=%s" % quote(nn))
        if cfg["rspauth"] != "none":
            r = digestsrv.response(hname, ha1, nonce, "", p["uri"], p, body)
            if cfg["rspauth"] == "bad":
                r = ("0" if r[0] != "0" else "1") + r[1:]
            parts.append("rspauth=%s" % quote(r))
            if "qop" in p:
                parts += ["qop=%s" % p["qop"], "nc=%s" % p["nc"], "cnonce=%s" % quote(p["cnonce"])]
        return ", ".join(parts) if parts else None

    # ---- one exchange -----------------------------------------------------
    def page(self, req, info):
        cfg = self.cfg
        if cfg["page_size"]:
            return pattern_body(cfg["page_size"]), cfg["content_type"]
        if cfg["page_file"]:
            with open(cfg["page_file"], "rb") as f:
                return f.read(), cfg["content_type"]
        html = lambda s: (s.replace("&", "&amp;").replace("<", "&lt;")
                          .replace(">", "&gt;").replace('"', "&quot;"))
        body = (cfg["page_body"].replace("{scenario}", html(self.sv.scenario))
                .replace("{path}", html(req.target))
                .replace("{user}", html(str(info.get("user") or "-"))))
        return body.encode("utf-8"), cfg["content_type"]

    def echo(self, req, info):
        q = urllib.parse.parse_qs(req.target.partition("?")[2])
        authz = req.get("authorization") or ""

        def clean(v):
            return "".join(chr(b) if 0x20 <= b < 0x7F else "%%%02X" % b
                           for b in v.encode("utf-8", "surrogateescape"))
        if q.get("format", ["raw"])[0] == "json":
            try:
                text = req.body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            doc = {"method": req.method, "uri": req.target, "listener": self.listener,
                   "content_type": req.get("content-type"), "length": len(req.body),
                   "sha256": hashlib.sha256(req.body).hexdigest(),
                   "body_b64": base64.b64encode(req.body).decode("ascii"), "body": text,
                   "chunked": req.chunked, "user": info.get("user"),
                   "headers": {k: v.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                               for k, v in req.headers}}
            return [], (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8"), \
                "application/json; charset=utf-8"
        hdrs = ["X-Echo-Method: " + clean(req.method),
                "X-Echo-Uri: " + clean(req.target),
                "X-Echo-Content-Type: " + clean(req.get("content-type") or "-"),
                "X-Echo-Length: %d" % len(req.body),
                "X-Echo-Sha256: " + hashlib.sha256(req.body).hexdigest(),
                "X-Echo-User: " + clean(str(info.get("user") or "-")),
                "X-Echo-Auth: " + clean(authz.split(" ", 1)[0] if authz else "-"),
                "X-Echo-Cookie: " + ("yes" if req.get("cookie") is not None else "no"),
                "X-Echo-Chunked: " + ("yes" if req.chunked else "no")]
        return hdrs, req.body, "application/octet-stream"

    def redirect_location(self, req):
        cfg = self.cfg
        to = cfg["redirect_to"]
        path = req.target.split("?", 1)[0]
        if to is None or path == "/final" or self.listener == 2:
            return None
        scheme = "https" if self.sv.tls_ctx else "http"

        def hp(h):
            return "[%s]" % h if ":" in h else h
        if to == "origin2":
            if not self.sv.port2:
                self.ev("redirect_to origin2 without --port2: no redirect")
                return None
            return "%s://%s:%d/final" % (scheme, hp(self.sv.host2), self.sv.port2)
        if to == "same":
            return "/final"
        if to == "loop":
            m = re.match(r"^/loop/(\d{1,9})$", path)
            return "/loop/%d" % ((int(m.group(1)) if m else 0) + 1)
        return (to.replace("{scheme}", scheme).replace("{host}", hp(self.sv.host))
                .replace("{port}", str(self.sv.port)).replace("{host2}", hp(self.sv.host2))
                .replace("{port2}", str(self.sv.port2 or 0)))

    def exchange(self, req, reqno):
        """Answer one request (body already read). True: close afterwards."""
        cfg = self.cfg
        info = {}
        authz = req.get("authorization")
        cookies = []
        for c in req.all("cookie"):
            cookies += [x.strip().split("=", 1)[0] for x in c.split(";") if x.strip()]
        client_close = ("close" in (req.get("connection") or "").lower()
                        or (req.version == "HTTP/1.0"
                            and "keep-alive" not in (req.get("connection") or "").lower()))
        location = None
        if cfg["redirect_to"] is not None and not cfg["redirect_after_auth"]:
            location = self.redirect_location(req)
        if location is not None:
            verdict, status, extra = "open", 302, []
        else:
            verdict, status, extra = self.check_auth(req, info)
            if status == 200:
                location = self.redirect_location(req)
                if location is not None:
                    status = 302
        headers = list(extra)
        body_mode = "length"
        page = False
        if status == 200:
            path = req.target.split("?", 1)[0]
            if path.startswith("/echo"):
                eh, body, ctype = self.echo(req, info)
                headers += eh
            else:
                body, ctype = self.page(req, info)
                body_mode = cfg["transfer"]
                page = True
                if cfg["page_size"]:
                    headers += ["X-Body-Length: %d" % len(body),
                                "X-Body-Sha256: " + hashlib.sha256(body).hexdigest()]
            headers.insert(0, "Content-Type: " + ctype)
            ai = self.auth_info(info, body)
            if ai:
                headers.append("Authentication-Info: " + ai)
            if cfg["session_cookie"] and verdict == "ok":
                v = self.sv.new_cookie(info.get("user"))
                headers.append("Set-Cookie: %s=%s; Path=/; HttpOnly" % (cfg["session_cookie"], v))
            reason = "OK"
        elif status == 302:
            body = b"<html><body>moved</body></html>\n"
            headers = ["Content-Type: text/html", "Location: " + location]
            if cfg["redirect_cookie"]:
                headers.append("Set-Cookie: %s=%s; Path=/" % (cfg["redirect_cookie"],
                                                              self.sv.new_cookie(info.get("user"))))
            ai = self.auth_info(info, body)
            if ai:
                headers.append("Authentication-Info: " + ai)
            status, reason = cfg["redirect_status"], "Found"
        elif status == 401:
            body = b"<html><body><h1>401 Unauthorized</h1></body></html>\n"
            headers.insert(0, "Content-Type: text/html")
            reason = "Unauthorized"
        else:
            body = ("<html><body><h1>%d</h1></body></html>\n" % status).encode()
            headers.insert(0, "Content-Type: text/html")
            reason = {400: "Bad Request"}.get(status, "Error")
        close = client_close or not cfg["keep_alive"] or (status == 401 and cfg["close_after_401"])
        if reqno >= cfg["max_requests"]:
            close = True
        self.log.write(self.n, "R", " ".join([
            "listener=%d" % self.listener, "req=%d" % reqno, "method=%s" % esc(req.method),
            "target=%s" % esc(req.target), "host=%s" % esc(req.get("host") or "-"),
            "authorization=%s" % esc(authz.split(" ", 1)[0] if authz else "-"),
            "cookie=%s" % esc(",".join(cookies) or "-"), "verdict=%s" % verdict,
            "user=%s" % esc(str(info.get("user") or "-")).replace(" ", "\\x20"),
            "algorithm=%s" % esc(info.get("algorithm", "-")),
            "qop=%s" % esc(info.get("qop", "-")), "nc=%s" % esc(info.get("nc", "-")),
            "status=%d" % status]))
        return self.respond(req, status, reason, headers, body, close=close,
                            head_only=(req.method == "HEAD"), body_mode=body_mode, page=page)

    # ---- connection end ---------------------------------------------------
    def stall(self):
        self.ev("stall: sending nothing more until the client closes or the lifetime ends")
        try:
            while True:
                n = len(self.buf)
                self.recv_more()
                self.log.line(self.n, "C", bytes(self.buf[n:]))
        except Closed:
            pass
        self.ev("stall ended (%s)" % ("server stopping" if self.stopped() else "client closed"))

    def finish(self):
        if self.closed:
            return
        self.closed = True
        s = self.sock
        try:
            if isinstance(s, ssl.SSLSocket) and not self.eof:
                try:
                    s.settimeout(0.5)
                    s = s.unwrap()
                    self.sock = s
                except (OSError, ValueError):
                    pass
            try:
                socket.socket.shutdown(s, socket.SHUT_RDWR)
            except (OSError, ValueError):
                pass
        finally:
            try:
                s.close()
            except (OSError, ValueError):
                pass
        self.ev("close")

    def kill(self):
        try:
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
        except (OSError, ValueError, TypeError):
            pass

    def tls_handshake(self):
        self.ev("tls handshake start")
        try:
            self.sock.settimeout(max(0.05, min(15.0, self.sv.remaining())))
            ss = self.sv.tls_ctx.wrap_socket(self.sock, server_side=True,
                                             do_handshake_on_connect=False)
            self.sock = ss
            ss.do_handshake()
        except (ssl.SSLError, OSError, ValueError) as e:
            self.ev("tls handshake failed: %s" % esc(str(e)))
            self.eof = True
            return False
        self.tls_version = ss.version()
        c = ss.cipher()
        self.ev("tls ok version=%s cipher=%s" % (self.tls_version, c[0] if c else "-"))
        return True

    def run(self):
        try:
            self.ev("connect from %s port %d to listener %d" % (self.peer[0], self.peer[1],
                                                                self.listener))
            if self.sv.tls_ctx is not None and not self.tls_handshake():
                return
            for reqno in range(1, self.cfg["max_requests"] + 1):
                try:
                    req = self.read_request()
                    if req is None:
                        if not self.eof:
                            self.ev("client closed the connection (EOF)")
                        break
                    self.read_body(req)
                except BadRequest as e:
                    self.ev("bad request: %s" % esc(e.why))
                    self.log.write(self.n, "R", "listener=%d req=%d verdict=bad-request "
                                   "status=%d why=%s" % (self.listener, reqno, e.status,
                                                         esc(e.why).replace(" ", "_")))
                    fake = Request()
                    fake.method = "GET"
                    reason = {400: "Bad Request", 413: "Content Too Large",
                              431: "Request Header Fields Too Large",
                              501: "Not Implemented"}.get(e.status, "Error")
                    self.respond(fake, e.status, reason, ["Content-Type: text/plain"],
                                 (e.why + "\n").encode(), close=True)
                    break
                if self.exchange(req, reqno):
                    break
        except Stall:
            self.stall()
        except Closed:
            pass
        except Exception:  # never let a bug kill the server silently
            self.ev("internal-error " + esc(traceback.format_exc()))
        finally:
            try:
                self.finish()
            except Exception:
                self.ev("internal-error " + esc(traceback.format_exc()))
            self.sv.conn_done(self)


class Stall(Exception):
    pass


# --------------------------------------------------------------------------
# Server

class Server(quirklib.BaseServer):
    def __init__(self, cfg, args, log, scenario):
        quirklib.BaseServer.__init__(self, cfg, args, log, scenario)
        self.host = args.host
        self.host2 = args.host2 or args.host
        self.port = 0
        self.port2 = 0
        self.nonces = {}     # nonce -> {"created", "last_nc", "retired", "conn"}
        self.cookies = {}    # value -> user
        self.forced_stale = cfg["stale_count"]
        o = cfg["opaque"]
        self.opaque = None if o is None else (secrets.token_hex(16) if o == "random" else str(o))
        self.tls_ctx = self.make_tls_ctx() if args.cert else None

    def make_tls_ctx(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.args.cert, self.args.key)
        if self.cfg["tls_min"]:
            ctx.minimum_version = TLS_VERSIONS[self.cfg["tls_min"]]
        return ctx

    # ---- nonces and cookies (shared by all connections) ------------------
    def new_nonce(self, conn):
        if self.cfg["nonce_style"] == "b64":  # "+/" + 24 base64 chars ending in "=="
            n = "+/" + base64.b64encode(secrets.token_bytes(16)).decode("ascii")
        else:
            n = secrets.token_hex(16)
        with self.lock:
            self.nonces[n] = {"created": time.monotonic(), "last_nc": 0, "retired": False}
            if len(self.nonces) > 100000:  # bounded: forget the oldest
                for k in list(self.nonces)[:50000]:
                    del self.nonces[k]
        self.log.write(conn, "*", "nonce issued %s" % esc(n))
        return n

    def nonce_state(self, n):
        with self.lock:
            st = self.nonces.get(n)
            return dict(st) if st else None

    def use_nonce(self, n, nc):
        """Record a use: 'ok', 'bad-nc' (first use not 1) or 'replayed-nc'."""
        with self.lock:
            st = self.nonces.get(n)
            if st is None:
                return "unknown-nonce"
            if nc is None:  # no qop: no count to check
                return "ok"
            if st["last_nc"] == 0 and nc != 1:
                return "bad-nc"
            if nc <= st["last_nc"]:
                return "replayed-nc"
            st["last_nc"] = nc
            return "ok"

    def retire(self, n):
        with self.lock:
            if n in self.nonces:
                self.nonces[n]["retired"] = True

    def take_forced_stale(self):
        with self.lock:
            if self.forced_stale > 0:
                self.forced_stale -= 1
                return True
            return False

    def new_cookie(self, user):
        v = secrets.token_hex(16)
        with self.lock:
            self.cookies[v] = user
        return v

    def cookie_ok(self, v):
        with self.lock:
            return v in self.cookies

    def cookie_user(self, v):
        with self.lock:
            return self.cookies.get(v)

    # ---- connections ------------------------------------------------------
    def serve(self, lsocks):
        self.listener_of = dict(lsocks)
        return self.serve_loop([ls for ls, _ in lsocks])

    def accept_some(self, lsocks):
        maxc = self.args.max_connections
        try:
            r, _, _ = select.select(lsocks, [], [], max(0.01, min(0.2, self.remaining())))
        except (OSError, ValueError) as e:
            self.log.write(0, "*", "select-error %s" % esc(str(e)))
            self.stop.wait(0.05)
            return
        for ls in lsocks:
            if ls not in r:
                continue
            try:
                s, peer = ls.accept()
            except OSError as e:
                self.log.write(0, "*", "accept-error %s" % esc(str(e)))
                continue
            self.accepted += 1
            self.spawn(Conn(self, s, peer, self.accepted, self.listener_of[ls]))
            if maxc and self.accepted >= maxc:
                break


def build_config(args):
    scenario, cfg = quirklib.base_config(args, "digest", SCENARIOS, DEFAULTS, merge_knobs)
    if args.users:
        cfg["users"] = dict(cfg["users"], **parse_users(args.users))
    if args.token:
        cfg["bearer_tokens"] = list(cfg["bearer_tokens"]) + [args.token]
    validate(cfg)
    return scenario, cfg


def scenario_list():
    out = []
    for k, v in SCENARIOS.items():
        lines = textwrap.wrap(v[0], 76) or [""]
        out.append("  %s\n" % k + "\n".join("      " + l for l in lines))
    return "\n".join(out)


def knob_list():
    out = []
    for k, v in DEFAULTS.items():
        d = json.dumps(v, ensure_ascii=False)
        if len(d) > 60:
            d = d[:57] + "..."
        out.append("  %-20s %s\n" % (k, d)
                   + "\n".join("      " + l for l in textwrap.wrap(KNOB_DOC[k], 76)))
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="httpd_quirk.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="scenarios:\n" + scenario_list() + "\n\nknobs (JSON), defaults:\n" + knob_list())
    ap.add_argument("--scenario", help="preset (default digest)")
    ap.add_argument("--config", metavar="FILE", help="JSON object of knobs")
    ap.add_argument("--set", action="append", metavar="KNOB=JSON", help="one knob (repeatable)")
    ap.add_argument("--host", default="127.0.0.1", help="numeric loopback address (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=0, help="port (default 0: ephemeral)")
    ap.add_argument("--host2", help="address of the second listener (default --host)")
    ap.add_argument("--port2", type=int, help="open a second listener (0: ephemeral)")
    ap.add_argument("--ready-file", metavar="FILE", help="gets the port(s) once listening")
    ap.add_argument("--log", metavar="FILE", help="transcript + events")
    ap.add_argument("--lifetime", type=float, default=120.0, help="seconds (default 120)")
    ap.add_argument("--max-connections", type=int, default=0, help="0 = unlimited")
    ap.add_argument("--cert", metavar="FILE", help="PEM certificate (both listeners speak TLS)")
    ap.add_argument("--key", metavar="FILE", help="PEM private key")
    ap.add_argument("--users", metavar="U:P,U2:P2", help="accounts (added to knob users)")
    ap.add_argument("--token", help="a Bearer token (added to knob bearer_tokens)")
    ap.add_argument("--quiet", action="store_true", help="do not print the PORT lines")
    ap.add_argument("--list-scenarios", action="store_true")
    ap.add_argument("--dump-config", action="store_true", help="print the effective knobs and exit")
    args = ap.parse_args(argv)

    if args.list_scenarios:
        print(scenario_list())
        return 0
    try:
        scenario, cfg = build_config(args)
        if args.dump_config:
            print(json.dumps(cfg, indent=1, sort_keys=True, ensure_ascii=False))
            return 0
        args.host = check_host(args.host, "--host")
        if args.host2 is not None:
            args.host2 = check_host(args.host2, "--host2")
            if args.port2 is None:
                raise ConfigError("--host2 needs --port2")
        for p, opt in ((args.port, "--port"), (args.port2, "--port2")):
            if p is not None and not 0 <= p <= 65535:
                raise ConfigError("%s out of range" % opt)
        if args.lifetime <= 0:
            raise ConfigError("--lifetime must be > 0")
        if bool(args.cert) != bool(args.key):
            raise ConfigError("--cert and --key go together")
    except ConfigError as e:
        sys.stderr.write("httpd_quirk: %s\n" % e)
        return 2

    quirklib.remove_ready_file(args.ready_file)
    log = Log(args.log, cfg["log_line_max"])
    try:
        server = Server(cfg, args, log, scenario)
    except (OSError, ssl.SSLError) as e:
        sys.stderr.write("httpd_quirk: cannot set up TLS (--cert %s --key %s): %s\n"
                         % (args.cert, args.key, e))
        return 2

    lsocks = []
    try:
        ls = listen(args.host, args.port)
        lsocks.append((ls, 1))
        server.port = ls.getsockname()[1]
        if args.port2 is not None:
            ls2 = listen(server.host2, args.port2)
            lsocks.append((ls2, 2))
            server.port2 = ls2.getsockname()[1]
    except OSError as e:
        sys.stderr.write("httpd_quirk: cannot listen: %s\n" % e)
        return 1

    quirklib.stop_on_signals(server)

    log.write(0, "*", "server start scenario=%s host=%s port=%d%s pid=%d lifetime=%g tls=%s"
              % (scenario, args.host, server.port,
                 " host2=%s port2=%d" % (server.host2, server.port2) if server.port2 else "",
                 os.getpid(), args.lifetime, "yes" if server.tls_ctx else "no"))
    log.write(0, "*", "config " + esc(json.dumps(cfg, sort_keys=True)))
    ports = [("PORT", server.port)]
    if server.port2:
        ports.append(("PORT2", server.port2))
    quirklib.announce(args, ports)
    quirklib.serve_and_exit(server, lsocks, log)


if __name__ == "__main__":
    sys.exit(main())
