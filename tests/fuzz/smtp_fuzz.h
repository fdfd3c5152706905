/* What the SMTP session fuzz targets share: the check macro, a substring
 * search, and the session opened over the in-memory transport from the
 * input (its first byte's bits 0-2: the recv chunk size, 0 for whatever is
 * left, else 1..7 bytes; the rest: the server's byte stream). */
#ifndef SMTP_FUZZ_H
#define SMTP_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "smtp/session.h"
#include "net/memio.h"

#define MUST(c) do { if (!(c)) abort(); } while (0)

static inline int fz_has(const char *p, size_t n, const char *needle)
{
    size_t k = strlen(needle), i;
    for (i = 0; i + k <= n; i++)
        if (memcmp(p + i, needle, k) == 0)
            return 1;
    return 0;
}

/* smtp_session_init + smtp_session_open_io on the input, plain SMTP (no
 * TLS over memory); 0 or -1 as smtp_session_open_io, -2 when the input is
 * empty or the transport could not be made (nothing to close then). */
static inline int fz_open(smtp_session *s, const uint8_t *data, size_t size,
                          void (*trace)(void *, int, const char *, size_t), gw_err *e)
{
    smtp_opts o;
    gw_io *io;
    int rc;
    if (size < 1 || !(io = gw_memio_new((const char *)data + 1, size - 1, data[0] & 7u)))
        return -2;
    memset(&o, 0, sizeof o);
    o.host = "mx.example";
    o.helo = "fuzz.test";
    o.tls_mode = SMTP_TLS_NONE;
    o.timeout = 5;
    smtp_session_init(s, trace, s);
    rc = smtp_session_open_io(s, io, &o, e);
    MUST(rc == 0 || rc == -1);
    MUST(rc != 0 || (!s->broken && s->io == io));
    return rc;
}

#endif
