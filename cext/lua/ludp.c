/* gwkit.core.udp_bind and the UDP socket object of the syslog listener
 * (RFC 5426), over cext/net/udp. Datagrams longer than
 * GW_SYSLOG_DATAGRAM_MAX are cut there and flagged. */
#include "glue.h"
#include "core/limits.h"
#include "net/udp.h"

#define UDP_MT "gwkit.udp"

typedef struct ludp {
    int fd;                 /* -1 once closed */
} ludp;

static unsigned check_port(lua_State *L, int i, lua_Integer lo)
{
    lua_Number v = luaL_checknumber(L, i);
    luaL_argcheck(L, v >= (lua_Number)lo && v <= 65535 && v == (lua_Number)(lua_Integer)v, i,
                  lo ? "port 1..65535 expected" : "port 0..65535 expected");
    return (unsigned)v;
}

/* A numeric host, a name or a bad port is the caller's mistake: raised. */
static int fail(lua_State *L, int arg, const gw_err *e)
{
    if (e->kind == GW_EBAD_ARGUMENT)
        return luaL_argerror(L, arg, e->msg);
    return glue_fail(L, e);
}

static int closed(lua_State *L)
{
    gw_err e;
    gw_err_set(&e, GW_ECLOSED, "udp: closed");
    return glue_fail(L, &e);
}

static int l_udp_bind(lua_State *L)
{
    const char *host = luaL_checkstring(L, 1);
    unsigned port = check_port(L, 2, 0);
    ludp *u;
    gw_err e;
    u = lua_newuserdata(L, sizeof *u);
    u->fd = -1;
    luaL_getmetatable(L, UDP_MT);
    lua_setmetatable(L, -2);
    u->fd = gw_udp_bind(host, port, &e);
    if (u->fd < 0)
        return fail(L, 1, &e);
    return 1;
}

static int l_recv(lua_State *L)
{
    ludp *u = luaL_checkudata(L, 1, UDP_MT);
    char buf[GW_SYSLOG_DATAGRAM_MAX], peer[GW_UDP_ADDR_TEXT];
    size_t n = 0;
    unsigned port = 0;
    int truncated = 0, rc;
    gw_err e;
    if (u->fd < 0)
        return closed(L);
    rc = gw_udp_recv(u->fd, buf, sizeof buf, &n, &truncated, peer, &port, &e);
    if (rc < 0)
        return glue_fail(L, &e);
    if (rc == 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "again");
        return 2;
    }
    lua_pushlstring(L, buf, n);
    lua_pushstring(L, peer);
    lua_pushinteger(L, (lua_Integer)port);
    lua_pushboolean(L, truncated);
    return 4;
}

static int l_sendto(lua_State *L)
{
    ludp *u = luaL_checkudata(L, 1, UDP_MT);
    size_t n;
    const char *data = luaL_checklstring(L, 2, &n);
    const char *host = luaL_checkstring(L, 3);
    unsigned port = check_port(L, 4, 1);
    gw_err e;
    if (u->fd < 0)
        return closed(L);
    if (gw_udp_sendto(u->fd, data, n, host, port, &e) != 0)
        return fail(L, 3, &e);
    lua_pushboolean(L, 1);
    return 1;
}

static int l_sockname(lua_State *L)
{
    ludp *u = luaL_checkudata(L, 1, UDP_MT);
    char host[GW_UDP_ADDR_TEXT];
    unsigned port;
    gw_err e;
    if (u->fd < 0)
        return closed(L);
    if (gw_udp_sockname(u->fd, host, &port, &e) != 0)
        return glue_fail(L, &e);
    lua_pushstring(L, host);
    lua_pushinteger(L, (lua_Integer)port);
    return 2;
}

static int l_fd(lua_State *L)
{
    ludp *u = luaL_checkudata(L, 1, UDP_MT);
    if (u->fd < 0)
        return closed(L);
    lua_pushinteger(L, u->fd);
    return 1;
}

/* close and __gc: one idempotent function. */
static int l_close(lua_State *L)
{
    ludp *u = luaL_checkudata(L, 1, UDP_MT);
    gw_udp_close(u->fd);
    u->fd = -1;
    return 0;
}

static int l_tostring(lua_State *L)
{
    ludp *u = luaL_checkudata(L, 1, UDP_MT);
    if (u->fd < 0)
        lua_pushliteral(L, "gwkit.udp (closed)");
    else
        lua_pushfstring(L, "gwkit.udp (fd %d)", u->fd);
    return 1;
}

static const luaL_Reg udp_methods[] = {
    {"recv", l_recv}, {"sendto", l_sendto}, {"sockname", l_sockname},
    {"fd", l_fd}, {"close", l_close}, {NULL, NULL}
};

static const luaL_Reg udp_funcs[] = {
    {"udp_bind", l_udp_bind}, {NULL, NULL}
};

void glue_open_udp(lua_State *L)
{
    luaL_newmetatable(L, UDP_MT);
    lua_newtable(L);
    luaL_register(L, NULL, udp_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, l_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    luaL_register(L, NULL, udp_funcs);
}
