/* Buffered, bounded line reader over any gw_io. */
#include <string.h>
#include "reader.h"

void gw_reader_init(gw_reader *r, gw_io *io)
{
    r->io = io;
    r->start = r->end = 0;
}

size_t gw_reader_pending(const gw_reader *r)
{
    return r->end - r->start;
}

size_t gw_reader_reset(gw_reader *r, gw_io *io)
{
    size_t dropped = r->end - r->start;
    memset(r->buf, 0, sizeof r->buf);
    r->start = r->end = 0;
    r->io = io;
    return dropped;
}

/* Refills the buffer (compacting first). >0 bytes added, 0 closed, -1 error. */
static long fill(gw_reader *r, gw_deadline dl, gw_err *e)
{
    long k;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == sizeof r->buf)
        return gw_err_set(e, GW_EPROTOCOL, "read buffer full");
    k = r->io->ops->recv(r->io, r->buf + r->end, sizeof r->buf - r->end, dl, e);
    if (k > 0)
        r->end += (size_t)k;
    return k;
}

long gw_reader_line(gw_reader *r, char *out, size_t max, gw_deadline dl, gw_err *e)
{
    size_t have = 0;        /* bytes of the line copied to out so far */
    for (;;) {
        char *p = r->buf + r->start;
        size_t avail = r->end - r->start;
        char *nl = memchr(p, '\n', avail);
        size_t take = nl ? (size_t)(nl - p) : avail, cr = 0;
        long k;
        /* A CR before the LF is not part of the line (nor of its bound); a
         * CR at the end of what is buffered waits there for the next byte. */
        if (take > 0 && p[take - 1] == '\r') {
            take--;
            cr = 1;
        }
        if (have + take >= max) {
            /* Too long: consume what we looked at so a caller that goes on
             * does not see the tail as a line, and fail. */
            r->start += nl ? take + cr + 1 : take;
            return gw_err_set(e, GW_EPROTOCOL, "line longer than %lu bytes",
                              (unsigned long)(max - 1));
        }
        memcpy(out + have, p, take);
        have += take;
        r->start += take;
        if (nl) {
            r->start += cr + 1;             /* the CR and the LF */
            out[have] = '\0';
            return (long)have;
        }
        k = fill(r, dl, e);
        if (k == 0)
            return gw_err_set(e, GW_ECLOSED, have ? "connection closed in the middle of a line"
                                                  : "connection closed by the server");
        if (k < 0)
            return -1;
    }
}

long gw_reader_peek(gw_reader *r, const char **p, size_t *n, gw_deadline dl, gw_err *e)
{
    if (r->end == r->start) {
        long k = fill(r, dl, e);
        if (k <= 0)
            return k;
    }
    *p = r->buf + r->start;
    *n = r->end - r->start;
    return (long)*n;
}

void gw_reader_consume(gw_reader *r, size_t n)
{
    size_t avail = r->end - r->start;
    r->start += n < avail ? n : avail;
}

long gw_reader_some(gw_reader *r, void *out, size_t n, gw_deadline dl, gw_err *e)
{
    size_t avail = r->end - r->start;
    if (avail == 0) {
        long k = fill(r, dl, e);
        if (k <= 0)
            return k;
        avail = r->end - r->start;
    }
    if (n > avail)
        n = avail;
    memcpy(out, r->buf + r->start, n);
    r->start += n;
    return (long)n;
}

int gw_reader_exact(gw_reader *r, void *out, size_t n, gw_deadline dl, gw_err *e)
{
    char *o = out;
    while (n > 0) {
        long k = gw_reader_some(r, o, n, dl, e);
        if (k == 0)
            return gw_err_set(e, GW_ECLOSED, "connection closed early");
        if (k < 0)
            return -1;
        o += k;
        n -= (size_t)k;
    }
    return 0;
}
