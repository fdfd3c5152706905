/* Helpers over the transport interface. */
#include "io.h"

int gw_io_write_all(gw_io *io, const void *p, size_t n, gw_deadline dl, gw_err *e)
{
    const char *s = p;
    while (n > 0) {
        long k = io->ops->send(io, s, n, dl, e);
        if (k < 0)
            return -1;
        s += k;
        n -= (size_t)k;
    }
    return 0;
}
