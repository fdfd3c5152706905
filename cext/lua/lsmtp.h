/* What the two files of the SMTP glue share: lsmtp.c (the connection,
 * AUTH, info) and lsmtpmail.c (mail, auth_mail, mail_batch). */
#ifndef GW_LSMTP_H
#define GW_LSMTP_H

#include "glue.h"
#include "smtp/session.h"

#define CONN_MT "gwkit.smtp.conn"

typedef struct lconn {
    smtp_session s;
    lua_State *L;           /* the state of the call in progress, for trace */
    int trace_ref;
} lconn;

/* The connection at index 1 (raises unless it is one); remembers L for
 * the trace hook. */
lconn *lsmtp_check_conn(lua_State *L);
/* glue_fail plus closed= and the server's last reply line; returns 3. */
int lsmtp_conn_fail(lua_State *L, lconn *c, const gw_err *e);
/* The credentials table at index t; returns the mechanism. */
const char *lsmtp_check_creds(lua_State *L, int t, sasl_creds *cr);
/* t[k] = v (a boolean) for the table at -1. */
void lsmtp_set_flag(lua_State *L, const char *k, int v);

/* mail, auth_mail and mail_batch (lsmtpmail.c). */
extern const luaL_Reg lsmtp_mail_methods[];

#endif
