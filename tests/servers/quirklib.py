"""quirklib.py - what smtpd_quirk.py and httpd_quirk.py have in common.

Imported from the directory of the running script (both servers are run as
`python3 tests/servers/<name>_quirk.py ...`). Python 3 standard library only.
"""

import copy
import ipaddress
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time


# --------------------------------------------------------------------------
# No name resolution anywhere in this process.

def disable_name_resolution(prog):
    def _no_dns(*_a, **_k):
        raise RuntimeError("%s: name resolution is forbidden" % prog)

    for fn in ("getaddrinfo", "gethostbyname", "gethostbyname_ex",
               "gethostbyaddr", "getfqdn", "getnameinfo"):
        setattr(socket, fn, _no_dns)


# --------------------------------------------------------------------------
# Knobs

TLS_VERSIONS = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
                "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


class ConfigError(Exception):
    pass


def merge_knobs(cfg, knobs, origin, defaults, dict_knobs, upper_keys=()):
    """Merge knobs into cfg: dict knobs key by key (keys upper-cased for the
    knobs in upper_keys), other knobs replaced."""
    if not isinstance(knobs, dict):
        raise ConfigError("%s: knobs must be a JSON object" % origin)
    for k, v in knobs.items():
        if k not in defaults:
            raise ConfigError("%s: unknown knob %r" % (origin, k))
        if k in dict_knobs:
            if not isinstance(v, dict):
                raise ConfigError("%s: knob %r must be an object" % (origin, k))
            d = dict(cfg[k])
            for kk, vv in v.items():
                if k in upper_keys:
                    kk = kk.upper()
                d[kk] = vv
            cfg[k] = d
        else:
            cfg[k] = copy.deepcopy(v)


def parse_users(s):
    users = {}
    for item in s.split(","):
        if not item:
            continue
        u, sep, p = item.partition(":")
        if not sep:
            raise ConfigError("--users: %r is not user:pass" % item)
        users[u] = p
    return users


def base_config(args, default_scenario, scenarios, defaults, merge):
    """Scenario preset, then --config FILE, then each --set KNOB=JSON.
    Returns (scenario, cfg); merge(cfg, knobs, origin) merges knobs."""
    file_knobs = {}
    if args.config:
        try:
            with open(args.config, "r", encoding="utf-8") as f:
                file_knobs = json.load(f)
        except (OSError, ValueError) as e:
            raise ConfigError("--config %s: %s" % (args.config, e))
        if not isinstance(file_knobs, dict):
            raise ConfigError("--config: the file must hold a JSON object")
    scenario = args.scenario or file_knobs.pop("scenario", None) or default_scenario
    file_knobs.pop("scenario", None)
    if scenario not in scenarios:
        raise ConfigError("unknown scenario %r (see --list-scenarios)" % scenario)
    cfg = copy.deepcopy(defaults)
    merge(cfg, scenarios[scenario][1], "scenario " + scenario)
    merge(cfg, file_knobs, "--config")
    for item in args.set or []:
        k, sep, v = item.partition("=")
        if not sep:
            raise ConfigError("--set %r: expected KNOB=JSON" % item)
        try:
            val = json.loads(v)
        except ValueError:
            val = v
        merge(cfg, {k: val}, "--set")
    return scenario, cfg


# --------------------------------------------------------------------------
# Log

_ESC = []
for _b in range(256):
    if _b == 0x5C:
        _ESC.append("\\\\")
    elif 0x20 <= _b < 0x7F:
        _ESC.append(chr(_b))
    elif _b == 13:
        _ESC.append("\\r")
    elif _b == 10:
        _ESC.append("\\n")
    elif _b == 9:
        _ESC.append("\\t")
    else:
        _ESC.append("\\x%02x" % _b)


def esc(data, limit=None):
    if isinstance(data, str):
        data = data.encode("utf-8", "backslashreplace")
    extra = 0
    if limit is not None and len(data) > limit:
        extra = len(data) - limit
        data = data[:limit]
    s = "".join([_ESC[b] for b in data])
    return s + ("...[+%d bytes]" % extra if extra else "")


def strip_eol(line):
    """Line content for the log: CRLF removed; a bare LF stays visible as \\n."""
    if line.endswith(b"\r\n"):
        return line[:-2]
    return line


class Log:
    """<seconds since start> <conn#> <tag> <text>, one line per record;
    with line_max, longer texts are cut."""

    def __init__(self, path, line_max=None):
        self.t0 = time.monotonic()
        self.lock = threading.Lock()
        self.line_max = line_max
        self.f = None
        if path:
            self.f = open(path, "w", encoding="ascii", buffering=1, newline="\n")

    def write(self, conn, tag, text):
        if self.f is None:
            return
        if self.line_max is not None and len(text) > self.line_max:
            text = text[:self.line_max] + "...[+%d chars]" % (len(text) - self.line_max)
        line = "%.3f %d %s %s\n" % (time.monotonic() - self.t0, conn, tag, text)
        with self.lock:
            try:
                self.f.write(line)
                self.f.flush()
            except (OSError, ValueError):
                pass

    def close(self):
        with self.lock:
            if self.f is not None:
                try:
                    self.f.close()
                except OSError:
                    pass
                self.f = None


# --------------------------------------------------------------------------
# Server

class BaseServer:
    """Lifetime, stop event and the accept loop; a subclass defines
    accept_some(lsocks) (accepts what is waiting, calls spawn) and the
    connections have run(), kill() and thread."""

    def __init__(self, cfg, args, log, scenario):
        self.cfg = cfg
        self.args = args
        self.log = log
        self.scenario = scenario
        self.stop = threading.Event()
        self.stop_reason = None
        self.deadline = time.monotonic() + args.lifetime
        self.lock = threading.Lock()
        self.conns = set()
        self.accepted = 0

    def remaining(self):
        return max(0.0, self.deadline - time.monotonic())

    def sleep(self, secs):
        self.stop.wait(max(0.0, min(float(secs), self.remaining())))

    def conn_done(self, conn):
        with self.lock:
            self.conns.discard(conn)

    def spawn(self, conn):
        with self.lock:
            self.conns.add(conn)
        t = threading.Thread(target=conn.run, name="conn%d" % self.accepted, daemon=True)
        conn.thread = t
        t.start()

    def serve_loop(self, lsocks):
        """lsocks: the listening sockets, closed here."""
        maxc = self.args.max_connections
        listening = True
        reason = "lifetime"
        while True:
            if self.stop.is_set():
                reason = self.stop_reason or "signal"
                break
            if self.remaining() <= 0:
                reason = "lifetime"
                break
            if maxc and self.accepted >= maxc:
                if listening:
                    for ls in lsocks:
                        ls.close()
                    listening = False
                    self.log.write(0, "*", "max-connections (%d) reached: no more accepts" % maxc)
                with self.lock:
                    active = len(self.conns)
                if not active:
                    reason = "max-connections"
                    break
                self.stop.wait(min(0.1, self.remaining()))
                continue
            self.accept_some(lsocks)
        self.stop.set()
        if listening:
            for ls in lsocks:
                try:
                    ls.close()
                except OSError:
                    pass
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            c.kill()
        end = time.monotonic() + 2.0
        for c in conns:
            if c.thread is not None:
                c.thread.join(max(0.0, end - time.monotonic()))
        self.log.write(0, "*", "server stop reason=%s connections=%d" % (reason, self.accepted))
        return reason


def check_host(h, opt):
    try:
        ip = ipaddress.ip_address(h)
    except ValueError:
        raise ConfigError("%s %r is not a numeric IP address" % (opt, h))
    if not ip.is_loopback:
        raise ConfigError("%s %s is not a loopback address" % (opt, h))
    return str(ip)


def listen(host, port):
    ip = ipaddress.ip_address(host)
    fam = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((str(ip), port, 0, 0))
    else:
        s.bind((str(ip), port))
    s.listen(64)
    return s


def remove_ready_file(path):
    if path:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def stop_on_signals(server):
    def on_signal(signum, _frame):
        server.stop_reason = "signal %d" % signum
        server.stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def announce(args, ports):
    """ports: [(label, port), ...] for the ports in use. Writes them to
    --ready-file (one a line; tmp file + rename) and, unless --quiet,
    prints "label port" lines on stdout."""
    if args.ready_file:
        tmp = "%s.%d.tmp" % (args.ready_file, os.getpid())
        with open(tmp, "w") as f:
            for _label, port in ports:
                f.write("%d\n" % port)
        os.replace(tmp, args.ready_file)
    if not args.quiet:
        try:
            for label, port in ports:
                sys.stdout.write("%s %d\n" % (label, port))
            sys.stdout.flush()
        except OSError:
            pass


def serve_and_exit(server, lsocks, log):
    try:
        server.serve(lsocks)
    finally:
        log.close()
        try:
            sys.stdout.flush()
        except OSError:
            pass
        os._exit(0)
