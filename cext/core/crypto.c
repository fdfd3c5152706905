/* Hashes, HMAC, PBKDF2 and randomness over OpenSSL 1.1/3.x EVP. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "crypto.h"

/* OpenSSL frees its tables from an exit handler: 1.4 M instructions (of
 * about 37 M) in a process that sends one message, for memory the exit
 * returns anyway. Only the first init call of a process decides, so this
 * runs when the Lua module opens, before any OpenSSL use. Memory checkers
 * see the tables as still reachable, not lost. */
void gw_crypto_init(void)
{
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
}

int gw_digest(const char *md, const void *data, size_t n,
              unsigned char *out, unsigned *outlen)
{
    const EVP_MD *m = EVP_get_digestbyname(md);
    if (!m)
        return -1;
    return EVP_Digest(data, n, out, outlen, m, NULL) == 1 ? 0 : -1;
}

int gw_hmac(const char *md, const void *key, size_t keylen,
            const void *msg, size_t msglen, unsigned char *out, unsigned *outlen)
{
    const EVP_MD *m = EVP_get_digestbyname(md);
    if (!m || keylen > 0x7fffffff)
        return -1;
    return HMAC(m, key, (int)keylen, msg, msglen, out, outlen) ? 0 : -1;
}

int gw_pbkdf2(const char *md, const void *pass, size_t passlen,
              const void *salt, size_t saltlen, unsigned iter,
              unsigned char *out, size_t outlen)
{
    const EVP_MD *m = EVP_get_digestbyname(md);
    if (!m || passlen > 0x7fffffff || saltlen > 0x7fffffff || outlen > 0x7fffffff
        || iter == 0 || iter > 0x7fffffff)
        return -1;
    return PKCS5_PBKDF2_HMAC(pass, (int)passlen, salt, (int)saltlen, (int)iter,
                             m, (int)outlen, out) == 1 ? 0 : -1;
}

int gw_random(void *out, size_t n)
{
    if (n > 0x7fffffff)
        return -1;
    return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}

void gw_wipe(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}

int gw_memeq(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

void gw_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int gw_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
