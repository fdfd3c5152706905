/* syslog(3) for scripts: level and facility names, and a message made safe
 * to log (no control byte can start a forged second line). */
#ifndef GW_SLOG_H
#define GW_SLOG_H

#include <stddef.h>

/* LOG_* priority of a level name ("err", "error", "warning", "warn", ...),
 * or -1. */
int sys_syslog_level(const char *name);
/* LOG_* facility of a name ("user", "daemon", "mail", "local0".."local7"),
 * or -1. */
int sys_syslog_facility(const char *name);

/* Writes into out (outsize >= 5) the first bytes of msg[0..n) with control
 * bytes other than tab (and DEL) shown as \xNN, never cutting an escape,
 * NUL-terminated. Returns the length written. */
size_t sys_syslog_clean(char *out, size_t outsize, const char *msg, size_t n);

/* Logs msg (cleaned, capped at GW_SYSLOG_MSG_MAX) at priority level with
 * openlog(ident, LOG_PID | LOG_NDELAY, facility), reopened only when ident
 * or facility changed. ident: at most GW_SYSLOG_IDENT_MAX printable ASCII
 * bytes (the caller checks). Never fails visibly: without a syslog daemon
 * the message is dropped. */
void sys_syslog(int level, int facility, const char *ident, const char *msg, size_t n);

#endif
