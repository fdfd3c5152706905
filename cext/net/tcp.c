/* TCP transport: connect to every address of a name in turn, each attempt
 * bounded by the deadline; non-blocking I/O with poll(). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "tcp.h"
#include "resolve.h"
#include "sock.h"

typedef struct tcp_io {
    gw_io base;
    int fd;
    char peer[64];
} tcp_io;

static long tcp_send(gw_io *io, const void *p, size_t n, gw_deadline dl, gw_err *e)
{
    tcp_io *t = (tcp_io *)io;
    for (;;) {
        ssize_t k = send(t->fd, p, n, MSG_NOSIGNAL);
        if (k >= 0)
            return (long)k;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return gw_err_set(e, errno == EPIPE || errno == ECONNRESET ? GW_ECLOSED : GW_ECONNECT,
                              "send: %s", strerror(errno));
        if (gw_sock_wait(t->fd, 1, dl, "sending to the server", e) != 0)
            return -1;
    }
}

static long tcp_recv(gw_io *io, void *p, size_t n, gw_deadline dl, gw_err *e)
{
    tcp_io *t = (tcp_io *)io;
    for (;;) {
        ssize_t k = recv(t->fd, p, n, 0);
        if (k >= 0)
            return (long)k;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return gw_err_set(e, errno == ECONNRESET ? GW_ECLOSED : GW_ECONNECT,
                              "recv: %s", strerror(errno));
        if (gw_sock_wait(t->fd, 0, dl, "waiting for the server", e) != 0)
            return -1;
    }
}

static void tcp_close(gw_io *io)
{
    tcp_io *t = (tcp_io *)io;
    if (t->fd >= 0)
        close(t->fd);
    free(t);
}

static const gw_io_ops tcp_ops = { tcp_send, tcp_recv, tcp_close };

/* One attempt, bounded by `dl`. Returns the fd or -1 with why set. */
static int try_connect(const gw_addr *a, gw_deadline dl, char *why, size_t n)
{
    int fd = socket(a->family, SOCK_STREAM, 0), err = 0, one = 1;
    socklen_t len = sizeof err;
    gw_err e;
    if (fd < 0) {
        snprintf(why, n, "socket: %s", strerror(errno));
        return -1;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    /* Commands are written whole; do not let Nagle hold the last one back. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *)&a->sa, a->len) == 0)
        return fd;
    if (errno != EINPROGRESS && errno != EINTR) {
        snprintf(why, n, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    if (gw_sock_wait(fd, 1, dl, "connecting", &e) != 0) {
        snprintf(why, n, "timed out");
        close(fd);
        return -1;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        snprintf(why, n, "%s", strerror(err ? err : errno));
        close(fd);
        return -1;
    }
    return fd;
}

gw_io *gw_tcp_connect(const char *host, unsigned port, int family,
                      gw_deadline dl, gw_err *e)
{
    gw_addr addrs[GW_ADDR_MAX];
    char tried[GW_ERR_MSG] = "";
    int i, n, fd = -1;
    size_t used = 0;
    tcp_io *t;
    if (port == 0 || port > 65535)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "connect: bad port %u", port), NULL;
    n = gw_resolve(host, port, family, addrs, GW_ADDR_MAX, dl, e);
    if (n < 0)
        return NULL;
    for (i = 0; i < n && fd < 0; i++) {
        char why[96];
        gw_deadline step = dl;
        int left = gw_deadline_left_ms(dl);
        if (left == 0)
            break;
        /* Leave time for the addresses after this one: a black-holed first
         * address must not eat the whole deadline. */
        if (left > 0 && i + 1 < n && left / (n - i) > 2000)
            step.at_ms = gw_now_ms() + left / (n - i);
        fd = try_connect(&addrs[i], step, why, sizeof why);
        if (fd < 0 && used < sizeof tried) {
            char txt[64];
            gw_addr_text(&addrs[i], txt, sizeof txt);
            used += (size_t)snprintf(tried + used, sizeof tried - used, "%s%s: %s",
                                     used ? "; " : "", txt, why);
        } else if (fd >= 0) {
            break;
        }
    }
    if (fd < 0) {
        if (gw_deadline_passed(dl))
            gw_err_set(e, GW_ETIMEOUT, "connect: %s port %u: no answer before the deadline (%s)",
                       host, port, tried);
        else
            gw_err_set(e, GW_ECONNECT, "connect: %s port %u: %s", host, port, tried);
        return NULL;
    }
    t = malloc(sizeof *t);
    if (!t) {
        close(fd);
        return gw_err_set(e, GW_ENOMEM, "connect: out of memory"), NULL;
    }
    t->base.ops = &tcp_ops;
    t->fd = fd;
    gw_addr_text(&addrs[i], t->peer, sizeof t->peer);
    return &t->base;
}

int gw_tcp_fd(gw_io *io)
{
    return io->ops == &tcp_ops ? ((tcp_io *)io)->fd : -1;
}

const char *gw_tcp_peer(gw_io *io)
{
    return io->ops == &tcp_ops ? ((tcp_io *)io)->peer : "";
}

int gw_tcp_release(gw_io *io)
{
    int fd;
    if (io->ops != &tcp_ops)
        return -1;
    fd = ((tcp_io *)io)->fd;
    free(io);
    return fd;
}
