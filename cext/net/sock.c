/* poll() with a monotonic deadline, restarted on EINTR. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include "sock.h"

int gw_sock_wait(int fd, int want_write, gw_deadline dl, const char *what, gw_err *e)
{
    for (;;) {
        struct pollfd p;
        int rc, left = gw_deadline_left_ms(dl);
        if (left == 0)
            return gw_err_set(e, GW_ETIMEOUT, "timeout: %s", what);
        p.fd = fd;
        p.events = want_write ? POLLOUT : POLLIN;
        p.revents = 0;
        rc = poll(&p, 1, left);
        if (rc > 0)
            return 0;       /* ready, or an error the next call will report */
        if (rc == 0)
            return gw_err_set(e, GW_ETIMEOUT, "timeout: %s", what);
        if (errno != EINTR)
            return gw_err_set(e, GW_ECONNECT, "poll: %s", strerror(errno));
    }
}
