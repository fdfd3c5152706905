/* libFuzzer: smtp_session_auth_mail, AUTH PLAIN pipelined with the first
 * message (RFC 4954 4, RFC 2920, RFC 3030), over the in-memory transport,
 * driven the way the Lua layer drives it. The input is the server's byte
 * stream after its first byte, which picks:
 *   bits 0-2  the recv chunk size (0: whatever is left, else 1..7 bytes)
 *   bit 3     after a refusal, LOGIN and the message again (the fallback)
 *   bit 4     QUIT at the end instead of a plain close
 * Checked: no crash, no leak; nothing sent on a broken session; no secret in
 * a traced line; after a refused AUTH no result is reported, the reply kept
 * is the AUTH's, and without CHUNKING the message has not been sent; a
 * success is a 250 with a recipient accepted, and without the AUTH only
 * after a BDAT LAST. */
#include "smtp_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* base64 of "pencil", of "\0alice\0pencil" (PLAIN) and of "alice" + "pencil" */
static const char *const secrets[] = { "pencil", "cGVuY2ls", "AGFsaWNlAHBlbmNpbA==" };
#define NSECRETS (sizeof secrets / sizeof secrets[0])
#define BODY_MARK "hidden-body-line"

static void on_trace(void *ud, int dir, const char *line, size_t len)
{
    const smtp_session *s = ud;
    size_t i;
    MUST(dir == 'S' || dir == 'C' || dir == '*');
    if (dir != 'C')
        return;
    MUST(!s->broken);
    MUST(memchr(line, '\r', len) == NULL && memchr(line, '\n', len) == NULL);
    for (i = 0; i < NSECRETS; i++)
        MUST(!fz_has(line, len, secrets[i]));
}

static void check_err(const gw_err *e)
{
    size_t n = strlen(e->msg);
    MUST(e->kind > GW_OK && e->kind < GW_KIND_COUNT);
    MUST(n > 0 && n < GW_ERR_MSG);
    MUST(memchr(e->msg, '\r', n) == NULL && memchr(e->msg, '\n', n) == NULL);
    if (e->kind == GW_ECLOSED)
        MUST(e->code == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const to[] = {"b@x", "c@x"};
    static const char msg[] = "Subject: t\r\n\r\n." BODY_MARK "\nbody\r\n";
    smtp_session s;
    smtp_rcpt res[2];
    sasl_creds cr;
    gw_err e;
    unsigned flags = size ? data[0] : 0;
    int rc = fz_open(&s, data, size, on_trace, &e);
    if (rc == -2)
        return 0;
    memset(&cr, 0, sizeof cr);
    cr.user = "alice";
    cr.password = "pencil";
    if (rc != 0) {
        check_err(&e);
        MUST(s.broken);
        smtp_session_close(&s);
        return 0;
    }
    memset(res, 0, sizeof res);
    rc = smtp_session_auth_mail(&s, "PLAIN", &cr, "a@x", to, 2, msg, sizeof msg - 1, res, &e);
    MUST(rc == 0 || rc == -1);
    if (rc == 0) {
        MUST(!s.broken && s.reply.code == 250);
        MUST(res[0].code == 250 || res[0].code == 251 || res[1].code == 250 || res[1].code == 251);
        if (!s.authenticated) {
            MUST(s.caps.flags & SMTP_CAP_CHUNKING);
            MUST(s.auth_result.code >= 400 && s.auth_result.code <= 599);
        }
    } else {
        check_err(&e);
        if (e.kind == GW_EAUTH_FAILED && !s.authenticated) {
            MUST(e.code >= 400 && e.code <= 599 && e.code == s.auth_result.code);
            MUST(res[0].code == 0 && res[1].code == 0);
            MUST(s.reply.code == e.code);
            if (!(s.caps.flags & SMTP_CAP_CHUNKING)) {
                const gw_buf *out = gw_memio_output(s.io);
                MUST(!fz_has(out->data ? out->data : "", out->len, BODY_MARK));
            }
            if ((flags & 0x08) && !s.broken && smtp_session_auth(&s, "LOGIN", &cr, NULL, &e) == 0)
                if (smtp_session_mail(&s, "a@x", to, 2, msg, sizeof msg - 1, res, &e) != 0)
                    check_err(&e);
        }
    }
    if (smtp_session_rset(&s, &e) != 0)
        check_err(&e);
    if (flags & 0x10)
        smtp_session_quit(&s);
    smtp_session_close(&s);
    MUST(s.io == NULL && s.broken);
    return 0;
}
