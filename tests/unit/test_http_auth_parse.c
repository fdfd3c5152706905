/* WWW-Authenticate and Authentication-Info parsing, and the pick among
 * challenges (RFC 9110 11.6.1, RFC 7616 3.3, 3.5, 3.7), as tables: each
 * value with the parse it must give, as a one-line summary, or the error
 * it must give. */
#include <stdlib.h>
#include "http/auth.h"
#include "unit/check.h"

static const char *const scheme_names[] = { "other:", "Basic", "Digest", "Bearer" };

/* A one-line picture of the challenges: "Digest realm=x nonce=y ... | Basic realm=z". */
static void summary(const http_challenge *c, int n, char *out, size_t cap)
{
    int i;
    size_t o = 0;
    out[0] = '\0';
    for (i = 0; i < n && o < cap; i++) {
        const http_challenge *h = &c[i];
        o += (size_t)snprintf(out + o, cap - o, "%s%s%s", i ? " | " : "",
                              scheme_names[h->scheme],
                              h->scheme == HTTP_SCHEME_OTHER ? h->scheme_name : "");
        if (o < cap && h->realm[0])
            o += (size_t)snprintf(out + o, cap - o, " realm=%s", h->realm);
        if (o < cap && h->nonce[0])
            o += (size_t)snprintf(out + o, cap - o, " nonce=%s", h->nonce);
        if (o < cap && h->has_opaque)
            o += (size_t)snprintf(out + o, cap - o, " opaque=%s", h->opaque);
        if (o < cap && h->has_algorithm)
            o += (size_t)snprintf(out + o, cap - o, " alg=%s",
                                  http_digest_alg_name(h->algorithm));
        if (o < cap && h->has_qop)
            o += (size_t)snprintf(out + o, cap - o, " qop=%s%s%s",
                                  h->qop & HTTP_QOP_AUTH ? "auth" : "",
                                  h->qop == 3 ? "," : "",
                                  h->qop & HTTP_QOP_AUTH_INT ? "auth-int" : h->qop ? "" : "-");
        if (o < cap)
            o += (size_t)snprintf(out + o, cap - o, "%s%s%s%s", h->stale ? " stale" : "",
                                  h->userhash ? " userhash" : "", h->utf8 ? " utf8" : "",
                                  h->token68 ? " t68" : "");
    }
}

struct pcase {
    const char *in;
    const char *want;       /* the summary, or a part of the error message */
    int ok;
};

static const struct pcase parses[] = {
    /* the brief's example: two schemes in one value */
    { "Digest realm=\"x\", nonce=\"y\", qop=\"auth,auth-int\", algorithm=SHA-256, Basic realm=\"z\"",
      "Digest realm=x nonce=y alg=SHA-256 qop=auth,auth-int | Basic realm=z", 1 },
    /* RFC 7616 3.9.1, folded onto one line */
    { "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", "
      "algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
      "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
      "Digest realm=http-auth@example.org nonce=7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v "
      "opaque=FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS alg=SHA-256 qop=auth,auth-int", 1 },
    /* odd case everywhere */
    { "DIGEST REALM=\"x\", NONCE=\"y\", Algorithm=md5-SESS, QOP=auth",
      "Digest realm=x nonce=y alg=MD5-sess qop=auth", 1 },
    { "digest realm=\"x\", nonce=\"y\", algorithm=sha-512-256",
      "Digest realm=x nonce=y alg=SHA-512-256", 1 },
    /* odd order, whitespace around '=', unquoted values, tabs */
    { "Digest qop=\"auth\", nonce=\"n\", opaque=\"o\", realm=\"r\"",
      "Digest realm=r nonce=n opaque=o qop=auth", 1 },
    { "Digest realm = \"r\" , nonce= n ,qop =auth",
      "Digest realm=r nonce=n qop=auth", 1 },
    { "Digest\trealm=\"r\",\tnonce=\"n\"", "Digest realm=r nonce=n", 1 },
    { "Basic realm=simple", "Basic realm=simple", 1 },
    /* empty list elements */
    { ", , Digest realm=\"r\", , nonce=\"n\",, , Basic realm=\"b\" ,",
      "Digest realm=r nonce=n | Basic realm=b", 1 },
    /* commas and escapes inside quoted strings */
    { "Digest realm=\"a, b, c\", nonce=\"x,y\"", "Digest realm=a, b, c nonce=x,y", 1 },
    { "Digest realm=\"say \\\"hi\\\" \\\\ bye\", nonce=\"n\"",
      "Digest realm=say \"hi\" \\ bye nonce=n", 1 },
    { "Basic realm=\"\"", "Basic", 1 },
    /* token68, unknown schemes with and without parameters */
    { "Bearer abc.def-ghi/jkl+mn==, Basic realm=\"b\"", "Bearer t68 | Basic realm=b", 1 },
    { "Negotiate", "other:Negotiate", 1 },
    { "Negotiate, NTLM", "other:Negotiate | other:NTLM", 1 },
    { "NTLM TlRMTVNTUAACAAAADAAMADAAAAA=", "other:NTLM t68", 1 },
    { "Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", Basic realm=\"simple\"",
      "other:Newauth realm=apps | Basic realm=simple", 1 },
    { "Bearer realm=\"example\", error=\"invalid_token\", error_description=\"expired\"",
      "Bearer realm=example", 1 },
    /* flags, unknown algorithm and qop values, Basic charset */
    { "Digest realm=\"r\", nonce=\"n\", stale=TRUE, userhash=\"true\", charset=\"utf-8\"",
      "Digest realm=r nonce=n stale userhash utf8", 1 },
    { "Digest realm=\"r\", nonce=\"n\", stale=false, userhash=false",
      "Digest realm=r nonce=n", 1 },
    { "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-1", "Digest realm=r nonce=n alg=unknown", 1 },
    { "Digest realm=\"r\", nonce=\"n\", qop=\"auth-conf\"", "Digest realm=r nonce=n qop=-", 1 },
    { "Digest realm=\"r\", nonce=\"n\", qop=\" auth-int , auth \"",
      "Digest realm=r nonce=n qop=auth,auth-int", 1 },
    { "Basic realm=\"r\", charset=\"UTF-8\"", "Basic realm=r utf8", 1 },
    /* a Digest-only parameter on another scheme is skipped, even twice */
    { "Basic realm=\"r\", nonce=\"a\", nonce=\"b\"", "Basic realm=r", 1 },
    /* lenient: the parameters start after a comma */
    { "Basic, realm=\"x\"", "Basic realm=x", 1 },
    /* "realm=" alone after a scheme is a token68 (RFC 9110 11.2) */
    { "Digest realm=", "Digest t68", 1 },

    /* malformed */
    { "", "no challenge in the value", 0 },
    { "   ", "no challenge in the value", 0 },
    { ", , ,", "no challenge in the value", 0 },
    { ",=,=,", "expected an auth scheme", 0 },
    { "=\"x\"", "expected an auth scheme", 0 },
    { "realm=\"r\"", "a parameter before any auth scheme", 0 },
    { "Digest realm=\"unterminated", "unterminated quoted string", 0 },
    { "Digest realm=\"x\\", "unterminated quoted string", 0 },
    { "Digest realm \"x\"", "expected '=' after a parameter name", 0 },
    { "Bearer abc def", "expected '=' after a parameter name", 0 },
    { "Digest realm=\"r\", nonce=", "expected a token or a quoted string after '='", 0 },
    { "Digest realm=@", "expected a token or a quoted string after '='", 0 },
    { "Digest realm=\"r\" nonce=\"n\"", "expected ',' after a parameter", 0 },
    { "Digest realm=a b", "expected ',' after a parameter", 0 },
    { "Digest nonce=\"a\", NONCE=\"b\"", "parameter nonce given twice", 0 },
    { "Digest\"x\"", "expected a space after the auth scheme", 0 },
    { "Digest realm=\"a\r\nX-Injected: 1\"", "control character in a quoted string", 0 },
    { "Digest realm=\"a\\\nb\"", "control character in a quoted string", 0 },
};

/* s as a test name: CTLs shown as '.' so that the TAP lines stay lines. */
static const char *name_of(const char *s)
{
    static char buf[256];
    size_t i;
    for (i = 0; s[i] && i + 1 < sizeof buf; i++)
        buf[i] = (unsigned char)s[i] < 0x20 ? '.' : s[i];
    buf[i] = '\0';
    return buf;
}

static void test_parses(void)
{
    size_t i;
    for (i = 0; i < sizeof parses / sizeof parses[0]; i++) {
        const struct pcase *t = &parses[i];
        http_challenge c[HTTP_AUTH_CHALLENGES];
        gw_err e;
        int n = 0, rc;
        gw_err_clear(&e);
        rc = http_challenge_parse(t->in, strlen(t->in), c, &n, HTTP_AUTH_CHALLENGES, &e);
        if (t->ok) {
            char got[2048];
            CHECK(rc == 0, name_of(t->in));
            if (rc != 0)
                printf("#   error: %s\n", e.msg);
            summary(c, n, got, sizeof got);
            CHECK_STR(got, t->want, name_of(t->in));
        } else {
            CHECK(rc == -1 && e.kind == GW_EPROTOCOL, name_of(t->in));
            if (!CHECK(strstr(e.msg, t->want) != NULL, t->want))
                check_show(e.msg, t->want);
        }
    }
}

/* The exact message: the fault, its byte, the input from the element, escaped. */
static void test_messages(void)
{
    const char *v = "Digest realm=\"a\x01" "b\"";
    char big[HTTP_AUTH_PARAM_MAX + 64];
    http_challenge c[HTTP_AUTH_CHALLENGES];
    gw_err e;
    int n = 0;
    CHECK(http_challenge_parse(v, strlen(v), c, &n, HTTP_AUTH_CHALLENGES, &e) == -1, "ctl");
    CHECK_STR(e.msg, "http: WWW-Authenticate: control character in a quoted string at byte 15: "
              "\"realm=\\\"a\\x01b\\\"\"", "message names the fault, the byte, the input");
    v = "Basic realm=\"x\", Digest realm=\"y\" nonce=\"z\"";
    n = 0;
    CHECK(http_challenge_parse(v, strlen(v), c, &n, HTTP_AUTH_CHALLENGES, &e) == -1, "late fault");
    CHECK(n == 1 && c[0].scheme == HTTP_SCHEME_BASIC, "challenges before the fault are kept");
    CHECK_STR(e.msg, "http: WWW-Authenticate: expected ',' after a parameter at byte 34: "
              "\"Digest realm=\\\"y\\\" nonce=\\\"z\\\"\"", "quotes from the challenge");
    /* a long value: at most 60 input bytes quoted, then "..." */
    memcpy(big, "Digest realm=\"", 14);
    memset(big + 14, 'A', 300);
    big[314] = '\0';
    n = 0;
    CHECK(http_challenge_parse(big, 314, c, &n, HTTP_AUTH_CHALLENGES, &e) == -1, "long");
    CHECK(strstr(e.msg, "unterminated quoted string at the end of the value") != NULL, "long: what");
    CHECK(strstr(e.msg, "AAAA...\"") != NULL && strlen(e.msg) < 160, "long: quote cut");
    /* too long to keep */
    memcpy(big, "Digest nonce=\"", 14);
    memset(big + 14, 'n', HTTP_AUTH_PARAM_MAX);
    big[14 + HTTP_AUTH_PARAM_MAX] = '"';
    n = 0;
    CHECK(http_challenge_parse(big, 15 + HTTP_AUTH_PARAM_MAX, c, &n, HTTP_AUTH_CHALLENGES, &e)
          == -1 && strstr(e.msg, "nonce longer than 511 bytes") != NULL, "nonce too long");
    big[14 + HTTP_AUTH_PARAM_MAX - 1] = '"';
    n = 0;
    CHECK(http_challenge_parse(big, 14 + HTTP_AUTH_PARAM_MAX, c, &n, HTTP_AUTH_CHALLENGES, &e)
          == 0 && strlen(c[0].nonce) == HTTP_AUTH_PARAM_MAX - 1, "nonce of 511 bytes kept");
    /* a value passed as counted bytes: the NUL inside is a CTL */
    n = 0;
    CHECK(http_challenge_parse("Basic realm=\"a\0b\"", 17, c, &n, HTTP_AUTH_CHALLENGES, &e) == -1
          && strstr(e.msg, "\\x00") != NULL, "NUL inside a quoted string, shown escaped");
}

/* Several field lines into one array; the bound; Basic/Digest displace others. */
static void test_bound(void)
{
    http_challenge c[HTTP_AUTH_CHALLENGES];
    char got[2048];
    gw_err e;
    int n = 0, i, rc = 0;
    const char *many = "A, B, C, D, E, F, Bearer x, H, I, J";
    rc |= http_challenge_parse("Basic realm=\"1\"", 15, c, &n, HTTP_AUTH_CHALLENGES, &e);
    rc |= http_challenge_parse(many, strlen(many), c, &n, HTTP_AUTH_CHALLENGES, &e);
    CHECK(rc == 0 && n == HTTP_AUTH_CHALLENGES, "at most HTTP_AUTH_CHALLENGES kept");
    many = "Digest realm=\"d\", nonce=\"n\", Digest realm=\"e\", nonce=\"m\"";
    rc = http_challenge_parse(many, strlen(many), c, &n, HTTP_AUTH_CHALLENGES, &e);
    summary(c, n, got, sizeof got);
    CHECK_STR(got, "Basic realm=1 | Digest realm=d nonce=n | Digest realm=e nonce=m | other:C | "
              "other:D | other:E | other:F | Bearer t68", "Digest takes the place of OTHER");
    CHECK(rc == 0 && http_challenge_pick(c, n, 0) == 1, "and is picked");
    for (i = 0; i < 2; i++)
        rc = http_challenge_parse("X", 1, c, &n, HTTP_AUTH_CHALLENGES, &e);
    CHECK(rc == 0 && n == HTTP_AUTH_CHALLENGES, "OTHER dropped when full");
    n = HTTP_AUTH_CHALLENGES + 1;
    CHECK(http_challenge_parse("X", 1, c, &n, HTTP_AUTH_CHALLENGES, &e) == -1
          && e.kind == GW_EBAD_ARGUMENT, "count outside the array");
}

struct pick {
    const char *lines;      /* field values, one per line */
    int allow_basic, want;
};

static const struct pick picks[] = {
    { "Digest realm=r, nonce=n, algorithm=MD5, qop=auth\n"
      "Digest realm=r, nonce=n, algorithm=SHA-256, qop=auth", 0, 1 },
    { "Digest realm=r, nonce=n, algorithm=MD5, qop=auth, "
      "Digest realm=r, nonce=n, algorithm=SHA-512-256-sess, qop=auth, "
      "Digest realm=r, nonce=n, algorithm=SHA-256, qop=auth", 0, 1 },
    { "Digest realm=r, nonce=n, algorithm=SHA-256-sess, qop=auth, "
      "Digest realm=r, nonce=n, algorithm=SHA-256, qop=auth", 0, 0 },     /* -sess alike: first */
    { "Basic realm=r, Digest realm=r, nonce=n", 1, 1 },                   /* Digest over Basic */
    { "Basic realm=r, Digest realm=r, nonce=n, algorithm=SHA-1", 1, 0 },  /* unknown algorithm */
    { "Basic realm=r, Digest realm=r, nonce=n, algorithm=SHA-1", 0, -1 },
    { "Digest realm=r, nonce=n, qop=auth-conf, Digest realm=r, nonce=n, algorithm=MD5", 0, 1 },
    { "Digest realm=r, nonce=n, Digest realm=r, nonce=n, qop=auth", 0, 1 }, /* a qop beats none */
    { "Digest realm=r, algorithm=SHA-256, qop=auth, Digest realm=r, nonce=n", 0, 1 }, /* no nonce */
    { "Digest realm=r, nonce=n, algorithm=MD5-sess", 0, -1 },             /* -sess without qop */
    { "Digest realm=r, nonce=n, qop=auth-int", 0, 0 },
    { "Basic realm=r", 0, -1 },
    { "Basic realm=r", 1, 0 },
    { "Bearer, Negotiate, NTLM", 1, -1 },
};

static void test_picks(void)
{
    size_t i;
    for (i = 0; i < sizeof picks / sizeof picks[0]; i++) {
        http_challenge c[HTTP_AUTH_CHALLENGES];
        const char *p = picks[i].lines;
        gw_err e;
        int n = 0, rc = 0;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            rc |= http_challenge_parse(p, len, c, &n, HTTP_AUTH_CHALLENGES, &e);
            p += len + (nl ? 1 : 0);
        }
        CHECK(rc == 0 && http_challenge_pick(c, n, picks[i].allow_basic) == picks[i].want,
              name_of(picks[i].lines));
    }
}

static void test_info(void)
{
    static const struct pcase bad[] = {
        { "nc=1", "nc is not 8 hex digits", 0 },
        { "nc=000000001", "nc is not 8 hex digits", 0 },
        { "nc=0000000g", "nc is not 8 hex digits", 0 },
        { "qop=auth-conf", "qop is neither auth nor auth-int", 0 },
        { "rspauth=\"a\", rspauth=\"b\"", "parameter rspauth given twice", 0 },
        { "nextnonce=\"abc", "unterminated quoted string", 0 },
        { "nextnonce=\"a\" qop=auth", "expected ',' after a parameter", 0 },
        { "Digest nextnonce=\"a\"", "expected '=' after a parameter name", 0 },
    };
    http_auth_info a;
    gw_err e;
    size_t i;
    const char *v = "qop=AUTH-INT, rspauth=\"6629FAE4\", cnonce=\"0a4f113b\", nc=0000000A, "
                    "nextnonce=\"a,\\\"b\", future=\"x\", , ";
    CHECK(http_auth_info_parse(v, strlen(v), &a, &e) == 0, "Authentication-Info parsed");
    CHECK(a.qop == HTTP_QOP_AUTH_INT && a.nc == 10 && a.has_nc, "qop and nc");
    CHECK_STR(a.rspauth, "6629FAE4", "rspauth");
    CHECK_STR(a.cnonce, "0a4f113b", "cnonce");
    CHECK_STR(a.nextnonce, "a,\"b", "nextnonce unescaped");
    CHECK(http_auth_info_parse("", 0, &a, &e) == 0 && !a.has_rspauth && !a.has_nextnonce,
          "empty Authentication-Info");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = http_auth_info_parse(bad[i].in, strlen(bad[i].in), &a, &e);
        CHECK(rc == -1 && e.kind == GW_EPROTOCOL && strstr(e.msg, bad[i].want)
              && strstr(e.msg, "Authentication-Info"), bad[i].in);
    }
}

int main(void)
{
    test_parses();
    test_messages();
    test_bound();
    test_picks();
    test_info();
    return CHECK_DONE();
}
