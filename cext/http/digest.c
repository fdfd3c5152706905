/* Digest access authentication, client side: RFC 7616 3.4 (the answer),
 * 3.4.4 (userhash), 3.5 (Authentication-Info); RFC 2617 -sess keying; RFC
 * 2069 answers when the challenge has no qop.
 *
 *   HA1      = H(user ":" realm ":" password)
 *   -sess    = H(HA1 ":" nonce ":" cnonce), made at the first answer for a
 *              nonce; that cnonce then stays for the nonce, so servers that
 *              key by the first cnonce and servers that key by each
 *              request's cnonce agree
 *   HA2      = H(method ":" uri), auth-int: H(method ":" uri ":" H(body))
 *   response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2),
 *              without qop H(HA1 ":" nonce ":" HA2)
 *   rspauth  = the same with an empty method (and the response body)
 *
 * SHA-512-256 is SHA-512/256 of FIPS 180-4 (OpenSSL "SHA512-256"), as RFC
 * 7616 3.2 says; the numbers printed in its 3.9.2 example come from SHA-512
 * cut to 256 bits instead (tests/unit/test_http_auth.c shows both). The
 * password is hashed at start and not kept; HA1 and the -sess base key live
 * in the state until http_digest_wipe, joined inputs in wiped buffers. The
 * header text is digestval.c's. */
#include <string.h>
#include "core/crypto.h"
#include "auth.h"

/* Longest string hashed: A1 with the longest user, realm and password. */
#define JOIN_MAX (GW_HTTP_AUTH_USER_MAX + GW_HTTP_AUTH_SECRET_MAX + GW_HTTP_URL_MAX \
                  + 3 * HTTP_AUTH_PARAM_MAX)
#define NC_MAX 0xfffffffful

/* 1 MD5, 2 SHA-256, 3 SHA-512/256 */
static int family(int alg)
{
    return (alg + 1) / 2;
}

static const char *md_name(int alg)
{
    static const char *const names[] = { "MD5", "MD5", "SHA256", "SHA512-256" };
    return names[family(alg) & 3];
}

static int is_sess(int alg)
{
    return alg == HTTP_ALG_MD5_SESS || alg == HTTP_ALG_SHA256_SESS
        || alg == HTTP_ALG_SHA512_256_SESS;
}

/* hex[129] = hex H(parts[0] ":" parts[1] ...). */
static int hash_join(int alg, const char *const *parts, int n, char *hex, gw_err *e)
{
    unsigned char md[GW_MD_MAX];
    unsigned len = 0;
    gw_buf b;
    int i, rc = -1, br = 0;
    gw_buf_init(&b, JOIN_MAX);
    for (i = 0; i < n && br == 0; i++)
        if ((br = gw_buf_append(&b, ":", i ? 1 : 0)) == 0)
            br = gw_buf_puts(&b, parts[i]);
    if (br != 0) {
        gw_err_set(e, br == GW_BUF_ENOMEM ? GW_ENOMEM : GW_EBAD_ARGUMENT,
                   "http: Digest: out of memory or input too long");
        goto done;
    }
    if (gw_digest(md_name(alg), b.data ? b.data : "", b.len, md, &len) != 0 || len > 64) {
        gw_err_set(e, GW_EAUTH_UNAVAILABLE, "http: Digest: %s is not available in OpenSSL",
                   md_name(alg));
        goto done;
    }
    gw_hex(md, len, hex);
    rc = 0;
done:
    gw_wipe(md, sizeof md);
    gw_buf_free(&b);
    return rc;
}

/* A challenge gwkit can answer. */
static int usable(const http_challenge *ch, gw_err *e)
{
    if (!ch || ch->scheme != HTTP_SCHEME_DIGEST)
        return gw_err_set(e, GW_EAUTH_UNAVAILABLE, "http: Digest: not a Digest challenge");
    if (ch->algorithm < HTTP_ALG_MD5 || ch->algorithm > HTTP_ALG_SHA512_256_SESS)
        return gw_err_set(e, GW_EAUTH_UNAVAILABLE, "http: Digest: the server's algorithm is "
                          "none of MD5, SHA-256, SHA-512-256 (or their -sess)");
    if (ch->has_qop && !(ch->qop & (HTTP_QOP_AUTH | HTTP_QOP_AUTH_INT)))
        return gw_err_set(e, GW_EAUTH_UNAVAILABLE, "http: Digest: the server offers no qop "
                          "gwkit supports (auth, auth-int)");
    if (!ch->has_qop && is_sess(ch->algorithm))
        return gw_err_set(e, GW_EAUTH_UNAVAILABLE, "http: Digest: %s without qop",
                          http_digest_alg_name(ch->algorithm));
    if (ch->nonce[0] == '\0')
        return gw_err_set(e, GW_EAUTH_UNAVAILABLE, "http: Digest: the challenge has no nonce");
    return 0;
}

/* d->ch = *ch, its strings NUL-terminated whatever the caller built. */
static void take(http_digest *d, const http_challenge *ch)
{
    d->ch = *ch;
    d->ch.scheme_name[sizeof d->ch.scheme_name - 1] = '\0';
    d->ch.realm[HTTP_AUTH_PARAM_MAX - 1] = '\0';
    d->ch.nonce[HTTP_AUTH_PARAM_MAX - 1] = '\0';
    d->ch.opaque[HTTP_AUTH_PARAM_MAX - 1] = '\0';
}

int http_digest_start(http_digest *d, const http_challenge *ch, const char *user,
                      const char *password, gw_err *e)
{
    const char *parts[3], *test_cnonce = d->test_cnonce;
    int want_auth_int = d->want_auth_int;
    memset(d, 0, sizeof *d);
    d->test_cnonce = test_cnonce;       /* the options survive the start */
    d->want_auth_int = want_auth_int;
    if (usable(ch, e) != 0)
        goto fail;
    take(d, ch);
    if (http_digest_check_user(&d->ch, user, e) != 0)
        goto fail;
    if (!password || strlen(password) > GW_HTTP_AUTH_SECRET_MAX) {
        gw_err_set(e, GW_EBAD_ARGUMENT, "http: Digest: password missing or longer than %d "
                   "bytes", GW_HTTP_AUTH_SECRET_MAX);
        goto fail;
    }
    parts[0] = user;
    parts[1] = d->ch.realm;
    parts[2] = password;
    if (hash_join(ch->algorithm, parts, 3, is_sess(ch->algorithm) ? d->userkey : d->ha1, e))
        goto fail;
    return 0;
fail:
    http_digest_wipe(d);
    return -1;
}

static int started(const http_digest *d, gw_err *e)
{
    if (d->ch.scheme != HTTP_SCHEME_DIGEST || (d->ha1[0] == '\0' && d->userkey[0] == '\0'))
        return gw_err_set(e, GW_EBAD_ARGUMENT, "http: Digest: no successful start");
    return 0;
}

/* The cnonce for the next answer: the test one, or random bytes in hex. */
static int new_cnonce(http_digest *d, gw_err *e)
{
    unsigned char r[GW_HTTP_DIGEST_CNONCE_BYTES];
    if (d->test_cnonce) {
        size_t n = strlen(d->test_cnonce);
        if (n == 0 || n > GW_HTTP_DIGEST_CNONCE_MAX || !http_digest_ascii(d->test_cnonce))
            return gw_err_set(e, GW_EBAD_ARGUMENT, "http: Digest: test_cnonce must be 1..%d "
                              "printable ASCII bytes", GW_HTTP_DIGEST_CNONCE_MAX);
        memcpy(d->cnonce, d->test_cnonce, n + 1);
        return 0;
    }
    if (gw_random(r, sizeof r) != 0)
        return gw_err_set(e, GW_EAUTH_UNAVAILABLE, "http: Digest: no random bytes from OpenSSL");
    gw_hex(r, sizeof r, d->cnonce);
    return 0;
}

/* hex H(method ":" uri [":" H(body)]) into ha2[129]. */
static int hash_a2(const http_digest *d, int qop, const char *method, const char *uri,
                   const char *body, size_t body_len, char *ha2, gw_err *e)
{
    char hbody[129];
    const char *parts[3];
    parts[0] = method;
    parts[1] = uri;
    parts[2] = hbody;
    if (qop == HTTP_QOP_AUTH_INT) {
        unsigned char md[GW_MD_MAX];
        unsigned len = 0;
        if (gw_digest(md_name(d->ch.algorithm), body ? body : "", body ? body_len : 0, md,
                      &len) != 0 || len > 64)
            return gw_err_set(e, GW_EAUTH_UNAVAILABLE, "http: Digest: %s failed in OpenSSL",
                              md_name(d->ch.algorithm));
        gw_hex(md, len, hbody);
    }
    return hash_join(d->ch.algorithm, parts, qop == HTTP_QOP_AUTH_INT ? 3 : 2, ha2, e);
}

/* hex KD(HA1, nonce:nc:cnonce:qop:HA2), or H(HA1:nonce:HA2) without qop,
 * with d's nonce, nc and cnonce. */
static int hash_response(const http_digest *d, int qop, const char *ha2, char *out, gw_err *e)
{
    static const char hex[] = "0123456789abcdef";
    char ncs[9];
    const char *parts[6];
    int i;
    for (i = 0; i < 8; i++)
        ncs[i] = hex[(d->nc >> (28 - 4 * i)) & 15];
    ncs[8] = '\0';
    parts[0] = d->ha1;
    parts[1] = d->ch.nonce;
    if (!qop) {
        parts[2] = ha2;
        return hash_join(d->ch.algorithm, parts, 3, out, e);
    }
    parts[2] = ncs;
    parts[3] = d->cnonce;
    parts[4] = qop == HTTP_QOP_AUTH_INT ? "auth-int" : "auth";
    parts[5] = ha2;
    return hash_join(d->ch.algorithm, parts, 6, out, e);
}

/* auth unless auth-int is wanted or the only one; 0 without qop. */
static int choose_qop(const http_digest *d)
{
    if (!d->ch.has_qop)
        return 0;
    if ((d->ch.qop & HTTP_QOP_AUTH_INT) && (d->want_auth_int || !(d->ch.qop & HTTP_QOP_AUTH)))
        return HTTP_QOP_AUTH_INT;
    return HTTP_QOP_AUTH;
}

int http_digest_answer(http_digest *d, const char *user, const char *method,
                       const char *uri, const char *body, size_t body_len,
                       gw_buf *out, gw_err *e)
{
    char ha2[129], resp[129], uh[129];
    const char *parts[3];
    unsigned long old_nc = d->nc;
    int qop, sess = is_sess(d->ch.algorithm), rc = -1;
    uh[0] = '\0';
    if (started(d, e) != 0 || http_digest_check_user(&d->ch, user, e) != 0
        || http_digest_check_request(method, uri, e) != 0)
        return -1;
    if (!body && body_len)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "http: Digest: body length without a body");
    if (d->nc >= NC_MAX)
        return gw_err_set(e, GW_EAUTH_UNAVAILABLE, "http: Digest: nonce used %lu times, a new "
                          "challenge is needed", NC_MAX);
    qop = choose_qop(d);
    if (!qop)
        d->cnonce[0] = '\0';
    else if ((!sess || d->ha1[0] == '\0') && new_cnonce(d, e) != 0)
        goto done;
    if (sess && d->ha1[0] == '\0') {
        parts[0] = d->userkey;
        parts[1] = d->ch.nonce;
        parts[2] = d->cnonce;
        if (hash_join(d->ch.algorithm, parts, 3, d->ha1, e) != 0)
            goto done;
    }
    d->nc = old_nc + 1;
    if (hash_a2(d, qop, method, uri, body, body_len, ha2, e) != 0
        || hash_response(d, qop, ha2, resp, e) != 0)
        goto done;
    if (d->ch.userhash) {
        parts[0] = user;
        parts[1] = d->ch.realm;
        if (hash_join(d->ch.algorithm, parts, 2, uh, e) != 0)
            goto done;
    }
    if (http_digest_write(d, user, d->ch.userhash ? uh : NULL, uri, qop, resp, out, e) != 0)
        goto done;
    memcpy(d->response, resp, sizeof resp);
    d->qop_used = qop;
    rc = 0;
done:
    if (rc != 0)
        d->nc = old_nc;
    return rc;
}

int http_digest_renonce(http_digest *d, const char *nonce, gw_err *e)
{
    size_t i, n = nonce ? strlen(nonce) : 0;
    if (started(d, e) != 0)
        return -1;
    if (n == 0 || n >= HTTP_AUTH_PARAM_MAX)
        return gw_err_set(e, GW_EPROTOCOL, "http: Digest: new nonce empty or longer than %d "
                          "bytes", HTTP_AUTH_PARAM_MAX - 1);
    for (i = 0; i < n; i++)
        if ((unsigned char)nonce[i] < 0x20 || nonce[i] == 0x7f)
            return gw_err_set(e, GW_EPROTOCOL, "http: Digest: control character in the new "
                              "nonce");
    memmove(d->ch.nonce, nonce, n + 1);
    d->nc = 0;
    d->ch.stale = 0;
    if (is_sess(d->ch.algorithm))
        gw_wipe(d->ha1, sizeof d->ha1);         /* a new session key at the next answer */
    return 0;
}

int http_digest_rechallenge(http_digest *d, const http_challenge *ch, gw_err *e)
{
    int was = is_sess(d->ch.algorithm), now;
    if (started(d, e) != 0 || usable(ch, e) != 0)
        return -1;
    now = is_sess(ch->algorithm);
    if (strncmp(ch->realm, d->ch.realm, HTTP_AUTH_PARAM_MAX) != 0
        || family(ch->algorithm) != family(d->ch.algorithm))
        return gw_err_set(e, GW_EAUTH_UNAVAILABLE, "http: Digest: the new challenge has "
                          "another realm or hash function: the password is needed again");
    if (!was && now) {
        memcpy(d->userkey, d->ha1, sizeof d->userkey);
        gw_wipe(d->ha1, sizeof d->ha1);
    } else if (was && !now) {
        memcpy(d->ha1, d->userkey, sizeof d->ha1);
        gw_wipe(d->userkey, sizeof d->userkey);
    } else if (was) {
        gw_wipe(d->ha1, sizeof d->ha1);
    }
    take(d, ch);
    d->nc = 0;
    d->cnonce[0] = '\0';
    d->qop_used = 0;
    return 0;
}

/* The rspauth of info proves the server knows HA1 (RFC 7616 3.5). */
static int check_rspauth(const http_digest *d, http_auth_info *info, const char *uri,
                         const char *body, size_t body_len, gw_err *e)
{
    char ha2[129], want[129];
    size_t k, len = strlen(info->rspauth);
    int qop = info->qop ? (int)info->qop : d->qop_used;
    if (d->nc == 0)
        return gw_err_set(e, GW_EPROTOCOL, "http: Authentication-Info: rspauth before any "
                          "Digest answer");
    if (info->has_cnonce && strcmp(info->cnonce, d->cnonce) != 0)
        return gw_err_set(e, GW_EPROTOCOL, "http: Authentication-Info: cnonce is not the "
                          "request's");
    if (info->has_nc && info->nc != d->nc)
        return gw_err_set(e, GW_EPROTOCOL, "http: Authentication-Info: nc=%08lx, the request "
                          "had nc=%08lx", info->nc, d->nc);
    if (qop != d->qop_used)
        return gw_err_set(e, GW_EPROTOCOL, "http: Authentication-Info: qop is not the "
                          "request's");
    if (!uri || (!body && body_len))
        return gw_err_set(e, GW_EBAD_ARGUMENT, "http: Digest: no uri, or a body length "
                          "without a body");
    if (hash_a2(d, qop, "", uri, body, body_len, ha2, e) != 0
        || hash_response(d, qop, ha2, want, e) != 0)
        return -1;
    for (k = 0; k < len; k++)           /* hex digits in either case */
        if (info->rspauth[k] >= 'A' && info->rspauth[k] <= 'F')
            info->rspauth[k] = (char)(info->rspauth[k] - 'A' + 'a');
    if (len != strlen(want) || !gw_memeq(info->rspauth, want, len))
        return gw_err_set(e, GW_EAUTH_FAILED, "http: Authentication-Info rspauth does not "
                          "match: the server did not prove it knows the password");
    return 0;
}

int http_digest_check_info(http_digest *d, const char *user, const char *uri,
                           const char *v, size_t n, const char *body, size_t body_len,
                           gw_err *e)
{
    http_auth_info info;
    (void)user;
    if (started(d, e) != 0 || http_auth_info_parse(v, n, &info, e) != 0)
        return -1;
    if (info.has_rspauth && check_rspauth(d, &info, uri, body, body_len, e) != 0)
        return -1;
    if (info.has_nextnonce)
        return http_digest_renonce(d, info.nextnonce, e);
    return 0;
}

void http_digest_wipe(http_digest *d)
{
    if (d)
        gw_wipe(d, sizeof *d);
}
