/* SMTP command and reply I/O with tracing and injection checks. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "wire.h"

static gw_deadline step(const smtp_session *s)
{
    return gw_deadline_in(s->timeout);
}

int smtp_wire_clean(const char *what, const char *s, gw_err *e)
{
    if (strpbrk(s, "\r\n"))
        return gw_err_set(e, GW_EBAD_ARGUMENT, "smtp: %s contains a line break", what);
    return 0;
}

int smtp_wire_fail(smtp_session *s, gw_err *e)
{
    (void)e;
    s->broken = 1;
    return -1;
}

int smtp_wire_queue(smtp_session *s, gw_buf *out, const char *cmd, const char *shown, gw_err *e)
{
    size_t n = strlen(cmd), max = shown ? GW_SMTP_AUTH_LINE_MAX : GW_SMTP_CMD_MAX;
    if (smtp_wire_clean("a command", cmd, e) != 0)
        return -1;
    if (n + 2 > max)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "smtp: command longer than %lu bytes", (unsigned long)max);
    if (gw_buf_append(out, cmd, n) != 0 || gw_buf_append(out, "\r\n", 2) != 0)
        return gw_err_set(e, GW_ENOMEM, "smtp: out of memory");
    if (s->trace) {
        const char *t = shown ? shown : cmd;
        s->trace(s->trace_ud, 'C', t, strlen(t));
    }
    return 0;
}

int smtp_wire_flush(smtp_session *s, gw_buf *out, gw_err *e)
{
    int rc = 0;
    if (out->len)
        rc = gw_io_write_all(s->io, out->data, out->len, step(s), e);
    gw_buf_reset(out);
    if (rc)
        e->code = 0;        /* not a stale one from an earlier refusal */
    return rc ? smtp_wire_fail(s, e) : 0;
}

int smtp_wire_cmd(smtp_session *s, const char *cmd, const char *shown, gw_err *e)
{
    gw_buf out;
    int rc;
    gw_buf_init(&out, GW_SMTP_AUTH_LINE_MAX + 2);
    rc = smtp_wire_queue(s, &out, cmd, shown, e);
    if (rc == 0)
        rc = smtp_wire_flush(s, &out, e);
    gw_buf_free(&out);
    return rc;
}

int smtp_wire_reply(smtp_session *s, gw_err *e)
{
    gw_deadline dl = step(s);
    smtp_reply_reset(&s->reply);
    for (;;) {
        long n = gw_reader_line(&s->rd, s->line, sizeof s->line, dl, e);
        int rc;
        if (n < 0) {
            e->code = 0;    /* no reply, so no code (not a stale one) */
            if (e->kind == GW_ETIMEOUT)
                gw_err_set(e, GW_ETIMEOUT, "smtp: no reply from the server within %g s", s->timeout);
            else if (e->kind == GW_EPROTOCOL)
                gw_err_set(e, GW_EPROTOCOL, "smtp: reply line longer than %d bytes", GW_SMTP_LINE_MAX);
            else if (e->kind == GW_ECLOSED)
                gw_err_set(e, GW_ECLOSED, "smtp: the server closed the connection%s",
                           s->reply.nlines ? " in the middle of a reply" : "");
            return smtp_wire_fail(s, e);
        }
        if (s->trace)
            s->trace(s->trace_ud, 'S', s->line, (size_t)n);
        rc = smtp_reply_feed(&s->reply, s->line, (size_t)n, e);
        if (rc < 0) {
            e->code = 0;
            return smtp_wire_fail(s, e);
        }
        if (rc == 1)
            return 0;
    }
}

int smtp_wire_refused(smtp_session *s, gw_kind kind, const char *what, gw_err *e)
{
    size_t n;
    const char *last = smtp_reply_last(&s->reply, &n);
    gw_err_set(e, kind, "smtp: %s: %.*s", what, (int)(n > 200 ? 200 : n), last ? last : "");
    e->code = s->reply.code;
    return -1;
}

void smtp_wire_note(smtp_session *s, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    int n;
    if (!s->trace)
        return;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        s->trace(s->trace_ud, '*', buf, strlen(buf));
}
