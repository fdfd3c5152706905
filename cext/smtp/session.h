/* The SMTP client session engine (RFC 5321, 3207 STARTTLS, 4954 AUTH,
 * 2920 PIPELINING, 3030 CHUNKING, 1870 SIZE, 6152 8BITMIME, 6531 SMTPUTF8).
 * It drives one connection through a gw_io; the choice of mechanism and the
 * retry policy belong to the caller (the Lua layer). */
#ifndef GW_SMTP_SESSION_H
#define GW_SMTP_SESSION_H

#include "net/io.h"
#include "net/reader.h"
#include "net/tls.h"
#include "sasl/sasl.h"
#include "reply.h"
#include "caps.h"

enum { SMTP_TLS_NONE = 0, SMTP_TLS_STARTTLS = 1, SMTP_TLS_IMPLICIT = 2 };

/* dir is 'S' for a line from the server, 'C' for one we sent, '*' for a note
 * of ours. Secrets never reach it: AUTH responses arrive as "<redacted>". */
typedef void (*smtp_trace_fn)(void *ud, int dir, const char *line, size_t len);

typedef struct smtp_rcpt {
    int code;
    char reply[256];        /* the server's last reply line, truncated */
} smtp_rcpt;

typedef struct smtp_opts {
    const char *host;
    unsigned port;
    int family;             /* GW_FAMILY_* */
    int tls_mode;           /* SMTP_TLS_* */
    gw_tls_opts tls;        /* tls.host defaults to host */
    const char *helo;       /* our name for EHLO; NULL: "localhost" */
    double timeout;         /* seconds for each step (connect, handshake, reply) */
} smtp_opts;

typedef struct smtp_session {
    gw_io *io;
    gw_reader rd;
    smtp_reply reply;       /* the last reply read */
    smtp_caps caps;         /* from the last EHLO */
    int ehlo_ok;            /* 0: the server only took HELO */
    int tls_active;
    int broken;             /* the connection can no longer be used */
    int authenticated;
    smtp_rcpt auth_result;  /* the reply that ended the last AUTH exchange (code 0: none) */
    double timeout;
    smtp_trace_fn trace;
    void *trace_ud;
    char helo[GW_HOST_MAX + 1];
    char greeting[256];
    char line[GW_SMTP_LINE_MAX + 1];
} smtp_session;

void smtp_session_init(smtp_session *s, smtp_trace_fn trace, void *ud);
/* Connects, reads the greeting, says EHLO (HELO when EHLO is refused), and
 * for STARTTLS upgrades and says EHLO again; implicit TLS handshakes first.
 * 0 or -1 with e set (GW_ECONNECT, GW_ETIMEOUT, GW_ETLS, GW_ETLS_REQUIRED,
 * GW_EPROTOCOL, GW_ECLOSED). */
int smtp_session_open(smtp_session *s, const smtp_opts *o, gw_err *e);
/* Same, over an io the caller made (transcript tests); takes ownership. */
int smtp_session_open_io(smtp_session *s, gw_io *io, const smtp_opts *o, gw_err *e);
/* One AUTH exchange with one mechanism. 0 on 235; -1 with e set:
 * GW_EAUTH_FAILED with e->code the server's reply code (535, 534, 538, 504,
 * 454, ...), GW_EAUTH_UNAVAILABLE, or a connection error (s->broken set). */
int smtp_session_auth(smtp_session *s, const char *mech, const sasl_creds *cr,
                      const char *test_nonce, gw_err *e);
/* One message: MAIL, RCPT for each recipient, then DATA, or BDAT LAST when
 * the server offers CHUNKING (RFC 3030: no 354 to wait for); all in one
 * flight when it offers PIPELINING.
 * rcpts/results have n entries. The message is sent when at least one
 * recipient was accepted; 0 then (results say which were refused), and
 * s->reply holds the final reply. -1 with e set: GW_ESENDER,
 * GW_ERECIPIENT (none accepted), GW_EDATA, GW_EBAD_ARGUMENT (CR/LF/NUL in an
 * address, a NUL in the message, SIZE exceeded, 8-bit content or UTF-8
 * addresses that the server cannot take), or a connection error. */
int smtp_session_mail(smtp_session *s, const char *from, const char *const *rcpts,
                      size_t n, const char *msg, size_t len, smtp_rcpt *results,
                      gw_err *e);
/* AUTH and the first message in one flight. RFC 4954 4 lets AUTH open a
 * pipelined group when it carries an initial response, the mechanism
 * completes in one round trip and no security layer is negotiated (PLAIN;
 * EXTERNAL, which gwkit does not have). So with PLAIN and PIPELINING:
 * "AUTH PLAIN <initial response>", MAIL, RCPT..., then BDAT n LAST and the
 * message (CHUNKING) or DATA, in one write, the replies read in order; after
 * DATA the message goes only once the AUTH was accepted and DATA answered
 * 354. Any other mechanism, or no PIPELINING: smtp_session_auth, then
 * smtp_session_mail. The envelope and the message are checked before
 * anything is sent.
 * 0: authenticated and the message accepted (results, s->reply as for
 *   smtp_session_mail); or the AUTH was refused and the server took the
 *   message all the same (a 250 to BDAT LAST after MAIL and a RCPT were
 *   accepted): s->authenticated is then 0 and s->auth_result holds the
 *   refusal. The message is in the server's hands: do not send it again.
 * -1 with e set:
 *   GW_EAUTH_FAILED, e->code and s->reply the AUTH reply (4xx or 5xx): the
 *     replies to the pipelined commands were read and none of them is a
 *     result (results are zeroed); a transaction the server opened is
 *     RSET, and a 354 to DATA closes the connection (no message goes after
 *     a refused AUTH). The session can take the next AUTH unless the
 *     server hung up (s->broken).
 *   with s->authenticated set: the errors of smtp_session_mail.
 *   otherwise: GW_EBAD_ARGUMENT or GW_EDATA (SIZE) with nothing sent, or
 *     GW_EAUTH_UNAVAILABLE, GW_EPROTOCOL (a reply to AUTH that is neither
 *     235 nor a refusal: broken), or a connection error before the AUTH
 *     reply (broken). */
int smtp_session_auth_mail(smtp_session *s, const char *mech, const sasl_creds *cr,
                           const char *from, const char *const *rcpts, size_t n,
                           const char *msg, size_t len, smtp_rcpt *results, gw_err *e);
/* One message of smtp_session_mail_batch: in from .. len (strings live
 * through the call), out the rest. */
typedef struct smtp_batch_msg {
    const char *from;
    const char *const *rcpts;
    size_t n;
    const char *msg;
    size_t len;
    smtp_rcpt *results;     /* n entries, as for smtp_session_mail */
    smtp_rcpt final;        /* the last reply read for it (code 0: none); err has
                               the one that decided a refusal */
    int rc;                 /* 0: the message was accepted; -1: err says why */
    gw_err err;
} smtp_batch_msg;

/* Several messages on one session. With PIPELINING and CHUNKING up to
 * GW_SMTP_BATCH_MAX transactions (and GW_SMTP_BATCH_REPLIES replies) go in
 * one flight: RFC 2920 lets a pipelined group hold several transactions, and
 * BDAT LAST (RFC 3030) ends each without a 354 to wait for. Every one but
 * the first of a flight opens with RSET, so that a refused transaction
 * cannot spill into the next; the replies are read in order. Otherwise one
 * smtp_session_mail after another. Each m[i] gets rc, err, results and final
 * as smtp_session_mail would give them (a message refused before anything
 * is sent, e.g. over SIZE, does not stop the others). After a connection
 * error the messages whose replies were not read carry that error (rc -1)
 * and nothing more is sent: they may or may not have been taken. Returns
 * how many messages were accepted. k is at most GW_SMTP_BATCH_CALL_MAX. */
size_t smtp_session_mail_batch(smtp_session *s, smtp_batch_msg *m, size_t k);
/* RSET; 0 or -1. */
int smtp_session_rset(smtp_session *s, gw_err *e);
/* Sends QUIT without waiting for the answer, and closes. */
void smtp_session_quit(smtp_session *s);
/* Closes without QUIT. Idempotent. */
void smtp_session_close(smtp_session *s);

#endif
