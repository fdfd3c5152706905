/* gwkit.core.smtp_open and the connection object over cext/smtp/session.
 * One method per engine call; arguments are checked before anything is
 * allocated (luaL_check* longjmps). */
#include <stdlib.h>
#include <string.h>
#include "glue.h"
#include "smtp/session.h"
#include "net/tcp.h"

#define CONN_MT "gwkit.smtp.conn"

typedef struct lconn {
    smtp_session s;
    lua_State *L;           /* the state of the call in progress, for trace */
    int trace_ref;
} lconn;

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

static lconn *check_conn(lua_State *L)
{
    lconn *c = luaL_checkudata(L, 1, CONN_MT);
    c->L = L;
    return c;
}

static lconn *check_open(lua_State *L)
{
    lconn *c = check_conn(L);
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

static int conn_fail(lua_State *L, lconn *c, const gw_err *e)
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
        int n = conn_fail(L, c, &e);
        smtp_session_close(&c->s);
        return n;
    }
    return 1;
}

static void set_flag(lua_State *L, const char *k, int v)
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
    set_flag(L, "ehlo", c->s.ehlo_ok);
    set_flag(L, "pipelining", (k->flags & SMTP_CAP_PIPELINING) != 0);
    set_flag(L, "starttls", (k->flags & SMTP_CAP_STARTTLS) != 0);
    set_flag(L, "eightbitmime", (k->flags & SMTP_CAP_8BITMIME) != 0);
    set_flag(L, "smtputf8", (k->flags & SMTP_CAP_SMTPUTF8) != 0);
    set_flag(L, "enhancedstatuscodes", (k->flags & SMTP_CAP_ENHANCED) != 0);
    set_flag(L, "dsn", (k->flags & SMTP_CAP_DSN) != 0);
    set_flag(L, "chunking", (k->flags & SMTP_CAP_CHUNKING) != 0);
    set_flag(L, "authenticated", c->s.authenticated);
    if (k->flags & SMTP_CAP_SIZE) {
        lua_pushnumber(L, (lua_Number)k->size_max);
        lua_setfield(L, -2, "size");
    }
    push_words(L, k->auth);
    lua_setfield(L, -2, "auth");
    return 1;
}

/* The credentials table at index t; returns the mechanism. */
static const char *check_creds(lua_State *L, int t, sasl_creds *cr)
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
    lconn *c = check_conn(L);
    sasl_creds cr;
    const char *mech = check_creds(L, 2, &cr), *nonce;
    gw_err e;
    nonce = field(L, 2, "test_nonce", NULL);
    if (!c->s.io)
        luaL_error(L, "smtp: attempt to use a closed connection");
    if (smtp_session_auth(&c->s, mech, &cr, nonce, &e) != 0)
        return conn_fail(L, c, &e);
    lua_pushboolean(L, 1);
    return 1;
}

static void push_rcpts(lua_State *L, const smtp_rcpt *r, size_t n)
{
    size_t i;
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_createtable(L, 0, 2);
        lua_pushinteger(L, r[i].code);
        lua_setfield(L, -2, "code");
        lua_pushstring(L, r[i].reply);
        lua_setfield(L, -2, "reply");
        lua_rawseti(L, -2, (int)i + 1);
    }
}

/* The envelope and the message at from_idx, from_idx + 1, from_idx + 2
 * (checked before anything is allocated), then the engine call: mail or,
 * with credentials, auth_mail. */
static int mail_call(lua_State *L, lconn *c, int from_idx, const char *mech, const sasl_creds *cr)
{
    const char *from = luaL_checkstring(L, from_idx), *msg, **rcpts;
    int rt = from_idx + 1;
    size_t i, n, len, fromlen;
    smtp_rcpt *res;
    gw_err e;
    int rc;
    luaL_checktype(L, rt, LUA_TTABLE);
    msg = luaL_checklstring(L, from_idx + 2, &len);
    lua_tolstring(L, from_idx, &fromlen);
    luaL_argcheck(L, strlen(from) == fromlen, from_idx, "NUL in address");
    n = lua_objlen(L, rt);
    luaL_argcheck(L, n >= 1 && n <= GW_SMTP_RCPT_MAX, rt, "1 to 100 recipients expected");
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, rt, (int)i);
        if (lua_type(L, -1) != LUA_TSTRING || strlen(lua_tostring(L, -1)) != lua_objlen(L, -1))
            luaL_argerror(L, rt, "recipients must be strings");
        lua_pop(L, 1);
    }
    if (!c->s.io)
        luaL_error(L, "smtp: attempt to use a closed connection");
    rcpts = malloc(n * sizeof *rcpts);
    res = calloc(n, sizeof *res);
    if (!rcpts || !res) {
        free(rcpts);
        free(res);
        return luaL_error(L, "smtp: out of memory");
    }
    for (i = 0; i < n; i++) {
        lua_rawgeti(L, rt, (int)i + 1);
        rcpts[i] = lua_tostring(L, -1);     /* kept alive by the table */
        lua_pop(L, 1);
    }
    rc = mech ? smtp_session_auth_mail(&c->s, mech, cr, from, rcpts, n, msg, len, res, &e)
              : smtp_session_mail(&c->s, from, rcpts, n, msg, len, res, &e);
    if (rc != 0) {
        conn_fail(L, c, &e);
        push_rcpts(L, res, n);
        lua_setfield(L, -2, "rcpts");
    } else {
        size_t rn;
        const char *last = smtp_reply_last(&c->s.reply, &rn);
        lua_createtable(L, 0, 3);
        lua_pushlstring(L, last, rn);
        lua_setfield(L, -2, "reply");
        lua_pushinteger(L, c->s.reply.code);
        lua_setfield(L, -2, "code");
        push_rcpts(L, res, n);
        lua_setfield(L, -2, "rcpts");
    }
    if (mech) {
        /* Did the AUTH succeed, and how did it end (also when the message
         * went through without it). */
        set_flag(L, "authenticated", c->s.authenticated);
        if (c->s.auth_result.code) {
            lua_pushinteger(L, c->s.auth_result.code);
            lua_setfield(L, -2, "auth_code");
            lua_pushstring(L, c->s.auth_result.reply);
            lua_setfield(L, -2, "auth_reply");
        }
    }
    free(rcpts);
    free(res);
    return rc != 0 ? 3 : 1;
}

static int l_mail(lua_State *L)
{
    return mail_call(L, check_conn(L), 2, NULL, NULL);
}

/* conn:auth_mail(creds, from, rcpts, msg): AUTH and the first message,
 * in one flight when the mechanism and the server allow it (PLAIN with
 * PIPELINING, RFC 4954 4). */
static int l_auth_mail(lua_State *L)
{
    lconn *c = check_conn(L);
    sasl_creds cr;
    const char *mech = check_creds(L, 2, &cr);
    return mail_call(L, c, 3, mech, &cr);
}

/* A string field of the message table at -1 with no NUL inside; NULL if
 * absent or not a string. */
static const char *msg_field(lua_State *L, const char *k, size_t *len)
{
    const char *v;
    lua_getfield(L, -1, k);
    v = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, len) : NULL;
    lua_pop(L, 1);                          /* kept alive by the message table */
    return v;
}

/* conn:mail_batch{ {from=, rcpts={...}, msg=}, ... }: several messages in
 * one pipelined flight where the server allows it (PIPELINING and
 * CHUNKING, smtp_session_mail_batch). Returns a list: for each message what
 * conn:mail returns on success, or {error=, kind=, code=, reply=, rcpts=,
 * closed=} when it was not taken. */
static int l_mail_batch(lua_State *L)
{
    lconn *c = check_conn(L);
    size_t k, i, j, len, total = 0;
    smtp_batch_msg *m;
    const char **rp;
    smtp_rcpt *res;
    luaL_checktype(L, 2, LUA_TTABLE);
    k = lua_objlen(L, 2);
    luaL_argcheck(L, k >= 1 && k <= GW_SMTP_BATCH_CALL_MAX, 2, "1 to 1000 messages expected");
    for (i = 1; i <= k; i++) {              /* everything checked before anything is allocated */
        const char *v;
        size_t n;
        lua_rawgeti(L, 2, (int)i);
        if (!lua_istable(L, -1))
            luaL_argerror(L, 2, "messages must be tables");
        if (!(v = msg_field(L, "from", &len)) || strlen(v) != len)
            luaL_argerror(L, 2, "from: string without NUL expected");
        if (!msg_field(L, "msg", &len))
            luaL_argerror(L, 2, "msg: string expected");
        lua_getfield(L, -1, "rcpts");
        n = lua_istable(L, -1) ? lua_objlen(L, -1) : 0;
        if (n < 1 || n > GW_SMTP_RCPT_MAX)
            luaL_argerror(L, 2, "rcpts: 1 to 100 recipients expected");
        for (j = 1; j <= n; j++) {
            lua_rawgeti(L, -1, (int)j);
            if (lua_type(L, -1) != LUA_TSTRING || strlen(lua_tostring(L, -1)) != lua_objlen(L, -1))
                luaL_argerror(L, 2, "rcpts: recipients must be strings");
            lua_pop(L, 1);
        }
        total += n;
        lua_pop(L, 2);
    }
    if (!c->s.io)
        luaL_error(L, "smtp: attempt to use a closed connection");
    m = calloc(k, sizeof *m);
    rp = malloc(total * sizeof *rp);
    res = calloc(total, sizeof *res);
    if (!m || !rp || !res) {
        free(m);
        free(rp);
        free(res);
        return luaL_error(L, "smtp: out of memory");
    }
    for (i = 0, total = 0; i < k; i++) {
        lua_rawgeti(L, 2, (int)i + 1);
        m[i].from = msg_field(L, "from", &len);
        m[i].msg = msg_field(L, "msg", &m[i].len);
        lua_getfield(L, -1, "rcpts");
        m[i].n = lua_objlen(L, -1);
        m[i].rcpts = rp + total;
        m[i].results = res + total;
        for (j = 0; j < m[i].n; j++) {
            lua_rawgeti(L, -1, (int)j + 1);
            rp[total++] = lua_tostring(L, -1);
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
    }
    smtp_session_mail_batch(&c->s, m, k);
    lua_createtable(L, (int)k, 0);
    for (i = 0; i < k; i++) {
        lua_createtable(L, 0, 4);
        if (m[i].rc != 0) {
            lua_pushstring(L, m[i].err.msg);
            lua_setfield(L, -2, "error");
            lua_pushstring(L, gw_kind_name(m[i].err.kind));
            lua_setfield(L, -2, "kind");
            if (m[i].err.code) {
                lua_pushinteger(L, m[i].err.code);
                lua_setfield(L, -2, "code");
            }
            set_flag(L, "closed", c->s.broken);
        } else {
            lua_pushinteger(L, m[i].final.code);
            lua_setfield(L, -2, "code");
        }
        if (m[i].final.code) {
            lua_pushstring(L, m[i].final.reply);
            lua_setfield(L, -2, "reply");
        }
        push_rcpts(L, m[i].results, m[i].n);
        lua_setfield(L, -2, "rcpts");
        lua_rawseti(L, -2, (int)i + 1);
    }
    free(m);
    free(rp);
    free(res);
    return 1;
}

static int l_rset(lua_State *L)
{
    lconn *c = check_open(L);
    gw_err e;
    if (smtp_session_rset(&c->s, &e) != 0)
        return conn_fail(L, c, &e);
    lua_pushboolean(L, 1);
    return 1;
}

static int l_alive(lua_State *L)
{
    lconn *c = check_conn(L);
    lua_pushboolean(L, c->s.io && !c->s.broken);
    return 1;
}

/* close and __gc: one idempotent function. */
static int l_close(lua_State *L)
{
    lconn *c = check_conn(L);
    smtp_session_close(&c->s);
    luaL_unref(L, LUA_REGISTRYINDEX, c->trace_ref);
    c->trace_ref = LUA_NOREF;
    return 0;
}

static int l_quit(lua_State *L)
{
    lconn *c = check_conn(L);
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
    {"info", l_info}, {"auth", l_auth}, {"mail", l_mail}, {"auth_mail", l_auth_mail},
    {"mail_batch", l_mail_batch}, {"rset", l_rset},
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
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_close);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    luaL_register(L, NULL, smtp_funcs);
}
