/* The few primitives gwkit needs, over OpenSSL's EVP interface.
 * Digest names are OpenSSL's: "MD5", "SHA1", "SHA256", "SHA512-256". */
#ifndef GW_CRYPTO_H
#define GW_CRYPTO_H

#include <stddef.h>

#define GW_MD_MAX 64

/* Once per process, before any other OpenSSL call: OpenSSL without its exit
 * handler (see crypto.c). */
void gw_crypto_init(void);

/* out must hold GW_MD_MAX bytes; *outlen gets the digest size. 0 or -1. */
int gw_digest(const char *md, const void *data, size_t n,
              unsigned char *out, unsigned *outlen);
int gw_hmac(const char *md, const void *key, size_t keylen,
            const void *msg, size_t msglen, unsigned char *out, unsigned *outlen);
int gw_pbkdf2(const char *md, const void *pass, size_t passlen,
              const void *salt, size_t saltlen, unsigned iter,
              unsigned char *out, size_t outlen);
/* Cryptographically random bytes. 0 or -1. */
int gw_random(void *out, size_t n);
/* Wipes memory in a way the compiler cannot drop. */
void gw_wipe(void *p, size_t n);
/* 1 when equal, in time independent of the contents. */
int gw_memeq(const void *a, const void *b, size_t n);
/* Lower-case hex of in[0..n) into out (2n+1 bytes, NUL-terminated). */
void gw_hex(const unsigned char *in, size_t n, char *out);
/* The value of one hex digit (either case), or -1. */
int gw_hex_digit(char c);

#endif
