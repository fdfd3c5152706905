/* The error type shared by the C core. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "err.h"

static const char *const kind_names[GW_KIND_COUNT] = {
    "ok", "connect", "timeout", "tls", "tls_required", "auth_unavailable",
    "auth_failed", "sender_rejected", "recipient_rejected", "data_rejected",
    "protocol", "closed", "http_status", "bad_argument", "memory",
};

void gw_err_clear(gw_err *e)
{
    e->kind = GW_OK;
    e->code = 0;
    e->msg[0] = '\0';
}

int gw_err_set(gw_err *e, gw_kind kind, const char *fmt, ...)
{
    va_list ap;
    e->kind = kind;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

const char *gw_kind_name(gw_kind kind)
{
    if ((unsigned)kind >= GW_KIND_COUNT)
        return "unknown";
    return kind_names[kind];
}
