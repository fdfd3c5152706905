/* SASL client mechanisms (RFC 4422) behind one small table, and the choice
 * among them. Sans-I/O: a mechanism turns decoded server challenges into
 * raw client responses; base64 and the wire belong to the caller.
 *
 * Use by a protocol engine (SMTP, RFC 4954):
 *   sasl_client_start(&c, name, &creds, &e);
 *   sasl_client_initial64(&c, &out, &has, &e);  -> "AUTH NAME out" (or "AUTH NAME")
 *   on each 334 challenge: sasl_client_step64(&c, text, len, &out, &e) -> out
 *       (on -1 send "*" to cancel the exchange and report e; if c.unproven,
 *       drop the connection: no other mechanism, no mail)
 *   on 235: sasl_client_finish(&c, &e) -- on -1 the server's success must NOT
 *       be believed (SCRAM: it never proved it knows the password)
 *   always: sasl_client_free(&c); gw_buf_free(&out) (out held the secret)
 * AUTH sent without the initial response (too long for the line): the
 * server sends an empty challenge (RFC 4422 5). An engine that called
 * initial64 sends the bytes it got; one that did not may call step64, which
 * then answers with the initial response. */
#ifndef GW_SASL_H
#define GW_SASL_H

#include <stddef.h>
#include "../core/buf.h"
#include "../core/err.h"
#include "../core/limits.h"

/* Mechanism flags */
#define SASL_F_CLEARTEXT 0x01u  /* reveals the password to a listener: TLS only */
#define SASL_F_TOKEN     0x02u  /* takes a bearer token instead of a password */
#define SASL_F_WEAK      0x04u  /* no cleartext password, but replayable/crackable (CRAM-MD5) */

typedef struct sasl_client sasl_client;

typedef struct sasl_creds {
    const char *user;      /* authentication identity (OAUTHBEARER: may be NULL) */
    const char *password;  /* NULL for token mechanisms */
    const char *token;     /* OAUTHBEARER / XOAUTH2 */
    const char *host;      /* OAUTHBEARER host= (may be NULL) */
    unsigned port;         /* OAUTHBEARER port= (0: omitted) */
    /* Lengths of user, password, token; 0 means strlen. Set them from
     * counted strings (Lua): an embedded NUL is then refused instead of
     * silently cutting the string. */
    size_t user_len, password_len, token_len;
} sasl_creds;

typedef struct sasl_mech {
    const char *name;      /* upper case, as advertised */
    unsigned flags;
    /* Checks the credentials and creates the mechanism state; 0 or -1 with
     * e set (GW_EBAD_ARGUMENT for missing or unusable credentials). */
    int (*start)(sasl_client *c, gw_err *e);
    /* The initial response, if the mechanism has one (sent with AUTH). Sets
     * *has = 0 when it has none. Appends to out. 0 or -1. */
    int (*initial)(sasl_client *c, gw_buf *out, int *has, gw_err *e);
    /* Answers one decoded challenge; c->steps is the number answered before
     * it (the caller increments it on success). Appends to out. 0 or -1 with
     * e set (GW_EPROTOCOL for a malformed or unexpected challenge,
     * GW_EAUTH_FAILED for a bad server signature or a server error). */
    int (*step)(sasl_client *c, const char *in, size_t n, gw_buf *out, gw_err *e);
    /* Called when the server reports success (235): checks what must be
     * checked at the end (SCRAM: the server signature v= was verified).
     * 0 or -1 (GW_EAUTH_FAILED). May be NULL. */
    int (*finish)(sasl_client *c, gw_err *e);
    /* Wipes and frees the state; safe on a state that start did not create.
     * May be NULL (no state). */
    void (*free)(sasl_client *c);
} sasl_mech;

struct sasl_client {
    const sasl_mech *mech; /* NULL before start, after a failed start, after free */
    sasl_creds creds;      /* lengths filled in by start */
    int steps;             /* challenges answered by the mechanism's step */
    void *state;           /* the mechanism's own, wiped and freed by free */
    const char *test_nonce;/* SCRAM: a fixed client nonce, for RFC vectors only;
                              set it after start, before the initial response */
    int ir_done;           /* the initial response was produced */
    int failed;            /* a call failed: the exchange is over */
    int unproven;          /* the server failed to prove it knows the password
                              (SCRAM: v= missing or wrong, or success before
                              it): believe nothing more from this server and
                              send it nothing more. A refusal (SCRAM e=, a
                              5xx) leaves it 0: the next mechanism may be
                              tried. */
    char detail[GW_SASL_DETAIL_MAX]; /* what the server said in a failure
                              challenge (SCRAM e=, OAUTHBEARER/XOAUTH2 JSON
                              status), printable; "" when nothing */
};

/* The mechanism named (case-insensitive), or NULL. */
const sasl_mech *sasl_find(const char *name);
/* All mechanisms gwkit knows, strongest first; NULL-terminated. */
const sasl_mech *const *sasl_all(void);

/* Starts a client for `name`; c need not be initialised. Strings in creds
 * must outlive the client. 0 or -1 with e set (GW_EAUTH_UNAVAILABLE for an
 * unknown name, GW_EBAD_ARGUMENT for missing credentials, an embedded NUL,
 * or a user over GW_SASL_USER_MAX / a secret over GW_SASL_SECRET_MAX).
 * After -1 there is nothing to free (sasl_client_free is still safe). */
int sasl_client_start(sasl_client *c, const char *name, const sasl_creds *cr, gw_err *e);
/* Initial response as base64 into out, which is emptied first ("=" for an
 * empty one); *has = 0 (and out empty) when the mechanism has none. Once
 * only. 0 or -1. */
int sasl_client_initial64(sasl_client *c, gw_buf *out, int *has, gw_err *e);
/* Decodes a base64 challenge (strictly; "" and "=" are empty), steps, and
 * encodes the response into out, which is emptied first (an empty response
 * leaves it empty: send an empty line). Bounded by GW_SASL_CHALLENGE_MAX and
 * GW_SASL_STEPS_MAX. 0 or -1 with e set: GW_EPROTOCOL for malformed base64,
 * an oversized or unexpected challenge; the mechanism's errors. */
int sasl_client_step64(sasl_client *c, const char *in, size_t n, gw_buf *out, gw_err *e);
/* The server said it accepted us. 0, or -1 (GW_EAUTH_FAILED) when the
 * exchange is not complete from our side: the engine must then treat the
 * session as failed and not send mail on it (c->unproven is then set for
 * SCRAM). */
int sasl_client_finish(sasl_client *c, gw_err *e);
/* Wipes and frees the state; idempotent after start (success or failure). */
void sasl_client_free(sasl_client *c);

/* Automatic choice (DESIGN.md). `advertised` is the server's list, names
 * separated by spaces (tabs and commas too), any case, duplicates and
 * unknown names ignored; only the first GW_SASL_LIST_MAX bytes are read.
 * Writes into out[0..max) the mechanisms to try, in order, and returns how
 * many. Strongest first: SCRAM-SHA-256, SCRAM-SHA-1, then only when
 * `secure` (TLS): PLAIN, LOGIN, CRAM-MD5. Without TLS only SCRAM, unless
 * `allow_plain` (then SCRAM, CRAM-MD5, PLAIN, LOGIN). With `have_token` the
 * token mechanisms OAUTHBEARER, XOAUTH2 are chosen instead (TLS only unless
 * allow_plain). When `wanted` (same syntax; NULL or "" for automatic) is
 * given, its order is kept and only the mechanisms the automatic choice
 * could take (advertised, known, allowed by the TLS and token rules) are
 * kept. */
int sasl_choose(const char *advertised, const char *wanted, int secure,
                int allow_plain, int have_token, const sasl_mech **out, int max);

#endif
