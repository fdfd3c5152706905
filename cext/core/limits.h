/* Every bound on what a peer or a caller can make us hold, in one place. */
#ifndef GW_LIMITS_H
#define GW_LIMITS_H

/* SMTP (RFC 5321 4.5.3.1 gives 512 for a reply line; servers exceed it a little) */
#define GW_SMTP_LINE_MAX       2048     /* one reply line, CRLF excluded */
#define GW_SMTP_REPLY_LINES    64       /* lines in one multi-line reply */
#define GW_SMTP_REPLY_BYTES    16384    /* text of one reply, all lines */
#define GW_SMTP_CMD_MAX        1000     /* one command line we send, CRLF included */
#define GW_SMTP_AUTH_LINE_MAX  12288    /* an AUTH command or response line (RFC 4954 4) */
#define GW_SMTP_RCPT_MAX       100      /* recipients in one message (RFC 5321 4.5.3.1.8) */
#define GW_SMTP_MECH_TEXT      512      /* the AUTH mechanism list we keep */
#define GW_SMTP_MSG_MAX        (64u * 1024 * 1024) /* one message, before dot-stuffing */

/* SASL */
#define GW_SASL_MECH_NAME      20       /* RFC 4422: 1..20 characters */
#define GW_SASL_CHALLENGE_MAX  8192     /* decoded server challenge */
#define GW_SASL_RESPONSE_MAX   8192     /* client response before base64 */
#define GW_SASL_STEPS_MAX      8        /* challenges answered in one exchange */
#define GW_SCRAM_ITER_MIN      4096     /* RFC 7677 recommends at least 4096 */
#define GW_SCRAM_ITER_MAX      1000000  /* beyond this a server is wasting our CPU */
#define GW_SCRAM_NONCE_BYTES   18       /* client nonce entropy, base64 -> 24 chars */
#define GW_SASL_USER_MAX       1024     /* user name taken from the caller */
#define GW_SASL_SECRET_MAX     6144     /* password or bearer token taken from the caller */
#define GW_SASL_LIST_MAX       1024     /* bytes of a mechanism list that sasl_choose reads */
#define GW_SASL_DETAIL_MAX     128      /* the server's failure text kept in sasl_client.detail */
#define GW_SCRAM_NONCE_MAX     64       /* a fixed test nonce (RFC vectors) */
#define GW_SCRAM_SNONCE_MAX    1024     /* the combined nonce the server sends */

/* Network */
#define GW_READ_CHUNK          16384    /* reader buffer */
#define GW_ADDR_MAX            16       /* addresses of one name we try */
#define GW_HOST_MAX            255      /* a host name or literal */
#define GW_IP6_ZONE_MAX        15       /* a zone id: an interface name (IFNAMSIZ - 1) or an index */

/* HTTP */
#define GW_HTTP_LINE_MAX       8192
#define GW_HTTP_HEADERS_MAX    100
#define GW_HTTP_HEADER_BYTES   65536
#define GW_HTTP_CHUNK_DIGITS   16
#define GW_HTTP_URL_MAX        8192
#define GW_HTTP_AUTH_PARAM_MAX 512      /* an auth-param value we keep (realm, nonce, ...), NUL included */
#define GW_HTTP_AUTH_CHALLENGES 8       /* challenges kept from one 401 */
#define GW_HTTP_AUTH_USER_MAX  1024     /* user name taken from the caller */
#define GW_HTTP_AUTH_SECRET_MAX 6144    /* password taken from the caller */
#define GW_HTTP_DIGEST_CNONCE_BYTES 16  /* random cnonce, sent as 32 hex digits */
#define GW_HTTP_DIGEST_CNONCE_MAX 64    /* a cnonce we send (a fixed test one included) */
#define GW_HTTP_AUTH_METHOD_MAX 32      /* a request method signed in a Digest answer */

/* OS primitives (cext/sys: poll, fd_read, run, syslog) */
#define GW_POLL_FDS_MAX        64       /* descriptors in one core.poll */
#define GW_WAIT_MAX_S          86400    /* longest poll or sleep, seconds (24 h) */
#define GW_FD_READ_DEFAULT     65536    /* core.fd_read without max */
#define GW_FD_READ_MAX         (1024 * 1024) /* one core.fd_read */
#define GW_RUN_TIMEOUT_DEFAULT 30       /* core.run timeout, seconds */
#define GW_RUN_TIMEOUT_MAX     86400    /* core.run timeout at most, seconds */
#define GW_RUN_OUTPUT_DEFAULT  (1024 * 1024) /* bytes kept per stream */
#define GW_RUN_OUTPUT_MAX      (16 * 1024 * 1024) /* max_output at most */
#define GW_RUN_ARGS_MAX        256      /* argv entries of one command */
#define GW_RUN_PATH_MAX        4096     /* a program's path found in PATH */
#define GW_RUN_CHUNK           16384    /* one read of a child's output */
#define GW_RUN_KILL_GRACE_MS   1000     /* SIGTERM to SIGKILL after a timeout */
#define GW_RUN_REAP_MS         5000     /* after SIGKILL, polling for the exit */
#define GW_RUN_TICK_MS         50       /* longest sleep between exit checks */
#define GW_RUN_DRAIN_READS     64       /* reads per stream once the child exited */
#define GW_SYSLOG_MSG_MAX      2048     /* one syslog message after escaping */
#define GW_SYSLOG_IDENT_MAX    32       /* an openlog ident */

/* Log lines and the syslog listener (cext/log, cext/net/udp) */
#define GW_LOG_LINE_MAX        65536    /* one log line given to log_parse, line end excluded */
#define GW_LOG_HOST_MAX        255      /* HOSTNAME (RFC 5424 6.2.4) */
#define GW_LOG_APP_MAX         48       /* APP-NAME (RFC 5424), and a TAG (RFC 3164 says 32) */
#define GW_LOG_PROCID_MAX      128      /* PROCID (RFC 5424), and the [pid] after a TAG */
#define GW_LOG_MSGID_MAX       32       /* MSGID (RFC 5424) */
#define GW_LOG_SDNAME_MAX      32       /* SD-ID and PARAM-NAME (RFC 5424 6.3) */
#define GW_LOG_FRAC_DIGITS     9        /* seconds fraction digits (RFC 5424 allows 6) */
#define GW_LOG_SD_ELEMS        16       /* SD-ELEMENTs of one line kept in sdata */
#define GW_LOG_SD_PARAMS       64       /* SD-PARAMs of one line kept in sdata */
#define GW_SYSLOG_DATAGRAM_MAX 8192     /* a syslog datagram kept whole (RFC 5426 3.2) */

/* Gateway status pages: charsets and HTML rows (cext/page) */
#define GW_PAGE_INPUT_MAX      (4u * 1024 * 1024) /* page bytes decoded or parsed */
#define GW_PAGE_CHARSET_MAX    40       /* a charset name we keep (longer ones are ignored) */
#define GW_PAGE_PRESCAN        4096     /* bytes searched for <meta charset> */
#define GW_PAGE_ROWS_MAX       4096     /* rows html_rows returns */
#define GW_PAGE_ROW_CELLS      256      /* cells of one row */
#define GW_PAGE_CELLS_MAX      65536    /* cells of all rows together */
#define GW_PAGE_TEXT_SLACK     1024     /* text bytes beyond the input size */
#define GW_PAGE_TABLE_DEPTH    16       /* nested tables kept apart */
#define GW_PAGE_ATTRS_MAX      32       /* attributes of one tag looked at */
#define GW_PAGE_TAG_NAME       15       /* tag name bytes compared */
#define GW_PAGE_ENTITY_MAX     32       /* bytes of one character reference */

/* SMTP batches: several transactions in one pipelined flight (cext/smtp/batch.c) */
#define GW_SMTP_BATCH_MAX      32       /* messages in one flight */
#define GW_SMTP_BATCH_REPLIES  256      /* replies one flight may ask for (bounds what the
                                           server writes while we still write) */
#define GW_SMTP_BATCH_CALL_MAX 1000     /* messages in one smtp_session_mail_batch call */

/* CA bundles read without OpenSSL parsing every certificate (cext/net/cabundle.c) */
#define GW_CABUNDLE_BYTES      (8u * 1024 * 1024) /* a bundle file indexed (larger: loaded whole) */
#define GW_CABUNDLE_CERTS      4096     /* certificates of one bundle indexed */

/* Client SSL_CTXs kept for the process (cext/net/tlsctx.c) */
#define GW_TLSCTX_CACHE        4        /* sets of TLS options remembered */
#define GW_TLSCTX_MAX_AGE_MS   600000   /* an SSL_CTX is made again after 10 minutes, so a
                                           CA directory's changes are seen by then */

#endif
