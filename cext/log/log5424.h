/* The RFC 5424 part of log_parse (used by logline.c). */
#ifndef GW_LOG5424_H
#define GW_LOG5424_H

#include "logline.h"

/* Reads "1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [SP MSG]" at
 * p[i..n) (i just past "<PRI>") into o's header, SD and msg fields.
 * Returns 1 when all of it is valid, else 0 with those fields of o in an
 * unspecified state (the caller resets them). */
int log_parse_5424(const char *p, size_t n, size_t i, log_line *o);

#endif
