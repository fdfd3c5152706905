/* libFuzzer: a response as the exchange reads it. The first byte is flags
 * (bit 0: the request was HEAD; the rest seeds the piece sizes); the rest
 * is split into lines on LF (a CR before the LF dropped, as gw_reader_line
 * does) and fed to http_head_feed until the head is complete or refused
 * (after a 1xx head, the next head is read, as the exchange does); then
 * the framing is computed, and a chunked body is decoded from the
 * bytes after the head, whole and in pieces. Checks: the head's fields
 * are tokens with clean values inside the bounds; framing agrees with the
 * status, method and fields; both decodings agree; reset and refeeding
 * gives the same head. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "http/head.h"
#include "http/chunked.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(c) do { if (!(c)) abort(); } while (0)
#define BODY_MAX (1u << 20)

static int is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Feeds lines; returns the feed result and sets *end past the last line fed. */
static int feed(http_head *h, const char *in, size_t n, size_t *end, gw_err *e)
{
    size_t p = 0;
    int rc = 0;
    while (rc == 0) {
        const char *nl = memchr(in + p, '\n', n - p);
        size_t len;
        if (!nl)
            break;
        len = (size_t)(nl - (in + p));
        rc = http_head_feed(h, in + p, len > 0 && nl[-1] == '\r' ? len - 1 : len, e);
        p += len + 1;
    }
    *end = p;
    return rc;
}

static void check_head(const http_head *h)
{
    int i;
    MUST(h->status >= 100 && h->status <= 599 && h->minor >= 0 && h->minor <= 9);
    MUST(h->nfields <= GW_HTTP_HEADERS_MAX && h->store.len <= GW_HTTP_HEADER_BYTES);
    MUST(strlen(h->reason) < sizeof h->reason);
    for (i = 0; i < h->nfields; i++) {
        size_t nl, vl, k;
        const char *name = http_head_name(h, i, &nl), *v = http_head_value(h, i, &vl);
        MUST(name && v && nl > 0 && strlen(name) == nl && strlen(v) == vl);
        for (k = 0; k < nl; k++)
            MUST(is_tchar(name[k]));
        for (k = 0; k < vl; k++)
            MUST((unsigned char)v[k] >= 0x20 ? v[k] != 0x7f : v[k] == '\t');
        MUST(vl == 0 || (v[0] != ' ' && v[0] != '\t' && v[vl - 1] != ' ' && v[vl - 1] != '\t'));
        k = (size_t)http_head_next(h, name, 0);
        MUST((int)k <= i && http_head_get(h, name, NULL) == http_head_value(h, (int)k, NULL));
    }
}

static int decode(const char *in, size_t n, uint32_t seed, gw_buf *out, size_t *used, char *err)
{
    http_chunked c;
    gw_err e;
    size_t p = 0;
    int rc = 0;
    http_chunked_init(&c);
    *used = 0;
    while (rc == 0 && p < n) {
        size_t k = seed ? 1 + (seed = seed * 1103515245u + 12345u) % 13 : n, u = 0;
        if (k > n - p)
            k = n - p;
        rc = http_chunked_feed(&c, in + p, k, &u, out, &e);
        MUST(u <= k && (rc != 0 || u == k));
        *used += u;
        p += k;
    }
    MUST(c.total == out->len);
    memcpy(err, rc < 0 ? e.msg : "", rc < 0 ? sizeof e.msg : 1);
    http_chunked_free(&c);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data + 1;
    size_t n, end, end2;
    http_head h;
    http_framing f;
    gw_err e;
    int rc, head_req;
    if (size < 1)
        return 0;
    n = size - 1;
    head_req = data[0] & 1;
    http_head_init(&h);
    rc = feed(&h, in, n, &end, &e);
    /* interim responses (100 Continue, 103 Early Hints) are skipped, as the
     * exchange does; in and n then start at the next head */
    while (rc == 1 && h.status < 200 && h.status != 101) {
        check_head(&h);
        in += end;
        n -= end;
        http_head_reset(&h);
        rc = feed(&h, in, n, &end, &e);
    }
    MUST(rc != -1 || e.kind == GW_EPROTOCOL || e.kind == GW_ENOMEM);
    if (h.status)
        check_head(&h);
    if (rc == 1) {
        int nf = h.nfields, status = h.status;
        size_t store = h.store.len;
        MUST(http_head_framing(&h, head_req, &f, &e) == 0 || e.kind == GW_EPROTOCOL);
        http_head_reset(&h);
        MUST(feed(&h, in, n, &end2, &e) == 1 && end2 == end && h.nfields == nf
             && h.status == status && h.store.len == store);
    }
    if (rc == 1 && http_head_framing(&h, head_req, &f, &e) == 0) {
        MUST(f.kind >= HTTP_BODY_NONE && f.kind <= HTTP_BODY_CLOSE);
        MUST(f.kind != HTTP_BODY_CLOSE || !f.keep_alive);
        MUST((f.kind == HTTP_BODY_NONE) == (head_req || h.status == 101 || h.status == 204
                                            || h.status == 304));
        MUST(f.kind != HTTP_BODY_LENGTH || http_head_get(&h, "content-length", NULL));
        MUST(f.kind != HTTP_BODY_CHUNKED || http_head_get(&h, "transfer-encoding", NULL));
        MUST(!f.keep_alive || h.minor > 0 || http_head_has_token(&h, "connection", "keep-alive"));
        MUST(!f.keep_alive || !http_head_has_token(&h, "connection", "close"));
        if (f.kind == HTTP_BODY_CHUNKED) {
            gw_buf a, b;
            size_t ua, ub;
            char ea[GW_ERR_MSG], eb[GW_ERR_MSG];
            int ra, rb;
            gw_buf_init(&a, BODY_MAX);
            gw_buf_init(&b, BODY_MAX);
            ra = decode(in + end, n - end, 0, &a, &ua, ea);
            rb = decode(in + end, n - end, data[0] | 1u, &b, &ub, eb);
            MUST(ra == rb && ua == ub && a.len == b.len && strcmp(ea, eb) == 0);
            MUST(a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
            MUST(a.len <= n - end);
            gw_buf_free(&a);
            gw_buf_free(&b);
        }
    }
    http_head_free(&h);
    return 0;
}
