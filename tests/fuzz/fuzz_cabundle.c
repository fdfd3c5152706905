/* libFuzzer: gw_cabundle_index and gw_cabundle_find (cext/net/cabundle.c),
 * the PEM bundle indexed by subject without OpenSSL. Checked: no crash, no
 * leak; every certificate and subject found lies inside the decoded DER,
 * each subject inside its certificate and starting with a SEQUENCE tag; a
 * certificate is found again by its own subject. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "net/cabundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gw_cabundle b;
    size_t i;
    if (gw_cabundle_index(&b, (const char *)data, size) == 0) {
        for (i = 0; i < b.n; i++) {
            const gw_cabundle_cert *c = &b.certs[i];
            MUST(c->len > 0 && c->off + c->len <= b.der.len);
            MUST(c->subject >= c->off && c->subject + c->subject_len <= c->off + c->len);
            MUST((unsigned char)b.der.data[c->subject] == 0x30);
            MUST(gw_cabundle_find(&b, 0, (const unsigned char *)b.der.data + c->subject,
                                  c->subject_len) <= i);
        }
        MUST(gw_cabundle_find(&b, 0, (const unsigned char *)"", 0) == b.n);
    }
    gw_cabundle_free(&b);
    return 0;
}
