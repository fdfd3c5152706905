/* TLS transport over a connected TCP socket (OpenSSL 1.1.1 / 3.x).
 * Verification is on by default: chain against the system store (or
 * cafile/capath) and the host name or IP address via OpenSSL's own matcher.
 * The handshake watches the ServerHello and alerts so that a version
 * mismatch is reported as such, not as OpenSSL's generic reason. */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tls.h"
#include "tcp.h"
#include "sock.h"
#include "cabundle.h"
#include "../core/limits.h"

typedef struct tls_io {
    gw_io base;
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    int hello_version;      /* ServerHello legacy_version, 0 until seen */
    int alert;              /* last fatal alert received, -1 if none */
    int bundle_loaded;      /* the default CA file is in the store (see system_store) */
    int bundle_read;        /* ... was read and indexed into bundle (or could not be) */
    gw_cabundle bundle;
} tls_io;

static int version_of(const char *s, int def)
{
    if (!s) return def;
    if (strcmp(s, "1.0") == 0) return TLS1_VERSION;
    if (strcmp(s, "1.1") == 0) return TLS1_1_VERSION;
    if (strcmp(s, "1.2") == 0) return TLS1_2_VERSION;
    if (strcmp(s, "1.3") == 0) return TLS1_3_VERSION;
    return -1;
}

static const char *version_name(int v)
{
    switch (v) {
    case SSL3_VERSION: return "SSL 3.0";
    case TLS1_VERSION: return "TLS 1.0";
    case TLS1_1_VERSION: return "TLS 1.1";
    case TLS1_2_VERSION: return "TLS 1.2";
    case TLS1_3_VERSION: return "TLS 1.3";
    default: return "an unknown version";
    }
}

/* Sees every handshake message and alert: remembers the version the server
 * chose in its ServerHello and the alerts it sent. */
static void on_message(int write_p, int version, int content_type, const void *buf,
                       size_t len, SSL *ssl, void *arg)
{
    tls_io *t = arg;
    const unsigned char *p = buf;
    (void)version;
    (void)ssl;
    if (write_p)
        return;
    if (content_type == SSL3_RT_HANDSHAKE && len >= 6 && p[0] == SSL3_MT_SERVER_HELLO)
        t->hello_version = p[4] << 8 | p[5];
    else if (content_type == SSL3_RT_ALERT && len >= 2 && p[0] == SSL3_AL_FATAL)
        t->alert = p[1];
}

static long tls_fail(tls_io *t, int rc, const char *stage, gw_err *e)
{
    int err = SSL_get_error(t->ssl, rc);
    unsigned long code = ERR_peek_last_error();
    const char *reason = code ? ERR_reason_error_string(code) : NULL;
    if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && code == 0))
        gw_err_set(e, GW_ECLOSED, "tls: connection closed by the server during %s", stage);
    else
        gw_err_set(e, GW_ETLS, "tls: %s failed: %s", stage, reason ? reason : "unknown error");
    ERR_clear_error();
    return -1;
}

/* Runs one SSL call until it completes, polling on WANT_READ/WANT_WRITE. */
#define TLS_LOOP(t, call, what, dl, e, on_error)                              \
    for (;;) {                                                              \
        int rc_ = (call), err_;                                             \
        if (rc_ > 0) return rc_;                                            \
        err_ = SSL_get_error((t)->ssl, rc_);                                \
        if (err_ == SSL_ERROR_WANT_READ || err_ == SSL_ERROR_WANT_WRITE) {  \
            if (gw_sock_wait((t)->fd, err_ == SSL_ERROR_WANT_WRITE, dl, what, e) != 0) \
                return -1;                                                  \
            continue;                                                       \
        }                                                                   \
        on_error;                                                           \
    }

static long tls_send(gw_io *io, const void *p, size_t n, gw_deadline dl, gw_err *e)
{
    tls_io *t = (tls_io *)io;
    int chunk = n > 0x40000000 ? 0x40000000 : (int)n;
    ERR_clear_error();
    TLS_LOOP(t, SSL_write(t->ssl, p, chunk), "sending to the server", dl, e,
             return tls_fail(t, rc_, "write", e))
}

static long tls_recv(gw_io *io, void *p, size_t n, gw_deadline dl, gw_err *e)
{
    tls_io *t = (tls_io *)io;
    int chunk = n > 0x40000000 ? 0x40000000 : (int)n;
    ERR_clear_error();
    TLS_LOOP(t, SSL_read(t->ssl, p, chunk), "waiting for the server", dl, e,
             if (err_ == SSL_ERROR_ZERO_RETURN) return 0;
             return tls_fail(t, rc_, "read", e))
}

static void tls_close(gw_io *io)
{
    tls_io *t = (tls_io *)io;
    if (t->ssl) {
        /* One non-blocking close_notify; never wait for the peer's. */
        if (SSL_is_init_finished(t->ssl))
            SSL_shutdown(t->ssl);
        SSL_free(t->ssl);
    }
    if (t->ctx)
        SSL_CTX_free(t->ctx);
    gw_cabundle_free(&t->bundle);
    if (t->fd >= 0)
        close(t->fd);
    ERR_clear_error();
    free(t);
}

static const gw_io_ops tls_ops = { tls_send, tls_recv, tls_close };

static int handshake(tls_io *t, gw_deadline dl, gw_err *e)
{
    ERR_clear_error();
    TLS_LOOP(t, SSL_connect(t->ssl), "TLS handshake", dl, e, return -1)
}

static int is_ip_literal(const char *h)
{
    return strchr(h, ':') != NULL || strspn(h, "0123456789.") == strlen(h);
}

/* The system CA store when neither cafile nor capath is given: the same
 * certificates SSL_CTX_set_default_verify_paths trusts (the hashed
 * directory and the bundle file, from SSL_CERT_DIR and SSL_CERT_FILE or
 * OpenSSL's defaults), loaded the cheap way. That function parses the whole
 * bundle on every connection, and OpenSSL 3.0 decodes each certificate's
 * key through its provider decoders (Debian's 150 certificates: ~250 M
 * instructions, seven times a whole send), while the hashed directory is
 * read lazily, one certificate per lookup. So: the directory alone; when a
 * chain needs an issuer it lacks (an OpenWrt ca-bundle is a file only),
 * the bundle's certificates whose subject is that issuer, byte for byte
 * (cabundle.c finds them without parsing the others); and when that does
 * not find it either, the whole bundle as before. Nothing that verified
 * before fails now. */
static int store_index = -1;

static void load_bundle(X509_STORE *st)
{
    X509_LOOKUP *lu = X509_STORE_add_lookup(st, X509_LOOKUP_file());
    if (lu)
        X509_LOOKUP_load_file(lu, NULL, X509_FILETYPE_DEFAULT);
}

static void read_bundle(tls_io *t)
{
    const char *path = getenv(X509_get_default_cert_file_env());
    FILE *f = fopen(path && *path ? path : X509_get_default_cert_file(), "rb");
    char *pem = f ? malloc(GW_CABUNDLE_BYTES + 1) : NULL;
    size_t n = pem ? fread(pem, 1, GW_CABUNDLE_BYTES + 1, f) : 0;
    t->bundle_read = 1;
    if (pem && n <= GW_CABUNDLE_BYTES && gw_cabundle_index(&t->bundle, pem, n) == 0
        && t->bundle.trusted)
        gw_cabundle_free(&t->bundle);       /* trust settings: OpenSSL reads those */
    free(pem);
    if (f)
        fclose(f);
}

/* Adds to the store the certificates of the bundle whose subject is x's
 * issuer; how many. */
static int from_bundle(tls_io *t, X509_STORE *st, X509 *x)
{
    const unsigned char *name;
    size_t n, i;
    int added = 0;
    if (!t->bundle_read)
        read_bundle(t);
    if (!X509_NAME_get0_der(X509_get_issuer_name(x), &name, &n))
        return 0;
    for (i = gw_cabundle_find(&t->bundle, 0, name, n); i < t->bundle.n;
         i = gw_cabundle_find(&t->bundle, i + 1, name, n)) {
        const unsigned char *p = (const unsigned char *)t->bundle.der.data + t->bundle.certs[i].off;
        X509 *c = d2i_X509(NULL, &p, (long)t->bundle.certs[i].len);
        added += c && X509_STORE_add_cert(st, c) == 1;
        X509_free(c);
    }
    return added;
}

static int get_issuer(X509 **issuer, X509_STORE_CTX *ctx, X509 *x)
{
    X509_STORE *st = X509_STORE_CTX_get0_store(ctx);
    tls_io *t = X509_STORE_get_ex_data(st, store_index);
    int rc = X509_STORE_CTX_get1_issuer(issuer, ctx, x);
    if (rc != 0 || !t || t->bundle_loaded)
        return rc;
    ERR_set_mark();             /* a missing or broken bundle is not an error of the handshake */
    if (from_bundle(t, st, x) > 0 && (rc = X509_STORE_CTX_get1_issuer(issuer, ctx, x)) != 0) {
        ERR_pop_to_mark();
        return rc;
    }
    t->bundle_loaded = 1;
    load_bundle(st);
    ERR_pop_to_mark();
    return X509_STORE_CTX_get1_issuer(issuer, ctx, x);
}

static int system_store(tls_io *t)
{
    X509_STORE *st = SSL_CTX_get_cert_store(t->ctx);
    X509_LOOKUP *dir;
    if (store_index < 0)
        store_index = X509_STORE_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    if (store_index < 0 || !st || !X509_STORE_set_ex_data(st, store_index, t)
        || !(dir = X509_STORE_add_lookup(st, X509_LOOKUP_hash_dir())))
        return SSL_CTX_set_default_verify_paths(t->ctx);
    X509_LOOKUP_add_dir(dir, NULL, X509_FILETYPE_DEFAULT);
    X509_STORE_set_get_issuer(st, get_issuer);
    ERR_clear_error();
    return 1;
}

/* Explains a failed handshake: version, certificate, or OpenSSL's reason. */
static void explain(tls_io *t, const gw_tls_opts *o, int vmin, int vmax, gw_err *e)
{
    long vr = SSL_get_verify_result(t->ssl);
    unsigned long code = ERR_peek_last_error();
    const char *reason = code ? ERR_reason_error_string(code) : NULL;
    if (e->kind == GW_ETIMEOUT)
        return;
    if (t->hello_version && t->hello_version < vmin)
        gw_err_set(e, GW_ETLS, "tls: server offers only %s (gwkit requires TLS >= %s)",
                   version_name(t->hello_version), o->tls_min ? o->tls_min : "1.2");
    else if (t->alert == SSL_AD_PROTOCOL_VERSION && vmax && vmax < TLS1_3_VERSION)
        gw_err_set(e, GW_ETLS, "tls: server requires TLS >= %s",
                   vmax == TLS1_VERSION ? "1.1" : vmax == TLS1_1_VERSION ? "1.2" : "1.3");
    else if (t->alert == SSL_AD_PROTOCOL_VERSION)
        gw_err_set(e, GW_ETLS, "tls: server refused every TLS version offered (%s to %s)",
                   version_name(vmin), version_name(vmax ? vmax : TLS1_3_VERSION));
    if (t->alert == SSL_AD_PROTOCOL_VERSION || (t->hello_version && t->hello_version < vmin))
        e->code = SSL_AD_PROTOCOL_VERSION;  /* tells callers a version probe may say more */
    else if (vr != X509_V_OK && o->verify)
        gw_err_set(e, GW_ETLS, "tls: certificate of %s not trusted: %s",
                   o->host ? o->host : "the server", X509_verify_cert_error_string(vr));
    else if (t->alert >= 0)
        gw_err_set(e, GW_ETLS, "tls: handshake failed: server sent alert \"%s\"%s%s",
                   SSL_alert_desc_string_long(t->alert), reason ? "; " : "", reason ? reason : "");
    else if (reason)
        gw_err_set(e, GW_ETLS, "tls: handshake failed: %s", reason);
    else if (e->kind == GW_OK || e->kind == GW_ETLS)
        gw_err_set(e, GW_ECLOSED, "tls: connection closed by the server during the handshake");
    ERR_clear_error();
}

gw_io *gw_tls_start(gw_io *tcp, const gw_tls_opts *o, gw_deadline dl, gw_err *e)
{
    int vmin = version_of(o->tls_min, TLS1_2_VERSION), vmax = version_of(o->tls_max, 0);
    tls_io *t;
    int fd;
    if (vmin < 0 || vmax < 0) {
        tcp->ops->close(tcp);
        return gw_err_set(e, GW_EBAD_ARGUMENT, "tls: bad TLS version \"%s\" (\"1.2\" or \"1.3\")",
                          vmin < 0 ? o->tls_min : o->tls_max), NULL;
    }
    t = calloc(1, sizeof *t);
    if (!t) {
        tcp->ops->close(tcp);
        return gw_err_set(e, GW_ENOMEM, "tls: out of memory"), NULL;
    }
    t->base.ops = &tls_ops;
    t->alert = -1;
    fd = gw_tcp_release(tcp);
    if (fd < 0) {                   /* not a TCP io (an in-memory transcript) */
        tcp->ops->close(tcp);
        free(t);
        return gw_err_set(e, GW_ETLS, "tls: the transport is not a TCP connection"), NULL;
    }
    t->fd = fd;
    gw_err_clear(e);
    ERR_clear_error();
    t->ctx = SSL_CTX_new(TLS_client_method());
    if (!t->ctx)
        goto fail_openssl;
    SSL_CTX_set_min_proto_version(t->ctx, vmin);
    if (vmax)
        SSL_CTX_set_max_proto_version(t->ctx, vmax);
    if (vmin < TLS1_2_VERSION)
        SSL_CTX_set_security_level(t->ctx, 0);   /* probes of old servers only */
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_CTX_set_options(t->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    SSL_CTX_set_options(t->ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (o->verify) {
        SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
        if (o->cafile || o->capath) {
            if (SSL_CTX_load_verify_locations(t->ctx, o->cafile, o->capath) != 1) {
                gw_err_set(e, GW_ETLS, "tls: cannot load CA certificates from %s",
                           o->cafile ? o->cafile : o->capath);
                goto fail;
            }
        } else if (system_store(t) != 1) {
            gw_err_set(e, GW_ETLS, "tls: cannot load the system CA certificates");
            goto fail;
        }
    }
    t->ssl = SSL_new(t->ctx);
    if (!t->ssl || SSL_set_fd(t->ssl, fd) != 1)
        goto fail_openssl;
    SSL_set_msg_callback(t->ssl, on_message);
    SSL_set_msg_callback_arg(t->ssl, t);
    if (o->host) {
        char lit[GW_HOST_MAX + 1];
        const char *h = o->host + (o->host[0] == '[');
        size_t n = strcspn(h, "%]");        /* no brackets, and a zone id is not part of it */
        snprintf(lit, sizeof lit, "%.*s", (int)n, h);
        /* SNI for names only (RFC 6066 3); the macro wants a non-const char *. */
        if (!is_ip_literal(lit))
            SSL_set_tlsext_host_name(t->ssl, lit);
        if (o->verify && (is_ip_literal(lit)
                ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), lit) != 1
                : SSL_set1_host(t->ssl, lit) != 1)) {
            gw_err_set(e, GW_ETLS, "tls: cannot check the server name \"%s\"", lit);
            goto fail;
        }
    }
    if (handshake(t, dl, e) < 0) {
        explain(t, o, vmin, vmax, e);
        goto fail;
    }
    return &t->base;
fail_openssl:
    gw_err_set(e, GW_ETLS, "tls: setup failed: %s",
               ERR_reason_error_string(ERR_peek_last_error()) ? ERR_reason_error_string(ERR_peek_last_error()) : "?");
fail:
    if (t->ssl) {
        SSL_free(t->ssl);
        t->ssl = NULL;
    }
    tls_close(&t->base);
    return NULL;
}

const char *gw_tls_version(gw_io *io)
{
    return io->ops == &tls_ops ? SSL_get_version(((tls_io *)io)->ssl) : NULL;
}

const char *gw_tls_cipher(gw_io *io)
{
    return io->ops == &tls_ops ? SSL_get_cipher_name(((tls_io *)io)->ssl) : NULL;
}
