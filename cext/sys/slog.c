/* syslog(3) with names for levels and facilities (RFC 5424 6.2.1 numbers)
 * and a message sanitizer: a script may log text taken from a peer, and a
 * CR or LF in it must not start a second, forged log line. */
#include <string.h>
#include <syslog.h>
#include "slog.h"
#include "core/limits.h"

struct slog_name {
    const char *name;
    int value;
};

static const struct slog_name levels[] = {
    { "emerg", LOG_EMERG }, { "alert", LOG_ALERT }, { "crit", LOG_CRIT },
    { "err", LOG_ERR }, { "error", LOG_ERR }, { "warning", LOG_WARNING },
    { "warn", LOG_WARNING }, { "notice", LOG_NOTICE }, { "info", LOG_INFO },
    { "debug", LOG_DEBUG },
}, facilities[] = {
    { "user", LOG_USER }, { "daemon", LOG_DAEMON }, { "mail", LOG_MAIL },
    { "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
    { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
    { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

/* The value of name in a table of n entries, or -1. */
static int lookup(const struct slog_name *t, size_t n, const char *name)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcmp(name, t[i].name) == 0)
            return t[i].value;
    return -1;
}

int sys_syslog_level(const char *name)
{
    return lookup(levels, sizeof levels / sizeof levels[0], name);
}

int sys_syslog_facility(const char *name)
{
    return lookup(facilities, sizeof facilities / sizeof facilities[0], name);
}

size_t sys_syslog_clean(char *out, size_t outsize, const char *msg, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)msg[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            if (o + 4 >= outsize)
                break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        } else {
            if (o + 1 >= outsize)
                break;
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return o;
}

static char cur_ident[GW_SYSLOG_IDENT_MAX + 1];
static int cur_facility = -1;

void sys_syslog(int level, int facility, const char *ident, const char *msg, size_t n)
{
    char line[GW_SYSLOG_MSG_MAX + 1];
    if (cur_facility != facility || strcmp(cur_ident, ident) != 0) {
        /* openlog keeps the pointer: the ident lives in a static buffer. */
        closelog();
        strncpy(cur_ident, ident, GW_SYSLOG_IDENT_MAX);
        cur_ident[GW_SYSLOG_IDENT_MAX] = '\0';
        cur_facility = facility;
        openlog(cur_ident, LOG_PID | LOG_NDELAY, facility);
    }
    sys_syslog_clean(line, sizeof line, msg, n);
    syslog(level, "%s", line);
}
