/* Resolution of host names with a deadline (see resolve.h). */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "resolve.h"
#include "tcp.h"

typedef struct job {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, refs;
    char host[GW_HOST_MAX + 1];
    struct addrinfo hints;
    struct addrinfo *res;
    int rc;
} job;

static void job_unref(job *j)
{
    int last;
    pthread_mutex_lock(&j->mu);
    last = --j->refs == 0;
    pthread_mutex_unlock(&j->mu);
    if (last) {
        if (j->res)
            freeaddrinfo(j->res);
        pthread_cond_destroy(&j->cv);
        pthread_mutex_destroy(&j->mu);
        free(j);
    }
}

static void *job_run(void *arg)
{
    job *j = arg;
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(j->host, NULL, &j->hints, &res);
    pthread_mutex_lock(&j->mu);
    j->rc = rc;
    j->res = res;
    j->done = 1;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    job_unref(j);
    return NULL;
}

/* Runs getaddrinfo on a detached thread; waits until the deadline. */
static int lookup(const char *host, const struct addrinfo *hints,
                  struct addrinfo **res, gw_deadline dl, gw_err *e)
{
    pthread_condattr_t ca;
    pthread_attr_t ta;
    pthread_t tid;
    job *j = calloc(1, sizeof *j);
    int rc = 0, timed_out = 0;
    if (!j)
        return gw_err_set(e, GW_ENOMEM, "resolve: out of memory");
    pthread_mutex_init(&j->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->cv, &ca);
    pthread_condattr_destroy(&ca);
    snprintf(j->host, sizeof j->host, "%s", host);
    j->hints = *hints;
    j->refs = 2;
    pthread_attr_init(&ta);
    pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&tid, &ta, job_run, j) != 0) {
        pthread_attr_destroy(&ta);
        j->refs = 1;
        job_unref(j);
        return gw_err_set(e, GW_ECONNECT, "resolve: cannot start a resolver thread");
    }
    pthread_attr_destroy(&ta);
    pthread_mutex_lock(&j->mu);
    while (!j->done && !timed_out) {
        if (dl.at_ms < 0) {
            pthread_cond_wait(&j->cv, &j->mu);
        } else {
            struct timespec ts;
            ts.tv_sec = (time_t)(dl.at_ms / 1000);
            ts.tv_nsec = (long)(dl.at_ms % 1000) * 1000000L;
            if (pthread_cond_timedwait(&j->cv, &j->mu, &ts) == ETIMEDOUT && !j->done)
                timed_out = 1;
        }
    }
    if (j->done) {
        rc = j->rc;
        *res = j->res;
        j->res = NULL;      /* ours now */
    }
    pthread_mutex_unlock(&j->mu);
    job_unref(j);
    if (timed_out)
        return gw_err_set(e, GW_ETIMEOUT, "resolve: no answer for %s before the deadline", host);
    if (rc != 0)
        return gw_err_set(e, GW_ECONNECT, "resolve: cannot resolve %s: %s", host, gai_strerror(rc));
    return 0;
}

int gw_resolve(const char *host, unsigned port, int family, gw_addr *out, int max,
               gw_deadline dl, gw_err *e)
{
    struct addrinfo hints, *res = NULL, *ai;
    char name[GW_HOST_MAX + 1];
    size_t n = strlen(host);
    int count = 0, pass;
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        host++;
        n -= 2;
    }
    if (n == 0 || n > GW_HOST_MAX)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "resolve: bad host name length");
    memcpy(name, host, n);
    name[n] = '\0';
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family == GW_FAMILY_INET ? AF_INET
                    : family == GW_FAMILY_INET6 ? AF_INET6 : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICHOST;
    /* A literal (IPv6 with an optional zone, or IPv4) never leaves this thread. */
    if (getaddrinfo(name, NULL, &hints, &res) != 0) {
        if (strchr(name, ':') || strchr(name, '%'))
            return gw_err_set(e, GW_EBAD_ARGUMENT, "resolve: bad IPv6 address or zone \"%s\"", name);
        res = NULL;
        hints.ai_flags = 0;
        if (lookup(name, &hints, &res, dl, e) != 0)
            return -1;
    }
    /* IPv6 first, then IPv4, each in the resolver's order. */
    for (pass = 0; pass < 2; pass++) {
        int want = pass == 0 ? AF_INET6 : AF_INET;
        for (ai = res; ai && count < max; ai = ai->ai_next) {
            if (ai->ai_family != want || ai->ai_addrlen > sizeof out[count].sa)
                continue;
            memcpy(&out[count].sa, ai->ai_addr, ai->ai_addrlen);
            out[count].len = (socklen_t)ai->ai_addrlen;
            out[count].family = want;
            if (want == AF_INET6)
                ((struct sockaddr_in6 *)&out[count].sa)->sin6_port = htons((unsigned short)port);
            else
                ((struct sockaddr_in *)&out[count].sa)->sin_port = htons((unsigned short)port);
            count++;
        }
    }
    freeaddrinfo(res);
    if (count == 0)
        return gw_err_set(e, GW_ECONNECT, "resolve: %s has no %s address", name,
                          family == GW_FAMILY_INET ? "IPv4" : family == GW_FAMILY_INET6 ? "IPv6" : "usable");
    return count;
}

void gw_addr_text(const gw_addr *a, char *out, size_t n)
{
    char txt[INET6_ADDRSTRLEN] = "?";
    if (a->family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->sa;
        char ifn[IF_NAMESIZE] = "";
        inet_ntop(AF_INET6, &s6->sin6_addr, txt, sizeof txt);
        if (s6->sin6_scope_id && if_indextoname(s6->sin6_scope_id, ifn))
            snprintf(out, n, "%s%%%s", txt, ifn);
        else if (s6->sin6_scope_id)
            snprintf(out, n, "%s%%%u", txt, (unsigned)s6->sin6_scope_id);
        else
            snprintf(out, n, "%s", txt);
    } else {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->sa)->sin_addr, txt, sizeof txt);
        snprintf(out, n, "%s", txt);
    }
}
