"""Renders tests/bench/RESULTS.md from the figures bench.py measured.
The numbers come from the run; the explanations below them were written
from the traces (gwmail --trace, the proxy's logs) of the runs that
produced this file's first version: re-check them when the numbers move."""


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        out.append("| " + " | ".join(str(x) for x in r) + " |")
    return "\n".join(out)


def counted(cell):
    """The counted median of a `counted / wall` cell ("7 (7–7) / 5.1 (..)")."""
    try:
        return float(cell.split()[0])
    except (ValueError, IndexError):
        return None


def num(x, nd=1):
    return "?" if x is None else ("%%.%df" % nd) % x


def above(a, b):
    return "?" if a is None or b is None else "above" if a > b else "below" if a < b else "at"


def ratio(a, b):
    return "?" if not a or not b else "%.1f" % (a / b)


GWKIT = "gwkit (gwmail -m PLAIN)"
GWKIT_BC = "gwkit (gwmail -m PLAIN), Lua files as luac5.1 -s bytecode"
LUASEC = "LuaSocket + LuaSec script"
CURL = "curl (smtp://, --sasl-ir)"


def cell(rows, name):
    """The first figure of the row called name (its median), or None."""
    for r in rows:
        if r[0] == name:
            return counted(r[1])
    return None


def floor_name(rows):
    return next((r[0] for r in rows if r[0].startswith("yardstick")), None)


def rss_section(R, w):
    rows = R["rss"]
    w("## Peak RSS of one send (587 STARTTLS + AUTH, no proxy)\n")
    w("`/usr/bin/time -v CLIENT ...`, \"Maximum resident set size\" of the whole process.\n")
    w(table(["client", "peak RSS"], rows))
    fl = floor_name(rows)
    g, ls, ms, f = (cell(rows, n) for n in (GWKIT, LUASEC, "msmtp", fl))
    w("\nThe last row is not a mail client: a C program on OpenSSL that only connects, says "
      "EHLO and STARTTLS and completes a verified TLS handshake (`tests/bench/peers/"
      "tls_floor.c`). What it maps and touches is what any OpenSSL client pays before sending "
      "a byte of mail: %s MiB, most of it pages of libcrypto, libssl and libc, shared with every "
      "other process that uses them. Above that floor gwkit adds %s MiB (the Lua interpreter, "
      "core.so, the compiled Lua code and its heap), the LuaSocket + LuaSec script %s MiB; msmtp, "
      "on GnuTLS, lands at %s MiB. The three are within a megabyte of each other because the "
      "TLS library is most of all of them; Python and swaks, with their interpreters' own "
      "start-up, need about twice as much.\n" %
      (num(f), num(g - f if g and f else None), num(ls - f if ls and f else None), num(ms)))


def ir_section(R, w):
    runs = R["runs"]
    rows = R["ir"]
    w("## CPU instructions of one send over TLS (587 STARTTLS + AUTH, no proxy)\n")
    w("`valgrind --tool=callgrind --trace-children=no --callgrind-out-file=F CLIENT ...`, total "
      "Ir (instructions executed) of the whole process, interpreter start-up and TLS included; "
      "millions, median (min–max) of %d runs. The server is the same for all (Postfix 587); "
      "every client trusts the one test CA file (`--cafile`, `--tls-trust-file`, ...)." %
      R.get("ir_runs", runs))
    w("")
    w(table(["client", "instructions (Ir)"], rows))
    ir = R.get("ir_raw", {})
    fl = floor_name(rows)
    src, bc, ls, ms, cu, f = (ir.get(n) for n in (GWKIT, GWKIT_BC, LUASEC, "msmtp", CURL, fl))
    w("\nThe bytecode row runs the same gwmail with the Lua files compiled by `luac5.1 -s`, "
      "what `make install LUAC=luac5.1` installs: %s M fewer, the parsing and compiling of the "
      "Lua files at `require`. The SCRAM-SHA-256 row against the PLAIN row is the cost of the "
      "automatic choice: PBKDF2 with Dovecot's 4096 iterations (Hi() = 2 × 4096 HMAC-SHA-256) "
      "on every send." % num(src - bc if src and bc else None))
    split = R.get("ir_split", {})
    if split:
        w("")
        w("Where the instructions go (self cost per ELF object, millions, from the last run of "
          "each):\n")
        for name, parts in split.items():
            total = sum(v for v, _ in parts)
            top = ", ".join("%s %.1f" % (o, v) for v, o in parts[:6] if v >= 0.1)
            w("- %s (%.1f M): %s" % (name, total, top))
    w("")
    w("**Why msmtp's count is not comparable.** The yardstick row is OpenSSL alone doing the "
      "TLS of this send, in C, with nothing else: %s M, %s msmtp's whole send (%s M). msmtp uses "
      "GnuTLS with nettle and GMP, whose start-up is a fraction of OpenSSL 3.0's (library and "
      "provider initialisation, openssl.cnf, the error strings, every algorithm fetched when "
      "the SSL_CTX is made, certificates decoded through the provider decoders). No client "
      "on OpenSSL 3.0 can reach msmtp's figure; the ones that are comparable run on the same "
      "OpenSSL: curl's SMTP client (C) takes %s M, the LuaSocket + LuaSec script %s M, and "
      "gwkit %s M with the Lua files as source (%s M as bytecode), of which %s M above the "
      "yardstick: the Lua interpreter, compiling the Lua files, and the SMTP work itself." %
      (num(f), above(f, ms), num(ms), num(cu), num(ls),
       num(src), num(bc), num(src - f if src and f else None)))
    w("")
    w("The run of this step before these changes (this file's version of 2026-11-23 15:55) "
      "measured 37.4 M for gwkit's source row and 30.9 M for its bytecode row. Three changes "
      "are behind the difference: OpenSSL runs without its exit handler (it freed its tables "
      "at exit, for memory the exit returns anyway); `gwkit.smtp` loads the MIME builder only "
      "when it builds a message, and `gwkit.mime.address` its header writer only when it "
      "writes a field (gwmail --raw sends a ready message, so less Lua is compiled); and the "
      "SSL_CTX set-up moved to cext/net/tlsctx.c, which keeps it for the process (the next "
      "table).")
    each = R.get("ir_each")
    if each:
        n = R.get("ir_each_n", 10)
        w("")
        w("### Each message after the first, in one process\n")
        w("A daemon (gwkitd) sends many alerts from one process. Ir of one process sending 1 and "
          "%d alerts, and the cost of each alert after the first: (Ir(%d) − Ir(1)) / %d. "
          "Median of %d runs each.\n" % (n, n, n - 1, R.get("ir_runs", runs)))
        w(table(["client", "1 alert", "%d alerts" % n, "each alert after the first"], each))
        w("\ngwkit keeps its SSL_CTX per set of TLS options (cext/net/tlsctx.c): OpenSSL's "
          "algorithm tables and the CA file are set up once per process, and each new "
          "connection pays the handshake and the SMTP work only; a changed CA file makes a new "
          "one. In one session the TLS handshake, too, is paid once.")
    w("")


def render(R, footprint_file=None):
    D = R["D"]
    runs = R["runs"]
    o = []
    w = o.append
    w("# gwkit benchmarks\n")
    w("Written by `make bench` (tests/bench/run.sh, tests/bench/bench.py); every figure below is "
      "from that run. Not a test: nothing asserts on a figure.\n")
    w("- Date: %s; `make bench` took %.0f s (measurements only: %.0f s)." %
      (R["date"], R.get("wall", R["elapsed"]), R["elapsed"]))
    w("- Machine: %s." % R["machine"])
    w("- Versions: " + "; ".join("%s %s" % (k, v.replace("\n", " ")) for k, v in R["versions"]) + ".")
    w("- Each cell: **median (min–max) of %d runs** unless it says otherwise. D = %g ms." % (runs, D))
    w("- Servers (started by run.sh on loopback): Postfix + Dovecot SASL from "
      "`tests/servers/mailstack.sh`, lighttpd from `tests/servers/webstack.sh`. "
      "PIPELINING \"off\" = two extra smtpd listeners (submission, smtps) that run.sh adds to the "
      "stack's own master.cf with `-o smtpd_discard_ehlo_keywords=pipelining`, then "
      "`postfix -c DIR/postfix reload` (the proxy cannot strip the keyword: after STARTTLS and "
      "on 465 the EHLO reply is encrypted).")
    w("")

    w("## How round trips are measured\n")
    w("`tests/bench/delayproxy.py` (Python stdlib, asyncio) listens on 127.0.0.1 in front of "
      "the server and delays every segment by D/2 in each direction, in order. A userspace "
      "proxy cannot delay the kernel's TCP handshake, so it emulates it: it connects upstream "
      "only 1.5 D after accept and holds the client's first bytes until D + D/2; the handshake "
      "therefore costs one D like on a real path. Each proxy logs every segment (time, "
      "connection, direction, length, first bytes when printable) and stops after 900 s.\n")
    w("Two figures per cell, `counted / wall`:\n")
    w("- **counted** (the main figure): from the proxy's log of the run at D: per connection "
      "1 (TCP handshake) + every flight of server segments the client waited for (the client's "
      "next data or its close reached the proxy no earlier than that flight's delivery). It is "
      "exact and does not depend on CPU time.")
    w("- **wall**: (wall time of the client process through the proxy at D − the same through "
      "the proxy at D = 0) / D, the issue's definition. It carries CPU noise (2 cores shared by "
      "client, proxy, Postfix, Dovecot) and one artefact: msmtp (GnuTLS, no TCP_NODELAY) makes "
      "several small writes; at D = 0 on loopback Nagle + the peer's delayed ACK stall each by "
      "~40 ms, which inflates the D = 0 baseline, so its wall figure is several round trips "
      "*too low*. Its proxy log shows the true count.")
    w("")

    w("## The minimum the RFCs allow\n")
    w("Round trips the client must wait for, one message, one recipient, TLS 1.3, no TLS session "
      "resumption (a fresh process), QUIT sent but not waited for.\n")
    w("| step | 587 STARTTLS, PIPELINING | 587, no PIPELINING | 465, PIPELINING | 465, no PIPELINING | why it must wait |")
    w("|---|---|---|---|---|---|")
    w("| TCP handshake | 1 | 1 | 1 | 1 | SYN / SYN-ACK |")
    w("| TLS 1.3 handshake (465) | – | – | 1 | 1 | ClientHello → ServerHello…Finished; the client Finished rides with the next data |")
    w("| 220 greeting | 1 | 1 | 1 | 1 | RFC 5321 4.3.1: the client waits for it (on 465 Postfix sends it once its handshake completed, i.e. after the client Finished) |")
    w("| EHLO → 250 | 1 | 1 | 1 | 1 | PIPELINING, STARTTLS, AUTH are known only from this reply |")
    w("| STARTTLS → 220 | 1 | 1 | – | – | RFC 3207: TLS starts only after the 220; STARTTLS ends a pipelined group |")
    w("| TLS 1.3 handshake (587) | 1 | 1 | – | – | as above |")
    w("| EHLO again → 250 | 1 | 1 | – | – | RFC 3207 4.2: what was learnt before TLS is discarded; AUTH mechanisms are only known now |")
    w("| AUTH PLAIN with initial response → 235 | 1 | 1 | 1 | 1 | RFC 4954 4 (one exchange; SCRAM needs three) |")
    w("| MAIL, RCPT, DATA → 250 250 354 | 1 (one flight, RFC 2920) | 3 | 1 | 3 | without PIPELINING each command waits for its reply |")
    w("| body + `.` → 250 | 1 | 1 | 1 | 1 | the reply says whether the message was taken |")
    w("| QUIT | 0 | 0 | 0 | 0 | sent, not waited for (the message is already queued) |")
    w("| **minimum with DATA, as counted above** | **9** | **11** | **7** | **9** | |")
    w("| AUTH PLAIN pipelined: `AUTH PLAIN <initial response>`, MAIL, RCPT, DATA in one flight | 8 | – | 6 | – | RFC 4954 4: AUTH must end a pipelined group *except* with an initial response, a mechanism that completes in one round trip and no security layer (PLAIN, EXTERNAL); without PIPELINING every command waits |")
    w("| and CHUNKING: `AUTH PLAIN <ir>`, MAIL, RCPT, `BDAT n LAST` + message in one flight | **7** | **10** | **5** | **8** | RFC 3030: BDAT needs no 354, so the message joins the flight (Postfix offers CHUNKING): the tightest bound here, and what `gwmail -m PLAIN` sends |")
    w("")
    w("A server could also send the 465 greeting as TLS 1.3 0.5-RTT data (right after its "
      "Finished), saving one more; Postfix does not, so no client can reach that here.\n")

    if "smtp_rt" in R:
        w("## SMTP: round trips per message (`counted / wall`), one message per process\n")
        w("Same message (a 230-byte alert) for every client, same servers, each through its proxy. "
          "gwkit is `scripts/gwmail --raw` with `-m PLAIN` (AUTH pipelined with the message) and, "
          "second row, with its automatic choice (Dovecot offers SCRAM-SHA-256, which gwkit then "
          "prefers; SCRAM needs its round trips, so its AUTH stays apart).\n")
        w(table(["client", "587 STARTTLS + AUTH, PIPELINING", "587, PIPELINING off",
                 "465 + AUTH, PIPELINING", "465, PIPELINING off"], R["smtp_rt"]))
        w("\nRFC minimum as counted above: 9 / 11 / 7 / 9 with DATA; with AUTH PLAIN pipelined and "
          "CHUNKING: 7 / 10 / 5 / 8.\n")
        plain = [counted(c) for c in R["smtp_rt"][0][1:5]]
        auto = [counted(c) for c in R["smtp_rt"][1][1:5]]
        tight = [7, 10, 5, 8]
        w("Where each client stands, from `gwmail --trace`, `msmtp --debug`, `swaks` output and the "
          "proxy logs (`WORK/proxy-PORT-50.log`):\n")
        w("- **gwkit, PLAIN**: %s counted, %s. It waits for the greeting, EHLO, STARTTLS, the "
          "TLS flight and EHLO again; then, with PIPELINING, sends `AUTH PLAIN <initial response>`, "
          "MAIL, RCPT and `BDAT n LAST` with the message in one flight (RFC 4954 4, RFC 2920, RFC "
          "3030) and reads the 235, 250, 250, 250 in order; QUIT goes without waiting for the 221. "
          "Without PIPELINING each command waits for its reply, and `BDAT LAST` still spares the 354. "
          "Had the AUTH been refused, the replies to the pipelined commands would be read and "
          "dropped, and the next mechanism tried (RSET first if the server opened the transaction); "
          "a server that takes the message without the AUTH (a 250 to BDAT LAST after a 535) is "
          "reported as such and never sent the message twice." %
          (" / ".join(num(x, 0) for x in plain),
           "the tightest bound on every column" if plain == tight else
           "against the tightest bound of 7 / 10 / 5 / 8"))
        w("- **gwkit, automatic choice**: %s. Dovecot offers SCRAM-SHA-256 and gwkit takes the "
          "strongest mechanism: `AUTH SCRAM-SHA-256 client-first` → `334 server-first`, "
          "`client-final` → `334 server-final`, empty line → `235`: three exchanges, and SCRAM cannot "
          "join the message's flight (RFC 4954 4 allows that only to a mechanism done in one round "
          "trip). A user who wants the tightest count names PLAIN (`-m PLAIN`), or lets the automatic "
          "choice remember PLAIN (`state_dir`)." % " / ".join(num(x, 0) for x in auto))
        w("- **msmtp**: it pipelines MAIL/RCPT/DATA but not AUTH, and waits for the 221 reply to QUIT.")
        w("- **swaks** (`--pipeline` when offered): pipelines MAIL/RCPT/DATA, AUTH apart, and waits "
          "for 221.")
        w("- **curl** (`smtp://` with `--ssl-reqd --sasl-ir`), **Python smtplib** and the "
          "**LuaSocket + LuaSec script**: one command per reply even where PIPELINING is "
          "offered, AUTH PLAIN with its initial response in one exchange, and QUIT waited for.")
        w("")

    if "batch" in R:
        n, nrt = R.get("batch_n", (100, 20))
        w("## A batch of alerts, 587 STARTTLS + AUTH PLAIN\n")
        w("messages/s on loopback: %d alerts straight to Postfix (no proxy). messages/s at D: %d "
          "alerts through the proxy at D = %g ms, a network instead of loopback. Round trips per "
          "message: the same runs, `counted / wall`, divided by %d. Each: median (min–max) of %d "
          "runs." % (n, nrt, D, nrt, runs))
        w("")
        w(table(["client", "messages/s, loopback (%d alerts)" % n,
                 "messages/s at D = %g ms (%d alerts)" % (D, nrt),
                 "round trips per message (%d alerts)" % nrt], R["batch"]))
        raw = R.get("batch_raw", {})
        names = [r[0] for r in R["batch"]]
        conn, sess, bat = (raw.get(names[i], [None] * 3) for i in range(3))
        w("\nOne session against one connection per alert: %s× the messages per second on "
          "loopback, where Postfix's own work per message bounds both (smtpd, cleanup, the queue "
          "manager and the delivery agent run for each message, on the 2 cores that also run the "
          "client); %s× at D, where the round trips count: an alert costs %s round trips on a "
          "connection of its own (TCP, greeting, EHLO, STARTTLS, TLS, EHLO, then AUTH with the "
          "message) and %s in the session (MAIL, RCPT, BDAT and the message in one flight, one "
          "round trip per alert after the 7 of TCP, greeting, EHLO, STARTTLS, TLS, EHLO and AUTH: "
          "(7 + %d) / %d)." %
          (ratio(sess[0], conn[0]), ratio(sess[1], conn[1]), num(conn[2], 2), num(sess[2], 2),
           nrt, nrt))
        w("")
        w("The loopback rates vary widely from run to run (min–max above): they depend on what "
          "else the 2 cores do while Postfix and the client share them; the rates at D do not.")
        w("")
        w("`s:send_batch` (gwkit.smtp.batch, over smtp_session_mail_batch in C) sends up to 32 "
          "alerts in one flight: RFC 2920 lets a pipelined group hold several transactions, and "
          "BDAT LAST ends each one without a 354, so the next MAIL follows the previous message "
          "without waiting; each transaction but the first opens with RSET, so that a refused "
          "message cannot leave a half-open transaction for the next (RFC 3030 asks for an RSET "
          "after a refused BDAT). At D it reaches %s× one connection per alert and %s× the session "
          "with `s:send` (%s round trips per message); on loopback it is again Postfix-bound "
          "(%s× a connection per alert). msmtp has no session mode (one process per message); "
          "`msmtpq` only queues. Python's session is `sendmail()` repeated on one connection, "
          "without pipelining." %
          (ratio(bat[1], conn[1]), ratio(bat[1], sess[1]), num(bat[2], 2), ratio(bat[0], conn[0])))
        w("")
        w("**A stall that was found and removed earlier.** Postfix (OpenSSL 3) writes two TLS 1.3 "
          "NewSessionTickets right after the handshake, then its next reply; smtpd does not set "
          "TCP_NODELAY, so Nagle holds the reply until the tickets are ACKed, and a client with "
          "nothing to send delays that ACK (Linux's delayed-ACK timer, up to 40 ms). gwkit sets "
          "TCP_QUICKACK before each wait for the server (cext/net/sock.c). The proxy ACKs locally, "
          "so the round-trip counts never showed it.\n")

    if "http" in R:
        w("## HTTP Digest: round trips per request (`counted / wall`)\n")
        w("lighttpd (mod_auth, Digest SHA-256) `/digest-sha256/status.html` over plain http "
          "through the proxy. Python's urllib has no SHA-256 Digest (3.11: MD5 and SHA only), so it "
          "reads `/digest-md5/status.html` from the same server; the round trips do not depend on "
          "the algorithm.\n")
        w(table(["client", "1 request (one process)", "20 requests (one session / invocation), per request"],
                R["http"]))
        w("\nMinimum: 3 for one request (TCP, the 401 that carries the nonce, the answered request); "
          "in a session 1 per request after the first ((3 + 19) / 20 = 1.10), reusing the nonce with "
          "an increasing nc (RFC 7616 3.4). gwkit reaches both. curl keeps the connection but sends "
          "every URL first without credentials and answers a fresh 401 each time (2 per request "
          "after the first). urllib opens a new connection for every request and again for the "
          "retry after the 401 (`Connection: close`): 4 per request.\n")

    if "rss" in R:
        rss_section(R, w)
    if "ir" in R:
        ir_section(R, w)
    if "store" in R:
        ir = R.get("ir_raw", {})
        w("## One send against a system CA store\n")
        w("The same send, 587 STARTTLS + AUTH PLAIN, verified against a system store instead of one "
          "CA file: Debian's hashed `/etc/ssl/certs` and its bundle (%s certificates), copied with "
          "the test CA added, named by `SSL_CERT_DIR` and `SSL_CERT_FILE` (the host's /etc/ssl is "
          "not touched). Ir as above; peak RSS from `/usr/bin/time -v`." %
          R.get("store_certs", "?"))
        w("")
        w(table(["client", "instructions (Ir)", "peak RSS"], R.get("store", [])))
        st = [r[0] for r in R.get("store", [])]
        if len(st) >= 4:
            w("\nWithout `cafile`/`capath` gwkit used to call `SSL_CTX_set_default_verify_paths`, "
              "which parses the whole bundle on every connection, and OpenSSL 3.0 decodes every "
              "certificate's public key through its provider decoders: that is the fourth row "
              "(`--cafile BUNDLE` makes OpenSSL read the same file the same way), %s M, which "
              "every send paid before. cext/net/tlsctx.c now sets up the "
              "same two sources lazily: the hashed directory (looked up one certificate at a time), "
              "and, only when a chain needs an issuer the directory lacks, the bundle's "
              "certificates whose subject is that issuer, found by cext/net/cabundle.c without "
              "parsing the others (a PEM and DER walk down to the subject Name); when no subject "
              "matches byte for byte, or the bundle uses OpenSSL's trusted-certificate format, the "
              "whole bundle is loaded as before, so nothing that verified before fails now. With "
              "the hashed directory a send costs %s M, as with one CA file; with a bundle alone "
              "(OpenWrt's ca-bundle) %s M. The peers parse the whole bundle (msmtp with GnuTLS, "
              "Python and LuaSec with OpenSSL)." %
              (num(ir.get(st[3])), num(ir.get(st[0])), num(ir.get(st[2]))))
        w("")
        w("**Bytecode.** `make install LUAC=luac5.1` installs every Lua file compiled with "
          "`luac5.1 -s` instead of its source (PUC Lua 5.1 only: LuaJIT cannot load that "
          "bytecode, and bytecode depends on the word size and byte order, so a cross build "
          "needs the target's luac); error messages from inside gwkit's Lua code then carry no "
          "line numbers. The bench builds such a tree in its work directory for the bytecode "
          "rows; `tests/spec/install_spec.lua` checks both installs.\n")

    if "size" in R:
        w("## Size\n")
        w("`strip --strip-unneeded` copy of `build/gwkit/core.so` (all of gwkit's C: SMTP, SASL, "
          "HTTP and TLS, and the log, sys and page cores of the scripts; links libssl/libcrypto "
          "dynamically) beside the Debian LuaSocket + LuaSec modules it replaces (already stripped "
          "by Debian) under `/usr/lib/x86_64-linux-gnu/lua/5.1/`; the Lua files are all of "
          "lua/gwkit, the scripts' modules included. Bytes.\n")
        w(table(["file", "bytes"], R["size"]))
        w("")

    if "startup" in R:
        w("## Start-up\n")
        w("`%s`, wall time in ms, median (min–max)." % R.get("startup_tool", "hyperfine"))
        w("")
        w(table(["command", "time"], R["startup"]))
        w("")

    if footprint_file:
        w("## Footprint\n")
        w("Output of `tests/bench/footprint.sh`:\n")
        w("```")
        try:
            w(open(footprint_file).read().rstrip())
        except OSError as e:
            w("(not available: %s)" % e)
        w("```\n")

    w("## Reproduce\n")
    w("```sh\nmake bench                      # about 15 minutes; RUNS=5 DELAY_MS=50 BATCH=100 BATCH_RT=20\n"
      "BENCH_STEPS='smtp http' make bench   # only some steps (smtp batch http rss ir store size startup)\n"
      "BENCH_KEEP=1 make bench        # keep /tmp/gwkit-bench.*/ (proxy logs, bench.log, results.json)\n```\n")
    w("Peers as run (from `tests/bench/bench.py`): "
      "`msmtp --host=127.0.0.1 --port=P --tls=on --tls-starttls=on|off --tls-trust-file=CA "
      "--auth=plain --user=U --passwordeval='cat F' --from=U --domain=localhost RCPT < msg`; "
      "`swaks --server 127.0.0.1:P --tls|--tlsc --tls-verify --tls-ca-path CA --auth PLAIN ... "
      "--data @msg [--pipeline]`; `tests/bench/peers/smtplib_send.py` (SMTP/SMTP_SSL, starttls, "
      "`auth('PLAIN', auth_plain, initial_response_ok=True)`, sendmail, quit); "
      "`tests/bench/peers/luasocket_send.lua` (LuaSocket + LuaSec, one command per reply); "
      "`curl -sSf --digest -u U:P -o /dev/null URL [-o /dev/null URL ...]`; "
      "`tests/bench/peers/urllib_digest.py` (one opener with HTTPDigestAuthHandler); gwkit: "
      "`scripts/gwmail --raw`, `scripts/gwhttp -f` (body to a pipe), `tests/bench/peers/gwkit_batch.lua`, "
      "`tests/bench/peers/gwkit_http.lua`. Python is Debian's `/usr/bin/python3`.\n")
    return "\n".join(o) + "\n"


if __name__ == "__main__":
    # Renders again from a kept run: report.py WORK/results.json [WORK/footprint.txt]
    import json
    import sys
    sys.stdout.write(render(json.load(open(sys.argv[1])), sys.argv[2] if len(sys.argv) > 2 else None))
