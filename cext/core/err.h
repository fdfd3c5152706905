/* One error type for the whole C core: a stable kind and a fixed-size message.
 * Functions that can fail return -1 (or NULL) and fill a caller's gw_err. */
#ifndef GW_ERR_H
#define GW_ERR_H

typedef enum gw_kind {
    GW_OK = 0,
    GW_ECONNECT,          /* "connect": resolve or connect failed */
    GW_ETIMEOUT,          /* "timeout": a deadline passed */
    GW_ETLS,              /* "tls": handshake, verification, version */
    GW_ETLS_REQUIRED,     /* "tls_required": STARTTLS needed but not offered */
    GW_EAUTH_UNAVAILABLE, /* "auth_unavailable": no usable mechanism */
    GW_EAUTH_FAILED,      /* "auth_failed": the server refused the credentials */
    GW_ESENDER,           /* "sender_rejected" */
    GW_ERECIPIENT,        /* "recipient_rejected" */
    GW_EDATA,             /* "data_rejected" */
    GW_EPROTOCOL,         /* "protocol": malformed or oversized peer input */
    GW_ECLOSED,           /* "closed": the peer hung up */
    GW_EHTTP_STATUS,      /* "http_status" */
    GW_EBAD_ARGUMENT,     /* "bad_argument": caller input refused (CR/LF, size) */
    GW_ENOMEM,            /* "memory" */
    GW_KIND_COUNT
} gw_kind;

#define GW_ERR_MSG 256

typedef struct gw_err {
    gw_kind kind;
    int code;             /* protocol status (SMTP reply code, HTTP status) or 0 */
    char msg[GW_ERR_MSG];
} gw_err;

void gw_err_clear(gw_err *e);

/* Sets kind and a printf-style message; always returns -1 so callers can
 * write `return gw_err_set(e, GW_EPROTOCOL, "...")`. */
int gw_err_set(gw_err *e, gw_kind kind, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Stable lower-case name of a kind ("connect", "tls", ...), for info.kind. */
const char *gw_kind_name(gw_kind kind);

#endif
