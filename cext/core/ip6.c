/* IPv6 text (RFC 4291 2.2-2.3, RFC 4007 11, RFC 5952), prefix arithmetic
 * and modified EUI-64 (RFC 4291 2.5.1, appendix A). See ip6.h. */
#include <stdio.h>
#include <string.h>
#include "ip6.h"
#include "quote.h"
#include "crypto.h"

#define ZONE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

/* The whole input, for messages. */
typedef struct in_text {
    const char *s;
    size_t n;
    gw_err *e;
} in_text;

static int fail(const in_text *in, const char *why)
{
    char q[GW_QUOTE_SIZE];
    return gw_err_set(in->e, GW_EBAD_ARGUMENT, "ipv6: bad address \"%s\": %s",
                      gw_quote(q, in->s, in->n), why);
}

static int fail_char(const in_text *in, const char *p)
{
    char q[GW_QUOTE_SIZE], c[GW_QUOTE_SIZE];
    return gw_err_set(in->e, GW_EBAD_ARGUMENT, "ipv6: bad address \"%s\": unexpected \"%s\"",
                      gw_quote(q, in->s, in->n), gw_quote(c, p, 1));
}

/* A dotted quad that is all of s[0..n): four decimal 0..255, no leading zeros. */
static int parse_v4(const char *s, size_t n, unsigned char out[4])
{
    size_t i = 0;
    int part;
    for (part = 0; part < 4; part++) {
        unsigned v = 0;
        size_t k = 0;
        if (part > 0 && (i >= n || s[i++] != '.'))
            return -1;
        for (; i < n && s[i] >= '0' && s[i] <= '9' && k < 4; i++, k++)
            v = v * 10 + (unsigned)(s[i] - '0');
        if (k == 0 || k > 3 || v > 255 || (k > 1 && s[i - k] == '0'))
            return -1;
        out[part] = (unsigned char)v;
    }
    return i == n ? 0 : -1;
}

/* The address part s[0..n) of the input into b. */
static int parse_addr(const in_text *in, const char *s, size_t n, unsigned char b[16])
{
    unsigned g[8];
    int ng = 0, dc = -1, k;
    size_t i = 0;
    if (n == 0)
        return fail(in, "no address");
    if (!memchr(s, ':', n))
        return fail(in, "no ':' (not an IPv6 address)");
    if (s[0] == ':') {
        if (n < 2 || s[1] != ':')
            return fail(in, "starts with a single ':'");
        dc = 0;
        i = 2;
    }
    while (i < n) {
        size_t j = i;
        unsigned v = 0;
        while (j < n && j - i < 5 && gw_hex_digit(s[j]) >= 0)
            v = v * 16 + (unsigned)gw_hex_digit(s[j++]);
        if (j < n && s[j] == '.') {
            unsigned char q[4];
            if (ng > 6)
                return fail(in, "no room for an IPv4 dotted quad");
            if (parse_v4(s + i, n - i, q) != 0)
                return fail(in, "bad IPv4 dotted quad (the last 32 bits only)");
            g[ng++] = (unsigned)q[0] << 8 | q[1];
            g[ng++] = (unsigned)q[2] << 8 | q[3];
            break;
        }
        if (j == i)
            return s[i] == ':' ? fail(in, "more than two ':' in a row") : fail_char(in, s + i);
        if (j - i > 4)
            return fail(in, "a group of more than 4 hex digits");
        if (ng == 8)
            return fail(in, "more than 8 groups");
        g[ng++] = v;
        if (j == n)
            break;
        if (s[j] != ':')
            return fail_char(in, s + j);
        if (++j == n)
            return fail(in, "ends with a single ':'");
        if (s[j] == ':') {
            if (dc >= 0)
                return fail(in, "more than one \"::\"");
            dc = ng;
            j++;
        }
        i = j;
    }
    if (dc < 0 && ng != 8)
        return fail(in, "fewer than 8 groups and no \"::\"");
    if (dc >= 0 && ng == 8)
        return fail(in, "\"::\" with 8 groups besides");
    memset(b, 0, 16);
    for (k = 0; k < ng; k++) {
        int pos = (dc < 0 || k < dc) ? k : 8 - ng + k;
        b[2 * pos] = (unsigned char)(g[k] >> 8);
        b[2 * pos + 1] = (unsigned char)(g[k] & 0xff);
    }
    return 0;
}

/* Why z[0..n) is not a zone id, or NULL when it is one. */
static const char *zone_why(const char *z, size_t n)
{
    size_t i;
    if (n == 0)
        return "empty zone id after '%'";
    if (n > GW_IP6_ZONE_MAX)
        return "zone id longer than 15 characters";
    for (i = 0; i < n; i++)
        if (!z[i] || !strchr(ZONE_CHARS, z[i]))
            return "zone id with a character other than A-Z a-z 0-9 . _ -";
    return NULL;
}

int gw_ip6_zone_check(const char *z, size_t n, gw_err *e)
{
    const char *why = zone_why(z, n);
    char q[GW_QUOTE_SIZE];
    if (!why)
        return 0;
    return gw_err_set(e, GW_EBAD_ARGUMENT, "ipv6: bad zone id \"%s\": %s",
                      gw_quote(q, z, n), why);
}

/* A prefix length: decimal 0..128, no leading zeros. */
static int parse_len(const in_text *in, const char *s, size_t n, int *len)
{
    size_t i;
    int v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return fail(in, "prefix length not a decimal number");
        v = i < 3 ? v * 10 + (s[i] - '0') : 999;
    }
    if (n == 0 || (n > 1 && s[0] == '0'))
        return fail(in, "prefix length empty or with a leading zero");
    if (v > 128)
        return fail(in, "prefix length out of range (0..128)");
    *len = v;
    return 0;
}

int gw_ip6_parse(gw_ip6 *a, const char *s, size_t n, gw_err *e)
{
    in_text in;
    size_t alen = 0, zend;
    in.s = s;
    in.n = n;
    in.e = e;
    while (alen < n && s[alen] != '%' && s[alen] != '/')
        alen++;
    if (parse_addr(&in, s, alen, a->b) != 0)
        return -1;
    a->zone[0] = '\0';
    a->len = -1;
    zend = alen;
    if (alen < n && s[alen] == '%') {
        const char *why;
        zend = alen + 1;
        while (zend < n && s[zend] != '/')
            zend++;
        why = zone_why(s + alen + 1, zend - alen - 1);
        if (why)
            return fail(&in, why);
        memcpy(a->zone, s + alen + 1, zend - alen - 1);
        a->zone[zend - alen - 1] = '\0';
    }
    if (zend < n && parse_len(&in, s + zend + 1, n - zend - 1, &a->len) != 0)
        return -1;
    return 0;
}

size_t gw_ip6_format_addr(const unsigned char b[16], char *out)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    unsigned g[8];
    int i, run = 0, best = -1, bestlen = 1;
    size_t o = 0;
    if (memcmp(b, mapped, sizeof mapped) == 0)
        return (size_t)sprintf(out, "::ffff:%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
    for (i = 0; i < 8; i++) {       /* the longest zero run (2+), the first of equals */
        g[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
        run = g[i] ? 0 : run + 1;
        if (run > bestlen) {
            best = i - run + 1;
            bestlen = run;
        }
    }
    for (i = 0; i < 8;) {
        if (i == best) {
            memcpy(out + o, "::", 2);
            o += 2;
            i += bestlen;
            continue;
        }
        if (i > 0 && i != best + bestlen)
            out[o++] = ':';
        o += (size_t)sprintf(out + o, "%x", g[i++]);
    }
    out[o] = '\0';
    return o;
}

size_t gw_ip6_format(const gw_ip6 *a, char *out)
{
    size_t o = gw_ip6_format_addr(a->b, out);
    size_t z = strnlen(a->zone, GW_IP6_ZONE_MAX);
    if (z) {
        out[o++] = '%';
        memcpy(out + o, a->zone, z);
        o += z;
    }
    if (a->len >= 0)
        return o + (size_t)sprintf(out + o, "/%d", a->len > 128 ? 128 : a->len);
    out[o] = '\0';
    return o;
}

static int clamp_len(int len)
{
    return len < 0 ? 0 : len > 128 ? 128 : len;
}

void gw_ip6_mask(unsigned char b[16], int len)
{
    int i;
    len = clamp_len(len);
    for (i = 0; i < 16; i++) {
        int keep = len - 8 * i;
        if (keep <= 0)
            b[i] = 0;
        else if (keep < 8)
            b[i] &= (unsigned char)(0xff << (8 - keep));
    }
}

int gw_ip6_contains(const unsigned char p[16], int plen, const unsigned char a[16], int alen)
{
    int full;
    plen = clamp_len(plen);
    full = plen / 8;
    if (clamp_len(alen) < plen || memcmp(p, a, (size_t)full) != 0)
        return 0;
    return plen % 8 == 0 || ((p[full] ^ a[full]) & (0xff << (8 - plen % 8)) & 0xff) == 0;
}

/* The checks shared by subprefix and its inverse. */
static int sub_lengths(int k, int m, gw_err *e)
{
    if (k < 0 || k > 128 || m < 0 || m > 128)
        return gw_err_set(e, GW_EBAD_ARGUMENT,
                          "ipv6: prefix length out of range (0..128): /%d in /%d", m, k);
    if (m < k)
        return gw_err_set(e, GW_EBAD_ARGUMENT,
                          "ipv6: a /%d is not inside a /%d (a longer prefix expected)", m, k);
    if (m - k > 32)
        return gw_err_set(e, GW_EBAD_ARGUMENT,
                          "ipv6: a /%d inside a /%d: more than 32 bits apart", m, k);
    return 0;
}

int gw_ip6_subprefix(const unsigned char p[16], int k, int m, uint64_t n,
                     unsigned char out[16], gw_err *e)
{
    int i;
    if (sub_lengths(k, m, e) != 0)
        return -1;
    if (n >> (m - k) != 0)
        return gw_err_set(e, GW_EBAD_ARGUMENT,
                          "ipv6: sub-prefix index %llu out of range: a /%d holds /%ds 0..%llu",
                          (unsigned long long)n, k, m,
                          (unsigned long long)(((uint64_t)1 << (m - k)) - 1));
    memmove(out, p, 16);
    gw_ip6_mask(out, k);
    for (i = 0; i < m - k; i++)
        if ((n >> (m - k - 1 - i)) & 1)
            out[(k + i) / 8] |= (unsigned char)(0x80 >> ((k + i) % 8));
    return 0;
}

int gw_ip6_subprefix_index(const unsigned char p[16], int k, const unsigned char q[16],
                           int m, uint64_t *n, gw_err *e)
{
    int i;
    if (sub_lengths(k, m, e) != 0)
        return -1;
    if (!gw_ip6_contains(p, k, q, m)) {
        char pt[GW_IP6_TEXT_MAX], qt[GW_IP6_TEXT_MAX];
        gw_ip6_format_addr(p, pt);
        gw_ip6_format_addr(q, qt);
        return gw_err_set(e, GW_EBAD_ARGUMENT, "ipv6: %s/%d is not inside %s/%d", qt, m, pt, k);
    }
    *n = 0;
    for (i = k; i < m; i++)
        *n = *n << 1 | (uint64_t)((q[i / 8] >> (7 - i % 8)) & 1);
    return 0;
}

/* A MAC of a known shape but count bytes, or (count 0) of no known shape. */
static int mac_bad(const char *s, size_t n, size_t count, gw_err *e)
{
    char q[GW_QUOTE_SIZE];
    if (count)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "ipv6: MAC address \"%s\" has %lu bytes, not 6",
                          gw_quote(q, s, n), (unsigned long)count);
    return gw_err_set(e, GW_EBAD_ARGUMENT, "ipv6: bad MAC address \"%s\" (expected "
                      "00:11:22:33:44:55, 00-11-22-33-44-55, 001122334455 or 0011.2233.4455)",
                      gw_quote(q, s, n));
}

int gw_ip6_mac_parse(const char *s, size_t n, unsigned char mac[6], gw_err *e)
{
    size_t i = 0, count = 0, j;
    char sep = 0;
    for (j = 0; j < n && !sep; j++)
        if (gw_hex_digit(s[j]) < 0)
            sep = s[j];
    if (n == 0 || (sep && sep != ':' && sep != '-' && sep != '.'))
        return mac_bad(s, n, 0, e);
    if (!sep) {                         /* 001122334455 */
        if (n != 12)
            return mac_bad(s, n, n % 2 ? 0 : n / 2, e);
        for (i = 0; i < 6; i++)
            mac[i] = (unsigned char)(gw_hex_digit(s[2 * i]) * 16 + gw_hex_digit(s[2 * i + 1]));
        return 0;
    }
    for (;;) {                          /* groups of 1-2 digits, or of 4 with '.' */
        size_t width;
        j = i;
        while (j < n && j - i < 5 && gw_hex_digit(s[j]) >= 0)
            j++;
        width = j - i;
        if (sep == '.' ? width != 4 : (width < 1 || width > 2))
            return mac_bad(s, n, 0, e);
        for (; i < j; i += (width == 1 ? 1 : 2)) {
            int v = width == 1 ? gw_hex_digit(s[i]) : gw_hex_digit(s[i]) * 16 + gw_hex_digit(s[i + 1]);
            if (count < 6)
                mac[count] = (unsigned char)v;
            count++;
        }
        if (j == n)
            break;
        if (s[j] != sep || j + 1 == n)
            return mac_bad(s, n, 0, e);
        i = j + 1;
    }
    return count == 6 ? 0 : mac_bad(s, n, count, e);
}

void gw_ip6_mac_format(const unsigned char mac[6], char *out)
{
    sprintf(out, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

void gw_ip6_eui64(const unsigned char mac[6], unsigned char iid[8])
{
    memcpy(iid, mac, 3);
    iid[0] ^= 0x02;
    iid[3] = 0xff;
    iid[4] = 0xfe;
    memcpy(iid + 5, mac + 3, 3);
}

int gw_ip6_mac_from_iid(const unsigned char a[16], unsigned char mac[6], gw_err *e)
{
    if (a[11] != 0xff || a[12] != 0xfe) {
        char t[GW_IP6_TEXT_MAX];
        gw_ip6_format_addr(a, t);
        return gw_err_set(e, GW_EBAD_ARGUMENT, "ipv6: %s has no EUI-64 interface "
                          "identifier (no ff:fe in its middle)", t);
    }
    memcpy(mac, a + 8, 3);
    mac[0] ^= 0x02;
    memcpy(mac + 3, a + 13, 3);
    return 0;
}
