/* UDP sockets for the syslog listener (RFC 5426): numeric addresses only,
 * never blocking. Each function works on a plain descriptor. */
#ifndef GW_UDP_H
#define GW_UDP_H

#include <stddef.h>
#include "../core/err.h"

/* Text of an address: an IPv6 literal, "%", an interface name (16), NUL. */
#define GW_UDP_ADDR_TEXT 64

/* A new non-blocking, close-on-exec UDP socket bound to host (a numeric
 * IPv4 or IPv6 address, "::1", "0.0.0.0", "fe80::1%eth0") and port (0: an
 * ephemeral one). IPv6 sockets are IPV6_V6ONLY, so "::" and "0.0.0.0" can
 * be bound side by side. No SO_REUSEADDR: a port in use is EADDRINUSE. Returns the descriptor, or -1 with e set:
 * GW_EBAD_ARGUMENT for a name or a port above 65535 (no DNS lookup is
 * made), GW_ECONNECT "udp: bind HOST port PORT: <strerror>". */
int gw_udp_bind(const char *host, unsigned port, gw_err *e);

/* Receives one datagram without waiting into buf (cap bytes). Returns 1
 * with *n bytes, *truncated set when the datagram was longer than cap (the
 * rest is lost), the sender in peer (GW_UDP_ADDR_TEXT bytes) and *port;
 * 0 when nothing is waiting (or a signal came); -1 with e set (GW_ECONNECT). */
int gw_udp_recv(int fd, char *buf, size_t cap, size_t *n, int *truncated,
                char *peer, unsigned *port, gw_err *e);

/* Sends p[0..n) as one datagram to a numeric host and port (1..65535).
 * 0, or -1 with e set: GW_EBAD_ARGUMENT for a name, a bad port or an
 * address of the other family than the socket's; GW_ECONNECT when the
 * kernel refuses (would block, too long). */
int gw_udp_sendto(int fd, const void *p, size_t n, const char *host, unsigned port,
                  gw_err *e);

/* The bound address (GW_UDP_ADDR_TEXT bytes) and port. 0, or -1 with e. */
int gw_udp_sockname(int fd, char *host, unsigned *port, gw_err *e);

/* Closes fd (a negative fd is ignored). */
void gw_udp_close(int fd);

#endif
