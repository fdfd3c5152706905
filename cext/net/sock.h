/* Waiting on a socket with a deadline (shared by tcp.c and tls.c). */
#ifndef GW_SOCK_H
#define GW_SOCK_H

#include "deadline.h"
#include "../core/err.h"

/* Waits until fd is readable (want_write = 0) or writable (1). 0, or -1
 * with e set (GW_ETIMEOUT naming `what`). */
int gw_sock_wait(int fd, int want_write, gw_deadline dl, const char *what, gw_err *e);

#endif
