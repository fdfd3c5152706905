/* HTTP/1.1 request head and body as bytes (RFC 9112 section 3). Pure. The
 * only place request lines are built, so the only place that has to refuse
 * CR, LF and NUL in what goes into them. */
#ifndef GW_HTTP_REQUEST_H
#define GW_HTTP_REQUEST_H

#include <stddef.h>
#include "core/buf.h"
#include "core/err.h"

typedef struct http_request {
    const char *method;             /* a token: GET, HEAD, POST, PUT, DELETE, ... */
    const char *target;             /* origin-form: "/path?query" */
    const char *const *names;       /* header field names (tokens) */
    const char *const *values;      /* their values; no CR, LF or NUL */
    const size_t *value_lens;       /* value lengths (a NUL inside is refused) */
    int nfields;
    const char *body;               /* may be NULL */
    size_t body_len;
} http_request;

/* Appends the request to out. The caller includes Host and, with a body,
 * Content-Length. 0, or -1 with e set (GW_EBAD_ARGUMENT naming the part:
 * a method that is not a token, a target with a CTL or space, a field name
 * that is not a token, a value with CR/LF/NUL; GW_ENOMEM). */
int http_request_build(const http_request *r, gw_buf *out, gw_err *e);
/* 1 when s[0..n) is a token (RFC 9110 5.6.2). */
int http_is_token(const char *s, size_t n);

#endif
