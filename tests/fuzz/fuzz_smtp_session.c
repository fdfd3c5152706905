/* libFuzzer: the SMTP session engine over the in-memory transport, driven
 * the way the Lua layer drives it. The input is the server's byte stream
 * after its first byte, which picks:
 *   bits 0-2  the recv chunk size (0: whatever is left, else 1..7 bytes)
 *   bit 3     CRAM-MD5 instead of LOGIN as the second mechanism
 *   bit 4     SCRAM-SHA-1 first (RFC 5802 user, password and nonce)
 *   bit 5     QUIT at the end instead of a plain close
 * Then: open (EHLO, HELO fallback), AUTH (SCRAM-SHA-1,) PLAIN, then LOGIN or
 * CRAM-MD5 until one works or the session breaks, two messages to two
 * recipients, RSET, QUIT or close. memio answers 0 (closed) at the end of
 * the input, so nothing blocks. Checked: no crash, no leak, nothing sent on
 * a broken session, every command line free of CR/LF, no secret in any
 * traced client line, nor in an error message unless the input has it,
 * results consistent with the return values. */
#include "smtp_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The password and what the wire carries of it: base64 of "pencil", of
 * "\0alice\0pencil" (PLAIN) and of "\0user\0pencil". */
static const char *const secrets[] = {
    "pencil", "cGVuY2ls", "AGFsaWNlAHBlbmNpbA==", "AHVzZXIAcGVuY2ls",
};
#define NSECRETS (sizeof secrets / sizeof secrets[0])

static void on_trace(void *ud, int dir, const char *line, size_t len)
{
    const smtp_session *s = ud;
    size_t i;
    MUST(dir == 'S' || dir == 'C' || dir == '*');
    MUST(line != NULL);
    if (dir != 'C')
        return;
    MUST(!s->broken);                               /* nothing goes out once broken */
    MUST(memchr(line, '\r', len) == NULL && memchr(line, '\n', len) == NULL);
    for (i = 0; i < NSECRETS; i++)
        MUST(!fz_has(line, len, secrets[i]));
}

/* An error as the engine reports it: a kind, one printable-ish line. */
static void check_err(const gw_err *e, const uint8_t *data, size_t size)
{
    size_t n = strlen(e->msg), i;
    MUST(e->kind > GW_OK && e->kind < GW_KIND_COUNT);
    MUST(n > 0 && n < GW_ERR_MSG);
    MUST(memchr(e->msg, '\r', n) == NULL && memchr(e->msg, '\n', n) == NULL);
    if (e->kind == GW_ECLOSED)
        MUST(e->code == 0);                         /* no reply, no (stale) code */
    /* Server text is quoted with \xNN escapes: "\xec" then "GVuY2ls" from the
     * input reads "cGVuY2ls". Only the first character can come from an
     * escape (the second of each secret is not a hex digit). */
    for (i = 0; i < NSECRETS; i++)
        MUST(!fz_has(e->msg, n, secrets[i]) || fz_has((const char *)data, size, secrets[i] + 1));
}

/* One AUTH attempt; 1 when it worked. */
static int attempt(smtp_session *s, const char *mech, const char *user, const char *nonce,
                   const uint8_t *data, size_t size)
{
    sasl_creds cr;
    gw_err e;
    int rc;
    memset(&cr, 0, sizeof cr);
    cr.user = user;
    cr.password = "pencil";
    rc = smtp_session_auth(s, mech, &cr, nonce, &e);
    MUST(rc == 0 || rc == -1);
    if (rc == 0) {
        MUST(s->authenticated && !s->broken && s->reply.code == 235);
        return 1;
    }
    check_err(&e, data, size);
    MUST(e.kind == GW_EAUTH_FAILED || e.kind == GW_EPROTOCOL || e.kind == GW_ECLOSED
         || e.kind == GW_EAUTH_UNAVAILABLE || e.kind == GW_EBAD_ARGUMENT);
    if (e.kind == GW_ECLOSED)
        MUST(s->broken);
    return 0;
}

static void mail(smtp_session *s, const uint8_t *data, size_t size)
{
    static const char *const to[] = {"b@x", "c@x"};
    static const char msg[] = "Subject: t\r\n\r\n.hidden\nbody\r\n";
    smtp_rcpt res[2];
    gw_err e;
    int rc, was_broken = s->broken;
    size_t i, ok = 0;
    memset(res, 0, sizeof res);
    rc = smtp_session_mail(s, "a@x", to, 2, msg, sizeof msg - 1, res, &e);
    MUST(rc == 0 || rc == -1);
    if (rc == 0) {
        MUST(!was_broken && !s->broken && s->reply.code == 250);
        for (i = 0; i < 2; i++) {
            MUST(res[i].code >= 200 && res[i].code <= 599);
            MUST(strlen(res[i].reply) < sizeof res[i].reply);
            ok += res[i].code == 250 || res[i].code == 251;
        }
        MUST(ok > 0);
        return;
    }
    check_err(&e, data, size);
    if (was_broken)
        MUST(e.kind == GW_ECLOSED);
    MUST(e.kind == GW_ESENDER || e.kind == GW_ERECIPIENT || e.kind == GW_EDATA
         || e.kind == GW_EPROTOCOL || e.kind == GW_ECLOSED);
    /* any reply but the expected one counts as a refusal (a 334 to MAIL too) */
    if (e.kind == GW_ESENDER || e.kind == GW_ERECIPIENT || (e.kind == GW_EDATA && e.code))
        MUST(e.code >= 200 && e.code <= 599);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    smtp_session s;
    gw_err e;
    unsigned flags = size ? data[0] : 0;
    int rc = fz_open(&s, data, size, on_trace, &e), authed = 0;
    if (rc == -2)
        return 0;
    if (rc == 0) {
        if (flags & 0x10)
            authed = attempt(&s, "SCRAM-SHA-1", "user", "fyko+d2lbbFgONRv9qkxdawL", data, size);
        if (!authed && !s.broken)
            authed = attempt(&s, "PLAIN", "alice", NULL, data, size);
        if (!authed && !s.broken)
            authed = attempt(&s, flags & 0x08 ? "CRAM-MD5" : "LOGIN", "alice", NULL, data, size);
        (void)authed;
        mail(&s, data, size);
        mail(&s, data, size);
        if (smtp_session_rset(&s, &e) != 0)
            check_err(&e, data, size);
    } else {
        check_err(&e, data, size);
        MUST(s.broken);
        MUST(e.kind == GW_EPROTOCOL || e.kind == GW_ECLOSED);
    }
    if (flags & 0x20)
        smtp_session_quit(&s);
    smtp_session_close(&s);
    MUST(s.io == NULL && s.broken);
    smtp_session_close(&s);
    return 0;
}
