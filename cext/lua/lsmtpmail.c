/* The mail methods of the SMTP connection object: conn:mail,
 * conn:auth_mail and conn:mail_batch. Arguments are checked before
 * anything is allocated (luaL_check* longjmps). */
#include <stdlib.h>
#include <string.h>
#include "lsmtp.h"

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

/* The recipient list at index t: 1 to GW_SMTP_RCPT_MAX strings without
 * NUL, or an error on argument arg. Returns their number. */
static size_t check_rcpts(lua_State *L, int t, int arg)
{
    size_t i, n = lua_istable(L, t) ? lua_objlen(L, t) : 0;
    luaL_argcheck(L, n >= 1 && n <= GW_SMTP_RCPT_MAX, arg, "rcpts: 1 to 100 recipients expected");
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, t, (int)i);
        if (lua_type(L, -1) != LUA_TSTRING || strlen(lua_tostring(L, -1)) != lua_objlen(L, -1))
            luaL_argerror(L, arg, "rcpts: recipients must be strings");
        lua_pop(L, 1);
    }
    return n;
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
    n = check_rcpts(L, rt, rt);
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
        lsmtp_conn_fail(L, c, &e);
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
        lsmtp_set_flag(L, "authenticated", c->s.authenticated);
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
    return mail_call(L, lsmtp_check_conn(L), 2, NULL, NULL);
}

/* conn:auth_mail(creds, from, rcpts, msg): AUTH and the first message,
 * in one flight when the mechanism and the server allow it (PLAIN with
 * PIPELINING, RFC 4954 4). */
static int l_auth_mail(lua_State *L)
{
    lconn *c = lsmtp_check_conn(L);
    sasl_creds cr;
    const char *mech = lsmtp_check_creds(L, 2, &cr);
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
    lconn *c = lsmtp_check_conn(L);
    size_t k, i, j, len, total = 0;
    smtp_batch_msg *m;
    const char **rp;
    smtp_rcpt *res;
    luaL_checktype(L, 2, LUA_TTABLE);
    k = lua_objlen(L, 2);
    luaL_argcheck(L, k >= 1 && k <= GW_SMTP_BATCH_CALL_MAX, 2, "1 to 1000 messages expected");
    for (i = 1; i <= k; i++) {              /* everything checked before anything is allocated */
        const char *v;
        lua_rawgeti(L, 2, (int)i);
        if (!lua_istable(L, -1))
            luaL_argerror(L, 2, "messages must be tables");
        if (!(v = msg_field(L, "from", &len)) || strlen(v) != len)
            luaL_argerror(L, 2, "from: string without NUL expected");
        if (!msg_field(L, "msg", &len))
            luaL_argerror(L, 2, "msg: string expected");
        lua_getfield(L, -1, "rcpts");
        total += check_rcpts(L, lua_gettop(L), 2);
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
            lsmtp_set_flag(L, "closed", c->s.broken);
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

const luaL_Reg lsmtp_mail_methods[] = {
    {"mail", l_mail}, {"auth_mail", l_auth_mail}, {"mail_batch", l_mail_batch}, {NULL, NULL}
};
