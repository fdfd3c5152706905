/* gwkit.core.log_parse: one log line (syslog RFC 5424 / RFC 3164, syslog
 * files, rsyslog, Yamaha router, RFC 2822 dated) as a table, over
 * cext/log/logline. Fields the line does not have are absent. */
#include "glue.h"
#include "log/logline.h"

static void set_span(lua_State *L, const char *k, log_span s)
{
    if (!s.p)
        return;
    lua_pushlstring(L, s.p, s.n);
    lua_setfield(L, -2, k);
}

static void set_int(lua_State *L, const char *k, int v)
{
    if (v < 0)
        return;
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

/* The value without its escapes, pushed as a string. */
static void push_value(lua_State *L, log_span v)
{
    char *tmp = lua_newuserdata(L, v.n ? v.n : 1);
    size_t k = log_sd_unescape(tmp, v);
    lua_pushlstring(L, tmp, k);
    lua_remove(L, -2);
}

/* sdata = { [SD-ID] = { [PARAM-NAME] = value } }; a repeated SD-ID (RFC
 * 5424 6.3.2 forbids it) adds to the same table. */
static void push_sdata(lua_State *L, const log_line *o)
{
    unsigned i;
    lua_createtable(L, 0, (int)o->n_sd_id);
    for (i = 0; i < o->n_sd_id; i++) {
        lua_pushlstring(L, o->sd_id[i].p, o->sd_id[i].n);
        lua_rawget(L, -2);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_newtable(L);
            lua_pushlstring(L, o->sd_id[i].p, o->sd_id[i].n);
            lua_pushvalue(L, -2);
            lua_rawset(L, -4);
        }
        lua_pop(L, 1);
    }
    for (i = 0; i < o->n_sd_param; i++) {
        const log_sd_param *sp = &o->sd_param[i];
        lua_pushlstring(L, o->sd_id[sp->elem].p, o->sd_id[sp->elem].n);
        lua_rawget(L, -2);
        lua_pushlstring(L, sp->name.p, sp->name.n);
        push_value(L, sp->value);
        lua_rawset(L, -3);
        lua_pop(L, 1);
    }
    lua_setfield(L, -2, "sdata");
}

static void push_time(lua_State *L, const log_line *o)
{
    set_span(L, "time", o->time);
    set_int(L, "year", o->tm.year);
    set_int(L, "month", o->tm.month);
    set_int(L, "day", o->tm.day);
    set_int(L, "hour", o->tm.hour);
    set_int(L, "min", o->tm.min);
    set_int(L, "sec", o->tm.sec);
    if (o->tm.has_frac) {
        lua_pushnumber(L, o->tm.frac);
        lua_setfield(L, -2, "frac");
    }
    if (o->tm.has_tz) {
        lua_pushinteger(L, o->tm.tzoff);
        lua_setfield(L, -2, "tzoff");
    }
}

static int l_log_parse(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    log_line line, *o = &line;     /* ~3 KB, spans into s */
    if (log_parse(s, n, o) != 0) {
        gw_err e;
        gw_err_set(&e, GW_EBAD_ARGUMENT, "log: line longer than %d bytes", GW_LOG_LINE_MAX);
        return glue_fail(L, &e);
    }
    lua_createtable(L, 0, 16);
    lua_pushstring(L, log_format_name(o->format));
    lua_setfield(L, -2, "format");
    if (o->pri >= 0) {
        set_int(L, "pri", o->pri);
        set_int(L, "facility", o->pri >> 3);
        set_int(L, "severity", o->pri & 7);
    }
    push_time(L, o);
    set_span(L, "host", o->host);
    set_span(L, "app", o->app);
    set_span(L, "pid", o->pid);
    set_span(L, "msgid", o->msgid);
    if (o->sd.p) {
        set_span(L, "sd", o->sd);
        push_sdata(L, o);
    }
    set_span(L, "msg", o->msg);
    return 1;
}

static const luaL_Reg log_funcs[] = {
    {"log_parse", l_log_parse}, {NULL, NULL}
};

void glue_open_log(lua_State *L)
{
    luaL_register(L, NULL, log_funcs);
}
