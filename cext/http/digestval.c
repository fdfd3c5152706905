/* The Digest Authorization field value (RFC 7616 3.4), as text: which form
 * the user name takes (3.4.4: plain, userhash, or username* in RFC 8187
 * ext-value form), quoted-string escaping (RFC 9110 5.6.4), and the checks
 * that keep CR, LF and other CTLs out of the header line. No hashing here:
 * digest.c gives the digests. */
#include <stdio.h>
#include <string.h>
#include "auth.h"

#define PUT_CTL (-10)           /* put_quoted: a CTL in the value */

static int is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

int http_digest_ascii(const char *s)
{
    for (; *s; s++)
        if (is_ctl((unsigned char)*s) || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

/* 1 for well-formed UTF-8 (no overlong forms, surrogates, > U+10FFFF). */
static int valid_utf8(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s, n, k, cp;
        if (c < 0x80) {
            s++;
            continue;
        }
        if (c < 0xc2 || c > 0xf4)
            return 0;
        n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
        cp = c & (0x3fu >> n);
        for (k = 1; k <= n; k++) {
            if ((s[k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[k] & 0x3fu);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
            || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        s += n + 1;
    }
    return 1;
}

int http_digest_check_user(const http_challenge *ch, const char *user, gw_err *e)
{
    if (!user || strlen(user) > GW_HTTP_AUTH_USER_MAX)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "http: Digest: user name missing or longer "
                          "than %d bytes", GW_HTTP_AUTH_USER_MAX);
    if (strpbrk(user, "\r\n"))
        return gw_err_set(e, GW_EBAD_ARGUMENT, "http: Digest: CR or LF in the user name");
    if (ch->userhash || http_digest_ascii(user))
        return 0;
    if (!ch->utf8)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "http: Digest: the user name is not printable "
                          "ASCII and the server offers neither charset=UTF-8 nor userhash");
    if (!valid_utf8((const unsigned char *)user))
        return gw_err_set(e, GW_EBAD_ARGUMENT, "http: Digest: the user name is not UTF-8");
    return 0;
}

int http_digest_check_request(const char *method, const char *uri, gw_err *e)
{
    size_t i, n = method ? strlen(method) : 0;
    if (n == 0 || n > GW_HTTP_AUTH_METHOD_MAX)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "http: Digest: method empty or longer than %d "
                          "bytes", GW_HTTP_AUTH_METHOD_MAX);
    for (i = 0; i < n; i++)
        if (!((method[i] >= 'A' && method[i] <= 'Z') || (method[i] >= 'a' && method[i] <= 'z')
              || (method[i] >= '0' && method[i] <= '9') || strchr("!#$%&'*+-.^_`|~", method[i])))
            return gw_err_set(e, GW_EBAD_ARGUMENT, "http: Digest: the method is not a token");
    if (!uri || !*uri || strlen(uri) > GW_HTTP_URL_MAX)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "http: Digest: uri empty or longer than %d bytes",
                          GW_HTTP_URL_MAX);
    for (i = 0; uri[i]; i++)
        if (is_ctl((unsigned char)uri[i]))
            return gw_err_set(e, GW_EBAD_ARGUMENT, "http: Digest: control character (CR, LF, "
                              "...) in the uri");
    return 0;
}

/* Appends `name="value"` with '"' and '\' escaped; PUT_CTL for a CTL
 * other than HTAB. */
static int put_quoted(gw_buf *out, const char *sep, const char *name, const char *v)
{
    int rc = gw_buf_puts(out, sep);
    if (rc == 0)
        rc = gw_buf_puts(out, name);
    if (rc == 0)
        rc = gw_buf_puts(out, "=\"");
    for (; rc == 0 && *v; v++) {
        if (is_ctl((unsigned char)*v) && *v != '\t')
            return PUT_CTL;
        if (*v == '"' || *v == '\\')
            rc = gw_buf_append(out, "\\", 1);
        if (rc == 0)
            rc = gw_buf_append(out, v, 1);
    }
    return rc ? rc : gw_buf_puts(out, "\"");
}

/* username*=UTF-8''... (RFC 8187 3.2.1: attr-char as is, the rest %XX). */
static int put_ext_user(gw_buf *out, const char *user)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = gw_buf_puts(out, "username*=UTF-8''");
    for (; rc == 0 && *user; user++) {
        unsigned char c = (unsigned char)*user;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
            || strchr("!#$&+-.^_`|~", c)) {
            rc = gw_buf_append(out, user, 1);
        } else {
            char pct[3];
            pct[0] = '%';
            pct[1] = hex[c >> 4];
            pct[2] = hex[c & 15];
            rc = gw_buf_append(out, pct, 3);
        }
    }
    return rc;
}

static int put(gw_buf *out, const char *s)
{
    return gw_buf_puts(out, s);
}

int http_digest_write(const http_digest *d, const char *user, const char *userhash,
                      const char *uri, int qop, const char *response, gw_buf *out,
                      gw_err *e)
{
    const http_challenge *ch = &d->ch;
    char tok[64];
    size_t mark = out->len;
    int rc = put(out, "Digest ");
    if (rc == 0)
        rc = userhash ? put_quoted(out, "", "username", userhash)
           : http_digest_ascii(user) ? put_quoted(out, "", "username", user)
           : put_ext_user(out, user);
    if (rc == 0)
        rc = put_quoted(out, ", ", "realm", ch->realm);
    if (rc == 0)
        rc = put_quoted(out, ", ", "uri", uri);
    if (rc == 0 && ch->has_algorithm) {
        snprintf(tok, sizeof tok, ", algorithm=%s", http_digest_alg_name(ch->algorithm));
        rc = put(out, tok);
    }
    if (rc == 0)
        rc = put_quoted(out, ", ", "nonce", ch->nonce);
    if (rc == 0 && qop) {
        snprintf(tok, sizeof tok, ", nc=%08lx", d->nc);
        if ((rc = put(out, tok)) == 0)
            rc = put_quoted(out, ", ", "cnonce", d->cnonce);
        if (rc == 0)
            rc = put(out, qop == HTTP_QOP_AUTH_INT ? ", qop=auth-int" : ", qop=auth");
    }
    if (rc == 0)
        rc = put_quoted(out, ", ", "response", response);
    if (rc == 0 && ch->has_opaque)
        rc = put_quoted(out, ", ", "opaque", ch->opaque);
    if (rc == 0 && userhash)
        rc = put(out, ", userhash=true");
    if (rc == 0)
        return 0;
    out->len = mark;                    /* out as it was */
    if (out->data)
        out->data[mark] = '\0';
    if (rc == PUT_CTL)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "http: Digest: control character in a value "
                          "of the Authorization field");
    if (rc == GW_BUF_ENOMEM)
        return gw_err_set(e, GW_ENOMEM, "http: Digest: out of memory");
    return gw_err_set(e, GW_EBAD_ARGUMENT, "http: Digest: the Authorization value does not "
                      "fit in %lu bytes", (unsigned long)out->max);
}
