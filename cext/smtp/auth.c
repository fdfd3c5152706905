/* SMTP AUTH (RFC 4954) with one SASL mechanism. Client responses are
 * traced as "<redacted>": they carry or derive from the password. */
#include <stdio.h>
#include <string.h>
#include "session.h"
#include "wire.h"
#include "txn.h"

/* Cancels an exchange we cannot continue ("*", RFC 4954 4) and reads the
 * server's 501. Keeps the error already in e. */
static int cancel(smtp_session *s, gw_err *e)
{
    gw_err ignored;
    if (!s->broken && smtp_wire_cmd(s, "*", NULL, &ignored) == 0)
        smtp_wire_reply(s, &ignored);
    (void)e;
    return -1;
}

static int exchange(smtp_session *s, sasl_client *c, gw_buf *line, gw_err *e)
{
    char cmd[GW_SASL_MECH_NAME + 16], shown[GW_SASL_MECH_NAME + 32];
    int has = 0, steps = 0;
    gw_buf_reset(line);
    if (sasl_client_initial64(c, line, &has, e) != 0)
        return -1;
    snprintf(cmd, sizeof cmd, "AUTH %s", c->mech->name);
    snprintf(shown, sizeof shown, "AUTH %s%s", c->mech->name, has ? " <redacted>" : "");
    /* An initial response too long for one command line waits for the
     * server's empty 334 instead (RFC 4954 4). */
    if (has && strlen(cmd) + 1 + line->len + 2 <= GW_SMTP_AUTH_LINE_MAX) {
        gw_buf full;
        int rc;
        gw_buf_init(&full, GW_SMTP_AUTH_LINE_MAX);
        rc = gw_buf_puts(&full, cmd) | gw_buf_puts(&full, " ") | gw_buf_append(&full, line->data, line->len);
        rc = rc ? gw_err_set(e, GW_ENOMEM, "smtp: out of memory") : smtp_wire_cmd(s, full.data, shown, e);
        gw_buf_free(&full);
        has = 0;
        if (rc != 0)
            return -1;
    } else if (smtp_wire_cmd(s, cmd, shown, e) != 0) {
        return -1;
    }
    for (;;) {
        const char *text;
        size_t n;
        if (smtp_wire_reply(s, e) != 0)
            return -1;
        if (s->reply.code != 334)
            break;
        if (++steps > GW_SASL_STEPS_MAX) {
            gw_err_set(e, GW_EPROTOCOL, "smtp: AUTH %s: too many challenges", c->mech->name);
            return cancel(s, e);
        }
        text = smtp_reply_last(&s->reply, &n);
        text += n >= 4 ? 4 : n;             /* after "334 " */
        n = n >= 4 ? n - 4 : 0;
        if (has) {                          /* the deferred initial response */
            if (n != 0) {
                gw_err_set(e, GW_EPROTOCOL, "smtp: AUTH %s: unexpected challenge", c->mech->name);
                return cancel(s, e);
            }
            has = 0;
        } else {
            char challenge[GW_SMTP_LINE_MAX + 1];
            memcpy(challenge, text, n);     /* step64 may not alias s->reply */
            challenge[n] = '\0';
            gw_buf_reset(line);
            if (sasl_client_step64(c, challenge, n, line, e) != 0) {
                cancel(s, e);
                /* A server that did not prove it knows the password (SCRAM
                 * v=) gets nothing more: neither mail nor other credentials. */
                if (c->unproven)
                    return smtp_wire_fail(s, e);
                /* A refusal inside the exchange (SCRAM e=) is a refusal like
                 * a 535: the caller may try the next mechanism. */
                if (e->kind == GW_EAUTH_FAILED && !s->broken)
                    e->code = s->reply.code;
                return -1;
            }
        }
        if (smtp_wire_cmd(s, line->data ? line->data : "", "<redacted>", e) != 0)
            return -1;
        gw_buf_reset(line);
    }
    smtp_txn_keep(&s->auth_result, s);
    if (s->reply.code == 235) {
        if (sasl_client_finish(c, e) != 0)
            return smtp_wire_fail(s, e);    /* never send mail on that connection */
        return 0;
    }
    /* Only a 4xx or 5xx is a refusal; any other code here makes no sense
     * for AUTH and the session cannot be trusted to be in step. */
    if (s->reply.code / 100 != 4 && s->reply.code / 100 != 5) {
        smtp_wire_refused(s, GW_EPROTOCOL, "unexpected reply to AUTH", e);
        return smtp_wire_fail(s, e);
    }
    return smtp_wire_refused(s, GW_EAUTH_FAILED, c->mech->name, e);
}

int smtp_session_auth(smtp_session *s, const char *mech, const sasl_creds *cr,
                      const char *test_nonce, gw_err *e)
{
    sasl_client c;
    gw_buf line;
    int rc;
    gw_err_clear(e);
    if (s->broken || !s->io)
        return gw_err_set(e, GW_ECLOSED, "smtp: the connection is closed");
    memset(&s->auth_result, 0, sizeof s->auth_result);
    if (sasl_client_start(&c, mech, cr, e) != 0)
        return -1;
    c.test_nonce = test_nonce;
    gw_buf_init(&line, GW_SMTP_AUTH_LINE_MAX);
    rc = exchange(s, &c, &line, e);
    gw_buf_free(&line);
    sasl_client_free(&c);
    if (rc == 0) {
        s->authenticated = 1;
        smtp_wire_note(s, "authenticated with %s", mech);
    }
    return rc;
}
