/* Digest (RFC 7616, RFC 2617, RFC 2069) and Basic (RFC 7617) answers:
 * the RFC examples as exact Authorization values, then answers whose
 * digests were computed independently (python3 hashlib, at test-writing
 * time), nc and nonce handling, Authentication-Info, refusals, and that no
 * password or HA1 ever shows in a value or a message. */
#include "core/crypto.h"
#include "http/auth.h"
#include "unit/check.h"

#define NONCE1 "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define CNONCE1 "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
#define OPAQUE1 "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
#define REALM1 "http-auth@example.org"
#define PASS1 "Circle of Life"
/* RFC 7616 3.9.1, one challenge per algorithm */
#define RFC7616_CH(alg) "Digest realm=\"" REALM1 "\", qop=\"auth, auth-int\", algorithm=" alg \
    ", nonce=\"" NONCE1 "\", opaque=\"" OPAQUE1 "\""

#define NONCE2 "dcd98b7102dd2f0e8b11d0f600bfb0c093"
#define OPAQUE2 "5ccc069c403ebaf9f0171e9517f40e41"
#define REALM2 "testrealm@host.com"

#define NONCE3 "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK"
#define CNONCE3 "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v"
#define OPAQUE3 "HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS"
#define JASON "J\xc3\xa4s\xc3\xb8n Doe"             /* "Jäsøn Doe" in UTF-8 */

/* Every password and HA1 (or -sess key) met so far. */
static char secrets[64][130];
static int nsecrets;

/* Fails the test when a password or an HA1 shows in s. */
static void no_secret(const char *s, const char *what)
{
    int i, found = 0;
    for (i = 0; i < nsecrets; i++)
        if (strstr(s, secrets[i]))
            found = 1;
    CHECK(!found, what);
}

static void remember(const char *s)
{
    if (s[0] && nsecrets < 64 && strlen(s) < sizeof secrets[0])
        strcpy(secrets[nsecrets++], s);
}

static int check_info(http_digest *d, const char *uri, const char *v, const char *body,
                      gw_err *e)
{
    int rc = http_digest_check_info(d, "Mufasa", uri, v, strlen(v), body,
                                    body ? strlen(body) : 0, e);
    if (rc != 0)
        no_secret(e->msg, "no secret in an Authentication-Info message");
    return rc;
}

/* Parses one WWW-Authenticate value and starts d on the picked challenge. */
static int setup(http_digest *d, const char *v, const char *user, const char *pass,
                 const char *cnonce, gw_err *e)
{
    http_challenge c[HTTP_AUTH_CHALLENGES];
    int n = 0, i;
    memset(d, 0, sizeof *d);
    d->test_cnonce = cnonce;            /* kept by start */
    if (http_challenge_parse(v, strlen(v), c, &n, HTTP_AUTH_CHALLENGES, e) != 0)
        return -1;
    if ((i = http_challenge_pick(c, n, 0)) < 0)
        return -2;
    return http_digest_start(d, &c[i], user, pass, e);
}

/* One answer; the value, or "error: <msg>". */
static const char *answer(http_digest *d, const char *user, const char *method, const char *uri,
                          const char *body, gw_buf *out)
{
    gw_err e;
    gw_buf_reset(out);
    if (http_digest_answer(d, user, method, uri, body, body ? strlen(body) : 0, out, &e) != 0) {
        static char err[300];
        snprintf(err, sizeof err, "error: %s", e.msg);
        no_secret(e.msg, "no secret in the message");
        return err;
    }
    no_secret(out->data, "no secret in the Authorization value");
    return out->data;
}

static void test_rfc_examples(gw_buf *out)
{
    http_digest d;
    gw_err e;
    unsigned char md[GW_MD_MAX];
    char hex[129], ha1[129], ha2[129], line[512];
    unsigned len;
    remember(PASS1);
    CHECK(setup(&d, RFC7616_CH("MD5"), "Mufasa", PASS1, CNONCE1, &e) == 0, "3.9.1 MD5 start");
    remember(d.ha1);
    CHECK_STR(answer(&d, "Mufasa", "GET", "/dir/index.html", NULL, out),
              "Digest username=\"Mufasa\", realm=\"" REALM1 "\", uri=\"/dir/index.html\", "
              "algorithm=MD5, nonce=\"" NONCE1 "\", nc=00000001, cnonce=\"" CNONCE1 "\", qop=auth, "
              "response=\"8ca523f5e9506fed4657c9700eebdbec\", opaque=\"" OPAQUE1 "\"",
              "RFC 7616 3.9.1 MD5");
    http_digest_wipe(&d);
    CHECK(setup(&d, RFC7616_CH("SHA-256"), "Mufasa", PASS1, CNONCE1, &e) == 0, "3.9.1 SHA-256");
    remember(d.ha1);
    CHECK_STR(answer(&d, "Mufasa", "GET", "/dir/index.html", NULL, out),
              "Digest username=\"Mufasa\", realm=\"" REALM1 "\", uri=\"/dir/index.html\", "
              "algorithm=SHA-256, nonce=\"" NONCE1 "\", nc=00000001, cnonce=\"" CNONCE1 "\", "
              "qop=auth, response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", "
              "opaque=\"" OPAQUE1 "\"", "RFC 7616 3.9.1 SHA-256");
    answer(&d, "Mufasa", "GET", "/dir/index.html", NULL, out);
    CHECK_STR(d.response, "8c8db27f49ff1c202f9fb49fa9d2e9eabf078dcc93db40dfd6527010091d1c8e",
              "a second answer: nc=00000002 in the digest");
    CHECK(strstr(out->data, "nc=00000002") != NULL, "nc incremented");
    http_digest_wipe(&d);

    /* RFC 7616 3.9.2: SHA-512-256, userhash, charset=UTF-8. gwkit uses
     * SHA-512/256 (FIPS 180-4), as 3.2 says; the RFC's printed numbers
     * (username 488869..., response ae66e6...) were made with SHA-512 cut
     * to 256 bits, which the second half shows. */
    remember("Secret, or not?");
    CHECK(setup(&d, "Digest realm=\"api@example.org\", qop=\"auth\", algorithm=SHA-512-256, "
                "nonce=\"" NONCE3 "\", opaque=\"" OPAQUE3 "\", charset=UTF-8, userhash=true",
                JASON, "Secret, or not?", CNONCE3, &e) == 0, "3.9.2 start");
    remember(d.ha1);
    CHECK_STR(answer(&d, JASON, "GET", "/doe.json", NULL, out),
              "Digest username=\"793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b\", "
              "realm=\"api@example.org\", uri=\"/doe.json\", algorithm=SHA-512-256, "
              "nonce=\"" NONCE3 "\", nc=00000001, cnonce=\"" CNONCE3 "\", qop=auth, "
              "response=\"3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5\", "
              "opaque=\"" OPAQUE3 "\", userhash=true", "RFC 7616 3.9.2 with SHA-512/256");
    http_digest_wipe(&d);
    /* the RFC's numbers, from SHA-512 cut to 32 bytes */
    gw_digest("SHA512", JASON ":api@example.org", strlen(JASON ":api@example.org"), md, &len);
    gw_hex(md, 32, hex);
    CHECK_STR(hex, "488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec",
              "RFC 7616 3.9.2 username is SHA-512 cut to 256 bits");
    gw_digest("SHA512", JASON ":api@example.org:Secret, or not?",
              strlen(JASON ":api@example.org:Secret, or not?"), md, &len);
    gw_hex(md, 32, ha1);
    gw_digest("SHA512", "GET:/doe.json", 13, md, &len);
    gw_hex(md, 32, ha2);
    snprintf(line, sizeof line, "%s:" NONCE3 ":00000001:" CNONCE3 ":auth:%s", ha1, ha2);
    gw_digest("SHA512", line, strlen(line), md, &len);
    gw_hex(md, 32, hex);
    CHECK_STR(hex, "ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd",
              "RFC 7616 3.9.2 response is SHA-512 cut to 256 bits");

    /* RFC 2617 3.5 (MD5, qop=auth; no algorithm in the challenge: none sent) */
    remember("Circle Of Life");
    CHECK(setup(&d, "Digest realm=\"" REALM2 "\", qop=\"auth,auth-int\", nonce=\"" NONCE2 "\", "
                "opaque=\"" OPAQUE2 "\"", "Mufasa", "Circle Of Life", "0a4f113b", &e) == 0,
          "RFC 2617 start");
    remember(d.ha1);
    CHECK_STR(answer(&d, "Mufasa", "GET", "/dir/index.html", NULL, out),
              "Digest username=\"Mufasa\", realm=\"" REALM2 "\", uri=\"/dir/index.html\", "
              "nonce=\"" NONCE2 "\", nc=00000001, cnonce=\"0a4f113b\", qop=auth, "
              "response=\"6629fae49393a05397450978507c4ef1\", opaque=\"" OPAQUE2 "\"",
              "RFC 2617 3.5");
    http_digest_wipe(&d);

    /* RFC 2069 2.4: no qop, so no nc, cnonce or qop in the answer */
    remember("CircleOfLife");
    CHECK(setup(&d, "Digest realm=\"" REALM2 "\", nonce=\"" NONCE2 "\", opaque=\"" OPAQUE2 "\"",
                "Mufasa", "CircleOfLife", NULL, &e) == 0, "RFC 2069 start");
    remember(d.ha1);
    CHECK_STR(answer(&d, "Mufasa", "GET", "/dir/index.html", NULL, out),
              "Digest username=\"Mufasa\", realm=\"" REALM2 "\", uri=\"/dir/index.html\", "
              "nonce=\"" NONCE2 "\", response=\"1949323746fe6a43ef61f9606e7febea\", "
              "opaque=\"" OPAQUE2 "\"", "RFC 2069 2.4");
    http_digest_wipe(&d);
}

struct acase {
    const char *challenge, *user, *pass, *method, *uri, *body;
    int want_auth_int, answers;
    const char *want;       /* a part of the last value: the response, or the error */
};

static const struct acase answers[] = {
    /* auth-int asked for and offered: H(body) in A2 */
    { RFC7616_CH("SHA-256"), "Mufasa", PASS1, "POST", "/api/form", "hello=world", 1, 1,
      "qop=auth-int, response=\"90d7f50d586729c10b2e652fe7720b26ca3993a88b92dbd3514148c43b8377a8\"" },
    /* offered alone: taken without asking; no body is an empty body */
    { "Digest realm=\"" REALM1 "\", qop=\"auth-int\", algorithm=MD5, nonce=\"" NONCE1 "\"",
      "Mufasa", PASS1, "POST", "/api/form", NULL, 0, 1,
      "qop=auth-int, response=\"116cace50d9ab51e2a3d6cd0f5e951cd\"" },
    /* both offered, not asked: auth */
    { RFC7616_CH("MD5"), "Mufasa", PASS1, "GET", "/dir/index.html", "ignored", 0, 1,
      "qop=auth, response=\"8ca523f5e9506fed4657c9700eebdbec\"" },
    /* -sess: the session key from the first cnonce; nc counts on */
    { "Digest realm=\"" REALM2 "\", qop=auth, algorithm=MD5-sess, nonce=\"" NONCE2 "\"",
      "Mufasa", "Circle Of Life", "GET", "/dir/index.html", NULL, 0, 1,
      "algorithm=MD5-sess, nonce=\"" NONCE2 "\", nc=00000001, cnonce=\"0a4f113b\", qop=auth, "
      "response=\"8e3825c57e897f5a0dec6c2d4e5059d0\"" },
    { "Digest realm=\"" REALM2 "\", qop=auth, algorithm=MD5-sess, nonce=\"" NONCE2 "\"",
      "Mufasa", "Circle Of Life", "GET", "/dir/other.html", NULL, 0, 2,
      "nc=00000002, cnonce=\"0a4f113b\", qop=auth, response=\"bb1fe84d76d996e09060bb4936a24e31\"" },
    { RFC7616_CH("SHA-256-sess"), "Mufasa", PASS1, "GET", "/dir/index.html", NULL, 0, 1,
      "algorithm=SHA-256-sess, nonce=\"" NONCE1 "\", nc=00000001, cnonce=\"" CNONCE1 "\", "
      "qop=auth, response=\"2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7\"" },
    { RFC7616_CH("SHA-512-256-sess"), "Mufasa", PASS1, "GET", "/dir/index.html", NULL, 0, 1,
      "response=\"3f2a34f923c38b0fb26dce2fdfc2ce326c23cecf86fbb1444f3e51fbbc2cb92e\"" },
    /* a non-ASCII user without userhash: username* (RFC 8187) */
    { "Digest realm=\"api@example.org\", qop=auth, algorithm=SHA-256, nonce=\"" NONCE3 "\", "
      "charset=UTF-8", JASON, "Secret, or not?", "GET", "/doe.json", NULL, 0, 1,
      "Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm=\"api@example.org\", uri=\"/doe.json\", "
      "algorithm=SHA-256, nonce=\"" NONCE3 "\", nc=00000001, cnonce=\"f2/" },
    { "Digest realm=\"api@example.org\", qop=auth, algorithm=SHA-256, nonce=\"" NONCE3 "\", "
      "charset=UTF-8", JASON, "Secret, or not?", "GET", "/doe.json", NULL, 0, 1,
      "response=\"bd789203b1430a69559d32a098c3b3299c2957068f42dc6357ab4550e6b41634\"" },
    /* quoted values are escaped again on the way out */
    { "Digest realm=\"say \\\"hi\\\" \\\\ bye\", nonce=n, qop=auth", "Mufasa", PASS1, "GET", "/",
      NULL, 0, 1, "realm=\"say \\\"hi\\\" \\\\ bye\", uri=\"/\", nonce=\"n\", nc=00000001, "
      "cnonce=\"" CNONCE1 "\", qop=auth, response=\"a944189529f7f90b9813f68e1527462a\"" },
    { "Digest realm=r, nonce=n, qop=auth", "a\"b\\c", PASS1, "GET", "/", NULL, 0, 1,
      "Digest username=\"a\\\"b\\\\c\", realm=\"r\"" },

    /* refused: injection, bad method, user names the challenge cannot carry */
    { RFC7616_CH("MD5"), "Mufasa", PASS1, "GET", "/a\r\nX-Evil: 1", NULL, 0, 1,
      "error: http: Digest: control character (CR, LF, ...) in the uri" },
    { RFC7616_CH("MD5"), "Mufasa", PASS1, "GET", "/a\tb", NULL, 0, 1,
      "error: http: Digest: control character (CR, LF, ...) in the uri" },
    { RFC7616_CH("MD5"), "Mufasa", PASS1, "GET", "", NULL, 0, 1,
      "error: http: Digest: uri empty" },
    { RFC7616_CH("MD5"), "Mufasa", PASS1, "GET\r\n", "/", NULL, 0, 1,
      "error: http: Digest: the method is not a token" },
    { RFC7616_CH("MD5"), "Mufasa", PASS1, "G T", "/", NULL, 0, 1,
      "error: http: Digest: the method is not a token" },
    { RFC7616_CH("MD5"), "Mufasa", PASS1, "", "/", NULL, 0, 1,
      "error: http: Digest: method empty" },
};

static void test_answers(gw_buf *out)
{
    size_t i;
    for (i = 0; i < sizeof answers / sizeof answers[0]; i++) {
        const struct acase *t = &answers[i];
        http_digest d;
        const char *got = "";
        gw_err e;
        int k;
        char name[64];
        snprintf(name, sizeof name, "answer %d: %.40s", (int)i, t->want);
        for (k = 0; name[k]; k++)
            if ((unsigned char)name[k] < 0x20)
                name[k] = '.';
        if (!CHECK(setup(&d, t->challenge, t->user, t->pass, CNONCE1, &e) == 0, name)) {
            printf("#   %s\n", e.msg);
            continue;
        }
        d.want_auth_int = t->want_auth_int;
        if (strstr(t->challenge, "MD5-sess"))
            d.test_cnonce = "0a4f113b";
        remember(d.ha1);
        remember(d.userkey);
        for (k = 0; k < t->answers; k++) {
            got = answer(&d, t->user, t->method, t->uri, t->body, out);
            remember(d.ha1);
        }
        if (!CHECK(strstr(got, t->want) != NULL, name))
            check_show(got, t->want);
        http_digest_wipe(&d);
    }
}

/* Starts that must fail, with their kind and a part of the message. */
static void test_refusals(gw_buf *out)
{
    static const struct {
        const char *challenge, *user;
        gw_kind kind;
        const char *want;
    } bad[] = {
        { "Digest realm=r, nonce=n, algorithm=SHA-1", "u", GW_EAUTH_UNAVAILABLE, "algorithm" },
        { "Digest realm=r, nonce=n, qop=auth-conf", "u", GW_EAUTH_UNAVAILABLE, "no qop" },
        { "Digest realm=r", "u", GW_EAUTH_UNAVAILABLE, "no nonce" },
        { "Digest realm=r, nonce=n, algorithm=MD5-sess", "u", GW_EAUTH_UNAVAILABLE,
          "MD5-sess without qop" },
        { "Basic realm=r", "u", GW_EAUTH_UNAVAILABLE, "not a Digest challenge" },
        { "Digest realm=r, nonce=n, qop=auth", JASON, GW_EBAD_ARGUMENT,
          "neither charset=UTF-8 nor userhash" },
        { "Digest realm=r, nonce=n, qop=auth, charset=UTF-8", "J\xe4s\xf8n", GW_EBAD_ARGUMENT,
          "not UTF-8" },
        { "Digest realm=r, nonce=n, qop=auth, userhash=true", "a\nb", GW_EBAD_ARGUMENT,
          "CR or LF in the user name" },
    };
    http_challenge c[HTTP_AUTH_CHALLENGES];
    http_digest d;
    gw_err e;
    size_t i;
    int n;
    memset(&d, 0, sizeof d);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = 0;
        http_challenge_parse(bad[i].challenge, strlen(bad[i].challenge), c, &n, 8, &e);
        CHECK(n == 1 && http_digest_start(&d, &c[0], bad[i].user, "pw", &e) == -1
              && e.kind == bad[i].kind && strstr(e.msg, bad[i].want), bad[i].want);
        CHECK(d.ha1[0] == '\0' && d.userkey[0] == '\0', "nothing kept after a failed start");
    }
    /* userhash carries any user name; the answer is hashed */
    CHECK(setup(&d, "Digest realm=r, nonce=n, qop=auth, userhash=true", "J\xe4s\xf8n", "pw",
                NULL, &e) == 0, "userhash: any bytes");
    CHECK(strstr(answer(&d, "J\xe4s\xf8n", "GET", "/", NULL, out), "userhash=true") != NULL,
          "userhash=true sent");
    CHECK(strlen(d.cnonce) == 2 * GW_HTTP_DIGEST_CNONCE_BYTES, "random cnonce, 32 hex digits");
    /* nc cannot pass ffffffff */
    remember(d.ha1);
    d.nc = 0xfffffffful;
    CHECK(strstr(answer(&d, "J\xe4s\xf8n", "GET", "/", NULL, out), "a new challenge is needed")
          != NULL, "nc bound");
    CHECK(d.nc == 0xfffffffful, "nc unchanged by a failed answer");
    http_digest_wipe(&d);
    /* the caller's cap; out left as it was */
    {
        gw_buf small;
        gw_buf_init(&small, 64);
        gw_buf_puts(&small, "prefix");
        setup(&d, RFC7616_CH("MD5"), "Mufasa", PASS1, CNONCE1, &e);
        CHECK(http_digest_answer(&d, "Mufasa", "GET", "/", NULL, 0, &small, &e) == -1
              && e.kind == GW_EBAD_ARGUMENT && strcmp(small.data, "prefix") == 0
              && small.len == 6 && d.nc == 0, "cap reached: error, out and nc unchanged");
        gw_buf_free(&small);
        http_digest_wipe(&d);
    }
    CHECK(http_digest_answer(&d, "Mufasa", "GET", "/", NULL, 0, out, &e) == -1
          && e.kind == GW_EBAD_ARGUMENT, "answer after wipe refused");
}

/* nextnonce and renonce, rechallenge (stale=true), Authentication-Info. */
static void test_session(gw_buf *out)
{
    http_challenge c[2];
    http_digest d;
    gw_err e;
    int n = 0;
    const char *stale, *ok = "rspauth=\"86d3b25618d41854ca5039a5d7e53ff6355d5134a9b1fb088a78ac3c462195a0\", "
                     "cnonce=\"" CNONCE1 "\", nc=00000001, qop=auth";
    setup(&d, RFC7616_CH("SHA-256"), "Mufasa", PASS1, CNONCE1, &e);
    remember(d.ha1);
    CHECK(check_info(&d, "/dir/index.html", ok, NULL, &e) == -1 && e.kind == GW_EPROTOCOL,
          "rspauth before any answer");
    answer(&d, "Mufasa", "GET", "/dir/index.html", NULL, out);
    CHECK(check_info(&d, "/dir/index.html", ok, NULL, &e) == 0, "rspauth good");
    CHECK(check_info(&d, "/dir/index.html",
          "rspauth=\"86D3B25618D41854CA5039A5D7E53FF6355D5134A9B1FB088A78AC3C462195A0\"", NULL,
          &e) == 0, "rspauth in upper case");
    CHECK(check_info(&d, "/dir/index.html",
          "rspauth=\"86d3b25618d41854ca5039a5d7e53ff6355d5134a9b1fb088a78ac3c462195a1\"", NULL,
          &e) == -1 && e.kind == GW_EAUTH_FAILED, "rspauth bad");
    CHECK_STR(e.msg, "http: Authentication-Info rspauth does not match: the server did not "
              "prove it knows the password", "rspauth message");
    CHECK(check_info(&d, "/other", ok, NULL, &e) == -1 && e.kind == GW_EAUTH_FAILED,
          "rspauth for another uri");
    CHECK(check_info(&d, "/dir/index.html", "rspauth=\"86d3\", nc=00000002", NULL, &e) == -1
          && e.kind == GW_EPROTOCOL && strstr(e.msg, "nc=00000002"), "nc of another request");
    CHECK(check_info(&d, "/dir/index.html", "rspauth=\"86d3\", cnonce=x", NULL, &e) == -1
          && e.kind == GW_EPROTOCOL, "cnonce of another request");
    CHECK(check_info(&d, "/dir/index.html", "rspauth=\"86d3\", qop=auth-int", NULL, &e) == -1
          && e.kind == GW_EPROTOCOL, "qop of another request");
    CHECK(check_info(&d, "/dir/index.html", "rspauth=\"86d3\", nc=", NULL, &e) == -1
          && e.kind == GW_EPROTOCOL, "malformed Authentication-Info");
    /* nextnonce: taken, nc starts again */
    CHECK(check_info(&d, "/dir/index.html", "nextnonce=\"nextnonce-1\"", NULL, &e) == 0
          && d.nc == 0 && strcmp(d.ch.nonce, "nextnonce-1") == 0, "nextnonce taken");
    CHECK(check_info(&d, "/dir/index.html", "nextnonce=\"\"", NULL, &e) == -1
          && e.kind == GW_EPROTOCOL, "empty nextnonce");
    http_digest_wipe(&d);
    setup(&d, RFC7616_CH("MD5"), "Mufasa", PASS1, CNONCE1, &e);
    answer(&d, "Mufasa", "GET", "/dir/index.html", NULL, out);
    CHECK(http_digest_renonce(&d, "nextnonce-1", &e) == 0, "renonce");
    CHECK(strstr(answer(&d, "Mufasa", "GET", "/dir/index.html", NULL, out),
                 "nonce=\"nextnonce-1\", nc=00000001, cnonce=\"" CNONCE1 "\", qop=auth, "
                 "response=\"d2940a271a51d3f94cc929e77fc50420\"") != NULL, "renonce resets nc");
    CHECK(http_digest_renonce(&d, "", &e) == -1 && http_digest_renonce(&d, "a\r\nb", &e) == -1
          && e.kind == GW_EPROTOCOL, "renonce refuses empty and CTL");
    http_digest_wipe(&d);
    /* -sess: a new session key with the new nonce */
    setup(&d, "Digest realm=\"" REALM2 "\", qop=auth, algorithm=MD5-sess, nonce=\"" NONCE2 "\"",
          "Mufasa", "Circle Of Life", "0a4f113b", &e);
    answer(&d, "Mufasa", "GET", "/dir/index.html", NULL, out);
    http_digest_renonce(&d, "n3", &e);
    CHECK(strstr(answer(&d, "Mufasa", "GET", "/dir/index.html", NULL, out),
                 "response=\"990fa715310ca7aca5b4d63f5d052e04\"") != NULL, "-sess renonce");
    /* auth-int rspauth over the response body */
    http_digest_wipe(&d);
    setup(&d, RFC7616_CH("SHA-256"), "Mufasa", PASS1, CNONCE1, &e);
    d.want_auth_int = 1;
    answer(&d, "Mufasa", "POST", "/api/form", "hello=world", out);
    CHECK(check_info(&d, "/api/form", "qop=auth-int, rspauth="
          "74b2e0b9fe6176ca563dc307252f370a22c36701f342a26444c3e3265099757f", "ok", &e) == 0,
          "auth-int rspauth over the response body");
    CHECK(check_info(&d, "/api/form", "qop=auth-int, rspauth="
          "74b2e0b9fe6176ca563dc307252f370a22c36701f342a26444c3e3265099757f", "OK", &e) == -1
          && e.kind == GW_EAUTH_FAILED, "auth-int rspauth, another body");
    /* the options may also be set before start (start keeps them) */
    {
        http_challenge one[1];
        const char *v = RFC7616_CH("SHA-256");
        n = 0;
        http_challenge_parse(v, strlen(v), one, &n, 1, &e);
        http_digest_wipe(&d);
        d.want_auth_int = 1;
        d.test_cnonce = CNONCE1;
        CHECK(http_digest_start(&d, &one[0], "Mufasa", PASS1, &e) == 0
              && strstr(answer(&d, "Mufasa", "POST", "/api/form", "hello=world", out),
                        "response=\"90d7f50d586729c10b2e652fe7720b26ca3993a88b92dbd3514148c43b8377a8\"")
              != NULL, "want_auth_int and test_cnonce set before start");
    }
    /* stale=true: a new challenge, same realm and hash, without the password */
    n = 0;
    stale = "Digest realm=\"" REALM1 "\", qop=auth, algorithm=MD5, nonce=\"nextnonce-1\", "
            "stale=true, Digest realm=other, nonce=x";
    http_challenge_parse(stale, strlen(stale), c, &n, 2, &e);
    CHECK(n == 2 && http_digest_rechallenge(&d, &c[1], &e) == -1
          && e.kind == GW_EAUTH_UNAVAILABLE, "rechallenge: another realm refused");
    CHECK(http_digest_rechallenge(&d, &c[0], &e) == -1, "rechallenge: another hash refused");
    http_digest_wipe(&d);
    setup(&d, RFC7616_CH("MD5"), "Mufasa", PASS1, CNONCE1, &e);
    answer(&d, "Mufasa", "GET", "/", NULL, out);
    CHECK(http_digest_rechallenge(&d, &c[0], &e) == 0 && d.nc == 0, "rechallenge");
    CHECK(strstr(answer(&d, "Mufasa", "GET", "/dir/index.html", NULL, out),
                 "nonce=\"nextnonce-1\", nc=00000001, cnonce=\"" CNONCE1 "\", qop=auth, "
                 "response=\"d2940a271a51d3f94cc929e77fc50420\"") != NULL
          && strstr(out->data, "opaque") == NULL, "rechallenge: new nonce, opaque gone");
    http_digest_wipe(&d);
    CHECK(d.ha1[0] == 0 && d.ha1[31] == 0 && d.userkey[0] == 0, "wipe clears HA1");
}

static void test_basic(gw_buf *out)
{
    gw_err e;
    gw_buf_reset(out);
    CHECK(http_basic_answer("Aladdin", "open sesame", out, &e) == 0, "Basic");
    CHECK_STR(out->data, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "RFC 7617 2");
    gw_buf_reset(out);
    CHECK(http_basic_answer("test", "123\xc2\xa3", out, &e) == 0, "Basic UTF-8");
    CHECK_STR(out->data, "Basic dGVzdDoxMjPCow==", "RFC 7617 2.1");
    gw_buf_reset(out);
    gw_buf_puts(out, "x");
    CHECK(http_basic_answer("a:b", "open sesame", out, &e) == -1 && e.kind == GW_EBAD_ARGUMENT
          && strstr(e.msg, "colon") && strcmp(out->data, "x") == 0, "Basic: colon in user");
    CHECK(http_basic_answer("a", "open\r\nsesame", out, &e) == -1 && strstr(e.msg, "password")
          && !strstr(e.msg, "open"), "Basic: CR LF in the password, not quoted");
    CHECK(http_basic_answer("a\n", "pw", out, &e) == -1 && strstr(e.msg, "user name"),
          "Basic: LF in the user");
    CHECK(http_basic_answer(NULL, "pw", out, &e) == -1, "Basic: no user");
}

int main(void)
{
    gw_buf out;
    gw_buf_init(&out, 16384);
    test_rfc_examples(&out);
    test_answers(&out);
    test_refusals(&out);
    test_session(&out);
    test_basic(&out);
    gw_buf_free(&out);
    return CHECK_DONE();
}
