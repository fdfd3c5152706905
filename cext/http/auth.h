/* HTTP authentication, client side: WWW-Authenticate challenges (RFC 9110
 * 11.6.1), Digest (RFC 7616) and Basic (RFC 7617). Pure: the password
 * enters only to be hashed, and derived secrets are wiped.
 *
 *   authlex.c    the auth-param lexer both parsers share
 *   challenge.c  WWW-Authenticate parsing, the pick
 *   authinfo.c   Authentication-Info parsing
 *   digest.c     Digest state and hashing: answers, renonce, Authentication-Info checking
 *   digestval.c  the Authorization value: user-name rules, quoting, RFC 8187
 *   basic.c      Basic answers
 *
 * Errors never quote a password or HA1; parse errors quote at most ~60
 * bytes of the server's value, escaped. */
#ifndef GW_HTTP_AUTH_H
#define GW_HTTP_AUTH_H

#include <stddef.h>
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"

#define HTTP_AUTH_PARAM_MAX GW_HTTP_AUTH_PARAM_MAX     /* one parameter value, NUL included */
#define HTTP_AUTH_CHALLENGES GW_HTTP_AUTH_CHALLENGES   /* challenges kept from one response */

enum { HTTP_SCHEME_OTHER, HTTP_SCHEME_BASIC, HTTP_SCHEME_DIGEST, HTTP_SCHEME_BEARER };
enum { HTTP_ALG_MD5 = 1, HTTP_ALG_MD5_SESS, HTTP_ALG_SHA256, HTTP_ALG_SHA256_SESS,
       HTTP_ALG_SHA512_256, HTTP_ALG_SHA512_256_SESS };
#define HTTP_QOP_AUTH 1
#define HTTP_QOP_AUTH_INT 2

typedef struct http_challenge {
    int scheme;                     /* HTTP_SCHEME_* */
    char scheme_name[32];           /* as sent ("Negotiate"), cut to 31 bytes: for messages */
    char realm[HTTP_AUTH_PARAM_MAX];
    char nonce[HTTP_AUTH_PARAM_MAX];
    char opaque[HTTP_AUTH_PARAM_MAX];
    int has_opaque;
    int algorithm;                  /* HTTP_ALG_*; MD5 when absent; 0 unknown */
    int has_algorithm;              /* algorithm= was present (echoed in the answer) */
    unsigned qop;                   /* HTTP_QOP_* bits; 0 when absent (RFC 2069) */
    int has_qop;                    /* qop= was present (with only unknown values: unusable) */
    int stale, userhash, utf8;      /* stale=true, userhash=true, charset=UTF-8 */
    int token68;                    /* the challenge carried a token68 instead of parameters */
} http_challenge;

/* Parses one WWW-Authenticate (or Proxy-Authenticate) field value, which
 * may hold several challenges, appending them to out[*count..max); call it
 * once per field line with the same array. Quoted strings may hold commas
 * and escapes; scheme and parameter names and the token values Digest uses
 * (algorithm, qop, stale, userhash, charset) are case-insensitive; unknown
 * parameters are skipped and unknown schemes kept as OTHER. A token followed
 * by a space and not '=' starts a new challenge. When out is full a Basic
 * or Digest challenge takes the place of an OTHER or Bearer one, else it is
 * dropped. 0, or -1 with e set (GW_EPROTOCOL, the message names the fault
 * and quotes the input near it): no challenge at all, an unterminated or
 * CTL-holding quoted string, a parameter without '=' or value, a missing
 * comma, a parameter Digest uses given twice, a realm/nonce/opaque longer
 * than HTTP_AUTH_PARAM_MAX - 1, a value longer than GW_HTTP_HEADER_BYTES.
 * *count is updated even on error (challenges stored before the fault). */
int http_challenge_parse(const char *v, size_t n, http_challenge *out, int *count, int max,
                         gw_err *e);
/* The index of the challenge to answer: the strongest Digest algorithm
 * gwkit supports (SHA-512-256, SHA-256, MD5; -sess variants alike) with a
 * nonce and a qop gwkit can do (auth, auth-int, or none: RFC 2069), ties to
 * the one with a qop, then the first; then Basic when `allow_basic`; -1 when
 * none. */
int http_challenge_pick(const http_challenge *c, int count, int allow_basic);
/* "MD5", "MD5-sess", "SHA-256", ... for HTTP_ALG_*, "unknown" otherwise. */
const char *http_digest_alg_name(int algorithm);

/* An Authentication-Info value (RFC 7616 3.5), parsed. */
typedef struct http_auth_info {
    char nextnonce[HTTP_AUTH_PARAM_MAX];
    char rspauth[HTTP_AUTH_PARAM_MAX];
    char cnonce[HTTP_AUTH_PARAM_MAX];
    unsigned long nc;
    unsigned qop;                   /* HTTP_QOP_AUTH or _AUTH_INT; 0 when absent */
    int has_nextnonce, has_rspauth, has_cnonce, has_nc;
} http_auth_info;

/* Parses an Authentication-Info field value (a list of auth-params; unknown
 * ones skipped). 0, or -1 with e set (GW_EPROTOCOL): bad syntax, a value
 * too long, nc not 8 hex digits, a qop other than auth/auth-int. */
int http_auth_info_parse(const char *v, size_t n, http_auth_info *out, gw_err *e);

/* State for answering one Digest challenge repeatedly (a session reuses the
 * nonce with an increasing nc). Zero it (memset, = {0}, or a wipe) before
 * its first start; the options want_auth_int and test_cnonce may be set
 * before http_digest_start (which keeps them and clears the rest) or after
 * it, before an answer. */
typedef struct http_digest {
    http_challenge ch;
    unsigned long nc;               /* of the last answer; 0 before the first */
    char cnonce[GW_HTTP_DIGEST_CNONCE_MAX + 1]; /* of the last answer ("" without qop) */
    char ha1[129];                  /* hex H(A1); for -sess the session key; wiped */
    char userkey[129];              /* -sess only: hex H(user:realm:password); wiped */
    char response[129];             /* the last request-digest */
    int qop_used;                   /* the qop of the last answer, 0 for none */
    int want_auth_int;              /* option: qop=auth-int when offered (else auth first) */
    const char *test_cnonce;        /* option, RFC vectors only: this cnonce, not a random one */
} http_digest;

/* Prepares the state for a Digest challenge: computes HA1 from user and
 * password; the password is not kept. Call http_digest_wipe when done, also
 * after an error. 0, or -1 with e set: GW_EAUTH_UNAVAILABLE for a challenge
 * that is not a usable Digest one (unknown algorithm, only unknown qop
 * values, no nonce); GW_EBAD_ARGUMENT for a user name with CR, LF or NUL, a
 * non-ASCII user name when the challenge has neither userhash=true nor
 * charset=UTF-8 (or is not UTF-8 then), a user or password over the bounds. */
int http_digest_start(http_digest *d, const http_challenge *ch, const char *user,
                      const char *password, gw_err *e);
/* Appends the Authorization field value for one request to out (nc
 * incremented; out is left as it was on error). user must be the one given
 * to start; uri is the request-target as sent; body is the request body
 * (hashed for qop=auth-int only; NULL with body_len 0 is an empty body).
 * 0, or -1 with e set: GW_EBAD_ARGUMENT for a method that is not a token, a
 * uri or user with CR, LF, NUL or another CTL, out's cap reached;
 * GW_EAUTH_UNAVAILABLE when nc would pass ffffffff; GW_ENOMEM. */
int http_digest_answer(http_digest *d, const char *user, const char *method,
                       const char *uri, const char *body, size_t body_len,
                       gw_buf *out, gw_err *e);
/* Takes a new nonce (Authentication-Info nextnonce): nc restarts at 1; HA1
 * is kept (for -sess a new session key is made at the next answer). 0, or
 * -1 with e set (GW_EPROTOCOL for an empty or too long nonce or one with a
 * CTL). */
int http_digest_renonce(http_digest *d, const char *nonce, gw_err *e);
/* Takes a whole new challenge for the same realm and hash function (a 401
 * with stale=true): nonce, opaque, qop, -sess, userhash, charset may all
 * change; HA1 (which depends on user, realm and password only) is kept, so
 * the password is not needed again. -1 with GW_EAUTH_UNAVAILABLE when the
 * realm or the hash function differs or the challenge is not usable: call
 * http_digest_start again then. */
int http_digest_rechallenge(http_digest *d, const http_challenge *ch, gw_err *e);
/* Checks an Authentication-Info value after a 2xx to the last answer:
 * rspauth (when present) must match the response digest computed with an
 * empty method (body: the response body, for qop=auth-int); cnonce and nc
 * (when present) must be the last answer's; then a nextnonce is taken
 * (renonce). user is not used (kept for symmetry with answer). 0, or -1
 * with e set: GW_EAUTH_FAILED when rspauth does not match; GW_EPROTOCOL for
 * a malformed value, an rspauth before any answer, cnonce or nc of another
 * request. */
int http_digest_check_info(http_digest *d, const char *user, const char *uri,
                           const char *v, size_t n, const char *body, size_t body_len,
                           gw_err *e);
/* Wipes HA1, the session key and the whole state. Idempotent. */
void http_digest_wipe(http_digest *d);

/* The auth-param lexer behind the parsers above (RFC 9110 5.6.2-5.6.4 and
 * 11.2: tokens, quoted strings, token68, list elements), in authlex.c.
 * For challenge.c and authinfo.c; other code calls the parsers. Every
 * failure is GW_EPROTOCOL "http: FIELD: WHAT at byte N: \"INPUT\"" with the
 * input quoted from `from`, at most ~60 bytes, escaped. */
typedef struct http_auth_lex {
    const char *s;
    size_t n, i;                    /* the value and the position in it */
    const char *field;              /* "WWW-Authenticate", for messages */
    unsigned seen;                  /* known parameter names met (bits), for duplicates */
    gw_err *e;
} http_auth_lex;

void http_auth_lex_init(http_auth_lex *l, const char *s, size_t n, const char *field,
                        gw_err *e);
int http_auth_lex_fail(const http_auth_lex *l, size_t from, const char *what);
/* 1 when p[0..n) equals the literal, ASCII case-insensitively. */
int http_auth_ieq(const char *p, size_t n, const char *lit);
/* Skips whitespace; _seps also commas (empty list elements). */
void http_auth_lex_ows(http_auth_lex *l);
void http_auth_lex_seps(http_auth_lex *l);
/* The length of the token at `at` (0 when none). */
size_t http_auth_lex_token(const http_auth_lex *l, size_t at);
/* 1 when a token, BWS and '=' start at the position: a parameter. */
int http_auth_lex_starts_param(const http_auth_lex *l);
/* The end of a token68 that ends its list element at the position, or 0. */
size_t http_auth_lex_token68(const http_auth_lex *l);
/* Reads `name BWS "=" BWS`; *which gets the index of the name in
 * names[0..count) (case-insensitive, count <= 32) or count. A name whose
 * bit is set in `once` fails when met twice since l->seen was cleared. */
int http_auth_lex_name(http_auth_lex *l, size_t from, const char *const *names, int count,
                       unsigned once, int *which);
/* Reads a token or quoted-string value. When dst is not NULL the decoded
 * value goes there, cut at cap - 1 bytes and NUL-terminated; *len gets the
 * whole decoded length. CTLs other than HTAB fail. */
int http_auth_lex_value(http_auth_lex *l, size_t from, char *dst, size_t cap, size_t *len);
/* The same into dst[HTTP_AUTH_PARAM_MAX]; longer fails ("NAME longer than"). */
int http_auth_lex_kept(http_auth_lex *l, size_t from, const char *name, char *dst);

/* The Authorization value's syntax, in digestval.c, for digest.c. */
/* 1 when s is printable ASCII (goes into a quoted-string as it is). */
int http_digest_ascii(const char *s);
/* The user name can be sent for ch (RFC 7616 3.4.4): no CR/LF, within the
 * bound, printable ASCII, or else userhash, or else charset=UTF-8 and
 * valid UTF-8. 0 or -1 (GW_EBAD_ARGUMENT). */
int http_digest_check_user(const http_challenge *ch, const char *user, gw_err *e);
/* The method is a token, the uri free of CTLs, both within bounds. */
int http_digest_check_request(const char *method, const char *uri, gw_err *e);
/* Appends the Authorization value for d's challenge and last cnonce:
 * username (userhash: the hex given; non-ASCII: username*), realm, uri,
 * algorithm (when the challenge had one), nonce, nc, cnonce and qop (when
 * qop is not 0), response, opaque, userhash. Quoted values are escaped; a
 * CTL other than HTAB in any of them fails (GW_EBAD_ARGUMENT). */
int http_digest_write(const http_digest *d, const char *user, const char *userhash,
                      const char *uri, int qop, const char *response, gw_buf *out,
                      gw_err *e);

/* Appends "Basic " base64(user ":" password) to out (RFC 7617 2; the bytes
 * are sent as given, UTF-8 expected). The joined secret is wiped. 0, or -1
 * with e set (GW_EBAD_ARGUMENT): a colon in user, a CTL (CR, LF, ...) in
 * user or password, either over the bounds, out's cap reached; GW_ENOMEM. */
int http_basic_answer(const char *user, const char *password, gw_buf *out, gw_err *e);

#endif
