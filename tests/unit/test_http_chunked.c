/* The chunked decoder (RFC 9112 7.1): every case is decoded whole, one byte
 * at a time and in random pieces, and must give the same result each way. */
#include <stdio.h>
#include <stdlib.h>
#include "http/chunked.h"
#include "core/limits.h"
#include "unit/check.h"

struct result {
    int rc;
    size_t used;                    /* input consumed, summed over feeds */
    char body[256], trailers[256], err[GW_ERR_MSG];
};

/* Decodes in[0..n) in pieces: step 0 whole, 1 byte at a time, otherwise
 * random sizes from seed `step`. */
static void decode(const char *in, size_t n, unsigned step, size_t cap, struct result *r)
{
    http_chunked c;
    gw_buf out;
    gw_err e;
    size_t i = 0;
    unsigned seed = step;
    http_chunked_init(&c);
    gw_buf_init(&out, cap);
    gw_err_clear(&e);
    r->rc = 0;
    r->used = 0;
    while (i < n && r->rc == 0) {
        size_t k = step == 0 ? n : step == 1 ? 1 : 1 + (seed = seed * 1103515245u + 12345u) % 7;
        size_t used = 0;
        if (k > n - i)
            k = n - i;
        r->rc = http_chunked_feed(&c, in + i, k, &used, &out, &e);
        if (r->rc == 0 && used != k)
            r->rc = 99;                         /* the contract: all of it */
        r->used += used;
        i += k;
    }
    snprintf(r->body, sizeof r->body, "%s", out.data ? out.data : "");
    snprintf(r->trailers, sizeof r->trailers, "%s", c.trailers.data ? c.trailers.data : "");
    snprintf(r->err, sizeof r->err, "%s", e.msg);
    if (r->rc == 1) {
        size_t used = 9;
        if (http_chunked_feed(&c, "5\r\n", 3, &used, &out, &e) != 1 || used != 0)
            r->rc = 98;                         /* done stays done */
    } else if (r->rc == -1) {
        size_t used = 0;
        if (http_chunked_feed(&c, "0\r\n\r\n", 5, &used, &out, &e) != -1)
            r->rc = 97;                         /* broken stays broken */
    }
    if (c.total != out.len)
        r->rc = 96;
    gw_buf_free(&out);
    http_chunked_free(&c);
}

struct chunk_case {
    const char *in;
    size_t n;                       /* 0: strlen(in) */
    int rc;
    long used;                      /* -1: all of it */
    const char *body, *trailers, *err;
};

static const struct chunk_case cases[] = {
    {"5\r\nhello\r\n0\r\n\r\n", 0, 1, -1, "hello", "", NULL},
    {"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 0, 1, -1, "hello world", "", NULL},
    {"5;name=value\r\nhello\r\n0;x=\"q;\\\"u\x80ted\" ; y\r\n\r\n", 0, 1, -1, "hello", "", NULL},
    {"5 ;a\r\nhello\r\n0\t \r\n\r\n", 0, 1, -1, "hello", "", NULL},
    {"5 \r\nhello\r\n0\r\n\r\n", 0, 1, -1, "hello", "", NULL},
    {"A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", 0, 1, -1,
     "0123456789abcdefghij", "", NULL},
    {"0005\r\nhello\r\n000\r\n\r\n", 0, 1, -1, "hello", "", NULL},
    {"5\r\nhello\r\n0\r\nX-Sum:  abc \r\nExpires:1\r\nE:\r\n\r\n", 0, 1, -1, "hello",
     "X-Sum: abc\nExpires: 1\nE: \n", NULL},
    {"0\r\nX: a\xff\tb\r\n\r\n", 0, 1, -1, "", "X: a\xff\tb\n", NULL},
    {"5\nhello\r\n0\n\n", 0, 1, -1, "hello", "", NULL},
    {"0\r\n\r\nHTTP/1.1 200 OK\r\n", 0, 1, 5, "", "", NULL},
    {"3\r\nabc\r\n0\r\nT: v\r\n\r\n3\r\nxyz", 0, 1, 19, "abc", "T: v\n", NULL},
    {"5\r\nhel", 0, 0, -1, "hel", "", NULL},
    {"5\r\nhello\r\n0\r\nX: y\r\n", 0, 0, -1, "hello", "X: y\n", NULL},
    {"ffffffffffffffff\r\nab", 0, 0, -1, "ab", "", NULL},
    {"3\r\na\0c\r\n0\r\n\r\n", 13, 1, -1, "a", "", NULL},
    {"g\r\n", 0, -1, 0, "", "", "bad chunk size line"},
    {"\r\n", 0, -1, 0, "", "", "bad chunk size line"},
    {";x\r\n", 0, -1, 0, "", "", "bad chunk size line"},
    {" 5\r\n", 0, -1, 0, "", "", "bad chunk size line"},
    {"-1\r\n", 0, -1, 0, "", "", "bad chunk size line"},
    {"0x5\r\n", 0, -1, 1, "", "", "bad chunk size line"},
    {"5 x\r\n", 0, -1, 2, "", "", "bad chunk size line"},
    {"5\0\r\n", 4, -1, 1, "", "", "bad chunk size line"},
    {"5;a\x01\r\n", 0, -1, 3, "", "", "control character in a chunk extension"},
    {"5;a\x7f\r\n", 0, -1, 3, "", "", "control character in a chunk extension"},
    {"00000000000000001\r\n", 0, -1, 16, "", "", "too many digits"},
    {"5\r\nhelloX\r\n", 0, -1, 8, "hello", "", "not followed by CRLF"},
    {"5\r\nhello\n0\r\n\r\n", 0, -1, 8, "hello", "", "not followed by CRLF"},
    {"5\r\nhello\rX", 0, -1, 9, "hello", "", "not followed by CRLF"},
    {"5\rX", 0, -1, 2, "", "", "CR without LF"},
    {"0\r\nX: y\rZ", 0, -1, 8, "", "X: y", "CR without LF"},
    {"0\r\nA: b\r\n c\r\n\r\n", 0, -1, 9, "", "A: b\n", "bad trailer field"},
    {"0\r\nnocolon\r\n\r\n", 0, -1, 11, "", "nocolon", "bad trailer field"},
    {"0\r\nA : b\r\n\r\n", 0, -1, 9, "", "A : b", "bad trailer field"},
    {"0\r\n: b\r\n\r\n", 0, -1, 7, "", ": b", "bad trailer field"},
    {"0\r\nA: \x01\r\n\r\n", 0, -1, 6, "", "A: ", "bad trailer field"},
};

static void test_cases(void)
{
    static const unsigned steps[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
    size_t i, s;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct chunk_case *c = &cases[i];
        size_t n = c->n ? c->n : strlen(c->in);
        size_t used = c->used < 0 ? n : (size_t)c->used;
        char name[64];
        struct result whole;
        snprintf(name, sizeof name, "case %d", (int)i);
        decode(c->in, n, 0, 1024, &whole);
        if (!CHECK(whole.rc == c->rc && whole.used == used, name))
            printf("#   rc %d used %lu: %s\n", whole.rc, (unsigned long)whole.used, whole.err);
        CHECK_STR(whole.body, c->body, "body");
        CHECK_STR(whole.trailers, c->trailers, "trailers");
        if (c->err && !CHECK(strstr(whole.err, c->err) != NULL, c->err))
            check_show(whole.err, c->err);
        for (s = 1; s < sizeof steps / sizeof steps[0]; s++) {
            struct result r;
            decode(c->in, n, steps[s], 1024, &r);
            if (!CHECK(r.rc == whole.rc && r.used == whole.used && !strcmp(r.body, whole.body)
                       && !strcmp(r.trailers, whole.trailers) && !strcmp(r.err, whole.err),
                       s == 1 ? "byte at a time: same result" : "random pieces: same result"))
                printf("#   step %u rc %d used %lu err %s\n", steps[s], r.rc,
                       (unsigned long)r.used, r.err);
        }
    }
}

static void test_every_split(void)
{
    static const char in[] = "4;ext=\"a b\"\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks."
                             "\r\n0\r\nDate: Sun, 06 Nov 1994\r\n\r\nNEXT";
    size_t n = sizeof in - 1, cut;
    int ok = 1;
    for (cut = 0; cut <= n; cut++) {
        http_chunked c;
        gw_buf out;
        gw_err e;
        size_t u1 = 0, u2 = 0;
        int rc;
        http_chunked_init(&c);
        gw_buf_init(&out, 1024);
        rc = http_chunked_feed(&c, in, cut, &u1, &out, &e);
        if (rc == 0)
            rc = http_chunked_feed(&c, in + u1, n - u1, &u2, &out, &e);
        ok &= rc == 1 && u1 + u2 == n - 4 && out.len == 23
              && strcmp(out.data, "Wikipedia in\r\n\r\nchunks.") == 0
              && strcmp(c.trailers.data, "Date: Sun, 06 Nov 1994\n") == 0;
        gw_buf_free(&out);
        http_chunked_free(&c);
    }
    CHECK(ok, "split at every byte boundary (RFC example with CRLF inside data)");
}

static void test_bounds(void)
{
    static const char two[] = "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n";
    struct result r;
    char *big;
    size_t i;
    decode(two, sizeof two - 1, 0, 10, &r);
    CHECK(r.rc == 1 && strcmp(r.body, "helloworld") == 0, "body of exactly the cap");
    decode(two, sizeof two - 1, 1, 8, &r);
    CHECK(r.rc == -1 && strstr(r.err, "body larger than 8 bytes") != NULL, "body over the cap");
    decode(two, sizeof two - 1, 0, 8, &r);
    CHECK(r.rc == -1 && strcmp(r.body, "hellowor") == 0 && r.used == 16, "cap: filled, then refused");
    big = malloc(2 * GW_HTTP_HEADER_BYTES);
    memset(big, 'a', 2 * GW_HTTP_HEADER_BYTES);
    memcpy(big, "5;", 2);
    big[GW_HTTP_LINE_MAX - 2] = '\r';
    big[GW_HTTP_LINE_MAX - 1] = '\n';
    decode(big, GW_HTTP_LINE_MAX + 1, 0, 16, &r);
    CHECK(r.rc == 0, "size line of the maximum length");
    big[GW_HTTP_LINE_MAX - 2] = 'a';
    big[GW_HTTP_LINE_MAX - 1] = 'a';
    decode(big, GW_HTTP_LINE_MAX + 1, 0, 16, &r);
    CHECK(r.rc == -1 && strstr(r.err, "line too long") != NULL, "size line too long");
    memcpy(big, "0\r\nX:", 5);
    decode(big, GW_HTTP_LINE_MAX + 8, 0, 16, &r);
    CHECK(r.rc == -1 && strstr(r.err, "trailer line too long") != NULL, "trailer line too long");
    for (i = 3; i + 8 < 2 * GW_HTTP_HEADER_BYTES; i += 8)
        memcpy(big + i, "X:aaaa\r\n", 8);
    decode(big, 2 * GW_HTTP_HEADER_BYTES, 0, 16, &r);
    CHECK(r.rc == -1 && strstr(r.err, "trailer section too large") != NULL,
          "trailer section bounded");
    free(big);
}

int main(void)
{
    test_cases();
    test_every_split();
    test_bounds();
    return CHECK_DONE();
}
