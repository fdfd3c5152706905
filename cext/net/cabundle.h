/* The certificates of a PEM bundle (RFC 7468) indexed by subject without
 * parsing them: PEM blocks decoded, each DER certificate (RFC 5280 4.1)
 * walked down to its subject Name. tls.c takes from a bundle only the
 * certificates whose subject is the issuer a chain asks for, instead of
 * making OpenSSL parse all of them. Pure: bytes in, offsets out. */
#ifndef GW_CABUNDLE_H
#define GW_CABUNDLE_H

#include <stddef.h>
#include "../core/buf.h"

typedef struct gw_cabundle_cert {
    size_t off, len;            /* the certificate in der */
    size_t subject, subject_len;/* its subject Name (tag and length included) in der */
} gw_cabundle_cert;

typedef struct gw_cabundle {
    gw_buf der;                 /* the decoded certificates, one after another */
    gw_cabundle_cert *certs;
    size_t n;
    int trusted;                /* the bundle has "TRUSTED CERTIFICATE" blocks (OpenSSL's
                                   trust settings): not indexed, the caller loads it whole */
} gw_cabundle;

/* Indexes pem[0..len): every "-----BEGIN CERTIFICATE-----" block whose body
 * is base64 (whitespace between characters allowed) of a DER certificate
 * with a readable subject; other blocks, text between blocks and broken
 * blocks are skipped. At most GW_CABUNDLE_CERTS certificates. 0, or -1 when
 * out of memory (b is then empty). gw_cabundle_free in either case. */
int gw_cabundle_index(gw_cabundle *b, const char *pem, size_t len);
/* Index of the next certificate from `from` on whose subject Name is byte
 * for byte name[0..n) (DER, tag and length included), or b->n if none. */
size_t gw_cabundle_find(const gw_cabundle *b, size_t from, const unsigned char *name, size_t n);
void gw_cabundle_free(gw_cabundle *b);

#endif
