/* An in-memory transport for transcript tests: reads come from a script of
 * server bytes, writes are collected. */
#ifndef GW_MEMIO_H
#define GW_MEMIO_H

#include "io.h"
#include "../core/buf.h"

/* `in` is copied; `chunk` > 0 limits each recv to that many bytes (to test
 * reassembly). Closing frees it. */
gw_io *gw_memio_new(const char *in, size_t n, size_t chunk);
/* What the engine sent so far. */
const gw_buf *gw_memio_output(gw_io *io);

#endif
