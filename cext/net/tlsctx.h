/* Client SSL_CTXs kept for the process, one per set of TLS options. OpenSSL
 * 3.0 spends about 12 M instructions making one (its algorithm tables, then
 * the CA file): twice the handshake that uses it. A daemon that mails each
 * alert over a new connection paid that every time; now only the first
 * connection does. An SSL_CTX is made again when its CA file (or the system
 * bundle) changed on disk, when SSL_CERT_DIR or SSL_CERT_FILE changed, and
 * after GW_TLSCTX_MAX_AGE_MS. Client session caching stays off (OpenSSL's
 * default for clients), so nothing of one connection reaches the next. */
#ifndef GW_TLSCTX_H
#define GW_TLSCTX_H

#include <openssl/ssl.h>
#include "../core/err.h"

typedef struct gw_tlsctx_key {
    int verify;                 /* 1: chain (the host name is checked per connection) */
    int vmin, vmax;             /* TLS1_2_VERSION etc.; vmax 0: highest */
    const char *cafile;         /* both NULL: the system store, read lazily */
    const char *capath;
} gw_tlsctx_key;

/* A client SSL_CTX for k: a reference of the caller's own (SSL_CTX_free
 * it), or NULL with e set. */
SSL_CTX *gw_tlsctx_get(const gw_tlsctx_key *k, gw_err *e);
/* How many SSL_CTX this process has made so far (tests, the bench). */
unsigned long gw_tlsctx_made(void);

#endif
