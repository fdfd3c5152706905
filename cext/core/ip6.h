/* IPv6 addresses, prefixes and zone ids as text (RFC 4291 section 2.2 and
 * 2.3, RFC 4007 section 11 for "%zone", RFC 5952 for the canonical form),
 * prefix arithmetic on the 16 bytes, and the modified EUI-64 interface
 * identifier of a MAC (RFC 4291 section 2.5.1 and appendix A).
 *
 * Pure functions: no I/O, no allocation, no inet_pton (our own strictness
 * and messages). Text comes from logs and gateway pages: every parser here
 * has a libFuzzer target (tests/fuzz/fuzz_ip6.c). Errors are
 * GW_EBAD_ARGUMENT with a message that starts "ipv6: " and quotes the
 * input through gw_quote. */
#ifndef GW_IP6_H
#define GW_IP6_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "limits.h"

/* The longest text gw_ip6_format writes, NUL included: 39 for the address
 * ("ffff:...:ffff"), '%' and the zone, "/128". */
#define GW_IP6_TEXT_MAX (39 + 1 + GW_IP6_ZONE_MAX + 4 + 1)
#define GW_MAC_TEXT_MAX 18   /* "00:11:22:33:44:55" and the NUL */

typedef struct gw_ip6 {
    unsigned char b[16];              /* the address, network order */
    int len;                          /* prefix length 0..128, or -1 when none was given */
    char zone[GW_IP6_ZONE_MAX + 1];   /* "" when none was given */
} gw_ip6;

/* Parses s[0..n): ADDRESS ["%" ZONE] ["/" LENGTH], nothing before or after.
 * ADDRESS: eight groups of 1-4 hex digits separated by ':', at most one
 * "::" standing for one or more zero groups, the last two groups may be an
 * IPv4 dotted quad (decimal 0..255, no leading zeros). ZONE: 1..15 of
 * [A-Za-z0-9._-]. LENGTH: decimal 0..128 without leading zeros. The host
 * bits of a prefix are kept as given (RFC 4291 2.3 "address/len" notation);
 * gw_ip6_mask clears them. 0, or -1 with e set and *a unspecified. */
int gw_ip6_parse(gw_ip6 *a, const char *s, size_t n, gw_err *e);

/* 0 when z[0..n) is a zone id gw_ip6_parse would accept, else -1 with e set. */
int gw_ip6_zone_check(const char *z, size_t n, gw_err *e);

/* Writes the RFC 5952 text of the 16 bytes b into out (at least
 * GW_IP6_TEXT_MAX bytes): lower case, no leading zeros in a group, the
 * longest run of two or more zero groups (the first of equal runs) as "::",
 * and ::ffff:a.b.c.d for an IPv4-mapped address. Returns the length. */
size_t gw_ip6_format_addr(const unsigned char b[16], char *out);

/* Like gw_ip6_format_addr, then "%zone" when a->zone is not empty and
 * "/len" when a->len >= 0 (a->zone must be NUL-terminated and valid, a->len
 * at most 128: what gw_ip6_parse produces). Returns the length. */
size_t gw_ip6_format(const gw_ip6 *a, char *out);

/* Clears every bit of b after the first len (0..128; clamped). */
void gw_ip6_mask(unsigned char b[16], int len);

/* The n-th (from 0) prefix of length m inside the prefix p/k: p masked to
 * k, with bits k..m-1 set to n. Needs 0 <= k <= m <= 128, m - k <= 32 and
 * n < 2^(m-k). out may be p. 0, or -1 with e set. */
int gw_ip6_subprefix(const unsigned char p[16], int k, int m, uint64_t n,
                     unsigned char out[16], gw_err *e);

/* The inverse: the index n of the prefix q/m inside p/k, that is bits
 * k..m-1 of q. Needs 0 <= k <= m <= 128, m - k <= 32 and p/k to contain q.
 * 0, or -1 with e set. */
int gw_ip6_subprefix_index(const unsigned char p[16], int k, const unsigned char q[16],
                           int m, uint64_t *n, gw_err *e);

/* 1 when the prefix p/plen contains a/alen (an address: alen 128), i.e.
 * alen >= plen and the first plen bits are equal; else 0. Lengths outside
 * 0..128 are clamped. Zones play no part. */
int gw_ip6_contains(const unsigned char p[16], int plen, const unsigned char a[16], int alen);

/* Parses a MAC address: six groups of 1-2 hex digits separated by ':' or
 * by '-' (one separator throughout), twelve hex digits without separator,
 * or Cisco's three groups of four hex digits separated by '.'. Any other
 * number of bytes is an error naming it. 0, or -1 with e set. */
int gw_ip6_mac_parse(const char *s, size_t n, unsigned char mac[6], gw_err *e);

/* Writes "00:11:22:33:44:55" into out (GW_MAC_TEXT_MAX bytes). */
void gw_ip6_mac_format(const unsigned char mac[6], char *out);

/* The modified EUI-64 interface identifier of a MAC: ff:fe inserted in the
 * middle and the universal/local bit (0x02 of the first byte) flipped. */
void gw_ip6_eui64(const unsigned char mac[6], unsigned char iid[8]);

/* The MAC inside an address whose interface identifier is a modified
 * EUI-64 one (bytes 11 and 12 are ff fe). 0, or -1 with e set. */
int gw_ip6_mac_from_iid(const unsigned char a[16], unsigned char mac[6], gw_err *e);

#endif
