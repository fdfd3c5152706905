/* SMTP session: connect, greeting, EHLO/HELO, STARTTLS, RSET, QUIT.
 * RFC 5321 4.1.1, RFC 3207. */
#include <stdio.h>
#include <string.h>
#include "session.h"
#include "wire.h"
#include "net/tcp.h"

void smtp_session_init(smtp_session *s, smtp_trace_fn trace, void *ud)
{
    memset(s, 0, sizeof *s);
    smtp_reply_init(&s->reply);
    s->trace = trace;
    s->trace_ud = ud;
    s->timeout = 30;
    s->broken = 1;          /* until opened */
}

/* EHLO, or HELO when the server refuses EHLO (RFC 5321 3.2). */
static int hello(smtp_session *s, gw_err *e)
{
    char cmd[GW_HOST_MAX + 8];
    snprintf(cmd, sizeof cmd, "EHLO %s", s->helo);
    if (smtp_wire_cmd(s, cmd, NULL, e) != 0 || smtp_wire_reply(s, e) != 0)
        return -1;
    if (s->reply.code == 250) {
        s->ehlo_ok = 1;
        return smtp_caps_parse(&s->caps, &s->reply, e);
    }
    if (s->reply.code / 100 != 5)
        return smtp_wire_refused(s, GW_EPROTOCOL, "EHLO refused", e);
    snprintf(cmd, sizeof cmd, "HELO %s", s->helo);
    if (smtp_wire_cmd(s, cmd, NULL, e) != 0 || smtp_wire_reply(s, e) != 0)
        return -1;
    if (s->reply.code != 250)
        return smtp_wire_refused(s, GW_EPROTOCOL, "HELO refused", e);
    s->ehlo_ok = 0;
    memset(&s->caps, 0, sizeof s->caps);
    return 0;
}

static int upgrade(smtp_session *s, const smtp_opts *o, gw_err *e)
{
    gw_tls_opts t = o->tls;
    size_t dropped;
    if (!t.host)
        t.host = o->host;
    s->io = gw_tls_start(s->io, &t, gw_deadline_in(s->timeout), e);
    /* Whatever arrived in clear text before the handshake is not a reply
     * (RFC 3207 6: STARTTLS response injection). */
    dropped = gw_reader_reset(&s->rd, s->io);
    if (dropped)
        smtp_wire_note(s, "discarded %lu bytes the server sent before the TLS handshake",
                       (unsigned long)dropped);
    if (!s->io)
        return smtp_wire_fail(s, e);
    s->tls_active = 1;
    smtp_wire_note(s, "TLS established: %s, %s", gw_tls_version(s->io), gw_tls_cipher(s->io));
    return 0;
}

static int starttls(smtp_session *s, const smtp_opts *o, gw_err *e)
{
    if (!(s->caps.flags & SMTP_CAP_STARTTLS)) {
        gw_err_set(e, GW_ETLS_REQUIRED, "smtp: %s does not offer STARTTLS and tls=\"starttls\" "
                   "requires it; nothing was sent (use tls=\"tls\" for port 465)",
                   o->host ? o->host : "the server");
        return -1;
    }
    if (smtp_wire_cmd(s, "STARTTLS", NULL, e) != 0 || smtp_wire_reply(s, e) != 0)
        return -1;
    if (s->reply.code != 220)
        return smtp_wire_refused(s, GW_ETLS, "STARTTLS refused", e);
    if (upgrade(s, o, e) != 0)
        return -1;
    return hello(s, e);     /* capabilities are read again (RFC 3207 4.2) */
}

int smtp_session_open_io(smtp_session *s, gw_io *io, const smtp_opts *o, gw_err *e)
{
    size_t n;
    const char *last;
    s->io = io;
    s->broken = 0;
    s->timeout = o->timeout > 0 ? o->timeout : 30;
    snprintf(s->helo, sizeof s->helo, "%s", o->helo && *o->helo ? o->helo : "localhost");
    if (smtp_wire_clean("helo", s->helo, e) != 0 || strchr(s->helo, ' '))
        return gw_err_set(e, GW_EBAD_ARGUMENT, "smtp: bad helo name"), smtp_wire_fail(s, e);
    gw_reader_init(&s->rd, s->io);
    if (o->tls_mode == SMTP_TLS_IMPLICIT && upgrade(s, o, e) != 0)
        return -1;
    if (smtp_wire_reply(s, e) != 0)
        return -1;
    last = smtp_reply_last(&s->reply, &n);
    snprintf(s->greeting, sizeof s->greeting, "%.*s", (int)n, last ? last : "");
    if (s->reply.code != 220) {
        gw_err ignored;
        smtp_wire_refused(s, GW_EPROTOCOL, "server refused the connection", e);
        /* A 554 greeting still expects QUIT (RFC 5321 3.1); not waited for. */
        if (s->reply.code == 554)
            smtp_wire_cmd(s, "QUIT", NULL, &ignored);
        return smtp_wire_fail(s, e);
    }
    if (hello(s, e) != 0)
        return smtp_wire_fail(s, e);
    if (o->tls_mode == SMTP_TLS_STARTTLS && starttls(s, o, e) != 0)
        return smtp_wire_fail(s, e);
    return 0;
}

int smtp_session_open(smtp_session *s, const smtp_opts *o, gw_err *e)
{
    gw_io *io;
    gw_err_clear(e);
    s->timeout = o->timeout > 0 ? o->timeout : 30;
    io = gw_tcp_connect(o->host, o->port, o->family, gw_deadline_in(s->timeout), e);
    if (!io)
        return -1;
    smtp_wire_note(s, "connected to %s port %u", gw_tcp_peer(io), o->port);
    return smtp_session_open_io(s, io, o, e);
}

int smtp_session_rset(smtp_session *s, gw_err *e)
{
    gw_err_clear(e);
    if (s->broken || !s->io)
        return gw_err_set(e, GW_ECLOSED, "smtp: the connection is closed");
    if (smtp_wire_cmd(s, "RSET", NULL, e) != 0 || smtp_wire_reply(s, e) != 0)
        return -1;
    if (s->reply.code != 250)
        return smtp_wire_refused(s, GW_EPROTOCOL, "RSET refused", e);
    return 0;
}

void smtp_session_quit(smtp_session *s)
{
    gw_err e;
    /* The answer to QUIT tells us nothing we need: do not wait for it. */
    if (s->io && !s->broken)
        smtp_wire_cmd(s, "QUIT", NULL, &e);
    smtp_session_close(s);
}

void smtp_session_close(smtp_session *s)
{
    if (s->io) {
        s->io->ops->close(s->io);
        s->io = NULL;
    }
    s->broken = 1;
    smtp_reply_free(&s->reply);
}
