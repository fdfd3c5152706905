/* Name resolution with a deadline. getaddrinfo() has no timeout of its own,
 * so names are resolved on a helper thread that is abandoned, not waited
 * for, when the deadline passes. Literals never leave the calling thread. */
#ifndef GW_RESOLVE_H
#define GW_RESOLVE_H

#include <sys/socket.h>
#include "io.h"
#include "../core/limits.h"

typedef struct gw_addr {
    struct sockaddr_storage sa;
    socklen_t len;
    int family;                 /* AF_INET6 or AF_INET */
} gw_addr;

/* Fills out[0..max) with every address of host (IPv6 first, then IPv4, or
 * only `family` when it is GW_FAMILY_INET/INET6) and returns how many, or -1
 * with e set (GW_ECONNECT "cannot resolve ...", GW_ETIMEOUT). host may be an
 * IPv6 literal with "%zone", with or without brackets. */
int gw_resolve(const char *host, unsigned port, int family, gw_addr *out, int max,
               gw_deadline dl, gw_err *e);
/* "2001:db8::1" or "192.0.2.1" (with "%zone" when there is a scope). */
void gw_addr_text(const gw_addr *a, char *out, size_t n);

#endif
