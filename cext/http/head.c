/* HTTP/1.1 response heads, one line at a time, and body framing.
 *
 * RFC 9112 4:     status-line = HTTP-version SP status-code SP [ reason-phrase ]
 *                 HTTP-version = "HTTP/" DIGIT "." DIGIT (case-sensitive)
 *                 reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
 *                 (the SP before an absent reason is tolerated: servers omit it)
 * RFC 9112 5:     field-line = field-name ":" OWS field-value OWS; no
 *                 whitespace between name and colon (5.1); obs-fold refused
 *                 (5.2, allowed to a user agent only inside message/http).
 * RFC 9110 5.5:   field values: no CTL but HTAB (so no NUL, CR, LF); obs-text kept.
 * RFC 9110 5.6.1: comma-separated lists, empty elements ignored.
 * RFC 9112 6:     Transfer-Encoding, Content-Length, 6.3 message body length;
 * RFC 9112 9.3:   persistence (Connection: close / keep-alive). */
#include <string.h>
#include "http/head.h"
#include "core/quote.h"


void http_head_init(http_head *h)
{
    h->status = h->minor = h->done = h->nfields = 0;
    h->reason[0] = '\0';
    gw_buf_init(&h->store, GW_HTTP_HEADER_BYTES);
}

void http_head_reset(http_head *h)
{
    h->status = h->minor = h->done = h->nfields = 0;
    h->reason[0] = '\0';
    gw_buf_reset(&h->store);
}

void http_head_free(http_head *h)
{
    gw_buf_free(&h->store);
    http_head_init(h);
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_ows(char c) { return c == ' ' || c == '\t'; }
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

/* CTL other than HTAB, and DEL (RFC 9110 5.5). */
static int is_bad_ctl(char c)
{
    unsigned char u = (unsigned char)c;
    return (u < 0x20 && u != '\t') || u == 0x7f;
}

/* tchar (RFC 9110 5.6.2). */
static int is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)
        || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int eq_nocase(const char *a, size_t n, const char *b)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i] == '\0' || lower(a[i]) != lower(b[i]))
            return 0;
    return b[n] == '\0';
}

/* A printable excerpt of a peer's line for an error message. */
static int bad_status(const char *line, size_t len, gw_err *e)
{
    char q[GW_QUOTE_SIZE];
    return gw_err_set(e, GW_EPROTOCOL, "http: bad status line \"%s\"", gw_quote(q, line, len));
}

static int status_line(http_head *h, const char *line, size_t len, gw_err *e)
{
    size_t i, r;
    if (len < 12 || memcmp(line, "HTTP/", 5) != 0 || !is_digit(line[5]) || line[6] != '.'
        || !is_digit(line[7]) || line[8] != ' ')
        return bad_status(line, len, e);
    if (line[5] != '1') {
        char q[GW_QUOTE_SIZE];
        return gw_err_set(e, GW_EPROTOCOL, "http: not an HTTP/1.x response: \"%s\"",
                          gw_quote(q, line, len));
    }
    if (!is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11])
        || (len > 12 && line[12] != ' ') || line[9] < '1' || line[9] > '5')
        return bad_status(line, len, e);
    for (i = 13; i < len; i++)
        if (is_bad_ctl(line[i]))
            return bad_status(line, len, e);
    h->minor = line[7] - '0';
    h->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    r = len > 13 ? len - 13 : 0;
    if (r > sizeof h->reason - 1)
        r = sizeof h->reason - 1;
    memcpy(h->reason, line + 13, r);
    h->reason[r] = '\0';
    return 0;
}

static int field_line(http_head *h, const char *line, size_t len, gw_err *e)
{
    char q[GW_QUOTE_SIZE];
    size_t i = 0, v, end;
    http_field *f;
    int rc;
    if (is_ows(line[0]))
        return gw_err_set(e, GW_EPROTOCOL, "http: obsolete line folding in the response "
                          "head: \"%s\"", gw_quote(q, line, len));
    while (i < len && is_tchar(line[i]))
        i++;
    for (v = i; v < len && is_ows(line[v]); v++)
        ;
    if (i == len || line[i] != ':' || i == 0)
        return gw_err_set(e, GW_EPROTOCOL, "http: bad header line (%s): \"%s\"",
                          i == len ? "no colon" : line[0] == ':' ? "no name"
                          : v > i && v < len && line[v] == ':' ? "space before the colon"
                          : "bad name", gw_quote(q, line, len));
    for (v = i + 1; v < len && is_ows(line[v]); v++)
        ;
    for (end = v; end < len && !is_bad_ctl(line[end]); end++)
        ;
    if (end < len)
        return gw_err_set(e, GW_EPROTOCOL, "http: control character in header field "
                          "\"%s\"", gw_quote(q, line, i));
    for (end = len; end > v && is_ows(line[end - 1]); end--)
        ;
    if (h->nfields >= GW_HTTP_HEADERS_MAX)
        return gw_err_set(e, GW_EPROTOCOL, "http: more than %d header fields",
                          GW_HTTP_HEADERS_MAX);
    rc = gw_buf_reserve(&h->store, i + (end - v) + 2);
    if (rc == GW_BUF_ELIMIT)
        return gw_err_set(e, GW_EPROTOCOL, "http: response head larger than %d bytes",
                          GW_HTTP_HEADER_BYTES);
    if (rc != 0)
        return gw_err_set(e, GW_ENOMEM, "http: out of memory");
    f = &h->fields[h->nfields++];
    f->name = h->store.len;
    f->name_len = i;
    gw_buf_append(&h->store, line, i);
    gw_buf_append(&h->store, "", 1);
    f->value = h->store.len;
    f->value_len = end - v;
    gw_buf_append(&h->store, line + v, end - v);
    gw_buf_append(&h->store, "", 1);
    return 0;
}

int http_head_feed(http_head *h, const char *line, size_t len, gw_err *e)
{
    if (h->done)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "http: the response head is already complete");
    if (len > GW_HTTP_LINE_MAX)
        return gw_err_set(e, GW_EPROTOCOL, "http: response line longer than %d bytes",
                          GW_HTTP_LINE_MAX);
    if (h->status == 0)
        return status_line(h, line, len, e);
    if (len == 0) {
        h->done = 1;
        return 1;
    }
    return field_line(h, line, len, e);
}

const char *http_head_name(const http_head *h, int i, size_t *len)
{
    if (i < 0 || i >= h->nfields)
        return NULL;
    if (len)
        *len = h->fields[i].name_len;
    return h->store.data + h->fields[i].name;
}

const char *http_head_value(const http_head *h, int i, size_t *len)
{
    if (i < 0 || i >= h->nfields)
        return NULL;
    if (len)
        *len = h->fields[i].value_len;
    return h->store.data + h->fields[i].value;
}

int http_head_next(const http_head *h, const char *name, int from)
{
    int i;
    for (i = from < 0 ? 0 : from; i < h->nfields; i++)
        if (eq_nocase(h->store.data + h->fields[i].name, h->fields[i].name_len, name))
            return i;
    return -1;
}

const char *http_head_get(const http_head *h, const char *name, size_t *len)
{
    return http_head_value(h, http_head_next(h, name, 0), len);
}

/* The elements of every `name` field's comma-separated list (RFC 9110
 * 5.6.1) in order, without surrounding OWS; empty ones included. */
typedef struct list_iter {
    const http_head *h;
    const char *name;
    int field;                      /* current field, -1 at the end */
    size_t pos;                     /* next element's offset in its value */
} list_iter;

static void list_begin(list_iter *it, const http_head *h, const char *name)
{
    it->h = h;
    it->name = name;
    it->field = http_head_next(h, name, 0);
    it->pos = 0;
}

static int list_next(list_iter *it, const char **s, size_t *n)
{
    const char *v;
    size_t len, a, b;
    if (it->field < 0)
        return 0;
    v = it->h->store.data + it->h->fields[it->field].value;
    len = it->h->fields[it->field].value_len;
    for (a = it->pos, b = a; b < len && v[b] != ','; b++)
        ;
    it->pos = b + 1;
    if (b >= len) {
        it->field = http_head_next(it->h, it->name, it->field + 1);
        it->pos = 0;
    }
    while (a < b && is_ows(v[a]))
        a++;
    while (b > a && is_ows(v[b - 1]))
        b--;
    *s = v + a;
    *n = b - a;
    return 1;
}

int http_head_has_token(const http_head *h, const char *name, const char *token)
{
    list_iter it;
    const char *s;
    size_t n;
    list_begin(&it, h, name);
    while (list_next(&it, &s, &n))
        if (eq_nocase(s, n, token))
            return 1;
    return 0;
}

/* Transfer-Encoding (RFC 9112 6.1): 1 when chunked is the last coding, 0
 * when not (other set when another coding is named), -1 on error. */
static int transfer_coding(const http_head *h, int *other, gw_err *e)
{
    list_iter it;
    const char *s;
    size_t n, k, t;
    int codings = 0, chunked = 0, last = 0;
    list_begin(&it, h, "transfer-encoding");
    while (list_next(&it, &s, &n)) {
        if (n == 0)
            continue;
        for (k = 0; k < n && is_tchar(s[k]); k++)
            ;
        for (t = k; t < n && is_ows(s[t]); t++)
            ;
        if (k == 0 || (t < n && s[t] != ';'))
            return gw_err_set(e, GW_EPROTOCOL, "http: bad Transfer-Encoding");
        codings++;
        last = eq_nocase(s, k, "chunked");
        if (last && ++chunked > 1)
            return gw_err_set(e, GW_EPROTOCOL, "http: chunked coding applied twice");
        if (!last)
            *other = 1;
    }
    if (codings == 0)
        return gw_err_set(e, GW_EPROTOCOL, "http: empty Transfer-Encoding");
    return last;
}

/* Content-Length (RFC 9112 6.3 item 5): 1 with *len set, 0 when absent, -1. */
static int content_length(const http_head *h, unsigned long long *len, gw_err *e)
{
    list_iter it;
    const char *s;
    size_t n, k;
    int seen = 0;
    list_begin(&it, h, "content-length");
    while (list_next(&it, &s, &n)) {
        unsigned long long v = 0;
        if (n == 0)
            return gw_err_set(e, GW_EPROTOCOL, "http: empty Content-Length");
        for (k = 0; k < n; k++) {
            unsigned d;
            if (!is_digit(s[k]))
                return gw_err_set(e, GW_EPROTOCOL, "http: Content-Length is not a number");
            d = (unsigned)(s[k] - '0');
            if (v > (~0ULL - d) / 10)
                return gw_err_set(e, GW_EPROTOCOL, "http: Content-Length too large");
            v = v * 10 + d;
        }
        if (seen && v != *len)
            return gw_err_set(e, GW_EPROTOCOL, "http: conflicting Content-Length values");
        *len = v;
        seen = 1;
    }
    return seen;
}

int http_head_framing(const http_head *h, int head_request, http_framing *f, gw_err *e)
{
    int ka, rc;
    f->kind = HTTP_BODY_CLOSE;
    f->length = 0;
    f->keep_alive = f->other_coding = 0;
    if (!h->done || h->status == 0)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "http: the response head is not complete");
    if (h->minor >= 1)
        ka = !http_head_has_token(h, "connection", "close");
    else
        ka = http_head_has_token(h, "connection", "keep-alive")
             && !http_head_has_token(h, "connection", "close");
    if (head_request || h->status < 200 || h->status == 204 || h->status == 304) {
        f->kind = HTTP_BODY_NONE;
        f->keep_alive = ka;
        return 0;
    }
    if (http_head_next(h, "transfer-encoding", 0) >= 0) {
        if (h->minor == 0)
            return gw_err_set(e, GW_EPROTOCOL, "http: Transfer-Encoding in an HTTP/1.0 response");
        rc = transfer_coding(h, &f->other_coding, e);
        if (rc < 0)
            return -1;
        if (rc == 1) {
            f->kind = HTTP_BODY_CHUNKED;
            f->keep_alive = ka && http_head_next(h, "content-length", 0) < 0;
        }
        return 0;
    }
    rc = content_length(h, &f->length, e);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        f->kind = HTTP_BODY_LENGTH;
        f->keep_alive = ka;
    }
    return 0;
}
