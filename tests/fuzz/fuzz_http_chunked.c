/* libFuzzer: the chunked decoder. Bytes 0-1 seed the piece sizes, byte 2
 * picks out's cap (0: 1 MiB, else 4 * byte); the rest is the body. The
 * input is decoded whole, one byte at a time, in seeded pieces, and in
 * pieces with out emptied after every feed (streaming to a file). Checks:
 * every way gives the same result, used, body, trailers and message; the
 * output is no larger than the input and within the cap; trailers are
 * "name: value\n" lines; a complete body re-encoded as one chunk with the
 * same trailers decodes to the same body and trailers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http/chunked.h"
#include "core/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(c) do { if (!(c)) abort(); } while (0)

typedef struct run {
    int rc;
    size_t used;
    gw_buf body, trailers;
    char err[GW_ERR_MSG];
} run;

/* mode 0: whole; 1: a byte at a time; 2: seeded; 3: seeded, streaming. */
static void decode(const char *in, size_t n, int mode, uint32_t seed, size_t cap, run *r)
{
    http_chunked c;
    gw_buf out;
    gw_err e;
    size_t p = 0;
    http_chunked_init(&c);
    gw_buf_init(&out, mode == 3 ? n : cap);
    gw_buf_init(&r->body, cap);
    r->rc = 0;
    r->used = 0;
    r->err[0] = '\0';
    while (r->rc == 0 && p < n) {
        size_t u = 0, k = mode == 0 ? n : mode == 1 ? 1
                        : 1 + (seed = seed * 1664525u + 1013904223u) % 17;
        if (k > n - p)
            k = n - p;
        r->rc = http_chunked_feed(&c, in + p, k, &u, &out, &e);
        MUST(u <= k && (r->rc != 0 || u == k));
        r->used += u;
        p += k;
        if (mode == 3) {
            if (out.len > r->body.max - r->body.len) {
                /* the caller's own bound, with the decoder's message */
                snprintf(e.msg, sizeof e.msg, "http: body larger than %lu bytes",
                         (unsigned long)cap);
                r->rc = -1;
                break;
            }
            MUST(gw_buf_append(&r->body, out.data ? out.data : "", out.len) == 0);
            gw_buf_reset(&out);
        }
    }
    if (mode != 3)
        MUST(gw_buf_append(&r->body, out.data ? out.data : "", out.len) == 0);
    MUST(mode == 3 || c.total == r->body.len);
    if (r->rc < 0)
        memcpy(r->err, e.msg, sizeof e.msg);
    r->trailers = c.trailers;                   /* taken over */
    gw_buf_free(&out);
}

static void run_free(run *r)
{
    gw_buf_free(&r->body);
    gw_buf_free(&r->trailers);
}

static int same(const run *a, const run *b)
{
    return a->rc == b->rc && a->body.len == b->body.len && a->trailers.len == b->trailers.len
        && (a->body.len == 0 || memcmp(a->body.data, b->body.data, a->body.len) == 0)
        && (a->trailers.len == 0 || memcmp(a->trailers.data, b->trailers.data,
                                           a->trailers.len) == 0);
}

static void check_trailers(const gw_buf *t)
{
    size_t p = 0;
    while (p < t->len) {
        const char *nl = memchr(t->data + p, '\n', t->len - p), *colon;
        MUST(nl != NULL);
        colon = memchr(t->data + p, ':', (size_t)(nl - (t->data + p)));
        MUST(colon && colon > t->data + p && colon[1] == ' ');
        p = (size_t)(nl - t->data) + 1;
    }
}

/* One chunk with the body, then the trailers with CRLF line ends. */
static void reencode(const run *r)
{
    gw_buf w;
    char size[32];
    size_t i;
    run back;
    gw_buf_init(&w, r->body.len + 2 * r->trailers.len + 64);
    snprintf(size, sizeof size, "%lx\r\n", (unsigned long)r->body.len);
    MUST(gw_buf_puts(&w, r->body.len ? size : "") == 0);
    MUST(gw_buf_append(&w, r->body.data ? r->body.data : "", r->body.len) == 0);
    MUST(gw_buf_puts(&w, r->body.len ? "\r\n0\r\n" : "0\r\n") == 0);
    for (i = 0; i < r->trailers.len; i++)
        MUST(gw_buf_puts(&w, r->trailers.data[i] == '\n' ? "\r\n" : "") == 0
             && (r->trailers.data[i] == '\n' || gw_buf_append(&w, r->trailers.data + i, 1) == 0));
    MUST(gw_buf_puts(&w, "\r\n") == 0);
    decode(w.data, w.len, 0, 0, r->body.max, &back);
    MUST(back.rc == 1 && back.used == w.len && same(&back, r));
    run_free(&back);
    gw_buf_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data + 3;
    size_t n, cap;
    uint32_t seed;
    run r[4];
    int m;
    if (size < 3)
        return 0;
    seed = (uint32_t)data[0] << 8 | data[1];
    cap = data[2] ? 4u * data[2] : 1u << 20;
    n = size - 3;
    for (m = 0; m < 4; m++)
        decode(in, n, m, seed, cap, &r[m]);
    for (m = 1; m < 3; m++)
        MUST(same(&r[0], &r[m]) && r[0].used == r[m].used && strcmp(r[0].err, r[m].err) == 0);
    if (strstr(r[0].err, "body larger than"))
        MUST(r[3].rc == -1 && strstr(r[3].err, "body larger than"));
    else
        MUST(same(&r[0], &r[3]) && r[0].used == r[3].used);
    MUST(r[0].rc >= -1 && r[0].rc <= 1 && r[0].used <= n);
    MUST(r[0].rc != 0 || r[0].used == n);
    MUST(r[0].body.len <= n && r[0].body.len <= cap);
    MUST(r[0].trailers.len <= GW_HTTP_HEADER_BYTES);
    if (r[0].rc == 1) {
        check_trailers(&r[0].trailers);
        reencode(&r[0]);
    }
    for (m = 0; m < 4; m++)
        run_free(&r[m]);
    return 0;
}
