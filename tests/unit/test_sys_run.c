/* sys_run (core.run): exit codes, output, input, truncation, exec failure,
 * a timeout that ends the whole process group, a child that leaves a
 * daemon holding its stdout, and what a child inherits (signal mask and
 * dispositions reset, no descriptors of ours). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "sys/run.h"
#include "sys/spawn.h"
#include "sys/syswait.h"
#include "unit/check.h"

static int run(sys_run_res *r, const char *const *argv, const char *input, size_t n,
               double timeout, size_t max)
{
    sys_run_opts o;
    gw_err e;
    int rc;
    o.argv = argv;
    o.input = input;
    o.input_len = n;
    o.timeout = timeout;
    o.max_output = max;
    rc = sys_run(&o, r, &e);
    if (rc != 0)
        printf("# sys_run: %s\n", e.msg);
    return rc;
}

static const char *out(const sys_run_res *r) { return r->out.data ? r->out.data : ""; }
static const char *err(const sys_run_res *r) { return r->err.data ? r->err.data : ""; }

static void basics(void)
{
    sys_run_res r;
    static const char *const sh1[] = { "/bin/sh", "-c", "echo out; echo err >&2; exit 3", NULL };
    static const char *const pf[] = { "printf", "%s|", "a b", "c'd \"e\"", NULL };
    static const char *const missing[] = { "no-such-program-gwkit", NULL };
    static const char *const notexec[] = { "/etc/passwd", NULL };
    static const char *const kill9[] = { "/bin/sh", "-c", "kill -9 $$", NULL };
    static const char *const zero[] = { "head", "-c", "100000", "/dev/zero", NULL };

    CHECK(run(&r, sh1, NULL, 0, 10, 1024) == 0, "run sh");
    CHECK(r.status == 3 && r.signo == 0, "exit code 3");
    CHECK_STR(out(&r), "out\n", "stdout");
    CHECK_STR(err(&r), "err\n", "stderr");
    CHECK(!r.timed_out && !r.truncated, "no timeout, nothing cut");
    sys_run_free(&r);

    CHECK(run(&r, pf, NULL, 0, 10, 1024) == 0 && r.status == 0, "argv form");
    CHECK_STR(out(&r), "a b|c'd \"e\"|", "arguments passed without a shell");
    sys_run_free(&r);

    CHECK(run(&r, missing, NULL, 0, 10, 1024) == 0 && r.status == 127, "missing program: 127");
    CHECK(r.exec_errno == ENOENT, "missing program: ENOENT");
    CHECK_STR(err(&r), "run: no-such-program-gwkit: No such file or directory", "missing program: reason");
    sys_run_free(&r);

    CHECK(run(&r, notexec, NULL, 0, 10, 1024) == 0 && r.status == 127, "not executable: 127");
    CHECK(r.exec_errno == EACCES, "not executable: EACCES from execv");
    sys_run_free(&r);

    CHECK(run(&r, kill9, NULL, 0, 10, 1024) == 0 && r.status == -1 && r.signo == SIGKILL,
          "killed by a signal");
    sys_run_free(&r);

    CHECK(run(&r, zero, NULL, 0, 10, 1000) == 0 && r.status == 0, "large output");
    CHECK(r.out.len == 1000 && r.truncated, "output cut at max_output");
    sys_run_free(&r);
}

static void input(void)
{
    sys_run_res r;
    static const char *const cat[] = { "cat", NULL };
    static const char *const wc[] = { "wc", "-c", NULL };
    static const char *const tru[] = { "true", NULL };
    size_t n = 300000;
    char *big = malloc(n);
    memset(big, 'x', n);
    CHECK(run(&r, cat, "hello\n", 6, 10, 1024) == 0, "cat with input");
    CHECK_STR(out(&r), "hello\n", "input reaches stdin");
    sys_run_free(&r);
    CHECK(run(&r, cat, NULL, 0, 10, 1024) == 0 && r.out.len == 0 && r.status == 0,
          "no input: stdin is /dev/null");
    sys_run_free(&r);
    CHECK(run(&r, wc, big, n, 10, 1024) == 0, "wc with a large input");
    CHECK(atol(out(&r)) == (long)n, "every input byte arrives (larger than a pipe)");
    sys_run_free(&r);
    CHECK(run(&r, tru, big, n, 10, 1024) == 0 && r.status == 0 && !r.timed_out,
          "a child that does not read its input");
    sys_run_free(&r);
    free(big);
}

/* A process whose /proc/PID/stat is given is gone or a zombie (its new
 * parent may not reap it at once). */
static int gone(const char *stat)
{
    char line[256], *p;
    FILE *f = fopen(stat, "r");
    int dead = 1;
    if (!f)
        return 1;
    if (fgets(line, sizeof line, f) && (p = strrchr(line, ')')) != NULL)
        dead = p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
    else
        dead = 0;
    fclose(f);
    return dead;
}

static void deadlines(void)
{
    sys_run_res r;
    double t0;
    static const char *const sleeper[] = { "sleep", "100", NULL };
    static const char *const group[] = { "/bin/sh", "-c", "sleep 100 & echo $!; sleep 100", NULL };
    static const char *const stubborn[] = { "/bin/sh", "-c", "trap '' TERM; sleep 100", NULL };
    static const char *const daemon[] = { "/bin/sh", "-c", "sleep 8 & echo done", NULL };
    char check[64];

    t0 = sys_monotime();
    CHECK(run(&r, sleeper, NULL, 0, 0.3, 1024) == 0 && r.timed_out, "sleep 100 times out");
    CHECK(r.signo == SIGTERM && r.status == -1, "ended by SIGTERM");
    CHECK(sys_monotime() - t0 < 5, "within the deadline");
    sys_run_free(&r);

    t0 = sys_monotime();
    CHECK(run(&r, group, NULL, 0, 0.5, 1024) == 0 && r.timed_out, "a group times out");
    CHECK(sys_monotime() - t0 < 5, "group: within the deadline");
    snprintf(check, sizeof check, "/proc/%ld/stat", atol(out(&r)));
    sys_sleep(0.2);
    CHECK(atol(out(&r)) > 0 && gone(check), "the background child was killed too");
    sys_run_free(&r);

    t0 = sys_monotime();
    CHECK(run(&r, stubborn, NULL, 0, 0.3, 1024) == 0 && r.timed_out, "TERM ignored");
    CHECK(r.signo == SIGKILL, "then SIGKILL");
    CHECK(sys_monotime() - t0 < 5, "stubborn: within the deadline");
    sys_run_free(&r);

    t0 = sys_monotime();
    CHECK(run(&r, daemon, NULL, 0, 20, 1024) == 0 && r.status == 0 && !r.timed_out,
          "a daemonizing child");
    CHECK_STR(out(&r), "done\n", "its output");
    CHECK(sys_monotime() - t0 < 6, "returned without waiting for the daemon's EOF");
    sys_run_free(&r);
}

static void inheritance(void)
{
    sys_run_res r;
    sigset_t block, old;
    int p[2];
    char fdpath[32];
    const char *blk, *ign;
    static const char *const status[] = { "grep", "^Sig[BI][lg]", "/proc/self/status", NULL };
    static const char *const fds[] = { "ls", "/proc/self/fd", NULL };

    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    CHECK(run(&r, status, NULL, 0, 10, 1024) == 0 && r.status == 0, "read the child's signal state");
    /* Signals 1..31 only: glibc keeps 32 and 33 for itself (its sigaction
     * refuses them), and a parent may have left them ignored. */
    blk = strstr(out(&r), "SigBlk:");
    ign = strstr(out(&r), "SigIgn:");
    CHECK(blk && (strtoull(blk + 7, NULL, 16) & 0x7fffffffULL) == 0, "child: nothing blocked");
    CHECK(ign && (strtoull(ign + 7, NULL, 16) & 0x7fffffffULL) == 0,
          "child: nothing ignored (SIGPIPE reset)");
    sigprocmask(SIG_SETMASK, &old, NULL);
    sys_run_free(&r);

    CHECK(sys_pipe(p, 0) == 0, "a pipe of ours");
    CHECK(run(&r, fds, NULL, 0, 10, 1024) == 0 && r.status == 0, "list the child's fds");
    snprintf(fdpath, sizeof fdpath, "\n%d\n", p[1]);
    CHECK(strncmp(out(&r), "0\n", 2) == 0 && strstr(out(&r), "\n1\n") && strstr(out(&r), "\n2\n"),
          "child has 0, 1, 2");
    CHECK(!strstr(out(&r), fdpath), "child holds none of our close-on-exec descriptors");
    close(p[0]);
    close(p[1]);
    sys_run_free(&r);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);           /* as luaopen_gwkit_core does */
    basics();
    input();
    deadlines();
    inheritance();
    return CHECK_DONE();
}
