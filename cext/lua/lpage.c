/* Placeholder: filled in by the page work (registers nothing yet). */
#include "glue.h"

void glue_open_page(lua_State *L)
{
    (void)L;
}
