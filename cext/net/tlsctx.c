/* The process's client SSL_CTXs (see tlsctx.h) and the lazy system store. */
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "tlsctx.h"
#include "cabundle.h"
#include "deadline.h"
#include "../core/limits.h"

/* What a file was when it went into an SSL_CTX. */
typedef struct stamp {
    int exists;
    dev_t dev;
    ino_t ino;
    off_t size;
    time_t mtime;
    long mtime_ns;
} stamp;

typedef struct entry {
    SSL_CTX *ctx;               /* the cache's own reference; NULL: a free slot */
    int verify, vmin, vmax;
    char *cafile, *capath;      /* copies, NULL when not given */
    char *cert_dir, *cert_file; /* SSL_CERT_DIR and SSL_CERT_FILE then (system store) */
    stamp file;                 /* cafile, or the system bundle */
    int64_t made_ms, used_ms;
} entry;

static entry cache[GW_TLSCTX_CACHE];
static unsigned long made;
/* Guards cache, made and every lazy_store: Lua states in other threads
 * may share the process. Never held across network I/O. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void stamp_of(const char *path, stamp *s)
{
    struct stat st;
    memset(s, 0, sizeof *s);
    if (!path || stat(path, &st) != 0)
        return;
    s->exists = 1;
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    s->size = st.st_size;
    s->mtime = st.st_mtim.tv_sec;
    s->mtime_ns = st.st_mtim.tv_nsec;
}

static int same_stamp(const stamp *a, const stamp *b)
{
    return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino && a->size == b->size
        && a->mtime == b->mtime && a->mtime_ns == b->mtime_ns;
}

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static char *dup_or_null(const char *s, int *failed)
{
    char *d = s ? malloc(strlen(s) + 1) : NULL;
    if (s && !d)
        *failed = 1;
    return d ? strcpy(d, s) : NULL;
}

static const char *env_or_null(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* ------------------------------------------------------------ system store
 * With neither cafile nor capath: the certificates SSL_CTX_set_default_
 * verify_paths trusts (the hashed directory and the bundle file, from
 * SSL_CERT_DIR and SSL_CERT_FILE or OpenSSL's defaults), loaded the cheap
 * way. That function parses the whole bundle, and OpenSSL 3.0 decodes each
 * certificate's key through its provider decoders (Debian's 150
 * certificates: ~250 M instructions, seven times a whole send), while the
 * hashed directory is read lazily, one certificate per lookup. So: the
 * directory alone; when a chain needs an issuer it lacks (an OpenWrt
 * ca-bundle is a file only), the bundle's certificates whose subject is
 * that issuer, byte for byte (cabundle.c finds them without parsing the
 * others); and when that does not find it either, the whole bundle as
 * before. Nothing that verified before fails now. The state lives with the
 * X509_STORE and dies with it. */
typedef struct lazy_store {
    int bundle_loaded;          /* the whole bundle is in the store */
    int bundle_read;            /* ... was read and indexed into bundle (or could not be) */
    gw_cabundle bundle;
    char path[];                /* the bundle file */
} lazy_store;

static int store_index = -1;
static pthread_once_t store_once = PTHREAD_ONCE_INIT;

static void lazy_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    lazy_store *s = ptr;
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    if (s) {
        gw_cabundle_free(&s->bundle);
        free(s);
    }
}

static void new_store_index(void)
{
    store_index = X509_STORE_get_ex_new_index(0, NULL, NULL, NULL, lazy_free);
}

static const char *bundle_path(void)
{
    const char *p = env_or_null(X509_get_default_cert_file_env());
    return p ? p : X509_get_default_cert_file();
}

static void load_bundle(X509_STORE *st, const lazy_store *s)
{
    X509_LOOKUP *lu = X509_STORE_add_lookup(st, X509_LOOKUP_file());
    if (lu)
        X509_LOOKUP_load_file(lu, s->path, X509_FILETYPE_PEM);
}

static void read_bundle(lazy_store *s)
{
    FILE *f = fopen(s->path, "rb");
    char *pem = f ? malloc(GW_CABUNDLE_BYTES + 1) : NULL;
    size_t n = pem ? fread(pem, 1, GW_CABUNDLE_BYTES + 1, f) : 0;
    s->bundle_read = 1;
    if (pem && n <= GW_CABUNDLE_BYTES && gw_cabundle_index(&s->bundle, pem, n) == 0
        && s->bundle.trusted)
        gw_cabundle_free(&s->bundle);       /* trust settings: OpenSSL reads those */
    free(pem);
    if (f)
        fclose(f);
}

/* Adds to the store the certificates of the bundle whose subject is x's
 * issuer; how many. */
static int from_bundle(lazy_store *s, X509_STORE *st, X509 *x)
{
    const unsigned char *name;
    size_t n, i;
    int added = 0;
    if (!s->bundle_read)
        read_bundle(s);
    if (!X509_NAME_get0_der(X509_get_issuer_name(x), &name, &n))
        return 0;
    for (i = gw_cabundle_find(&s->bundle, 0, name, n); i < s->bundle.n;
         i = gw_cabundle_find(&s->bundle, i + 1, name, n)) {
        const unsigned char *p = (const unsigned char *)s->bundle.der.data + s->bundle.certs[i].off;
        X509 *c = d2i_X509(NULL, &p, (long)s->bundle.certs[i].len);
        added += c && X509_STORE_add_cert(st, c) == 1;
        X509_free(c);
    }
    return added;
}

static int get_issuer(X509 **issuer, X509_STORE_CTX *ctx, X509 *x)
{
    X509_STORE *st = X509_STORE_CTX_get0_store(ctx);
    lazy_store *s = X509_STORE_get_ex_data(st, store_index);
    int rc = X509_STORE_CTX_get1_issuer(issuer, ctx, x);
    if (rc != 0 || !s)
        return rc;
    pthread_mutex_lock(&lock);
    ERR_set_mark();             /* a missing or broken bundle is not an error of the handshake */
    if (!s->bundle_loaded && from_bundle(s, st, x) > 0)
        rc = X509_STORE_CTX_get1_issuer(issuer, ctx, x);
    if (rc == 0 && !s->bundle_loaded) {
        s->bundle_loaded = 1;   /* not found by subject: the whole bundle, as before */
        load_bundle(st, s);
        rc = X509_STORE_CTX_get1_issuer(issuer, ctx, x);
    }
    ERR_pop_to_mark();
    pthread_mutex_unlock(&lock);
    return rc;
}

static int system_store(SSL_CTX *ctx, const char *bundle)
{
    X509_STORE *st = SSL_CTX_get_cert_store(ctx);
    X509_LOOKUP *dir;
    lazy_store *s;
    pthread_once(&store_once, new_store_index);
    if (store_index < 0 || !st || !(s = calloc(1, sizeof *s + strlen(bundle) + 1)))
        return SSL_CTX_set_default_verify_paths(ctx);
    strcpy(s->path, bundle);
    if (!X509_STORE_set_ex_data(st, store_index, s)) {
        free(s);
        return SSL_CTX_set_default_verify_paths(ctx);
    }
    if (!(dir = X509_STORE_add_lookup(st, X509_LOOKUP_hash_dir())))
        return SSL_CTX_set_default_verify_paths(ctx);
    X509_LOOKUP_add_dir(dir, NULL, X509_FILETYPE_DEFAULT);
    X509_STORE_set_get_issuer(st, get_issuer);
    ERR_clear_error();
    return 1;
}

/* ------------------------------------------------------------------ cache */
static SSL_CTX *new_ctx(const gw_tlsctx_key *k, const char *bundle, gw_err *e)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    const char *reason;
    if (!ctx) {
        reason = ERR_reason_error_string(ERR_peek_last_error());
        gw_err_set(e, GW_ETLS, "tls: setup failed: %s", reason ? reason : "?");
        ERR_clear_error();
        return NULL;
    }
    pthread_mutex_lock(&lock);
    made++;
    pthread_mutex_unlock(&lock);
    SSL_CTX_set_min_proto_version(ctx, k->vmin);
    if (k->vmax)
        SSL_CTX_set_max_proto_version(ctx, k->vmax);
    if (k->vmin < TLS1_2_VERSION)
        SSL_CTX_set_security_level(ctx, 0);     /* probes of old servers only */
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (!k->verify)
        return ctx;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (k->cafile || k->capath) {
        if (SSL_CTX_load_verify_locations(ctx, k->cafile, k->capath) != 1) {
            gw_err_set(e, GW_ETLS, "tls: cannot load CA certificates from %s",
                       k->cafile ? k->cafile : k->capath);
            SSL_CTX_free(ctx);
            ERR_clear_error();
            return NULL;
        }
    } else if (system_store(ctx, bundle) != 1) {
        gw_err_set(e, GW_ETLS, "tls: cannot load the system CA certificates");
        SSL_CTX_free(ctx);
        ERR_clear_error();
        return NULL;
    }
    return ctx;
}

static void drop(entry *c)
{
    if (c->ctx)
        SSL_CTX_free(c->ctx);
    free(c->cafile);
    free(c->capath);
    free(c->cert_dir);
    free(c->cert_file);
    memset(c, 0, sizeof *c);
}

static int matches(const entry *c, const gw_tlsctx_key *k, const char *cert_dir,
                   const char *cert_file, const stamp *file)
{
    return c->ctx && c->verify == k->verify && c->vmin == k->vmin && c->vmax == k->vmax
        && same_str(c->cafile, k->cafile) && same_str(c->capath, k->capath)
        && same_str(c->cert_dir, cert_dir) && same_str(c->cert_file, cert_file)
        && same_stamp(&c->file, file);
}

/* Keeps a reference to ctx in a free or the least recently used slot. */
static void keep(SSL_CTX *ctx, const gw_tlsctx_key *k, const char *cert_dir,
                 const char *cert_file, const stamp *file, int64_t now)
{
    entry *slot = &cache[0];
    int i, failed = 0;
    for (i = 0; i < GW_TLSCTX_CACHE; i++) {
        if (!cache[i].ctx) {
            slot = &cache[i];
            break;
        }
        if (cache[i].used_ms < slot->used_ms)
            slot = &cache[i];
    }
    drop(slot);
    slot->verify = k->verify;
    slot->vmin = k->vmin;
    slot->vmax = k->vmax;
    slot->cafile = dup_or_null(k->cafile, &failed);
    slot->capath = dup_or_null(k->capath, &failed);
    slot->cert_dir = dup_or_null(cert_dir, &failed);
    slot->cert_file = dup_or_null(cert_file, &failed);
    slot->file = *file;
    slot->made_ms = slot->used_ms = now;
    if (failed || !SSL_CTX_up_ref(ctx))
        drop(slot);                 /* not kept: the next connection makes its own */
    else
        slot->ctx = ctx;
}

SSL_CTX *gw_tlsctx_get(const gw_tlsctx_key *k, gw_err *e)
{
    int system = k->verify && !k->cafile && !k->capath;
    const char *cert_dir = system ? env_or_null(X509_get_default_cert_dir_env()) : NULL;
    const char *cert_file = system ? env_or_null(X509_get_default_cert_file_env()) : NULL;
    const char *bundle = system ? bundle_path() : NULL;
    int64_t now = gw_now_ms();
    SSL_CTX *ctx = NULL;
    stamp file;
    int i;
    stamp_of(system ? bundle : k->verify ? k->cafile : NULL, &file);
    pthread_mutex_lock(&lock);
    for (i = 0; i < GW_TLSCTX_CACHE && !ctx; i++) {
        entry *c = &cache[i];
        if (!matches(c, k, cert_dir, cert_file, &file))
            continue;
        if (now - c->made_ms >= GW_TLSCTX_MAX_AGE_MS || !SSL_CTX_up_ref(c->ctx)) {
            drop(c);
            continue;
        }
        c->used_ms = now;
        ctx = c->ctx;
    }
    pthread_mutex_unlock(&lock);
    if (ctx)
        return ctx;
    /* Made outside the lock: it is the slow part. */
    ctx = new_ctx(k, bundle, e);
    if (ctx) {
        pthread_mutex_lock(&lock);
        keep(ctx, k, cert_dir, cert_file, &file, now);
        pthread_mutex_unlock(&lock);
    }
    return ctx;
}

unsigned long gw_tlsctx_made(void)
{
    unsigned long n;
    pthread_mutex_lock(&lock);
    n = made;
    pthread_mutex_unlock(&lock);
    return n;
}
