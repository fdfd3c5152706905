/* libFuzzer: arbitrary challenges into every SASL mechanism through the
 * functions an engine calls (sasl_client_initial64, sasl_client_step64,
 * sasl_client_finish), strict base64 decoding included.
 *
 * Input: one selector byte, then challenges separated by '\n' (at most
 * GW_SASL_STEPS_MAX + 2 of them are used).
 *   bits 0-2  the mechanism, an index into sasl_all() (modulo its size)
 *   bit 3     skip sasl_client_initial64: the first challenge then asks for
 *             the initial response (AUTH sent without it)
 *   bit 4     encode each challenge as base64 here, so that it reaches the
 *             mechanism's parser; else it is the base64 text itself
 *   bit 5     counted credentials (lengths given, one with a NUL inside)
 * SCRAM runs with a random nonce here, so it stops at the nonce check
 * before any key derivation: fuzz_sasl_scram goes deeper. */
#include <stdint.h>
#include <string.h>
#include "core/b64.h"
#include "sasl/sasl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when s occurs in m[0..n). */
static int has_str(const void *m, size_t n, const char *s)
{
    size_t i, k = strlen(s);
    for (i = 0; i + k <= n; i++)
        if (memcmp((const char *)m + i, s, k) == 0)
            return 1;
    return 0;
}

/* 1 when a secret occurs in m[0..n). */
static int has_secret(const void *m, size_t n)
{
    static const char *const secrets[] = { "pencil", "vF9dft4q" };
    size_t i;
    for (i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        if (has_str(m, n, secrets[i]))
            return 1;
    return 0;
}

/* 1 when the server sent a secret (raw or base64) in this challenge: an
 * error message may then quote it without any leak. */
static int echoed(const char *p, size_t n)
{
    gw_buf dec;
    int found = has_secret(p, n);
    gw_buf_init(&dec, 4 * GW_SASL_CHALLENGE_MAX);
    if (!found && gw_b64_decode(&dec, p, n) == 0)
        found = has_secret(dec.data, dec.len);
    gw_buf_free(&dec);
    return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const sasl_mech *const *all = sasl_all();
    const char *p, *end;
    size_t nmech = 0, k;
    unsigned sel;
    sasl_creds cr;
    sasl_client c;
    gw_buf in, out;
    gw_err e;
    int has, rc = 0, sent_secret = 0;
    if (size < 1)
        return 0;
    sel = data[0];
    while (all[nmech])
        nmech++;
    memset(&cr, 0, sizeof cr);
    cr.user = "user@example.test";
    cr.password = "pencil";
    cr.token = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==";
    cr.host = "smtp.example.test";
    cr.port = 587;
    if (sel & 32) {
        cr.user_len = strlen(cr.user);
        cr.password = "pen\0cil";
        cr.password_len = 7;
    }
    if (sasl_client_start(&c, all[(sel & 7) % nmech]->name, &cr, &e) != 0)
        return 0;
    gw_buf_init(&in, 4 * GW_SASL_CHALLENGE_MAX);
    gw_buf_init(&out, 4 * GW_SASL_RESPONSE_MAX);
    if (!(sel & 8))
        rc = sasl_client_initial64(&c, &out, &has, &e);
    p = (const char *)data + 1;
    end = (const char *)data + size;
    for (k = 0; rc == 0 && k < GW_SASL_STEPS_MAX + 2 && p <= end; k++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        gw_buf_reset(&in);
        sent_secret |= echoed(p, n);
        if (sel & 16)
            rc = gw_b64_encode(&in, p, n);
        else
            rc = gw_buf_append(&in, p, n);
        if (rc == 0)
            rc = sasl_client_step64(&c, in.data ? in.data : "", in.len, &out, &e);
        if (!nl)
            break;
        p = nl + 1;
    }
    if (rc == 0)
        sasl_client_finish(&c, &e);
    else if (!sent_secret && has_secret(e.msg, strlen(e.msg)))
        __builtin_trap();               /* a secret in an error message */
    sasl_client_free(&c);
    gw_buf_free(&in);
    gw_buf_free(&out);
    return 0;
}
