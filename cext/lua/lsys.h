/* The second half of the sys glue (lproc.c: core.run, core.syslog),
 * registered by glue_open_sys (lsys.c). */
#ifndef GW_LSYS_H
#define GW_LSYS_H

#include <lua.h>

/* Sets run and syslog in the module table at -1. */
void lsys_open_proc(lua_State *L);

#endif
