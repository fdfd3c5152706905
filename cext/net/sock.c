/* poll() with a monotonic deadline, restarted on EINTR. */
#define _DEFAULT_SOURCE             /* TCP_QUICKACK in <netinet/tcp.h> (Linux) */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "sock.h"

/* Before waiting for the peer, ask for an immediate ACK of what arrives.
 * Without it, a server that writes two records (TLS 1.3 session tickets,
 * then its reply) and does not set TCP_NODELAY holds the reply in Nagle
 * until our delayed ACK goes out, 40 ms later, on every connection. The
 * flag is not sticky on Linux, hence before each wait. */
static void quickack(int fd)
{
#ifdef TCP_QUICKACK
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
#else
    (void)fd;
#endif
}

int gw_sock_wait(int fd, int want_write, gw_deadline dl, const char *what, gw_err *e)
{
    for (;;) {
        struct pollfd p;
        int rc, left = gw_deadline_left_ms(dl);
        if (left == 0)
            return gw_err_set(e, GW_ETIMEOUT, "timeout: %s", what);
        if (!want_write)
            quickack(fd);
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
