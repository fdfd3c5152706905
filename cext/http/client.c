/* The HTTP/1.1 exchange over one connection: RFC 9112 sections 3-7. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "client.h"
#include "chunked.h"
#include "net/tcp.h"

void http_conn_init(http_conn *c, http_trace_fn trace, void *ud)
{
    memset(c, 0, sizeof *c);
    http_head_init(&c->head);
    c->trace = trace;
    c->trace_ud = ud;
    c->timeout = 30;
    c->broken = 1;
}

void http_conn_attach(http_conn *c, gw_io *io, double timeout)
{
    c->io = io;
    c->timeout = timeout > 0 ? timeout : 30;
    c->broken = 0;
    gw_reader_init(&c->rd, io);
}

int http_conn_open(http_conn *c, const http_conn_opts *o, gw_err *e)
{
    gw_io *io;
    gw_err_clear(e);
    c->timeout = o->timeout > 0 ? o->timeout : 30;
    io = gw_tcp_connect(o->host, o->port, o->family, gw_deadline_in(c->timeout), e);
    if (!io)
        return -1;
    if (o->tls) {
        gw_tls_opts t = o->tlso;
        if (!t.host)
            t.host = o->host;
        io = gw_tls_start(io, &t, gw_deadline_in(c->timeout), e);
        if (!io)
            return -1;
    }
    http_conn_attach(c, io, c->timeout);
    return 0;
}

static void trace(http_conn *c, int dir, const char *s, size_t n)
{
    if (c->trace)
        c->trace(c->trace_ud, dir, s, n);
}

static int fail(http_conn *c)
{
    c->broken = 1;
    return -1;
}

/* Traces the request head line by line; Authorization values are hidden
 * (they are replayable: Basic is the password itself). */
static void trace_request(http_conn *c, const http_request *r)
{
    int i;
    char line[1024];
    size_t n;
    if (!c->trace)
        return;
    n = (size_t)snprintf(line, sizeof line, "%s %s HTTP/1.1", r->method, r->target);
    trace(c, 'C', line, n < sizeof line ? n : sizeof line - 1);
    for (i = 0; i < r->nfields; i++) {
        int secret = strcasecmp(r->names[i], "authorization") == 0
                  || strcasecmp(r->names[i], "cookie") == 0;
        const char *v = r->values[i], *resp;
        n = (size_t)snprintf(line, sizeof line, "%s: %s", r->names[i],
                             secret ? "<redacted>" : v);
        /* A Digest answer is worth seeing (algorithm, qop, nc) but for its
         * response digest; Basic is the password itself and stays hidden. */
        if (secret && strncmp(v, "Digest ", 7) == 0 && (resp = strstr(v, "response=\"")) != NULL) {
            const char *end = strchr(resp + 10, '"');
            n = (size_t)snprintf(line, sizeof line, "%s: %.*sresponse=\"<redacted>\"%s",
                                 r->names[i], (int)(resp - v), v, end ? end + 1 : "");
        }
        trace(c, 'C', line, n < sizeof line ? n : sizeof line - 1);
    }
}

static int read_head(http_conn *c, gw_err *e)
{
    gw_deadline dl = gw_deadline_in(c->timeout);
    for (;;) {
        int rc;
        http_head_reset(&c->head);
        do {
            long n = gw_reader_line(&c->rd, c->line, sizeof c->line, dl, e);
            if (n < 0) {
                if (e->kind == GW_ETIMEOUT)
                    gw_err_set(e, GW_ETIMEOUT, "http: no response within %g s", c->timeout);
                else if (e->kind == GW_EPROTOCOL)
                    gw_err_set(e, GW_EPROTOCOL, "http: response line longer than %d bytes",
                               GW_HTTP_LINE_MAX);
                else if (e->kind == GW_ECLOSED)
                    gw_err_set(e, GW_ECLOSED, "http: the server closed the connection %s",
                               c->head.status ? "in the middle of the response head"
                                              : "without a response");
                return fail(c);
            }
            trace(c, 'S', c->line, (size_t)n);
            rc = http_head_feed(&c->head, c->line, (size_t)n, e);
            if (rc < 0)
                return fail(c);
        } while (rc == 0);
        /* 1xx responses (100 Continue, 103 Early Hints) precede the real one. */
        if (c->head.status >= 200 || c->head.status == 101)
            return 0;
    }
}

static int sink_put(http_body_sink *s, const char *p, size_t n, gw_err *e)
{
    if (s->fd >= 0) {
        if (n > s->max - s->written)
            return gw_err_set(e, GW_EPROTOCOL, "http: body larger than %llu bytes", s->max);
        while (n > 0) {
            ssize_t k = write(s->fd, p, n);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                return gw_err_set(e, GW_EBAD_ARGUMENT, "http: cannot write the file: %s",
                                  strerror(errno));
            p += k;
            n -= (size_t)k;
            s->written += (unsigned long long)k;
        }
        return 0;
    }
    if (gw_buf_append(s->buf, p, n) != 0)
        return gw_err_set(e, GW_EPROTOCOL, "http: body larger than %lu bytes",
                          (unsigned long)s->buf->max);
    s->written += n;
    return 0;
}

static int read_chunked(http_conn *c, http_body_sink *s, gw_deadline dl, gw_err *e)
{
    http_chunked ch;
    gw_buf tmp;
    int rc = -1;
    http_chunked_init(&ch);
    /* Decoded bytes pass through tmp on their way to the sink. */
    gw_buf_init(&tmp, (size_t)-1);
    for (;;) {
        const char *p;
        size_t n, used = 0;
        int done;
        long k = gw_reader_peek(&c->rd, &p, &n, dl, e);
        if (k == 0) {
            gw_err_set(e, GW_ECLOSED, "http: the server closed the connection in a chunked body");
            break;
        }
        if (k < 0)
            break;
        done = http_chunked_feed(&ch, p, n, &used, &tmp, e);
        gw_reader_consume(&c->rd, used);
        if (done < 0 || sink_put(s, tmp.data, tmp.len, e) != 0)
            break;
        gw_buf_reset(&tmp);
        if (done == 1) {
            rc = 0;
            break;
        }
    }
    gw_buf_free(&tmp);
    http_chunked_free(&ch);
    return rc;
}

static int read_body(http_conn *c, const http_framing *f, http_body_sink *s, gw_err *e)
{
    gw_deadline dl = gw_deadline_in(c->timeout);
    unsigned long long left = f->length;
    char buf[16384];
    if (f->kind == HTTP_BODY_NONE)
        return 0;
    if (f->kind == HTTP_BODY_CHUNKED)
        return read_chunked(c, s, dl, e);
    for (;;) {
        size_t want = sizeof buf;
        long k;
        if (f->kind == HTTP_BODY_LENGTH) {
            if (left == 0)
                return 0;
            if (want > left)
                want = (size_t)left;
        }
        k = gw_reader_some(&c->rd, buf, want, dl, e);
        if (k == 0) {
            if (f->kind == HTTP_BODY_CLOSE)
                return 0;
            return gw_err_set(e, GW_ECLOSED, "http: the server closed the connection "
                              "%llu bytes before the end of the body", left);
        }
        if (k < 0) {
            if (e->kind == GW_ETIMEOUT)
                gw_err_set(e, GW_ETIMEOUT, "http: the body did not arrive within %g s", c->timeout);
            return -1;
        }
        if (sink_put(s, buf, (size_t)k, e) != 0)
            return -1;
        left -= (unsigned long long)k;
    }
}

int http_conn_exchange(http_conn *c, const http_request *r, int head_request,
                       http_body_sink *sink, gw_err *e)
{
    gw_buf out;
    http_framing f;
    int rc;
    gw_err_clear(e);
    if (c->broken || !c->io)
        return gw_err_set(e, GW_ECLOSED, "http: the connection is closed");
    gw_buf_init(&out, (size_t)GW_HTTP_HEADER_BYTES + r->body_len);
    rc = http_request_build(r, &out, e);
    if (rc == 0) {
        trace_request(c, r);
        rc = gw_io_write_all(c->io, out.data, out.len, gw_deadline_in(c->timeout), e);
        if (rc != 0)
            fail(c);
    }
    gw_buf_free(&out);
    if (rc != 0)
        return -1;
    if (read_head(c, e) != 0)
        return -1;
    if (http_head_framing(&c->head, head_request, &f, e) != 0)
        return fail(c);
    if (f.other_coding) {
        /* gzip and friends: gwkit asks for none and decodes none. */
        gw_err_set(e, GW_EPROTOCOL, "http: unsupported transfer coding in the response");
        return fail(c);
    }
    if (!f.keep_alive)
        c->broken = 1;              /* usable for this body, not for another request */
    sink->written = 0;
    if (read_body(c, &f, sink, e) != 0)
        return fail(c);
    return 0;
}

void http_conn_close(http_conn *c)
{
    if (c->io) {
        c->io->ops->close(c->io);
        c->io = NULL;
    }
    c->broken = 1;
    http_head_free(&c->head);
}
