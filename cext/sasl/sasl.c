/* SASL client (RFC 4422): the mechanism table, the base64 framing of an
 * exchange (RFC 4954 section 4: "334" challenges, "=" for an empty initial
 * response, "*" to cancel is the engine's), the strength-ordered choice of
 * DESIGN.md, and the helpers the mechanism files share (mech.h). */
#include <string.h>
#include "../core/b64.h"
#include "mech.h"

/* Strongest first. Adding a mechanism: one file, one row. */
static const sasl_mech *const table[] = {
    &sasl_mech_scram_sha256, &sasl_mech_scram_sha1, &sasl_mech_plain,
    &sasl_mech_login, &sasl_mech_cram_md5, &sasl_mech_oauthbearer,
    &sasl_mech_xoauth2, NULL,
};
#define NMECH ((int)(sizeof table / sizeof table[0]) - 1)

static int upper(int ch)
{
    return ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch;
}

/* strlen that stops looking after max + 1 bytes. */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n])
        n++;
    return n;
}

/* Table index of the mechanism named s[0..n), any case, or -1. */
static int index_of(const char *s, size_t n)
{
    int i;
    for (i = 0; i < NMECH; i++) {
        const char *m = table[i]->name;
        size_t k = 0;
        while (k < n && m[k] && upper((unsigned char)s[k]) == m[k])
            k++;
        if (k == n && m[k] == '\0')
            return i;
    }
    return -1;
}

const sasl_mech *sasl_find(const char *name)
{
    int i = name ? index_of(name, bounded_len(name, GW_SASL_MECH_NAME)) : -1;
    return i < 0 ? NULL : table[i];
}

const sasl_mech *const *sasl_all(void)
{
    return table;
}

/* ---- helpers for the mechanism files (mech.h) ---- */

int sasl_need_creds(const sasl_client *c, gw_err *e, int need_user,
                    int need_password, int need_token)
{
    const sasl_creds *cr = &c->creds;
    const char *missing = NULL;
    if (need_user && (!cr->user || cr->user_len == 0))
        missing = "user name";
    else if (need_password && !cr->password)
        missing = "password";
    else if (need_token && (!cr->token || cr->token_len == 0))
        missing = "token";
    if (missing)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "sasl: %s: %s missing", c->mech->name, missing);
    return 0;
}

int sasl_no_initial(sasl_client *c, gw_buf *out, int *has, gw_err *e)
{
    (void)c;
    (void)out;
    (void)e;
    *has = 0;
    return 0;
}

int sasl_buf_fail(const sasl_client *c, gw_err *e, int rc)
{
    if (rc == GW_BUF_ELIMIT)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "sasl: %s: response too long", c->mech->name);
    return gw_err_set(e, GW_ENOMEM, "sasl: %s: out of memory", c->mech->name);
}

int sasl_unexpected(const sasl_client *c, gw_err *e)
{
    return gw_err_set(e, GW_EPROTOCOL, "sasl: %s: unexpected challenge (step %d)",
                      c->mech->name, c->steps + 1);
}

void sasl_printable(char *dst, size_t cap, const char *src, size_t n)
{
    size_t i;
    if (cap == 0)
        return;
    for (i = 0; i < n && i + 1 < cap; i++) {
        unsigned char ch = (unsigned char)src[i];
        dst[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    dst[i] = '\0';
}

int sasl_has_ctl(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 1;
    return 0;
}

int sasl_append_saslname(gw_buf *b, const char *s, size_t n)
{
    size_t i, from = 0;
    int rc = 0;
    if (n == 0)
        return 0;
    for (i = 0; i < n && !rc; i++) {
        if (s[i] != ',' && s[i] != '=')
            continue;
        rc = gw_buf_append(b, s + from, i - from);
        if (!rc)
            rc = gw_buf_puts(b, s[i] == ',' ? "=2C" : "=3D");
        from = i + 1;
    }
    return rc ? rc : gw_buf_append(b, s + from, n - from);
}

/* ---- the client ---- */

/* Fills *len (strlen when 0) and refuses a NUL inside or an oversize. */
static int cred_len(const char *mech, const char *what, const char *s, size_t *len,
                    size_t max, gw_err *e)
{
    if (!s) {
        *len = 0;
        return 0;
    }
    if (*len == 0)
        *len = bounded_len(s, max);
    else if (memchr(s, '\0', *len))
        return gw_err_set(e, GW_EBAD_ARGUMENT, "sasl: %s: NUL byte in the %s", mech, what);
    if (*len > max)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "sasl: %s: %s longer than %u bytes",
                          mech, what, (unsigned)max);
    return 0;
}

int sasl_client_start(sasl_client *c, const char *name, const sasl_creds *cr, gw_err *e)
{
    const sasl_mech *m = sasl_find(name);
    memset(c, 0, sizeof *c);
    c->mech = NULL;
    c->state = NULL;
    c->test_nonce = NULL;
    if (!m) {
        char shown[GW_SASL_MECH_NAME + 1];
        sasl_printable(shown, sizeof shown, name ? name : "",
                       name ? bounded_len(name, GW_SASL_MECH_NAME) : 0);
        return gw_err_set(e, GW_EAUTH_UNAVAILABLE, "sasl: unknown mechanism \"%s\"", shown);
    }
    if (!cr)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "sasl: %s: no credentials", m->name);
    c->creds = *cr;
    if (cred_len(m->name, "user name", cr->user, &c->creds.user_len, GW_SASL_USER_MAX, e)
        || cred_len(m->name, "password", cr->password, &c->creds.password_len,
                    GW_SASL_SECRET_MAX, e)
        || cred_len(m->name, "token", cr->token, &c->creds.token_len, GW_SASL_SECRET_MAX, e))
        return -1;
    c->mech = m;
    if (m->start(c, e) != 0) {
        sasl_client_free(c);
        return -1;
    }
    return 0;
}

/* The client can take another call. */
static int usable(const sasl_client *c, gw_err *e)
{
    if (!c->mech)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "sasl: client not started");
    if (c->failed)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "sasl: %s: the exchange already failed",
                          c->mech->name);
    return 0;
}

int sasl_client_initial64(sasl_client *c, gw_buf *out, int *has, gw_err *e)
{
    gw_buf raw;
    int rc = -1, b;
    *has = 0;
    gw_buf_reset(out);
    if (usable(c, e) != 0)
        return -1;
    gw_buf_init(&raw, GW_SASL_RESPONSE_MAX);
    if (c->ir_done) {
        gw_err_set(e, GW_EBAD_ARGUMENT, "sasl: %s: initial response asked for twice",
                   c->mech->name);
        goto done;
    }
    c->ir_done = 1;
    if (c->mech->initial(c, &raw, has, e) != 0)
        goto done;
    if (*has) {
        b = raw.len ? gw_b64_encode(out, raw.data, raw.len) : gw_buf_puts(out, "=");
        if (b) {
            sasl_buf_fail(c, e, b);
            goto done;
        }
    }
    rc = 0;
done:
    if (rc) {
        c->failed = 1;
        *has = 0;
        gw_buf_reset(out);
    }
    gw_buf_free(&raw);
    return rc;
}

int sasl_client_step64(sasl_client *c, const char *in, size_t n, gw_buf *out, gw_err *e)
{
    gw_buf dec, raw;
    int rc = -1, b, has = 0;
    gw_buf_reset(out);
    if (usable(c, e) != 0)
        return -1;
    gw_buf_init(&dec, GW_SASL_CHALLENGE_MAX);
    gw_buf_init(&raw, GW_SASL_RESPONSE_MAX);
    if (c->steps >= GW_SASL_STEPS_MAX) {
        gw_err_set(e, GW_EPROTOCOL, "sasl: %s: more than %d challenges", c->mech->name,
                   GW_SASL_STEPS_MAX);
        goto done;
    }
    if (n == 1 && in[0] == '=')
        n = 0;
    if (n / 4 * 3 > GW_SASL_CHALLENGE_MAX) {
        gw_err_set(e, GW_EPROTOCOL, "sasl: %s: challenge longer than %d bytes",
                   c->mech->name, GW_SASL_CHALLENGE_MAX);
        goto done;
    }
    /* Room first, so that -1 from the decoder can only mean malformed. */
    if ((b = gw_buf_reserve(&dec, n / 4 * 3)) != 0) {
        sasl_buf_fail(c, e, b);
        goto done;
    }
    if (gw_b64_decode(&dec, in, n) != 0) {
        gw_err_set(e, GW_EPROTOCOL, "sasl: %s: malformed base64 challenge", c->mech->name);
        goto done;
    }
    if (!c->ir_done) {
        /* AUTH went without the initial response: the server's empty
         * challenge asks for it (RFC 4422 section 5). */
        c->ir_done = 1;
        if (c->mech->initial(c, &raw, &has, e) != 0)
            goto done;
        if (has && dec.len) {
            gw_err_set(e, GW_EPROTOCOL, "sasl: %s: challenge before the initial response",
                       c->mech->name);
            goto done;
        }
    }
    if (!has) {
        if (c->mech->step(c, dec.data, dec.len, &raw, e) != 0)
            goto done;
        c->steps++;
    }
    if ((b = gw_b64_encode(out, raw.len ? raw.data : "", raw.len)) != 0) {
        sasl_buf_fail(c, e, b);
        goto done;
    }
    rc = 0;
done:
    if (rc) {
        c->failed = 1;
        gw_buf_reset(out);
    }
    gw_buf_free(&dec);
    gw_buf_free(&raw);
    return rc;
}

int sasl_client_finish(sasl_client *c, gw_err *e)
{
    if (!c->mech)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "sasl: client not started");
    if (c->failed) {
        c->unproven = 1;
        return gw_err_set(e, GW_EAUTH_FAILED,
                          "sasl: %s: server reported success after the exchange failed",
                          c->mech->name);
    }
    if (c->mech->finish && c->mech->finish(c, e) != 0) {
        c->failed = 1;
        return -1;
    }
    return 0;
}

void sasl_client_free(sasl_client *c)
{
    if (c->mech && c->mech->free)
        c->mech->free(c);
    c->mech = NULL;
    c->state = NULL;
}

/* ---- the choice ---- */

/* The next name in a list, or NULL at its end; separators: space, tab, ','. */
static const char *next_name(const char **p, const char *end, size_t *n)
{
    const char *s = *p, *t;
    while (s < end && (*s == ' ' || *s == '\t' || *s == ','))
        s++;
    t = s;
    while (t < end && *t != ' ' && *t != '\t' && *t != ',')
        t++;
    *p = t;
    *n = (size_t)(t - s);
    return s < end ? s : NULL;
}

/* Bit i set when table[i] is named in the list. */
static unsigned name_set(const char *list)
{
    const char *p = list, *end, *s;
    unsigned set = 0;
    size_t n;
    if (!list)
        return 0;
    end = list + bounded_len(list, GW_SASL_LIST_MAX - 1);
    while ((s = next_name(&p, end, &n)) != NULL) {
        int i = index_of(s, n);
        if (i >= 0)
            set |= 1u << i;
    }
    return set;
}

/* The TLS and token rules of the automatic choice. */
static int allowed(const sasl_mech *m, int secure, int allow_plain, int have_token)
{
    if (!(m->flags & SASL_F_TOKEN) != !have_token)
        return 0;
    if (m->flags & (SASL_F_CLEARTEXT | SASL_F_WEAK | SASL_F_TOKEN))
        return secure || allow_plain;
    return 1;
}

int sasl_choose(const char *advertised, const char *wanted, int secure,
                int allow_plain, int have_token, const sasl_mech **out, int max)
{
    unsigned adv = name_set(advertised);
    int n = 0, pass, i;
    if (!out || max <= 0)
        return 0;
    if (wanted && *wanted) {
        const char *p = wanted, *end = wanted + bounded_len(wanted, GW_SASL_LIST_MAX - 1), *s;
        unsigned used = 0;
        size_t len;
        while (n < max && (s = next_name(&p, end, &len)) != NULL) {
            i = index_of(s, len);
            if (i < 0 || !(adv & 1u << i) || (used & 1u << i)
                || !allowed(table[i], secure, allow_plain, have_token))
                continue;
            used |= 1u << i;
            out[n++] = table[i];
        }
        return n;
    }
    /* Without TLS the cleartext mechanisms go after CRAM-MD5. */
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < NMECH && n < max; i++) {
            int late = !secure && (table[i]->flags & SASL_F_CLEARTEXT);
            if (late == pass && (adv & 1u << i)
                && allowed(table[i], secure, allow_plain, have_token))
                out[n++] = table[i];
        }
    }
    return n;
}
