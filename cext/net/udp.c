/* UDP sockets for the syslog listener (RFC 5426: one message per
 * datagram; 3.2: a receiver should take at least 2048 bytes, 8192 is
 * recommended). Addresses are numeric (AI_NUMERICHOST|AI_NUMERICSERV): a
 * name is refused, never looked up. Sockets are non-blocking; recvmsg()
 * reports MSG_TRUNC when a datagram did not fit. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "udp.h"

/* host and port as a socket address; 0, or -1 with e (GW_EBAD_ARGUMENT). */
static int numeric(const char *what, const char *host, unsigned port,
                   struct sockaddr_storage *ss, socklen_t *len, gw_err *e)
{
    struct addrinfo hints, *res = NULL;
    char serv[8];
    int rc;
    if (port > 65535)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "udp: %s: port %u out of range (0..65535)",
                          what, port);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    snprintf(serv, sizeof serv, "%u", port);
    rc = getaddrinfo(host, serv, &hints, &res);
    if (rc != 0 || !res || res->ai_addrlen > sizeof *ss) {
        if (res)
            freeaddrinfo(res);
        return gw_err_set(e, GW_EBAD_ARGUMENT,
                          "udp: %s: \"%.64s\" is not a numeric IPv4 or IPv6 address", what, host);
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* A socket address as text and port. */
static int text(const struct sockaddr_storage *ss, socklen_t len, char *host,
                unsigned *port, gw_err *e)
{
    char serv[8];
    int rc = getnameinfo((const struct sockaddr *)ss, len, host, GW_UDP_ADDR_TEXT,
                         serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV);
    if (rc != 0)
        return gw_err_set(e, GW_ECONNECT, "udp: address: %s", gai_strerror(rc));
    *port = 0;
    sscanf(serv, "%u", port);
    return 0;
}

/* No SO_REUSEADDR: UDP has no TIME_WAIT to step over, and on Linux the
 * option lets two sockets bind the same address and port, so a second
 * listener (or rsyslog, which sets it) would silently share our datagrams
 * instead of failing with EADDRINUSE. */
static int setup(int fd, int family)
{
    int one = 1, fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        return -1;
    if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
        return -1;
    return 0;
}

int gw_udp_bind(const char *host, unsigned port, gw_err *e)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd;
    if (numeric("bind", host, port, &ss, &len, e) != 0)
        return -1;
    fd = socket(ss.ss_family, SOCK_DGRAM, 0);
    if (fd < 0 || setup(fd, ss.ss_family) != 0 || bind(fd, (struct sockaddr *)&ss, len) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        return gw_err_set(e, GW_ECONNECT, "udp: bind %.64s port %u: %s", host, port, strerror(err));
    }
    return fd;
}

int gw_udp_recv(int fd, char *buf, size_t cap, size_t *n, int *truncated,
                char *peer, unsigned *port, gw_err *e)
{
    struct sockaddr_storage ss;
    struct iovec iov;
    struct msghdr m;
    ssize_t got;
    memset(&m, 0, sizeof m);
    memset(&ss, 0, sizeof ss);
    iov.iov_base = buf;
    iov.iov_len = cap;
    m.msg_name = &ss;
    m.msg_namelen = sizeof ss;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    got = recvmsg(fd, &m, 0);
    if (got < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return 0;
        return gw_err_set(e, GW_ECONNECT, "udp: recv: %s", strerror(errno));
    }
    *n = (size_t)got;
    *truncated = (m.msg_flags & MSG_TRUNC) != 0;
    if (text(&ss, m.msg_namelen, peer, port, e) != 0)
        return -1;
    return 1;
}

int gw_udp_sendto(int fd, const void *p, size_t n, const char *host, unsigned port,
                  gw_err *e)
{
    struct sockaddr_storage ss, own;
    socklen_t len, ownlen = sizeof own;
    if (port == 0)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "udp: sendto: port 0");
    if (numeric("sendto", host, port, &ss, &len, e) != 0)
        return -1;
    if (getsockname(fd, (struct sockaddr *)&own, &ownlen) == 0 && own.ss_family != ss.ss_family)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "udp: sendto %.64s: an %s address on an %s socket",
                          host, ss.ss_family == AF_INET6 ? "IPv6" : "IPv4",
                          own.ss_family == AF_INET6 ? "IPv6" : "IPv4");
    if (sendto(fd, p, n, 0, (struct sockaddr *)&ss, len) < 0)
        return gw_err_set(e, GW_ECONNECT, "udp: sendto %.64s port %u: %s", host, port,
                          strerror(errno));
    return 0;
}

int gw_udp_sockname(int fd, char *host, unsigned *port, gw_err *e)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return gw_err_set(e, GW_ECONNECT, "udp: sockname: %s", strerror(errno));
    return text(&ss, len, host, port, e);
}

void gw_udp_close(int fd)
{
    if (fd >= 0)
        close(fd);
}
