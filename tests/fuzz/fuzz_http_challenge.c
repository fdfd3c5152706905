/* libFuzzer: WWW-Authenticate values through the functions the HTTP
 * exchange calls: http_challenge_parse, http_challenge_pick, then for a
 * picked Digest challenge http_digest_start and http_digest_answer with
 * fixed credentials and a fixed cnonce, then http_digest_check_info with
 * the rest of the input as an Authentication-Info value, and another
 * answer; for a picked Basic challenge http_basic_answer.
 *
 * Input: one selector byte, then the WWW-Authenticate value, '\n', the
 * Authentication-Info value, '\n', the response body (for auth-int).
 *   bit 0  allow Basic in the pick
 *   bit 1  want_auth_int
 *   bit 2  a non-ASCII user name ("Jäsøn Doe"), else "Mufasa"
 *   bit 3  parse the value twice into the same array (the bound, the
 *          displacement of OTHER challenges)
 *   bit 4  rechallenge with every other Digest challenge before answering
 *
 * Checked: pick only picks what start accepts; an answer never holds CR,
 * LF or another CTL (HTAB aside), nor the password or HA1 (unless the
 * server sent it); error messages are one printable line without them; nc
 * counts; a nextnonce resets nc; wipe clears HA1. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "http/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(c) do { if (!(c)) abort(); } while (0)
#define PASSWORD "Circle of Life"

static const char *input;       /* the whole input, for echoed() */
static size_t input_len;

static int has_str(const char *m, size_t n, const char *s)
{
    size_t i, k = strlen(s);
    for (i = 0; k && i + k <= n; i++)
        if (memcmp(m + i, s, k) == 0)
            return 1;
    return 0;
}

static char unescaped[8192];    /* the input without backslashes (quoted-pairs) */
static size_t unescaped_len;

/* 1 when the input holds s, as sent or once its quoted-pairs are undone:
 * the server sent it, so it may come back. */
static int echoed(const char *s)
{
    return has_str(input, input_len, s) || has_str(unescaped, unescaped_len, s);
}

/* No password or HA1 in m[0..n), unless the server sent it. */
static void no_secret(const char *m, size_t n, const char *ha1)
{
    MUST(echoed(PASSWORD) || !has_str(m, n, PASSWORD));
    MUST(!ha1 || echoed(ha1) || !has_str(m, n, ha1));
}

/* A message: printable, one line, bounded, no secret. */
static void check_msg(const gw_err *e, const char *ha1)
{
    size_t i, n = strnlen(e->msg, sizeof e->msg);
    MUST(n < sizeof e->msg && n > 0);
    for (i = 0; i < n; i++)
        MUST((unsigned char)e->msg[i] >= 0x20 && e->msg[i] != 0x7f);
    no_secret(e->msg, n, ha1);
}

/* An Authorization value: no CTL but HTAB (legal in a quoted-string the
 * server sent), so no header injection; no secret. */
static void check_value(const gw_buf *b, size_t from, const char *ha1)
{
    size_t i;
    MUST(b->len > from);
    for (i = from; i < b->len; i++)
        MUST(((unsigned char)b->data[i] >= 0x20 || b->data[i] == '\t') && b->data[i] != 0x7f);
    no_secret(b->data + from, b->len - from, ha1);
}

static void digest(const http_challenge *c, int count, int pick, unsigned sel,
                   const char *info, size_t info_len, const char *body, size_t body_len)
{
    http_auth_info ai;
    const char *user = (sel & 4) ? "J\xc3\xa4s\xc3\xb8n Doe" : "Mufasa";
    http_digest d;
    gw_buf out;
    gw_err e;
    int i, rc;
    memset(&d, 0, sizeof d);
    d.want_auth_int = (sel & 2) != 0;   /* options before start, as the glue does */
    d.test_cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    rc = http_digest_start(&d, &c[pick], user, PASSWORD, &e);
    /* the pick only picks what start accepts; a non-ASCII user may still
     * need charset=UTF-8 or userhash */
    MUST(rc == 0 || ((sel & 4) && e.kind == GW_EBAD_ARGUMENT));
    if (rc != 0) {
        check_msg(&e, NULL);
        return;
    }
    MUST(d.want_auth_int == ((sel & 2) != 0) && d.test_cnonce != NULL);
    if (sel & 16)
        for (i = 0; i < count; i++)
            if (http_digest_rechallenge(&d, &c[i], &e) != 0)
                check_msg(&e, d.ha1);
    gw_buf_init(&out, 1 << 16);
    for (i = 1; i <= 2; i++) {
        size_t from = out.len;
        rc = http_digest_answer(&d, user, "GET", "/dir/index.html", "x=1", 3, &out, &e);
        if (rc != 0) {
            check_msg(&e, d.ha1);
            MUST(e.kind == GW_EBAD_ARGUMENT || e.kind == GW_EAUTH_UNAVAILABLE);
            break;
        }
        MUST(d.nc == (unsigned long)i);
        check_value(&out, from, d.ha1);
        MUST(memcmp(out.data + from, "Digest username", 15) == 0);
        gw_buf_append(&out, "\n", 1);
    }
    rc = http_digest_check_info(&d, user, "/dir/index.html", info, info_len, body, body_len, &e);
    if (rc != 0)
        check_msg(&e, d.ha1);
    else if (http_auth_info_parse(info, info_len, &ai, &e) == 0 && ai.has_nextnonce)
        MUST(d.nc == 0 && strcmp(d.ch.nonce, ai.nextnonce) == 0);
    gw_buf_reset(&out);
    if (http_digest_answer(&d, user, "POST", "/", body, body_len, &out, &e) == 0)
        check_value(&out, 0, d.ha1);
    else
        check_msg(&e, d.ha1);
    gw_buf_free(&out);
    http_digest_wipe(&d);
    MUST(d.ha1[0] == '\0' && d.userkey[0] == '\0' && d.nc == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    http_challenge c[HTTP_AUTH_CHALLENGES];
    const char *v, *end, *info, *body, *nl;
    size_t vlen, info_len = 0, body_len = 0;
    unsigned sel;
    gw_err e;
    int n = 0, pick, i;
    if (size < 1)
        return 0;
    sel = data[0];
    v = (const char *)data + 1;
    end = (const char *)data + size;
    nl = memchr(v, '\n', (size_t)(end - v));
    vlen = (size_t)((nl ? nl : end) - v);
    info = body = end;
    if (nl) {
        info = nl + 1;
        nl = memchr(info, '\n', (size_t)(end - info));
        info_len = (size_t)((nl ? nl : end) - info);
        if (nl) {
            body = nl + 1;
            body_len = (size_t)(end - body);
        }
    }
    input = (const char *)data;
    input_len = size;
    unescaped_len = 0;
    for (i = 0; i < (int)size && unescaped_len < sizeof unescaped; i++)
        if (data[i] != '\\')
            unescaped[unescaped_len++] = (char)data[i];
    gw_err_clear(&e);
    if (http_challenge_parse(v, vlen, c, &n, HTTP_AUTH_CHALLENGES, &e) != 0) {
        MUST(e.kind == GW_EPROTOCOL);
        check_msg(&e, NULL);
    }
    if ((sel & 8) && http_challenge_parse(v, vlen, c, &n, HTTP_AUTH_CHALLENGES, &e) != 0)
        check_msg(&e, NULL);
    MUST(n >= 0 && n <= HTTP_AUTH_CHALLENGES);
    for (i = 0; i < n; i++) {
        MUST(memchr(c[i].realm, '\0', sizeof c[i].realm) != NULL);
        MUST(memchr(c[i].nonce, '\0', sizeof c[i].nonce) != NULL);
        MUST(memchr(c[i].opaque, '\0', sizeof c[i].opaque) != NULL);
        MUST(c[i].scheme_name[sizeof c[i].scheme_name - 1] == '\0');
    }
    pick = http_challenge_pick(c, n, sel & 1);
    MUST(pick >= -1 && pick < n);
    if (pick >= 0 && c[pick].scheme == HTTP_SCHEME_DIGEST) {
        digest(c, n, pick, sel, info, info_len, body, body_len);
    } else if (pick >= 0) {
        gw_buf out;
        MUST((sel & 1) && c[pick].scheme == HTTP_SCHEME_BASIC);
        gw_buf_init(&out, 1024);
        MUST(http_basic_answer("Aladdin", "open sesame", &out, &e) == 0);
        gw_buf_free(&out);
    }
    return 0;
}
