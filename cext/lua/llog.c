/* Placeholder: filled in by the log work (registers nothing yet). */
#include "glue.h"

void glue_open_log(lua_State *L)
{
    (void)L;
}
