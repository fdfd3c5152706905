/* gwkit.core.run (a command with a deadline, its output collected) and
 * gwkit.core.syslog (syslog(3) with a sanitized message). Registered by
 * glue_open_sys (lsys.c). */
#include <string.h>
#include "glue.h"
#include "lsys.h"
#include "core/limits.h"
#include "sys/run.h"
#include "sys/sigflag.h"
#include "sys/slog.h"

/* nil, msg, {kind = "run"} */
static int run_fail(lua_State *L, const char *msg)
{
    lua_pushnil(L);
    lua_pushstring(L, msg);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "run");
    lua_setfield(L, -2, "kind");
    return 3;
}

/* argv from arg 1 (a shell command string or an array of strings) into a
 * NULL-terminated array held by a userdata (freed by the collector). The
 * strings stay referenced by argument 1 or by the returned array. */
static const char **checkargv(lua_State *L)
{
    const char **argv;
    size_t len;
    int n, i;
    if (lua_type(L, 1) == LUA_TSTRING) {
        const char *cmd = lua_tolstring(L, 1, &len);
        luaL_argcheck(L, strlen(cmd) == len, 1, "command contains a NUL byte");
        argv = (const char **)lua_newuserdata(L, 4 * sizeof *argv);
        argv[0] = "/bin/sh";
        argv[1] = "-c";
        argv[2] = cmd;
        argv[3] = NULL;
        return argv;
    }
    luaL_argcheck(L, lua_type(L, 1) == LUA_TTABLE, 1, "command string or argv array expected");
    n = (int)lua_objlen(L, 1);
    luaL_argcheck(L, n >= 1 && n <= GW_RUN_ARGS_MAX, 1, "argv array of 1..GW_RUN_ARGS_MAX strings expected");
    argv = (const char **)lua_newuserdata(L, ((size_t)n + 1) * sizeof *argv);
    for (i = 0; i < n; i++) {
        const char *s;
        lua_rawgeti(L, 1, i + 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_argerror(L, 1, lua_pushfstring(L, "argv[%d]: string expected", i + 1));
        s = lua_tolstring(L, -1, &len);
        if (strlen(s) != len)
            luaL_argerror(L, 1, lua_pushfstring(L, "argv[%d]: contains a NUL byte", i + 1));
        argv[i] = s;
        lua_pop(L, 1);                  /* still referenced by the array */
    }
    argv[n] = NULL;
    return argv;
}

/* Options at index 2: timeout, input, max_output (anything else raises). */
static void checkopts(lua_State *L, sys_run_opts *o)
{
    lua_Number t, m;
    o->input = NULL;
    o->input_len = 0;
    o->timeout = GW_RUN_TIMEOUT_DEFAULT;
    o->max_output = GW_RUN_OUTPUT_DEFAULT;
    if (lua_isnoneornil(L, 2))
        return;
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        if (!k || (strcmp(k, "timeout") && strcmp(k, "input") && strcmp(k, "max_output")))
            luaL_argerror(L, 2, lua_pushfstring(L, "unknown option '%s'",
                                                k ? k : luaL_typename(L, -2)));
        lua_pop(L, 1);
    }
    t = glue_optnumber(L, 2, "timeout", GW_RUN_TIMEOUT_DEFAULT);
    if (!(t > 0 && t <= GW_RUN_TIMEOUT_MAX))
        glue_fielderror(L, "timeout", "seconds, > 0 and at most GW_RUN_TIMEOUT_MAX");
    o->timeout = (double)t;
    m = glue_optnumber(L, 2, "max_output", GW_RUN_OUTPUT_DEFAULT);
    if (!(m >= 0 && m <= GW_RUN_OUTPUT_MAX))
        glue_fielderror(L, "max_output", "bytes, 0..GW_RUN_OUTPUT_MAX");
    o->max_output = (size_t)m;
    lua_getfield(L, 2, "input");
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TSTRING)
            glue_fielderror(L, "input", "string expected");
        o->input = lua_tolstring(L, -1, &o->input_len);
    }
    lua_pop(L, 1);                      /* the options table keeps it alive */
}

/* core.run(cmd [, opts]) -> {status, signal, output, errors, timed_out,
 * truncated} | nil, "run: ...", {kind = "run"} */
static int l_run(lua_State *L)
{
    sys_run_opts o;
    sys_run_res r;
    gw_err e;
    int shell = lua_type(L, 1) == LUA_TSTRING;
    lua_settop(L, 2);                   /* the argv userdata goes to 3 */
    o.argv = checkargv(L);
    checkopts(L, &o);
    if (sys_run(&o, &r, &e) != 0)
        return run_fail(L, e.msg);
    if (shell && r.exec_errno) {
        lua_pushlstring(L, r.err.data ? r.err.data : "", r.err.len);
        sys_run_free(&r);
        return run_fail(L, lua_tostring(L, -1));
    }
    lua_createtable(L, 0, 6);
    if (r.status >= 0) {
        lua_pushinteger(L, r.status);
        lua_setfield(L, -2, "status");
    }
    if (r.signo) {
        const char *name = sys_signal_name(r.signo);
        if (name)
            lua_pushstring(L, name);
        else
            lua_pushfstring(L, "%d", r.signo);
        lua_setfield(L, -2, "signal");
    }
    lua_pushlstring(L, r.out.data ? r.out.data : "", r.out.len);
    lua_setfield(L, -2, "output");
    lua_pushlstring(L, r.err.data ? r.err.data : "", r.err.len);
    lua_setfield(L, -2, "errors");
    lua_pushboolean(L, r.timed_out);
    lua_setfield(L, -2, "timed_out");
    lua_pushboolean(L, r.truncated);
    lua_setfield(L, -2, "truncated");
    sys_run_free(&r);
    return 1;
}

/* core.syslog(level, msg [, ident [, facility]]) -> true */
static int l_syslog(lua_State *L)
{
    static const char *const facilities[] = {
        "user", "daemon", "mail", "local0", "local1", "local2", "local3",
        "local4", "local5", "local6", "local7", NULL
    };
    int level, facility;
    size_t n, i, ilen;
    const char *msg, *ident;
    if (lua_type(L, 1) == LUA_TNUMBER) {
        lua_Number v = lua_tonumber(L, 1);
        luaL_argcheck(L, v >= 0 && v <= 7 && v == (lua_Number)(int)v, 1, "level 0..7 expected");
        level = (int)v;
    } else {
        level = sys_syslog_level(luaL_checkstring(L, 1));
        luaL_argcheck(L, level >= 0, 1, "level name (emerg .. debug) expected");
    }
    msg = luaL_checklstring(L, 2, &n);
    ident = luaL_optlstring(L, 3, "gwkit", &ilen);
    luaL_argcheck(L, ilen >= 1 && ilen <= GW_SYSLOG_IDENT_MAX, 3, "ident of 1..32 bytes expected");
    for (i = 0; i < ilen; i++)
        luaL_argcheck(L, ident[i] > ' ' && ident[i] < 0x7f, 3, "ident: printable ASCII without spaces expected");
    facility = sys_syslog_facility(facilities[luaL_checkoption(L, 4, "user", facilities)]);
    sys_syslog(level, facility, ident, msg, n);
    lua_pushboolean(L, 1);
    return 1;
}

static const luaL_Reg proc_funcs[] = {
    { "run", l_run },
    { "syslog", l_syslog },
    { NULL, NULL }
};

void lsys_open_proc(lua_State *L)
{
    luaL_register(L, NULL, proc_funcs);
}
