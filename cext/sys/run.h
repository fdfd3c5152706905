/* Running a command with a deadline and collecting its output (core.run). */
#ifndef GW_RUN_H
#define GW_RUN_H

#include <stddef.h>
#include "core/buf.h"
#include "core/err.h"

typedef struct sys_run_opts {
    const char *const *argv;       /* NULL-terminated; argv[0] searched in PATH */
    const char *input;          /* written to stdin; NULL: stdin is /dev/null */
    size_t input_len;
    double timeout;             /* seconds, > 0 */
    size_t max_output;          /* bytes kept per stream; the rest is discarded */
} sys_run_opts;

typedef struct sys_run_res {
    int status;                 /* exit code, or -1 (killed by a signal, unknown) */
    int signo;                  /* the signal that killed it, or 0 */
    int timed_out, truncated;
    int exec_errno;             /* nonzero: argv[0] could not be executed
                                 * (status 127, the reason in err) */
    gw_buf out, err;            /* stdout, stderr */
} sys_run_res;

/* Runs o->argv in its own process group. Once the child exits, what its
 * pipes hold at that moment is read and the call returns (a daemon it
 * left behind may keep them open). On timeout SIGTERM goes to the group,
 * SIGKILL GW_RUN_KILL_GRACE_MS later; the child is always reaped.
 * Writing input to a child that does not read it needs SIGPIPE ignored
 * (luaopen_gwkit_core does that). 0 with r filled (free it with
 * sys_run_free), or -1 with e set when no child could be started
 * (pipe, fork, memory). */
int sys_run(const sys_run_opts *o, sys_run_res *r, gw_err *e);
void sys_run_free(sys_run_res *r);

#endif
