/* gwkit.core page functions over cext/page: the charset of a gateway's
 * status page, its decoding to UTF-8, and its rows.
 *   core.page_charset(bytes [, content_type]) -> "shift_jis" | "euc-jp" | "utf-8" | ...
 *   core.page_decode(bytes, charset) -> utf8 | nil, "page: ...", {kind="protocol"}
 *   core.html_rows(utf8_html) -> { {cell, ...}, ... }, truncated
 * Arguments that are not strings (numbers included) raise. */
#include <string.h>
#include "glue.h"
#include "../page/charset.h"
#include "../page/rows.h"

#define ROWS_MT "gwkit.page_rows"

/* A string argument, not a number converted to one. */
static const char *check_bytes(lua_State *L, int i, size_t *n)
{
    if (lua_type(L, i) != LUA_TSTRING)
        luaL_typerror(L, i, "string");
    return lua_tolstring(L, i, n);
}

static int l_page_charset(lua_State *L)
{
    size_t n, cn = 0;
    const char *s = check_bytes(L, 1, &n), *ct = NULL;
    char out[PAGE_CHARSET_SIZE];
    if (!lua_isnoneornil(L, 2))
        ct = check_bytes(L, 2, &cn);
    lua_pushstring(L, page_charset_detect(s, n, ct, cn, out));
    return 1;
}

static int l_page_decode(lua_State *L)
{
    size_t n, cn;
    const char *s = check_bytes(L, 1, &n), *cs = check_bytes(L, 2, &cn);
    gw_buf out;
    gw_err e;
    gw_buf_init(&out, 0);
    if (memchr(cs, '\0', cn)) {
        gw_err_set(&e, GW_EPROTOCOL, "page: unsupported charset (NUL in its name)");
        return glue_fail(L, &e);
    }
    if (page_decode(&out, s, n, cs, &e) != 0) {
        gw_buf_free(&out);
        return glue_fail(L, &e);
    }
    lua_pushlstring(L, out.data ? out.data : "", out.len);
    gw_buf_free(&out);
    return 1;
}

static int rows_gc(lua_State *L)
{
    page_rows_free(luaL_checkudata(L, 1, ROWS_MT));
    return 0;
}

static int l_html_rows(lua_State *L)
{
    size_t n, i, j;
    const char *s = check_bytes(L, 1, &n);
    page_rows *r;
    gw_err e;
    /* The arena lives in a userdata, so that a Lua error while the tables
     * are built (out of memory) does not leak it. */
    r = lua_newuserdata(L, sizeof *r);
    page_rows_init(r);
    luaL_getmetatable(L, ROWS_MT);
    lua_setmetatable(L, -2);
    if (page_html_rows(r, s, n, &e) != 0) {
        page_rows_free(r);
        return glue_fail(L, &e);
    }
    lua_createtable(L, (int)r->nrows, 0);
    for (i = 0; i < r->nrows; i++) {
        const page_row *row = &r->rows[i];
        lua_createtable(L, (int)row->count, 0);
        for (j = 0; j < row->count; j++) {
            const page_cell *c = &r->cells[row->first + j];
            lua_pushlstring(L, c->len ? r->text.data + c->off : "", c->len);
            lua_rawseti(L, -2, (int)j + 1);
        }
        lua_rawseti(L, -2, (int)i + 1);
    }
    lua_pushboolean(L, r->truncated);
    page_rows_free(r);
    return 2;
}

static const luaL_Reg funcs[] = {
    {"page_charset", l_page_charset},
    {"page_decode", l_page_decode},
    {"html_rows", l_html_rows},
    {NULL, NULL},
};

void glue_open_page(lua_State *L)
{
    luaL_newmetatable(L, ROWS_MT);
    lua_pushcfunction(L, rows_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    luaL_register(L, NULL, funcs);
}
