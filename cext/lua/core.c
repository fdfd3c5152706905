/* luaopen_gwkit_core: the one symbol the shared object exports. */
#include <signal.h>
#include "glue.h"
#include "core/crypto.h"

#if defined(__GNUC__)
#define GW_EXPORT __attribute__((visibility("default")))
#else
#define GW_EXPORT
#endif

GW_EXPORT int luaopen_gwkit_core(lua_State *L);

int luaopen_gwkit_core(lua_State *L)
{
    /* As LuaSocket does: a peer that hangs up must not kill the process
     * with SIGPIPE when OpenSSL writes to its socket. Only the default
     * action is changed; an application's own handler stays. */
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
    gw_crypto_init();
    lua_newtable(L);
    glue_open_util(L);
    glue_open_smtp(L);
    glue_open_http(L);
    glue_open_httpauth(L);
    glue_open_ipv6(L);
    glue_open_sys(L);
    glue_open_udp(L);
    glue_open_log(L);
    glue_open_page(L);
    lua_pushliteral(L, "0.1.0");
    lua_setfield(L, -2, "version");
    return 1;
}
