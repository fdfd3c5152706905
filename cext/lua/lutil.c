/* gwkit.core utilities: base64, randomness, hex. */
#include <stdlib.h>
#include "glue.h"
#include "../core/b64.h"
#include "../core/crypto.h"
#include "../core/file.h"
#include "../net/tlsctx.h"

static int l_b64encode(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    gw_buf b;
    gw_buf_init(&b, (size_t)-1);
    if (gw_b64_encode(&b, s, n) != 0)
        return luaL_error(L, "b64encode: out of memory");
    lua_pushlstring(L, b.data, b.len);
    gw_buf_free(&b);
    return 1;
}

static int l_b64decode(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    gw_buf b;
    gw_buf_init(&b, (size_t)-1);
    if (gw_b64_decode(&b, s, n) != 0) {
        gw_buf_free(&b);
        lua_pushnil(L);
        lua_pushliteral(L, "base64: malformed input");
        return 2;
    }
    lua_pushlstring(L, b.data ? b.data : "", b.len);
    gw_buf_free(&b);
    return 1;
}

static int l_random(lua_State *L)
{
    int n = (int)luaL_checkinteger(L, 1);
    unsigned char small[256];
    luaL_argcheck(L, n >= 0 && n <= (int)sizeof small, 1, "0..256 expected");
    if (gw_random(small, (size_t)n) != 0)
        return luaL_error(L, "random: RAND_bytes failed");
    lua_pushlstring(L, (const char *)small, (size_t)n);
    return 1;
}

static int l_hex(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    char *out;
    luaL_argcheck(L, n <= 65536, 1, "too long");
    out = malloc(2 * n + 1);
    if (!out)
        return luaL_error(L, "hex: out of memory");
    gw_hex((const unsigned char *)s, n, out);
    lua_pushlstring(L, out, 2 * n);
    free(out);
    return 1;
}

/* core.write_atomic(path, data) -> true | nil, err, info */
static int l_write_atomic(lua_State *L)
{
    size_t n;
    const char *path = luaL_checkstring(L, 1), *data = luaL_checklstring(L, 2, &n);
    gw_err e;
    if (gw_write_atomic(path, data, n, &e) != 0)
        return glue_fail(L, &e);
    lua_pushboolean(L, 1);
    return 1;
}

/* core.sync_dir(path): makes a rename or unlink in path's directory durable. */
static int l_sync_dir(lua_State *L)
{
    gw_err e;
    if (gw_sync_dir(luaL_checkstring(L, 1), &e) != 0)
        return glue_fail(L, &e);
    lua_pushboolean(L, 1);
    return 1;
}

/* core.file_kind(path) -> "missing" | "file" | "other" */
static int l_file_kind(lua_State *L)
{
    static const char *const names[] = {"missing", "file", "other"};
    lua_pushstring(L, names[gw_file_kind(luaL_checkstring(L, 1))]);
    return 1;
}

/* core.tls_contexts_made(): SSL_CTXs made by this process (tlsctx.c keeps
 * them per set of TLS options); for tests and the bench. */
static int l_tls_contexts_made(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)gw_tlsctx_made());
    return 1;
}

static const luaL_Reg util_funcs[] = {
    {"tls_contexts_made", l_tls_contexts_made},
    {"file_kind", l_file_kind},
    {"write_atomic", l_write_atomic},
    {"sync_dir", l_sync_dir},
    {"b64encode", l_b64encode},
    {"b64decode", l_b64decode},
    {"random", l_random},
    {"hex", l_hex},
    {NULL, NULL}
};

void glue_open_util(lua_State *L)
{
    luaL_register(L, NULL, util_funcs);
}
