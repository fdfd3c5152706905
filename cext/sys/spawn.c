/* fork + exec for core.run. The parent does everything that allocates or
 * takes locks (the PATH search, pipes, the signal reset table) before fork:
 * the Lua process may run a resolver thread, and after fork the child may
 * only make async-signal-safe calls until exec. A close-on-exec pipe tells
 * the parent whether exec worked (EOF) or why it failed (errno). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "spawn.h"
#include "syswait.h"

#define SYS_NSIG 128            /* signal numbers tried in the child (MIPS has 127) */

int sys_find_program(const char *prog, char *out, size_t size)
{
    const char *path, *p, *end;
    size_t plen = strlen(prog);
    int err = ENOENT;
    if (strchr(prog, '/')) {
        if (plen >= size)
            return ENAMETOOLONG;
        memcpy(out, prog, plen + 1);
        return 0;
    }
    if (plen == 0)
        return ENOENT;
    path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (p = path; ; p = end + 1) {
        size_t dlen;
        struct stat st;
        end = strchr(p, ':');
        if (!end)
            end = p + strlen(p);
        dlen = (size_t)(end - p);
        if (dlen > 0 && dlen + 1 + plen < size) {
            memcpy(out, p, dlen);
            out[dlen] = '/';
            memcpy(out + dlen + 1, prog, plen + 1);
            if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
                if (access(out, X_OK) == 0)
                    return 0;
                err = EACCES;
            }
        }
        if (!*end)
            break;
    }
    return err;
}

/* Moves fd above 2 (so dup2 onto 0..2 in the child cannot clobber it) and
 * marks it close-on-exec. */
static int high_cloexec(int fd)
{
    int nfd;
    if (fd > 2)
        return fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 ? fd : (close(fd), -1);
    nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return nfd;
}

int sys_pipe(int p[2], int nonblock)
{
    int i;
    if (pipe(p) != 0)
        return -1;
    p[0] = high_cloexec(p[0]);
    p[1] = high_cloexec(p[1]);
    for (i = 0; i < 2; i++) {
        if (p[i] < 0 || (nonblock == i + 1 && fcntl(p[i], F_SETFL, O_NONBLOCK) != 0)) {
            int e = errno;
            if (p[0] >= 0) close(p[0]);
            if (p[1] >= 0) close(p[1]);
            p[0] = p[1] = -1;
            errno = e;
            return -1;
        }
    }
    return 0;
}

int sys_devnull(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -1 : high_cloexec(fd);
}

static void child(const char *path, const char *const argv[], int in, int out, int err,
                  int report, const struct sigaction *dfl, const sigset_t *none)
{
    union { const char *const *c; char *const *v; } av; /* execv does not write */
    int s, e;
    av.c = argv;
    (void)setpgid(0, 0);
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        goto fail;
    for (s = 1; s < SYS_NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            (void)sigaction(s, dfl, NULL);   /* EINVAL for unused numbers */
    (void)sigprocmask(SIG_SETMASK, none, NULL);
    execv(path, av.v);
fail:
    e = errno;
    if (write(report, &e, sizeof e) < 0)
        e = 0;
    _exit(127);
}

/* Reads the child's exec report: 0 (exec happened) or its errno. */
static int exec_report(int fd, double deadline)
{
    int e = 0, i;
    for (i = 0; i < 1000; i++) {
        struct pollfd p;
        ssize_t got;
        p.fd = fd;
        p.events = POLLIN;
        p.revents = 0;
        if (poll(&p, 1, sys_wait_ms(deadline - sys_monotime())) == 0)
            return 0;                   /* the run loop's timeout takes over */
        got = read(fd, &e, sizeof e);
        if (got == (ssize_t)sizeof e)
            return e ? e : ENOEXEC;
        if (got >= 0 || errno != EINTR)
            return 0;                   /* EOF: exec closed the pipe */
    }
    return 0;
}

pid_t sys_spawn(const char *path, const char *const argv[], int in, int out, int err,
                double deadline, int *exec_errno)
{
    struct sigaction dfl;
    sigset_t all, none, old;
    int rep[2], e;
    pid_t pid;
    *exec_errno = 0;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigemptyset(&none);
    sigfillset(&all);
    if (sys_pipe(rep, 0) != 0)
        return -1;
    /* No handler of ours may run in the child between fork and the reset. */
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid = fork();
    if (pid == 0)
        child(path, argv, in, out, err, rep[1], &dfl, &none);
    e = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(rep[1]);
    if (pid < 0) {
        close(rep[0]);
        errno = e;
        return -1;
    }
    (void)setpgid(pid, pid);            /* no race with a kill of the group */
    *exec_errno = exec_report(rep[0], deadline);
    close(rep[0]);
    return pid;
}
