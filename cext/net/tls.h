/* TLS client over a connected socket (OpenSSL). Verification of the
 * certificate chain and the host name is on unless asked otherwise. */
#ifndef GW_TLS_H
#define GW_TLS_H

#include "io.h"

typedef struct gw_tls_opts {
    const char *host;       /* for SNI and the name check; NULL or a literal: no SNI */
    const char *tls_min;    /* "1.2" (default) or "1.3"; "1.0"/"1.1" only for probes */
    const char *tls_max;    /* NULL: highest; used by probes */
    int verify;             /* 1: chain + host name (default); 0: none (spelled out) */
    const char *cafile;
    const char *capath;
} gw_tls_opts;

/* Takes ownership of the TCP io `tcp` (freed on success and failure), runs the
 * handshake before the deadline and returns a TLS io, or NULL with e set
 * (GW_ETLS with the cause: version, verification, OpenSSL's reason; or
 * GW_ETIMEOUT). A version mismatch sets e->code to 70, the TLS
 * protocol_version alert, so a caller can probe older versions to say which
 * one the server speaks. */
gw_io *gw_tls_start(gw_io *tcp, const gw_tls_opts *o, gw_deadline dl, gw_err *e);
/* "TLSv1.3" etc. for a TLS io. */
const char *gw_tls_version(gw_io *io);
const char *gw_tls_cipher(gw_io *io);

#endif
