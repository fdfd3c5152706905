/* The monotonic clock, an interruptible sleep and poll(2). A signal whose
 * handler was installed without SA_RESTART (sigflag.c) ends a sleep or a
 * poll early, which is how a daemon's main loop notices SIGTERM promptly. */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include "syswait.h"
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
    int ms = sys_wait_ms(seconds);
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    if (nanosleep(&ts, NULL) != 0 && errno == EINTR)
        return 1;
    return 0;
}

#define READY (POLLIN | POLLHUP | POLLERR | POLLNVAL)

int sys_poll(const int *fds, int n, double seconds, int *ready, int *nready)
{
    struct pollfd p[GW_POLL_FDS_MAX];
    int i, rc;
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
    rc = poll(p, (nfds_t)n, sys_wait_ms(seconds));
    if (rc < 0)
        return errno == EINTR ? SYS_POLL_INTR : -1;
    for (i = 0; i < n && rc > 0; i++)
        if (p[i].revents & READY)
            ready[(*nready)++] = p[i].fd;
    return 0;
}
