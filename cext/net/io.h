/* The transport interface {send, recv, close}. Implementations: TCP
 * (tcp.c), TLS over a TCP fd (tls.c), and an in-memory transcript (memio.c).
 * Protocol engines see only this. */
#ifndef GW_IO_H
#define GW_IO_H

#include <stddef.h>
#include "../core/err.h"
#include "deadline.h"

typedef struct gw_io gw_io;

typedef struct gw_io_ops {
    /* Sends up to n bytes; returns how many (> 0), or -1 with e set. */
    long (*send)(gw_io *io, const void *p, size_t n, gw_deadline dl, gw_err *e);
    /* Reads up to n bytes; returns how many (> 0), 0 on an orderly close,
     * or -1 with e set (GW_ETIMEOUT when dl passes). */
    long (*recv)(gw_io *io, void *p, size_t n, gw_deadline dl, gw_err *e);
    /* Releases everything; the io must not be used afterwards. */
    void (*close)(gw_io *io);
} gw_io_ops;

struct gw_io {
    const gw_io_ops *ops;
};

/* Sends all n bytes or fails. 0 or -1. */
int gw_io_write_all(gw_io *io, const void *p, size_t n, gw_deadline dl, gw_err *e);

#endif
