/* Response heads (RFC 9112 4-5) and body framing (RFC 9112 6.3). */
#include <stdio.h>
#include <stdlib.h>
#include "http/head.h"
#include "unit/check.h"

/* Feeds text split on '\n' (the reader's lines); the last feed's result. */
static int feed_text(http_head *h, const char *text, gw_err *e)
{
    int rc = 0;
    gw_err_clear(e);
    while (*text && rc == 0) {
        const char *nl = strchr(text, '\n');
        size_t len = nl ? (size_t)(nl - text) : strlen(text);
        rc = http_head_feed(h, text, len, e);
        text += len + (nl ? 1 : 0);
    }
    return rc;
}

static const char lighttpd_401[] =
    "HTTP/1.1 401 Unauthorized\n"
    "WWW-Authenticate: Digest realm=\"gwkit\", charset=UTF-8, algorithm=SHA-256, "
    "nonce=\"65f1a3e0:4d3b4a5c0d9e7f2c1b0a\", qop=\"auth\"\n"
    "WWW-Authenticate: Digest realm=\"gwkit\", charset=UTF-8, algorithm=MD5, "
    "nonce=\"65f1a3e0:4d3b4a5c0d9e7f2c1b0a\", qop=\"auth\"\n"
    "Content-Type: text/html\n"
    "Content-Length: 351\n"
    "Date: Sat, 16 Mar 2024 12:00:00 GMT\n"
    "Server: lighttpd/1.4.69\n"
    "\n";

static void test_lighttpd(void)
{
    http_head h;
    http_framing f;
    gw_err e;
    size_t len = 0;
    int i, n = 0;
    http_head_init(&h);
    CHECK(feed_text(&h, lighttpd_401, &e) == 1 && h.done, "lighttpd 401 head complete");
    CHECK(h.status == 401 && h.minor == 1, "status 401, HTTP/1.1");
    CHECK_STR(h.reason, "Unauthorized", "reason");
    CHECK(h.nfields == 6, "six fields");
    for (i = http_head_next(&h, "www-authenticate", 0); i >= 0;
         i = http_head_next(&h, "WWW-AUTHENTICATE", i + 1)) {
        const char *v = http_head_value(&h, i, &len);
        CHECK(strncmp(v, "Digest realm=\"gwkit\"", 20) == 0 && len == strlen(v),
              "WWW-Authenticate value");
        n++;
    }
    CHECK(n == 2, "two challenges in arrival order");
    CHECK(strstr(http_head_value(&h, 0, NULL), "SHA-256") != NULL, "SHA-256 first");
    CHECK_STR(http_head_name(&h, 3, &len), "Content-Length", "name as received");
    CHECK(len == 14, "name length");
    CHECK_STR(http_head_get(&h, "content-length", &len), "351", "get is case-insensitive");
    CHECK(http_head_get(&h, "content-lengt", NULL) == NULL, "no prefix match");
    CHECK(http_head_get(&h, "x-missing", NULL) == NULL, "missing field");
    CHECK(http_head_name(&h, 6, NULL) == NULL && http_head_value(&h, -1, NULL) == NULL,
          "index out of range");
    CHECK(http_head_framing(&h, 0, &f, &e) == 0 && f.kind == HTTP_BODY_LENGTH
          && f.length == 351 && f.keep_alive && !f.other_coding, "framing: 351 bytes, keep-alive");
    CHECK(http_head_feed(&h, "X: y", 4, &e) == -1 && e.kind == GW_EBAD_ARGUMENT,
          "feed after the end");
    http_head_reset(&h);
    CHECK(h.status == 0 && h.nfields == 0 && !h.done && h.store.len == 0, "reset");
    CHECK(http_head_framing(&h, 0, &f, &e) == -1 && e.kind == GW_EBAD_ARGUMENT,
          "framing of an incomplete head");
    CHECK(feed_text(&h, "HTTP/1.1 200 OK\nSet-Cookie: a=1\nSet-Cookie: b=2\n"
                    "set-cookie: c=3\nX:   spaced  value \t\nY:\nZ:\t\xe3\x81\x82\x80\xff\n\n",
                    &e) == 1, "duplicates and odd values");
    CHECK_STR(http_head_get(&h, "Set-Cookie", NULL), "a=1", "first of duplicates");
    CHECK(http_head_next(&h, "set-cookie", 1) == 1 && http_head_next(&h, "set-cookie", 2) == 2
          && http_head_next(&h, "set-cookie", 3) == -1, "each duplicate");
    CHECK_STR(http_head_get(&h, "x", &len), "spaced  value", "OWS trimmed");
    CHECK(len == 13, "trimmed length");
    CHECK_STR(http_head_get(&h, "y", &len), "", "empty value");
    CHECK_STR(http_head_get(&h, "z", NULL), "\xe3\x81\x82\x80\xff", "8-bit value kept");
    http_head_free(&h);
}

static const char *const good_status[][3] = {
    {"HTTP/1.1 200 OK", "200", "OK"}, {"HTTP/1.0 404 Not Found", "404", "Not Found"},
    {"HTTP/1.1 204", "204", ""}, {"HTTP/1.1 200 ", "200", ""},
    {"HTTP/1.1 599 x", "599", "x"}, {"HTTP/1.1 100 Continue", "100", "Continue"},
    {"HTTP/1.1 200 \xe6\x88\x90\xe5\x8a\x9f", "200", "\xe6\x88\x90\xe5\x8a\x9f"},
    {"HTTP/1.1 500 Internal\tError  ", "500", "Internal\tError  "},
    {"HTTP/1.9 200 OK", "200", "OK"},
};

static const char *const bad_status[] = {
    "", "HTTP/1.1", "HTTP/1.1 ", "HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 099 X",
    "HTTP/1.1 600 X", "HTTP/1.1 000", "http/1.1 200 OK", "HTTP/2 200", "HTTP/2.0 200 OK",
    "HTTP/1.1  200 OK", "HTTP/1.1 200\tOK", "HTTP/1.1 200 O\x01K", "ICY 200 OK", "<html>",
    "HTTP/1.1 20x OK", "HTTP/1.a 200 OK", "HTTP/1.1 200 OK\r", "HTTP/11 200 OK",
    " HTTP/1.1 200 OK", "HTTP/1.1 -200 OK", "HTTP/0.9 200 OK", "HTTP/1.1 200 \x7f",
};

static const char *const bad_fields[][2] = {
    {" folded", "obsolete line folding"}, {"\tfolded", "obsolete line folding"},
    {"Name : v", "space before the colon"}, {"Name\t: v", "space before the colon"},
    {"NoColon", "no colon"}, {": novalue", "no name"}, {"Na(me): v", "bad name"},
    {"Na me: v", "bad name"}, {"X: a\x01" "b", "control character"},
    {"X: a\rb", "control character"}, {"X: a\x7f" "b", "control character"},
    {"X: trailing CR\r", "control character"}, {"\xc3\xa9: v", "bad name"},
};

static void test_lines(void)
{
    http_head h;
    gw_err e;
    size_t i;
    char name[64], *big;
    http_head_init(&h);
    for (i = 0; i < sizeof good_status / sizeof good_status[0]; i++) {
        http_head_reset(&h);
        CHECK(http_head_feed(&h, good_status[i][0], strlen(good_status[i][0]), &e) == 0
              && h.status == atoi(good_status[i][1]), good_status[i][1]);
        CHECK_STR(h.reason, good_status[i][2], "reason");
    }
    for (i = 0; i < sizeof bad_status / sizeof bad_status[0]; i++) {
        snprintf(name, sizeof name, "bad status line %d", (int)i);
        http_head_reset(&h);
        CHECK(http_head_feed(&h, bad_status[i], strlen(bad_status[i]), &e) == -1
              && e.kind == GW_EPROTOCOL && strncmp(e.msg, "http: ", 6) == 0, name);
    }
    http_head_reset(&h);
    CHECK(http_head_feed(&h, "HTTP/2.0 200 OK", 15, &e) == -1
          && strstr(e.msg, "not an HTTP/1.x response") != NULL, "HTTP/2 named");
    http_head_reset(&h);
    CHECK(http_head_feed(&h, "HTTP/1.1 200 \x01", 14, &e) == -1
          && strstr(e.msg, "\\x01") != NULL, "bad byte quoted in the message");
    for (i = 0; i < sizeof bad_fields / sizeof bad_fields[0]; i++) {
        snprintf(name, sizeof name, "bad field %d: %s", (int)i, bad_fields[i][1]);
        http_head_reset(&h);
        http_head_feed(&h, "HTTP/1.1 200 OK", 15, &e);
        CHECK(http_head_feed(&h, bad_fields[i][0], strlen(bad_fields[i][0]), &e) == -1
              && e.kind == GW_EPROTOCOL && strstr(e.msg, bad_fields[i][1]) != NULL, name);
    }
    http_head_reset(&h);
    http_head_feed(&h, "HTTP/1.1 200 OK", 15, &e);
    CHECK(http_head_feed(&h, "X: a\0b", 6, &e) == -1, "NUL in a value");
    big = malloc(GW_HTTP_LINE_MAX + 2);
    memset(big, 'a', GW_HTTP_LINE_MAX + 1);
    big[0] = 'X';
    big[1] = ':';
    http_head_reset(&h);
    http_head_feed(&h, "HTTP/1.1 200 OK", 15, &e);
    CHECK(http_head_feed(&h, big, GW_HTTP_LINE_MAX, &e) == 0, "line of the maximum length");
    CHECK(http_head_feed(&h, big, GW_HTTP_LINE_MAX + 1, &e) == -1
          && strstr(e.msg, "longer than") != NULL, "line one byte too long");
    http_head_reset(&h);
    big[GW_HTTP_LINE_MAX] = '\0';
    memcpy(big, "HTTP/1.1 200 ", 13);
    CHECK(http_head_feed(&h, big, GW_HTTP_LINE_MAX, &e) == 0
          && strlen(h.reason) == sizeof h.reason - 1, "long reason truncated");
    free(big);
    http_head_free(&h);
}

static void test_bounds(void)
{
    http_head h;
    gw_err e;
    int i, rc = 0;
    char line[GW_HTTP_LINE_MAX];
    http_head_init(&h);
    http_head_feed(&h, "HTTP/1.1 200 OK", 15, &e);
    for (i = 0; i < GW_HTTP_HEADERS_MAX && rc == 0; i++) {
        int n = snprintf(line, sizeof line, "X-%d: %d", i, i);
        rc = http_head_feed(&h, line, (size_t)n, &e);
    }
    CHECK(rc == 0 && h.nfields == GW_HTTP_HEADERS_MAX, "the maximum number of fields");
    CHECK(http_head_feed(&h, "X: y", 4, &e) == -1 && strstr(e.msg, "more than") != NULL,
          "one field too many");
    http_head_reset(&h);
    http_head_feed(&h, "HTTP/1.1 200 OK", 15, &e);
    memset(line, 'v', sizeof line);
    memcpy(line, "X:", 2);
    for (i = 0, rc = 0; i < 20 && rc == 0; i++)
        rc = http_head_feed(&h, line, sizeof line, &e);
    CHECK(rc == -1 && strstr(e.msg, "larger than 65536 bytes") != NULL
          && h.store.len <= GW_HTTP_HEADER_BYTES && i == 8, "header bytes bounded");
    http_head_free(&h);
}

struct framing_case {
    const char *head;
    int head_request, kind;
    unsigned long long length;
    int keep_alive, other;          /* kind -1: an error */
};

#define OK11 "HTTP/1.1 200 OK\n"
#define OK10 "HTTP/1.0 200 OK\n"
static const struct framing_case framing[] = {
    {OK11 "Content-Length: 10\n", 0, HTTP_BODY_LENGTH, 10, 1, 0},
    {OK11, 0, HTTP_BODY_CLOSE, 0, 0, 0},
    {OK11 "Connection: close\nContent-Length: 5\n", 0, HTTP_BODY_LENGTH, 5, 0, 0},
    {OK11 "Connection: Keep-Alive, CLOSE\nContent-Length: 5\n", 0, HTTP_BODY_LENGTH, 5, 0, 0},
    {OK11 "Connection: upgrade\nConnection: ,close ,\nContent-Length: 5\n", 0,
     HTTP_BODY_LENGTH, 5, 0, 0},
    {OK11 "Connection: closed\nContent-Length: 5\n", 0, HTTP_BODY_LENGTH, 5, 1, 0},
    {OK10 "Content-Length: 5\n", 0, HTTP_BODY_LENGTH, 5, 0, 0},
    {OK10 "Content-Length: 5\nConnection: keep-alive\n", 0, HTTP_BODY_LENGTH, 5, 1, 0},
    {OK10 "Connection: keep-alive\n", 0, HTTP_BODY_CLOSE, 0, 0, 0},
    {OK10 "Connection: keep-alive, close\nContent-Length: 1\n", 0, HTTP_BODY_LENGTH, 1, 0, 0},
    {"HTTP/1.1 204 No Content\nContent-Length: 10\n", 0, HTTP_BODY_NONE, 0, 1, 0},
    {"HTTP/1.1 304 Not Modified\nTransfer-Encoding: chunked\n", 0, HTTP_BODY_NONE, 0, 1, 0},
    {"HTTP/1.1 100 Continue\n", 0, HTTP_BODY_NONE, 0, 1, 0},
    {"HTTP/1.1 101 Switching Protocols\nConnection: close\n", 0, HTTP_BODY_NONE, 0, 0, 0},
    {OK11 "Content-Length: 1000\n", 1, HTTP_BODY_NONE, 0, 1, 0},
    {OK11 "Content-Length: x\n", 1, HTTP_BODY_NONE, 0, 1, 0},
    {OK11 "Transfer-Encoding: chunked\n", 0, HTTP_BODY_CHUNKED, 0, 1, 0},
    {OK11 "Transfer-Encoding: Chunked\n", 0, HTTP_BODY_CHUNKED, 0, 1, 0},
    {OK11 "Transfer-Encoding: gzip, chunked\n", 0, HTTP_BODY_CHUNKED, 0, 1, 1},
    {OK11 "Transfer-Encoding: gzip;q=1 , chunked ;x=y\n", 0, HTTP_BODY_CHUNKED, 0, 1, 1},
    {OK11 "Transfer-Encoding: gzip\nTransfer-Encoding: chunked\n", 0, HTTP_BODY_CHUNKED, 0, 1, 1},
    {OK11 "Transfer-Encoding: ,chunked,\n", 0, HTTP_BODY_CHUNKED, 0, 1, 0},
    {OK11 "Transfer-Encoding: chunked, gzip\n", 0, HTTP_BODY_CLOSE, 0, 0, 1},
    {OK11 "Transfer-Encoding: gzip\n", 0, HTTP_BODY_CLOSE, 0, 0, 1},
    {OK11 "Transfer-Encoding: chunked\nContent-Length: 5\n", 0, HTTP_BODY_CHUNKED, 0, 0, 0},
    {OK11 "Content-Length: zz\nTransfer-Encoding: chunked\n", 0, HTTP_BODY_CHUNKED, 0, 0, 0},
    {OK11 "Transfer-Encoding: chunked\nConnection: close\n", 0, HTTP_BODY_CHUNKED, 0, 0, 0},
    {OK11 "Transfer-Encoding: chunked, chunked\n", 0, -1, 0, 0, 0},
    {OK11 "Transfer-Encoding: chunked\nTransfer-Encoding: chunked\n", 0, -1, 0, 0, 0},
    {OK11 "Transfer-Encoding:\n", 0, -1, 0, 0, 0},
    {OK11 "Transfer-Encoding: ,\n", 0, -1, 0, 0, 0},
    {OK11 "Transfer-Encoding: chu nked\n", 0, -1, 0, 0, 0},
    {OK11 "Transfer-Encoding: \"chunked\"\n", 0, -1, 0, 0, 0},
    {OK10 "Transfer-Encoding: chunked\n", 0, -1, 0, 0, 0},
    {OK11 "Content-Length: 5, 5\n", 0, HTTP_BODY_LENGTH, 5, 1, 0},
    {OK11 "Content-Length: 5\nContent-Length: 005\n", 0, HTTP_BODY_LENGTH, 5, 1, 0},
    {OK11 "Content-Length: 5\nContent-Length: 6\n", 0, -1, 0, 0, 0},
    {OK11 "Content-Length: 5, 6\n", 0, -1, 0, 0, 0},
    {OK11 "Content-Length:\n", 0, -1, 0, 0, 0},
    {OK11 "Content-Length: 5,\n", 0, -1, 0, 0, 0},
    {OK11 "Content-Length: -1\n", 0, -1, 0, 0, 0},
    {OK11 "Content-Length: +5\n", 0, -1, 0, 0, 0},
    {OK11 "Content-Length: 0x10\n", 0, -1, 0, 0, 0},
    {OK11 "Content-Length: 5 5\n", 0, -1, 0, 0, 0},
    {OK11 "Content-Length: 18446744073709551615\n", 0, HTTP_BODY_LENGTH,
     18446744073709551615ULL, 1, 0},
    {OK11 "Content-Length: 18446744073709551616\n", 0, -1, 0, 0, 0},
    {OK11 "Content-Length: 99999999999999999999999999\n", 0, -1, 0, 0, 0},
    {OK11 "Content-Length: 0\n", 0, HTTP_BODY_LENGTH, 0, 1, 0},
    {"HTTP/1.1 404 Not Found\nContent-Length: 007\n", 0, HTTP_BODY_LENGTH, 7, 1, 0},
};

static void test_framing(void)
{
    size_t i;
    for (i = 0; i < sizeof framing / sizeof framing[0]; i++) {
        const struct framing_case *c = &framing[i];
        char text[512], name[80];
        http_head h;
        http_framing f;
        gw_err e;
        int rc;
        snprintf(text, sizeof text, "%s\n", c->head);
        snprintf(name, sizeof name, "framing %d", (int)i);
        http_head_init(&h);
        if (!CHECK(feed_text(&h, text, &e) == 1, name)) {
            printf("#   %s\n", e.msg);
            http_head_free(&h);
            continue;
        }
        rc = http_head_framing(&h, c->head_request, &f, &e);
        if (c->kind < 0) {
            CHECK(rc == -1 && e.kind == GW_EPROTOCOL, name);
        } else if (!CHECK(rc == 0 && f.kind == c->kind && f.length == c->length
                          && f.keep_alive == c->keep_alive && f.other_coding == c->other,
                          name)) {
            printf("#   rc %d kind %d length %llu keep_alive %d other %d\n", rc, f.kind,
                   f.length, f.keep_alive, f.other_coding);
        }
        http_head_free(&h);
    }
}

int main(void)
{
    test_lighttpd();
    test_lines();
    test_bounds();
    test_framing();
    return CHECK_DONE();
}
