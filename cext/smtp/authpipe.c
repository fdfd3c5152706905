/* AUTH PLAIN in the same flight as the first mail transaction.
 *
 * RFC 4954 4: AUTH must end a pipelined group (RFC 2920), except when it
 * carries an initial response for a mechanism that completes in one round
 * trip and negotiates no security layer (PLAIN and EXTERNAL are the
 * examples given). With CHUNKING (RFC 3030) the whole message follows in
 * the flight: "AUTH PLAIN ir", MAIL, RCPT..., "BDAT n LAST" + message; with
 * DATA the flight stops at DATA and the message goes only after a 235 and a
 * 354. A refused AUTH makes every later reply in the flight meaningless
 * (530 / 503 from the server's unauthenticated state): they are read and
 * dropped, and the caller tries its next mechanism. The initial response
 * is traced as "<redacted>" and lives only in wiped buffers. */
#include <stdio.h>
#include <string.h>
#include "session.h"
#include "wire.h"
#include "txn.h"

/* "AUTH PLAIN <ir>" queued in out; 1 when it does not fit one command
 * line (then nothing was queued: the caller does it the usual way). */
static int queue_auth(smtp_session *s, sasl_client *c, gw_buf *out, gw_err *e)
{
    char shown[GW_SASL_MECH_NAME + 32];
    gw_buf ir, cmd;
    int has = 0, rc = -1;
    gw_buf_init(&ir, GW_SMTP_AUTH_LINE_MAX);
    gw_buf_init(&cmd, GW_SMTP_AUTH_LINE_MAX);
    if (sasl_client_initial64(c, &ir, &has, e) != 0)
        goto done;
    rc = 1;
    if (!has || strlen(c->mech->name) + sizeof "AUTH  \r\n" - 1 + ir.len > GW_SMTP_AUTH_LINE_MAX)
        goto done;
    snprintf(shown, sizeof shown, "AUTH %s <redacted>", c->mech->name);
    if (gw_buf_puts(&cmd, "AUTH ") || gw_buf_puts(&cmd, c->mech->name) || gw_buf_puts(&cmd, " ")
        || gw_buf_append(&cmd, ir.data, ir.len))
        rc = gw_err_set(e, GW_ENOMEM, "smtp: out of memory");
    else
        rc = smtp_wire_queue(s, out, cmd.data, shown, e);
done:
    gw_buf_free(&ir);
    gw_buf_free(&cmd);
    return rc;
}

/* After a refused AUTH: the replies to MAIL, the RCPTs and DATA or BDAT.
 * Returns 0 only when the server took the message without the
 * authentication (BDAT LAST answered 250); e keeps the refusal otherwise. */
static int after_refusal(smtp_session *s, const smtp_txn *t, smtp_rcpt *results, gw_err *e)
{
    gw_err ignored;
    int mail_ok = 0, accepted = 0;
    size_t i;
    if (smtp_wire_reply(s, &ignored) != 0)
        goto out;
    mail_ok = s->reply.code == 250;
    for (i = 0; i < t->n; i++) {
        if (smtp_wire_reply(s, &ignored) != 0)
            goto out;
        smtp_txn_keep(&results[i], s);
        accepted += s->reply.code == 250 || s->reply.code == 251;
    }
    if (smtp_wire_reply(s, &ignored) != 0)
        goto out;
    if (t->bdat && s->reply.code == 250 && mail_ok && accepted) {
        smtp_wire_note(s, "the AUTH was refused, but the server accepted the message "
                       "without authentication");
        gw_err_clear(e);
        return 0;
    }
    if (!t->bdat && s->reply.code == 354) {
        /* The server would take a message without the authentication we
         * were told to use: no message, not even an empty one. */
        smtp_wire_note(s, "DATA accepted after a refused AUTH: closing the connection");
        smtp_wire_fail(s, &ignored);
    }
out:
    if (!s->broken && mail_ok)
        smtp_session_rset(s, &ignored);
    memset(results, 0, t->n * sizeof *results);
    smtp_txn_restore(s, &s->auth_result);   /* the AUTH reply is the one that counts */
    return -1;
}

/* The flight and its replies, once the envelope is checked. */
static int flight(smtp_session *s, sasl_client *c, smtp_txn *t, smtp_rcpt *results, gw_err *e)
{
    gw_buf out;
    int rc;
    gw_buf_init(&out, GW_SMTP_AUTH_LINE_MAX + (size_t)(GW_SMTP_RCPT_MAX + 2) * GW_SMTP_CMD_MAX);
    rc = queue_auth(s, c, &out, e);
    if (rc == 0 && (smtp_txn_queue(s, t, &out, e) != 0 || smtp_txn_send(s, t, &out, e) != 0))
        rc = -1;
    gw_buf_free(&out);                      /* wiped: it held the initial response */
    if (rc != 0)
        return rc;
    if (smtp_wire_reply(s, e) != 0)
        return -1;
    smtp_txn_keep(&s->auth_result, s);
    if (s->reply.code == 235) {
        if (sasl_client_finish(c, e) != 0)
            return smtp_wire_fail(s, e);
        s->authenticated = 1;
        smtp_wire_note(s, "authenticated with %s", c->mech->name);
        return smtp_txn_finish(s, t, results, e);
    }
    if (s->reply.code / 100 == 4 || s->reply.code / 100 == 5) {
        smtp_wire_refused(s, GW_EAUTH_FAILED, c->mech->name, e);
        return after_refusal(s, t, results, e);
    }
    /* A 334 here would take our MAIL line for a SASL response: the server
     * is out of step with everything that follows. */
    smtp_wire_refused(s, GW_EPROTOCOL, "unexpected reply to a pipelined AUTH", e);
    return smtp_wire_fail(s, e);
}

int smtp_session_auth_mail(smtp_session *s, const char *mech, const sasl_creds *cr,
                           const char *from, const char *const *rcpts, size_t n,
                           const char *msg, size_t len, smtp_rcpt *results, gw_err *e)
{
    sasl_client c;
    smtp_txn t;
    int rc;
    gw_err_clear(e);
    if (s->broken || !s->io)
        return gw_err_set(e, GW_ECLOSED, "smtp: the connection is closed");
    if (!(s->caps.flags & SMTP_CAP_PIPELINING) || !mech || sasl_find(mech) != sasl_find("PLAIN"))
        goto apart;
    memset(&s->auth_result, 0, sizeof s->auth_result);
    rc = smtp_txn_prepare(s, &t, from, rcpts, n, msg, len, e);
    if (rc == 0) {
        rc = sasl_client_start(&c, mech, cr, e);
        if (rc == 0)
            rc = flight(s, &c, &t, results, e);
        sasl_client_free(&c);
    }
    smtp_txn_free(&t);
    if (rc != 1)
        return rc;
apart:
    if (smtp_session_auth(s, mech, cr, NULL, e) != 0)
        return -1;
    return smtp_session_mail(s, from, rcpts, n, msg, len, results, e);
}
