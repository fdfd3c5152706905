/* Shared helpers of the Lua glue (the only part of gwkit that includes lua.h). */
#ifndef GW_GLUE_H
#define GW_GLUE_H

#include <lua.h>
#include <lauxlib.h>
#include "../core/err.h"

/* Pushes nil, e->msg, {kind=..., code=...}; returns 3 (for `return`). */
int glue_fail(lua_State *L, const gw_err *e);
/* Optional fields of an options table at index t. */
const char *glue_optstring(lua_State *L, int t, const char *k, const char *def);
lua_Number glue_optnumber(lua_State *L, int t, const char *k, lua_Number def);
int glue_optboolean(lua_State *L, int t, const char *k, int def);
/* Raises "bad field 'k' (what)" naming the field. */
int glue_fielderror(lua_State *L, const char *k, const char *what);

/* Registration of each glue file's functions into the module table at -1. */
void glue_open_util(lua_State *L);
void glue_open_smtp(lua_State *L);
void glue_open_http(lua_State *L);
void glue_open_httpauth(lua_State *L);
void glue_open_ipv6(lua_State *L);
void glue_open_sys(lua_State *L);    /* lsys.c: processes, signals, poll, stat, syslog(3) */
void glue_open_udp(lua_State *L);    /* ludp.c: the UDP syslog listener's socket */
void glue_open_log(lua_State *L);    /* llog.c: log line parser */
void glue_open_page(lua_State *L);   /* lpage.c: HTML status pages, charsets */

#endif
