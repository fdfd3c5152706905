/* gwkit.core OS primitives for the scheduler, the log watcher and the PD
 * monitor: the monotonic clock, sleep, poll and non-blocking reads of raw
 * fds, stat, flag-setting signal handlers, getpid, hostname. core.run and
 * core.syslog are in lproc.c (registered from here). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "glue.h"
#include "lsys.h"
#include "core/limits.h"
#include "sys/fdio.h"
#include "sys/sigflag.h"
#include "sys/syswait.h"

/* A path argument without an embedded NUL. */
static const char *checkpath(lua_State *L, int i)
{
    size_t n;
    const char *s = luaL_checklstring(L, i, &n);
    luaL_argcheck(L, strlen(s) == n, i, "path contains a NUL byte");
    return s;
}

/* A file descriptor argument: an integer >= 0. */
static int checkfd(lua_State *L, int i)
{
    lua_Number n = luaL_checknumber(L, i);
    luaL_argcheck(L, n >= 0 && n <= 0x7fffffff && n == (lua_Number)(int)n, i,
                  "file descriptor expected");
    return (int)n;
}

/* A wait in seconds: a number >= 0 (clamped to GW_WAIT_MAX_S later). */
static double checkwait(lua_State *L, int i)
{
    lua_Number n = luaL_checknumber(L, i);
    luaL_argcheck(L, n >= 0, i, "seconds >= 0 expected");
    return (double)n;
}

/* core.monotime() -> seconds of CLOCK_MONOTONIC */
static int l_monotime(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)sys_monotime());
    return 1;
}

/* core.sleep(seconds) -> true | false, "interrupted" */
static int l_sleep(lua_State *L)
{
    if (sys_sleep(checkwait(L, 1)) != 0) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "interrupted");
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* core.stat(path) -> {dev, ino, size, mtime, kind} | nil, "stat: PATH: cause", {kind="stat"} */
static int l_stat(lua_State *L)
{
    const char *path = checkpath(L, 1);
    sys_statinfo st;
    if (sys_stat(path, &st) != 0) {
        int err = errno;
        lua_pushnil(L);
        lua_pushfstring(L, "stat: %s: %s", path, strerror(err));
        lua_createtable(L, 0, 2);
        lua_pushliteral(L, "stat");
        lua_setfield(L, -2, "kind");
        lua_pushboolean(L, err == ENOENT || err == ENOTDIR);
        lua_setfield(L, -2, "missing");
        return 3;
    }
    lua_createtable(L, 0, 5);
    lua_pushnumber(L, (lua_Number)st.dev);
    lua_setfield(L, -2, "dev");
    lua_pushnumber(L, (lua_Number)st.ino);
    lua_setfield(L, -2, "ino");
    lua_pushnumber(L, (lua_Number)st.size);
    lua_setfield(L, -2, "size");
    lua_pushnumber(L, (lua_Number)st.mtime);
    lua_setfield(L, -2, "mtime");
    lua_pushstring(L, st.kind);
    lua_setfield(L, -2, "kind");
    return 1;
}

/* core.poll(fds, timeout) -> {ready fds} | {}, "interrupted" | nil, "poll: cause" */
static int l_poll(lua_State *L)
{
    int fds[GW_POLL_FDS_MAX], ready[GW_POLL_FDS_MAX];
    int n, i, nready, rc;
    double seconds;
    luaL_checktype(L, 1, LUA_TTABLE);
    seconds = checkwait(L, 2);
    n = (int)lua_objlen(L, 1);
    luaL_argcheck(L, n <= GW_POLL_FDS_MAX, 1, "too many file descriptors");
    for (i = 0; i < n; i++) {
        lua_Number v;
        lua_rawgeti(L, 1, i + 1);
        v = lua_tonumber(L, -1);
        if (lua_type(L, -1) != LUA_TNUMBER || !(v >= 0 && v <= 0x7fffffff) || v != (lua_Number)(int)v)
            return luaL_argerror(L, 1, lua_pushfstring(L, "fds[%d]: file descriptor expected", i + 1));
        fds[i] = (int)v;
        lua_pop(L, 1);
    }
    rc = sys_poll(fds, n, seconds, ready, &nready);
    if (rc < 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "poll: %s", strerror(errno));
        return 2;
    }
    lua_createtable(L, nready, 0);
    for (i = 0; i < nready; i++) {
        lua_pushinteger(L, ready[i]);
        lua_rawseti(L, -2, i + 1);
    }
    if (rc == SYS_POLL_INTR) {
        lua_pushliteral(L, "interrupted");
        return 2;
    }
    return 1;
}

/* core.fd_read(fd [, max]) -> data | "" (end of file) | nil, "again" | nil, "read: cause" */
static int l_fd_read(lua_State *L)
{
    int fd = checkfd(L, 1);
    lua_Integer max = luaL_optinteger(L, 2, GW_FD_READ_DEFAULT);
    void *buf;
    ssize_t got;
    luaL_argcheck(L, max >= 1 && max <= GW_FD_READ_MAX, 2, "1..GW_FD_READ_MAX expected");
    buf = lua_newuserdata(L, (size_t)max);  /* scratch the collector frees */
    got = sys_fd_read(fd, buf, (size_t)max);
    if (got == SYS_READ_AGAIN) {
        lua_pushnil(L);
        lua_pushliteral(L, "again");
        return 2;
    }
    if (got < 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "read: %s", strerror(errno));
        return 2;
    }
    lua_pushlstring(L, (const char *)buf, (size_t)got);
    return 1;
}

/* core.fd_open(path [, "r" | "rw"]) -> fd | nil, "open: PATH: cause" */
static int l_fd_open(lua_State *L)
{
    static const char *const modes[] = { "r", "rw", NULL };
    const char *path = checkpath(L, 1);
    int rw = luaL_checkoption(L, 2, "r", modes);
    int fd = sys_fd_open(path, rw);
    if (fd < 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "open: %s: %s", path, strerror(errno));
        return 2;
    }
    lua_pushinteger(L, fd);
    return 1;
}

/* core.fd_close(fd) -> true | nil, "close: cause" */
static int l_fd_close(lua_State *L)
{
    if (sys_fd_close(checkfd(L, 1)) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "close: %s", strerror(errno));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* core.signals{"TERM", "HUP", ...} -> true | nil, "signals: cause" */
static int l_signals(lua_State *L)
{
    int idx[SYS_SIG_COUNT], n, i, k = 0;
    luaL_checktype(L, 1, LUA_TTABLE);
    n = (int)lua_objlen(L, 1);
    for (i = 1; i <= n; i++) {
        int j, dup = 0;
        const char *name;
        lua_rawgeti(L, 1, i);
        name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        j = name ? sys_sig_index(name) : -1;
        if (j < 0)
            return luaL_argerror(L, 1, lua_pushfstring(L,
                "signal names TERM, INT, HUP, USR1, USR2 expected (entry %d)", i));
        lua_pop(L, 1);
        for (dup = 0; dup < k && idx[dup] != j; dup++)
            ;
        if (dup == k && k < SYS_SIG_COUNT)
            idx[k++] = j;
    }
    for (i = 0; i < k; i++) {
        if (sys_sig_install(idx[i]) != 0) {
            lua_pushnil(L);
            lua_pushfstring(L, "signals: %s", strerror(errno));
            return 2;
        }
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* core.signal_take() -> "TERM" | "INT" | "HUP" | "USR1" | "USR2" | nil */
static int l_signal_take(lua_State *L)
{
    const char *name = sys_sig_take();
    if (!name)
        return 0;
    lua_pushstring(L, name);
    return 1;
}

static int l_getpid(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)getpid());
    return 1;
}

/* core.hostname() -> string (gethostname(2); no DNS) */
static int l_hostname(lua_State *L)
{
    char name[256];
    if (gethostname(name, sizeof name - 1) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "hostname: %s", strerror(errno));
        return 2;
    }
    name[sizeof name - 1] = '\0';
    lua_pushstring(L, name);
    return 1;
}

static const luaL_Reg funcs[] = {
    { "monotime", l_monotime },
    { "sleep", l_sleep },
    { "stat", l_stat },
    { "poll", l_poll },
    { "fd_read", l_fd_read },
    { "fd_open", l_fd_open },
    { "fd_close", l_fd_close },
    { "signals", l_signals },
    { "signal_take", l_signal_take },
    { "getpid", l_getpid },
    { "hostname", l_hostname },
    { NULL, NULL }
};

void glue_open_sys(lua_State *L)
{
    luaL_register(L, NULL, funcs);
    lsys_open_proc(L);
}
