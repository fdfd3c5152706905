/* A growable byte buffer with a size cap. Freed and reset memory is wiped,
 * so the same type can hold secrets (SASL blobs, keys). */
#ifndef GW_BUF_H
#define GW_BUF_H

#include <stddef.h>

typedef struct gw_buf {
    char *data;     /* always NUL-terminated when non-NULL (NUL not counted in len) */
    size_t len;
    size_t cap;
    size_t max;     /* len never exceeds this */
} gw_buf;

#define GW_BUF_ENOMEM (-1)
#define GW_BUF_ELIMIT (-2)

void gw_buf_init(gw_buf *b, size_t max);
/* Makes room for `extra` more bytes; 0, GW_BUF_ENOMEM or GW_BUF_ELIMIT. */
int gw_buf_reserve(gw_buf *b, size_t extra);
int gw_buf_append(gw_buf *b, const void *p, size_t n);
int gw_buf_puts(gw_buf *b, const char *s);
/* Empties the buffer, wiping what it held; keeps the allocation. */
void gw_buf_reset(gw_buf *b);
/* Wipes and frees; the buffer can be used again after gw_buf_init. */
void gw_buf_free(gw_buf *b);

#endif
