/* TLS transport over a connected TCP socket (OpenSSL 1.1.1 / 3.x).
 * Verification is on by default: chain against the system store (or
 * cafile/capath) and the host name or IP address via OpenSSL's own matcher.
 * The SSL_CTX, with its CA store, comes from tlsctx.c and is shared by the
 * process's connections with the same options.
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
#include "tlsctx.h"
#include "../core/limits.h"

typedef struct tls_io {
    gw_io base;
    int fd;
    SSL_CTX *ctx;           /* a reference to the process's (tlsctx.c) */
    SSL *ssl;
    int hello_version;      /* ServerHello legacy_version, 0 until seen */
    int alert;              /* last fatal alert received, -1 if none */
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
    gw_tlsctx_key key;
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
    key.verify = o->verify;
    key.vmin = vmin;
    key.vmax = vmax;
    key.cafile = o->cafile;
    key.capath = o->capath;
    t->ctx = gw_tlsctx_get(&key, e);
    if (!t->ctx)
        goto fail;
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
