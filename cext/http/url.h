/* URLs for the HTTP client (RFC 3986, RFC 6874 for IPv6 zone ids). Pure. */
#ifndef GW_HTTP_URL_H
#define GW_HTTP_URL_H

#include <stddef.h>
#include "core/err.h"
#include "core/limits.h"

typedef struct http_url {
    int tls;                        /* 1 for https */
    char host[GW_HOST_MAX + 1];     /* no brackets; a zone id decoded: "fe80::1%eth0" */
    int ipv6;                       /* host is an IPv6 literal */
    unsigned port;                  /* given, or 80 / 443 */
    int port_given;                 /* a non-empty port was written (even the default) */
    char target[GW_HTTP_URL_MAX + 1]; /* path and query, byte-exact; "/" when empty */
} http_url;

/* Room for http_url_authority's output: "[" v6 "]" ":" 5 digits, NUL. */
#define HTTP_AUTHORITY_MAX (GW_HOST_MAX + 9)
/* Room for http_url_format's output: scheme, "://", authority with the zone
 * as "%25zone", target, NUL. */
#define HTTP_URL_TEXT_MAX (8 + GW_HOST_MAX + 2 + 9 + GW_HTTP_URL_MAX + 1)

/* Parses an absolute http or https URL of n bytes (no NUL needed). Scheme
 * and host are case-insensitive (kept lower-case; a zone id keeps its case:
 * interface names are case-sensitive); the path and query are kept byte
 * for byte (no decoding, no dot removal), the fragment dropped; an empty
 * path becomes "/" ("http://h?x" -> "/?x").
 * Hosts: a name of letters, digits, '-' and '.' (labels of 1..63, a final
 * dot allowed; no percent-encoding); a dotted-quad IPv4 address (a name
 * whose last label is all digits must be one: no "192.168.1", no leading
 * zeros, which resolvers read as octal); an IPv6 literal in brackets,
 * optionally with a zone id: RFC 6874 "[fe80::1%25eth0]", or the form
 * browsers accept, "[fe80::1%eth0]", when the two bytes after '%' are not
 * both hex digits (so "%25" always starts an RFC 6874 zone, and a zone like
 * "ae0" must be written "%25ae0"). Zone ids are 1*unreserved.
 * Port: 1..65535; "host:" with an empty port means the default.
 * Returns 0, or -1 with e set (GW_EBAD_ARGUMENT): another scheme, no "//",
 * userinfo (even empty, "http://@h/": credentials go in the user and
 * password fields), a bad port, host, IPv6 literal or zone, a space, CTL,
 * DEL or a byte >= 0x80 anywhere (the caller must percent-encode them), or
 * more than GW_HTTP_URL_MAX bytes. */
int http_url_parse(http_url *u, const char *s, size_t n, gw_err *e);

/* Resolves a reference (a Location value) of n bytes against base into out
 * (RFC 3986 5.2: absolute "http://..", scheme-relative "//host/..",
 * absolute-path "/..", relative "a/b" or "../x" merged with the base path,
 * "?query", "" and "#frag" alone meaning the base itself); dot segments are
 * removed from the result's path (5.2.4) in every case; the fragment is
 * dropped. out may be base; ref must not point into out. Returns 0, or -1 with e set (GW_EPROTOCOL: the
 * reference comes from the peer) for anything http_url_parse refuses, a
 * scheme other than http/https (including "http:g" without "//"), or a
 * result longer than GW_HTTP_URL_MAX. */
int http_url_resolve(const http_url *base, const char *ref, size_t n, http_url *out, gw_err *e);

/* 1 when a and b have the same scheme, host and port (RFC 6454 origin).
 * Hosts are compared as written (lower-cased): "[::1]" and "[0::1]" are
 * different origins, which errs on the side of not sending credentials. */
int http_url_same_origin(const http_url *a, const http_url *b);

/* The Host header value into out (n bytes, HTTP_AUTHORITY_MAX is always
 * enough; truncated and NUL-terminated otherwise): "host", "host:port",
 * "[v6]", "[v6]:port"; the zone id left out (RFC 6874 section 4), the port
 * only when it is not the scheme's default. */
void http_url_authority(const http_url *u, char *out, size_t n);

/* The whole URL as text into out ("https://[fe80::1%25eth0]:8443/x?y"),
 * for messages and results. Returns its length, or -1 when n is too small
 * (HTTP_URL_TEXT_MAX is always enough). */
long http_url_format(const http_url *u, char *out, size_t n);

#endif
