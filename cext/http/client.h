/* One HTTP/1.1 connection (plain or TLS) and the exchange of one request
 * and response on it, every step under the connection's timeout. The policy
 * (authentication, cookies, redirects, reuse) belongs to the caller. */
#ifndef GW_HTTP_CLIENT_H
#define GW_HTTP_CLIENT_H

#include "net/io.h"
#include "net/reader.h"
#include "net/tls.h"
#include "request.h"
#include "head.h"

typedef void (*http_trace_fn)(void *ud, int dir, const char *line, size_t len);

typedef struct http_conn_opts {
    const char *host;
    unsigned port;
    int family;                     /* GW_FAMILY_* */
    int tls;                        /* 1: https */
    gw_tls_opts tlso;               /* tlso.host defaults to host */
    double timeout;                 /* seconds for each step */
} http_conn_opts;

typedef struct http_conn {
    gw_io *io;
    gw_reader rd;
    http_head head;                 /* the last response's head */
    int broken;                     /* not usable for another request */
    double timeout;
    http_trace_fn trace;
    void *trace_ud;
    char line[GW_HTTP_LINE_MAX + 1];
} http_conn;

/* What to do with a response body. */
typedef struct http_body_sink {
    gw_buf *buf;                    /* in memory (its cap is max_body), or */
    int fd;                         /* >= 0: written to this file */
    unsigned long long max;         /* bound for the file case */
    unsigned long long written;     /* bytes of body received */
} http_body_sink;

void http_conn_init(http_conn *c, http_trace_fn trace, void *ud);
/* Connects (and handshakes for https). 0 or -1 (GW_ECONNECT, GW_ETIMEOUT,
 * GW_ETLS, GW_EBAD_ARGUMENT). */
int http_conn_open(http_conn *c, const http_conn_opts *o, gw_err *e);
/* Over a caller's io (transcript tests); takes ownership. */
void http_conn_attach(http_conn *c, gw_io *io, double timeout);
/* Sends the request, reads the response head (skipping 1xx) into c->head
 * and the body into the sink. head_request: the method was HEAD. On a
 * response that cannot be followed by another, c->broken is set. 0 or -1
 * with e set (GW_ECLOSED, GW_ETIMEOUT, GW_EPROTOCOL, GW_EBAD_ARGUMENT). */
int http_conn_exchange(http_conn *c, const http_request *r, int head_request,
                       http_body_sink *sink, gw_err *e);
void http_conn_close(http_conn *c);

#endif
