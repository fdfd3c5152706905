/* In-memory transcript transport: the "server" is a fixed byte string,
 * what the engine sends is collected. For transcript tests (curl's
 * test-server-less style) and fuzzing of the session engines. */
#include <stdlib.h>
#include <string.h>
#include "memio.h"

typedef struct mem_io {
    gw_io base;
    char *in;
    size_t len, pos, chunk;
    gw_buf out;
} mem_io;

static long mem_send(gw_io *io, const void *p, size_t n, gw_deadline dl, gw_err *e)
{
    mem_io *m = (mem_io *)io;
    (void)dl;
    if (gw_buf_append(&m->out, p, n) != 0)
        return gw_err_set(e, GW_ENOMEM, "memio: output too large");
    return (long)n;
}

static long mem_recv(gw_io *io, void *p, size_t n, gw_deadline dl, gw_err *e)
{
    mem_io *m = (mem_io *)io;
    size_t left = m->len - m->pos;
    (void)dl;
    (void)e;
    if (n > left)
        n = left;
    if (m->chunk && n > m->chunk)
        n = m->chunk;
    memcpy(p, m->in + m->pos, n);
    m->pos += n;
    return (long)n;         /* 0 at the end: the "server" closed */
}

static void mem_close(gw_io *io)
{
    mem_io *m = (mem_io *)io;
    free(m->in);
    gw_buf_free(&m->out);
    free(m);
}

static const gw_io_ops mem_ops = { mem_send, mem_recv, mem_close };

gw_io *gw_memio_new(const char *in, size_t n, size_t chunk)
{
    mem_io *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->in = malloc(n ? n : 1);
    if (!m->in) {
        free(m);
        return NULL;
    }
    if (n)
        memcpy(m->in, in, n);
    m->base.ops = &mem_ops;
    m->len = n;
    m->chunk = chunk;
    gw_buf_init(&m->out, (size_t)64 << 20);
    return &m->base;
}

const gw_buf *gw_memio_output(gw_io *io)
{
    return io->ops == &mem_ops ? &((mem_io *)io)->out : NULL;
}
