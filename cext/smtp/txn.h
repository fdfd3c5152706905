/* One mail transaction in steps (RFC 5321 3.3, RFC 2920, RFC 3030), so that
 * it can open with other commands in the same flight (AUTH PLAIN, RFC 4954
 * 4: authpipe.c). Internal to cext/smtp; smtp_session_mail in mail.c is
 * prepare, queue, send, finish. */
#ifndef GW_SMTP_TXN_H
#define GW_SMTP_TXN_H

#include "session.h"

typedef struct smtp_txn {
    const char *const *rcpts;
    size_t n;
    int pipelined;          /* the server offers PIPELINING */
    int bdat;               /* ... and CHUNKING: BDAT n LAST, no 354 */
    int no_rset;            /* a refused transaction is not RSET here: more of the
                               flight is on its way (batch.c sends the RSET) */
    gw_buf body;            /* the encoded message */
    char mail[GW_SMTP_CMD_MAX];
    char last[32];          /* "DATA" or "BDAT n LAST" */
} smtp_txn;

/* Checks the envelope and the message against what the server offers and
 * encodes the message; nothing is sent. 0, or -1 with e set
 * (GW_EBAD_ARGUMENT, GW_EDATA for SIZE). smtp_txn_free afterwards in
 * either case. */
int smtp_txn_prepare(smtp_session *s, smtp_txn *t, const char *from, const char *const *rcpts,
                     size_t n, const char *msg, size_t len, gw_err *e);
/* Appends MAIL, and when pipelined the RCPTs and DATA or BDAT, to out. */
int smtp_txn_queue(smtp_session *s, const smtp_txn *t, gw_buf *out, gw_err *e);
/* Writes out, then the message when pipelined with BDAT. */
int smtp_txn_send(smtp_session *s, const smtp_txn *t, gw_buf *out, gw_err *e);
/* Reads the replies from MAIL on (sending the RCPTs, DATA or BDAT one at a
 * time when not pipelined, the message after 354) and RSETs after a
 * refusal; the contract of smtp_session_mail. */
int smtp_txn_finish(smtp_session *s, smtp_txn *t, smtp_rcpt *results, gw_err *e);
/* Copies the code and the last line of s->reply into r. */
void smtp_txn_keep(smtp_rcpt *r, const smtp_session *s);
/* Makes s->reply the one line kept in r again (after an RSET read another). */
void smtp_txn_restore(smtp_session *s, const smtp_rcpt *r);
void smtp_txn_free(smtp_txn *t);

#endif
