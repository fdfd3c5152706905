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

#endif
