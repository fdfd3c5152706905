/* IPv6 text against RFC 5952 section 4 (and 2, 5) and RFC 4291 2.2-2.3,
 * sub-prefixes of a DHCPv6-PD /56, containment, modified EUI-64 (RFC 4291
 * 2.5.1 and appendix A) both ways, and tables of malformed input. */
#include "core/ip6.h"
#include "unit/check.h"

/* input -> canonical text */
static const char *const canon[][2] = {
    /* RFC 5952 4.1: leading zeros */
    {"2001:0db8::0001", "2001:db8::1"},
    {"2001:db8::0:1", "2001:db8::1"},
    /* 4.2.1: "::" as long as possible */
    {"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},
    /* 4.2.2: not for one 16-bit 0 field */
    {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
    {"2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
    /* 4.2.3: the longest run; the first of equal runs */
    {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
    /* 4.3: lower case */
    {"2001:DB8::1", "2001:db8::1"},
    /* section 2.1 and 2.2 (the variants of one address) */
    {"2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"},
    {"2001:db8:aaaa:bbbb:cccc:dddd:eeee:001", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"},
    {"2001:db8:aaaa:bbbb:cccc:dddd:eeee:AaAa", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa"},
    {"2001:db8:0:0:0::1", "2001:db8::1"},
    {"2001:db8:0:0::1", "2001:db8::1"},
    {"2001:db8:0::1", "2001:db8::1"},
    {"2001:db8::aaaa:0:0:1", "2001:db8::aaaa:0:0:1"},
    {"2001:db8:0:0:aaaa::1", "2001:db8::aaaa:0:0:1"},
    /* section 5: IPv4-mapped in mixed notation */
    {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},
    {"0:0:0:0:0:ffff:c000:0201", "::ffff:192.0.2.1"},
    {"::ffff:0:0", "::ffff:0.0.0.0"},
    /* RFC 4291 2.2 */
    {"ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789"},
    {"2001:DB8:0:0:8:800:200C:417A", "2001:db8::8:800:200c:417a"},
    {"FF01:0:0:0:0:0:0:101", "ff01::101"},
    {"0:0:0:0:0:0:0:1", "::1"},
    {"0:0:0:0:0:0:0:0", "::"},
    {"::", "::"},
    {"0:0:0:0:0:0:13.1.68.3", "::d01:4403"},
    {"::13.1.68.3", "::d01:4403"},
    {"0:0:0:0:0:FFFF:129.144.52.38", "::ffff:129.144.52.38"},
    {"::FFFF:129.144.52.38", "::ffff:129.144.52.38"},
    /* RFC 4291 2.3: three legal texts of one prefix */
    {"2001:0DB8:0000:CD30:0000:0000:0000:0000/60", "2001:db8:0:cd30::/60"},
    {"2001:0DB8::CD30:0:0:0:0/60", "2001:db8:0:cd30::/60"},
    {"2001:0DB8:0:CD30::/60", "2001:db8:0:cd30::/60"},
    {"2001:0DB8::CD30/60", "2001:db8::cd30/60"},    /* a different address */
    /* edges of the zero-run rule */
    {"1:0:0:0:1:0:0:0", "1::1:0:0:0"},
    {"0:0:0:1::", "0:0:0:1::"},
    {"1:0:1:1:1:1:1:1", "1:0:1:1:1:1:1:1"},
    {"0:1:1:1:1:1:1:1", "0:1:1:1:1:1:1:1"},
    {"1:1:1:1:1:1:1:0", "1:1:1:1:1:1:1:0"},
    {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
    {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
    {"1::", "1::"},
    {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
    {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
    {"::fffe:1.2.3.4", "::fffe:102:304"},
    {"::1:ffff:1.2.3.4", "::1:ffff:102:304"},
    /* zones (RFC 4007 11) and prefix lengths */
    {"fe80::1%eth0", "fe80::1%eth0"},
    {"FE80::0001%25", "fe80::1%25"},
    {"fe80::1%eth0.100/64", "fe80::1%eth0.100/64"},
    {"fe80::1%lan_1-x", "fe80::1%lan_1-x"},
    {"fe80::%abcdefghijklmno/10", "fe80::%abcdefghijklmno/10"},
    {"::/0", "::/0"},
    {"::1/128", "::1/128"},
    {"2001:db8:1:ff00::/56", "2001:db8:1:ff00::/56"},
};

/* malformed input -> a word of the message */
static const char *const bad[][2] = {
    {"2001:db8::1::2", "more than one \"::\""},
    {"2001:db8::/129", "out of range (0..128)"},
    {"::1/1280", "out of range"},
    {"12345::", "more than 4 hex digits"},
    {"::12345", "more than 4 hex digits"},
    {":::", "more than two ':'"},
    {"1:::2", "more than two ':'"},
    {"1:2:3:4:5:6:7:8:9", "more than 8 groups"},
    {"1:2:3:4:5:6:7:8::", "\"::\" with 8 groups"},
    {"::1:2:3:4:5:6:7:8", "\"::\" with 8 groups"},
    {"1:2:3:4:5:6:7", "fewer than 8 groups"},
    {"2001:0DB8:0:CD3/60", "fewer than 8 groups"},   /* RFC 4291 2.3 */
    {"fe80::1%eth 0", "zone id with a character"},
    {"fe80::1%eth0%1", "zone id with a character"},
    {"fe80::1%", "empty zone id"},
    {"fe80::1%abcdefghijklmnop", "longer than 15"},
    {"fe80::1/64%eth0", "not a decimal number"},
    {"1.2.3.4", "no ':'"},
    {"", "no address"},
    {"%eth0", "no address"},
    {"/64", "no address"},
    {":1::", "starts with a single ':'"},
    {":", "starts with a single ':'"},
    {"1::2:", "ends with a single ':'"},
    {"1:2:3:4:5:6:7:8:", "ends with a single ':'"},
    {"g::", "unexpected \"g\""},
    {"::1 ", "unexpected \" \""},
    {" ::1", "unexpected \" \""},
    {"[::1]", "unexpected \"[\""},
    {"::1/", "prefix length empty"},
    {"::1/064", "leading zero"},
    {"::1/-1", "not a decimal number"},
    {"::1/64x", "not a decimal number"},
    {"::1/64/64", "not a decimal number"},
    {"::1.2.3", "dotted quad"},
    {"::1.2.3.256", "dotted quad"},
    {"::1.2.3.04", "dotted quad"},
    {"::1.2.3.4.5", "dotted quad"},
    {"::1..3.4", "dotted quad"},
    {"1.2.3.4::", "dotted quad"},
    {"::ffff:1.2.3.4:5", "dotted quad"},
    {"::a.2.3.4", "dotted quad"},
    {"1:2:3:4:5:6:7:1.2.3.4", "no room"},
};

static const char *const macs_ok[] = {
    "00:11:22:33:44:55", "00-11-22-33-44-55", "001122334455", "0011.2233.4455",
    "0:11:22:33:44:55",
};

static const char *const macs_bad[][2] = {
    {"00:11:22:33:44:55:66", "has 7 bytes, not 6"},
    {"00112233445566", "has 7 bytes, not 6"},
    {"00:11:22:33:44", "has 5 bytes, not 6"},
    {"0011.2233.4455.6677", "has 8 bytes, not 6"},
    {"0011.2233", "has 4 bytes, not 6"},
    {"00:11-22:33:44:55", "bad MAC address"},
    {"00:11:22:33:44:555", "bad MAC address"},
    {"00:11:22:33:44:", "bad MAC address"},
    {":00:11:22:33:44:55", "bad MAC address"},
    {"0011223344556", "bad MAC address"},
    {"00 11 22 33 44 55", "bad MAC address"},
    {"g0:11:22:33:44:55", "bad MAC address"},
    {"::::::", "bad MAC address"},
    {"011.2233.4455", "bad MAC address"},
    {"", "bad MAC address"},
};

/* MAC -> link-local address */
static const char *const eui[][2] = {
    {"02:00:5e:10:00:01", "fe80::5eff:fe10:1"},
    {"00:11:22:33:44:55", "fe80::211:22ff:fe33:4455"},
    {"00:a0:de:12:34:56", "fe80::2a0:deff:fe12:3456"},
    {"ff:ff:ff:ff:ff:ff", "fe80::fdff:ffff:feff:ffff"},
    {"00:00:00:00:00:00", "fe80::200:ff:fe00:0"},
};

static int has(const gw_err *e, const char *word)
{
    return strncmp(e->msg, "ipv6: ", 6) == 0 && strstr(e->msg, word) != NULL;
}

static const char *fmt(const char *s)
{
    static char out[GW_IP6_TEXT_MAX];
    static gw_err e;
    gw_ip6 a;
    if (gw_ip6_parse(&a, s, strlen(s), &e) != 0)
        return e.msg;
    gw_ip6_format(&a, out);
    return out;
}

static void parse_or_die(gw_ip6 *a, const char *s)
{
    gw_err e;
    if (gw_ip6_parse(a, s, strlen(s), &e) != 0)
        printf("# %s\n", e.msg);
}

static void test_text(void)
{
    size_t i;
    gw_ip6 a;
    gw_err e;
    char out[GW_IP6_TEXT_MAX];
    for (i = 0; i < sizeof canon / sizeof canon[0]; i++) {
        CHECK_STR(fmt(canon[i][0]), canon[i][1], canon[i][0]);
        CHECK_STR(fmt(canon[i][1]), canon[i][1], "canonical is a fixed point");
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = gw_ip6_parse(&a, bad[i][0], strlen(bad[i][0]), &e);
        if (!CHECK(rc == -1 && e.kind == GW_EBAD_ARGUMENT && has(&e, bad[i][1]), bad[i][0]))
            printf("#   got: %s\n", rc ? e.msg : "accepted");
    }
    CHECK(gw_ip6_parse(&a, "::1\0", 4, &e) == -1 && has(&e, "unexpected \"\\x00\""), "NUL");
    CHECK(gw_ip6_parse(&a, "::1%eth0", 3, &e) == 0 && a.zone[0] == 0 && a.len == -1,
          "only n bytes read");
    CHECK_STR(fmt("2001:db8::1::2"), "ipv6: bad address \"2001:db8::1::2\": more than one \"::\"",
              "the whole message");
    parse_or_die(&a, "fe80::1%eth0/64");
    CHECK(a.len == 64 && strcmp(a.zone, "eth0") == 0 && a.b[0] == 0xfe && a.b[15] == 1,
          "fields of fe80::1%eth0/64");
    parse_or_die(&a, "1111:2222:3333:4444:5555:6666:7777:8888%abcdefghijklmno/128");
    CHECK(gw_ip6_format(&a, out) == GW_IP6_TEXT_MAX - 1 && strlen(out) == GW_IP6_TEXT_MAX - 1,
          "the longest text fits GW_IP6_TEXT_MAX");
    CHECK(gw_ip6_zone_check("eth0.100", 8, &e) == 0, "zone ok");
    CHECK(gw_ip6_zone_check("eth 0", 5, &e) == -1 && has(&e, "bad zone id \"eth 0\""),
          "zone with a space");
    CHECK(gw_ip6_zone_check("", 0, &e) == -1, "empty zone");
}

static void test_prefix(void)
{
    static const char *const contains[][3] = {     /* prefix, address or prefix, 1/0 */
        {"2001:db8:1:ff00::/56", "2001:db8:1:ff10::/60", "1"},
        {"2001:db8:1:ff00::/56", "2001:db8:1:fff0::/60", "1"},
        {"2001:db8:1:ff00::/56", "2001:db8:1:ff10::1", "1"},
        {"2001:db8:1:ff00::/56", "2001:db8:1:fe00::1", "0"},
        {"2001:db8:1:ff00::/56", "2001:db8:1::/48", "0"},
        {"2001:db8:1:ff00::/56", "2001:db8:1:ff00::/56", "1"},
        {"::/0", "ffff::1", "1"},
        {"2001:db8:0:cd30::/60", "2001:0DB8:0:CD30:123:4567:89AB:CDEF", "1"},  /* RFC 4291 2.3 */
        {"2001:db8:0:cd30::/60", "2001:db8:0:cd3f:ffff::", "1"},
        {"2001:db8:0:cd30::/60", "2001:db8:0:cd40::", "0"},
        {"2001:db8::/33", "2001:db8:7fff::", "1"},
        {"2001:db8::/33", "2001:db8:8000::", "0"},
        {"::1/128", "::1", "1"},
        {"::1/128", "::", "0"},
    };
    gw_ip6 p, a, q;
    gw_err e;
    char out[GW_IP6_TEXT_MAX], want[GW_IP6_TEXT_MAX];
    uint64_t n, idx;
    size_t i;
    for (i = 0; i < sizeof contains / sizeof contains[0]; i++) {
        parse_or_die(&p, contains[i][0]);
        parse_or_die(&a, contains[i][1]);
        CHECK(gw_ip6_contains(p.b, p.len, a.b, a.len < 0 ? 128 : a.len)
              == (contains[i][2][0] == '1'), contains[i][1]);
    }
    /* the /60s of a PD /56: n = 0 (the gateway's own) and the 15 it hands out */
    parse_or_die(&p, "2001:db8:1:ff00::/56");
    for (n = 0; n < 16; n++) {
        snprintf(want, sizeof want, "2001:db8:1:ff%x0::/60", (unsigned)n);
        q.len = 60;
        q.zone[0] = '\0';
        CHECK(gw_ip6_subprefix(p.b, 56, 60, n, q.b, &e) == 0, "subprefix");
        gw_ip6_format(&q, out);
        CHECK_STR(out, want, "n-th /60 of a /56");
        CHECK(gw_ip6_subprefix_index(p.b, 56, q.b, 60, &idx, &e) == 0 && idx == n, "its index");
        CHECK(gw_ip6_contains(p.b, 56, q.b, 60), "inside its /56");
    }
    CHECK(gw_ip6_subprefix(p.b, 56, 60, 16, q.b, &e) == -1 && has(&e, "index 16 out of range"),
          "16th /60");
    CHECK(gw_ip6_subprefix(p.b, 56, 55, 0, q.b, &e) == -1 && has(&e, "not inside"), "m < k");
    CHECK(gw_ip6_subprefix(p.b, 56, 89, 0, q.b, &e) == -1 && has(&e, "32 bits"), "m - k > 32");
    CHECK(gw_ip6_subprefix(p.b, 56, 129, 0, q.b, &e) == -1 && has(&e, "out of range"), "/129");
    CHECK(gw_ip6_subprefix(p.b, -1, 8, 0, q.b, &e) == -1, "k < 0");
    parse_or_die(&a, "2001:db8:1:ff10::/60");
    CHECK(gw_ip6_subprefix(a.b, 60, 64, 1, q.b, &e) == 0, "a /64 of a /60");
    CHECK_STR((gw_ip6_format_addr(q.b, out), out), "2001:db8:1:ff11::", "second /64 of ff10::/60");
    parse_or_die(&a, "2001:db8:1:ff00::1");                 /* host bits of p dropped */
    CHECK(gw_ip6_subprefix(a.b, 56, 60, 1, a.b, &e) == 0, "in place");
    CHECK_STR((gw_ip6_format_addr(a.b, out), out), "2001:db8:1:ff10::", "host bits dropped");
    memset(a.b, 0, 16);
    CHECK(gw_ip6_subprefix(a.b, 0, 32, 0x20010db8, q.b, &e) == 0, "32 bits");
    CHECK_STR((gw_ip6_format_addr(q.b, out), out), "2001:db8::", "::/0 -> 2001:db8::/32");
    CHECK(gw_ip6_subprefix(a.b, 0, 32, (uint64_t)1 << 32, q.b, &e) == -1, "2^32");
    CHECK(gw_ip6_subprefix(a.b, 127, 128, 1, q.b, &e) == 0 && q.b[15] == 1, "/128 in a /127");
    CHECK(gw_ip6_subprefix(a.b, 60, 60, 0, q.b, &e) == 0, "m == k, n = 0");
    CHECK(gw_ip6_subprefix(a.b, 60, 60, 1, q.b, &e) == -1, "m == k, n = 1");
    parse_or_die(&a, "2001:db8:1:fe10::");
    CHECK(gw_ip6_subprefix_index(p.b, 56, a.b, 60, &idx, &e) == -1
          && has(&e, "2001:db8:1:fe10::/60 is not inside 2001:db8:1:ff00::/56"), "index outside");
    parse_or_die(&a, "2001:db8:1:ffab:1:2:3:4");
    gw_ip6_mask(a.b, 60);
    CHECK_STR((gw_ip6_format_addr(a.b, out), out), "2001:db8:1:ffa0::", "mask /60");
    gw_ip6_mask(a.b, 0);
    CHECK_STR((gw_ip6_format_addr(a.b, out), out), "::", "mask /0");
}

static void test_mac(void)
{
    static const unsigned char want[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    unsigned char mac[6], back[6], ll[16];
    char out[GW_IP6_TEXT_MAX], text[GW_MAC_TEXT_MAX];
    gw_ip6 a;
    gw_err e;
    size_t i;
    for (i = 0; i < sizeof macs_ok / sizeof macs_ok[0]; i++)
        CHECK(gw_ip6_mac_parse(macs_ok[i], strlen(macs_ok[i]), mac, &e) == 0
              && memcmp(mac, want, 6) == 0, macs_ok[i]);
    CHECK(gw_ip6_mac_parse("AA:bb:CC:dd:EE:ff", 17, mac, &e) == 0, "mixed case");
    gw_ip6_mac_format(mac, text);
    CHECK_STR(text, "aa:bb:cc:dd:ee:ff", "mac_format");
    for (i = 0; i < sizeof macs_bad / sizeof macs_bad[0]; i++) {
        int rc = gw_ip6_mac_parse(macs_bad[i][0], strlen(macs_bad[i][0]), mac, &e);
        if (!CHECK(rc == -1 && e.kind == GW_EBAD_ARGUMENT && has(&e, macs_bad[i][1]),
                   macs_bad[i][0]))
            printf("#   got: %s\n", rc ? e.msg : "accepted");
    }
    CHECK_STR((gw_ip6_mac_parse("00:11:22:33:44:55:66", 20, mac, &e), e.msg),
              "ipv6: MAC address \"00:11:22:33:44:55:66\" has 7 bytes, not 6", "7-byte message");
    for (i = 0; i < sizeof eui / sizeof eui[0]; i++) {
        CHECK(gw_ip6_mac_parse(eui[i][0], strlen(eui[i][0]), mac, &e) == 0, eui[i][0]);
        memset(ll, 0, sizeof ll);
        ll[0] = 0xfe;
        ll[1] = 0x80;
        gw_ip6_eui64(mac, ll + 8);
        gw_ip6_format_addr(ll, out);
        CHECK_STR(out, eui[i][1], "link-local from EUI-64");
        CHECK(gw_ip6_mac_from_iid(ll, back, &e) == 0 && memcmp(back, mac, 6) == 0,
              "MAC back from the link-local address");
    }
    gw_ip6_mac_parse("02:00:5e:10:00:01", 17, mac, &e);
    gw_ip6_eui64(mac, ll);
    CHECK(memcmp(ll, "\x00\x00\x5e\xff\xfe\x10\x00\x01", 8) == 0, "U/L bit 0x02 flipped off");
    gw_ip6_mac_parse("00:00:5e:10:00:01", 17, mac, &e);
    gw_ip6_eui64(mac, ll);
    CHECK(ll[0] == 0x02, "U/L bit 0x02 flipped on");
    parse_or_die(&a, "2001:db8:1:ff10:211:22ff:fe33:4455");
    CHECK(gw_ip6_mac_from_iid(a.b, back, &e) == 0 && memcmp(back, want, 6) == 0, "global EUI-64");
    parse_or_die(&a, "fe80::1");
    CHECK(gw_ip6_mac_from_iid(a.b, back, &e) == -1
          && has(&e, "fe80::1 has no EUI-64 interface identifier"), "not EUI-64");
}

int main(void)
{
    test_text();
    test_prefix();
    test_mac();
    return CHECK_DONE();
}
