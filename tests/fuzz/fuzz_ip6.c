/* libFuzzer: the IPv6 address and MAC parsers of cext/core/ip6.c, which
 * read text from logs and gateway pages. The whole input is given to
 * gw_ip6_parse and to gw_ip6_mac_parse.
 *
 * Checked for an address that parses: the text gw_ip6_format writes fits
 * GW_IP6_TEXT_MAX, parses back to the same bytes, zone and length, and is
 * canonical (formatting the re-parse gives the same text); it is lower
 * case, without a leading zero in a group, with at most one "::". glibc's
 * inet_pton is the oracle for the address part (same acceptance, same
 * bytes) and inet_ntop for the text (but for the ::/96 addresses it prints
 * as a dotted quad). With a prefix length: the masked prefix contains the
 * address, and a sub-prefix chosen from the input is inside the prefix
 * and gives its index back. An address with an EUI-64 identifier gives a
 * MAC whose EUI-64 is that identifier.
 * For a MAC that parses: format and parse again give the same bytes; the
 * MAC comes back from the link-local address of its EUI-64.
 * Every error: GW_EBAD_ARGUMENT, one printable line starting "ipv6: ". */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/ip6.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(c) do { if (!(c)) abort(); } while (0)

static void check_err(const gw_err *e)
{
    size_t i, n = strnlen(e->msg, sizeof e->msg);
    MUST(e->kind == GW_EBAD_ARGUMENT && n < sizeof e->msg);
    MUST(strncmp(e->msg, "ipv6: ", 6) == 0);
    for (i = 0; i < n; i++)
        MUST((unsigned char)e->msg[i] >= 0x20 && (unsigned char)e->msg[i] < 0x7f);
}

/* The address part of a canonical text: lower case, no leading zeros (in
 * a group or in a part of the dotted quad). */
static void check_canonical(const char *t, size_t n)
{
    size_t i;
    const char *dc = strstr(t, "::");
    MUST(!dc || (size_t)(dc - t) >= n || !strstr(dc + 1, "::"));
    MUST(!strstr(t, ":::"));
    for (i = 0; i < n; i++) {
        MUST(strchr("0123456789abcdef:.", t[i]) != NULL);
        if (t[i] == '0' && (i == 0 || t[i - 1] == ':' || t[i - 1] == '.') && i + 1 < n)
            MUST(t[i + 1] == ':' || t[i + 1] == '.');
    }
}

static void oracle(const char *s, size_t alen, const gw_ip6 *a, int ok)
{
    char buf[64], txt[INET6_ADDRSTRLEN], ours[GW_IP6_TEXT_MAX];
    unsigned char b[16];
    static const unsigned char zero[12];
    if (alen >= sizeof buf || memchr(s, '\0', alen))
        return;
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    MUST((inet_pton(AF_INET6, buf, b) == 1) == ok);
    if (!ok)
        return;
    MUST(memcmp(b, a->b, 16) == 0);
    MUST(inet_ntop(AF_INET6, b, txt, sizeof txt) != NULL);
    gw_ip6_format_addr(b, ours);
    MUST(memcmp(b, zero, 12) == 0 || strcmp(txt, ours) == 0);
}

static void prefixes(const gw_ip6 *a, const uint8_t *data, size_t size)
{
    unsigned char p[16], q[16], r[16];
    int k = a->len, m;
    uint64_t n, idx;
    gw_err e;
    memcpy(p, a->b, 16);
    gw_ip6_mask(p, k);
    MUST(gw_ip6_contains(p, k, a->b, 128));
    MUST(gw_ip6_contains(p, k, p, k));
    MUST(k == 0 || !gw_ip6_contains(p, k, p, k - 1));
    m = k + (int)(size % 33);
    n = size < 4 ? size
        : (uint64_t)data[0] << 24 | (uint64_t)data[1] << 16 | (uint64_t)data[2] << 8 | data[3];
    if (gw_ip6_subprefix(a->b, k, m, n, q, &e) != 0) {
        check_err(&e);
        MUST(m > 128 || (n >> (m - k)) != 0);
        n &= m - k >= 32 ? 0xffffffffu : ((uint64_t)1 << (m - k)) - 1;
        if (m > 128)
            return;
        MUST(gw_ip6_subprefix(a->b, k, m, n, q, &e) == 0);
    }
    MUST(gw_ip6_contains(p, k, q, m));
    MUST(gw_ip6_subprefix_index(p, k, q, m, &idx, &e) == 0 && idx == n);
    memcpy(r, q, 16);
    gw_ip6_mask(r, m);
    MUST(memcmp(r, q, 16) == 0);
}

static void address(const char *s, size_t size, const uint8_t *data)
{
    gw_ip6 a, b;
    gw_err e;
    char t[GW_IP6_TEXT_MAX], u[GW_IP6_TEXT_MAX];
    unsigned char mac[6], iid[8];
    size_t n, alen = 0;
    int ok;
    while (alen < size && s[alen] != '%' && s[alen] != '/')
        alen++;
    ok = gw_ip6_parse(&b, s, alen, &e) == 0;      /* the address part alone */
    if (!ok)
        check_err(&e);
    oracle(s, alen, &b, ok);
    if (gw_ip6_parse(&a, s, size, &e) != 0) {
        check_err(&e);
        return;
    }
    MUST(ok && memcmp(a.b, b.b, 16) == 0);
    n = gw_ip6_format(&a, t);
    MUST(n == strlen(t) && n < GW_IP6_TEXT_MAX);
    check_canonical(t, strcspn(t, "%/"));
    MUST(gw_ip6_parse(&b, t, n, &e) == 0);
    MUST(memcmp(a.b, b.b, 16) == 0 && a.len == b.len && strcmp(a.zone, b.zone) == 0);
    MUST(gw_ip6_format(&b, u) == n && strcmp(t, u) == 0);
    MUST((a.zone[0] != '\0') == (memchr(s, '%', size) != NULL));
    MUST(a.zone[0] == '\0' || gw_ip6_zone_check(a.zone, strlen(a.zone), &e) == 0);
    if (a.len >= 0)
        prefixes(&a, data, size);
    if (gw_ip6_mac_from_iid(a.b, mac, &e) == 0) {
        gw_ip6_eui64(mac, iid);
        MUST(memcmp(iid, a.b + 8, 8) == 0);
    } else {
        check_err(&e);
    }
}

static void mac(const char *s, size_t size)
{
    unsigned char m[6], back[6], ll[16] = {0xfe, 0x80};
    char t[GW_MAC_TEXT_MAX];
    gw_err e;
    if (gw_ip6_mac_parse(s, size, m, &e) != 0) {
        check_err(&e);
        return;
    }
    MUST(size >= 11 && size <= 17);
    gw_ip6_mac_format(m, t);
    MUST(strlen(t) == 17);
    MUST(gw_ip6_mac_parse(t, 17, back, &e) == 0 && memcmp(m, back, 6) == 0);
    gw_ip6_eui64(m, ll + 8);
    MUST(ll[11] == 0xff && ll[12] == 0xfe && (ll[8] ^ m[0]) == 0x02);
    MUST(gw_ip6_mac_from_iid(ll, back, &e) == 0 && memcmp(m, back, 6) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    address((const char *)data, size, data);
    mac((const char *)data, size);
    return 0;
}
