/* Transcript tests for the SMTP session engine (curl test903/905 style): the
 * server's bytes in, the client's exact bytes out, over the in-memory
 * transport. Each case is a dialogue: "S..." server bytes, "C..." one write
 * of the client, "U..." server bytes the client must never read. Every case
 * runs with the server's bytes delivered whole, one byte per recv and three
 * bytes per recv; with one byte per recv the reader cannot read ahead, so
 * the interleaving of reads and writes is checked as well (a pipelined
 * flight is one write; without PIPELINING each command waits for its
 * reply).
 *
 * RFC 5321 (session, replies), RFC 2920 (PIPELINING), RFC 4954 (AUTH, and
 * AUTH PLAIN pipelined with the message: smtp_session_auth_mail), RFC 3030
 * (CHUNKING, and several transactions in one flight:
 * smtp_session_mail_batch), RFC 1870 (SIZE), RFC 6152 (8BITMIME), RFC 6531
 * (SMTPUTF8), RFC 3207 (STARTTLS); SASL vectors from RFC 2195 (CRAM-MD5,
 * and tests/fixtures/cram-md5-vectors.tsv) and RFC 5802 (SCRAM-SHA-1). */
#include <stdlib.h>
#include "smtp/session.h"
#include "net/memio.h"
#include "unit/check.h"

/* ---- a recording transport around memio ---- */

enum { EV_NONE, EV_S, EV_C };

typedef struct text {
    char buf[1 << 16];
    size_t len;
    int last;               /* the last event kind rendered */
} text;

static struct {
    text log;               /* the dialogue as it happened */
    text out;               /* what the client sent, escaped */
    size_t sent;            /* bytes the client sent */
    long recvs;             /* recv calls */
    int closes;             /* close calls */
} rec;

static void text_add(text *t, const char *p, size_t n)
{
    if (t->len + n >= sizeof t->buf)
        n = sizeof t->buf - 1 - t->len;
    memcpy(t->buf + t->len, p, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

/* Appends p[0..n) with CR, LF and other control bytes made visible. */
static void text_esc(text *t, const char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        char tmp[8];
        if (ch == '\r')
            text_add(t, "\\r", 2);
        else if (ch == '\n')
            text_add(t, "\\n", 2);
        else if (ch < 0x20 || ch >= 0x7f) {
            snprintf(tmp, sizeof tmp, "\\x%02x", ch);
            text_add(t, tmp, 4);
        } else
            text_add(t, p + i, 1);
    }
}

/* One event of a dialogue: every write is its own event, consecutive reads
 * are one. */
static void text_event(text *t, int ev, const char *p, size_t n)
{
    if (ev == EV_C || ev != t->last) {
        if (t->len)
            text_add(t, "\n", 1);
        text_add(t, ev == EV_S ? "S: " : "C: ", 3);
        t->last = ev;
    }
    text_esc(t, p, n);
}

typedef struct tap {
    gw_io base;
    gw_io *mem;
} tap;

static long tap_send(gw_io *io, const void *p, size_t n, gw_deadline dl, gw_err *e)
{
    tap *t = (tap *)io;
    long k = t->mem->ops->send(t->mem, p, n, dl, e);
    if (k > 0) {
        text_event(&rec.log, EV_C, p, (size_t)k);
        text_esc(&rec.out, p, (size_t)k);
        rec.sent += (size_t)k;
    }
    return k;
}

static long tap_recv(gw_io *io, void *p, size_t n, gw_deadline dl, gw_err *e)
{
    tap *t = (tap *)io;
    long k = t->mem->ops->recv(t->mem, p, n, dl, e);
    rec.recvs++;
    if (k > 0)
        text_event(&rec.log, EV_S, p, (size_t)k);
    return k;
}

static void tap_close(gw_io *io)
{
    tap *t = (tap *)io;
    rec.closes++;
    t->mem->ops->close(t->mem);
    free(t);
}

static const gw_io_ops tap_ops = { tap_send, tap_recv, tap_close };

/* A fresh recording over a memio serving in[0..n). */
static gw_io *tap_new(const char *in, size_t n, size_t chunk)
{
    tap *t = calloc(1, sizeof *t);
    memset(&rec, 0, sizeof rec);
    if (!t || !(t->mem = gw_memio_new(in, n, chunk))) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    t->base.ops = &tap_ops;
    return &t->base;
}

/* ---- the table ---- */

enum { F_NONE, F_OPEN, F_AUTH, F_MAIL, F_RSET };

#define TALK_MAX 24

typedef struct tcase {
    const char *name;
    const char *talk[TALK_MAX];
    int tls;                    /* SMTP_TLS_* */
    const char *mech, *user, *pass, *nonce;
    const char *from;           /* NULL: no mail */
    const char *to[3];
    size_t nto;
    const char *msg;            /* NULL: MSG */
    size_t msglen;              /* 0: strlen(msg) */
    int mails;                  /* messages sent (0: one) */
    int rset;                   /* smtp_session_rset after the mail */
    int quit;                   /* smtp_session_quit, else smtp_session_close */
    /* expected */
    int fail_at;                /* F_*: the call that fails */
    gw_kind kind;
    int code;
    const char *has;            /* a substring of e.msg */
    int broken;
    int codes[3];               /* results[i].code when the mail succeeds */
    const char *greeting;
    /* AUTH pipelined with the first message (smtp_session_auth_mail) */
    int pipe;                   /* mech and the first message in one call */
    const char *mech2;          /* after a refusal, this one (smtp_session_auth), then the mail */
    int code1;                  /* the reply code that ended the first AUTH */
    int unauth;                 /* the message was taken without the AUTH */
} tcase;

#define GREET "S220 mx.example ESMTP ready\r\n"
#define EHLO "CEHLO gw.test\r\n"
#define CAPS_PIPE "S250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n" \
    "250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1\r\n"
#define CAPS_NOPIPE "S250-mx.example\r\n250 AUTH PLAIN LOGIN\r\n"
/* 29 bytes (RFC 1870 SIZE); dot-stuffed and ended, 33 */
#define MSG "Subject: t\r\n\r\n.hidden\r\nbody\r\n"
#define BODY "CSubject: t\r\n\r\n..hidden\r\nbody\r\n.\r\n"
#define FLIGHT "CMAIL FROM:<a@x> SIZE=29\r\nRCPT TO:<b@x>\r\nRCPT TO:<c@x>\r\nDATA\r\n"
#define ENVELOPE .from = "a@x", .to = {"b@x", "c@x"}, .nto = 2
/* RFC 3030 CHUNKING: the message as is, counted, no dots added, no "." */
#define CAPS_CHUNK "S250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 CHUNKING\r\n"
#define CAPS_CHUNK_NOPIPE "S250-mx.example\r\n250 CHUNKING\r\n"
#define BDAT_FLIGHT "CMAIL FROM:<a@x> SIZE=29\r\nRCPT TO:<b@x>\r\nRCPT TO:<c@x>\r\nBDAT 29 LAST\r\n"
#define RAW_BODY "C" MSG
/* "\0alice\0s3cret!" */
#define PLAIN64 "AGFsaWNlAHMzY3JldCE="
#define CREDS .user = "alice", .pass = "s3cret!"
/* RFC 5802 section 5, SCRAM-SHA-1: user "user", password "pencil" */
#define SCRAM_NONCE "fyko+d2lbbFgONRv9qkxdawL"
#define SCRAM_AUTH "CAUTH SCRAM-SHA-1 biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM\r\n"
#define SCRAM_S1 "S334 cj1meWtvK2QybGJiRmdPTlJ2OXFreGRhd0wzcmZjTkhZSlkxWlZ2V1ZzN2oscz1RU1hD" \
    "UitRNnNlazhiZjkyLGk9NDA5Ng==\r\n"
#define SCRAM_C2 "CYz1iaXdzLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdMM3JmY05IWUpZMVpWdldWczdqLHA9" \
    "djBYOHYzQnoyVDBDSkdiSlF5RjBYK0hJNFRzPQ==\r\n"

/* AUTH PLAIN pipelined with the first message (RFC 4954 4) */
#define CAPS_AP "S250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n" \
    "250-AUTH PLAIN LOGIN\r\n250 CHUNKING\r\n"
#define CAPS_AP_DATA "S250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n" \
    "250 AUTH PLAIN LOGIN\r\n"
#define AP_TXN "MAIL FROM:<a@x> SIZE=29\r\nRCPT TO:<b@x>\r\nRCPT TO:<c@x>\r\n"
#define AP_FLIGHT "CAUTH PLAIN " PLAIN64 "\r\n" AP_TXN "BDAT 29 LAST\r\n"
#define AP_FLIGHT_DATA "CAUTH PLAIN " PLAIN64 "\r\n" AP_TXN "DATA\r\n"
#define AP_535 "S535 5.7.8 Error: authentication failed: authentication failure\r\n"
#define LOGIN_OK "CAUTH LOGIN\r\n", "S334 VXNlcm5hbWU6\r\n", "CYWxpY2U=\r\n", \
    "S334 UGFzc3dvcmQ6\r\n", "CczNjcmV0IQ==\r\n", "S235 2.7.0 Authentication successful\r\n"

static char big_msg[501];       /* 500 bytes, filled in main */

static const tcase cases[] = {
    {.name = "pipelined flight, one recipient refused",
     .talk = {GREET, EHLO, CAPS_PIPE, "CAUTH PLAIN " PLAIN64 "\r\n",
              "S235 2.7.0 Authentication successful\r\n", FLIGHT,
              "S250 2.1.0 Ok\r\n550 5.1.1 <b@x>: Recipient address rejected: User unknown\r\n"
              "250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n",
              BODY, "S250 2.0.0 Ok: queued as 4Xyz\r\n", "CQUIT\r\n", "U221 2.0.0 Bye\r\n"},
     .mech = "PLAIN", CREDS, ENVELOPE, .quit = 1, .codes = {550, 250}},
    {.name = "CHUNKING with PIPELINING: MAIL, RCPTs, BDAT and the message in one flight",
     .talk = {GREET, EHLO, CAPS_CHUNK, BDAT_FLIGHT, RAW_BODY,
              "S250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as 5Abc\r\n",
              "CQUIT\r\n"},
     ENVELOPE, .quit = 1, .codes = {250, 250}},
    {.name = "CHUNKING without PIPELINING: no 354 to wait for",
     .talk = {GREET, EHLO, CAPS_CHUNK_NOPIPE, "CMAIL FROM:<a@x>\r\n", "S250 2.1.0 Ok\r\n",
              "CRCPT TO:<b@x>\r\n", "S250 2.1.5 Ok\r\n", "CRCPT TO:<c@x>\r\n",
              "S550 5.1.1 no such user\r\n", "CBDAT 29 LAST\r\n", RAW_BODY,
              "S250 2.0.0 queued\r\n", "CQUIT\r\n"},
     ENVELOPE, .quit = 1, .codes = {250, 550}},
    {.name = "CHUNKING, every recipient refused: the chunk is refused too, RSET",
     .talk = {GREET, EHLO, CAPS_CHUNK, BDAT_FLIGHT, RAW_BODY,
              "S250 2.1.0 Ok\r\n550 5.1.1 <b@x>: no\r\n550 5.1.1 <c@x>: no\r\n"
              "554 5.5.1 Error: no valid recipients\r\n",
              "CRSET\r\n", "S250 2.0.0 Ok\r\n", "CQUIT\r\n"},
     ENVELOPE, .quit = 1, .fail_at = F_MAIL, .kind = GW_ERECIPIENT, .code = 550,
     .codes = {550, 550}},
    {.name = "no PIPELINING: one command at a time",
     .talk = {GREET, EHLO, CAPS_NOPIPE, "CMAIL FROM:<a@x>\r\n", "S250 2.1.0 Ok\r\n",
              "CRCPT TO:<b@x>\r\n", "S250 2.1.5 Ok\r\n", "CRCPT TO:<c@x>\r\n",
              "S251 2.1.5 User not local; will forward\r\n", "CDATA\r\n", "S354 go ahead\r\n",
              BODY, "S250 2.0.0 queued\r\n", "CQUIT\r\n"},
     ENVELOPE, .quit = 1, .codes = {250, 251}},
    {.name = "no PIPELINING: MAIL refused, no RCPT, RSET",
     .talk = {GREET, EHLO, CAPS_NOPIPE, "CMAIL FROM:<a@x>\r\n",
              "S553 5.7.1 <a@x>: Sender address rejected: not owned by user alice\r\n",
              "CRSET\r\n", "S250 2.0.0 Ok\r\n", "CQUIT\r\n"},
     ENVELOPE, .quit = 1, .fail_at = F_MAIL, .kind = GW_ESENDER, .code = 553,
     .has = "553 5.7.1 <a@x>: Sender address rejected: not owned by user alice"},
    {.name = "pipelined: MAIL refused, then RSET",
     .talk = {GREET, EHLO, CAPS_PIPE, FLIGHT,
              "S553 5.7.1 <a@x>: Sender address rejected: not owned by user alice\r\n"
              "503 5.5.1 Error: need MAIL command\r\n503 5.5.1 Error: need MAIL command\r\n"
              "554 5.5.1 Error: no valid recipients\r\n",
              "CRSET\r\n", "S250 2.0.0 Ok\r\n"},
     ENVELOPE, .fail_at = F_MAIL, .kind = GW_ESENDER, .code = 553,
     .has = "Sender address rejected: not owned by user alice"},
    {.name = "pipelined: MAIL refused, a lax server says 354: only the dot",
     .talk = {GREET, EHLO, CAPS_PIPE, FLIGHT,
              "S553 5.7.1 not yours\r\n250 Ok\r\n250 Ok\r\n354 go ahead\r\n", "C.\r\n",
              "S554 5.5.1 no valid recipients\r\n", "CRSET\r\n", "S250 Ok\r\n"},
     ENVELOPE, .fail_at = F_MAIL, .kind = GW_ESENDER, .code = 553, .has = "not yours"},
    {.name = "pipelined: the server hangs up after MAIL's reply",
     .talk = {GREET, EHLO, CAPS_PIPE, FLIGHT, "S250 2.1.0 Ok\r\n"},
     ENVELOPE, .quit = 1, .fail_at = F_MAIL, .kind = GW_ECLOSED, .broken = 1},
    {.name = "pipelined: MAIL refused, then the server hangs up: no stale code",
     .talk = {GREET, EHLO, CAPS_PIPE, FLIGHT, "S553 5.7.1 not yours\r\n503 5.5.1 need MAIL\r\n"},
     ENVELOPE, .fail_at = F_MAIL, .kind = GW_ECLOSED, .code = 0, .broken = 1},
    {.name = "pipelined: the server hangs up before the final reply",
     .talk = {GREET, EHLO, CAPS_PIPE, FLIGHT, "S250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n", BODY},
     ENVELOPE, .quit = 1, .fail_at = F_MAIL, .kind = GW_ECLOSED, .broken = 1},
    {.name = "no PIPELINING: DATA refused",
     .talk = {GREET, EHLO, CAPS_NOPIPE, "CMAIL FROM:<a@x>\r\n", "S250 Ok\r\n",
              "CRCPT TO:<b@x>\r\n", "S250 Ok\r\n", "CRCPT TO:<c@x>\r\n", "S550 no\r\n",
              "CDATA\r\n", "S554 5.5.1 not today\r\n", "CRSET\r\n", "S250 Ok\r\n"},
     ENVELOPE, .fail_at = F_MAIL, .kind = GW_EDATA, .code = 554, .has = "not today"},
    {.name = "RSET refused",
     .talk = {GREET, EHLO, CAPS_PIPE, "CRSET\r\n", "S500 5.5.1 what\r\n"},
     .rset = 1, .fail_at = F_RSET, .kind = GW_EPROTOCOL, .code = 500, .has = "RSET refused"},
    {.name = "pipelined: every recipient refused, DATA 554",
     .talk = {GREET, EHLO, CAPS_PIPE, FLIGHT,
              "S250 2.1.0 Ok\r\n550 5.1.1 <b@x>: User unknown\r\n550 5.1.1 <c@x>: User unknown\r\n"
              "554 5.5.1 Error: no valid recipients\r\n",
              "CRSET\r\n", "S250 2.0.0 Ok\r\n"},
     ENVELOPE, .fail_at = F_MAIL, .kind = GW_ERECIPIENT, .code = 550,
     .has = "550 5.1.1 <b@x>: User unknown"},
    {.name = "pipelined: every recipient refused, a lax server says 354: only the dot",
     .talk = {GREET, EHLO, CAPS_PIPE, FLIGHT,
              "S250 2.1.0 Ok\r\n550 5.1.1 <b@x>: User unknown\r\n550 5.1.1 <c@x>: User unknown\r\n"
              "354 go ahead\r\n",
              "C.\r\n", "S554 5.5.1 no valid recipients\r\n", "CRSET\r\n", "S250 2.0.0 Ok\r\n"},
     ENVELOPE, .fail_at = F_MAIL, .kind = GW_ERECIPIENT, .code = 550, .has = "User unknown"},
    {.name = "no PIPELINING: every recipient refused, no DATA",
     .talk = {GREET, EHLO, CAPS_NOPIPE, "CMAIL FROM:<a@x>\r\n", "S250 2.1.0 Ok\r\n",
              "CRCPT TO:<b@x>\r\n", "S550 5.1.1 no such user b\r\n", "CRCPT TO:<c@x>\r\n",
              "S550 5.1.1 no such user c\r\n", "CRSET\r\n", "S250 2.0.0 Ok\r\n"},
     ENVELOPE, .fail_at = F_MAIL, .kind = GW_ERECIPIENT, .code = 550, .has = "no such user b"},
    {.name = "pipelined: DATA refused",
     .talk = {GREET, EHLO, CAPS_PIPE, FLIGHT,
              "S250 Ok\r\n250 Ok\r\n250 Ok\r\n451 4.3.0 Try again later\r\n",
              "CRSET\r\n", "S250 Ok\r\n"},
     ENVELOPE, .fail_at = F_MAIL, .kind = GW_EDATA, .code = 451, .has = "Try again later"},
    {.name = "message refused after the body",
     .talk = {GREET, EHLO, CAPS_PIPE, FLIGHT,
              "S250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n", BODY,
              "S552 5.3.4 Message size exceeds fixed limit\r\n", "CRSET\r\n", "S250 Ok\r\n"},
     ENVELOPE, .fail_at = F_MAIL, .kind = GW_EDATA, .code = 552, .has = "exceeds fixed limit"},
    {.name = "two messages on one session",
     .talk = {GREET, EHLO, CAPS_PIPE, FLIGHT,
              "S250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n", BODY, "S250 Ok: queued as A\r\n",
              FLIGHT, "S250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n", BODY,
              "S250 Ok: queued as B\r\n", "CRSET\r\n", "S250 Ok\r\n", "CQUIT\r\n"},
     ENVELOPE, .mails = 2, .rset = 1, .quit = 1, .codes = {250, 250}},
    {.name = "a message after a refused one",
     .talk = {GREET, EHLO, CAPS_NOPIPE, "CMAIL FROM:<a@x>\r\n", "S250 Ok\r\n",
              "CRCPT TO:<b@x>\r\n", "S550 no\r\n", "CRCPT TO:<c@x>\r\n", "S550 no\r\n",
              "CRSET\r\n", "S250 Ok\r\n", "CMAIL FROM:<a@x>\r\n", "S250 Ok\r\n",
              "CRCPT TO:<b@x>\r\n", "S550 no\r\n", "CRCPT TO:<c@x>\r\n", "S550 no\r\n",
              "CRSET\r\n", "S250 Ok\r\n"},
     ENVELOPE, .mails = 2, .fail_at = F_MAIL, .kind = GW_ERECIPIENT, .code = 550},
    {.name = "QUIT does not wait for 221",
     .talk = {GREET, EHLO, CAPS_PIPE, "CQUIT\r\n"}, .quit = 1},

    /* AUTH */
    {.name = "AUTH LOGIN, two steps",
     .talk = {GREET, EHLO, CAPS_PIPE, "CAUTH LOGIN\r\n", "S334 VXNlcm5hbWU6\r\n",
              "CYWxpY2U=\r\n", "S334 UGFzc3dvcmQ6\r\n", "CczNjcmV0IQ==\r\n",
              "S235 2.7.0 Authentication successful\r\n", "CQUIT\r\n"},
     .mech = "LOGIN", CREDS, .quit = 1},
    {.name = "AUTH CRAM-MD5, RFC 2195",
     .talk = {GREET, EHLO, CAPS_PIPE, "CAUTH CRAM-MD5\r\n",
              "S334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n",
              "CdGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n", "S235 2.7.0 ok\r\n"},
     .mech = "CRAM-MD5", .user = "tim", .pass = "tanstaaftanstaaf"},
    {.name = "AUTH PLAIN refused with 535",
     .talk = {GREET, EHLO, CAPS_PIPE, "CAUTH PLAIN " PLAIN64 "\r\n",
              "S535 5.7.8 Error: authentication failed: authentication failure\r\n",
              "CQUIT\r\n"},
     .mech = "PLAIN", CREDS, .quit = 1, .fail_at = F_AUTH, .kind = GW_EAUTH_FAILED,
     .code = 535, .has = "535 5.7.8 Error: authentication failed: authentication failure"},
    {.name = "AUTH LOGIN, a challenge that is not base64: \"*\"",
     .talk = {GREET, EHLO, CAPS_PIPE, "CAUTH LOGIN\r\n", "S334 VXNlcm5hbWU6!\r\n", "C*\r\n",
              "S501 5.7.0 Authentication aborted\r\n", "CQUIT\r\n"},
     .mech = "LOGIN", CREDS, .quit = 1, .fail_at = F_AUTH, .kind = GW_EPROTOCOL,
     .has = "malformed base64"},
    {.name = "AUTH LOGIN, a third challenge: \"*\"",
     .talk = {GREET, EHLO, CAPS_PIPE, "CAUTH LOGIN\r\n", "S334 VXNlcm5hbWU6\r\n",
              "CYWxpY2U=\r\n", "S334 UGFzc3dvcmQ6\r\n", "CczNjcmV0IQ==\r\n", "S334 VXNlcm5hbWU6\r\n",
              "C*\r\n", "S501 5.7.0 Authentication aborted\r\n"},
     .mech = "LOGIN", CREDS, .fail_at = F_AUTH, .kind = GW_EPROTOCOL,
     .has = "unexpected challenge"},
    {.name = "AUTH PLAIN: a challenge after the initial response: \"*\"",
     .talk = {GREET, EHLO, CAPS_PIPE, "CAUTH PLAIN " PLAIN64 "\r\n", "S334 \r\n", "C*\r\n",
              "S501 5.7.0 Authentication aborted\r\n"},
     .mech = "PLAIN", CREDS, .fail_at = F_AUTH, .kind = GW_EPROTOCOL},
    {.name = "AUTH answered 250: not a refusal, a broken server",
     .talk = {GREET, EHLO, CAPS_PIPE, "CAUTH PLAIN " PLAIN64 "\r\n", "S250 2.0.0 Ok\r\n"},
     .mech = "PLAIN", CREDS, .fail_at = F_AUTH, .kind = GW_EPROTOCOL, .code = 250,
     .has = "unexpected reply to AUTH", .broken = 1},
    {.name = "AUTH unknown to the server: 504",
     .talk = {GREET, EHLO, CAPS_PIPE, "CAUTH LOGIN\r\n",
              "S504 5.5.4 Unrecognized authentication type\r\n"},
     .mech = "LOGIN", CREDS, .fail_at = F_AUTH, .kind = GW_EAUTH_FAILED, .code = 504,
     .has = "Unrecognized authentication type"},
    {.name = "AUTH: the server hangs up",
     .talk = {GREET, EHLO, CAPS_PIPE, "CAUTH LOGIN\r\n", "S334 VXNlcm5hbWU6\r\n",
              "CYWxpY2U=\r\n"},
     .mech = "LOGIN", CREDS, .fail_at = F_AUTH, .kind = GW_ECLOSED, .broken = 1,
     ENVELOPE},
    {.name = "AUTH SCRAM-SHA-1, RFC 5802, then a message",
     .talk = {GREET, EHLO, CAPS_PIPE, SCRAM_AUTH, SCRAM_S1, SCRAM_C2,
              "S334 dj1ybUY5cHFWOFM3c3VBb1pXamE0ZEpSa0ZzS1E9\r\n", "C\r\n",
              "S235 2.7.0 Authentication successful\r\n", FLIGHT,
              "S250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n", BODY, "S250 Ok\r\n"},
     .mech = "SCRAM-SHA-1", .user = "user", .pass = "pencil", .nonce = SCRAM_NONCE,
     ENVELOPE, .codes = {250, 250}},
    {.name = "AUTH SCRAM-SHA-1, server signature mismatch: broken, no MAIL",
     .talk = {GREET, EHLO, CAPS_PIPE, SCRAM_AUTH, SCRAM_S1, SCRAM_C2,
              "S334 dj1zbUY5cHFWOFM3c3VBb1pXamE0ZEpSa0ZzS1E9\r\n", "C*\r\n",
              "S501 5.7.0 Authentication aborted\r\n", "U235 2.7.0 Accepted\r\n"},
     .mech = "SCRAM-SHA-1", .user = "user", .pass = "pencil", .nonce = SCRAM_NONCE,
     ENVELOPE, .quit = 1, .fail_at = F_AUTH, .kind = GW_EAUTH_FAILED,
     .has = "server signature mismatch", .broken = 1},
    {.name = "AUTH SCRAM-SHA-1, 235 without a server signature: broken, no MAIL",
     .talk = {GREET, EHLO, CAPS_PIPE, SCRAM_AUTH, SCRAM_S1, SCRAM_C2,
              "S235 2.7.0 Authentication successful\r\n"},
     .mech = "SCRAM-SHA-1", .user = "user", .pass = "pencil", .nonce = SCRAM_NONCE,
     ENVELOPE, .quit = 1, .fail_at = F_AUTH, .kind = GW_EAUTH_FAILED,
     .has = "without proving", .broken = 1},
    {.name = "AUTH SCRAM-SHA-1, the proof refused: 535",
     .talk = {GREET, EHLO, CAPS_PIPE, SCRAM_AUTH, SCRAM_S1, SCRAM_C2,
              "S535 5.7.8 Authentication credentials invalid\r\n"},
     .mech = "SCRAM-SHA-1", .user = "user", .pass = "pencil", .nonce = SCRAM_NONCE,
     .fail_at = F_AUTH, .kind = GW_EAUTH_FAILED, .code = 535, .has = "credentials invalid"},

    /* AUTH PLAIN pipelined with MAIL, RCPT and BDAT or DATA */
    {.name = "pipelined AUTH PLAIN: AUTH, MAIL, RCPTs, BDAT LAST and the message in one flight",
     .talk = {GREET, EHLO, CAPS_AP, AP_FLIGHT, RAW_BODY,
              "S235 2.7.0 Authentication successful\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
              "250 2.1.5 Ok\r\n250 2.0.0 Ok: 29 bytes queued as 4Xyz\r\n", "CQUIT\r\n",
              "U221 2.0.0 Bye\r\n"},
     .pipe = 1, .mech = "PLAIN", CREDS, ENVELOPE, .quit = 1, .codes = {250, 250}, .code1 = 235},
    {.name = "pipelined AUTH PLAIN refused (535), Postfix-style replies dropped, RSET, LOGIN",
     .talk = {GREET, EHLO, CAPS_AP, AP_FLIGHT, RAW_BODY,
              AP_535 "250 2.1.0 Ok\r\n"
              "554 5.7.1 <b@x>: Recipient address rejected: Access denied\r\n"
              "554 5.7.1 <c@x>: Recipient address rejected: Access denied\r\n"
              "554 5.5.1 Error: no valid recipients\r\n",
              "CRSET\r\n", "S250 2.0.0 Ok\r\n", LOGIN_OK, BDAT_FLIGHT, RAW_BODY,
              "S250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as 5Abc\r\n",
              "CQUIT\r\n"},
     .pipe = 1, .mech = "PLAIN", .mech2 = "LOGIN", CREDS, ENVELOPE, .quit = 1,
     .codes = {250, 250}, .code1 = 535},
    {.name = "pipelined AUTH PLAIN refused, MAIL refused too (530): no RSET, LOGIN",
     .talk = {GREET, EHLO, CAPS_AP, AP_FLIGHT, RAW_BODY,
              AP_535 "530 5.7.0 Authentication required\r\n503 5.5.1 Error: need MAIL command\r\n"
              "503 5.5.1 Error: need MAIL command\r\n503 5.5.1 Error: need MAIL command\r\n",
              LOGIN_OK, BDAT_FLIGHT, RAW_BODY,
              "S250 2.1.0 Ok\r\n550 5.1.1 no\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: queued\r\n"},
     .pipe = 1, .mech = "PLAIN", .mech2 = "LOGIN", CREDS, ENVELOPE, .codes = {550, 250},
     .code1 = 535},
    {.name = "pipelined AUTH PLAIN refused, then the server hangs up",
     .talk = {GREET, EHLO, CAPS_AP, AP_FLIGHT, RAW_BODY, AP_535},
     .pipe = 1, .mech = "PLAIN", .mech2 = "LOGIN", CREDS, ENVELOPE, .quit = 1,
     .fail_at = F_AUTH, .kind = GW_EAUTH_FAILED, .code = 535, .code1 = 535, .broken = 1,
     .has = "PLAIN: 535 5.7.8 Error: authentication failed"},
    {.name = "pipelined AUTH PLAIN refused, the server hangs up after MAIL's reply",
     .talk = {GREET, EHLO, CAPS_AP, AP_FLIGHT, RAW_BODY, AP_535 "250 2.1.0 Ok\r\n"},
     .pipe = 1, .mech = "PLAIN", CREDS, ENVELOPE, .fail_at = F_AUTH, .kind = GW_EAUTH_FAILED,
     .code = 535, .code1 = 535, .broken = 1},
    {.name = "pipelined AUTH PLAIN: the server hangs up before any reply",
     .talk = {GREET, EHLO, CAPS_AP, AP_FLIGHT, RAW_BODY},
     .pipe = 1, .mech = "PLAIN", CREDS, ENVELOPE, .fail_at = F_AUTH, .kind = GW_ECLOSED,
     .broken = 1},
    {.name = "pipelined AUTH PLAIN: a temporary refusal (454) is a refusal",
     .talk = {GREET, EHLO, CAPS_AP, AP_FLIGHT, RAW_BODY,
              "S454 4.7.0 Temporary authentication failure\r\n530 5.7.0 Authentication "
              "required\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need MAIL\r\n",
              "CQUIT\r\n"},
     .pipe = 1, .mech = "PLAIN", CREDS, ENVELOPE, .quit = 1, .fail_at = F_AUTH,
     .kind = GW_EAUTH_FAILED, .code = 454, .code1 = 454, .has = "Temporary authentication"},
    {.name = "pipelined AUTH PLAIN: a recipient refused after the 235",
     .talk = {GREET, EHLO, CAPS_AP, AP_FLIGHT, RAW_BODY,
              "S235 2.7.0 ok\r\n250 2.1.0 Ok\r\n550 5.1.1 <b@x>: Recipient address rejected: "
              "User unknown\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as 6Def\r\n", "CQUIT\r\n"},
     .pipe = 1, .mech = "PLAIN", CREDS, ENVELOPE, .quit = 1, .codes = {550, 250}, .code1 = 235},
    {.name = "pipelined AUTH PLAIN: every recipient refused after the 235, RSET",
     .talk = {GREET, EHLO, CAPS_AP, AP_FLIGHT, RAW_BODY,
              "S235 2.7.0 ok\r\n250 2.1.0 Ok\r\n550 5.1.1 <b@x>: no\r\n550 5.1.1 <c@x>: no\r\n"
              "554 5.5.1 Error: no valid recipients\r\n", "CRSET\r\n", "S250 2.0.0 Ok\r\n"},
     .pipe = 1, .mech = "PLAIN", CREDS, ENVELOPE, .fail_at = F_MAIL, .kind = GW_ERECIPIENT,
     .code = 550, .code1 = 235, .has = "every recipient was refused: 550 5.1.1 <b@x>: no"},
    {.name = "pipelined AUTH PLAIN refused, but the server takes the message anyway: sent once",
     .talk = {GREET, EHLO, CAPS_AP, AP_FLIGHT, RAW_BODY,
              AP_535 "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as 7Ghi\r\n",
              "CQUIT\r\n"},
     .pipe = 1, .mech = "PLAIN", .mech2 = "LOGIN", CREDS, ENVELOPE, .quit = 1,
     .codes = {250, 250}, .code1 = 535, .unauth = 1},
    {.name = "pipelined AUTH PLAIN with DATA: the message only after 235 and 354",
     .talk = {GREET, EHLO, CAPS_AP_DATA, AP_FLIGHT_DATA,
              "S235 2.7.0 ok\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"
              "354 End data with <CR><LF>.<CR><LF>\r\n", BODY,
              "S250 2.0.0 Ok: queued as 8Jkl\r\n", "CQUIT\r\n"},
     .pipe = 1, .mech = "PLAIN", CREDS, ENVELOPE, .quit = 1, .codes = {250, 250}, .code1 = 235},
    {.name = "pipelined AUTH PLAIN with DATA refused: DATA refused too, no message, LOGIN",
     .talk = {GREET, EHLO, CAPS_AP_DATA, AP_FLIGHT_DATA,
              AP_535 "530 5.7.0 Authentication required\r\n503 5.5.1 need MAIL\r\n"
              "503 5.5.1 need MAIL\r\n503 5.5.1 need RCPT\r\n", LOGIN_OK, FLIGHT,
              "S250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n", BODY, "S250 Ok\r\n"},
     .pipe = 1, .mech = "PLAIN", .mech2 = "LOGIN", CREDS, ENVELOPE, .codes = {250, 250},
     .code1 = 535},
    {.name = "pipelined AUTH PLAIN with DATA refused, a lax server says 354: hang up, no message",
     .talk = {GREET, EHLO, CAPS_AP_DATA, AP_FLIGHT_DATA,
              AP_535 "250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go ahead\r\n", "U250 Ok\r\n"},
     .pipe = 1, .mech = "PLAIN", .mech2 = "LOGIN", CREDS, ENVELOPE, .quit = 1,
     .fail_at = F_AUTH, .kind = GW_EAUTH_FAILED, .code = 535, .code1 = 535, .broken = 1},
    {.name = "pipelined AUTH PLAIN answered 334: out of step, broken",
     .talk = {GREET, EHLO, CAPS_AP, AP_FLIGHT, RAW_BODY, "S334 \r\n", "U501 5.5.2 bad\r\n"},
     .pipe = 1, .mech = "PLAIN", CREDS, ENVELOPE, .quit = 1, .fail_at = F_AUTH,
     .kind = GW_EPROTOCOL, .code = 334, .code1 = 334, .broken = 1,
     .has = "unexpected reply to a pipelined AUTH"},
    {.name = "AUTH PLAIN and a message without PIPELINING: one command at a time",
     .talk = {GREET, EHLO, CAPS_NOPIPE, "CAUTH PLAIN " PLAIN64 "\r\n", "S235 2.7.0 ok\r\n",
              "CMAIL FROM:<a@x>\r\n", "S250 Ok\r\n", "CRCPT TO:<b@x>\r\n", "S250 Ok\r\n",
              "CRCPT TO:<c@x>\r\n", "S250 Ok\r\n", "CDATA\r\n", "S354 go\r\n", BODY,
              "S250 Ok\r\n"},
     .pipe = 1, .mech = "PLAIN", CREDS, ENVELOPE, .codes = {250, 250}, .code1 = 235},
    {.name = "AUTH LOGIN and a message: LOGIN never opens a flight",
     .talk = {GREET, EHLO, CAPS_AP, LOGIN_OK, BDAT_FLIGHT, RAW_BODY,
              "S250 Ok\r\n250 Ok\r\n250 Ok\r\n250 Ok: queued\r\n"},
     .pipe = 1, .mech = "LOGIN", CREDS, ENVELOPE, .codes = {250, 250}, .code1 = 235},
    {.name = "pipelined AUTH PLAIN: a message over SIZE: nothing sent, not even AUTH",
     .talk = {GREET, EHLO, "S250-mx.example\r\n250-PIPELINING\r\n250-SIZE 28\r\n"
              "250 AUTH PLAIN\r\n", "CQUIT\r\n"},
     .pipe = 1, .mech = "PLAIN", CREDS, ENVELOPE, .quit = 1, .fail_at = F_AUTH,
     .kind = GW_EDATA, .has = "SIZE limit of 28 bytes"},
    {.name = "pipelined AUTH PLAIN: LF in a recipient: nothing sent",
     .talk = {GREET, EHLO, CAPS_AP}, .from = "a@x", .to = {"b@x", "c@x>\nDATA"}, .nto = 2,
     .pipe = 1, .mech = "PLAIN", CREDS, .fail_at = F_AUTH, .kind = GW_EBAD_ARGUMENT,
     .has = "line break"},

    /* greeting, EHLO, HELO */
    {.name = "EHLO refused with 502: HELO",
     .talk = {GREET, EHLO, "S502 5.5.2 Error: command not recognized\r\n", "CHELO gw.test\r\n",
              "S250 mx.example\r\n", "CMAIL FROM:<a@x>\r\n", "S250 Ok\r\n", "CRCPT TO:<b@x>\r\n",
              "S250 Ok\r\n", "CRCPT TO:<c@x>\r\n", "S250 Ok\r\n", "CDATA\r\n", "S354 go\r\n", BODY,
              "S250 Ok\r\n", "CQUIT\r\n"},
     ENVELOPE, .quit = 1, .codes = {250, 250}},
    {.name = "EHLO and HELO refused",
     .talk = {GREET, EHLO, "S500 5.5.1 unknown\r\n", "CHELO gw.test\r\n", "S501 5.5.4 no\r\n"},
     .fail_at = F_OPEN, .kind = GW_EPROTOCOL, .code = 501, .has = "HELO refused", .broken = 1},
    {.name = "EHLO answered 421",
     .talk = {GREET, EHLO, "S421 4.3.2 Service shutting down\r\n"},
     .fail_at = F_OPEN, .kind = GW_EPROTOCOL, .code = 421, .has = "shutting down", .broken = 1},
    {.name = "greeting 554",
     .talk = {"S554 5.7.1 No SMTP service here\r\n", "CQUIT\r\n"}, .quit = 1,
     .fail_at = F_OPEN, .kind = GW_EPROTOCOL, .code = 554, .has = "No SMTP service here",
     .broken = 1},
    {.name = "multi-line greeting",
     .talk = {"S220-mx.example ESMTP\r\n220-no UCE\r\n220 ready\r\n", EHLO, CAPS_PIPE},
     .greeting = "220 ready"},
    {.name = "bare LF line ends from the server",
     .talk = {"S220 mx.example\n", EHLO, "S250-mx.example\n250 PIPELINING\n"},
     .greeting = "220 mx.example"},
    {.name = "nothing from the server",
     .talk = {NULL}, .fail_at = F_OPEN, .kind = GW_ECLOSED, .broken = 1},
    {.name = "the server closes in the middle of a reply",
     .talk = {GREET, EHLO, "S250-mx.example\r\n250-PIPE"},
     .fail_at = F_OPEN, .kind = GW_ECLOSED, .has = "in the middle of a reply", .broken = 1},
    {.name = "the server closes in the middle of the first line",
     .talk = {"S220 mx.exa"}, .fail_at = F_OPEN, .kind = GW_ECLOSED, .broken = 1},
    {.name = "the code changes within a reply",
     .talk = {GREET, EHLO, "S250-mx.example\r\n251 PIPELINING\r\n"},
     .fail_at = F_OPEN, .kind = GW_EPROTOCOL, .has = "code changed", .broken = 1},
    {.name = "a 1yz reply",
     .talk = {"S120 wait\r\n"}, .fail_at = F_OPEN, .kind = GW_EPROTOCOL, .broken = 1},
    {.name = "a garbage reply",
     .talk = {"SHTTP/1.1 400 Bad Request\r\n"}, .fail_at = F_OPEN, .kind = GW_EPROTOCOL,
     .has = "malformed reply line", .broken = 1},
    {.name = "a NUL in a reply",
     .talk = {GREET, EHLO, "S250 mx\\0\r\n"}, .fail_at = F_OPEN, .kind = GW_EPROTOCOL,
     .broken = 1},

    /* STARTTLS */
    {.name = "STARTTLS required but not offered: nothing after EHLO",
     .talk = {GREET, EHLO, CAPS_PIPE}, .tls = SMTP_TLS_STARTTLS, .quit = 1,
     .fail_at = F_OPEN, .kind = GW_ETLS_REQUIRED, .has = "does not offer STARTTLS", .broken = 1},
    {.name = "STARTTLS refused with 454",
     .talk = {GREET, EHLO, "S250-mx.example\r\n250 STARTTLS\r\n", "CSTARTTLS\r\n",
              "S454 4.7.0 TLS not available due to local problem\r\n"},
     .tls = SMTP_TLS_STARTTLS, .fail_at = F_OPEN, .kind = GW_ETLS, .code = 454,
     .has = "TLS not available", .broken = 1},

    /* SIZE, 8BITMIME, SMTPUTF8, injection */
    {.name = "SIZE 100 and a 500-byte message: nothing sent",
     .talk = {GREET, EHLO, "S250-mx.example\r\n250-PIPELINING\r\n250 SIZE 100\r\n", "CQUIT\r\n"},
     ENVELOPE, .msg = big_msg, .quit = 1, .fail_at = F_MAIL, .kind = GW_EDATA,
     .has = "exceeds the server's SIZE limit of 100 bytes"},
    {.name = "SIZE 29 and a 29-byte message: sent (the stuffed dot and the end not counted)",
     .talk = {GREET, EHLO, "S250-mx.example\r\n250-PIPELINING\r\n250 SIZE 29\r\n", FLIGHT,
              "S250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n", BODY, "S250 Ok\r\n"},
     ENVELOPE, .codes = {250, 250}},
    {.name = "SIZE 28 and a 29-byte message: nothing sent",
     .talk = {GREET, EHLO, "S250-mx.example\r\n250-PIPELINING\r\n250 SIZE 28\r\n"},
     ENVELOPE, .fail_at = F_MAIL, .kind = GW_EDATA,
     .has = "message of 29 bytes exceeds the server's SIZE limit of 28 bytes"},
    {.name = "SIZE= counts CRLF line ends, not stuffed dots",
     .talk = {GREET, EHLO, "S250-mx.example\r\n250 SIZE 9\r\n", "CMAIL FROM:<a@x> SIZE=9\r\n",
              "S250 Ok\r\n", "CRCPT TO:<b@x>\r\n", "S250 Ok\r\n", "CDATA\r\n", "S354 go\r\n",
              "C..a\r\n...b\r\n.\r\n", "S250 Ok\r\n"},
     .from = "a@x", .to = {"b@x"}, .nto = 1, .msg = ".a\n..b\n", .codes = {250}},
    {.name = "8-bit body without 8BITMIME: nothing sent",
     .talk = {GREET, EHLO, "S250-mx.example\r\n250 PIPELINING\r\n"},
     ENVELOPE, .msg = "Subject: caf\xc3\xa9\r\n\r\nd\xc3\xa9j\xc3\xa0 vu\r\n",
     .fail_at = F_MAIL, .kind = GW_EBAD_ARGUMENT, .has = "8BITMIME"},
    {.name = "8-bit body with 8BITMIME: BODY=8BITMIME",
     .talk = {GREET, EHLO, CAPS_PIPE,
              "CMAIL FROM:<a@x> SIZE=29 BODY=8BITMIME\r\nRCPT TO:<b@x>\r\nDATA\r\n",
              "S250 Ok\r\n250 Ok\r\n354 go\r\n",
              "CSubject: caf\xc3\xa9\r\n\r\nd\xc3\xa9j\xc3\xa0 vu\r\n.\r\n", "S250 Ok\r\n"},
     .from = "a@x", .to = {"b@x"}, .nto = 1,
     .msg = "Subject: caf\xc3\xa9\r\n\r\nd\xc3\xa9j\xc3\xa0 vu\r\n", .codes = {250}},
    {.name = "a UTF-8 address without SMTPUTF8: nothing sent",
     .talk = {GREET, EHLO, CAPS_PIPE},
     .from = "a@x", .to = {"j\xc3\xbcrgen@x"}, .nto = 1,
     .fail_at = F_MAIL, .kind = GW_EBAD_ARGUMENT, .has = "SMTPUTF8"},
    {.name = "a UTF-8 address with SMTPUTF8: SMTPUTF8 on MAIL",
     .talk = {GREET, EHLO, "S250-mx.example\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
              "CMAIL FROM:<j\xc3\xbcrgen@x> SMTPUTF8\r\n", "S250 Ok\r\n", "CRCPT TO:<b@x>\r\n",
              "S250 Ok\r\n", "CDATA\r\n", "S354 go\r\n", BODY, "S250 Ok\r\n"},
     .from = "j\xc3\xbcrgen@x", .to = {"b@x"}, .nto = 1, .codes = {250}},
    {.name = "CR/LF in the sender: nothing sent",
     .talk = {GREET, EHLO, CAPS_PIPE}, .from = "a@x>\r\nRCPT TO:<victim@y", .to = {"b@x"},
     .nto = 1, .fail_at = F_MAIL, .kind = GW_EBAD_ARGUMENT, .has = "line break"},
    {.name = "LF in a recipient, pipelined: nothing sent",
     .talk = {GREET, EHLO, CAPS_PIPE}, .from = "a@x", .to = {"b@x", "c@x>\nDATA"}, .nto = 2,
     .fail_at = F_MAIL, .kind = GW_EBAD_ARGUMENT, .has = "line break"},
    {.name = "CR in a recipient, not pipelined: nothing sent",
     .talk = {GREET, EHLO, CAPS_NOPIPE}, .from = "a@x", .to = {"b@x", "c@x\r"}, .nto = 2,
     .fail_at = F_MAIL, .kind = GW_EBAD_ARGUMENT, .has = "line break"},
    {.name = "a NUL in the message: nothing sent",
     .talk = {GREET, EHLO, CAPS_PIPE}, ENVELOPE, .msg = "a\0b", .msglen = 3,
     .fail_at = F_MAIL, .kind = GW_EBAD_ARGUMENT, .has = "NUL"},
    {.name = "no recipients: nothing sent",
     .talk = {GREET, EHLO, CAPS_PIPE}, .from = "a@x", .nto = 0,
     .fail_at = F_MAIL, .kind = GW_EBAD_ARGUMENT},
};

#define NCASES (sizeof cases / sizeof cases[0])

/* Expected: the server script, the client's bytes and the dialogue. */
static void expect(const tcase *t, text *script, text *out, text *log)
{
    int i;
    memset(script, 0, sizeof *script);
    memset(out, 0, sizeof *out);
    memset(log, 0, sizeof *log);
    for (i = 0; i < TALK_MAX && t->talk[i]; i++) {
        const char *p = t->talk[i] + 1;
        size_t n = strlen(p);
        char raw[4096];
        /* "\\0" in a server part is a NUL byte */
        size_t k = 0, j;
        for (j = 0; j < n && k < sizeof raw; j++) {
            if (p[j] == '\\' && p[j + 1] == '0') {
                raw[k++] = '\0';
                j++;
            } else {
                raw[k++] = p[j];
            }
        }
        if (t->talk[i][0] == 'C') {
            text_esc(out, raw, k);
            text_event(log, EV_C, raw, k);
        } else {
            text_add(script, raw, k);
            if (t->talk[i][0] == 'S')
                text_event(log, EV_S, raw, k);
        }
    }
}

/* What the client sent, byte for byte, against out; and (once, at chunk 1)
 * the whole dialogue against log. */
static void check_transcript(const char *case_name, size_t chunk, const text *out, const text *log)
{
    char name[256];
    snprintf(name, sizeof name, "%s [chunk %d]: client bytes", case_name, (int)chunk);
    CHECK_STR(rec.out.buf, out->buf, name);
    if (chunk == 1) {
        snprintf(name, sizeof name, "%s: dialogue", case_name);
        if (!CHECK(strcmp(rec.log.buf, log->buf) == 0, name))
            printf("# got:\n%s\n# want:\n%s\n", rec.log.buf, log->buf);
    }
}

static void run_case(const tcase *t, size_t chunk)
{
    static text script, out, log;
    smtp_session s;
    smtp_opts o;
    smtp_rcpt res[3];
    gw_err e;
    int failed = F_NONE, k;
    long recvs;
    size_t len = t->msglen ? t->msglen : t->msg ? strlen(t->msg) : strlen(MSG);
    char name[256];
    expect(t, &script, &out, &log);
    memset(&o, 0, sizeof o);
    o.host = "mx.example";
    o.helo = "gw.test";
    o.tls_mode = t->tls;
    o.timeout = 5;
    memset(res, 0, sizeof res);
    gw_err_clear(&e);
    smtp_session_init(&s, NULL, NULL);
    if (smtp_session_open_io(&s, tap_new(script.buf, script.len, chunk), &o, &e) != 0)
        failed = F_OPEN;
    k = 0;
    if (!failed && t->mech) {
        sasl_creds cr;
        memset(&cr, 0, sizeof cr);
        cr.user = t->user;
        cr.password = t->pass;
        if (t->pipe) {
            /* AUTH and the first message; a failure before the AUTH was
             * accepted counts as the AUTH's */
            k = 1;
            if (smtp_session_auth_mail(&s, t->mech, &cr, t->from, t->to, t->nto,
                                       t->msg ? t->msg : MSG, len, res, &e) != 0)
                failed = s.authenticated ? F_MAIL : F_AUTH;
            snprintf(name, sizeof name, "%s [chunk %d]: first AUTH ended with %d", t->name,
                     (int)chunk, t->code1);
            CHECK(s.auth_result.code == t->code1 && atoi(s.auth_result.reply) == t->code1, name);
            if (failed == F_AUTH && e.kind == GW_EAUTH_FAILED) {
                size_t i, zero = 1;
                for (i = 0; i < t->nto; i++)
                    zero &= res[i].code == 0;
                snprintf(name, sizeof name, "%s [chunk %d]: no result from a refused flight",
                         t->name, (int)chunk);
                CHECK(zero && s.reply.code == t->code1, name);
            }
            if (failed == F_AUTH && t->mech2 && !s.broken) {
                failed = F_NONE;
                k = 0;
                if (smtp_session_auth(&s, t->mech2, &cr, NULL, &e) != 0)
                    failed = F_AUTH;
            }
        } else if (smtp_session_auth(&s, t->mech, &cr, t->nonce, &e) != 0) {
            failed = F_AUTH;
        }
    }
    /* every message is tried while the session lasts: a refused one is
     * followed by RSET, and the next one goes on the same session */
    for (; (!failed || (failed == F_MAIL && !s.broken)) && t->from
                && k < (t->mails ? t->mails : 1); k++) {
        memset(res, 0, sizeof res);
        if (smtp_session_mail(&s, t->from, t->to, t->nto, t->msg ? t->msg : MSG, len, res, &e) != 0)
            failed = F_MAIL;
    }
    if (!failed && t->rset && smtp_session_rset(&s, &e) != 0)
        failed = F_RSET;

    snprintf(name, sizeof name, "%s [chunk %d]: result", t->name, (int)chunk);
    if (!CHECK(failed == t->fail_at, name))
        printf("#   failed at %d, want %d: %s: %s\n", failed, t->fail_at,
               gw_kind_name(e.kind), e.msg);
    if (t->fail_at) {
        snprintf(name, sizeof name, "%s [chunk %d]: kind %s", t->name, (int)chunk,
                 gw_kind_name(t->kind));
        if (!CHECK(e.kind == t->kind, name))
            printf("#   got %s: %s\n", gw_kind_name(e.kind), e.msg);
        /* code 0: the failure carries no reply code (not a stale one) */
        snprintf(name, sizeof name, "%s [chunk %d]: code %d", t->name, (int)chunk, t->code);
        if (!CHECK(e.code == t->code, name))
            printf("#   got %d\n", e.code);
        if (t->has) {
            snprintf(name, sizeof name, "%s [chunk %d]: message", t->name, (int)chunk);
            if (!CHECK(strstr(e.msg, t->has) != NULL, name))
                check_show(e.msg, t->has);
        }
    } else if (t->from) {
        size_t i;
        for (i = 0; i < t->nto; i++) {
            snprintf(name, sizeof name, "%s [chunk %d]: recipient %d: %d", t->name, (int)chunk,
                     (int)i, t->codes[i]);
            CHECK(res[i].code == t->codes[i] && atoi(res[i].reply) == t->codes[i], name);
        }
    }
    if (t->pipe) {
        snprintf(name, sizeof name, "%s [chunk %d]: authenticated = %d", t->name, (int)chunk,
                 !t->unauth && (!t->fail_at || t->fail_at == F_MAIL));
        CHECK(s.authenticated == (!t->unauth && (!t->fail_at || t->fail_at == F_MAIL)), name);
    }
    if (t->greeting) {
        snprintf(name, sizeof name, "%s [chunk %d]: greeting", t->name, (int)chunk);
        CHECK_STR(s.greeting, t->greeting, name);
    }
    snprintf(name, sizeof name, "%s [chunk %d]: broken = %d", t->name, (int)chunk, t->broken);
    CHECK(s.broken == t->broken, name);
    if (s.broken) {
        /* Nothing more goes out on a broken session. */
        static const char *const one[] = {"b@x"};
        size_t before = rec.sent;
        gw_err e2;
        snprintf(name, sizeof name, "%s [chunk %d]: no MAIL once broken", t->name, (int)chunk);
        CHECK(smtp_session_mail(&s, "a@x", one, 1, "x", 1, res, &e2) == -1
              && e2.kind == GW_ECLOSED && rec.sent == before, name);
        snprintf(name, sizeof name, "%s [chunk %d]: no RSET once broken", t->name, (int)chunk);
        CHECK(smtp_session_rset(&s, &e2) == -1 && e2.kind == GW_ECLOSED && rec.sent == before,
              name);
        snprintf(name, sizeof name, "%s [chunk %d]: no AUTH once broken", t->name, (int)chunk);
        {
            sasl_creds cr;
            memset(&cr, 0, sizeof cr);
            cr.user = "u";
            cr.password = "p";
            CHECK(smtp_session_auth(&s, "PLAIN", &cr, NULL, &e2) == -1
                  && e2.kind == GW_ECLOSED && rec.sent == before, name);
        }
    }
    recvs = rec.recvs;
    if (t->quit)
        smtp_session_quit(&s);
    else
        smtp_session_close(&s);
    smtp_session_close(&s);             /* idempotent */
    snprintf(name, sizeof name, "%s [chunk %d]: the io is closed once", t->name, (int)chunk);
    CHECK(rec.closes == 1 && s.io == NULL, name);
    if (t->quit) {
        snprintf(name, sizeof name, "%s [chunk %d]: QUIT reads nothing", t->name, (int)chunk);
        CHECK(rec.recvs == recvs, name);
    }
    check_transcript(t->name, chunk, &out, &log);
}

/* ---- cases that need more than the table ---- */

/* Opens a session over script[0..n); rc of smtp_session_open_io. */
static int open_script(smtp_session *s, const char *script, size_t n, size_t chunk,
                       smtp_trace_fn trace, void *ud, gw_err *e)
{
    smtp_opts o;
    memset(&o, 0, sizeof o);
    o.host = "mx.example";
    o.helo = "gw.test";
    o.timeout = 5;
    gw_err_clear(e);
    smtp_session_init(s, trace, ud);
    return smtp_session_open_io(s, tap_new(script, n, chunk), &o, e);
}

/* The pipelined flight: results carry codes and texts, s.reply the final reply. */
static void test_results(void)
{
    static const char script[] =
        "220 mx.example ESMTP\r\n"
        "250-mx.example\r\n250-PIPELINING\r\n250 SIZE 0\r\n"
        "250 2.1.0 Ok\r\n550 5.1.1 <b@x>: Recipient address rejected: User unknown\r\n"
        "250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
        "250 2.0.0 Ok: queued as 4Xyz\r\n";
    static const char *const to[] = {"b@x", "c@x"};
    smtp_session s;
    smtp_rcpt res[2];
    gw_err e;
    size_t n;
    const char *last;
    CHECK(open_script(&s, script, sizeof script - 1, 0, NULL, NULL, &e) == 0, "results: open");
    CHECK(s.caps.flags & SMTP_CAP_SIZE, "results: SIZE 0 offered");
    CHECK(smtp_session_mail(&s, "a@x", to, 2, MSG, strlen(MSG), res, &e) == 0, "results: mail");
    CHECK(res[0].code == 550, "results: first refused");
    CHECK_STR(res[0].reply, "550 5.1.1 <b@x>: Recipient address rejected: User unknown",
              "results: first reply text");
    CHECK(res[1].code == 250, "results: second accepted");
    CHECK_STR(res[1].reply, "250 2.1.5 Ok", "results: second reply text");
    last = smtp_reply_last(&s.reply, &n);
    CHECK(s.reply.code == 250 && n == strlen("250 2.0.0 Ok: queued as 4Xyz")
          && memcmp(last, "250 2.0.0 Ok: queued as 4Xyz", n) == 0,
          "results: s.reply is the final reply");
    smtp_session_close(&s);
    CHECK_STR(rec.out.buf, "EHLO gw.test\\r\\nMAIL FROM:<a@x> SIZE=29\\r\\nRCPT TO:<b@x>\\r\\n"
              "RCPT TO:<c@x>\\r\\nDATA\\r\\nSubject: t\\r\\n\\r\\n..hidden\\r\\nbody\\r\\n.\\r\\n",
              "results: client bytes (SIZE 0: no limit, SIZE= still given)");
}

/* A long reply text is cut in results[], not overflowed. */
static void test_long_rcpt_reply(void)
{
    static char script[4096];
    static const char *const to[] = {"b@x"};
    smtp_session s;
    smtp_rcpt res[1];
    gw_err e;
    size_t n = 0;
    char text1[600];
    memset(text1, 'r', sizeof text1 - 1);
    text1[sizeof text1 - 1] = '\0';
    n += (size_t)snprintf(script + n, sizeof script - n,
                          "220 mx\r\n250-mx\r\n250 PIPELINING\r\n250 Ok\r\n"
                          "250 %s\r\n354 go\r\n250 Ok\r\n", text1);
    CHECK(open_script(&s, script, n, 0, NULL, NULL, &e) == 0, "long reply: open");
    CHECK(smtp_session_mail(&s, "a@x", to, 1, "x", 1, res, &e) == 0, "long reply: mail");
    CHECK(res[0].code == 250 && strlen(res[0].reply) == sizeof res[0].reply - 1
          && strncmp(res[0].reply, "250 rrr", 7) == 0, "long reply: cut to 255 bytes");
    smtp_session_close(&s);
}

/* Reply lines at and beyond GW_SMTP_LINE_MAX, and GW_SMTP_REPLY_LINES. */
static void test_bounds(void)
{
    static char script[GW_SMTP_LINE_MAX * 2 + 4096];
    smtp_session s;
    gw_err e;
    size_t n, chunks[] = {0, 1, 100};
    int i, c;
    for (c = 0; c < 3; c++) {
        char name[128];
        /* a greeting of exactly GW_SMTP_LINE_MAX bytes, CRLF excluded */
        memcpy(script, "220 ", 4);
        memset(script + 4, 'g', GW_SMTP_LINE_MAX - 4);
        n = GW_SMTP_LINE_MAX;
        n += (size_t)snprintf(script + n, sizeof script - n, "\r\n250 mx\r\n");
        snprintf(name, sizeof name, "a %d-byte line and CRLF is taken [chunk %d]",
                 GW_SMTP_LINE_MAX, (int)chunks[c]);
        if (!CHECK(open_script(&s, script, n, chunks[c], NULL, NULL, &e) == 0, name))
            printf("#   %s\n", e.msg);
        smtp_session_close(&s);
        /* with a bare LF too */
        n = GW_SMTP_LINE_MAX;
        n += (size_t)snprintf(script + n, sizeof script - n, "\n250 mx\r\n");
        snprintf(name, sizeof name, "a %d-byte line and LF is taken [chunk %d]",
                 GW_SMTP_LINE_MAX, (int)chunks[c]);
        CHECK(open_script(&s, script, n, chunks[c], NULL, NULL, &e) == 0, name);
        smtp_session_close(&s);
        /* one byte more */
        memset(script + 4, 'g', GW_SMTP_LINE_MAX - 3);
        n = GW_SMTP_LINE_MAX + 1;
        n += (size_t)snprintf(script + n, sizeof script - n, "\r\n250 mx\r\n");
        snprintf(name, sizeof name, "a %d-byte line is refused [chunk %d]",
                 GW_SMTP_LINE_MAX + 1, (int)chunks[c]);
        CHECK(open_script(&s, script, n, chunks[c], NULL, NULL, &e) == -1
              && e.kind == GW_EPROTOCOL && strstr(e.msg, "longer than") && s.broken
              && rec.sent == 0, name);
        smtp_session_close(&s);
        /* far too long, and nothing after it */
        memset(script + 4, 'g', sizeof script - 4);
        snprintf(name, sizeof name, "an endless line is refused [chunk %d]", (int)chunks[c]);
        CHECK(open_script(&s, script, sizeof script, chunks[c], NULL, NULL, &e) == -1
              && e.kind == GW_EPROTOCOL && rec.sent == 0, name);
        smtp_session_close(&s);
    }
    /* GW_SMTP_REPLY_LINES lines are taken, one more is refused */
    for (c = 0; c < 2; c++) {
        int lines = GW_SMTP_REPLY_LINES + c;
        char name[128];
        n = (size_t)snprintf(script, sizeof script, "220 mx\r\n");
        for (i = 1; i < lines; i++)
            n += (size_t)snprintf(script + n, sizeof script - n, "250-X-LINE-%d\r\n", i);
        n += (size_t)snprintf(script + n, sizeof script - n, "250 PIPELINING\r\n");
        snprintf(name, sizeof name, "an EHLO reply of %d lines is %s", lines,
                 c ? "refused" : "taken");
        if (c == 0) {
            CHECK(open_script(&s, script, n, 0, NULL, NULL, &e) == 0
                  && (s.caps.flags & SMTP_CAP_PIPELINING), name);
        } else {
            CHECK(open_script(&s, script, n, 0, NULL, NULL, &e) == -1
                  && e.kind == GW_EPROTOCOL && strstr(e.msg, "more than") && s.broken, name);
        }
        smtp_session_close(&s);
    }
}

/* Things that must be refused before anything is sent. */
static void test_arguments(void)
{
    static const char script[] = "220 mx\r\n250-mx\r\n250 SIZE 1000000\r\n"
        "250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n250 Ok\r\n";
    static const char piped[] = "220 mx\r\n250-mx\r\n250 PIPELINING\r\n"
        "250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n250 Ok\r\n";
    char addr[1200], name[128];
    int pipe;
    const char *to[GW_SMTP_RCPT_MAX + 1];
    smtp_session s;
    smtp_rcpt res[GW_SMTP_RCPT_MAX + 1];
    gw_err e;
    size_t i, lens[] = {988, 989, 990, 1100}, k;
    /* A recipient too long for one command line (RCPT TO:<...> is 1000
     * bytes with CRLF at most): refused before MAIL, not after. */
    for (k = 0; k < 2 * sizeof lens / sizeof lens[0]; k++) {
        size_t len = lens[k / 2];
        int fits = 10 + len + 2 <= GW_SMTP_CMD_MAX;
        pipe = k % 2;
        memset(addr, 'a', len);
        addr[len] = '\0';
        to[0] = "b@x";
        to[1] = addr;
        CHECK(open_script(&s, pipe ? piped : script, pipe ? sizeof piped - 1 : sizeof script - 1,
                          0, NULL, NULL, &e) == 0, "open");
        snprintf(name, sizeof name, "a %d-byte recipient%s: %s", (int)len,
                 pipe ? ", pipelined" : "", fits ? "sent" : "refused, nothing sent");
        if (fits) {
            CHECK(smtp_session_mail(&s, "a@x", to, 2, "x", 1, res, &e) == 0
                  && strstr(rec.out.buf, addr) != NULL, name);
        } else {
            size_t before = rec.sent;
            CHECK(smtp_session_mail(&s, "a@x", to, 2, "x", 1, res, &e) == -1
                  && e.kind == GW_EBAD_ARGUMENT && rec.sent == before && !s.broken, name);
        }
        smtp_session_close(&s);
    }
    /* the same for the sender */
    memset(addr, 'a', 1100);
    addr[1100] = '\0';
    to[0] = "b@x";
    CHECK(open_script(&s, script, sizeof script - 1, 0, NULL, NULL, &e) == 0, "open");
    {
        size_t before = rec.sent;
        CHECK(smtp_session_mail(&s, addr, to, 1, "x", 1, res, &e) == -1
              && e.kind == GW_EBAD_ARGUMENT && rec.sent == before, "a 1100-byte sender: refused");
    }
    /* too many recipients */
    for (i = 0; i <= GW_SMTP_RCPT_MAX; i++)
        to[i] = "b@x";
    {
        size_t before = rec.sent;
        CHECK(smtp_session_mail(&s, "a@x", to, GW_SMTP_RCPT_MAX + 1, "x", 1, res, &e) == -1
              && e.kind == GW_EBAD_ARGUMENT && rec.sent == before, "101 recipients: refused");
    }
    smtp_session_close(&s);
    /* a bad helo name */
    {
        smtp_opts o;
        memset(&o, 0, sizeof o);
        o.helo = "gw\r\nMAIL FROM:<x>";
        smtp_session_init(&s, NULL, NULL);
        CHECK(smtp_session_open_io(&s, tap_new(script, sizeof script - 1, 0), &o, &e) == -1
              && e.kind == GW_EBAD_ARGUMENT && rec.sent == 0 && rec.recvs == 0,
              "CR/LF in the helo name: refused, nothing sent");
        smtp_session_close(&s);
        CHECK(rec.closes == 1, "the io of a refused open is closed by smtp_session_close");
        o.helo = "gw test";
        smtp_session_init(&s, NULL, NULL);
        CHECK(smtp_session_open_io(&s, tap_new(script, sizeof script - 1, 0), &o, &e) == -1
              && e.kind == GW_EBAD_ARGUMENT && rec.sent == 0, "a space in the helo name");
        smtp_session_close(&s);
        o.helo = NULL;
        smtp_session_init(&s, NULL, NULL);
        CHECK(smtp_session_open_io(&s, tap_new(script, sizeof script - 1, 0), &o, &e) == 0,
              "no helo name: localhost");
        smtp_session_close(&s);
        CHECK_STR(rec.out.buf, "EHLO localhost\\r\\n", "EHLO localhost");
    }
    /* calls on a session that was never opened or is closed */
    {
        sasl_creds cr;
        memset(&cr, 0, sizeof cr);
        cr.user = "u";
        cr.password = "p";
        smtp_session_init(&s, NULL, NULL);
        CHECK(smtp_session_mail(&s, "a@x", to, 1, "x", 1, res, &e) == -1
              && e.kind == GW_ECLOSED, "mail before open");
        CHECK(smtp_session_auth(&s, "PLAIN", &cr, NULL, &e) == -1 && e.kind == GW_ECLOSED,
              "auth before open");
        CHECK(smtp_session_rset(&s, &e) == -1 && e.kind == GW_ECLOSED, "rset before open");
        smtp_session_quit(&s);
        smtp_session_close(&s);
        CHECK(s.io == NULL, "quit and close on a session never opened");
    }
}

/* STARTTLS over an io that cannot do TLS fails cleanly (no leak, no wait). */
static void test_starttls_memio(void)
{
    static const char script[] = "220 mx\r\n250-mx\r\n250 STARTTLS\r\n220 2.0.0 go ahead\r\n";
    smtp_session s;
    smtp_opts o;
    gw_err e;
    int64_t t0 = gw_now_ms();
    memset(&o, 0, sizeof o);
    o.host = "mx.example";
    o.helo = "gw.test";
    o.tls_mode = SMTP_TLS_STARTTLS;
    o.tls.verify = 1;
    o.timeout = 3;
    smtp_session_init(&s, NULL, NULL);
    if (!CHECK(smtp_session_open_io(&s, tap_new(script, sizeof script - 1, 0), &o, &e) == -1
               && e.kind == GW_ETLS && s.broken, "STARTTLS over memio: tls error"))
        printf("#   %s: %s\n", gw_kind_name(e.kind), e.msg);
    CHECK(gw_now_ms() - t0 < 1000, "STARTTLS over memio: no wait");
    CHECK_STR(rec.out.buf, "EHLO gw.test\\r\\nSTARTTLS\\r\\n", "STARTTLS over memio: bytes");
    CHECK(rec.closes == 1, "STARTTLS over memio: the old io is closed");
    smtp_session_close(&s);
}

/* ---- tracing and secrets ---- */

typedef struct tlog {
    char lines[64][300];
    int n;
} tlog;

static void trace_rec(void *ud, int dir, const char *line, size_t len)
{
    tlog *t = ud;
    if (t->n < 64)
        snprintf(t->lines[t->n++], sizeof t->lines[0], "%c %.*s", dir, (int)len, line);
}

static int traced(const tlog *t, const char *line)
{
    int i;
    for (i = 0; i < t->n; i++)
        if (strcmp(t->lines[i], line) == 0)
            return 1;
    return 0;
}

static const char *const secrets[] = {
    "s3cret!", "czNjcmV0IQ==", PLAIN64, "AHMzY3JldCE", "tanstaaftanstaaf",
    "b913a602c7eda7a495b4e6e7334d3890", "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw",
};

static void no_secret(const tlog *t, const gw_err *e, const char *what)
{
    size_t i;
    int j, ok = 1;
    for (i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        for (j = 0; j < t->n; j++)
            if (strstr(t->lines[j], secrets[i]))
                ok = 0;
        if (strstr(e->msg, secrets[i]))
            ok = 0;
    }
    CHECK(ok, what);
}

static void test_trace(void)
{
    static const char plain_ok[] =
        "220 mx\r\n250-mx\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n235 2.7.0 ok\r\n";
    static const char plain_bad[] =
        "220 mx\r\n250-mx\r\n250 AUTH PLAIN\r\n535 5.7.8 authentication failed\r\n";
    static const char login[] =
        "220 mx\r\n250-mx\r\n250 AUTH LOGIN\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n"
        "535 5.7.8 no\r\n";
    static const char cram[] =
        "220 mx\r\n250-mx\r\n250 AUTH CRAM-MD5\r\n"
        "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n535 5.7.8 no\r\n";
    smtp_session s;
    sasl_creds cr;
    gw_err e;
    static tlog t;
    memset(&cr, 0, sizeof cr);
    cr.user = "alice";
    cr.password = "s3cret!";

    memset(&t, 0, sizeof t);
    CHECK(open_script(&s, plain_ok, sizeof plain_ok - 1, 0, trace_rec, &t, &e) == 0, "trace: open");
    CHECK(smtp_session_auth(&s, "PLAIN", &cr, NULL, &e) == 0 && s.authenticated, "trace: PLAIN ok");
    CHECK(traced(&t, "S 220 mx") && traced(&t, "C EHLO gw.test") && traced(&t, "S 250-mx"),
          "trace: greeting, EHLO, reply lines");
    CHECK(traced(&t, "C AUTH PLAIN <redacted>"), "trace: AUTH PLAIN <redacted>");
    CHECK(traced(&t, "* authenticated with PLAIN"), "trace: a note");
    no_secret(&t, &e, "trace: PLAIN: no secret");
    smtp_session_quit(&s);
    CHECK(strstr(rec.out.buf, "AUTH PLAIN " PLAIN64) != NULL, "trace: the wire has it");

    memset(&t, 0, sizeof t);
    open_script(&s, plain_bad, sizeof plain_bad - 1, 1, trace_rec, &t, &e);
    CHECK(smtp_session_auth(&s, "PLAIN", &cr, NULL, &e) == -1 && e.kind == GW_EAUTH_FAILED
          && !s.authenticated, "trace: PLAIN refused");
    no_secret(&t, &e, "trace: PLAIN refused: no secret in the trace or the error");
    smtp_session_close(&s);

    memset(&t, 0, sizeof t);
    open_script(&s, login, sizeof login - 1, 0, trace_rec, &t, &e);
    CHECK(smtp_session_auth(&s, "LOGIN", &cr, NULL, &e) == -1 && e.code == 535, "trace: LOGIN");
    CHECK(traced(&t, "C AUTH LOGIN") && traced(&t, "S 334 UGFzc3dvcmQ6"),
          "trace: AUTH LOGIN and the challenges");
    {
        int i, redacted = 0;
        for (i = 0; i < t.n; i++)
            redacted += strcmp(t.lines[i], "C <redacted>") == 0;
        CHECK(redacted == 2, "trace: both LOGIN responses <redacted>");
    }
    no_secret(&t, &e, "trace: LOGIN: no secret");
    smtp_session_close(&s);

    memset(&t, 0, sizeof t);
    cr.user = "tim";
    cr.password = "tanstaaftanstaaf";
    open_script(&s, cram, sizeof cram - 1, 0, trace_rec, &t, &e);
    CHECK(smtp_session_auth(&s, "CRAM-MD5", &cr, NULL, &e) == -1 && e.code == 535, "trace: CRAM");
    CHECK(traced(&t, "C AUTH CRAM-MD5") && traced(&t, "C <redacted>"), "trace: CRAM <redacted>");
    no_secret(&t, &e, "trace: CRAM-MD5: no secret");
    smtp_session_close(&s);
}

/* Every vector of tests/fixtures/cram-md5-vectors.tsv as a transcript, the
 * last one with the ISP's 535 (a wrong password on purpose). */
static void test_cram_vectors(void)
{
    FILE *f = fopen("tests/fixtures/cram-md5-vectors.tsv", "r");
    char line[1024];
    int n = 0;
    if (!CHECK(f != NULL, "cram-md5-vectors.tsv readable (run from the top directory)"))
        return;
    while (fgets(line, sizeof line, f)) {
        char *user, *pass, *chal, *resp, *end;
        char s_chal[600], c_resp[600], name[200];
        tcase t;
        size_t c;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        user = strtok(line, "\t");
        pass = strtok(NULL, "\t");
        chal = strtok(NULL, "\t");
        resp = strtok(NULL, "\t\r\n");
        end = strtok(NULL, "\t\r\n");
        if (!CHECK(user && pass && chal && resp && !end, "cram vector: four fields"))
            continue;
        n++;
        memset(&t, 0, sizeof t);
        snprintf(name, sizeof name, "CRAM-MD5 vector %d (%s)", n, user);
        snprintf(s_chal, sizeof s_chal, "S334 %s\r\n", chal);
        snprintf(c_resp, sizeof c_resp, "C%s\r\n", resp);
        t.name = name;
        t.talk[0] = GREET;
        t.talk[1] = EHLO;
        t.talk[2] = "S250-mx.example\r\n250-AUTH=LOGIN PLAIN CRAM-MD5\r\n"
                    "250-AUTH LOGIN PLAIN CRAM-MD5\r\n250 PIPELINING\r\n";
        t.talk[3] = "CAUTH CRAM-MD5\r\n";
        t.talk[4] = s_chal;
        t.talk[5] = c_resp;
        t.mech = "CRAM-MD5";
        t.user = user;
        t.pass = pass;
        if (strcmp(pass, "WAYWAYWAY") == 0) {
            t.talk[6] = "S535 CRAM-MD5 not supported for someone@somewhere.plala.or.jp\r\n";
            t.fail_at = F_AUTH;
            t.kind = GW_EAUTH_FAILED;
            t.code = 535;
            t.has = "CRAM-MD5 not supported for someone@somewhere.plala.or.jp";
        } else {
            t.talk[6] = "S235 2.7.0 Authentication successful\r\n";
        }
        for (c = 0; c < 2; c++)
            run_case(&t, c);
    }
    fclose(f);
    CHECK(n == 3, "three CRAM-MD5 vectors");
}

/* ---- several messages in one flight (smtp_session_mail_batch) ---- */

#define B_OK "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: queued\r\n"
#define B_TXN "MAIL FROM:<a@x> SIZE=29\r\nRCPT TO:<b@x>\r\nRCPT TO:<c@x>\r\nBDAT 29 LAST\r\n"

typedef struct bcase {
    const char *name;
    const char *talk[TALK_MAX];
    size_t k;                   /* messages, each ENVELOPE and MSG unless big */
    int big;                    /* message 2 (index 1) is big_msg */
    int rc[4];
    gw_kind kind[4];
    int final[4];               /* code of the reply kept as final (0: none) */
    int broken;
} bcase;

static const bcase bcases[] = {
    {.name = "batch: three messages in one flight, RSET between them",
     .talk = {GREET, EHLO, CAPS_CHUNK, "C" B_TXN, RAW_BODY, "CRSET\r\n" B_TXN, RAW_BODY,
              "CRSET\r\n" B_TXN, RAW_BODY,
              "S" B_OK "250 2.0.0 Ok\r\n" B_OK "250 2.0.0 Ok\r\n" B_OK, "CQUIT\r\n"},
     .k = 3, .final = {250, 250, 250}},
    {.name = "batch: the second refused (every recipient), the third still sent",
     .talk = {GREET, EHLO, CAPS_CHUNK, "C" B_TXN, RAW_BODY, "CRSET\r\n" B_TXN, RAW_BODY,
              "CRSET\r\n" B_TXN, RAW_BODY,
              "S" B_OK "250 2.0.0 Ok\r\n250 2.1.0 Ok\r\n550 5.1.1 no\r\n550 5.1.1 no\r\n"
              "554 5.5.1 Error: no valid recipients\r\n250 2.0.0 Ok\r\n" B_OK, "CQUIT\r\n"},
     .k = 3, .rc = {0, -1, 0}, .kind = {GW_OK, GW_ERECIPIENT, GW_OK}, .final = {250, 554, 250}},
    {.name = "batch: the last refused (sender): RSET after the flight",
     .talk = {GREET, EHLO, CAPS_CHUNK, "C" B_TXN, RAW_BODY, "CRSET\r\n" B_TXN, RAW_BODY,
              "S" B_OK "250 2.0.0 Ok\r\n553 5.7.1 not yours\r\n503 5.5.1 need MAIL\r\n"
              "503 5.5.1 need MAIL\r\n503 5.5.1 need MAIL\r\n", "CRSET\r\n", "S250 2.0.0 Ok\r\n",
              "CQUIT\r\n"},
     .k = 2, .rc = {0, -1}, .kind = {GW_OK, GW_ESENDER}, .final = {250, 503}},
    {.name = "batch: the server hangs up after the first message: the rest fail",
     .talk = {GREET, EHLO, CAPS_CHUNK, "C" B_TXN, RAW_BODY, "CRSET\r\n" B_TXN, RAW_BODY,
              "CRSET\r\n" B_TXN, RAW_BODY, "S" B_OK "250 2.0.0 Ok\r\n250 2.1.0 Ok\r\n"},
     .k = 3, .rc = {0, -1, -1}, .kind = {GW_OK, GW_ECLOSED, GW_ECLOSED}, .final = {250},
     .broken = 1},
    {.name = "batch: a message over SIZE is refused alone, nothing of it sent",
     .talk = {GREET, EHLO, "S250-mx.example\r\n250-PIPELINING\r\n250-SIZE 100\r\n250 CHUNKING\r\n",
              "CMAIL FROM:<a@x> SIZE=29\r\nRCPT TO:<b@x>\r\nRCPT TO:<c@x>\r\nBDAT 29 LAST\r\n",
              RAW_BODY, "CRSET\r\n" B_TXN, RAW_BODY,
              "S" B_OK "250 2.0.0 Ok\r\n" B_OK, "CQUIT\r\n"},
     .k = 3, .big = 1, .rc = {0, -1, 0}, .kind = {GW_OK, GW_EDATA, GW_OK}, .final = {250, 0, 250}},
    {.name = "batch: without CHUNKING one message after another (DATA waits for 354)",
     .talk = {GREET, EHLO, CAPS_PIPE, FLIGHT, "S250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n", BODY,
              "S250 Ok: queued as A\r\n", FLIGHT, "S250 Ok\r\n550 no\r\n550 no\r\n554 no rcpt\r\n",
              "CRSET\r\n", "S250 Ok\r\n", "CQUIT\r\n"},
     .k = 2, .rc = {0, -1}, .kind = {GW_OK, GW_ERECIPIENT}, .final = {250, 554}},
};

static void run_bcase(const bcase *t, size_t chunk)
{
    static text script, out, log;
    static smtp_rcpt res[4][2];
    static const char *const to[] = {"b@x", "c@x"};
    smtp_batch_msg m[4];
    smtp_session s;
    smtp_opts o;
    gw_err e;
    size_t i, ok, want = 0;
    char name[256];
    tcase tc;
    memset(&tc, 0, sizeof tc);
    memcpy(tc.talk, t->talk, sizeof tc.talk);
    expect(&tc, &script, &out, &log);
    memset(&o, 0, sizeof o);
    o.host = "mx.example";
    o.helo = "gw.test";
    o.timeout = 5;
    smtp_session_init(&s, NULL, NULL);
    snprintf(name, sizeof name, "%s [chunk %d]: open", t->name, (int)chunk);
    CHECK(smtp_session_open_io(&s, tap_new(script.buf, script.len, chunk), &o, &e) == 0, name);
    memset(m, 0, sizeof m);
    for (i = 0; i < t->k; i++) {
        m[i].from = "a@x";
        m[i].rcpts = to;
        m[i].n = 2;
        m[i].msg = t->big && i == 1 ? big_msg : MSG;
        m[i].len = strlen(m[i].msg);
        m[i].results = res[i];
        want += t->rc[i] == 0;
    }
    ok = smtp_session_mail_batch(&s, m, t->k);
    snprintf(name, sizeof name, "%s [chunk %d]: %d accepted", t->name, (int)chunk, (int)want);
    CHECK(ok == want, name);
    for (i = 0; i < t->k; i++) {
        snprintf(name, sizeof name, "%s [chunk %d]: message %d: rc %d, %s, final %d", t->name,
                 (int)chunk, (int)i, t->rc[i], gw_kind_name(t->kind[i]), t->final[i]);
        if (!CHECK(m[i].rc == t->rc[i] && m[i].err.kind == t->kind[i]
                   && m[i].final.code == t->final[i], name))
            printf("#   rc %d, %s: %s, final %d\n", m[i].rc, gw_kind_name(m[i].err.kind),
                   m[i].err.msg, m[i].final.code);
    }
    snprintf(name, sizeof name, "%s [chunk %d]: broken = %d", t->name, (int)chunk, t->broken);
    CHECK(s.broken == t->broken, name);
    smtp_session_quit(&s);
    check_transcript(t->name, chunk, &out, &log);
}

/* Flights are cut at GW_SMTP_BATCH_MAX messages and GW_SMTP_BATCH_REPLIES replies. */
static void test_batch_bounds(void)
{
    static char script[1 << 16];
    static smtp_batch_msg m[GW_SMTP_BATCH_MAX + 8];
    static smtp_rcpt res[GW_SMTP_BATCH_MAX + 8][GW_SMTP_RCPT_MAX];
    static const char *many[GW_SMTP_RCPT_MAX];
    static const char *const to[] = {"b@x"};
    smtp_session s;
    gw_err e;
    size_t n, i, k, flights[2], shapes[2][2] = {{GW_SMTP_BATCH_MAX + 8, 1}, {3, GW_SMTP_RCPT_MAX}};
    int c;
    for (i = 0; i < GW_SMTP_RCPT_MAX; i++)
        many[i] = "b@x";
    for (c = 0; c < 2; c++) {
        size_t nr = shapes[c][1], per = (GW_SMTP_BATCH_REPLIES - 2 - nr) / (nr + 3) + 1;
        char name[160];
        const char *p;
        k = shapes[c][0];
        flights[0] = per < GW_SMTP_BATCH_MAX ? per : GW_SMTP_BATCH_MAX;
        flights[1] = k - flights[0];
        n = (size_t)snprintf(script, sizeof script, "220 mx\r\n250-mx\r\n250-PIPELINING\r\n"
                             "250 CHUNKING\r\n");
        for (i = 0; i < k; i++) {
            size_t r;
            if (i > 0 && i != flights[0])
                n += (size_t)snprintf(script + n, sizeof script - n, "250 reset\r\n");
            n += (size_t)snprintf(script + n, sizeof script - n, "250 mail-ok\r\n");
            for (r = 0; r < nr; r++)
                n += (size_t)snprintf(script + n, sizeof script - n, "250 rcpt\r\n");
            n += (size_t)snprintf(script + n, sizeof script - n, "250 queued\r\n");
        }
        CHECK(open_script(&s, script, n, 1, NULL, NULL, &e) == 0, "batch bounds: open");
        memset(m, 0, sizeof m);
        for (i = 0; i < k; i++) {
            m[i].from = "a@x";
            m[i].rcpts = nr == 1 ? to : many;
            m[i].n = nr;
            m[i].msg = "x";
            m[i].len = 1;
            m[i].results = res[i];
        }
        snprintf(name, sizeof name, "batch bounds: %d messages of %d recipients accepted",
                 (int)k, (int)nr);
        CHECK(smtp_session_mail_batch(&s, m, k) == k, name);
        /* the first reply is read only after the whole first flight went out */
        p = strstr(rec.log.buf, "S: 250 mail-ok");
        for (n = 0, i = 0; p && (p = strstr(rec.log.buf + i, "BDAT 3 LAST")) != NULL
                           && p < strstr(rec.log.buf, "S: 250 mail-ok"); n++)
            i = (size_t)(p - rec.log.buf) + 1;
        snprintf(name, sizeof name, "batch bounds: %d recipients: the first flight holds %d",
                 (int)nr, (int)flights[0]);
        if (!CHECK(n == flights[0], name))
            printf("#   %d\n", (int)n);
        for (n = 0, p = rec.out.buf; (p = strstr(p, "RSET")) != NULL; p++)
            n++;
        snprintf(name, sizeof name, "batch bounds: %d recipients: %d RSETs", (int)nr,
                 (int)(k - 2));
        CHECK(n == k - 2, name);
        smtp_session_close(&s);
    }
    /* too many for one call: refused, nothing sent */
    n = (size_t)snprintf(script, sizeof script, "220 mx\r\n250-mx\r\n250-PIPELINING\r\n"
                         "250 CHUNKING\r\n");
    CHECK(open_script(&s, script, n, 0, NULL, NULL, &e) == 0, "batch: open");
    {
        static smtp_batch_msg big[GW_SMTP_BATCH_CALL_MAX + 1];
        size_t before = rec.sent;
        for (i = 0; i <= GW_SMTP_BATCH_CALL_MAX; i++) {
            big[i].from = "a@x";
            big[i].rcpts = to;
            big[i].n = 1;
            big[i].msg = "x";
            big[i].len = 1;
            big[i].results = res[0];
        }
        CHECK(smtp_session_mail_batch(&s, big, GW_SMTP_BATCH_CALL_MAX + 1) == 0
              && big[0].err.kind == GW_EBAD_ARGUMENT && rec.sent == before,
              "batch: more than GW_SMTP_BATCH_CALL_MAX messages: refused, nothing sent");
    }
    smtp_session_close(&s);
}

int main(void)
{
    size_t i, c, chunks[] = {0, 1, 3};
    memset(big_msg, 'x', sizeof big_msg - 1);
    for (i = 0; i < NCASES; i++)
        for (c = 0; c < sizeof chunks / sizeof chunks[0]; c++)
            run_case(&cases[i], chunks[c]);
    test_results();
    test_long_rcpt_reply();
    test_bounds();
    test_arguments();
    test_starttls_memio();
    test_trace();
    test_cram_vectors();
    for (i = 0; i < sizeof bcases / sizeof bcases[0]; i++)
        for (c = 0; c < sizeof chunks / sizeof chunks[0]; c++)
            run_bcase(&bcases[i], chunks[c]);
    test_batch_bounds();
    return CHECK_DONE();
}
