/* One mail transaction: MAIL, RCPT..., DATA (RFC 5321 3.3) or BDAT LAST
 * (RFC 3030 CHUNKING), pipelined when the server offers PIPELINING (RFC
 * 2920), with SIZE (RFC 1870), 8BITMIME (RFC 6152) and SMTPUTF8 (RFC 6531)
 * used only when the message needs them. */
#include <stdio.h>
#include <string.h>
#include "session.h"
#include "wire.h"
#include "data.h"

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

static void keep(smtp_rcpt *r, const smtp_session *s)
{
    size_t n;
    const char *last = smtp_reply_last(&s->reply, &n);
    r->code = s->reply.code;
    snprintf(r->reply, sizeof r->reply, "%.*s", (int)n, last ? last : "");
}

/* Checks the envelope and the message against what the server offers, and
 * builds the MAIL command. */
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

/* After a refused transaction, RSET so the session can carry the next one. */
static int abandon(smtp_session *s, gw_err *e)
{
    gw_err ignored;
    if (!s->broken)
        smtp_session_rset(s, &ignored);
    (void)e;
    return -1;
}

int smtp_session_mail(smtp_session *s, const char *from, const char *const *rcpts,
                      size_t n, const char *msg, size_t len, smtp_rcpt *results,
                      gw_err *e)
{
    char mail[GW_SMTP_CMD_MAX], cmd[GW_SMTP_CMD_MAX], last[32];
    int pipelined = (s->caps.flags & SMTP_CAP_PIPELINING) != 0;
    int bdat = (s->caps.flags & SMTP_CAP_CHUNKING) != 0;
    int mail_ok, accepted = 0, rc = -1;
    size_t i;
    gw_buf body, out;
    gw_err_clear(e);
    if (s->broken || !s->io)
        return gw_err_set(e, GW_ECLOSED, "smtp: the connection is closed");
    gw_buf_init(&body, (size_t)GW_SMTP_MSG_MAX * 2);
    gw_buf_init(&out, (size_t)(GW_SMTP_RCPT_MAX + 2) * GW_SMTP_CMD_MAX);
    if (prepare(s, from, rcpts, n, msg, len, &body, mail, sizeof mail, e) != 0)
        goto done;
    /* MAIL; with PIPELINING the RCPTs and DATA (or BDAT and the whole
     * message, RFC 3030: no 354 to wait for) go in the same flight. */
    snprintf(last, sizeof last, bdat ? "BDAT %lu LAST" : "DATA", (unsigned long)body.len);
    if (smtp_wire_queue(s, &out, mail, NULL, e) != 0)
        goto done;
    for (i = 0; pipelined && i <= n; i++) {
        snprintf(cmd, sizeof cmd, i < n ? "RCPT TO:<%s>" : "%s", i < n ? rcpts[i] : last);
        if (smtp_wire_queue(s, &out, cmd, NULL, e) != 0)
            goto done;
    }
    if (smtp_wire_flush(s, &out, e) != 0 || (pipelined && bdat && send_body(s, &body, e) != 0)
        || smtp_wire_reply(s, e) != 0)
        goto done;
    mail_ok = s->reply.code == 250;
    if (!mail_ok) {
        smtp_wire_refused(s, GW_ESENDER, "sender refused", e);
        if (!pipelined)
            goto refused;
    }
    for (i = 0; i < n; i++) {
        if (!pipelined) {
            snprintf(cmd, sizeof cmd, "RCPT TO:<%s>", rcpts[i]);
            if (smtp_wire_cmd(s, cmd, NULL, e) != 0)
                goto done;
        }
        if (smtp_wire_reply(s, e) != 0)
            goto done;
        keep(&results[i], s);
        if (s->reply.code == 250 || s->reply.code == 251)
            accepted++;
    }
    if (!pipelined && accepted > 0 && (smtp_wire_cmd(s, last, NULL, e) != 0
                                       || (bdat && send_body(s, &body, e) != 0)))
        goto done;
    if (pipelined || accepted > 0) {
        if (smtp_wire_reply(s, e) != 0)
            goto done;
        if (!bdat && s->reply.code == 354 && (!mail_ok || accepted == 0)) {
            /* A server that starts DATA with no recipient gets an empty message
             * it will refuse (RFC 2920 3.1). */
            if (smtp_wire_cmd(s, ".", NULL, e) != 0 || smtp_wire_reply(s, e) != 0)
                goto done;
        }
    }
    if (!mail_ok)
        goto refused;
    if (accepted == 0) {
        gw_err_set(e, GW_ERECIPIENT, "smtp: every recipient was refused: %s", results[0].reply);
        e->code = results[0].code;
        goto refused;
    }
    if (!bdat) {
        if (s->reply.code != 354) {
            smtp_wire_refused(s, GW_EDATA, "DATA refused", e);
            goto refused;
        }
        if (send_body(s, &body, e) != 0 || smtp_wire_reply(s, e) != 0)
            goto done;
    }
    if (s->reply.code != 250) {
        smtp_wire_refused(s, GW_EDATA, "message refused", e);
        goto refused;
    }
    rc = 0;
    goto done;
refused:
    abandon(s, e);
done:
    gw_buf_free(&body);
    gw_buf_free(&out);
    return rc;
}
