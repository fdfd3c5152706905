/* HTTP/1.1 response head (RFC 9112 section 4-5): status line and header
 * fields, as a list in arrival order. Pure, fed one line at a time. */
#ifndef GW_HTTP_HEAD_H
#define GW_HTTP_HEAD_H

#include <stddef.h>
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"

typedef struct http_field {
    size_t name, name_len;          /* offsets into http_head.store */
    size_t value, value_len;        /* value without surrounding whitespace */
} http_field;

typedef struct http_head {
    int status;                     /* 100..599; 0 before the status line */
    int minor;                      /* HTTP/1.x */
    char reason[128];               /* truncated to 127 bytes; may be empty */
    int done;                       /* the empty line was seen */
    int nfields;
    http_field fields[GW_HTTP_HEADERS_MAX];
    gw_buf store;                   /* "name\0value\0" per field, bounded by GW_HTTP_HEADER_BYTES */
} http_head;

void http_head_init(http_head *h);
/* Empties h for the next response (wiping the store, keeping its memory). */
void http_head_reset(http_head *h);
void http_head_free(http_head *h);
/* Feeds one line without its line end (CRLF, or a bare LF as gw_reader_line
 * returns it; a CR left inside the line is refused as a CTL). The first line
 * is the status line "HTTP/1.x NNN [reason]" (major version 1; status
 * 100..599; the space before an empty reason may be missing; an empty line
 * before it is an error); an empty line ends the head. Field names are
 * tokens followed directly by ':'; values lose their surrounding SP/HT and
 * may hold HTAB and bytes >= 0x80, no other CTL or DEL. Returns 1 when the
 * head is complete, 0 for more, -1 with e set: GW_EPROTOCOL for a bad status
 * line, a field without a colon or name, whitespace before the colon,
 * obs-fold (a line starting with SP/HT), a CTL in a field or the reason, a
 * line longer than GW_HTTP_LINE_MAX, more than GW_HTTP_HEADERS_MAX fields
 * or GW_HTTP_HEADER_BYTES bytes; GW_ENOMEM; GW_EBAD_ARGUMENT when fed after
 * the head was complete. 1xx heads are returned like any other: the caller
 * skips them. */
int http_head_feed(http_head *h, const char *line, size_t len, gw_err *e);
/* The i-th field's name and value (NUL-terminated pointers into the store,
 * valid until the next feed, reset or free; the name as received). NULL
 * when i is out of range. len may be NULL. */
const char *http_head_name(const http_head *h, int i, size_t *len);
const char *http_head_value(const http_head *h, int i, size_t *len);
/* The first field named `name` (case-insensitive), or NULL. */
const char *http_head_get(const http_head *h, const char *name, size_t *len);
/* The index of the next field named `name` at or after index from, or -1:
 * for (i = http_head_next(h, "set-cookie", 0); i >= 0;
 *      i = http_head_next(h, "set-cookie", i + 1)) ... */
int http_head_next(const http_head *h, const char *name, int from);
/* 1 when a field named `name` holds `token` in its comma-separated list
 * (RFC 9110 5.6.1; case-insensitive, OWS around elements): Connection. */
int http_head_has_token(const http_head *h, const char *name, const char *token);

/* How the body is framed (RFC 9112 section 6.3), from the head and the
 * request method. */
enum { HTTP_BODY_NONE, HTTP_BODY_LENGTH, HTTP_BODY_CHUNKED, HTTP_BODY_CLOSE };
typedef struct http_framing {
    int kind;
    unsigned long long length;      /* for HTTP_BODY_LENGTH (may be 0) */
    int keep_alive;                 /* the connection may carry another request */
    int other_coding;               /* Transfer-Encoding names a coding other than
                                     * chunked (gzip ...): the body bytes are still
                                     * encoded with it */
} http_framing;
/* head_request: the request was HEAD. In order (RFC 9112 6.3):
 * HEAD, 1xx, 204, 304: NONE (any Content-Length or Transfer-Encoding is
 * ignored). Transfer-Encoding (all fields, as one list): chunked last ->
 * CHUNKED (and, with a Content-Length too, which it overrides, no
 * keep-alive); chunked not last or absent -> CLOSE with other_coding (6.3
 * item 4: read until the server closes). Content-Length (all fields and
 * list elements; 1*DIGIT each, all the same value) -> LENGTH. Otherwise
 * CLOSE. keep_alive: HTTP/1.1 unless "Connection: close"; HTTP/1.0 only
 * with "Connection: keep-alive" (and no close); never for CLOSE framing.
 * Returns 0, or -1 with e set (GW_EPROTOCOL): a Content-Length that is not
 * digits, too large for 64 bits, or conflicting; an empty Transfer-Encoding
 * or a coding that is not a token; chunked applied twice; a
 * Transfer-Encoding in an HTTP/1.0 response (6.1: its framing cannot be
 * trusted). GW_EBAD_ARGUMENT when the head is not complete. */
int http_head_framing(const http_head *h, int head_request, http_framing *f, gw_err *e);

#endif
