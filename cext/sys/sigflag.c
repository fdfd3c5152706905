/* Flag-setting signal handlers. The handler only stores to a volatile
 * sig_atomic_t and writes one byte to a self-pipe (both async-signal-safe);
 * the Lua side asks for pending signals between waits. The self-pipe is
 * what makes the waits (syswait.c) return early even for a signal that
 * arrives after the caller last looked and before poll() began, where
 * EINTR alone would miss it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include "sigflag.h"

static const struct {
    const char *name;
    int signo;
} handled[SYS_SIG_COUNT] = {
    { "TERM", SIGTERM }, { "INT", SIGINT }, { "HUP", SIGHUP },
    { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
};

static volatile sig_atomic_t pending[SYS_SIG_COUNT];
static int wake[2] = { -1, -1 };    /* self-pipe: [0] polled, [1] written by the handler */

static void on_signal(int signo)
{
    int saved = errno;
    if (wake[1] >= 0) {
        ssize_t w = write(wake[1], "s", 1);   /* full pipe: a wake-up is already there */
        (void)w;
    }
    errno = saved;
    switch (signo) {
    case SIGTERM: pending[0] = 1; break;
    case SIGINT:  pending[1] = 1; break;
    case SIGHUP:  pending[2] = 1; break;
    case SIGUSR1: pending[3] = 1; break;
    case SIGUSR2: pending[4] = 1; break;
    default: break;
    }
}

int sys_sig_index(const char *name)
{
    int i;
    for (i = 0; i < SYS_SIG_COUNT; i++)
        if (strcmp(name, handled[i].name) == 0)
            return i;
    return -1;
}

static int wake_open(void)
{
    int i;
    if (wake[0] >= 0)
        return 0;
    if (pipe(wake) != 0)
        return -1;
    for (i = 0; i < 2; i++) {
        if (fcntl(wake[i], F_SETFD, FD_CLOEXEC) != 0 ||
            fcntl(wake[i], F_SETFL, fcntl(wake[i], F_GETFL) | O_NONBLOCK) != 0) {
            close(wake[0]);
            close(wake[1]);
            wake[0] = wake[1] = -1;
            return -1;
        }
    }
    return 0;
}

int sys_sig_wakefd(void)
{
    return wake[0];
}

void sys_sig_drain(void)
{
    char b[64];
    int i;
    for (i = 0; i < 16 && wake[0] >= 0 && read(wake[0], b, sizeof b) > 0; i++)
        ;
}

int sys_sig_pending(void)
{
    int i;
    for (i = 0; i < SYS_SIG_COUNT; i++)
        if (pending[i])
            return 1;
    return 0;
}

int sys_sig_install(int i)
{
    struct sigaction sa;
    if (wake_open() != 0)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;                /* no SA_RESTART: waits end early */
    return sigaction(handled[i].signo, &sa, NULL);
}

const char *sys_sig_take(void)
{
    int i;
    for (i = 0; i < SYS_SIG_COUNT; i++) {
        if (pending[i]) {
            pending[i] = 0;
            return handled[i].name;
        }
    }
    return NULL;
}

const char *sys_signal_name(int signo)
{
    static const struct {
        int signo;
        const char *name;
    } names[] = {
        { SIGHUP, "HUP" }, { SIGINT, "INT" }, { SIGQUIT, "QUIT" },
        { SIGILL, "ILL" }, { SIGTRAP, "TRAP" }, { SIGABRT, "ABRT" },
        { SIGBUS, "BUS" }, { SIGFPE, "FPE" }, { SIGKILL, "KILL" },
        { SIGUSR1, "USR1" }, { SIGSEGV, "SEGV" }, { SIGUSR2, "USR2" },
        { SIGPIPE, "PIPE" }, { SIGALRM, "ALRM" }, { SIGTERM, "TERM" },
        { SIGCHLD, "CHLD" }, { SIGCONT, "CONT" }, { SIGSTOP, "STOP" },
        { SIGTSTP, "TSTP" }, { SIGTTIN, "TTIN" }, { SIGTTOU, "TTOU" },
        { SIGURG, "URG" }, { SIGXCPU, "XCPU" }, { SIGXFSZ, "XFSZ" },
        { SIGVTALRM, "VTALRM" }, { SIGPROF, "PROF" }, { SIGSYS, "SYS" },
    };
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].signo == signo)
            return names[i].name;
    return NULL;
}
