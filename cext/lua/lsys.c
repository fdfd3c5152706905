/* Placeholder: filled in by the sys work (registers nothing yet). */
#include "glue.h"

void glue_open_sys(lua_State *L)
{
    (void)L;
}
