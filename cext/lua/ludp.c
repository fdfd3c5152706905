/* Placeholder: filled in by the udp work (registers nothing yet). */
#include "glue.h"

void glue_open_udp(lua_State *L)
{
    (void)L;
}
