"""Renders tests/bench/RESULTS.md from the figures bench.py measured.
The numbers come from the run; the explanations below them were written
from the traces (gwmail --trace, the proxy's logs) of the runs that
produced this file's first version: re-check them when the numbers move."""


def render(R, table, footprint_file=None):
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
      "~40 ms, which inflates the D = 0 baseline, so its wall figure is 2–3 round trips *too "
      "low*. Its proxy log shows the true count.")
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
    w("| **minimum, as counted above** | **9** | **11** | **7** | **9** | |")
    w("| tighter, still within the RFCs: AUTH PLAIN pipelined with MAIL/RCPT/DATA | 8 | – | 6 | – | RFC 4954 4: AUTH must end a pipelined group *except* with an initial response, a mechanism that completes in one round trip and no security layer (PLAIN, EXTERNAL) |")
    w("| and CHUNKING (`BDAT n LAST` + body instead of DATA, 354, body; Postfix offers it) | 7 | 10 | 5 | 8 | RFC 3030: BDAT needs no 354; with PIPELINING it joins the flight |")
    w("")
    w("A server could also send the 465 greeting as TLS 1.3 0.5-RTT data (right after its "
      "Finished), saving one more; Postfix does not, so no client can reach that here.\n")

    w("## SMTP: round trips per message (`counted / wall`), one message per process\n")
    w("Same message (a 230-byte alert) for every client, same servers, each through its proxy. "
      "gwkit is `scripts/gwmail --raw` with `-m PLAIN` and, second row, with its automatic choice "
      "(Dovecot offers SCRAM-SHA-256, which gwkit then prefers).\n")
    w(table(["client", "587 STARTTLS + AUTH, PIPELINING", "587, PIPELINING off",
             "465 + AUTH, PIPELINING", "465, PIPELINING off"], R["smtp_rt"]))
    w("\nRFC minimum as counted above: 9 / 11 / 7 / 9 (tighter: 7 / 10 / 5 / 8).\n")
    w("Where each client stands, from `gwmail --trace`, `msmtp --debug`, `swaks` output and the "
      "proxy logs (`WORK/proxy-PORT-50.log`):\n")
    w("- **gwkit, PLAIN**: waits for the greeting, EHLO, STARTTLS, the TLS flight, EHLO, "
      "`AUTH PLAIN <initial response>`; then, since Postfix offers CHUNKING, sends MAIL, RCPT "
      "and `BDAT n LAST` with the message in one flight when PIPELINING is offered (RFC 2920, "
      "RFC 3030: no 354 to wait for), one command per reply without it, and QUIT without "
      "reading the 221. That is one below the DATA-based count of the table above. The one "
      "round trip left to the tighter bound is AUTH PLAIN, which gwkit does not pipeline with "
      "MAIL: the mechanism fallback needs the 235 (or the refusal) before the transaction.")
    w("- **gwkit, automatic choice**: +2 on every row. Dovecot offers SCRAM-SHA-256 and gwkit "
      "takes the strongest mechanism: `AUTH SCRAM-SHA-256 client-first` → `334 server-first`, "
      "`client-final` → `334 server-final`, empty line → `235`: three exchanges where PLAIN "
      "takes one (SMTP AUTH has no \"additional data with success\", so server-final costs its "
      "own round trip).")
    w("- **msmtp**: gwkit + 1 (10 / 12 / 8 / 10): it pipelines MAIL/RCPT/DATA like gwkit, but "
      "waits for the 221 reply to QUIT.")
    w("- **swaks** (`--pipeline` when offered): gwkit + 1: it pipelines, and waits for 221.")
    w("- **Python smtplib** and the **LuaSocket + LuaSec script**: no pipelining ever, and QUIT "
      "waited for: 12 on 587 either way, 10 on 465 either way.")
    w("")

    n, nrt = R.get("batch_n", (100, 20))
    w("## A batch of alerts, 587 STARTTLS + AUTH PLAIN\n")
    w("messages/s: %d alerts straight to Postfix (no proxy), median (min–max) of %d runs. "
      "RT/message: %d alerts through the proxy at D (one run), `counted / wall`, divided by %d." %
      (n, runs, nrt, nrt))
    w("")
    w(table(["client", "messages/s (%d alerts)" % n, "round trips per message (%d alerts)" % nrt],
            R["batch"]))
    w("\nIn one session an alert costs one round trip after the first when the server offers "
      "PIPELINING and CHUNKING (MAIL, RCPT, BDAT and the message in one flight; two with DATA), "
      "the connection, TLS and AUTH being paid once. msmtp has no session mode (one process per "
      "message); `msmtpq` only queues. Python's session is `sendmail()` repeated on one "
      "connection, without pipelining (4 per alert).\n")
    w("**A stall that was found and removed.** Postfix (OpenSSL 3) writes two TLS 1.3 "
      "NewSessionTickets right after the handshake, then its next reply; smtpd does not set "
      "TCP_NODELAY, so Nagle holds the reply until the tickets are ACKed, and a client with "
      "nothing to send delays that ACK by up to 40 ms. Every gwkit connection paid it (50 "
      "sends over 587 took 1.5-1.9 s). gwkit now sets TCP_QUICKACK before each wait for the "
      "server (cext/net/sock.c), and the same 50 sends take about 0.33 s. The proxy ACKs "
      "locally, so the round-trip counts never showed it.\n")

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

    w("## Peak RSS of one send (587 STARTTLS + AUTH, no proxy)\n")
    w("`/usr/bin/time -v CLIENT ...`, \"Maximum resident set size\" of the whole process.\n")
    w(table(["client", "peak RSS"], R["rss"]))
    w("")

    w("## CPU instructions of one send over TLS (587 STARTTLS + AUTH, no proxy)\n")
    w("`valgrind --tool=callgrind --trace-children=no --callgrind-out-file=F CLIENT ...`, total "
      "Ir (instructions executed) of the whole process, interpreter start-up and TLS included; "
      "millions, median (min–max) of %d runs. The server is the same for all (Postfix 587)." %
      R.get("ir_runs", runs))
    w("")
    w(table(["client", "instructions (Ir)"], R["ir"]))
    w("\nThe SCRAM-SHA-256 row against the PLAIN row is the cost of the automatic choice: "
      "PBKDF2 with Dovecot's 4096 iterations (Hi() = 2 × 4096 HMAC-SHA-256) on every send.\n")

    w("## Size\n")
    w("`strip --strip-unneeded` copy of `build/gwkit/core.so` (SMTP + SASL + HTTP + TLS glue; "
      "links libssl/libcrypto dynamically) beside the Debian LuaSocket + LuaSec modules it "
      "replaces (already stripped by Debian) under `/usr/lib/x86_64-linux-gnu/lua/5.1/`. Bytes.\n")
    w(table(["file", "bytes"], R["size"]))
    w("")

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
    w("```sh\nmake bench                      # about 8-10 minutes; RUNS=5 DELAY_MS=50 BATCH=100\n"
      "BENCH_STEPS='smtp http' make bench   # only some steps (smtp batch http rss ir size startup)\n"
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
