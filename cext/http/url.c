/* URLs for the HTTP client.
 *
 * RFC 3986 3:     URI = scheme ":" "//" authority path-abempty [ "?" query ]
 *                 [ "#" fragment ]; only "http" and "https" (RFC 9110 4.2).
 * RFC 3986 3.2.1: userinfo is refused (RFC 9110 4.2.4: deprecated).
 * RFC 3986 3.2.2: host = IP-literal / IPv4address / reg-name; reg-names
 *                 are limited to DNS names (letters, digits, '-', '.').
 * RFC 6874 2:     IPv6addrz = IPv6address "%25" ZoneID; the bare "%" form
 *                 is accepted too when it cannot be read as "%HH".
 * RFC 3986 5.2:   reference resolution, 5.2.4 remove_dot_segments.
 * Path and query are never decoded or normalised by the parser; bytes that
 * must be percent-encoded (CTL, space, DEL, >= 0x80) are refused. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "http/url.h"
#include "core/crypto.h"

#define IPV6_TEXT_MAX 45            /* "ffff:...:255.255.255.255" */
#define LABEL_MAX 63

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_hex(char c) { return gw_hex_digit(c) >= 0; }
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

static int eq_nocase(const char *s, const char *lower_word, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (lower(s[i]) != lower_word[i])
            return 0;
    return 1;
}

static int is_unreserved(char c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* The scheme, when s starts with one (RFC 3986 3.1); its length or 0. */
static size_t scheme_len(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !is_alpha(s[0]))
        return 0;
    while (i < n && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    return i < n && s[i] == ':' ? i : 0;
}

static int check_bytes(const char *s, size_t n, gw_kind kind, gw_err *e)
{
    size_t i;
    if (n > GW_HTTP_URL_MAX)
        return gw_err_set(e, kind, "http: URL longer than %d bytes", GW_HTTP_URL_MAX);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f)
            return gw_err_set(e, kind, "http: URL byte %lu is a space, a control or a "
                              "non-ASCII byte (0x%02x); percent-encode it",
                              (unsigned long)i + 1, c);
    }
    return 0;
}

static int parse_ipv6(http_url *u, const char *s, size_t n, gw_kind kind, gw_err *e)
{
    char text[IPV6_TEXT_MAX + 1];
    unsigned char bin[16];
    const char *pct = memchr(s, '%', n);
    size_t i, alen = pct ? (size_t)(pct - s) : n, zlen = 0;
    const char *zone = NULL;
    if (n > 0 && (s[0] == 'v' || s[0] == 'V'))
        return gw_err_set(e, kind, "http: IPvFuture addresses are not supported");
    if (alen == 0 || alen > IPV6_TEXT_MAX)
        return gw_err_set(e, kind, "http: bad IPv6 address in the URL");
    for (i = 0; i < alen; i++)
        text[i] = lower(s[i]);
    text[alen] = '\0';
    if (inet_pton(AF_INET6, text, bin) != 1)
        return gw_err_set(e, kind, "http: bad IPv6 address \"%s\" in the URL", text);
    if (pct) {
        zone = pct + 1;
        zlen = n - alen - 1;
        if (zlen >= 2 && zone[0] == '2' && zone[1] == '5') {
            zone += 2;                          /* RFC 6874 */
            zlen -= 2;
        } else if (zlen >= 2 && is_hex(zone[0]) && is_hex(zone[1])) {
            return gw_err_set(e, kind, "http: ambiguous IPv6 zone id in the URL; "
                              "write it as %%25 and the zone (\"[fe80::1%%25eth0]\")");
        }
        if (zlen == 0)
            return gw_err_set(e, kind, "http: empty IPv6 zone id in the URL");
        for (i = 0; i < zlen; i++)
            if (!is_unreserved(zone[i]))
                return gw_err_set(e, kind, "http: bad character in the IPv6 zone id");
        if (alen + 1 + zlen > GW_HOST_MAX)
            return gw_err_set(e, kind, "http: IPv6 zone id too long");
    }
    snprintf(u->host, sizeof u->host, "%s%s%.*s", text, zone ? "%" : "", (int)zlen,
             zone ? zone : "");
    u->ipv6 = 1;
    return 0;
}

/* A dotted quad of dec-octets without leading zeros (RFC 3986 3.2.2). */
static int is_ipv4(const char *s, size_t n)
{
    size_t i = 0;
    int part;
    for (part = 0; part < 4; part++) {
        size_t start = i;
        unsigned v = 0;
        while (i < n && is_digit(s[i]) && i - start < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
            return 0;
        if (part < 3) {
            if (i >= n || s[i] != '.')
                return 0;
            i++;
        }
    }
    return i == n;
}

static int parse_name(http_url *u, const char *s, size_t n, gw_kind kind, gw_err *e)
{
    size_t i, label = 0, body = n;
    int digits_only = 1;
    if (n == 0)
        return gw_err_set(e, kind, "http: the URL has no host");
    if (n > GW_HOST_MAX)
        return gw_err_set(e, kind, "http: host name longer than %d bytes", GW_HOST_MAX);
    if (n > 1 && s[n - 1] == '.')
        body = n - 1;                           /* a fully qualified "name." */
    for (i = 0; i < body; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0)
                return gw_err_set(e, kind, "http: empty label in host name");
            label = 0;
            digits_only = 1;
            continue;
        }
        if (c == '%')
            return gw_err_set(e, kind, "http: percent-encoding in a host name is not supported");
        if (!is_alpha(c) && !is_digit(c) && c != '-')
            return gw_err_set(e, kind, "http: bad character '%c' in host name", c);
        if (++label > LABEL_MAX)
            return gw_err_set(e, kind, "http: host name label longer than %d bytes", LABEL_MAX);
        if (!is_digit(c))
            digits_only = 0;
    }
    if (label == 0)
        return gw_err_set(e, kind, "http: empty label in host name");
    if (digits_only && (body != n || !is_ipv4(s, n)))
        return gw_err_set(e, kind, "http: bad IPv4 address in the URL "
                          "(four decimal numbers 0..255 without leading zeros)");
    for (i = 0; i < n; i++)
        u->host[i] = lower(s[i]);
    u->host[n] = '\0';
    return 0;
}

static int parse_port(http_url *u, const char *s, size_t n, gw_kind kind, gw_err *e)
{
    size_t i;
    unsigned long v = 0;
    if (n == 0)
        return 0;                               /* "host:" means the default */
    for (i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return gw_err_set(e, kind, "http: bad port in the URL");
        if (v <= 65535)
            v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v == 0 || v > 65535)
        return gw_err_set(e, kind, "http: port out of range (1..65535)");
    u->port = (unsigned)v;
    u->port_given = 1;
    return 0;
}

static int parse_authority(http_url *u, const char *a, size_t n, gw_kind kind, gw_err *e)
{
    const char *colon;
    if (memchr(a, '@', n))
        return gw_err_set(e, kind, "http: credentials in the URL are not accepted; "
                          "use the user and password fields");
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        size_t rest;
        if (!close)
            return gw_err_set(e, kind, "http: IPv6 address without ']' in the URL");
        if (parse_ipv6(u, a + 1, (size_t)(close - a - 1), kind, e) != 0)
            return -1;
        rest = n - (size_t)(close + 1 - a);
        if (rest == 0)
            return 0;
        if (close[1] != ':')
            return gw_err_set(e, kind, "http: unexpected characters after ']' in the URL");
        return parse_port(u, close + 2, rest - 1, kind, e);
    }
    colon = memchr(a, ':', n);
    if (colon && memchr(colon + 1, ':', n - (size_t)(colon + 1 - a)))
        return gw_err_set(e, kind, "http: an IPv6 address in a URL goes in brackets: "
                          "http://[fe80::1]/");
    if (parse_name(u, a, colon ? (size_t)(colon - a) : n, kind, e) != 0)
        return -1;
    return colon ? parse_port(u, colon + 1, n - (size_t)(colon + 1 - a), kind, e) : 0;
}

static int parse(http_url *u, const char *s, size_t n, gw_kind kind, gw_err *e)
{
    size_t sl, p, end, t = 0;
    if (check_bytes(s, n, kind, e) != 0)
        return -1;
    sl = scheme_len(s, n);
    if (sl == 0)
        return gw_err_set(e, kind, "http: not an absolute URL (http:// or https:// expected)");
    if (sl == 4 && eq_nocase(s, "http", 4))
        u->tls = 0;
    else if (sl == 5 && eq_nocase(s, "https", 5))
        u->tls = 1;
    else
        return gw_err_set(e, kind, "http: unsupported URL scheme \"%.*s\" (http or https only)",
                          sl > 16 ? 16 : (int)sl, s);
    p = sl + 1;
    if (n - p < 2 || s[p] != '/' || s[p + 1] != '/')
        return gw_err_set(e, kind, "http: \"//\" and a host expected after \"%s:\"",
                          u->tls ? "https" : "http");
    p += 2;
    end = p;
    while (end < n && s[end] != '/' && s[end] != '?' && s[end] != '#')
        end++;
    u->ipv6 = u->port_given = 0;
    u->port = u->tls ? 443 : 80;
    if (parse_authority(u, s + p, end - p, kind, e) != 0)
        return -1;
    p = end;
    while (end < n && s[end] != '#')
        end++;                                  /* the fragment is dropped */
    if (p == end || s[p] == '?')
        u->target[t++] = '/';
    if (end - p > GW_HTTP_URL_MAX - t)
        return gw_err_set(e, kind, "http: URL longer than %d bytes", GW_HTTP_URL_MAX);
    memcpy(u->target + t, s + p, end - p);
    u->target[t + end - p] = '\0';
    return 0;
}

int http_url_parse(http_url *u, const char *s, size_t n, gw_err *e)
{
    return parse(u, s, n, GW_EBAD_ARGUMENT, e);
}

/* Removes the last segment and its preceding "/" from out[0..*o). */
static void pop_segment(const char *out, size_t *o)
{
    while (*o > 0 && out[*o - 1] != '/')
        (*o)--;
    if (*o > 0)
        (*o)--;
}

/* RFC 3986 5.2.4 from in[0..n) into out (n bytes; out may be in: it never
 * writes ahead of where it reads); the length. */
static size_t remove_dots(char *out, const char *in, size_t n)
{
    size_t i = 0, o = 0;
    while (i < n) {
        const char *p = in + i;
        size_t r = n - i;
        if ((r >= 3 && memcmp(p, "../", 3) == 0) || (r >= 2 && memcmp(p, "./", 2) == 0)) {
            i += p[1] == '.' ? 3 : 2;                   /* A */
        } else if (r >= 3 && memcmp(p, "/./", 3) == 0) {
            i += 2;                                     /* B */
        } else if (r == 2 && memcmp(p, "/.", 2) == 0) {
            out[o++] = '/';
            i = n;
        } else if (r >= 4 && memcmp(p, "/../", 4) == 0) {
            i += 3;                                     /* C */
            pop_segment(out, &o);
        } else if (r == 3 && memcmp(p, "/..", 3) == 0) {
            pop_segment(out, &o);
            out[o++] = '/';
            i = n;
        } else if ((r == 1 && p[0] == '.') || (r == 2 && memcmp(p, "..", 2) == 0)) {
            i = n;                                      /* D */
        } else {
            do                                          /* E */
                out[o++] = in[i++];
            while (i < n && in[i] != '/');
        }
    }
    return o;
}

/* out->target = path (dot segments removed when dots) + query. path may be
 * out->target itself and query may follow it there (remove_dots writes at
 * or before where it reads). */
static int set_target(http_url *out, char *path, size_t m, int dots,
                      const char *query, size_t qn, gw_err *e)
{
    if (dots)
        m = remove_dots(path, path, m);
    if (m == 0)
        path[m++] = '/';
    if (m > GW_HTTP_URL_MAX || qn > GW_HTTP_URL_MAX - m)
        return gw_err_set(e, GW_EPROTOCOL, "http: redirect URL longer than %d bytes",
                          GW_HTTP_URL_MAX);
    memmove(out->target, path, m);
    memmove(out->target + m, query, qn);
    out->target[m + qn] = '\0';
    return 0;
}

int http_url_resolve(const http_url *base, const char *ref, size_t n, http_url *out, gw_err *e)
{
    char buf[2 * GW_HTTP_URL_MAX + 8];
    size_t q, m = 0, bpath = strcspn(base->target, "?");
    const char *mark;
    if (check_bytes(ref, n, GW_EPROTOCOL, e) != 0)
        return -1;
    if ((mark = memchr(ref, '#', n)) != NULL)
        n = (size_t)(mark - ref);               /* the fragment is dropped */
    if (scheme_len(ref, n) > 0 || (n >= 2 && ref[0] == '/' && ref[1] == '/')) {
        if (ref[0] == '/') {                    /* "//host/..": the base's scheme */
            m = base->tls ? 6 : 5;
            memcpy(buf, base->tls ? "https:" : "http:", m);
            memcpy(buf + m, ref, n);
            ref = buf;
            n += m;
        }
        if (parse(out, ref, n, GW_EPROTOCOL, e) != 0)
            return -1;
        q = strcspn(out->target, "?");
        return set_target(out, out->target, q, 1, out->target + q,
                          strlen(out->target + q), e);
    }
    mark = memchr(ref, '?', n);
    q = mark ? (size_t)(mark - ref) : n;
    if (q == 0) {                               /* "" or "?query": the base path */
        memcpy(buf, base->target, bpath);
        if (out != base)
            *out = *base;
        if (n == 0)
            return set_target(out, buf, bpath, 0, out->target + bpath,
                              strlen(out->target + bpath), e);
        return set_target(out, buf, bpath, 0, ref, n, e);
    }
    if (ref[0] != '/') {                        /* merge (5.2.3) */
        while (bpath > 0 && base->target[bpath - 1] != '/')
            bpath--;
        memcpy(buf, base->target, bpath);
        m = bpath;
    }
    memcpy(buf + m, ref, q);
    if (out != base)
        *out = *base;
    return set_target(out, buf, m + q, 1, ref + q, n - q, e);
}

int http_url_same_origin(const http_url *a, const http_url *b)
{
    return a->tls == b->tls && a->port == b->port && strcmp(a->host, b->host) == 0;
}

/* Writes the authority; zone: 0 to leave the zone id out, 1 as "%25zone". */
static int authority(const http_url *u, char *out, size_t n, int zone)
{
    size_t hlen = strcspn(u->host, "%");
    char port[8] = "";
    if (u->port != (u->tls ? 443u : 80u))
        snprintf(port, sizeof port, ":%u", u->port & 0xffffu);
    if (!u->ipv6)
        return snprintf(out, n, "%s%s", u->host, port);
    if (zone && u->host[hlen])
        return snprintf(out, n, "[%.*s%%25%s]%s", (int)hlen, u->host, u->host + hlen + 1, port);
    return snprintf(out, n, "[%.*s]%s", (int)hlen, u->host, port);
}

void http_url_authority(const http_url *u, char *out, size_t n)
{
    if (n > 0)
        authority(u, out, n, 0);
}

long http_url_format(const http_url *u, char *out, size_t n)
{
    char auth[HTTP_AUTHORITY_MAX + 2];
    int k = authority(u, auth, sizeof auth, 1);
    if (k < 0 || (size_t)k >= sizeof auth)
        return -1;
    k = snprintf(out, n, "%s://%s%s", u->tls ? "https" : "http", auth, u->target);
    if (k < 0 || (size_t)k >= n)
        return -1;
    return k;
}
