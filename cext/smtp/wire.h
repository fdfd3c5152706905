/* Commands out, replies in, for one session: the only place the SMTP engine
 * touches its transport. Internal to cext/smtp. */
#ifndef GW_SMTP_WIRE_H
#define GW_SMTP_WIRE_H

#include "session.h"

/* Checks that s holds no CR, LF or NUL (SMTP argument injection). */
int smtp_wire_clean(const char *what, const char *s, gw_err *e);
/* Appends "cmd\r\n" to out and traces it (as `shown` when not NULL: for
 * secrets: such AUTH lines may be GW_SMTP_AUTH_LINE_MAX long, others
 * GW_SMTP_CMD_MAX). Fails on CR/LF or an overlong line. */
int smtp_wire_queue(smtp_session *s, gw_buf *out, const char *cmd, const char *shown, gw_err *e);
/* Writes out and empties it. */
int smtp_wire_flush(smtp_session *s, gw_buf *out, gw_err *e);
/* Queue + flush for one command. */
int smtp_wire_cmd(smtp_session *s, const char *cmd, const char *shown, gw_err *e);
/* Reads one complete reply into s->reply. */
int smtp_wire_reply(smtp_session *s, gw_err *e);
/* Marks the session broken on connection-level errors; returns -1. */
int smtp_wire_fail(smtp_session *s, gw_err *e);
/* Sets e from the last reply: "<what>: <last reply line>" with kind and code. */
int smtp_wire_refused(smtp_session *s, gw_kind kind, const char *what, gw_err *e);
void smtp_wire_note(smtp_session *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
