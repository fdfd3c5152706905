/* gwkit.core.http_open and the HTTP connection object over cext/http/client,
 * and URL parsing for the Lua layer. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "glue.h"
#include "http/client.h"
#include "http/url.h"
#include "net/tcp.h"

#define HTTP_MT "gwkit.http.conn"
#define HTTP_FIELDS_MAX 64          /* request header fields from the caller */

typedef struct lhttp {
    http_conn c;
    lua_State *L;
    int trace_ref;
} lhttp;

static void trace_hook(void *ud, int dir, const char *line, size_t len)
{
    lhttp *h = ud;
    char d[2];
    if (!h->L || h->trace_ref == LUA_NOREF)
        return;
    d[0] = (char)dir;
    d[1] = '\0';
    lua_rawgeti(h->L, LUA_REGISTRYINDEX, h->trace_ref);
    lua_pushstring(h->L, d);
    lua_pushlstring(h->L, line, len);
    if (lua_pcall(h->L, 2, 0, 0) != 0)
        lua_pop(h->L, 1);
}

static lhttp *check_http(lua_State *L)
{
    lhttp *h = luaL_checkudata(L, 1, HTTP_MT);
    h->L = L;
    return h;
}

static void push_url(lua_State *L, const http_url *u)
{
    char auth[GW_HOST_MAX + 16];
    lua_createtable(L, 0, 7);
    lua_pushboolean(L, u->tls);
    lua_setfield(L, -2, "tls");
    lua_pushstring(L, u->host);
    lua_setfield(L, -2, "host");
    lua_pushinteger(L, (lua_Integer)u->port);
    lua_setfield(L, -2, "port");
    lua_pushboolean(L, u->ipv6);
    lua_setfield(L, -2, "ipv6");
    lua_pushstring(L, u->target);
    lua_setfield(L, -2, "target");
    http_url_authority(u, auth, sizeof auth);
    lua_pushstring(L, auth);
    lua_setfield(L, -2, "authority");
}

static int l_url_parse(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    http_url *u = malloc(sizeof *u);
    gw_err e;
    int rc;
    if (!u)
        return luaL_error(L, "http: out of memory");
    if (lua_isnoneornil(L, 2)) {
        rc = http_url_parse(u, s, n, &e);
    } else {
        size_t rn;
        const char *ref = luaL_checklstring(L, 2, &rn);
        http_url *base = malloc(sizeof *base);
        rc = base ? http_url_parse(base, s, n, &e) : gw_err_set(&e, GW_ENOMEM, "http: out of memory");
        if (rc == 0)
            rc = http_url_resolve(base, ref, rn, u, &e);
        free(base);
    }
    if (rc != 0) {
        free(u);
        return glue_fail(L, &e);
    }
    push_url(L, u);
    free(u);
    return 1;
}

static int l_http_open(lua_State *L)
{
    http_conn_opts o;
    const char *family;
    lhttp *h;
    gw_err e;
    luaL_checktype(L, 1, LUA_TTABLE);
    memset(&o, 0, sizeof o);
    o.host = glue_optstring(L, 1, "host", NULL);
    if (!o.host)
        return glue_fielderror(L, "host", "string expected");
    o.port = (unsigned)glue_optnumber(L, 1, "port", 0);
    o.tls = glue_optboolean(L, 1, "tls", 0);
    family = glue_optstring(L, 1, "family", NULL);
    o.family = !family ? GW_FAMILY_ANY : strcmp(family, "inet") == 0 ? GW_FAMILY_INET
             : strcmp(family, "inet6") == 0 ? GW_FAMILY_INET6 : -1;
    if (o.family < 0)
        glue_fielderror(L, "family", "\"inet\" or \"inet6\" expected");
    o.tlso.tls_min = glue_optstring(L, 1, "tls_min", "1.2");
    o.tlso.verify = glue_optboolean(L, 1, "verify", 1);
    o.tlso.cafile = glue_optstring(L, 1, "cafile", NULL);
    o.tlso.capath = glue_optstring(L, 1, "capath", NULL);
    o.tlso.host = glue_optstring(L, 1, "tls_name", NULL);
    o.timeout = glue_optnumber(L, 1, "timeout", 30);
    lua_getfield(L, 1, "trace");
    if (!lua_isnil(L, -1) && !lua_isfunction(L, -1))
        glue_fielderror(L, "trace", "function expected");
    h = lua_newuserdata(L, sizeof *h);
    http_conn_init(&h->c, trace_hook, h);
    h->L = L;
    h->trace_ref = LUA_NOREF;
    luaL_getmetatable(L, HTTP_MT);
    lua_setmetatable(L, -2);
    lua_insert(L, -2);
    if (lua_isfunction(L, -1))
        h->trace_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    else
        lua_pop(L, 1);
    if (http_conn_open(&h->c, &o, &e) != 0)
        return glue_fail(L, &e);
    return 1;
}

static void push_head(lua_State *L, const http_head *hd)
{
    int i;
    lua_pushinteger(L, hd->status);
    lua_setfield(L, -2, "status");
    lua_pushstring(L, hd->reason);
    lua_setfield(L, -2, "reason");
    lua_createtable(L, hd->nfields, 0);
    for (i = 0; i < hd->nfields; i++) {
        size_t nn, vn;
        const char *name = http_head_name(hd, i, &nn), *value = http_head_value(hd, i, &vn);
        lua_createtable(L, 2, 0);
        lua_pushlstring(L, name, nn);
        lua_rawseti(L, -2, 1);
        lua_pushlstring(L, value, vn);
        lua_rawseti(L, -2, 2);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "headers");
}

/* conn:request{method=, target=, headers={{name, value}, ...}, body=,
 *              max_body=, save_path=} */
static int l_request(lua_State *L)
{
    lhttp *h = check_http(L);
    const char *names[HTTP_FIELDS_MAX], *values[HTTP_FIELDS_MAX], *save;
    size_t lens[HTTP_FIELDS_MAX], body_len = 0;
    http_request r;
    http_body_sink sink;
    gw_buf body;
    gw_err e;
    double max;
    int i, n, rc, fd = -1;
    luaL_checktype(L, 2, LUA_TTABLE);
    memset(&r, 0, sizeof r);
    r.method = glue_optstring(L, 2, "method", "GET");
    r.target = glue_optstring(L, 2, "target", "/");
    save = glue_optstring(L, 2, "save_path", NULL);
    max = glue_optnumber(L, 2, "max_body", 8.0 * 1024 * 1024);
    lua_getfield(L, 2, "body");
    if (!lua_isnil(L, -1))
        r.body = luaL_checklstring(L, -1, &body_len);
    lua_pop(L, 1);              /* the string stays referenced by the table */
    r.body_len = body_len;
    lua_getfield(L, 2, "headers");
    n = lua_istable(L, -1) ? (int)lua_objlen(L, -1) : 0;
    if (n > HTTP_FIELDS_MAX)
        glue_fielderror(L, "headers", "too many fields");
    for (i = 0; i < n; i++) {
        lua_rawgeti(L, -1, i + 1);
        lua_rawgeti(L, -1, 1);
        lua_rawgeti(L, -2, 2);
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
            glue_fielderror(L, "headers", "{name, value} string pairs expected");
        names[i] = lua_tostring(L, -2);
        values[i] = lua_tolstring(L, -1, &lens[i]);
        lua_pop(L, 3);          /* kept alive by the headers table */
    }
    lua_pop(L, 1);
    r.names = names;
    r.values = values;
    r.value_lens = lens;
    r.nfields = n;
    if (max < 0 || max > 1e15)
        glue_fielderror(L, "max_body", "0 or more expected");
    if (!h->c.io)
        return luaL_error(L, "http: attempt to use a closed connection");
    if (save) {
        fd = open(save, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            gw_err_set(&e, GW_EBAD_ARGUMENT, "http: cannot create %s: %s", save, strerror(errno));
            return glue_fail(L, &e);
        }
    }
    gw_buf_init(&body, save ? 0 : (size_t)max);
    sink.buf = &body;
    sink.fd = fd;
    sink.max = (unsigned long long)max;
    sink.written = 0;
    rc = http_conn_exchange(&h->c, &r, strcmp(r.method, "HEAD") == 0, &sink, &e);
    if (fd >= 0) {
        /* A device or FIFO (/dev/null) cannot be fsynced: that is no error. */
        if (rc == 0 && fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
            rc = gw_err_set(&e, GW_EBAD_ARGUMENT, "http: cannot write %s: %s", save, strerror(errno));
        close(fd);
    }
    if (rc != 0) {
        gw_buf_free(&body);
        glue_fail(L, &e);
        lua_pushboolean(L, h->c.broken);
        lua_setfield(L, -2, "closed");
        if (h->c.head.done) {   /* a head arrived: show what it said */
            lua_pushinteger(L, h->c.head.status);
            lua_setfield(L, -2, "status");
        }
        return 3;
    }
    lua_newtable(L);
    push_head(L, &h->c.head);
    lua_pushlstring(L, body.data ? body.data : "", body.len);
    lua_setfield(L, -2, "body");
    lua_pushnumber(L, (lua_Number)sink.written);
    lua_setfield(L, -2, "length");
    lua_pushboolean(L, !h->c.broken);
    lua_setfield(L, -2, "keep_alive");
    gw_buf_free(&body);
    return 1;
}

static int l_alive(lua_State *L)
{
    lhttp *h = check_http(L);
    lua_pushboolean(L, h->c.io && !h->c.broken);
    return 1;
}

static int l_close(lua_State *L)
{
    lhttp *h = check_http(L);
    http_conn_close(&h->c);
    luaL_unref(L, LUA_REGISTRYINDEX, h->trace_ref);
    h->trace_ref = LUA_NOREF;
    return 0;
}

static int l_tls(lua_State *L)
{
    lhttp *h = check_http(L);
    const char *v = h->c.io ? gw_tls_version(h->c.io) : NULL;
    if (v)
        lua_pushstring(L, v);
    else
        lua_pushnil(L);
    return 1;
}

static const luaL_Reg http_methods[] = {
    {"request", l_request}, {"alive", l_alive}, {"close", l_close}, {"tls", l_tls},
    {NULL, NULL}
};

static const luaL_Reg http_funcs[] = {
    {"http_open", l_http_open}, {"url_parse", l_url_parse}, {NULL, NULL}
};

void glue_open_http(lua_State *L)
{
    luaL_newmetatable(L, HTTP_MT);
    lua_newtable(L);
    luaL_register(L, NULL, http_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_close);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    luaL_register(L, NULL, http_funcs);
}
