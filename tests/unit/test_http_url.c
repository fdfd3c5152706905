/* URL parsing (RFC 3986, RFC 6874), reference resolution (RFC 3986 5.4),
 * origins and the Host header value. */
#include <stdio.h>
#include "http/url.h"
#include "unit/check.h"

struct good {
    const char *in, *host, *target;
    unsigned port;
    int tls, ipv6, port_given;
};

static const struct good good[] = {
    {"http://[fe80::1%25eth0]/", "fe80::1%eth0", "/", 80, 0, 1, 0},
    {"http://[fe80::1%eth0]:8080/x?y", "fe80::1%eth0", "/x?y", 8080, 0, 1, 1},
    {"http://[FE80::A%25Eth0]", "fe80::a%Eth0", "/", 80, 0, 1, 0},
    {"http://[fe80::1%1]/", "fe80::1%1", "/", 80, 0, 1, 0},
    {"http://[fe80::1%25ae0]/", "fe80::1%ae0", "/", 80, 0, 1, 0},
    {"http://[::1]:8080", "::1", "/", 8080, 0, 1, 1},
    {"http://[::1]:/x", "::1", "/x", 80, 0, 1, 0},
    {"http://[::ffff:192.168.1.1]/", "::ffff:192.168.1.1", "/", 80, 0, 1, 0},
    {"HTTP://NTT.SETUP", "ntt.setup", "/", 80, 0, 0, 0},
    {"http://ntt.setup./", "ntt.setup.", "/", 80, 0, 0, 0},
    {"http://192.168.1.1:80/", "192.168.1.1", "/", 80, 0, 0, 1},
    {"http://0.0.0.0/", "0.0.0.0", "/", 80, 0, 0, 0},
    {"https://h/p?q=a%20b#frag", "h", "/p?q=a%20b", 443, 1, 0, 0},
    {"HttpS://Example.COM:8443/A/B?C=D", "example.com", "/A/B?C=D", 8443, 1, 0, 1},
    {"http://h?x", "h", "/?x", 80, 0, 0, 0},
    {"http://h#f", "h", "/", 80, 0, 0, 0},
    {"http://h/?", "h", "/?", 80, 0, 0, 0},
    {"http://h:/", "h", "/", 80, 0, 0, 0},
    {"http://h:00080/", "h", "/", 80, 0, 0, 1},
    {"https://h:65535", "h", "/", 65535, 1, 0, 1},
    {"http://h:1", "h", "/", 1, 0, 0, 1},
    {"http://a-b.c-d9/", "a-b.c-d9", "/", 80, 0, 0, 0},
    {"http://1and1.example/", "1and1.example", "/", 80, 0, 0, 0},
    {"http://h/a/../b/./c", "h", "/a/../b/./c", 80, 0, 0, 0},
    {"http://h/%zz%2F;p=1?a=1&b=%ZZ", "h", "/%zz%2F;p=1?a=1&b=%ZZ", 80, 0, 0, 0},
    {"http://h/p?q#a#b", "h", "/p?q", 80, 0, 0, 0},
    {"http://h//x", "h", "//x", 80, 0, 0, 0},
};

struct bad {
    const char *in, *why;
};

static const struct bad bad[] = {
    {"http://user:pw@host/", "credentials in the URL"},
    {"http://@host/", "credentials in the URL"},
    {"http://user@[::1]/", "credentials in the URL"},
    {"http://h:0/", "port out of range"},
    {"http://h:65536/", "port out of range"},
    {"http://h:99999999999999999999/", "port out of range"},
    {"http://h:8x/", "bad port"},
    {"http://h:-1/", "bad port"},
    {"http://h:+80/", "bad port"},
    {"ftp://h/", "unsupported URL scheme \"ftp\""},
    {"javascript:alert(1)", "unsupported URL scheme"},
    {"httpx://h/", "unsupported URL scheme"},
    {"h/x", "not an absolute URL"},
    {"//h/x", "not an absolute URL"},
    {"", "not an absolute URL"},
    {"http:/h", "\"//\" and a host expected"},
    {"http:h", "\"//\" and a host expected"},
    {"http://h/a b", "byte 11 is a space"},
    {" http://h/", "space"},
    {"http://h/a\tb", "control"},
    {"http://h/a\r\nX: y", "control"},
    {"http://h/\x80", "non-ASCII"},
    {"http://h/\x7f", "non-ASCII"},
    {"http://h/#frag with space", "space"},
    {"http:///x", "no host"},
    {"http://", "no host"},
    {"http://:80/", "no host"},
    {"http://h_x/", "bad character '_'"},
    {"http://%68/", "percent-encoding in a host"},
    {"http://[fe80::1%ee0]/", "ambiguous IPv6 zone id"},
    {"http://[fe80::1%25]/", "empty IPv6 zone id"},
    {"http://[fe80::1%]/", "empty IPv6 zone id"},
    {"http://[fe80::1%25e%30]/", "bad character in the IPv6 zone id"},
    {"http://[fe80::1%25e:0]/", "bad character in the IPv6 zone id"},
    {"http://[fe80::g]/", "bad IPv6 address"},
    {"http://[fe80:::1]/", "bad IPv6 address"},
    {"http://[1:2:3:4:5:6:7:8:9]/", "bad IPv6 address"},
    {"http://[]/", "bad IPv6 address"},
    {"http://[192.168.1.1]/", "bad IPv6 address"},
    {"http://[fe80::1/", "without ']'"},
    {"http://[fe80::1]x/", "after ']'"},
    {"http://fe80::1/", "goes in brackets"},
    {"http://h:80:90/", "goes in brackets"},
    {"http://[v1.x]/", "IPvFuture"},
    {"http://192.168.1/", "bad IPv4 address"},
    {"http://192.168.001.1/", "bad IPv4 address"},
    {"http://256.1.1.1/", "bad IPv4 address"},
    {"http://1.2.3.4.5/", "bad IPv4 address"},
    {"http://1.2.3.4./", "bad IPv4 address"},
    {"http://2130706433/", "bad IPv4 address"},
    {"http://0x7f.0.0.1/", "bad IPv4 address"},
    {"http://a..b/", "empty label"},
    {"http://.a/", "empty label"},
    {"http://./", "empty label"},
    {"http://a.b../", "empty label"},
    {"http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b/", "label longer"},
};

/* RFC 3986 5.4.1 and 5.4.2 against "http://a/b/c/d;p?q" (results as
 * path?query; NULL: refused). */
static const char *const resolve_cases[][2] = {
    {"g:h", NULL}, {"g", "http://a/b/c/g"}, {"./g", "http://a/b/c/g"},
    {"g/", "http://a/b/c/g/"}, {"/g", "http://a/g"}, {"//g", "http://g/"},
    {"?y", "http://a/b/c/d;p?y"}, {"g?y", "http://a/b/c/g?y"},
    {"#s", "http://a/b/c/d;p?q"}, {"g#s", "http://a/b/c/g"},
    {"g?y#s", "http://a/b/c/g?y"}, {";x", "http://a/b/c/;x"},
    {"g;x", "http://a/b/c/g;x"}, {"g;x?y#s", "http://a/b/c/g;x?y"},
    {"", "http://a/b/c/d;p?q"}, {".", "http://a/b/c/"}, {"./", "http://a/b/c/"},
    {"..", "http://a/b/"}, {"../", "http://a/b/"}, {"../g", "http://a/b/g"},
    {"../..", "http://a/"}, {"../../", "http://a/"}, {"../../g", "http://a/g"},
    /* 5.4.2 abnormal examples */
    {"../../../g", "http://a/g"}, {"../../../../g", "http://a/g"},
    {"/./g", "http://a/g"}, {"/../g", "http://a/g"}, {"g.", "http://a/b/c/g."},
    {".g", "http://a/b/c/.g"}, {"g..", "http://a/b/c/g.."}, {"..g", "http://a/b/c/..g"},
    {"./../g", "http://a/b/g"}, {"./g/.", "http://a/b/c/g/"},
    {"g/./h", "http://a/b/c/g/h"}, {"g/../h", "http://a/b/c/h"},
    {"g;x=1/./y", "http://a/b/c/g;x=1/y"}, {"g;x=1/../y", "http://a/b/c/y"},
    {"g?y/./x", "http://a/b/c/g?y/./x"}, {"g?y/../x", "http://a/b/c/g?y/../x"},
    {"g#s/./x", "http://a/b/c/g"}, {"g#s/../x", "http://a/b/c/g"},
    {"http:g", NULL},
    /* beyond the RFC */
    {"?", "http://a/b/c/d;p?"}, {"https://x/y/../z", "https://x/z"},
    {"HTTPS://X:8443", "https://x:8443/"}, {"//[::1]:8080/z", "http://[::1]:8080/z"},
    {"//u@x/", NULL}, {"http://u:p@x/", NULL}, {"ftp://x/", NULL},
    {"/a b", NULL}, {"/\xc3\xa9", NULL}, {"//", NULL}, {"/?a=../b", "http://a/?a=../b"},
};

static void test_good(void)
{
    size_t i;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        const struct good *g = &good[i];
        http_url u;
        gw_err e;
        int rc;
        gw_err_clear(&e);
        rc = http_url_parse(&u, g->in, strlen(g->in), &e);
        if (!CHECK(rc == 0, g->in)) {
            printf("#   %s\n", e.msg);
            continue;
        }
        CHECK_STR(u.host, g->host, g->in);
        CHECK_STR(u.target, g->target, g->in);
        CHECK(u.port == g->port && u.tls == g->tls && u.ipv6 == g->ipv6
              && u.port_given == g->port_given, g->in);
    }
}

static void test_bad(void)
{
    size_t i;
    http_url u;
    gw_err e;
    char big[GW_HTTP_URL_MAX + 2];
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "bad URL %d refused", (int)i);
        gw_err_clear(&e);
        CHECK(http_url_parse(&u, bad[i].in, strlen(bad[i].in), &e) == -1
              && e.kind == GW_EBAD_ARGUMENT, name);
        if (bad[i].why && !CHECK(strstr(e.msg, bad[i].why) != NULL, bad[i].why))
            check_show(e.msg, bad[i].why);
        CHECK(strncmp(e.msg, "http: ", 6) == 0, "message starts with http:");
    }
    CHECK(http_url_parse(&u, "http://h/\0x", 11, &e) == -1, "NUL inside the given length");
    memset(big, 'a', sizeof big);
    memcpy(big, "http://h/", 9);
    CHECK(http_url_parse(&u, big, GW_HTTP_URL_MAX, &e) == 0, "URL of the maximum length");
    CHECK(strlen(u.target) == GW_HTTP_URL_MAX - 8, "its target");
    CHECK(http_url_parse(&u, big, GW_HTTP_URL_MAX + 1, &e) == -1
          && strstr(e.msg, "longer than") != NULL, "URL one byte too long");
}

static void test_resolve(void)
{
    size_t i;
    http_url base, out;
    gw_err e;
    char text[HTTP_URL_TEXT_MAX];
    CHECK(http_url_parse(&base, "http://a/b/c/d;p?q", 18, &e) == 0, "resolve base");
    for (i = 0; i < sizeof resolve_cases / sizeof resolve_cases[0]; i++) {
        const char *ref = resolve_cases[i][0], *want = resolve_cases[i][1];
        int rc;
        gw_err_clear(&e);
        rc = http_url_resolve(&base, ref, strlen(ref), &out, &e);
        if (!want) {
            CHECK(rc == -1 && e.kind == GW_EPROTOCOL, ref);
            continue;
        }
        if (!CHECK(rc == 0, ref)) {
            printf("#   %s\n", e.msg);
            continue;
        }
        CHECK(http_url_format(&out, text, sizeof text) > 0, "format");
        CHECK_STR(text, want, ref);
    }
    /* out may be base; the zone and port survive a relative reference */
    CHECK(http_url_parse(&base, "http://[fe80::1%25eth0]:8080/x/y", 32, &e) == 0, "zone base");
    CHECK(http_url_resolve(&base, "../z?q", 6, &base, &e) == 0, "resolve in place");
    CHECK(http_url_format(&base, text, sizeof text) > 0, "format in place");
    CHECK_STR(text, "http://[fe80::1%25eth0]:8080/z?q", "resolve in place");
    CHECK(http_url_resolve(&base, "", 0, &base, &e) == 0
          && strcmp(base.target, "/z?q") == 0, "empty reference in place");
    CHECK(http_url_resolve(&base, "#f", 2, &out, &e) == 0
          && strcmp(out.target, "/z?q") == 0, "fragment only");
}

static void test_origin_authority(void)
{
    static const char *const cases[][3] = {
        /* url, Host value, formatted */
        {"http://[fe80::1%25eth0]:8080/", "[fe80::1]:8080", "http://[fe80::1%25eth0]:8080/"},
        {"http://[fe80::1%eth0]/a", "[fe80::1]", "http://[fe80::1%25eth0]/a"},
        {"https://h:443/", "h", "https://h/"},
        {"http://h:443/", "h:443", "http://h:443/"},
        {"https://h:80/", "h:80", "https://h:80/"},
        {"http://[::1]/", "[::1]", "http://[::1]/"},
        {"HTTP://NTT.SETUP:80", "ntt.setup", "http://ntt.setup/"},
    };
    size_t i;
    http_url a, b;
    gw_err e;
    char out[HTTP_URL_TEXT_MAX];
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(http_url_parse(&a, cases[i][0], strlen(cases[i][0]), &e) == 0, cases[i][0]);
        http_url_authority(&a, out, sizeof out);
        CHECK_STR(out, cases[i][1], "authority");
        CHECK(http_url_format(&a, out, sizeof out) == (long)strlen(cases[i][2]), "format length");
        CHECK_STR(out, cases[i][2], "format");
        CHECK(http_url_parse(&b, out, strlen(out), &e) == 0 && http_url_same_origin(&a, &b)
              && strcmp(a.target, b.target) == 0, "format round trip");
    }
    http_url_parse(&a, "http://[fe80::1%25eth0]:8080/", 29, &e);
    http_url_authority(&a, out, 6);
    CHECK_STR(out, "[fe80", "authority truncated");
    CHECK(http_url_format(&a, out, 10) == -1, "format too small");
    http_url_parse(&a, "http://a/", 9, &e);
    http_url_parse(&b, "HTTP://A:80/x?y", 15, &e);
    CHECK(http_url_same_origin(&a, &b), "same origin: case, default port, path");
    http_url_parse(&b, "https://a/", 10, &e);
    CHECK(!http_url_same_origin(&a, &b), "scheme differs");
    http_url_parse(&b, "http://a:8080/", 14, &e);
    CHECK(!http_url_same_origin(&a, &b), "port differs");
    http_url_parse(&b, "http://a.example/", 17, &e);
    CHECK(!http_url_same_origin(&a, &b), "host differs");
    http_url_parse(&a, "http://[fe80::1%25eth0]/", 24, &e);
    http_url_parse(&b, "http://[fe80::1%25eth1]/", 24, &e);
    CHECK(!http_url_same_origin(&a, &b), "zone differs");
}

int main(void)
{
    test_good();
    test_bad();
    test_resolve();
    test_origin_authority();
    return CHECK_DONE();
}
