/* The lexer under the WWW-Authenticate and Authentication-Info parsers:
 * RFC 9110 5.6.2 (token), 5.6.4 (quoted-string, quoted-pair), 5.6.1 (lists
 * with empty elements), 11.2 (auth-param, token68).
 *
 *   token        = 1*tchar
 *   quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
 *   qdtext       = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
 *   quoted-pair  = "\" ( HTAB / SP / VCHAR / obs-text )
 *   auth-param   = token BWS "=" BWS ( token / quoted-string )
 *
 * Errors quote the input near the fault, escaped and cut, so that a message
 * stays readable and bounded whatever the server sent. */
#include <stdio.h>
#include <string.h>
#include "auth.h"
#include "core/quote.h"


static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_tchar(unsigned char c)
{
    return is_alnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int is_t68(unsigned char c)
{
    return is_alnum(c) || (c != 0 && strchr("-._~+/", c) != NULL);
}

static int is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

int http_auth_ieq(const char *p, size_t n, const char *lit)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char a = (unsigned char)p[i], b = (unsigned char)lit[i];
        if (b == 0)
            return 0;
        if (a >= 'A' && a <= 'Z')
            a = (unsigned char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (unsigned char)(b - 'A' + 'a');
        if (a != b)
            return 0;
    }
    return lit[n] == '\0';
}

int http_auth_lex_fail(const http_auth_lex *l, size_t from, const char *what)
{
    char q[GW_QUOTE_SIZE];
    if (from > l->n)
        from = l->n;
    gw_quote(q, l->s + from, l->n - from);
    if (l->i >= l->n)
        return gw_err_set(l->e, GW_EPROTOCOL, "http: %s: %s at the end of the value: \"%s\"",
                          l->field, what, q);
    return gw_err_set(l->e, GW_EPROTOCOL, "http: %s: %s at byte %lu: \"%s\"", l->field, what,
                      (unsigned long)l->i, q);
}

void http_auth_lex_init(http_auth_lex *l, const char *s, size_t n, const char *field,
                        gw_err *e)
{
    l->s = s ? s : "";
    l->n = s ? n : 0;
    l->i = 0;
    l->field = field;
    l->seen = 0;
    l->e = e;
}

void http_auth_lex_ows(http_auth_lex *l)
{
    while (l->i < l->n && is_ows((unsigned char)l->s[l->i]))
        l->i++;
}

void http_auth_lex_seps(http_auth_lex *l)
{
    while (l->i < l->n && (is_ows((unsigned char)l->s[l->i]) || l->s[l->i] == ','))
        l->i++;
}

size_t http_auth_lex_token(const http_auth_lex *l, size_t at)
{
    size_t j = at;
    while (j < l->n && is_tchar((unsigned char)l->s[j]))
        j++;
    return j - at;
}

int http_auth_lex_starts_param(const http_auth_lex *l)
{
    size_t j = l->i + http_auth_lex_token(l, l->i);
    if (j == l->i)
        return 0;
    while (j < l->n && is_ows((unsigned char)l->s[j]))
        j++;
    return j < l->n && l->s[j] == '=';
}

size_t http_auth_lex_token68(const http_auth_lex *l)
{
    size_t j = l->i, end;
    while (j < l->n && is_t68((unsigned char)l->s[j]))
        j++;
    if (j == l->i)
        return 0;
    while (j < l->n && l->s[j] == '=')
        j++;
    end = j;
    while (j < l->n && is_ows((unsigned char)l->s[j]))
        j++;
    return j == l->n || l->s[j] == ',' ? end : 0;
}

static int quoted(http_auth_lex *l, size_t from, char *dst, size_t cap, size_t *len)
{
    size_t k = 0;
    l->i++;                                     /* the opening quote */
    for (;;) {
        unsigned char c;
        if (l->i >= l->n)
            return http_auth_lex_fail(l, from, "unterminated quoted string");
        c = (unsigned char)l->s[l->i];
        if (c == '"')
            break;
        if (c == '\\') {
            if (++l->i >= l->n)
                return http_auth_lex_fail(l, from, "unterminated quoted string");
            c = (unsigned char)l->s[l->i];
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return http_auth_lex_fail(l, from, "control character in a quoted string");
        if (dst && k + 1 < cap)
            dst[k] = (char)c;
        k++;
        l->i++;
    }
    l->i++;                                     /* the closing quote */
    *len = k;
    return 0;
}

int http_auth_lex_value(http_auth_lex *l, size_t from, char *dst, size_t cap, size_t *len)
{
    size_t k = 0;
    if (dst && cap == 0)
        dst = NULL;
    if (l->i < l->n && l->s[l->i] == '"') {
        if (quoted(l, from, dst, cap, &k) != 0)
            return -1;
    } else {
        k = http_auth_lex_token(l, l->i);
        if (k == 0)
            return http_auth_lex_fail(l, from, "expected a token or a quoted string after '='");
        if (dst)
            memcpy(dst, l->s + l->i, k < cap ? k : cap - 1);
        l->i += k;
    }
    if (dst)
        dst[k < cap ? k : cap - 1] = '\0';
    *len = k;
    return 0;
}

int http_auth_lex_name(http_auth_lex *l, size_t from, const char *const *names, int count,
                       unsigned once, int *which)
{
    size_t t = http_auth_lex_token(l, l->i);
    int p;
    if (t == 0)
        return http_auth_lex_fail(l, from, "expected a parameter name");
    for (p = 0; p < count && !http_auth_ieq(l->s + l->i, t, names[p]); p++)
        ;
    *which = p;
    l->i += t;
    http_auth_lex_ows(l);
    if (l->i >= l->n || l->s[l->i] != '=')
        return http_auth_lex_fail(l, from, "expected '=' after a parameter name");
    l->i++;
    http_auth_lex_ows(l);
    if (p < count && p < 32 && (once & (1u << p))) {
        if (l->seen & (1u << p)) {
            char what[64];
            snprintf(what, sizeof what, "parameter %s given twice", names[p]);
            return http_auth_lex_fail(l, from, what);
        }
        l->seen |= 1u << p;
    }
    return 0;
}

int http_auth_lex_kept(http_auth_lex *l, size_t from, const char *name, char *dst)
{
    size_t len;
    if (http_auth_lex_value(l, from, dst, HTTP_AUTH_PARAM_MAX, &len) != 0)
        return -1;
    if (len >= HTTP_AUTH_PARAM_MAX) {
        char what[80];
        snprintf(what, sizeof what, "%s longer than %d bytes", name, HTTP_AUTH_PARAM_MAX - 1);
        return http_auth_lex_fail(l, from, what);
    }
    return 0;
}
