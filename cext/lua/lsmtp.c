/* gwkit.core.smtp_open and the connection object over cext/smtp/session.
 * One method per engine call; arguments are checked before anything is
 * allocated (luaL_check* longjmps). */
#include <stdlib.h>
#include <string.h>
#include "glue.h"
#include "smtp/session.h"
#include "net/tcp.h"
#include "lsmtp.h"

static void trace_hook(void *ud, int dir, const char *line, size_t len)
{
    lconn *c = ud;
    lua_State *L = c->L;
    char d[2];
    if (!L || c->trace_ref == LUA_NOREF)
        return;
    d[0] = (char)dir;
    d[1] = '\0';
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->trace_ref);
    lua_pushstring(L, d);
    lua_pushlstring(L, line, len);
    /* A failing trace function must not break the session. */
    if (lua_pcall(L, 2, 0, 0) != 0)
        lua_pop(L, 1);
}

lconn *lsmtp_check_conn(lua_State *L)
{
    lconn *c = luaL_checkudata(L, 1, CONN_MT);
    c->L = L;
    return c;
}

static lconn *check_open(lua_State *L)
{
    lconn *c = lsmtp_check_conn(L);
    if (!c->s.io)
        luaL_error(L, "smtp: attempt to use a closed connection");
    return c;
}

/* A string field with no NUL inside (C sees it whole). */
static const char *field(lua_State *L, int t, const char *k, const char *def)
{
    const char *s = glue_optstring(L, t, k, def);
    if (s && s != def) {
        size_t n;
        lua_getfield(L, t, k);
        lua_tolstring(L, -1, &n);
        lua_pop(L, 1);
        if (strlen(s) != n)
            glue_fielderror(L, k, "contains a NUL byte");
    }
    return s;
}

int lsmtp_conn_fail(lua_State *L, lconn *c, const gw_err *e)
{
    glue_fail(L, e);
    lua_pushboolean(L, c->s.broken);
    lua_setfield(L, -2, "closed");
    if (c->s.reply.done && c->s.reply.text.data) {
        size_t n;
        const char *last = smtp_reply_last(&c->s.reply, &n);
        lua_pushlstring(L, last, n);
        lua_setfield(L, -2, "reply");
    }
    return 3;
}

static int l_smtp_open(lua_State *L)
{
    smtp_opts o;
    const char *tls, *family;
    lconn *c;
    gw_err e;
    luaL_checktype(L, 1, LUA_TTABLE);
    memset(&o, 0, sizeof o);
    o.host = field(L, 1, "host", NULL);
    if (!o.host)
        return glue_fielderror(L, "host", "string expected");
    o.port = (unsigned)glue_optnumber(L, 1, "port", 0);
    tls = field(L, 1, "tls", "starttls");
    o.tls_mode = strcmp(tls, "none") == 0 ? SMTP_TLS_NONE
               : strcmp(tls, "starttls") == 0 ? SMTP_TLS_STARTTLS
               : strcmp(tls, "tls") == 0 ? SMTP_TLS_IMPLICIT : -1;
    if (o.tls_mode < 0)
        glue_fielderror(L, "tls", "\"starttls\", \"tls\" or \"none\" expected");
    family = field(L, 1, "family", NULL);
    o.family = !family ? GW_FAMILY_ANY : strcmp(family, "inet") == 0 ? GW_FAMILY_INET
             : strcmp(family, "inet6") == 0 ? GW_FAMILY_INET6 : -1;
    if (o.family < 0)
        glue_fielderror(L, "family", "\"inet\" or \"inet6\" expected");
    o.tls.tls_min = field(L, 1, "tls_min", "1.2");
    o.tls.tls_max = field(L, 1, "tls_max", NULL);
    o.tls.verify = glue_optboolean(L, 1, "verify", 1);
    o.tls.cafile = field(L, 1, "cafile", NULL);
    o.tls.capath = field(L, 1, "capath", NULL);
    o.tls.host = field(L, 1, "tls_name", NULL);
    o.helo = field(L, 1, "helo", NULL);
    o.timeout = glue_optnumber(L, 1, "timeout", 30);
    lua_getfield(L, 1, "trace");
    if (!lua_isnil(L, -1) && !lua_isfunction(L, -1))
        glue_fielderror(L, "trace", "function expected");
    c = lua_newuserdata(L, sizeof *c);
    smtp_session_init(&c->s, trace_hook, c);
    c->L = L;
    c->trace_ref = LUA_NOREF;
    luaL_getmetatable(L, CONN_MT);
    lua_setmetatable(L, -2);
    lua_insert(L, -2);                      /* userdata below the trace value */
    if (lua_isfunction(L, -1))
        c->trace_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    else
        lua_pop(L, 1);
    if (smtp_session_open(&c->s, &o, &e) != 0) {
        int n = lsmtp_conn_fail(L, c, &e);
        smtp_session_close(&c->s);
        return n;
    }
    return 1;
}

void lsmtp_set_flag(lua_State *L, const char *k, int v)
{
    lua_pushboolean(L, v);
    lua_setfield(L, -2, k);
}

static void push_words(lua_State *L, const char *s)
{
    int i = 0;
    lua_newtable(L);
    while (*s) {
        size_t n = strcspn(s, " ");
        if (n) {
            lua_pushlstring(L, s, n);
            lua_rawseti(L, -2, ++i);
        }
        s += n;
        s += strspn(s, " ");
    }
}

static int l_info(lua_State *L)
{
    lconn *c = check_open(L);
    const smtp_caps *k = &c->s.caps;
    lua_newtable(L);
    if (c->s.tls_active) {
        lua_pushstring(L, gw_tls_version(c->s.io));
        lua_setfield(L, -2, "tls");
        lua_pushstring(L, gw_tls_cipher(c->s.io));
        lua_setfield(L, -2, "cipher");
    }
    lua_pushstring(L, c->s.greeting);
    lua_setfield(L, -2, "greeting");
    lua_pushstring(L, k->domain);
    lua_setfield(L, -2, "domain");
    lsmtp_set_flag(L, "ehlo", c->s.ehlo_ok);
    lsmtp_set_flag(L, "pipelining", (k->flags & SMTP_CAP_PIPELINING) != 0);
    lsmtp_set_flag(L, "starttls", (k->flags & SMTP_CAP_STARTTLS) != 0);
    lsmtp_set_flag(L, "eightbitmime", (k->flags & SMTP_CAP_8BITMIME) != 0);
    lsmtp_set_flag(L, "smtputf8", (k->flags & SMTP_CAP_SMTPUTF8) != 0);
    lsmtp_set_flag(L, "enhancedstatuscodes", (k->flags & SMTP_CAP_ENHANCED) != 0);
    lsmtp_set_flag(L, "dsn", (k->flags & SMTP_CAP_DSN) != 0);
    lsmtp_set_flag(L, "chunking", (k->flags & SMTP_CAP_CHUNKING) != 0);
    lsmtp_set_flag(L, "authenticated", c->s.authenticated);
    if (k->flags & SMTP_CAP_SIZE) {
        lua_pushnumber(L, (lua_Number)k->size_max);
        lua_setfield(L, -2, "size");
    }
    push_words(L, k->auth);
    lua_setfield(L, -2, "auth");
    return 1;
}

/* The credentials table at index t; returns the mechanism. */
const char *lsmtp_check_creds(lua_State *L, int t, sasl_creds *cr)
{
    const char *mech;
    luaL_checktype(L, t, LUA_TTABLE);
    memset(cr, 0, sizeof *cr);
    mech = field(L, t, "mechanism", NULL);
    if (!mech)
        glue_fielderror(L, "mechanism", "string expected");
    cr->user = field(L, t, "user", NULL);
    cr->password = field(L, t, "password", NULL);
    cr->token = field(L, t, "token", NULL);
    cr->host = field(L, t, "host", NULL);
    cr->port = (unsigned)glue_optnumber(L, t, "port", 0);
    return mech;
}

static int l_auth(lua_State *L)
{
    lconn *c = lsmtp_check_conn(L);
    sasl_creds cr;
    const char *mech = lsmtp_check_creds(L, 2, &cr), *nonce;
    gw_err e;
    nonce = field(L, 2, "test_nonce", NULL);
    if (!c->s.io)
        luaL_error(L, "smtp: attempt to use a closed connection");
    if (smtp_session_auth(&c->s, mech, &cr, nonce, &e) != 0)
        return lsmtp_conn_fail(L, c, &e);
    lua_pushboolean(L, 1);
    return 1;
}

static int l_rset(lua_State *L)
{
    lconn *c = check_open(L);
    gw_err e;
    if (smtp_session_rset(&c->s, &e) != 0)
        return lsmtp_conn_fail(L, c, &e);
    lua_pushboolean(L, 1);
    return 1;
}

static int l_alive(lua_State *L)
{
    lconn *c = lsmtp_check_conn(L);
    lua_pushboolean(L, c->s.io && !c->s.broken);
    return 1;
}

/* close and __gc: one idempotent function. */
static int l_close(lua_State *L)
{
    lconn *c = lsmtp_check_conn(L);
    smtp_session_close(&c->s);
    luaL_unref(L, LUA_REGISTRYINDEX, c->trace_ref);
    c->trace_ref = LUA_NOREF;
    return 0;
}

static int l_quit(lua_State *L)
{
    lconn *c = lsmtp_check_conn(L);
    smtp_session_quit(&c->s);
    return l_close(L);
}

static int l_choose(lua_State *L)
{
    const char *adv = luaL_checkstring(L, 1), *wanted = luaL_optstring(L, 2, NULL);
    int secure = lua_toboolean(L, 3), allow = lua_toboolean(L, 4), token = lua_toboolean(L, 5);
    const sasl_mech *out[16];
    int i, n = sasl_choose(adv, wanted, secure, allow, token, out, 16);
    lua_createtable(L, n, 0);
    for (i = 0; i < n; i++) {
        lua_pushstring(L, out[i]->name);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static const luaL_Reg conn_methods[] = {
    {"info", l_info}, {"auth", l_auth}, {"rset", l_rset},
    {"alive", l_alive}, {"quit", l_quit}, {"close", l_close}, {NULL, NULL}
};

static const luaL_Reg smtp_funcs[] = {
    {"smtp_open", l_smtp_open}, {"sasl_choose", l_choose}, {NULL, NULL}
};

void glue_open_smtp(lua_State *L)
{
    luaL_newmetatable(L, CONN_MT);
    lua_newtable(L);
    luaL_register(L, NULL, conn_methods);
    luaL_register(L, NULL, lsmtp_mail_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_close);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    luaL_register(L, NULL, smtp_funcs);
}
