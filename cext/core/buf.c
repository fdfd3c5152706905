/* Growable byte buffer with a cap; memory is wiped before it is released. */
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "crypto.h"

void gw_buf_init(gw_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

int gw_buf_reserve(gw_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;
    if (extra > b->max - b->len)
        return GW_BUF_ELIMIT;
    need = b->len + extra + 1;          /* + NUL */
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    /* Not realloc: the old block may hold a secret and must be wiped. */
    p = malloc(cap);
    if (!p)
        return GW_BUF_ENOMEM;
    if (b->data) {
        memcpy(p, b->data, b->len + 1);
        gw_wipe(b->data, b->cap);
        free(b->data);
    } else {
        p[0] = '\0';
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int gw_buf_append(gw_buf *b, const void *p, size_t n)
{
    int rc = gw_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int gw_buf_puts(gw_buf *b, const char *s)
{
    return gw_buf_append(b, s, strlen(s));
}

void gw_buf_reset(gw_buf *b)
{
    if (b->data) {
        gw_wipe(b->data, b->len);
        b->data[0] = '\0';
    }
    b->len = 0;
}

void gw_buf_free(gw_buf *b)
{
    if (b->data) {
        gw_wipe(b->data, b->cap);
        free(b->data);
    }
    b->data = NULL;
    b->len = b->cap = 0;
}
