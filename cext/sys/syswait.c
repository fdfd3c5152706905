/* The monotonic clock, an interruptible sleep and poll(2). A handled signal
 * (sigflag.c) ends a sleep or a poll early, which is how a daemon's main
 * loop notices SIGTERM promptly: a flag already set returns at once, and
 * the self-pipe among the polled fds catches one that arrives just before
 * or during the wait. */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include "syswait.h"
#include "sigflag.h"
#include "core/limits.h"

double sys_monotime(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int sys_wait_ms(double seconds)
{
    double ms;
    if (!(seconds > 0))             /* also NaN */
        return 0;
    if (seconds > GW_WAIT_MAX_S)
        seconds = GW_WAIT_MAX_S;
    ms = seconds * 1000.0;
    if (ms > (double)(int)ms)
        ms += 1.0;                  /* round up: never wake before the time */
    return (int)ms;
}

int sys_sleep(double seconds)
{
    int nready;
    return sys_poll(NULL, 0, seconds, NULL, &nready) == SYS_POLL_INTR;
}

#define READY (POLLIN | POLLHUP | POLLERR | POLLNVAL)

int sys_poll(const int *fds, int n, double seconds, int *ready, int *nready)
{
    struct pollfd p[GW_POLL_FDS_MAX + 1];
    int i, wake = sys_sig_wakefd();
    double end = sys_monotime() + (seconds > 0 ? seconds : 0);
    *nready = 0;
    if (n < 0 || n > GW_POLL_FDS_MAX) {
        errno = EINVAL;
        return -1;
    }
    for (i = 0; i < n; i++) {
        p[i].fd = fds[i];
        p[i].events = POLLIN;
        p[i].revents = 0;
    }
    p[n].fd = wake;                 /* a negative fd is ignored by poll() */
    p[n].events = POLLIN;
    /* A wake-up byte left from a signal already taken is drained and the
     * wait goes on for the time left; bounded, as each round drains. */
    for (i = 0; i < 4; i++) {
        if (sys_sig_pending())
            return SYS_POLL_INTR;
        int rc;
        p[n].revents = 0;
        rc = poll(p, (nfds_t)n + 1, sys_wait_ms(end - sys_monotime()));
        if (rc < 0)
            return errno == EINTR ? SYS_POLL_INTR : -1;
        if (!(p[n].revents & POLLIN))
            break;
        sys_sig_drain();
        if (sys_sig_pending())
            return SYS_POLL_INTR;
        if (rc == 1)
            continue;               /* only the stale wake-up: wait on */
        break;
    }
    for (i = 0; i < n; i++)
        if (p[i].revents & READY)
            ready[(*nready)++] = p[i].fd;
    return 0;
}
