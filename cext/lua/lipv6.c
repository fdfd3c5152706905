/* gwkit.core IPv6 and MAC helpers over cext/core/ip6.c. Addresses travel
 * as 16-byte strings, MACs as 6-byte strings; lua/gwkit/ipv6.lua builds
 * the friendly API. Bad text returns nil, "ipv6: ...", {kind="bad_argument"};
 * wrong types or sizes raise. */
#include <string.h>
#include "glue.h"
#include "../core/ip6.h"

/* A string argument of exactly n bytes. */
static const unsigned char *check_bytes(lua_State *L, int idx, size_t n)
{
    size_t len;
    const char *s = luaL_checklstring(L, idx, &len);
    if (len != n)
        luaL_argerror(L, idx, n == 16 ? "16-byte address expected"
                                      : n == 6 ? "6-byte MAC expected" : "wrong length");
    return (const unsigned char *)s;
}

#define TWO53 9007199254740992.0

/* 1 when d is an integer (every double beyond 2^53 is one); NaN is not. */
static int integral(lua_Number d)
{
    if (d != d)
        return 0;
    return d > TWO53 || d < -TWO53 || d == (lua_Number)(long long)d;
}

/* An integral number, clamped to lo..hi (the core reports what is out of range). */
static int check_int(lua_State *L, int idx, int lo, int hi)
{
    lua_Number d = luaL_checknumber(L, idx);
    if (!integral(d))
        luaL_argerror(L, idx, "integer expected");
    return d < lo ? lo : d > hi ? hi : (int)d;
}

/* A prefix length 0..128 that the caller must get right. */
static int check_len(lua_State *L, int idx)
{
    int len = check_int(L, idx, -1, 129);
    luaL_argcheck(L, len >= 0 && len <= 128, idx, "prefix length 0..128 expected");
    return len;
}

static int l_ip6_parse(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    gw_ip6 a;
    gw_err e;
    if (gw_ip6_parse(&a, s, n, &e) != 0)
        return glue_fail(L, &e);
    lua_pushlstring(L, (const char *)a.b, 16);
    if (a.zone[0])
        lua_pushstring(L, a.zone);
    else
        lua_pushnil(L);
    if (a.len >= 0)
        lua_pushinteger(L, a.len);
    else
        lua_pushnil(L);
    return 3;
}

/* ip6_format(bytes16 [, zone [, len]]): the RFC 5952 text; the arguments
 * in ip6_parse's order, so that ip6_format(ip6_parse(s)) canonicalizes. */
static int l_ip6_format(lua_State *L)
{
    gw_ip6 a;
    gw_err e;
    size_t zn = 0;
    const char *z;
    char out[GW_IP6_TEXT_MAX];
    memcpy(a.b, check_bytes(L, 1, 16), 16);
    z = luaL_optlstring(L, 2, "", &zn);
    if (zn && gw_ip6_zone_check(z, zn, &e) != 0)
        luaL_argerror(L, 2, e.msg);
    a.len = lua_isnoneornil(L, 3) ? -1 : check_len(L, 3);
    memcpy(a.zone, z, zn);
    a.zone[zn] = '\0';
    lua_pushlstring(L, out, gw_ip6_format(&a, out));
    return 1;
}

static int l_ip6_mask(lua_State *L)
{
    unsigned char b[16];
    memcpy(b, check_bytes(L, 1, 16), 16);
    gw_ip6_mask(b, check_len(L, 2));
    lua_pushlstring(L, (const char *)b, 16);
    return 1;
}

/* ip6_subprefix(bytes16, k, m, n): the n-th /m inside bytes16/k. */
static int l_ip6_subprefix(lua_State *L)
{
    const unsigned char *p = check_bytes(L, 1, 16);
    int k = check_int(L, 2, -1, 1000), m = check_int(L, 3, -1, 1000);
    lua_Number d = luaL_checknumber(L, 4);
    unsigned char out[16];
    gw_err e;
    luaL_argcheck(L, integral(d), 4, "integer expected");
    if (d < 0 || d > TWO53) {           /* out of range for any m - k <= 32 */
        gw_err_set(&e, GW_EBAD_ARGUMENT, "ipv6: sub-prefix index %.17g out of range", d);
        return glue_fail(L, &e);
    }
    if (gw_ip6_subprefix(p, k, m, (uint64_t)d, out, &e) != 0)
        return glue_fail(L, &e);
    lua_pushlstring(L, (const char *)out, 16);
    return 1;
}

/* ip6_subprefix_index(pbytes, k, qbytes, m): which /m of p/k q/m is. */
static int l_ip6_subprefix_index(lua_State *L)
{
    const unsigned char *p = check_bytes(L, 1, 16), *q = check_bytes(L, 3, 16);
    int k = check_int(L, 2, -1, 1000), m = check_int(L, 4, -1, 1000);
    uint64_t n;
    gw_err e;
    if (gw_ip6_subprefix_index(p, k, q, m, &n, &e) != 0)
        return glue_fail(L, &e);
    lua_pushnumber(L, (lua_Number)n);
    return 1;
}

/* ip6_contains(pbytes, plen, abytes [, alen = 128]) */
static int l_ip6_contains(lua_State *L)
{
    const unsigned char *p = check_bytes(L, 1, 16), *a = check_bytes(L, 3, 16);
    int plen = check_len(L, 2);
    int alen = lua_isnoneornil(L, 4) ? 128 : check_len(L, 4);
    lua_pushboolean(L, gw_ip6_contains(p, plen, a, alen));
    return 1;
}

static int l_mac_parse(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    unsigned char mac[6];
    gw_err e;
    if (gw_ip6_mac_parse(s, n, mac, &e) != 0)
        return glue_fail(L, &e);
    lua_pushlstring(L, (const char *)mac, 6);
    return 1;
}

static int l_mac_format(lua_State *L)
{
    char out[GW_MAC_TEXT_MAX];
    gw_ip6_mac_format(check_bytes(L, 1, 6), out);
    lua_pushstring(L, out);
    return 1;
}

/* eui64(mac6): the 8-byte modified EUI-64 interface identifier. */
static int l_eui64(lua_State *L)
{
    unsigned char iid[8];
    gw_ip6_eui64(check_bytes(L, 1, 6), iid);
    lua_pushlstring(L, (const char *)iid, 8);
    return 1;
}

static int l_mac_from_iid(lua_State *L)
{
    unsigned char mac[6];
    gw_err e;
    if (gw_ip6_mac_from_iid(check_bytes(L, 1, 16), mac, &e) != 0)
        return glue_fail(L, &e);
    lua_pushlstring(L, (const char *)mac, 6);
    return 1;
}

static const luaL_Reg ipv6_funcs[] = {
    {"ip6_parse", l_ip6_parse},
    {"ip6_format", l_ip6_format},
    {"ip6_mask", l_ip6_mask},
    {"ip6_subprefix", l_ip6_subprefix},
    {"ip6_subprefix_index", l_ip6_subprefix_index},
    {"ip6_contains", l_ip6_contains},
    {"mac_parse", l_mac_parse},
    {"mac_format", l_mac_format},
    {"eui64", l_eui64},
    {"mac_from_iid", l_mac_from_iid},
    {NULL, NULL}
};

void glue_open_ipv6(lua_State *L)
{
    luaL_register(L, NULL, ipv6_funcs);
}
