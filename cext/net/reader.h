/* A buffered line reader over a gw_io, with a bound on line length. */
#ifndef GW_READER_H
#define GW_READER_H

#include "io.h"
#include "../core/limits.h"

typedef struct gw_reader {
    gw_io *io;
    size_t start, end;
    char buf[GW_READ_CHUNK];
} gw_reader;

void gw_reader_init(gw_reader *r, gw_io *io);
/* Reads one line ending in LF into out (NUL-terminated), without the LF and
 * without a CR just before it. Returns its length, or -1 with e set:
 * GW_EPROTOCOL when the line is longer than max - 1, GW_ECLOSED when the peer
 * closed (even mid-line), GW_ETIMEOUT, or the io's error. */
long gw_reader_line(gw_reader *r, char *out, size_t max, gw_deadline dl, gw_err *e);
/* Reads exactly n bytes (after what is buffered). 0 or -1. */
int gw_reader_exact(gw_reader *r, void *out, size_t n, gw_deadline dl, gw_err *e);
/* Reads what is available (buffered first, else one recv): >0, 0 at close, -1. */
long gw_reader_some(gw_reader *r, void *out, size_t n, gw_deadline dl, gw_err *e);
/* Makes at least one byte available (reading once if nothing is buffered)
 * and points *p at the buffered bytes without consuming them; *n gets how
 * many. Returns *n (> 0), 0 at close, -1 with e set. Pair with consume. */
long gw_reader_peek(gw_reader *r, const char **p, size_t *n, gw_deadline dl, gw_err *e);
/* Consumes n bytes of what peek showed. */
void gw_reader_consume(gw_reader *r, size_t n);
/* Bytes buffered but not yet returned. */
size_t gw_reader_pending(const gw_reader *r);
/* Drops buffered bytes (STARTTLS: nothing read in clear text may be taken
 * as a reply after the handshake) and switches to another io. Returns how
 * many bytes were dropped. */
size_t gw_reader_reset(gw_reader *r, gw_io *io);

#endif
