/* libFuzzer: the SCRAM client (cext/sasl/scram.c) against arbitrary
 * server-first and server-final messages.
 *
 * Input: one selector byte, then the server-first message, '\n', the
 * server-final message (the messages themselves never hold a '\n').
 *   bit 0  SCRAM-SHA-1 with RFC 5802's client nonce, else SCRAM-SHA-256
 *          with RFC 7677's: fixed nonces let inputs extend them and reach
 *          the key derivation and the signature check (seeds: the RFCs')
 *   bit 1  the mechanism's own initial/step/finish, as sasl.c calls them,
 *          stepping on after a failure; else sasl_client_step64
 *   bit 2  (step64) the bytes are the base64 text itself; else they are
 *          encoded here so that they reach the parser
 *
 * Iterations: the library accepts i= up to GW_SCRAM_ITER_MAX (1,000,000),
 * and a PBKDF2 that long takes about a second, so an input whose i= is above
 * FUZZ_ITER_MAX is skipped by a cheap pre-check that finds the attribute as
 * the parser would (the first ",i=": the r= and s= values hold no ',').
 * The library's bounds are not changed for the fuzzer; the values between
 * FUZZ_ITER_MAX and GW_SCRAM_ITER_MAX differ only in the loop count. */
#include <stdint.h>
#include <string.h>
#include "core/b64.h"
#include "sasl/sasl.h"

#define FUZZ_ITER_MAX 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when the message's i= would cost more than FUZZ_ITER_MAX iterations. */
static int too_slow(const char *m, size_t n)
{
    size_t i, v = 0;
    for (i = 0; i + 3 <= n; i++) {
        if (memcmp(m + i, ",i=", 3) != 0)
            continue;
        for (i += 3; i < n && m[i] >= '0' && m[i] <= '9'; i++) {
            v = v * 10 + (size_t)(m[i] - '0');
            if (v > FUZZ_ITER_MAX)
                return 1;
        }
        return 0;
    }
    return 0;
}

static void via_step64(sasl_client *c, const char *first, size_t n1, const char *final,
                       size_t n2, int as_text)
{
    const char *msg[2] = { first, final };
    size_t len[2] = { n1, n2 }, k;
    gw_buf in, out;
    gw_err e;
    int has;
    gw_buf_init(&in, 4 * GW_SASL_CHALLENGE_MAX);
    gw_buf_init(&out, 4 * GW_SASL_RESPONSE_MAX);
    if (sasl_client_initial64(c, &out, &has, &e) != 0)
        goto done;
    for (k = 0; k < 2; k++) {
        gw_buf_reset(&in);
        if (as_text) {
            if (gw_buf_append(&in, msg[k], len[k]) != 0)
                goto done;
        } else if (gw_b64_encode(&in, msg[k], len[k]) != 0) {
            goto done;
        }
        if (sasl_client_step64(c, in.data ? in.data : "", in.len, &out, &e) != 0)
            goto done;
    }
    if (sasl_client_finish(c, &e) != 0)
        goto done;
    /* every client that got here verified the server's signature */
    if (c->failed || c->steps != 2)
        __builtin_trap();
    sasl_client_step64(c, "", 0, &out, &e);
done:
    gw_buf_free(&in);
    gw_buf_free(&out);
}

static void via_raw(sasl_client *c, const char *first, size_t n1, const char *final,
                    size_t n2)
{
    gw_buf out;
    gw_err e;
    int has = 0;
    gw_buf_init(&out, GW_SASL_RESPONSE_MAX);
    c->mech->initial(c, &out, &has, &e);
    gw_buf_reset(&out);
    if (c->mech->step(c, first, n1, &out, &e) == 0)
        c->steps++;
    gw_buf_reset(&out);
    if (c->mech->step(c, final, n2, &out, &e) == 0)
        c->steps++;
    c->mech->step(c, final, n2, &out, &e);
    c->mech->finish(c, &e);
    gw_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data + 1, *first, *final, *nl;
    size_t n, n1, n2;
    sasl_creds cr;
    sasl_client c;
    gw_err e;
    unsigned sel;
    if (size < 1)
        return 0;
    sel = data[0];
    n = size - 1;
    nl = memchr(p, '\n', n);
    first = p;
    n1 = nl ? (size_t)(nl - p) : n;
    final = nl ? nl + 1 : p + n;
    n2 = nl ? n - n1 - 1 : 0;
    if ((sel & 6) == 4) {               /* base64 text: look at what it decodes to */
        gw_buf dec;
        int slow;
        gw_buf_init(&dec, 4 * GW_SASL_CHALLENGE_MAX);
        slow = gw_b64_decode(&dec, first, n1) == 0 && too_slow(dec.data, dec.len);
        gw_buf_free(&dec);
        if (slow)
            return 0;
    } else if (too_slow(first, n1)) {
        return 0;
    }
    memset(&cr, 0, sizeof cr);
    cr.user = "user";
    cr.password = "pencil";
    if (sasl_client_start(&c, sel & 1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256", &cr, &e) != 0)
        __builtin_trap();
    c.test_nonce = sel & 1 ? "fyko+d2lbbFgONRv9qkxdawL" : "rOprNGfwEbeRWgbNEkqO";
    if (sel & 2)
        via_raw(&c, first, n1, final, n2);
    else
        via_step64(&c, first, n1, final, n2, (sel & 4) != 0);
    sasl_client_free(&c);
    return 0;
}
