/* TCP connections: every address of a name, IPv6 then IPv4, zone ids. */
#ifndef GW_TCP_H
#define GW_TCP_H

#include "io.h"

enum { GW_FAMILY_ANY = 0, GW_FAMILY_INET = 4, GW_FAMILY_INET6 = 6 };

/* Connects to host:port, trying each address until one answers before the
 * deadline. host may be a name, an IPv4 literal, or an IPv6 literal with an
 * optional "%zone". Returns a new io (close it with io->ops->close) or NULL
 * with e set (GW_ECONNECT naming every address tried, or GW_ETIMEOUT). */
gw_io *gw_tcp_connect(const char *host, unsigned port, int family,
                      gw_deadline dl, gw_err *e);
/* The socket behind a TCP io (for the TLS upgrade), or -1. */
int gw_tcp_fd(gw_io *io);
/* Address connected to, as text ("2001:db8::1", "127.0.0.1"). */
const char *gw_tcp_peer(gw_io *io);
/* Hands the fd to the caller: the io is freed but the socket stays open. */
int gw_tcp_release(gw_io *io);

#endif
