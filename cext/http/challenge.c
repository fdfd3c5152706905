/* WWW-Authenticate field values (RFC 9110 11.6.1, grammar in 11.2) and the
 * choice of the challenge to answer (RFC 7616 3.7: the strongest
 * algorithm first).
 *
 *   WWW-Authenticate = #challenge
 *   challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *
 * A list element that is a token followed by BWS "=" is a parameter of the
 * current challenge; any other token starts a new challenge. A token68 is
 * taken only when its element ends right after it, so "realm=x" is a
 * parameter. Lenient where servers are sloppy (empty list elements,
 * whitespace around '=', quoted or bare values, any case, the parameters
 * starting after a comma); strict where sloppiness would change the
 * meaning (unterminated quotes, CTLs, missing commas or '=', a parameter
 * Digest uses given twice, values too long to keep). */
#include <string.h>
#include "auth.h"

/* The parameters read; the others are skipped. */
enum { P_REALM, P_NONCE, P_OPAQUE, P_ALGORITHM, P_QOP, P_STALE, P_USERHASH, P_CHARSET,
       P_COUNT };
static const char *const param_names[P_COUNT] = {
    "realm", "nonce", "opaque", "algorithm", "qop", "stale", "userhash", "charset",
};

static const char *const alg_names[] = {
    "unknown", "MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256",
    "SHA-512-256-sess",
};

static int is_true(const char *v)
{
    return http_auth_ieq(v, strlen(v), "true");
}

static int parse_alg(const char *v)
{
    int a;
    for (a = HTTP_ALG_MD5; a <= HTTP_ALG_SHA512_256_SESS; a++)
        if (http_auth_ieq(v, strlen(v), alg_names[a]))
            return a;
    return 0;
}

/* The qop bits of a list such as "auth,auth-int"; unknown values ignored. */
static unsigned parse_qops(const char *v)
{
    unsigned bits = 0;
    while (*v) {
        size_t t;
        while (*v == ',' || *v == ' ' || *v == '\t')
            v++;
        for (t = 0; v[t] && v[t] != ',' && v[t] != ' ' && v[t] != '\t'; t++)
            ;
        if (http_auth_ieq(v, t, "auth"))
            bits |= HTTP_QOP_AUTH;
        else if (http_auth_ieq(v, t, "auth-int"))
            bits |= HTTP_QOP_AUTH_INT;
        v += t;
    }
    return bits;
}

/* One auth-param of a challenge. */
static int param(http_auth_lex *l, http_challenge *ch)
{
    char v[HTTP_AUTH_PARAM_MAX];
    size_t from = l->i, len;
    int p;
    unsigned used = ch->scheme == HTTP_SCHEME_DIGEST ? ~0u
                  : ch->scheme == HTTP_SCHEME_BASIC ? 1u << P_REALM | 1u << P_CHARSET
                  : 1u << P_REALM;
    if (http_auth_lex_name(l, from, param_names, P_COUNT, used, &p) != 0)
        return -1;
    if (p < P_COUNT && !(used & (1u << p)))
        p = P_COUNT;                    /* not this scheme's: skipped */
    switch (p) {
    case P_REALM:
        return http_auth_lex_kept(l, from, "realm", ch->realm);
    case P_NONCE:
        return http_auth_lex_kept(l, from, "nonce", ch->nonce);
    case P_OPAQUE:
        ch->has_opaque = 1;
        return http_auth_lex_kept(l, from, "opaque", ch->opaque);
    case P_COUNT:
        return http_auth_lex_value(l, from, NULL, 0, &len);
    default:
        break;
    }
    if (http_auth_lex_kept(l, from, param_names[p], v) != 0)
        return -1;
    if (p == P_ALGORITHM) {
        ch->algorithm = parse_alg(v);
        ch->has_algorithm = 1;
    } else if (p == P_QOP) {
        ch->qop = parse_qops(v);
        ch->has_qop = 1;
    } else if (p == P_STALE) {
        ch->stale = is_true(v);
    } else if (p == P_USERHASH) {
        ch->userhash = is_true(v);
    } else {
        ch->utf8 = http_auth_ieq(v, strlen(v), "UTF-8");
    }
    return 0;
}

static int scheme_of(const char *p, size_t n)
{
    if (http_auth_ieq(p, n, "Digest"))
        return HTTP_SCHEME_DIGEST;
    if (http_auth_ieq(p, n, "Basic"))
        return HTTP_SCHEME_BASIC;
    if (http_auth_ieq(p, n, "Bearer"))
        return HTTP_SCHEME_BEARER;
    return HTTP_SCHEME_OTHER;
}

/* The scheme and what follows it, up to the next challenge or the end. */
static int challenge(http_auth_lex *l, http_challenge *ch)
{
    size_t from = l->i, t = http_auth_lex_token(l, l->i);
    memset(ch, 0, sizeof *ch);
    l->seen = 0;
    if (t == 0)
        return http_auth_lex_fail(l, from, "expected an auth scheme");
    if (http_auth_lex_starts_param(l))
        return http_auth_lex_fail(l, from, "a parameter before any auth scheme");
    ch->scheme = scheme_of(l->s + from, t);
    memcpy(ch->scheme_name, l->s + from,
           t < sizeof ch->scheme_name ? t : sizeof ch->scheme_name - 1);
    if (ch->scheme == HTTP_SCHEME_DIGEST)
        ch->algorithm = HTTP_ALG_MD5;
    l->i += t;
    if (l->i < l->n && l->s[l->i] != ',') {
        if (l->s[l->i] != ' ' && l->s[l->i] != '\t')
            return http_auth_lex_fail(l, from, "expected a space after the auth scheme");
        http_auth_lex_ows(l);
        if (l->i < l->n && l->s[l->i] != ',') {
            size_t end = http_auth_lex_token68(l);
            if (end != 0) {
                ch->token68 = 1;
                l->i = end;
            } else if (param(l, ch) != 0) {
                return -1;
            }
        }
    }
    for (;;) {
        http_auth_lex_ows(l);
        if (l->i >= l->n)
            return 0;
        if (l->s[l->i] != ',')
            return http_auth_lex_fail(l, from, "expected ',' after a parameter");
        http_auth_lex_seps(l);
        if (l->i >= l->n || !http_auth_lex_starts_param(l))
            return 0;
        if (param(l, ch) != 0)
            return -1;
    }
}

/* Keeps ch in out: appended while there is room, else in place of an
 * OTHER or Bearer challenge when it is Basic or Digest, else dropped. */
static void keep(const http_challenge *ch, http_challenge *out, int *count, int max)
{
    int j;
    if (*count < max) {
        out[(*count)++] = *ch;
        return;
    }
    if (ch->scheme != HTTP_SCHEME_BASIC && ch->scheme != HTTP_SCHEME_DIGEST)
        return;
    for (j = 0; j < *count; j++)
        if (out[j].scheme == HTTP_SCHEME_OTHER || out[j].scheme == HTTP_SCHEME_BEARER) {
            out[j] = *ch;
            return;
        }
}

int http_challenge_parse(const char *v, size_t n, http_challenge *out, int *count, int max,
                         gw_err *e)
{
    http_challenge ch;
    http_auth_lex l;
    int got = 0;
    if (*count < 0 || *count > max)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "http: challenge count %d outside 0..%d",
                          *count, max);
    if (n > GW_HTTP_HEADER_BYTES)
        return gw_err_set(e, GW_EPROTOCOL, "http: WWW-Authenticate value longer than %d bytes",
                          GW_HTTP_HEADER_BYTES);
    http_auth_lex_init(&l, v, n, "WWW-Authenticate", e);
    for (;;) {
        http_auth_lex_seps(&l);
        if (l.i >= l.n)
            break;
        if (challenge(&l, &ch) != 0)
            return -1;
        keep(&ch, out, count, max);
        got++;
    }
    if (!got)
        return http_auth_lex_fail(&l, 0, "no challenge in the value");
    return 0;
}

/* Digest strength for the pick: 0 unusable, else higher is stronger. */
static int digest_rank(const http_challenge *c)
{
    static const int by_alg[] = { 0, 1, 1, 2, 2, 3, 3 };
    if (c->scheme != HTTP_SCHEME_DIGEST || c->algorithm < HTTP_ALG_MD5
        || c->algorithm > HTTP_ALG_SHA512_256_SESS || c->nonce[0] == '\0')
        return 0;
    if (c->has_qop ? !(c->qop & (HTTP_QOP_AUTH | HTTP_QOP_AUTH_INT))
                   : c->algorithm % 2 == 0)
        return 0;                       /* no qop we do; -sess without qop */
    return 2 * by_alg[c->algorithm] + (c->has_qop ? 1 : 0);
}

int http_challenge_pick(const http_challenge *c, int count, int allow_basic)
{
    int i, best = -1, best_rank = 0;
    for (i = 0; i < count; i++) {
        int r = digest_rank(&c[i]);
        if (r == 0 && allow_basic && c[i].scheme == HTTP_SCHEME_BASIC)
            r = 1;
        if (r > best_rank) {
            best = i;
            best_rank = r;
        }
    }
    return best;
}

const char *http_digest_alg_name(int algorithm)
{
    if (algorithm < HTTP_ALG_MD5 || algorithm > HTTP_ALG_SHA512_256_SESS)
        return alg_names[0];
    return alg_names[algorithm];
}
