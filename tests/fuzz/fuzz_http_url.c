/* libFuzzer: the URL parser and reference resolution. The input up to the
 * first LF is parsed as a URL; when that works, the rest is resolved
 * against it (as a Location value would be). Checks on every URL produced:
 * the target starts with '/', has no space/CTL/8-bit byte and fits the
 * bound; the host is non-empty, lower-case (its zone aside) and holds no
 * '@', '/', '[' or ']'; the port is 1..65535 and the default when not
 * given; http_url_format round-trips through http_url_parse; the Host value
 * has no zone; resolving in place (out == base) gives the same result;
 * resolving a target again (removing dot segments) is idempotent; a
 * reference without scheme or "//" keeps the base's origin. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "http/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(c) do { if (!(c)) abort(); } while (0)

static void check_url(const http_url *u)
{
    char text[HTTP_URL_TEXT_MAX], auth[HTTP_AUTHORITY_MAX];
    size_t i, hlen = strlen(u->host), tlen = strlen(u->target), zone = strcspn(u->host, "%");
    long k;
    http_url v;
    gw_err e;
    MUST(u->target[0] == '/' && tlen <= GW_HTTP_URL_MAX);
    for (i = 0; i < tlen; i++)
        MUST((unsigned char)u->target[i] > 0x20 && (unsigned char)u->target[i] < 0x7f
             && u->target[i] != '#');
    MUST(hlen > 0 && hlen <= GW_HOST_MAX && strpbrk(u->host, "@/[]?# ") == NULL);
    for (i = 0; i < zone; i++)
        MUST(!(u->host[i] >= 'A' && u->host[i] <= 'Z'));
    MUST(zone == hlen || (u->ipv6 && zone + 1 < hlen));
    MUST(!u->ipv6 == !strchr(u->host, ':'));
    MUST(u->port >= 1 && u->port <= 65535);
    MUST(u->port_given || u->port == (u->tls ? 443u : 80u));
    http_url_authority(u, auth, sizeof auth);
    MUST(strlen(auth) < sizeof auth - 1 && strchr(auth, '%') == NULL);
    k = http_url_format(u, text, sizeof text);
    MUST(k > 0 && (size_t)k == strlen(text));
    if (k <= GW_HTTP_URL_MAX) {
        MUST(http_url_parse(&v, text, (size_t)k, &e) == 0);
        MUST(v.tls == u->tls && v.ipv6 == u->ipv6 && v.port == u->port);
        MUST(strcmp(v.host, u->host) == 0 && strcmp(v.target, u->target) == 0);
        MUST(http_url_same_origin(&v, u));
    }
}

/* The scheme or "//" that makes ref an absolute or network-path reference. */
static int has_authority(const char *ref, size_t n)
{
    size_t i;
    if (n >= 2 && ref[0] == '/' && ref[1] == '/')
        return 1;
    for (i = 0; i < n && ref[i] != '/' && ref[i] != '?' && ref[i] != '#'; i++)
        if (ref[i] == ':')
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    const uint8_t *nl = memchr(data, '\n', size);
    size_t n = nl ? (size_t)(nl - data) : size, rn;
    const char *ref = nl ? in + n + 1 : "";
    static http_url base, out, again, twice;
    gw_err e;
    int rc;
    rn = nl ? size - n - 1 : 0;
    if (http_url_parse(&base, in, n, &e) != 0) {
        MUST(e.kind == GW_EBAD_ARGUMENT && strncmp(e.msg, "http: ", 6) == 0);
        return 0;
    }
    check_url(&base);
    rc = http_url_resolve(&base, ref, rn, &out, &e);
    MUST(rc == 0 || (rc == -1 && e.kind == GW_EPROTOCOL));
    again = base;
    MUST(http_url_resolve(&again, ref, rn, &again, &e) == rc);
    if (rc != 0)
        return 0;
    check_url(&out);
    MUST(again.tls == out.tls && again.port == out.port && again.ipv6 == out.ipv6
         && strcmp(again.host, out.host) == 0 && strcmp(again.target, out.target) == 0);
    if (!has_authority(ref, rn))
        MUST(http_url_same_origin(&base, &out));
    /* ("//x" would be read as a host: dot removal can make one of "/.//x") */
    if (out.target[1] != '/') {
        MUST(http_url_resolve(&out, out.target, strlen(out.target), &again, &e) == 0);
        MUST(http_url_same_origin(&out, &again));
        if (again.target[1] != '/') {
            MUST(http_url_resolve(&again, again.target, strlen(again.target), &twice, &e) == 0);
            MUST(strcmp(again.target, twice.target) == 0);
        }
    }
    return 0;
}
