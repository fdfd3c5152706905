#!/usr/bin/python3
"""smtpd_quirk.py - a scriptable SMTP test server for gwkit's test suite.

It produces the faults that no real server (Postfix) shows: the ISP's
"535 CRAM-MD5 not supported for <user>" on an advertised mechanism, bytes
injected after the STARTTLS 220, garbage/overlong/dropped/stalled replies,
TLS 1.0/1.1 only, and so on.  Python 3 standard library only.

Usage:
  smtpd_quirk.py --scenario isp --users 'me@example.jp:secret' \\
      --cert cert.pem --key key.pem [--implicit-tls] \\
      --ready-file /tmp/x/port --log /tmp/x/log --spool /tmp/x/spool \\
      [--host 127.0.0.1|::1] [--port 0] [--lifetime 120] [--max-connections N] \\
      [--config knobs.json] [--set KNOB=JSON ...]
  smtpd_quirk.py --list-scenarios
  smtpd_quirk.py --scenario NAME [--config F] [--set K=V] --dump-config

  * Binds only a numeric loopback address (127.0.0.0/8 or ::1); never
    resolves a name (the resolver functions of the socket module are
    disabled in this process).
  * When listening, writes the port number (plus a newline) to --ready-file
    (tmp file + rename; an old ready file is removed at start) and prints one
    line "PORT n" on stdout (nothing else; --quiet suppresses it).
  * Stops by itself after --lifetime seconds even if a client stalls, or
    after --max-connections connections have been accepted and finished,
    or on SIGTERM/SIGINT.  Connections are served in threads.
  * Behaviour = scenario preset (--scenario), then the JSON knobs of
    --config FILE (an object; may also name "scenario"), then each
    --set KNOB=JSON (value parsed as JSON, or taken as a string if it is not
    JSON).  Dict knobs (replies, auth_behaviour, overrides, delays, users)
    are merged key by key; other knobs are replaced.
  * Log (--log FILE, truncated at start, one line per record, written as the
    protocol goes):   <seconds since start> <conn#> <tag> <text>
      tags: C client command line, D client DATA line (as on the wire, before
      dot-unstuffing), S server line, C~/D~/S~ bytes without a line end (for
      S~ the line continues in the next S/S~ record), * event.  The text is
      the line without its CRLF; other bytes are escaped: \\\\ \\r \\n \\t \\xHH
      (a line that ended in a bare LF shows a trailing \\n).  conn 0 = server.
      The log is the full decrypted transcript; nothing is redacted.
  * Spool (--spool DIR): <n>.eml = the message byte-exact, dot-stuffing
    undone, up to and including the CRLF before the final "."; <n>.json =
    the envelope {from, rcpts, auth_user, mechanism, tls_version, ...}.
    .json is written after .eml, both before the reply to the final ".".
"""

import argparse
import base64
import copy
import hashlib
import hmac
import json
import os
import secrets
import select
import socket
import ssl
import struct
import sys
import time
import traceback
import warnings

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quirklib  # noqa: E402
from quirklib import ConfigError, TLS_VERSIONS, esc, strip_eol, parse_users  # noqa: E402


# --------------------------------------------------------------------------
# No name resolution anywhere in this process.
quirklib.disable_name_resolution("smtpd_quirk")


# --------------------------------------------------------------------------
# Knobs

DEFAULT_REPLIES = {
    "greeting": "220 {hostname} ESMTP gwkit-quirk",
    "helo": "250 {hostname}",
    "ehlo_no_arg": "501 5.5.4 Syntax: EHLO hostname",
    "ehlo_unsupported": "502 5.5.2 Error: command not recognized",
    "ok": "250 2.0.0 Ok",
    "mail_ok": "250 2.1.0 Ok",
    "rcpt_ok": "250 2.1.5 Ok",
    "rcpt_rejected": "550 5.1.1 <{addr}>: Recipient address rejected: User unknown",
    "data_start": "354 End data with <CR><LF>.<CR><LF>",
    "data_ok": "250 2.0.0 Ok: queued as {queue_id}",
    "size_exceeded": "552 5.3.4 Message size exceeds fixed limit",
    "bad_size": "501 5.5.4 Bad SIZE parameter",
    "quit": "221 2.0.0 Bye",
    "starttls_ready": "220 2.0.0 Ready to start TLS",
    "starttls_unavailable": "502 5.5.1 Error: command not implemented",
    "tls_active": "554 5.5.1 Error: TLS already active",
    "need_ehlo": "503 5.5.1 Error: send HELO/EHLO first",
    "auth_need_ehlo": "503 5.5.1 Error: send EHLO first",
    "auth_ok": "235 2.7.0 Authentication successful",
    "auth_failed": "535 5.7.8 Error: authentication failed",
    "auth_not_supported": "535 {mech} not supported for {user}",
    "auth_unknown_mech": "504 5.5.4 Unrecognized authentication type",
    "auth_aborted": "501 5.7.0 Authentication aborted",
    "auth_bad_b64": "501 5.5.2 Cannot decode response",
    "auth_already": "503 5.5.1 Error: already authenticated",
    "auth_in_txn": "503 5.5.1 Error: MAIL transaction in progress",
    "auth_not_enabled": "503 5.5.1 Error: authentication not enabled",
    "auth_temp": "454 4.7.0 Temporary authentication failure",
    "auth_required": "530 5.7.0 Authentication required",
    "tls_required": "530 5.7.0 Must issue a STARTTLS command first",
    "nested_mail": "503 5.5.1 Error: nested MAIL command",
    "need_mail": "503 5.5.1 Error: need MAIL command",
    "need_rcpt": "554 5.5.1 Error: no valid recipients",
    "syntax": "501 5.5.4 Syntax error",
    "unknown": "500 5.5.2 Error: command not recognized",
    "line_too_long": "500 5.5.2 Error: line too long",
    "vrfy": "502 5.5.1 VRFY command is disabled",
    "help": "214 2.0.0 Ok",
    "idle_timeout": "421 4.4.2 {hostname} Error: timeout exceeded",
}

DEFAULTS = {
    "hostname": "quirk.test",        # name in greeting / EHLO / challenges
    "greeting": None,                # str or list of full lines; None: replies.greeting
    "ehlo_lines": None,              # list of EHLO keyword lines (first = hostname line); None: generated
    "ehlo_lines_tls": None,          # list used once TLS is active; None: ehlo_lines
    "extra_ehlo": [],                # appended to generated EHLO lines
    "esmtp": True,                   # False: EHLO answered ehlo_unsupported (HELO only)
    "pipelining": True,              # advertise PIPELINING (generated lines)
    "size_limit": 10240000,          # SIZE advertised + enforced; 0 = none
    "auth_mechanisms": ["PLAIN", "LOGIN", "CRAM-MD5"],   # advertised+accepted, in order
    "auth_behaviour": {},            # MECH -> behaviour | {"do": behaviour, "then": action}
    "auth_advertise": "always",      # "always" | "tls-only" | "never"
    "require_auth": False,           # MAIL without AUTH -> replies.auth_required
    "require_tls": False,            # MAIL without TLS -> replies.tls_required
    "starttls": True,                # offer STARTTLS when a cert is given and not yet TLS
    "starttls_inject": "",           # bytes sent in the same send() right after the STARTTLS 220
    "tls_min": "1.2",                # "1.0" | "1.1" | "1.2" | "1.3" | null
    "tls_max": None,
    "tls_ciphers": None,             # OpenSSL cipher string, e.g. "DEFAULT:@SECLEVEL=0"
    "handshake_timeout": 15,
    "rejected_rcpts": [],            # addresses (case-insensitive) answered rcpt_rejected; "*" = all
    "users": {},                     # user -> password (or OAuth token)
    "replies": {},                   # see DEFAULT_REPLIES
    "overrides": {},                 # KEY -> {"reply"|"raw", "then", "connections", "count"}
    "delays": {},                    # KEY -> seconds slept before answering
    "cram_challenge": None,          # fixed CRAM-MD5 challenge (text, not base64)
    "cram_challenge_style": "rfc",   # "rfc" <n.n@host> | "isp" <YYYYmmddHHMMSS.SBFFnnnnn.host@helo>
    "scram_iterations": 4096,
    "scram_salt": None,              # base64; None: random
    "scram_nonce": None,             # server part of the nonce; None: random
    "max_line": 65536,               # longest command line accepted
    "max_message": 52428800,         # bytes of a message kept in memory (larger: 552)
    "idle_timeout": 0,               # >0: close with replies.idle_timeout after so many idle seconds
    "batch_replies": False,          # hold replies while pipelined commands are still buffered
    "log_segments": False,           # log every recv() as "* recv N bytes"
}

DICT_KNOBS = ("replies", "auth_behaviour", "overrides", "delays", "users")
BEHAVIOURS = ("check", "accept", "fail", "refuse-535-not-supported",
              "temp-454", "reject-504", "close", "drop", "rst", "stall")
THEN_ACTIONS = ("continue", "normal", "close", "drop", "rst", "stall", "tls")
OVERRIDE_KEYS_PSEUDO = ("GREETING", "AUTH_RESULT", "DATA_END")

ISP_EHLO = ["{hostname}", "AUTH=LOGIN PLAIN CRAM-MD5", "AUTH LOGIN PLAIN CRAM-MD5",
            "PIPELINING", "DSN", "8BITMIME", "STARTTLS", "SIZE 20971520"]
ISP = {
    "hostname": "msc14.plala.or.jp",
    "greeting": "220 {hostname} ESMTP server ready Mon, 18 Sep 2023 15:45:29 +0900",
    "ehlo_lines": ISP_EHLO,
    "size_limit": 20971520,
    "auth_mechanisms": ["LOGIN", "PLAIN", "CRAM-MD5"],
    "auth_behaviour": {"CRAM-MD5": "refuse-535-not-supported"},
    "require_auth": True,
    "tls_min": "1.2",
    "cram_challenge_style": "isp",
    "replies": {
        "auth_failed": "535 Authentication failed",
        "auth_not_supported": "535 {mech} not supported for {user}",
        "auth_ok": "235 Authentication successful",
        "quit": "221 {hostname} ESMTP server closing connection",
        "auth_required": "553 Authentication is required to send mail as <{addr}>",
    },
}


def _isp(**extra):
    d = copy.deepcopy(ISP)
    for k, v in extra.items():
        if k in DICT_KNOBS:
            d.setdefault(k, {}).update(v)
        else:
            d[k] = v
    return d


SCENARIOS = {
    "normal": ("A well-behaved ESMTP server: PIPELINING, SIZE, STARTTLS (with a cert), "
               "AUTH PLAIN LOGIN CRAM-MD5 checked against --users.", {}),
    "isp": ("The ISP of isp-submission-2023-09.txt: its greeting and EHLO lines; CRAM-MD5 "
            "sends a 334 challenge, then '535 CRAM-MD5 not supported for <user>' for a known "
            "user (any digest) or '535 Authentication failed' for an unknown one; LOGIN and "
            "PLAIN work; MAIL without AUTH -> 553; TLS >= 1.2.", _isp()),
    "isp-fixed": ("The ISP after its November 2023 fix: AUTH=LOGIN PLAIN / AUTH LOGIN PLAIN "
                  "only; CRAM-MD5 -> 504.",
                  _isp(hostname="msc12.plala.or.jp",
                       ehlo_lines=["{hostname}", "AUTH=LOGIN PLAIN", "AUTH LOGIN PLAIN",
                                   "PIPELINING", "DSN", "8BITMIME", "STARTTLS",
                                   "SIZE 20971520"],
                       auth_mechanisms=["LOGIN", "PLAIN"], auth_behaviour={})),
    "hangup-after-535": ("Like isp, but the connection is closed right after the CRAM-MD5 535 "
                         "(the client must reconnect to try the next mechanism).",
                         _isp(auth_behaviour={"CRAM-MD5": {"do": "refuse-535-not-supported",
                                                           "then": "close"}})),
    "no-starttls": ("STARTTLS never advertised (502 if sent); AUTH PLAIN LOGIN advertised "
                    "in clear.", {"starttls": False, "auth_mechanisms": ["PLAIN", "LOGIN"]}),
    "starttls-inject": ("STARTTLS answered with the 220 immediately followed, in the same "
                        "send(), by '250-INJECTED\\r\\n250 AUTH PLAIN\\r\\n'; then the "
                        "handshake and normal behaviour.",
                        {"starttls_inject": "250-INJECTED\r\n250 AUTH PLAIN\r\n"}),
    "tls-old": ("TLS (STARTTLS and implicit) accepts only TLS 1.0 and 1.1 "
                "(ciphers DEFAULT:@SECLEVEL=0).",
                {"tls_min": "1.0", "tls_max": "1.1", "tls_ciphers": "DEFAULT:@SECLEVEL=0"}),
    "garbage": ("Greeting ok, EHLO answered with an HTTP 400 response and binary bytes; "
                "the connection stays open.",
                {"overrides": {"EHLO": {
                    "raw": "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n"
                           "Content-Type: text/html\r\nContent-Length: 0\r\n"
                           "Connection: close\r\n\r\n\u0000\u00ff\u00fe\u0080 not smtp "
                           "\u001b[0m\r\n",
                    "then": "continue"}}}),
    "garbage-greeting": ("The greeting is an SSH banner (a wrong port); later commands "
                         "get normal replies.",
                         {"overrides": {"GREETING": {
                             "raw": "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u1\r\n",
                             "then": "continue"}}}),
    "longline": ("EHLO answered with one 100 KB line ('250 AAAA...') without a line end; "
                 "the CRLF follows 5 s later.",
                 {"overrides": {"EHLO": {
                     "raw": ["250 ", {"repeat": "A", "count": 102400}, {"sleep": 5}, "\r\n"],
                     "then": "continue"}}}),
    "drop": ("EHLO answered with '250-first\\r\\n250-PIPEL', then the connection is closed.",
             {"overrides": {"EHLO": {"raw": "250-first\r\n250-PIPEL", "then": "drop"}}}),
    "stall": ("Greeting sent, EHLO never answered; the connection is held until the client "
              "closes it or the lifetime ends.",
              {"overrides": {"EHLO": {"then": "stall"}}}),
    "stall-greeting": ("Nothing at all is sent after accept (held like stall).",
                       {"overrides": {"GREETING": {"then": "stall"}}}),
    "size": ("Advertises SIZE 1000 and enforces it: 552 5.3.4 on MAIL SIZE=n > 1000 and on "
             "a longer DATA.", {"size_limit": 1000}),
    "wrong-code": ("EHLO answered with a multi-line reply whose lines carry different "
                   "codes ('250-host\\r\\n220 PIPELINING\\r\\n').",
                   {"overrides": {"EHLO": {"raw": "250-{hostname}\r\n220 PIPELINING\r\n",
                                           "then": "continue"}}}),
    "auth-wrong-code": ("The final reply of every AUTH exchange is '535-5.7.8 Authentication "
                        "failed\\r\\n235 2.7.0 Authentication successful\\r\\n' (codes differ); "
                        "the session stays unauthenticated and MAIL needs AUTH (530).",
                        {"require_auth": True,
                         "overrides": {"AUTH_RESULT": {
                             "raw": "535-5.7.8 Authentication failed\r\n"
                                    "235 2.7.0 Authentication successful\r\n"}}}),
    "scram": ("AUTH SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN CRAM-MD5, all checked.",
              {"auth_mechanisms": ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "LOGIN",
                                   "CRAM-MD5"]}),
    "scram-refused": ("SCRAM-SHA-256 and SCRAM-SHA-1 advertised but refused after the "
                      "client-first message ('535 SCRAM-SHA-256 not supported for <user>'); "
                      "PLAIN LOGIN work.",
                      {"auth_mechanisms": ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "LOGIN"],
                       "auth_behaviour": {"SCRAM-SHA-256": "refuse-535-not-supported",
                                          "SCRAM-SHA-1": "refuse-535-not-supported"}}),
    "no-auth": ("No AUTH advertised (AUTH -> 503).", {"auth_advertise": "never"}),
    "tls-auth-only": ("AUTH advertised and accepted only once TLS is active "
                      "(like Postfix smtpd_tls_auth_only).", {"auth_advertise": "tls-only"}),
    "starttls-454": ("STARTTLS advertised but answered '454 4.7.0 TLS not available due to "
                     "local problem'.",
                     {"overrides": {"STARTTLS": {
                         "reply": "454 4.7.0 TLS not available due to local problem"}}}),
    "busy": ("Greeting '421 4.3.2 Service not available, closing transmission channel', then "
             "close.", {"overrides": {"GREETING": {
                 "reply": "421 4.3.2 Service not available, closing transmission channel",
                 "then": "close"}}}),
    "drip": ("The greeting is sent one byte per second (a per-read timeout never fires; an "
             "overall deadline does); then normal.",
             {"overrides": {"GREETING": {"raw": [{"drip": "220 {hostname} ESMTP slow\r\n",
                                                   "interval": 1.0}],
                                         "then": "continue"}}}),
    "helo-only": ("No ESMTP: EHLO answered 502, HELO works (no STARTTLS, no AUTH).",
                  {"esmtp": False}),
}


def merge_knobs(cfg, knobs, origin):
    quirklib.merge_knobs(cfg, knobs, origin, DEFAULTS, DICT_KNOBS,
                         ("overrides", "delays", "auth_behaviour"))


def validate(cfg):
    for k in cfg["replies"]:
        if k not in DEFAULT_REPLIES:
            raise ConfigError("unknown reply name %r" % k)
    for mech, b in cfg["auth_behaviour"].items():
        do, then = (b.get("do"), b.get("then", "continue")) if isinstance(b, dict) else (b, "continue")
        if do not in BEHAVIOURS:
            raise ConfigError("auth_behaviour %s: unknown behaviour %r (one of %s)"
                              % (mech, do, ", ".join(BEHAVIOURS)))
        if then not in THEN_ACTIONS:
            raise ConfigError("auth_behaviour %s: unknown then %r" % (mech, then))
    for key, ov in cfg["overrides"].items():
        if not isinstance(ov, dict):
            raise ConfigError("override %s must be an object" % key)
        for f in ov:
            if f not in ("reply", "raw", "then", "connections", "count"):
                raise ConfigError("override %s: unknown field %r" % (key, f))
        if ov.get("then", "continue") not in THEN_ACTIONS:
            raise ConfigError("override %s: unknown then %r" % (key, ov.get("then")))
        if "raw" in ov:
            raw_parts(ov["raw"], "override %s" % key)
    for key, d in cfg["delays"].items():
        if not isinstance(d, (int, float)) or d < 0:
            raise ConfigError("delay %s must be a number >= 0" % key)
    for k in ("tls_min", "tls_max"):
        if cfg[k] is not None and cfg[k] not in TLS_VERSIONS:
            raise ConfigError("%s must be one of %s or null" % (k, ", ".join(TLS_VERSIONS)))
    if cfg["auth_advertise"] not in ("always", "tls-only", "never"):
        raise ConfigError("auth_advertise must be always, tls-only or never")
    if cfg["cram_challenge_style"] not in ("rfc", "isp"):
        raise ConfigError("cram_challenge_style must be rfc or isp")
    for k in ("ehlo_lines", "ehlo_lines_tls"):
        if cfg[k] is not None and not (isinstance(cfg[k], list) and cfg[k]):
            raise ConfigError("%s must be a non-empty list or null" % k)
    if not isinstance(cfg["auth_mechanisms"], list):
        raise ConfigError("auth_mechanisms must be a list")
    cfg["auth_mechanisms"] = [str(m).upper() for m in cfg["auth_mechanisms"]]
    if not isinstance(cfg["rejected_rcpts"], list):
        raise ConfigError("rejected_rcpts must be a list")
    for k in ("size_limit", "max_line", "max_message", "scram_iterations"):
        if not isinstance(cfg[k], int) or cfg[k] < 0:
            raise ConfigError("%s must be an integer >= 0" % k)


def to_bytes(s):
    if isinstance(s, bytes):
        return s
    try:
        return s.encode("latin-1")
    except UnicodeEncodeError:
        return s.encode("utf-8")


def raw_parts(raw, origin="raw"):
    """Normalise a raw spec into a list of ("send", bytes) / ("sleep", s) / ("drip", bytes, s)."""
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise ConfigError("%s: raw must be a string or a list" % origin)
    out = []
    for p in raw:
        if isinstance(p, str):
            out.append(("send", p))
        elif isinstance(p, dict) and "repeat" in p:
            out.append(("send", str(p["repeat"]) * int(p.get("count", 1))))
        elif isinstance(p, dict) and "hex" in p:
            out.append(("send", bytes.fromhex(p["hex"])))
        elif isinstance(p, dict) and "b64" in p:
            out.append(("send", base64.b64decode(p["b64"])))
        elif isinstance(p, dict) and "sleep" in p:
            out.append(("sleep", float(p["sleep"])))
        elif isinstance(p, dict) and "drip" in p:
            out.append(("drip", p["drip"], float(p.get("interval", 1.0))))
        else:
            raise ConfigError("%s: bad raw part %r" % (origin, p))
    return out


# --------------------------------------------------------------------------
# Log

class Log(quirklib.Log):
    def lines(self, conn, tag, data):
        """Log bytes as complete lines (tag) and a trailing fragment (tag~)."""
        start = 0
        while True:
            i = data.find(b"\n", start)
            if i < 0:
                break
            self.write(conn, tag, esc(strip_eol(data[start:i + 1])))
            start = i + 1
        if start < len(data):
            self.write(conn, tag + "~", esc(data[start:]))


# --------------------------------------------------------------------------
# Connection

class Closed(Exception):
    """The connection is gone (client EOF, lifetime, error)."""


class Conn:
    def __init__(self, server, sock, peer, n):
        self.sv = server
        self.cfg = server.cfg
        self.log = server.log
        self.sock = sock
        self.peer = peer
        self.n = n
        self.buf = bytearray()
        self.out = bytearray()
        self.eof = False
        self.closed = False
        self.tls_version = None
        self.tls_cipher = None
        self.tls_sni = None
        self.helo = None
        self.esmtp = False
        self.auth_user = None
        self.auth_mech = None
        self.ov_counts = {}
        self.reset_txn()
        self.thread = None

    # ---- helpers ----------------------------------------------------------
    def ev(self, text):
        self.log.write(self.n, "*", text)

    def reset_txn(self):
        self.mail_from = None
        self.mail_params = []
        self.rcpts = []
        self.rcpt_params = []
        self.rejected = []

    def tmpl(self, s, **kv):
        vals = {"hostname": str(self.cfg["hostname"]), "size": str(self.cfg["size_limit"])}
        vals.update({k: str(v) for k, v in kv.items()})
        for k, v in vals.items():
            s = s.replace("{" + k + "}", v)
        return s

    def rtext(self, name):
        return self.cfg["replies"].get(name, DEFAULT_REPLIES[name])

    def stopped(self):
        return self.sv.stop.is_set() or self.sv.remaining() <= 0

    # ---- output -----------------------------------------------------------
    def _sendall(self, data):
        if not data:
            return
        self.log.lines(self.n, "S", data)
        try:
            self.sock.settimeout(max(0.05, self.sv.remaining()))
            self.sock.sendall(data)
        except (OSError, ValueError) as e:
            self.ev("send-error %s" % esc(str(e)))
            self.eof = True
            raise Closed()

    def flush(self):
        if self.out:
            data = bytes(self.out)
            self.out.clear()
            self._sendall(data)

    def reply(self, value, **kv):
        """value: one full line, or a list of full lines (codes included)."""
        lines = value if isinstance(value, list) else [value]
        data = b"".join(self.tmpl(str(l), **kv).encode("utf-8") + b"\r\n" for l in lines)
        self.out += data
        if not (self.cfg["batch_replies"] and b"\n" in self.buf):
            self.flush()

    def r(self, name, **kv):
        self.reply(self.rtext(name), **kv)

    def send_raw(self, raw):
        self.flush()
        for part in raw_parts(raw):
            if part[0] == "send":
                data = part[1]
                if isinstance(data, str):
                    data = to_bytes(self.tmpl(data))
                self._sendall(data)
            elif part[0] == "sleep":
                self.ev("sleep %.3f" % part[1])
                self.sv.sleep(part[1])
                if self.stopped():
                    raise Closed()
            elif part[0] == "drip":
                data = to_bytes(self.tmpl(part[1]))
                self.ev("drip %d bytes, one every %.3f s: %s" % (len(data), part[2], esc(data)))
                for i in range(len(data)):
                    try:
                        self.sock.settimeout(max(0.05, self.sv.remaining()))
                        self.sock.sendall(data[i:i + 1])
                    except (OSError, ValueError) as e:
                        self.ev("send-error during drip after %d bytes: %s" % (i, esc(str(e))))
                        raise Closed()
                    if i + 1 < len(data):
                        self.sv.sleep(part[2])
                        if self.stopped():
                            self.ev("drip interrupted after %d bytes" % (i + 1))
                            raise Closed()
                self.ev("drip done")

    # ---- input ------------------------------------------------------------
    def recv_more(self, idle=True):
        """Read more bytes into buf. Raises Closed on EOF / lifetime / error / idle timeout."""
        self.flush()
        if self.eof:
            raise Closed()
        t_idle = time.monotonic()
        while True:
            if self.stopped():
                raise Closed()
            try:
                self.sock.settimeout(0.25)
                data = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                it = self.cfg["idle_timeout"]
                if idle and it and time.monotonic() - t_idle >= it:
                    self.ev("idle timeout (%ss)" % it)
                    try:
                        self.r("idle_timeout")
                    except Closed:
                        pass
                    self.eof = True
                    raise Closed()
                continue
            except (OSError, ValueError) as e:
                self.ev("recv-error %s" % esc(str(e)))
                self.eof = True
                raise Closed()
            if not data:
                if self.stopped():
                    self.ev("server stopping (lifetime or signal): connection shut down")
                else:
                    self.ev("client closed the connection (EOF)")
                self.eof = True
                raise Closed()
            if self.cfg["log_segments"]:
                self.ev("recv %d bytes" % len(data))
            self.buf += data
            return

    def read_line(self, limit):
        """Return (bytes, complete). complete=False: limit reached without LF."""
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
                self.recv_more()
            except Closed:
                if self.buf:
                    self.log.lines(self.n, "C", bytes(self.buf))
                    self.buf.clear()
                raise

    def poll_early(self):
        """Bytes already sent by the client before we spoke (no blocking)."""
        try:
            pending = self.sock.pending() if isinstance(self.sock, ssl.SSLSocket) else 0
            r, _, _ = select.select([self.sock], [], [], 0)
            if r or pending:
                self.sock.settimeout(0.01)
                data = self.sock.recv(65536)
                if not data:
                    self.eof = True
                    self.ev("client closed the connection before the greeting")
                    return
                self.buf += data
                self.ev("early talker: client sent %d bytes before the greeting" % len(data))
        except (socket.timeout, ssl.SSLWantReadError):
            pass
        except (OSError, ValueError):
            pass

    # ---- overrides --------------------------------------------------------
    def override(self, key):
        ov = self.cfg["overrides"].get(key)
        if not ov:
            return None
        conns = ov.get("connections")
        if conns and self.n not in conns:
            return None
        cnt = ov.get("count")
        used = self.ov_counts.get(key, 0)
        if cnt is not None and used >= cnt:
            return None
        self.ov_counts[key] = used + 1
        return ov

    def run_override(self, key, ov):
        self.ev("override %s then=%s" % (key, ov.get("then", "continue")))
        if "reply" in ov:
            self.reply(ov["reply"])
        if "raw" in ov:
            self.send_raw(ov["raw"])
        self.flush()
        return ov.get("then", "continue")

    def delay(self, key):
        d = self.cfg["delays"].get(key)
        if d:
            self.ev("delay %s %.3f s" % (key, d))
            self.sv.sleep(d)
            if self.stopped():
                raise Closed()

    # ---- connection end ---------------------------------------------------
    def stall(self):
        self.flush()
        self.ev("stall: not answering until the client closes or the lifetime ends")
        try:
            while True:
                while True:
                    i = self.buf.find(b"\n")
                    if i < 0:
                        break
                    self.log.lines(self.n, "C", bytes(self.buf[:i + 1]))
                    del self.buf[:i + 1]
                self.recv_more(idle=False)
        except Closed:
            if self.buf:
                self.log.lines(self.n, "C", bytes(self.buf))
                self.buf.clear()
        self.ev("stall ended (%s)" % ("server stopping" if self.stopped() else "client closed"))

    def finish(self, how):
        """how: close (graceful: TLS close_notify + FIN) | drop (FIN, no close_notify) | rst."""
        if self.closed:
            return
        self.closed = True
        try:
            self.flush()
        except Closed:
            pass
        s = self.sock
        try:
            if how == "rst":
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif how == "close" and isinstance(s, ssl.SSLSocket) and not self.eof:
                try:
                    s.settimeout(0.5)
                    s = s.unwrap()
                    self.sock = s
                except (OSError, ValueError):
                    pass
            if how != "rst":
                try:
                    socket.socket.shutdown(s, socket.SHUT_RDWR)
                except (OSError, ValueError):
                    pass
        finally:
            try:
                s.close()
            except (OSError, ValueError):
                pass
        self.ev("close (%s)" % how)

    def kill(self):
        """From the main thread at shutdown: unblock whatever the thread is doing."""
        try:
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
        except (OSError, ValueError, TypeError):
            pass

    # ---- main -------------------------------------------------------------
    def run(self):
        how = "close"
        try:
            how = self.session() or "close"
        except Closed:
            how = "drop"
        except Exception:  # never let a bug kill the server silently
            self.ev("internal-error " + esc(traceback.format_exc()))
            how = "drop"
        try:
            if how == "stall":
                self.stall()
                how = "drop"
            self.finish(how if how in ("close", "drop", "rst") else "close")
        except Exception:
            self.ev("internal-error " + esc(traceback.format_exc()))
        finally:
            self.sv.conn_done(self)

    def then(self, action):
        """Map a 'then' action to what session() does: None = go on."""
        if action in (None, "continue", "normal"):
            return None
        if action == "tls":
            return self.tls_handshake(starttls=True)
        return action  # close / drop / rst / stall

    def session(self):
        self.ev("connect from %s port %d%s" % (self.peer[0], self.peer[1],
                                               " (implicit TLS)" if self.sv.implicit_tls else ""))
        if self.sv.implicit_tls:
            r = self.tls_handshake(starttls=False)
            if r:
                return r
        self.delay("GREETING")
        self.poll_early()
        ov = self.override("GREETING")
        if ov:
            action = self.run_override("GREETING", ov)
            if action == "normal":
                self.greet()
            r = self.then(action)
            if r:
                return r
        else:
            self.greet()
        while True:
            line, complete = self.read_line(self.cfg["max_line"])
            if not complete:
                self.log.lines(self.n, "C", line)
                self.ev("command line longer than %d bytes" % self.cfg["max_line"])
                while not complete:  # swallow the rest of the line
                    line, complete = self.read_line(self.cfg["max_line"])
                    self.log.lines(self.n, "C", line)
                self.r("line_too_long")
                continue
            self.log.lines(self.n, "C", line)
            r = self.dispatch(line.rstrip(b"\r\n"))
            if r:
                return r

    def greet(self):
        g = self.cfg["greeting"]
        self.reply(g if g is not None else self.rtext("greeting"))
        self.flush()  # never held back by batch_replies

    def dispatch(self, raw):
        s = raw.decode("utf-8", "backslashreplace")
        verb, _, arg = s.partition(" ")
        verb = verb.upper()
        self.delay(verb)
        ov = self.override(verb)
        if ov:
            action = self.run_override(verb, ov)
            if action != "normal":
                if verb in ("EHLO", "HELO") and action in ("continue", "tls"):
                    self.helo, self.esmtp = (arg.strip() or "?"), verb == "EHLO"
                return self.then(action)
        fn = getattr(self, "cmd_" + verb, None) if verb.isalpha() else None
        if fn is None:
            if not s.strip():
                self.r("syntax")
            else:
                self.r("unknown")
            return None
        return fn(arg)

    # ---- EHLO / HELO ------------------------------------------------------
    def starttls_available(self):
        return bool(self.cfg["starttls"]) and self.sv.tls_ctx is not None and not self.tls_version

    def auth_advertised(self):
        a = self.cfg["auth_advertise"]
        return a == "always" or (a == "tls-only" and bool(self.tls_version))

    def ehlo_lines(self):
        c = self.cfg
        if self.tls_version and c["ehlo_lines_tls"] is not None:
            src = c["ehlo_lines_tls"]
        elif c["ehlo_lines"] is not None:
            src = c["ehlo_lines"]
        else:
            src = ["{hostname}"]
            if c["pipelining"]:
                src.append("PIPELINING")
            if c["size_limit"]:
                src.append("SIZE {size}")
            src.append("STARTTLS")
            if c["auth_mechanisms"]:
                src.append("AUTH " + " ".join(c["auth_mechanisms"]))
            src += ["ENHANCEDSTATUSCODES", "8BITMIME", "DSN"]
            src += list(c["extra_ehlo"])
        out = []
        for l in src:
            l = self.tmpl(str(l))
            u = l.upper()
            if u == "STARTTLS" and not self.starttls_available():
                continue
            if (u.startswith("AUTH ") or u.startswith("AUTH=")) and not self.auth_advertised():
                continue
            out.append(l)
        return out or [self.tmpl("{hostname}")]

    def cmd_EHLO(self, arg):
        if not self.cfg["esmtp"]:
            self.r("ehlo_unsupported")
            return None
        if not arg.strip():
            self.r("ehlo_no_arg")
            return None
        self.reset_txn()
        self.helo, self.esmtp = arg.strip(), True
        lines = self.ehlo_lines()
        self.reply(["250-" + l for l in lines[:-1]] + ["250 " + lines[-1]])
        return None

    def cmd_HELO(self, arg):
        if not arg.strip():
            self.reply("501 5.5.4 Syntax: HELO hostname")
            return None
        self.reset_txn()
        self.helo, self.esmtp = arg.strip(), False
        self.r("helo")
        return None

    # ---- STARTTLS ---------------------------------------------------------
    def cmd_STARTTLS(self, arg):
        if arg.strip():
            self.r("syntax")
            return None
        if self.tls_version:
            self.r("tls_active")
            return None
        if not self.starttls_available():
            self.r("starttls_unavailable")
            return None
        self.flush()
        data = (self.tmpl(self.rtext("starttls_ready")) + "\r\n").encode("utf-8")
        inj = to_bytes(self.cfg["starttls_inject"] or b"")
        if inj:
            self.ev("injecting %d bytes in the same send() as the STARTTLS 220" % len(inj))
        self._sendall(data + inj)
        return self.tls_handshake(starttls=True)

    def tls_handshake(self, starttls):
        if self.sv.tls_ctx is None:
            self.ev("tls requested but no --cert/--key given")
            return "drop"
        if self.buf:
            self.ev("discarded %d plaintext bytes the client sent after STARTTLS, before the "
                    "handshake: %s" % (len(self.buf), esc(bytes(self.buf))))
            self.buf.clear()
        self.ev("tls handshake start")
        try:
            raw = self.sock
            raw.settimeout(max(0.05, min(float(self.cfg["handshake_timeout"]),
                                         self.sv.remaining())))
            ss = self.sv.tls_ctx.wrap_socket(raw, server_side=True,
                                             do_handshake_on_connect=False)
            self.sock = ss
            ss.do_handshake()
        except (ssl.SSLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", None) or ""
            self.ev("tls handshake failed%s: %s%s" % (" (server stopping)" if self.stopped() else "",
                                                     esc(str(e)),
                                                   (" reason=" + reason) if reason else ""))
            self.eof = True
            return "drop"
        self.tls_version = ss.version()
        c = ss.cipher()
        self.tls_cipher = c[0] if c else None
        self.tls_sni = getattr(ss, "_quirk_sni", None)
        self.ev("tls ok version=%s cipher=%s sni=%s" % (self.tls_version, self.tls_cipher,
                                                      esc(self.tls_sni or "-")))
        if starttls:  # RFC 3207: forget everything learnt before
            self.helo, self.esmtp = None, False
            self.auth_user = self.auth_mech = None
            self.reset_txn()
        return None

    # ---- AUTH -------------------------------------------------------------
    def behaviour(self, mech):
        b = self.cfg["auth_behaviour"].get(mech, "check")
        if isinstance(b, dict):
            return b.get("do", "check"), b.get("then", "continue")
        return b, "continue"

    def ask(self, challenge):
        """334 challenge -> ("ok", bytes) | ("abort", None) | ("badb64", None)."""
        self.reply("334 " + base64.b64encode(challenge).decode("ascii"))
        line, complete = self.read_line(self.cfg["max_line"])
        self.log.lines(self.n, "C", line)
        if not complete:
            while not complete:
                line, complete = self.read_line(self.cfg["max_line"])
                self.log.lines(self.n, "C", line)
            return "badb64", None
        return self.decode_resp(line.rstrip(b"\r\n"))

    @staticmethod
    def decode_resp(t):
        t = t.strip()
        if t == b"*":
            return "abort", None
        if t == b"=":
            return "ok", b""
        try:
            return "ok", base64.b64decode(t, validate=True)
        except (ValueError, base64.binascii.Error):
            return "badb64", None

    def first_resp(self, initial, challenge=b""):
        if initial is None:
            return self.ask(challenge)
        return self.decode_resp(initial.encode("latin-1", "replace"))

    def decide(self, beh, user, verified):
        if beh == "accept":
            return "ok"
        if beh == "fail":
            return "fail"
        if beh == "temp-454":
            return "temp"
        if beh == "refuse-535-not-supported":
            return "notsupp" if user is not None and user in self.cfg["users"] else "fail"
        return "ok" if verified else "fail"

    def cram_challenge(self):
        c = self.cfg
        if c["cram_challenge"]:
            return self.tmpl(c["cram_challenge"]).encode("utf-8")
        if c["cram_challenge_style"] == "isp":
            ts = time.strftime("%Y%m%d%H%M%S", time.gmtime())
            return ("<%s.SBFF%05d.%s@%s>" % (ts, secrets.randbelow(100000), c["hostname"],
                                             self.helo or "unknown")).encode("utf-8")
        return ("<%d.%d@%s>" % (secrets.randbelow(10 ** 10), int(time.time()),
                                c["hostname"])).encode("utf-8")

    def auth_plain(self, mech, initial, beh):
        st, data = self.first_resp(initial)
        if st != "ok":
            return st, None
        parts = data.split(b"\0")
        if len(parts) != 3:
            self.ev("auth PLAIN: response is not authzid\\0authcid\\0passwd")
            return "fail", None
        authz, user, pw = (p.decode("utf-8", "backslashreplace") for p in parts)
        ok = self.cfg["users"].get(user) == pw and authz in ("", user)
        return self.decide(beh, user, ok), user

    def auth_login(self, mech, initial, beh):
        st, u = self.first_resp(initial, b"Username:")
        if st != "ok":
            return st, None
        user = u.decode("utf-8", "backslashreplace")
        st, p = self.ask(b"Password:")
        if st != "ok":
            return st, user
        ok = self.cfg["users"].get(user) == p.decode("utf-8", "backslashreplace")
        return self.decide(beh, user, ok), user

    def auth_cram_md5(self, mech, initial, beh):
        if initial is not None:
            return "syntax", None
        chal = self.cram_challenge()
        self.ev("auth CRAM-MD5 challenge %s" % esc(chal))
        st, data = self.ask(chal)
        if st != "ok":
            return st, None
        text = data.decode("utf-8", "backslashreplace")
        user, _, digest = text.rpartition(" ")
        if not user:
            return "fail", None
        pw = self.cfg["users"].get(user)
        ok = False
        if pw is not None:
            want = hmac.new(pw.encode("utf-8"), chal, hashlib.md5).hexdigest()
            ok = hmac.compare_digest(want, digest.lower())
        return self.decide(beh, user, ok), user

    def auth_scram(self, mech, initial, beh):
        hname = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256"}[mech]

        def H(b):
            return hashlib.new(hname, b).digest()

        def HM(k, b):
            return hmac.new(k, b, hname).digest()

        st, data = self.first_resp(initial)
        if st != "ok":
            return st, None
        cf = data.decode("utf-8", "backslashreplace")
        parts = cf.split(",", 2)
        if len(parts) != 3 or parts[0] not in ("n", "y"):
            self.ev("auth %s: bad or channel-binding gs2 header %s" % (mech, esc(cf)))
            return "fail", None
        gs2 = parts[0] + "," + parts[1] + ","
        bare = parts[2]
        attrs = dict(a.split("=", 1) for a in bare.split(",") if "=" in a)
        if "n" not in attrs or "r" not in attrs or "m" in attrs:
            return "fail", None
        user = attrs["n"].replace("=2C", ",").replace("=3D", "=")
        cnonce = attrs["r"]
        if beh not in ("check", "accept"):
            return self.decide(beh, user, False), user
        c = self.cfg
        salt = base64.b64decode(c["scram_salt"]) if c["scram_salt"] else secrets.token_bytes(16)
        snonce = cnonce + (c["scram_nonce"] or base64.b64encode(secrets.token_bytes(18)).decode())
        it = c["scram_iterations"]
        sf = "r=%s,s=%s,i=%d" % (snonce, base64.b64encode(salt).decode(), it)
        st, data = self.ask(sf.encode("utf-8"))
        if st != "ok":
            return st, user
        cfin = data.decode("utf-8", "backslashreplace")
        idx = cfin.rfind(",p=")
        if idx < 0:
            return "fail", user
        wo_proof = cfin[:idx]
        fattrs = dict(a.split("=", 1) for a in wo_proof.split(",") if "=" in a)
        try:
            proof = base64.b64decode(cfin[idx + 3:], validate=True)
            cbind = base64.b64decode(fattrs.get("c", ""), validate=True)
        except (ValueError, base64.binascii.Error):
            return "badb64", user
        pw = c["users"].get(user)
        if pw is None or fattrs.get("r") != snonce or cbind != gs2.encode("utf-8"):
            self.ev("auth %s: unknown user, nonce or channel binding mismatch" % mech)
            return "fail", user
        salted = hashlib.pbkdf2_hmac(hname, pw.encode("utf-8"), salt, it)
        ckey = HM(salted, b"Client Key")
        skey = H(ckey)
        am = (bare + "," + sf + "," + wo_proof).encode("utf-8")
        csig = HM(skey, am)
        if len(proof) != len(csig) or H(bytes(a ^ b for a, b in zip(proof, csig))) != skey:
            return "fail", user
        ssig = HM(HM(salted, b"Server Key"), am)
        st, data = self.ask(b"v=" + base64.b64encode(ssig))
        if st != "ok":
            return st, user
        return "ok", user

    def auth_oauth(self, mech, initial, beh):
        st, data = self.first_resp(initial)
        if st != "ok":
            return st, None
        text = data.decode("utf-8", "backslashreplace")
        user = token = None
        fields = text.split("\x01")
        if mech == "OAUTHBEARER":
            for a in fields[0].split(","):
                if a.startswith("a="):
                    user = a[2:].replace("=2C", ",").replace("=3D", "=")
            fields = fields[1:]
        for f in fields:
            if f.startswith("user="):
                user = f[5:]
            elif f.lower().startswith("auth=bearer "):
                token = f[12:]
        ok = user is not None and token is not None and self.cfg["users"].get(user) == token
        out = self.decide(beh, user, ok)
        if out == "fail":  # RFC 7628 / XOAUTH2: error challenge, client answers, then 535
            err = json.dumps({"status": "invalid_token", "schemes": "bearer"}).encode()
            st, _ = self.ask(err)
            if st not in ("ok", "abort"):
                return st, user
        return out, user

    def auth_generic(self, mech, initial, beh):
        st, data = self.first_resp(initial)
        if st != "ok":
            return st, None
        return self.decide(beh, None, False), None

    def cmd_AUTH(self, arg):
        parts = arg.split()
        if not parts or len(parts) > 2:
            self.r("syntax")
            return None
        if not self.helo or not self.esmtp:
            self.r("auth_need_ehlo")
            return None
        if self.auth_user:
            self.r("auth_already")
            return None
        if self.mail_from is not None:
            self.r("auth_in_txn")
            return None
        if not self.auth_advertised():
            self.r("auth_not_enabled")
            return None
        mech = parts[0].upper()
        initial = parts[1] if len(parts) > 1 else None
        if mech not in self.cfg["auth_mechanisms"]:
            self.ev("auth %s: not an offered mechanism" % esc(mech))
            self.r("auth_unknown_mech")
            return None
        beh, then = self.behaviour(mech)
        self.ev("auth %s start behaviour=%s then=%s tls=%s" % (mech, beh, then,
                                                             self.tls_version or "none"))
        if beh in ("close", "drop", "rst", "stall"):
            return beh
        if beh == "reject-504":
            self.r("auth_unknown_mech")
            return self.then(then)
        if mech == "PLAIN":
            fn = self.auth_plain
        elif mech == "LOGIN":
            fn = self.auth_login
        elif mech == "CRAM-MD5":
            fn = self.auth_cram_md5
        elif mech in ("SCRAM-SHA-1", "SCRAM-SHA-256"):
            fn = self.auth_scram
        elif mech in ("XOAUTH2", "OAUTHBEARER"):
            fn = self.auth_oauth
        else:
            fn = self.auth_generic
        outcome, user = fn(mech, initial, beh)
        self.ev("auth %s user=%s outcome=%s" % (mech, esc(user if user is not None else "-"),
                                                outcome))
        self.delay("AUTH_RESULT")
        ov = self.override("AUTH_RESULT")
        if ov:
            action = self.run_override("AUTH_RESULT", ov)
            self.ev("auth result overridden: session stays unauthenticated")
            r = self.then(action)
            return r if r else self.then(then)
        if outcome == "ok":
            self.auth_user, self.auth_mech = user, mech
            self.r("auth_ok", user=user or "", mech=mech)
        elif outcome == "notsupp":
            self.r("auth_not_supported", user=user or "", mech=mech)
        elif outcome == "temp":
            self.r("auth_temp", user=user or "", mech=mech)
        elif outcome == "abort":
            self.r("auth_aborted")
        elif outcome == "badb64":
            self.r("auth_bad_b64")
        elif outcome == "syntax":
            self.r("syntax")
        else:
            self.r("auth_failed", user=user or "", mech=mech)
        return self.then(then)

    # ---- mail transaction -------------------------------------------------
    @staticmethod
    def parse_path(arg, kw):
        a = arg.lstrip()
        if not a.upper().startswith(kw + ":"):
            return None
        rest = a[len(kw) + 1:].lstrip()
        if rest.startswith("<"):
            j = rest.find(">")
            if j < 0:
                return None
            return rest[1:j], rest[j + 1:].split()
        sp = rest.split()
        if not sp:
            return None
        return sp[0], sp[1:]

    def cmd_MAIL(self, arg):
        if not self.helo:
            self.r("need_ehlo")
            return None
        if self.mail_from is not None:
            self.r("nested_mail")
            return None
        p = self.parse_path(arg, "FROM")
        if p is None:
            self.r("syntax")
            return None
        addr, params = p
        if self.cfg["require_tls"] and not self.tls_version:
            self.r("tls_required", addr=addr)
            return None
        if self.cfg["require_auth"] and not self.auth_user:
            self.r("auth_required", addr=addr)
            return None
        for prm in params:
            if prm.upper().startswith("SIZE="):
                try:
                    n = int(prm[5:])
                except ValueError:
                    self.r("bad_size")
                    return None
                lim = self.cfg["size_limit"]
                if lim and n > lim:
                    self.ev("MAIL SIZE=%d exceeds the limit %d" % (n, lim))
                    self.r("size_exceeded")
                    return None
        self.mail_from, self.mail_params = addr, params
        self.r("mail_ok", addr=addr)
        return None

    def cmd_RCPT(self, arg):
        if self.mail_from is None:
            self.r("need_mail")
            return None
        p = self.parse_path(arg, "TO")
        if p is None:
            self.r("syntax")
            return None
        addr, params = p
        rej = [str(x).lower() for x in self.cfg["rejected_rcpts"]]
        if "*" in rej or addr.lower() in rej:
            self.rejected.append(addr)
            self.r("rcpt_rejected", addr=addr)
            return None
        self.rcpts.append(addr)
        self.rcpt_params.append(params)
        self.r("rcpt_ok", addr=addr)
        return None

    def cmd_DATA(self, arg):
        if arg.strip():
            self.r("syntax")
            return None
        if self.mail_from is None:
            self.r("need_mail")
            return None
        if not self.rcpts:
            self.r("need_rcpt")
            return None
        self.r("data_start")
        self.flush()
        if self.buf:
            self.ev("client sent %d bytes before the 354 reply" % len(self.buf))
        msg = bytearray()
        total = bare_lf = bare_cr = unstuffed = 0
        eightbit = over_cap = False
        at_bol = True
        while True:
            line, complete = self.read_line(1 << 20)
            self.log.lines(self.n, "D", line)
            if at_bol and complete and line in (b".\r\n", b".\n"):
                if line == b".\n":
                    self.ev("DATA ended by a bare-LF terminator")
                break
            if at_bol and line.startswith(b"."):
                line = line[1:]
                unstuffed += 1
            at_bol = complete
            if complete:
                content = line[:-2] if line.endswith(b"\r\n") else line[:-1]
                if not line.endswith(b"\r\n"):
                    bare_lf += 1
            else:
                content = line
            bare_cr += content.count(b"\r")
            if not eightbit and any(b >= 0x80 for b in line):
                eightbit = True
            total += len(line)
            if len(msg) + len(line) > self.cfg["max_message"]:
                over_cap = True
            else:
                msg += line
        self.ev("message %d bytes, %d lines unstuffed, bare LF %d, bare CR %d"
                % (total, unstuffed, bare_lf, bare_cr))
        lim = self.cfg["size_limit"]
        if (lim and total > lim) or over_cap:
            self.ev("message of %d bytes exceeds the limit %d" % (total, lim))
            self.r("size_exceeded")
            self.reset_txn()
            return None
        self.delay("DATA_END")
        n = self.sv.next_spool_number()
        ov = self.override("DATA_END")
        if ov:
            final = ov.get("reply", "(raw)")
            final = final[0] if isinstance(final, list) else final
        else:
            final = self.tmpl(self.rtext("data_ok"), queue_id="Q%d" % n)
        env = {
            "n": n, "conn": self.n, "scenario": self.sv.scenario,
            "from": self.mail_from, "rcpts": self.rcpts, "rcpt_params": self.rcpt_params,
            "rejected_rcpts": self.rejected, "mail_params": self.mail_params,
            "auth_user": self.auth_user, "mechanism": self.auth_mech,
            "tls_version": self.tls_version, "tls_cipher": self.tls_cipher,
            "tls_sni": self.tls_sni, "helo": self.helo, "size": total,
            "bare_lf": bare_lf, "bare_cr": bare_cr, "dot_unstuffed": unstuffed,
            "eightbit": eightbit, "final_reply": final, "time": time.time(),
        }
        self.sv.spool(n, bytes(msg), env)
        self.ev("spooled message %d from=%s rcpts=%s" % (n, esc(self.mail_from),
                                                        esc(",".join(self.rcpts))))
        self.reset_txn()
        if ov:
            return self.then(self.run_override("DATA_END", ov))
        self.reply(final)
        return None

    def cmd_RSET(self, arg):
        self.reset_txn()
        self.r("ok")
        return None

    def cmd_NOOP(self, arg):
        self.r("ok")
        return None

    def cmd_VRFY(self, arg):
        self.r("vrfy")
        return None

    def cmd_HELP(self, arg):
        self.r("help")
        return None

    def cmd_QUIT(self, arg):
        self.r("quit")
        self.flush()
        return "close"


# --------------------------------------------------------------------------
# Server

class Server(quirklib.BaseServer):
    def __init__(self, cfg, args, log, scenario):
        quirklib.BaseServer.__init__(self, cfg, args, log, scenario)
        self.implicit_tls = args.implicit_tls
        self.spool_dir = args.spool
        self.spool_n = 0
        if self.spool_dir:
            os.makedirs(self.spool_dir, exist_ok=True)
            for f in os.listdir(self.spool_dir):
                stem, dot, ext = f.partition(".")
                if stem.isdigit() and ext in ("eml", "json"):
                    self.spool_n = max(self.spool_n, int(stem))
        self.tls_ctx = self.make_tls_ctx() if args.cert else None

    def make_tls_ctx(self):
        c = self.cfg
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.args.cert, self.args.key)
            if c["tls_ciphers"]:
                ctx.set_ciphers(c["tls_ciphers"])
            if c["tls_min"]:
                ctx.minimum_version = TLS_VERSIONS[c["tls_min"]]
            if c["tls_max"]:
                ctx.maximum_version = TLS_VERSIONS[c["tls_max"]]

        def sni(sslsock, name, _ctx):
            try:
                sslsock._quirk_sni = name
            except AttributeError:
                pass
            return None
        ctx.sni_callback = sni
        return ctx

    def next_spool_number(self):
        with self.lock:
            self.spool_n += 1
            return self.spool_n

    def spool(self, n, msg, env):
        if not self.spool_dir:
            return
        for name, data in (("%d.eml" % n, msg),
                           ("%d.json" % n, (json.dumps(env, indent=1) + "\n").encode())):
            path = os.path.join(self.spool_dir, name)
            tmp = path + ".tmp"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)

    def serve(self, lsock):
        return self.serve_loop([lsock])

    def accept_some(self, lsocks):
        lsock = lsocks[0]
        try:
            lsock.settimeout(max(0.01, min(0.2, self.remaining())))
            s, peer = lsock.accept()
        except socket.timeout:
            return
        except OSError as e:
            self.log.write(0, "*", "accept-error %s" % esc(str(e)))
            self.stop.wait(0.05)
            return
        self.accepted += 1
        self.spawn(Conn(self, s, peer, self.accepted))


def build_config(args):
    scenario, cfg = quirklib.base_config(args, "normal", SCENARIOS, DEFAULTS, merge_knobs)
    if args.hostname:
        cfg["hostname"] = args.hostname
    if args.users:
        cfg["users"] = dict(cfg["users"], **parse_users(args.users))
    validate(cfg)
    return scenario, cfg


def scenario_list():
    return "\n".join("  %-18s %s" % (k, v[0]) for k, v in SCENARIOS.items())


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="smtpd_quirk.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="scenarios:\n" + scenario_list() + "\n\nknobs (JSON) and defaults:\n"
        + "\n".join("  %-20s %s" % (k, json.dumps(v)) for k, v in DEFAULTS.items())
        + "\n\nreply names (knob 'replies'):\n"
        + "\n".join("  %-20s %s" % (k, v) for k, v in DEFAULT_REPLIES.items()))
    ap.add_argument("--scenario", help="preset (default normal)")
    ap.add_argument("--config", metavar="FILE", help="JSON object of knobs")
    ap.add_argument("--set", action="append", metavar="KNOB=JSON", help="one knob (repeatable)")
    ap.add_argument("--host", default="127.0.0.1", help="numeric loopback address (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=0, help="port (default 0: ephemeral)")
    ap.add_argument("--ready-file", metavar="FILE", help="gets the port once listening")
    ap.add_argument("--log", metavar="FILE", help="transcript + events")
    ap.add_argument("--spool", metavar="DIR", help="messages <n>.eml + envelopes <n>.json")
    ap.add_argument("--lifetime", type=float, default=120.0, help="seconds (default 120)")
    ap.add_argument("--max-connections", type=int, default=0, help="0 = unlimited")
    ap.add_argument("--cert", metavar="FILE", help="PEM certificate (enables TLS)")
    ap.add_argument("--key", metavar="FILE", help="PEM private key")
    ap.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte (465)")
    ap.add_argument("--users", metavar="U:P,U2:P2", help="accounts (added to knob users)")
    ap.add_argument("--hostname", help="shorthand for the hostname knob")
    ap.add_argument("--quiet", action="store_true", help="do not print the PORT line")
    ap.add_argument("--list-scenarios", action="store_true")
    ap.add_argument("--dump-config", action="store_true", help="print the effective knobs and exit")
    args = ap.parse_args(argv)

    if args.list_scenarios:
        print(scenario_list())
        return 0
    try:
        scenario, cfg = build_config(args)
        if args.dump_config:
            print(json.dumps(cfg, indent=1, sort_keys=True))
            return 0
        ip = quirklib.check_host(args.host, "--host")
        if not 0 <= args.port <= 65535:
            raise ConfigError("--port out of range")
        if args.lifetime <= 0:
            raise ConfigError("--lifetime must be > 0")
        if bool(args.cert) != bool(args.key):
            raise ConfigError("--cert and --key go together")
        if args.implicit_tls and not args.cert:
            raise ConfigError("--implicit-tls needs --cert and --key")
    except ConfigError as e:
        sys.stderr.write("smtpd_quirk: %s\n" % e)
        return 2

    quirklib.remove_ready_file(args.ready_file)
    log = Log(args.log)
    try:
        server = Server(cfg, args, log, scenario)
    except (OSError, ssl.SSLError) as e:
        sys.stderr.write("smtpd_quirk: cannot set up (--cert %s --key %s --spool %s): %s\n"
                         % (args.cert, args.key, args.spool, e))
        return 2

    try:
        lsock = quirklib.listen(ip, args.port)
    except OSError as e:
        sys.stderr.write("smtpd_quirk: cannot listen on %s port %d: %s\n" % (ip, args.port, e))
        return 1
    port = lsock.getsockname()[1]

    quirklib.stop_on_signals(server)

    log.write(0, "*", "server start scenario=%s host=%s port=%d pid=%d lifetime=%g tls=%s%s"
              % (scenario, ip, port, os.getpid(), args.lifetime,
                 "yes" if server.tls_ctx else "no", " implicit" if args.implicit_tls else ""))
    log.write(0, "*", "config " + esc(json.dumps(cfg, sort_keys=True)))
    quirklib.announce(args, [("PORT", port)])
    quirklib.serve_and_exit(server, lsock, log)


if __name__ == "__main__":
    sys.exit(main())
