/* The SMTP client session engine (RFC 5321, 3207 STARTTLS, 4954 AUTH,
 * 2920 PIPELINING, 1870 SIZE, 6152 8BITMIME, 6531 SMTPUTF8). It drives one
 * connection through a gw_io; the choice of mechanism and the retry policy
 * belong to the caller (the Lua layer). */
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

typedef struct smtp_opts {
    const char *host;
    unsigned port;
    int family;             /* GW_FAMILY_* */
    int tls_mode;           /* SMTP_TLS_* */
    gw_tls_opts tls;        /* tls.host defaults to host */
    const char *helo;       /* our name for EHLO; NULL: "localhost" */
    double timeout;         /* seconds for each step (connect, handshake, reply) */
} smtp_opts;

typedef struct smtp_rcpt {
    int code;
    char reply[256];        /* the server's last reply line, truncated */
} smtp_rcpt;

typedef struct smtp_session {
    gw_io *io;
    gw_reader rd;
    smtp_reply reply;       /* the last reply read */
    smtp_caps caps;         /* from the last EHLO */
    int ehlo_ok;            /* 0: the server only took HELO */
    int tls_active;
    int broken;             /* the connection can no longer be used */
    int authenticated;
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
/* RSET; 0 or -1. */
int smtp_session_rset(smtp_session *s, gw_err *e);
/* Sends QUIT without waiting for the answer, and closes. */
void smtp_session_quit(smtp_session *s);
/* Closes without QUIT. Idempotent. */
void smtp_session_close(smtp_session *s);

#endif
