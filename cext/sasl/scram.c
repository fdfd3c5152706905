/* SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), client side,
 * without channel binding (gs2 header "n,,"; no -PLUS). One implementation,
 * two table rows, parameterised by the digest.
 *
 *   initial       n,,n=USER,r=CNONCE
 *   step 0 gets   r=CNONCE SNONCE,s=SALT,i=ITER[,ext]   (RFC 5802 7)
 *          sends  c=biws,r=CNONCE SNONCE,p=PROOF
 *   step 1 gets   v=SERVER-SIGNATURE[,ext] | e=ERROR
 *          sends  "" (SMTP has no "additional data with success")
 *   finish        only after v= was verified
 *
 * The server nonce must extend ours; r, s, i must come in this order; a
 * mandatory extension (m=) fails; other extensions are ignored. The
 * iteration count must lie in [GW_SCRAM_ITER_MIN, GW_SCRAM_ITER_MAX]: the
 * minimum (4096, RFC 7677 4 and both RFCs' examples; Dovecot, Cyrus and
 * PostgreSQL use at least that) keeps a man in the middle from obtaining a
 * proof that is cheap to attack offline; the maximum bounds our CPU time.
 * The server signature is required and compared in constant time; without
 * it the server's success is not believed (finish fails) and c->unproven
 * tells the engine to drop the connection. An e= is a refusal (c->detail). SaltedPassword
 * and the keys live on the stack and are wiped; the expected signature
 * lives in the state, wiped by free. The user name is escaped (=2C, =3D);
 * SASLprep is not applied. */
#include <stdlib.h>
#include <string.h>
#include "../core/b64.h"
#include "../core/crypto.h"
#include "mech.h"

enum { ST_START, ST_SENT_FIRST, ST_SENT_FINAL, ST_VERIFIED, ST_FAILED };

typedef struct scram {
    const char *md;                       /* OpenSSL digest name */
    size_t hlen;                          /* its output size */
    int stage;
    char nonce[GW_SCRAM_NONCE_MAX + 1];   /* ours, printable, no ',' */
    size_t nonce_len;
    gw_buf bare;                          /* client-first-message-bare */
    unsigned char server_sig[GW_MD_MAX];  /* the v= we expect */
} scram;

/* Longest AuthMessage: bare + server-first + client-final-without-proof. */
#define AUTH_MSG_MAX (GW_SASL_RESPONSE_MAX + 2 * GW_SASL_CHALLENGE_MAX)

static int scram_fail(const sasl_client *c, gw_kind kind, const char *what, gw_err *e)
{
    return gw_err_set(e, kind, "sasl: %s: %s", c->mech->name, what);
}

static int start(sasl_client *c, const char *md, size_t hlen, gw_err *e)
{
    scram *st;
    if (sasl_need_creds(c, e, 1, 1, 0) != 0)
        return -1;
    if ((st = malloc(sizeof *st)) == NULL)
        return scram_fail(c, GW_ENOMEM, "out of memory", e);
    memset(st, 0, sizeof *st);
    st->md = md;
    st->hlen = hlen;
    st->stage = ST_START;
    gw_buf_init(&st->bare, GW_SASL_RESPONSE_MAX);
    c->state = st;
    return 0;
}

static int sha1_start(sasl_client *c, gw_err *e)
{
    return start(c, "SHA1", 20, e);
}

static int sha256_start(sasl_client *c, gw_err *e)
{
    return start(c, "SHA256", 32, e);
}

static void scram_free(sasl_client *c)
{
    scram *st = c->state;
    if (!st)
        return;
    gw_buf_free(&st->bare);
    gw_wipe(st, sizeof *st);
    free(st);
    c->state = NULL;
}

/* s[0..n) is a valid nonce: printable, no ',' (RFC 5802 7). */
static int nonce_ok(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e || s[i] == ',')
            return 0;
    return n > 0;
}

static int make_nonce(sasl_client *c, scram *st, gw_err *e)
{
    unsigned char raw[GW_SCRAM_NONCE_BYTES];
    gw_buf b;
    int rc = -1;
    if (c->test_nonce) {
        size_t n = strlen(c->test_nonce);
        if (n > GW_SCRAM_NONCE_MAX || !nonce_ok(c->test_nonce, n))
            return scram_fail(c, GW_EBAD_ARGUMENT, "bad test nonce", e);
        memcpy(st->nonce, c->test_nonce, n + 1);
        st->nonce_len = n;
        return 0;
    }
    gw_buf_init(&b, GW_SCRAM_NONCE_MAX);
    if (gw_random(raw, sizeof raw) != 0 || gw_b64_encode(&b, raw, sizeof raw) != 0) {
        scram_fail(c, GW_EAUTH_UNAVAILABLE, "no random nonce from OpenSSL", e);
        goto done;
    }
    memcpy(st->nonce, b.data, b.len + 1);   /* base64 of 18 bytes: no '=', no ',' */
    st->nonce_len = b.len;
    rc = 0;
done:
    gw_wipe(raw, sizeof raw);
    gw_buf_free(&b);
    return rc;
}

static int scram_initial(sasl_client *c, gw_buf *out, int *has, gw_err *e)
{
    scram *st = c->state;
    int rc;
    *has = 1;
    if (!st || st->stage != ST_START)
        return scram_fail(c, GW_EBAD_ARGUMENT, "initial response asked for twice", e);
    if (make_nonce(c, st, e) != 0)
        return -1;
    if ((rc = gw_buf_puts(&st->bare, "n=")) != 0
        || (rc = sasl_append_saslname(&st->bare, c->creds.user, c->creds.user_len)) != 0
        || (rc = gw_buf_puts(&st->bare, ",r=")) != 0
        || (rc = gw_buf_append(&st->bare, st->nonce, st->nonce_len)) != 0
        || (rc = gw_buf_puts(out, "n,,")) != 0
        || (rc = gw_buf_append(out, st->bare.data, st->bare.len)) != 0)
        return sasl_buf_fail(c, e, rc);
    st->stage = ST_SENT_FIRST;
    return 0;
}

/* Reads "k=value" at *p, up to the next ',' (left at *p) or the end. */
static int attr(const char **p, const char *end, char k, const char **val, size_t *len)
{
    const char *s = *p, *comma;
    if (end - s < 2 || s[0] != k || s[1] != '=')
        return -1;
    s += 2;
    comma = memchr(s, ',', (size_t)(end - s));
    *val = s;
    *len = (size_t)((comma ? comma : end) - s);
    *p = comma ? comma : end;
    return 0;
}

/* Strictly "r=..,s=..,i=..[,ext]*"; val/len point into in. NULL, or what
 * is wrong. */
static const char *parse_first(const char *in, size_t n, const char **val, size_t *len)
{
    static const char keys[3] = { 'r', 's', 'i' };
    const char *p = in, *end = in + n;
    int k;
    if (n == 0)
        return "empty server-first message";
    if (n >= 2 && in[0] == 'm' && in[1] == '=')
        return "server requires an extension (m=) we do not support";
    if (memchr(in, '\0', n))
        return "NUL byte in the server-first message";
    for (k = 0; k < 3; k++) {
        if (k > 0) {
            if (p == end)
                return k == 1 ? "server-first message has no salt (s=)"
                              : "server-first message has no iteration count (i=)";
            p++;                          /* the ',' attr stopped at */
        }
        if (attr(&p, end, keys[k], &val[k], &len[k]) != 0)
            return "server-first message: r=, s=, i= expected in this order";
    }
    while (p < end) {                     /* extensions: ALPHA "=" 1*value-char */
        const char *v;
        size_t vl;
        char a = ++p < end ? *p : '\0';
        if (!((a >= 'a' && a <= 'z') || (a >= 'A' && a <= 'Z'))
            || attr(&p, end, a, &v, &vl) != 0 || vl == 0)
            return "malformed extension in the server-first message";
    }
    return NULL;
}

/* A posit-number (RFC 5802 7), capped at GW_SCRAM_ITER_MAX + 1; 0 when
 * it is not one. */
static unsigned long iterations(const char *s, size_t n)
{
    unsigned long v = 0;
    size_t i;
    if (n == 0 || s[0] == '0')
        return 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        if (v <= GW_SCRAM_ITER_MAX)
            v = v * 10 + (unsigned long)(s[i] - '0');
    }
    return v > GW_SCRAM_ITER_MAX ? GW_SCRAM_ITER_MAX + 1ul : v;
}

static int server_first(sasl_client *c, scram *st, const char *in, size_t n,
                        gw_buf *out, gw_err *e)
{
    const char *val[3];
    size_t len[3], hl = st->hlen, i, o = out->len;
    unsigned char salted[GW_MD_MAX], ckey[GW_MD_MAX], stored[GW_MD_MAX],
        skey[GW_MD_MAX], csig[GW_MD_MAX];
    unsigned l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0;
    unsigned long iter;
    const char *bad = parse_first(in, n, val, len);
    gw_buf salt, auth;
    int rc = -1, b;
    gw_buf_init(&salt, GW_SASL_CHALLENGE_MAX);
    gw_buf_init(&auth, AUTH_MSG_MAX);
    if (bad) {
        scram_fail(c, GW_EPROTOCOL, bad, e);
        goto done;
    }
    if (len[0] <= st->nonce_len || memcmp(val[0], st->nonce, st->nonce_len) != 0
        || !nonce_ok(val[0], len[0])) {
        scram_fail(c, GW_EPROTOCOL, "server nonce does not extend ours", e);
        goto done;
    }
    if (len[0] > GW_SCRAM_SNONCE_MAX) {
        scram_fail(c, GW_EPROTOCOL, "server nonce too long", e);
        goto done;
    }
    if (len[1] == 0 || gw_buf_reserve(&salt, len[1] / 4 * 3) != 0
        || gw_b64_decode(&salt, val[1], len[1]) != 0 || salt.len == 0) {
        scram_fail(c, GW_EPROTOCOL, "salt (s=) is not valid base64", e);
        goto done;
    }
    iter = iterations(val[2], len[2]);
    if (iter < GW_SCRAM_ITER_MIN || iter > GW_SCRAM_ITER_MAX) {
        if (iter == 0)
            scram_fail(c, GW_EPROTOCOL, "iteration count (i=) is not a number", e);
        else
            gw_err_set(e, GW_EPROTOCOL, "sasl: %s: iteration count (i=) %s %d", c->mech->name,
                       iter < GW_SCRAM_ITER_MIN ? "below the minimum" : "above the maximum",
                       iter < GW_SCRAM_ITER_MIN ? GW_SCRAM_ITER_MIN : GW_SCRAM_ITER_MAX);
        goto done;
    }
    /* client-final-message-without-proof, then AuthMessage (RFC 5802 3) */
    if ((b = gw_buf_puts(out, "c=biws,r=")) != 0 || (b = gw_buf_append(out, val[0], len[0])) != 0
        || (b = gw_buf_append(&auth, st->bare.data, st->bare.len)) != 0
        || (b = gw_buf_puts(&auth, ",")) != 0 || (b = gw_buf_append(&auth, in, n)) != 0
        || (b = gw_buf_puts(&auth, ",")) != 0
        || (b = gw_buf_append(&auth, out->data + o, out->len - o)) != 0) {
        sasl_buf_fail(c, e, b);
        goto done;
    }
    if (gw_pbkdf2(st->md, c->creds.password, c->creds.password_len, salt.data, salt.len,
                  (unsigned)iter, salted, hl) != 0
        || gw_hmac(st->md, salted, hl, "Client Key", 10, ckey, &l1) != 0
        || gw_digest(st->md, ckey, hl, stored, &l2) != 0
        || gw_hmac(st->md, stored, hl, auth.data, auth.len, csig, &l3) != 0
        || gw_hmac(st->md, salted, hl, "Server Key", 10, skey, &l4) != 0
        || gw_hmac(st->md, skey, hl, auth.data, auth.len, st->server_sig, &l5) != 0
        || l1 != hl || l2 != hl || l3 != hl || l4 != hl || l5 != hl) {
        scram_fail(c, GW_EAUTH_UNAVAILABLE, "key derivation failed in OpenSSL", e);
        goto done;
    }
    for (i = 0; i < hl; i++)
        csig[i] ^= ckey[i];               /* ClientProof */
    if ((b = gw_buf_puts(out, ",p=")) != 0 || (b = gw_b64_encode(out, csig, hl)) != 0) {
        sasl_buf_fail(c, e, b);
        goto done;
    }
    st->stage = ST_SENT_FINAL;
    rc = 0;
done:
    gw_wipe(salted, sizeof salted);
    gw_wipe(ckey, sizeof ckey);
    gw_wipe(stored, sizeof stored);
    gw_wipe(skey, sizeof skey);
    gw_wipe(csig, sizeof csig);
    gw_buf_free(&salt);
    gw_buf_free(&auth);
    return rc;
}

static int server_final(sasl_client *c, scram *st, const char *in, size_t n, gw_err *e)
{
    const char *p = in, *end = in + n, *v;
    size_t vl;
    gw_buf sig;
    int rc = -1;
    if (attr(&p, end, 'e', &v, &vl) == 0) {  /* a refusal, like a 535 */
        sasl_printable(c->detail, sizeof c->detail, v, vl);
        return gw_err_set(e, GW_EAUTH_FAILED, "sasl: %s: server error: %s", c->mech->name,
                          c->detail);
    }
    if (attr(&p, end, 'v', &v, &vl) != 0) {
        c->unproven = 1;
        return scram_fail(c, GW_EAUTH_FAILED,
                          "server-final message has no server signature (v=)", e);
    }
    gw_buf_init(&sig, GW_MD_MAX);
    if (gw_b64_decode(&sig, v, vl) != 0 || sig.len != st->hlen
        || !gw_memeq(sig.data, st->server_sig, st->hlen)) {
        c->unproven = 1;
        scram_fail(c, GW_EAUTH_FAILED, "server signature mismatch (the server may not know "
                   "the password, or a man in the middle)", e);
        goto done;
    }
    st->stage = ST_VERIFIED;
    rc = 0;
done:
    gw_buf_free(&sig);
    return rc;
}

static int scram_step(sasl_client *c, const char *in, size_t n, gw_buf *out, gw_err *e)
{
    scram *st = c->state;
    int rc;
    if (!st || (st->stage != ST_SENT_FIRST && st->stage != ST_SENT_FINAL))
        return sasl_unexpected(c, e);
    if (n > GW_SASL_CHALLENGE_MAX)
        rc = gw_err_set(e, GW_EPROTOCOL, "sasl: %s: challenge longer than %d bytes",
                        c->mech->name, GW_SASL_CHALLENGE_MAX);
    else if (st->stage == ST_SENT_FIRST)
        rc = server_first(c, st, in, n, out, e);
    else
        rc = server_final(c, st, in, n, e);
    if (rc)
        st->stage = ST_FAILED;
    return rc;
}

static int scram_finish(sasl_client *c, gw_err *e)
{
    const scram *st = c->state;
    if (!st || st->stage != ST_VERIFIED) {
        c->unproven = 1;
        return scram_fail(c, GW_EAUTH_FAILED, "server reported success without proving it "
                          "knows the password (no verified v=)", e);
    }
    return 0;
}

const sasl_mech sasl_mech_scram_sha256 = {
    "SCRAM-SHA-256", 0,
    sha256_start, scram_initial, scram_step, scram_finish, scram_free,
};

const sasl_mech sasl_mech_scram_sha1 = {
    "SCRAM-SHA-1", 0,
    sha1_start, scram_initial, scram_step, scram_finish, scram_free,
};
