/* Error and option helpers shared by the glue files. */
#include "glue.h"

int glue_fail(lua_State *L, const gw_err *e)
{
    lua_pushnil(L);
    lua_pushstring(L, e->msg);
    lua_createtable(L, 0, 2);
    lua_pushstring(L, gw_kind_name(e->kind));
    lua_setfield(L, -2, "kind");
    if (e->code) {
        lua_pushinteger(L, e->code);
        lua_setfield(L, -2, "code");
    }
    return 3;
}

int glue_fielderror(lua_State *L, const char *k, const char *what)
{
    return luaL_error(L, "bad field '%s' (%s)", k, what);
}

const char *glue_optstring(lua_State *L, int t, const char *k, const char *def)
{
    const char *s = def;
    lua_getfield(L, t, k);
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TSTRING)
            glue_fielderror(L, k, "string expected");
        s = lua_tostring(L, -1);
    }
    /* The string stays alive: it is referenced by the options table. */
    lua_pop(L, 1);
    return s;
}

lua_Number glue_optnumber(lua_State *L, int t, const char *k, lua_Number def)
{
    lua_Number n = def;
    lua_getfield(L, t, k);
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TNUMBER)
            glue_fielderror(L, k, "number expected");
        n = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    return n;
}

int glue_optboolean(lua_State *L, int t, const char *k, int def)
{
    int b = def;
    lua_getfield(L, t, k);
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TBOOLEAN)
            glue_fielderror(L, k, "boolean expected");
        b = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);
    return b;
}
