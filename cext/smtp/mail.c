/* One mail transaction: MAIL, RCPT..., DATA (RFC 5321 3.3) or BDAT LAST
 * (RFC 3030 CHUNKING), pipelined when the server offers PIPELINING (RFC
 * 2920), with SIZE (RFC 1870), 8BITMIME (RFC 6152) and SMTPUTF8 (RFC 6531)
 * used only when the message needs them. In steps (txn.h), so that a
 * flight can also open with AUTH PLAIN (authpipe.c). */
#include <stdio.h>
#include <string.h>
#include "session.h"
#include "wire.h"
#include "data.h"
#include "txn.h"

static int has_8bit(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

/* The RFC 1870 size of an encoded body: without the final ".\r\n" and
 * without the dots added by stuffing (every line that starts with one). */
static size_t rfc1870_size(const gw_buf *body)
{
    size_t n = body->len - 3, i, size = n;
    for (i = 0; i < n; i++)
        if (body->data[i] == '.' && (i == 0 || body->data[i - 1] == '\n'))
            size--;
    return size;
}

void smtp_txn_keep(smtp_rcpt *r, const smtp_session *s)
{
    size_t n;
    const char *last = smtp_reply_last(&s->reply, &n);
    r->code = s->reply.code;
    snprintf(r->reply, sizeof r->reply, "%.*s", (int)n, last ? last : "");
}

/* Checks the envelope and the message against what the server offers,
 * encodes the message and builds the MAIL command. */
static int prepare(smtp_session *s, const char *from, const char *const *rcpts, size_t n,
                   const char *msg, size_t len, gw_buf *body, char *mail, size_t mailsz,
                   gw_err *e)
{
    smtp_data d;
    int utf8 = has_8bit(from);
    size_t i, used, size;
    if (n == 0 || n > GW_SMTP_RCPT_MAX)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "smtp: between 1 and %d recipients", GW_SMTP_RCPT_MAX);
    if (smtp_wire_clean("the sender address", from, e) != 0)
        return -1;
    for (i = 0; i < n; i++) {
        if (smtp_wire_clean("a recipient address", rcpts[i], e) != 0)
            return -1;
        /* Checked here: without PIPELINING the RCPTs are built after MAIL went out. */
        if (strlen(rcpts[i]) + sizeof "RCPT TO:<>\r\n" - 1 > GW_SMTP_CMD_MAX)
            return gw_err_set(e, GW_EBAD_ARGUMENT, "smtp: a recipient address is too long");
        utf8 |= has_8bit(rcpts[i]);
    }
    if (memchr(msg, '\0', len))
        return gw_err_set(e, GW_EBAD_ARGUMENT, "smtp: the message contains a NUL byte");
    smtp_data_init(&d);
    d.bdat = (s->caps.flags & SMTP_CAP_CHUNKING) != 0;
    if (smtp_data_feed(&d, msg, len, body) != 0 || smtp_data_finish(&d, body) != 0)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "smtp: the message is larger than %u bytes",
                          GW_SMTP_MSG_MAX);
    if (utf8 && !(s->caps.flags & SMTP_CAP_SMTPUTF8))
        return gw_err_set(e, GW_EBAD_ARGUMENT, "smtp: an address is not ASCII and the server "
                          "does not offer SMTPUTF8; nothing was sent");
    if (d.eightbit && !(s->caps.flags & (SMTP_CAP_8BITMIME | SMTP_CAP_SMTPUTF8)))
        return gw_err_set(e, GW_EBAD_ARGUMENT, "smtp: the message has 8-bit content and the "
                          "server does not offer 8BITMIME; encode it (gwkit.mime does)");
    size = d.bdat ? body->len : rfc1870_size(body);
    if ((s->caps.flags & SMTP_CAP_SIZE) && s->caps.size_max && size > s->caps.size_max) {
        gw_err_set(e, GW_EDATA, "smtp: message of %lu bytes exceeds the server's SIZE limit "
                   "of %lu bytes; nothing was sent", (unsigned long)size, s->caps.size_max);
        return -1;
    }
    used = (size_t)snprintf(mail, mailsz, "MAIL FROM:<%s>", from);
    if (used < mailsz && (s->caps.flags & SMTP_CAP_SIZE))
        used += (size_t)snprintf(mail + used, mailsz - used, " SIZE=%lu", (unsigned long)size);
    if (used < mailsz && d.eightbit && (s->caps.flags & SMTP_CAP_8BITMIME))
        used += (size_t)snprintf(mail + used, mailsz - used, " BODY=8BITMIME");
    if (used < mailsz && utf8)
        used += (size_t)snprintf(mail + used, mailsz - used, " SMTPUTF8");
    if (used >= mailsz)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "smtp: the sender address is too long");
    return 0;
}

/* The encoded message: after the 354 for DATA, right after the command for
 * BDAT. */
static int send_body(smtp_session *s, const gw_buf *body, gw_err *e)
{
    smtp_wire_note(s, "message body: %lu bytes", (unsigned long)body->len);
    if (gw_io_write_all(s->io, body->data, body->len, gw_deadline_in(s->timeout), e) != 0)
        return smtp_wire_fail(s, e);
    return 0;
}

/* After a refused transaction, RSET so the session can carry the next one;
 * s->reply stays the refusal, not the RSET's 250. */
static int abandon(smtp_session *s, gw_err *e)
{
    gw_err ignored;
    smtp_rcpt refusal;
    (void)e;
    if (s->broken)
        return -1;
    smtp_txn_keep(&refusal, s);
    smtp_session_rset(s, &ignored);
    smtp_txn_restore(s, &refusal);
    return -1;
}

int smtp_txn_prepare(smtp_session *s, smtp_txn *t, const char *from, const char *const *rcpts,
                     size_t n, const char *msg, size_t len, gw_err *e)
{
    t->rcpts = rcpts;
    t->n = n;
    t->no_rset = 0;
    t->pipelined = (s->caps.flags & SMTP_CAP_PIPELINING) != 0;
    t->bdat = (s->caps.flags & SMTP_CAP_CHUNKING) != 0;
    gw_buf_init(&t->body, (size_t)GW_SMTP_MSG_MAX * 2);
    if (prepare(s, from, rcpts, n, msg, len, &t->body, t->mail, sizeof t->mail, e) != 0)
        return -1;
    snprintf(t->last, sizeof t->last, t->bdat ? "BDAT %lu LAST" : "DATA",
             (unsigned long)t->body.len);
    return 0;
}

/* MAIL; with PIPELINING the RCPTs and DATA (or BDAT and the whole message,
 * RFC 3030: no 354 to wait for) go in the same flight. */
int smtp_txn_queue(smtp_session *s, const smtp_txn *t, gw_buf *out, gw_err *e)
{
    char cmd[GW_SMTP_CMD_MAX];
    size_t i;
    if (smtp_wire_queue(s, out, t->mail, NULL, e) != 0)
        return -1;
    for (i = 0; t->pipelined && i <= t->n; i++) {
        snprintf(cmd, sizeof cmd, i < t->n ? "RCPT TO:<%s>" : "%s", i < t->n ? t->rcpts[i] : t->last);
        if (smtp_wire_queue(s, out, cmd, NULL, e) != 0)
            return -1;
    }
    return 0;
}

int smtp_txn_send(smtp_session *s, const smtp_txn *t, gw_buf *out, gw_err *e)
{
    if (smtp_wire_flush(s, out, e) != 0)
        return -1;
    return t->pipelined && t->bdat ? send_body(s, &t->body, e) : 0;
}

int smtp_txn_finish(smtp_session *s, smtp_txn *t, smtp_rcpt *results, gw_err *e)
{
    char cmd[GW_SMTP_CMD_MAX];
    int pipelined = t->pipelined, bdat = t->bdat, mail_ok, accepted = 0;
    size_t i, n = t->n;
    if (smtp_wire_reply(s, e) != 0)
        return -1;
    mail_ok = s->reply.code == 250;
    if (!mail_ok) {
        smtp_wire_refused(s, GW_ESENDER, "sender refused", e);
        if (!pipelined)
            return t->no_rset ? -1 : abandon(s, e);
    }
    for (i = 0; i < n; i++) {
        if (!pipelined) {
            snprintf(cmd, sizeof cmd, "RCPT TO:<%s>", t->rcpts[i]);
            if (smtp_wire_cmd(s, cmd, NULL, e) != 0)
                return -1;
        }
        if (smtp_wire_reply(s, e) != 0)
            return -1;
        smtp_txn_keep(&results[i], s);
        if (s->reply.code == 250 || s->reply.code == 251)
            accepted++;
    }
    if (!pipelined && accepted > 0 && (smtp_wire_cmd(s, t->last, NULL, e) != 0
                                       || (bdat && send_body(s, &t->body, e) != 0)))
        return -1;
    if (pipelined || accepted > 0) {
        if (smtp_wire_reply(s, e) != 0)
            return -1;
        if (!bdat && s->reply.code == 354 && (!mail_ok || accepted == 0)) {
            /* A server that starts DATA with no recipient gets an empty message
             * it will refuse (RFC 2920 3.1). */
            if (smtp_wire_cmd(s, ".", NULL, e) != 0 || smtp_wire_reply(s, e) != 0)
                return -1;
        }
    }
    if (!mail_ok)
        return t->no_rset ? -1 : abandon(s, e);
    if (accepted == 0) {
        gw_err_set(e, GW_ERECIPIENT, "smtp: every recipient was refused: %s", results[0].reply);
        e->code = results[0].code;
        return t->no_rset ? -1 : abandon(s, e);
    }
    if (!bdat) {
        if (s->reply.code != 354) {
            smtp_wire_refused(s, GW_EDATA, "DATA refused", e);
            return t->no_rset ? -1 : abandon(s, e);
        }
        if (send_body(s, &t->body, e) != 0 || smtp_wire_reply(s, e) != 0)
            return -1;
    }
    if (s->reply.code != 250) {
        smtp_wire_refused(s, GW_EDATA, "message refused", e);
        return t->no_rset ? -1 : abandon(s, e);
    }
    return 0;
}

void smtp_txn_restore(smtp_session *s, const smtp_rcpt *r)
{
    gw_err ignored;
    smtp_reply_reset(&s->reply);
    if (r->code)
        smtp_reply_feed(&s->reply, r->reply, strlen(r->reply), &ignored);
}

void smtp_txn_free(smtp_txn *t)
{
    gw_buf_free(&t->body);
}

int smtp_session_mail(smtp_session *s, const char *from, const char *const *rcpts,
                      size_t n, const char *msg, size_t len, smtp_rcpt *results,
                      gw_err *e)
{
    smtp_txn t;
    gw_buf out;
    int rc = -1;
    gw_err_clear(e);
    if (s->broken || !s->io)
        return gw_err_set(e, GW_ECLOSED, "smtp: the connection is closed");
    gw_buf_init(&out, (size_t)(GW_SMTP_RCPT_MAX + 2) * GW_SMTP_CMD_MAX);
    if (smtp_txn_prepare(s, &t, from, rcpts, n, msg, len, e) == 0
        && smtp_txn_queue(s, &t, &out, e) == 0 && smtp_txn_send(s, &t, &out, e) == 0)
        rc = smtp_txn_finish(s, &t, results, e);
    smtp_txn_free(&t);
    gw_buf_free(&out);
    return rc;
}
