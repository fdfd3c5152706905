/* core.run: a child with a deadline. The parent polls the child's stdout
 * and stderr (and writes its stdin) in short ticks and checks between
 * them, with waitid(WNOWAIT), whether the child has exited: a child that
 * daemonizes (dhclient -1) leaves a grandchild holding the pipes open, so
 * waiting for EOF would wait for the timeout. The zombie keeps the process
 * group id reserved until it is reaped, so the group kill after a timeout
 * cannot reach an unrelated process. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "run.h"
#include "spawn.h"
#include "syswait.h"
#include "core/limits.h"

static void closefd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Keeps what fits under b->max; marks the result truncated otherwise. */
static void keep(sys_run_res *r, gw_buf *b, const char *p, size_t n)
{
    size_t room = b->max - b->len;
    if (n > room) {
        r->truncated = 1;
        n = room;
    }
    if (n > 0 && gw_buf_append(b, p, n) != 0)
        r->truncated = 1;               /* out of memory: dropped, and said so */
}

/* One non-blocking read of *fd into b. 1 when bytes came, 0 when none were
 * ready; closes *fd at end of file or on an error. */
static int pull(sys_run_res *r, int *fd, gw_buf *b)
{
    char chunk[GW_RUN_CHUNK];
    ssize_t got = read(*fd, chunk, sizeof chunk);
    if (got > 0) {
        keep(r, b, chunk, (size_t)got);
        return 1;
    }
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    closefd(fd);
    return 0;
}

/* Has the child exited? Does not reap it. ECHILD (SIGCHLD ignored: the
 * kernel reaped it) counts as exited. */
static int has_exited(pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
        return errno != EINTR;
    return si.si_pid == pid;
}

/* Writes the next part of the input; closes the pipe when all is written
 * or the child stopped reading (EPIPE). */
static void push(const sys_run_opts *o, size_t *off, int *fd)
{
    ssize_t n = write(*fd, o->input + *off, o->input_len - *off);
    if (n > 0)
        *off += (size_t)n;
    else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        closefd(fd);
    if (*off >= o->input_len)
        closefd(fd);
}

/* Polls and feeds the child until it exits, or until SIGKILL went
 * unanswered for GW_RUN_REAP_MS. */
static void supervise(const sys_run_opts *o, sys_run_res *r, pid_t pid,
                      int *in, int *out, int *err)
{
    double deadline = sys_monotime() + o->timeout, kill_at = 0, give_up = 0;
    int tick = 1, killed = 0;
    size_t off = 0;
    if (o->input_len == 0)
        closefd(in);
    while (!has_exited(pid)) {
        struct pollfd p[3];
        int n = 0, i, wait_ms, rc;
        double next, now = sys_monotime();
        if (!r->timed_out && now >= deadline) {
            r->timed_out = 1;
            kill(-pid, SIGTERM);
            kill_at = now + GW_RUN_KILL_GRACE_MS / 1000.0;
        } else if (r->timed_out && !killed && now >= kill_at) {
            killed = 1;
            kill(-pid, SIGKILL);
            give_up = now + GW_RUN_REAP_MS / 1000.0;
        } else if (killed && now >= give_up) {
            return;
        }
        next = !r->timed_out ? deadline : !killed ? kill_at : give_up;
        wait_ms = sys_wait_ms(next - now);
        if (wait_ms > tick)
            wait_ms = tick;
        if (*out >= 0) { p[n].fd = *out; p[n].events = POLLIN; p[n++].revents = 0; }
        if (*err >= 0) { p[n].fd = *err; p[n].events = POLLIN; p[n++].revents = 0; }
        if (*in >= 0)  { p[n].fd = *in;  p[n].events = POLLOUT; p[n++].revents = 0; }
        rc = poll(p, (nfds_t)n, wait_ms);
        if (rc <= 0) {
            tick = tick * 2 > GW_RUN_TICK_MS ? GW_RUN_TICK_MS : tick * 2;
            continue;                   /* EINTR: a handled signal, keep going */
        }
        tick = 1;
        for (i = 0; i < n; i++) {
            if (!p[i].revents)
                continue;
            if (p[i].fd == *out)
                pull(r, out, &r->out);
            else if (p[i].fd == *err)
                pull(r, err, &r->err);
            else if (p[i].fd == *in)
                push(o, &off, in);
        }
    }
}

/* Reads what the pipes hold now, without waiting for EOF. */
static void drain(sys_run_res *r, int *fd, gw_buf *b)
{
    int i;
    for (i = 0; i < GW_RUN_DRAIN_READS && *fd >= 0; i++)
        if (!pull(r, fd, b))
            break;
}

int sys_run(const sys_run_opts *o, sys_run_res *r, gw_err *e)
{
    char path[GW_RUN_PATH_MAX];
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
    const char *step = "pipe";
    int st = 0, i;
    pid_t pid, w = -1;
    memset(r, 0, sizeof *r);
    r->status = -1;
    gw_buf_init(&r->out, o->max_output);
    gw_buf_init(&r->err, o->max_output);
    r->exec_errno = sys_find_program(o->argv[0], path, sizeof path);
    if (r->exec_errno)
        goto exec_failed;
    if (!o->input)
        step = "/dev/null";
    if (o->input ? sys_pipe(in, 2) : (in[0] = sys_devnull()) < 0)
        goto fail;
    step = "pipe";
    if (sys_pipe(out, 1) != 0 || sys_pipe(err, 1) != 0)
        goto fail;
    pid = sys_spawn(path, o->argv, in[0], out[1], err[1],
                    sys_monotime() + o->timeout, &r->exec_errno);
    step = "fork";
    if (pid < 0)
        goto fail;
    closefd(&in[0]);
    closefd(&out[1]);
    closefd(&err[1]);
    supervise(o, r, pid, &in[1], &out[0], &err[0]);
    if (r->timed_out)
        kill(-pid, SIGKILL);            /* what is left of the group */
    closefd(&in[1]);
    drain(r, &out[0], &r->out);
    drain(r, &err[0], &r->err);
    closefd(&out[0]);
    closefd(&err[0]);
    for (i = 0; i < 100; i++) {
        w = waitpid(pid, &st, 0);
        if (w >= 0 || errno != EINTR)
            break;
    }
    if (w == pid && WIFEXITED(st)) {
        r->status = WEXITSTATUS(st);
    } else if (w == pid && WIFSIGNALED(st)) {
        r->signo = WTERMSIG(st);
    }
    if (!r->exec_errno)
        return 0;
exec_failed:
    r->status = 127;
    r->signo = 0;
    gw_buf_free(&r->err);
    gw_buf_init(&r->err, GW_ERR_MSG + GW_RUN_PATH_MAX);
    if (gw_buf_puts(&r->err, "run: ") != 0 || gw_buf_puts(&r->err, o->argv[0]) != 0 ||
        gw_buf_puts(&r->err, ": ") != 0 || gw_buf_puts(&r->err, strerror(r->exec_errno)) != 0)
        r->truncated = 1;
    return 0;
fail:
    gw_err_set(e, errno == ENOMEM ? GW_ENOMEM : GW_EBAD_ARGUMENT, "run: %s: %s", step, strerror(errno));
    closefd(&in[0]);
    closefd(&in[1]);
    closefd(&out[0]);
    closefd(&out[1]);
    closefd(&err[0]);
    closefd(&err[1]);
    sys_run_free(r);
    return -1;
}

void sys_run_free(sys_run_res *r)
{
    gw_buf_free(&r->out);
    gw_buf_free(&r->err);
}
