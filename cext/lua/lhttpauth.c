/* gwkit.core.http_auth: answering WWW-Authenticate challenges (Digest per
 * RFC 7616, Basic per RFC 7617) from Lua. The password is hashed (Digest)
 * or encoded (Basic) in C at creation and the C copies are wiped on close. */
#include <stdlib.h>
#include <string.h>
#include "glue.h"
#include "http/auth.h"
#include "core/crypto.h"

#define AUTH_MT "gwkit.http.auth"
#define AUTH_USER_MAX 1024

typedef struct lauth {
    int scheme;                     /* HTTP_SCHEME_DIGEST or _BASIC; 0 once closed */
    http_digest d;
    gw_buf basic;                   /* "Basic ..." */
    char user[AUTH_USER_MAX + 1];
} lauth;

static const char *scheme_name(int s)
{
    return s == HTTP_SCHEME_DIGEST ? "Digest" : s == HTTP_SCHEME_BASIC ? "Basic"
         : s == HTTP_SCHEME_BEARER ? "Bearer" : "other";
}

/* Raises unless the list at index t holds only strings (before anything
 * is allocated: luaL_error does not return). */
static void check_strings(lua_State *L, int t)
{
    int i, n = (int)lua_objlen(L, t);
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, t, i);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "http: challenges must be strings");
        lua_pop(L, 1);
    }
}

/* Parses every string of the list at index t into out; returns the count. */
static int parse_all(lua_State *L, int t, http_challenge *out, int max, gw_err *e)
{
    int i, n = (int)lua_objlen(L, t), count = 0;
    for (i = 1; i <= n; i++) {
        size_t len;
        const char *v;
        lua_rawgeti(L, t, i);
        v = lua_tolstring(L, -1, &len);
        if (http_challenge_parse(v, len, out, &count, max, e) != 0) {
            lua_pop(L, 1);
            return -1;
        }
        lua_pop(L, 1);
    }
    return count;
}

static void push_challenge(lua_State *L, const http_challenge *c)
{
    lua_createtable(L, 0, 6);
    lua_pushstring(L, scheme_name(c->scheme));
    lua_setfield(L, -2, "scheme");
    lua_pushstring(L, c->realm);
    lua_setfield(L, -2, "realm");
    if (c->scheme == HTTP_SCHEME_DIGEST) {
        lua_pushstring(L, c->nonce);
        lua_setfield(L, -2, "nonce");
        lua_pushstring(L, http_digest_alg_name(c->algorithm));
        lua_setfield(L, -2, "algorithm");
        lua_pushboolean(L, c->stale);
        lua_setfield(L, -2, "stale");
        lua_pushstring(L, (c->qop & HTTP_QOP_AUTH) ? "auth"
                          : (c->qop & HTTP_QOP_AUTH_INT) ? "auth-int" : "");
        lua_setfield(L, -2, "qop");
    }
}

/* core.http_challenges{value, ...} -> list of challenge tables */
static int l_challenges(lua_State *L)
{
    http_challenge *ch;
    gw_err e;
    int i, n;
    luaL_checktype(L, 1, LUA_TTABLE);
    check_strings(L, 1);
    ch = calloc(HTTP_AUTH_CHALLENGES, sizeof *ch);
    if (!ch)
        return luaL_error(L, "http: out of memory");
    n = parse_all(L, 1, ch, HTTP_AUTH_CHALLENGES, &e);
    if (n < 0) {
        free(ch);
        return glue_fail(L, &e);
    }
    lua_createtable(L, n, 0);
    for (i = 0; i < n; i++) {
        push_challenge(L, &ch[i]);
        lua_rawseti(L, -2, i + 1);
    }
    free(ch);
    return 1;
}

/* core.http_auth{challenges={...}, user=, password=, allow_basic=, test_cnonce=} */
static int l_auth(lua_State *L)
{
    const char *user, *password, *cnonce;
    int allow_basic, n, pick, rc;
    http_challenge *ch;
    lauth *a;
    gw_err e;
    luaL_checktype(L, 1, LUA_TTABLE);
    user = glue_optstring(L, 1, "user", NULL);
    password = glue_optstring(L, 1, "password", NULL);
    if (!user)
        return glue_fielderror(L, "user", "string expected");
    if (!password)
        return glue_fielderror(L, "password", "string expected");
    if (strlen(user) > AUTH_USER_MAX)
        glue_fielderror(L, "user", "too long");
    allow_basic = glue_optboolean(L, 1, "allow_basic", 0);
    cnonce = glue_optstring(L, 1, "test_cnonce", NULL);
    lua_getfield(L, 1, "challenges");
    luaL_checktype(L, -1, LUA_TTABLE);
    check_strings(L, lua_gettop(L));
    a = lua_newuserdata(L, sizeof *a);
    memset(a, 0, sizeof *a);
    gw_buf_init(&a->basic, 8192);
    luaL_getmetatable(L, AUTH_MT);
    lua_setmetatable(L, -2);
    ch = calloc(HTTP_AUTH_CHALLENGES, sizeof *ch);
    if (!ch)
        return luaL_error(L, "http: out of memory");
    n = parse_all(L, lua_gettop(L) - 1, ch, HTTP_AUTH_CHALLENGES, &e);
    pick = n < 0 ? -1 : http_challenge_pick(ch, n, allow_basic);
    if (n >= 0 && pick < 0)
        gw_err_set(&e, GW_EAUTH_UNAVAILABLE, "http: no challenge gwkit can answer%s",
                   allow_basic ? "" : " (Basic is answered only over https, "
                   "or with allow_basic_plaintext)");
    rc = -1;
    if (pick >= 0 && ch[pick].scheme == HTTP_SCHEME_DIGEST) {
        a->d.test_cnonce = cnonce;
        rc = http_digest_start(&a->d, &ch[pick], user, password, &e);
    } else if (pick >= 0) {
        rc = http_basic_answer(user, password, &a->basic, &e);
    }
    if (rc == 0) {
        a->scheme = ch[pick].scheme;
        memcpy(a->user, user, strlen(user) + 1);
    }
    free(ch);
    if (rc != 0)
        return glue_fail(L, &e);
    return 1;
}

static lauth *check_auth(lua_State *L)
{
    lauth *a = luaL_checkudata(L, 1, AUTH_MT);
    if (!a->scheme)
        luaL_error(L, "http: attempt to use a closed authenticator");
    return a;
}

/* auth:answer(method, uri [, body]) -> Authorization value */
static int l_answer(lua_State *L)
{
    lauth *a = check_auth(L);
    const char *method = luaL_checkstring(L, 2), *uri = luaL_checkstring(L, 3);
    size_t blen = 0;
    const char *body = luaL_optlstring(L, 4, NULL, &blen);
    gw_buf out;
    gw_err e;
    if (a->scheme == HTTP_SCHEME_BASIC) {
        lua_pushlstring(L, a->basic.data, a->basic.len);
        return 1;
    }
    gw_buf_init(&out, 16384);
    if (http_digest_answer(&a->d, a->user, method, uri, body, blen, &out, &e) != 0) {
        gw_buf_free(&out);
        return glue_fail(L, &e);
    }
    lua_pushlstring(L, out.data, out.len);
    gw_buf_free(&out);
    return 1;
}

/* auth:rechallenge{value, ...}: answers stale=true (RFC 7616 3.3) with the
 * new nonce (and opaque) of the same realm and algorithm, without the
 * password. true, or false when no such challenge is there. */
static int l_rechallenge(lua_State *L)
{
    lauth *a = check_auth(L);
    http_challenge *ch;
    gw_err e;
    int i, n, done = 0;
    luaL_checktype(L, 2, LUA_TTABLE);
    check_strings(L, 2);
    if (a->scheme != HTTP_SCHEME_DIGEST) {
        lua_pushboolean(L, 0);
        return 1;
    }
    ch = calloc(HTTP_AUTH_CHALLENGES, sizeof *ch);
    if (!ch)
        return luaL_error(L, "http: out of memory");
    n = parse_all(L, 2, ch, HTTP_AUTH_CHALLENGES, &e);
    for (i = 0; i < n && !done; i++)
        if (ch[i].scheme == HTTP_SCHEME_DIGEST && ch[i].stale
            && ch[i].algorithm == a->d.ch.algorithm
            && http_digest_rechallenge(&a->d, &ch[i], &e) == 0)
            done = 1;
    free(ch);
    lua_pushboolean(L, done);
    return 1;
}

/* auth:check_info(value, uri [, body]) for Authentication-Info */
static int l_check_info(lua_State *L)
{
    lauth *a = check_auth(L);
    size_t n, blen = 0;
    const char *v = luaL_checklstring(L, 2, &n), *uri = luaL_checkstring(L, 3);
    const char *body = luaL_optlstring(L, 4, NULL, &blen);
    gw_err e;
    if (a->scheme == HTTP_SCHEME_DIGEST &&
        http_digest_check_info(&a->d, a->user, uri, v, n, body, blen, &e) != 0)
        return glue_fail(L, &e);
    lua_pushboolean(L, 1);
    return 1;
}

static int l_info(lua_State *L)
{
    lauth *a = check_auth(L);
    lua_createtable(L, 0, 4);
    lua_pushstring(L, scheme_name(a->scheme));
    lua_setfield(L, -2, "scheme");
    if (a->scheme == HTTP_SCHEME_DIGEST) {
        lua_pushstring(L, http_digest_alg_name(a->d.ch.algorithm));
        lua_setfield(L, -2, "algorithm");
        lua_pushstring(L, a->d.qop_used == HTTP_QOP_AUTH_INT ? "auth-int"
                          : a->d.qop_used == HTTP_QOP_AUTH ? "auth" : "");
        lua_setfield(L, -2, "qop");
        lua_pushstring(L, a->d.ch.realm);
        lua_setfield(L, -2, "realm");
        lua_pushboolean(L, a->d.ch.userhash);
        lua_setfield(L, -2, "userhash");
    }
    return 1;
}

static int l_auth_close(lua_State *L)
{
    lauth *a = luaL_checkudata(L, 1, AUTH_MT);
    http_digest_wipe(&a->d);
    gw_buf_free(&a->basic);
    gw_wipe(a->user, sizeof a->user);
    a->scheme = 0;
    return 0;
}

static const luaL_Reg auth_methods[] = {
    {"answer", l_answer}, {"rechallenge", l_rechallenge}, {"check_info", l_check_info},
    {"info", l_info}, {"close", l_auth_close}, {NULL, NULL}
};

static const luaL_Reg auth_funcs[] = {
    {"http_auth", l_auth}, {"http_challenges", l_challenges}, {NULL, NULL}
};

void glue_open_httpauth(lua_State *L)
{
    luaL_newmetatable(L, AUTH_MT);
    lua_newtable(L);
    luaL_register(L, NULL, auth_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_auth_close);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    luaL_register(L, NULL, auth_funcs);
}
