/* Building request bytes: RFC 9112 section 3 (request line) and 5 (fields). */
#include <string.h>
#include "request.h"

int http_is_token(const char *s, size_t n)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    size_t i;
    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
              || (c && strchr(extra, c))))
            return 0;
    }
    return 1;
}

static int clean_target(const char *t)
{
    if (t[0] != '/')
        return 0;
    for (; *t; t++)
        if ((unsigned char)*t <= 0x20 || (unsigned char)*t == 0x7f)
            return 0;
    return 1;
}

static int clean_value(const char *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (v[i] == '\r' || v[i] == '\n' || v[i] == '\0')
            return 0;
    return 1;
}

int http_request_build(const http_request *r, gw_buf *out, gw_err *e)
{
    int i, rc = 0;
    if (!http_is_token(r->method, strlen(r->method)))
        return gw_err_set(e, GW_EBAD_ARGUMENT, "http: the method is not a token");
    if (!clean_target(r->target))
        return gw_err_set(e, GW_EBAD_ARGUMENT,
                          "http: the request target must start with / and hold no space or control byte");
    rc |= gw_buf_puts(out, r->method);
    rc |= gw_buf_puts(out, " ");
    rc |= gw_buf_puts(out, r->target);
    rc |= gw_buf_puts(out, " HTTP/1.1\r\n");
    for (i = 0; i < r->nfields; i++) {
        const char *name = r->names[i], *value = r->values[i];
        size_t vlen = r->value_lens ? r->value_lens[i] : strlen(value);
        if (!http_is_token(name, strlen(name)))
            return gw_err_set(e, GW_EBAD_ARGUMENT, "http: header name \"%.40s\" is not a token", name);
        if (!clean_value(value, vlen))
            return gw_err_set(e, GW_EBAD_ARGUMENT,
                              "http: header %.40s contains CR, LF or NUL", name);
        rc |= gw_buf_puts(out, name);
        rc |= gw_buf_puts(out, ": ");
        rc |= gw_buf_append(out, value, vlen);
        rc |= gw_buf_puts(out, "\r\n");
    }
    rc |= gw_buf_puts(out, "\r\n");
    if (r->body_len)
        rc |= gw_buf_append(out, r->body, r->body_len);
    if (rc)
        return gw_err_set(e, GW_ENOMEM, "http: request too large");
    return 0;
}
