/* The chunked transfer coding, decoded as a stream of bytes.
 *
 * RFC 9112 7.1:   chunked-body = *chunk last-chunk trailer-section CRLF
 *                 chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *                 chunk-size = 1*HEXDIG; last-chunk = 1*("0") [ chunk-ext ] CRLF
 * RFC 9112 7.1.1: chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ),
 *                 skipped here (bytes other than CTL, up to the line end).
 * RFC 9112 7.1.2: trailer-section = *( field-line CRLF ), kept, not merged.
 * RFC 9112 2.2:   a bare LF ends a size or trailer line; after chunk data
 *                 CRLF is required.
 * Bounds: GW_HTTP_CHUNK_DIGITS hex digits (so no overflow), GW_HTTP_LINE_MAX
 * per line, GW_HTTP_HEADER_BYTES of trailers, out's cap for the body. */
#include <string.h>
#include "http/chunked.h"
#include "core/crypto.h"
#include "core/limits.h"

enum {
    ST_SIZE,        /* hex digits */
    ST_BWS,         /* after the digits: SP/HT, then ';' or the line end */
    ST_EXT,         /* after ';': anything but CTL up to the line end */
    ST_SIZE_LF,     /* CR seen on the size line */
    ST_DATA,
    ST_DATA_CR,
    ST_DATA_LF,
    ST_TRAILER,     /* a trailer line, or the final empty line */
    ST_TRAILER_LF,
    ST_DONE,
    ST_FAILED
};

void http_chunked_init(http_chunked *c)
{
    c->state = ST_SIZE;
    c->left = 0;
    c->digits = 0;
    c->line = 0;
    c->done = 0;
    c->total = 0;
    gw_buf_init(&c->trailers, GW_HTTP_HEADER_BYTES);
}

void http_chunked_free(http_chunked *c)
{
    gw_buf_free(&c->trailers);
}

static int is_ows(char c) { return c == ' ' || c == '\t'; }

static int is_bad_ctl(char c)
{
    unsigned char u = (unsigned char)c;
    return (u < 0x20 && u != '\t') || u == 0x7f;
}

static int is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int fail(http_chunked *c, gw_err *e, const char *msg)
{
    c->state = ST_FAILED;
    return gw_err_set(e, GW_EPROTOCOL, "http: %s", msg);
}

static int append_failed(http_chunked *c, gw_err *e, int rc, const char *msg)
{
    if (rc == GW_BUF_ELIMIT)
        return fail(c, e, msg);
    c->state = ST_FAILED;
    return gw_err_set(e, GW_ENOMEM, "http: out of memory");
}

/* The size line ended: on to the data, or to the trailers after "0". */
static void size_done(http_chunked *c)
{
    c->state = c->left ? ST_DATA : ST_TRAILER;
    c->line = 0;
}

/* One byte of a size line, CR and LF included. 0 or -1. */
static int size_byte(http_chunked *c, char ch, gw_err *e)
{
    int d = gw_hex_digit(ch);
    if (++c->line > GW_HTTP_LINE_MAX)
        return fail(c, e, "chunk size line too long");
    if (c->state == ST_SIZE) {
        if (d >= 0) {
            if (++c->digits > GW_HTTP_CHUNK_DIGITS)
                return fail(c, e, "chunk size has too many digits");
            c->left = c->left * 16 + (unsigned)d;
            return 0;
        }
        if (c->digits == 0)
            return fail(c, e, "bad chunk size line");
        c->state = ST_BWS;
    }
    if (ch == '\r') {
        c->state = ST_SIZE_LF;
    } else if (ch == '\n') {
        size_done(c);
    } else if (c->state == ST_BWS) {
        if (ch == ';')
            c->state = ST_EXT;
        else if (!is_ows(ch))
            return fail(c, e, "bad chunk size line");
    } else if (is_bad_ctl(ch)) {
        return fail(c, e, "control character in a chunk extension");
    }
    return 0;
}

/* The trailer line of c->line bytes at the end of c->trailers is complete:
 * checks it and rewrites it as "name: value\n". 1 after the final empty
 * line, 0, or -1. */
static int trailer_done(http_chunked *c, gw_err *e)
{
    size_t start, k, v, end, vlen;
    char *p;
    int rc;
    c->state = ST_TRAILER;
    if (c->line == 0) {
        c->state = ST_DONE;
        c->done = 1;
        return 1;
    }
    start = c->trailers.len - c->line;
    p = c->trailers.data + start;
    for (k = 0; k < c->line && is_tchar(p[k]); k++)
        ;
    if (k == 0 || k == c->line || p[k] != ':')
        return fail(c, e, "bad trailer field in a chunked body");
    for (v = k + 1; v < c->line && is_ows(p[v]); v++)
        ;
    for (end = c->line; end > v && is_ows(p[end - 1]); end--)
        ;
    vlen = end - v;
    if (v == k + 1) {                           /* no space after the colon */
        rc = gw_buf_reserve(&c->trailers, 1);
        if (rc != 0)
            return append_failed(c, e, rc, "trailer section too large");
        p = c->trailers.data + start;
    }
    memmove(p + k + 2, p + v, vlen);
    p[k + 1] = ' ';
    c->trailers.len = start + k + 2 + vlen;
    c->line = 0;
    rc = gw_buf_append(&c->trailers, "\n", 1);
    return rc ? append_failed(c, e, rc, "trailer section too large") : 0;
}

/* One byte of a trailer line, CR and LF included. 0, 1 at the end, or -1. */
static int trailer_byte(http_chunked *c, char ch, gw_err *e)
{
    int rc;
    if (ch == '\r') {
        c->state = ST_TRAILER_LF;
        return 0;
    }
    if (ch == '\n')
        return trailer_done(c, e);
    if (is_bad_ctl(ch) || (c->line == 0 && is_ows(ch)))
        return fail(c, e, "bad trailer field in a chunked body");
    if (++c->line > GW_HTTP_LINE_MAX)
        return fail(c, e, "trailer line too long");
    rc = gw_buf_append(&c->trailers, &ch, 1);
    return rc ? append_failed(c, e, rc, "trailer section too large") : 0;
}

/* Chunk data: as much of in[0..n) as the chunk holds, *took set to the
 * bytes taken. Over out's cap, out is filled to it first, so the body and
 * *used on that error do not depend on how the input was split. 0 or -1. */
static int data(http_chunked *c, const char *in, size_t n, gw_buf *out, size_t *took,
                gw_err *e)
{
    size_t take = c->left < n ? (size_t)c->left : n, room = out->max - out->len;
    int rc = gw_buf_append(out, in, take < room ? take : room);
    *took = 0;
    if (rc != 0)
        return append_failed(c, e, rc, "body too large");
    *took = take < room ? take : room;
    c->left -= *took;
    c->total += *took;
    if (take > room) {
        c->state = ST_FAILED;
        return gw_err_set(e, GW_EPROTOCOL, "http: body larger than %lu bytes",
                          (unsigned long)out->max);
    }
    if (c->left == 0)
        c->state = ST_DATA_CR;
    return 0;
}

int http_chunked_feed(http_chunked *c, const char *in, size_t n, size_t *used,
                      gw_buf *out, gw_err *e)
{
    size_t i = 0;
    int rc = 0;
    *used = 0;
    if (c->state == ST_DONE)
        return 1;
    if (c->state == ST_FAILED)
        return gw_err_set(e, GW_EPROTOCOL, "http: the chunked body is already broken");
    while (i < n && rc == 0) {
        char ch = in[i];
        switch (c->state) {
        case ST_DATA: {
            size_t took;
            rc = data(c, in + i, n - i, out, &took, e);
            i += took;
            continue;
        }
        case ST_DATA_CR:
            if (ch != '\r')
                rc = fail(c, e, "chunk data not followed by CRLF (wrong chunk size?)");
            else
                c->state = ST_DATA_LF;
            break;
        case ST_DATA_LF:
            if (ch != '\n')
                rc = fail(c, e, "chunk data not followed by CRLF (wrong chunk size?)");
            else
                c->state = ST_SIZE;
            c->digits = 0;
            c->line = 0;
            break;
        case ST_SIZE_LF:
        case ST_TRAILER_LF:
            if (ch != '\n')
                rc = fail(c, e, "CR without LF in a chunked body");
            else if (c->state == ST_TRAILER_LF)
                rc = trailer_done(c, e);
            else
                size_done(c);
            break;
        case ST_TRAILER:
            rc = trailer_byte(c, ch, e);
            break;
        default:
            rc = size_byte(c, ch, e);
        }
        if (rc >= 0)
            i++;
    }
    *used = i;
    return rc;
}
