/* Several mail transactions in one pipelined flight.
 *
 * RFC 2920 3.1 lets a pipelined group hold several transactions (RSET, MAIL
 * and RCPT may appear anywhere in it), and with CHUNKING (RFC 3030) BDAT
 * LAST carries the whole message and ends the transaction without a 354 to
 * wait for: so a batch of alerts costs one round trip per flight instead of
 * one per message. Every transaction but the first of a flight opens with
 * RSET: RFC 3030 2 wants an RSET after a refused BDAT, and a refused message
 * must not leave a half-open transaction for the next one's MAIL. A flight
 * is bounded in messages and in the replies it asks for, so that the server
 * never has more to write than our receive buffer holds while we are still
 * writing (RFC 2920 3.1's deadlock). Without PIPELINING or CHUNKING (DATA
 * needs its 354 before the message) the messages go one by one. */
#include <stdlib.h>
#include <string.h>
#include "session.h"
#include "wire.h"
#include "txn.h"

static void fail_from(smtp_batch_msg *m, size_t from, size_t k, const gw_err *why)
{
    size_t i;
    for (i = from; i < k; i++) {
        m[i].rc = -1;
        m[i].err = *why;
    }
}

static size_t one_by_one(smtp_session *s, smtp_batch_msg *m, size_t k)
{
    size_t i, ok = 0;
    for (i = 0; i < k; i++) {
        m[i].rc = smtp_session_mail(s, m[i].from, m[i].rcpts, m[i].n, m[i].msg, m[i].len,
                                    m[i].results, &m[i].err);
        if (s->reply.done && m[i].err.kind != GW_EBAD_ARGUMENT)
            smtp_txn_keep(&m[i].final, s);
        ok += m[i].rc == 0;
    }
    return ok;
}

/* Sends the next flight from m[0..k) and reads its replies. Returns how many
 * messages of m it dealt with (at least one). */
static size_t flight(smtp_session *s, smtp_batch_msg *m, size_t k, smtp_txn *sent,
                     size_t *idx, size_t *ok)
{
    gw_buf out;
    gw_err broke;
    size_t j, x, nsent = 0, replies = 0;
    gw_err_clear(&broke);
    gw_buf_init(&out, (size_t)(GW_SMTP_RCPT_MAX + 3) * GW_SMTP_CMD_MAX);
    for (j = 0; j < k && nsent < GW_SMTP_BATCH_MAX; j++) {
        smtp_txn *t = &sent[nsent];
        size_t need = m[j].n + 2 + (nsent > 0);
        if (nsent > 0 && replies + need > GW_SMTP_BATCH_REPLIES)
            break;
        m[j].rc = -1;
        if (smtp_txn_prepare(s, t, m[j].from, m[j].rcpts, m[j].n, m[j].msg, m[j].len,
                             &m[j].err) != 0) {
            smtp_txn_free(t);               /* refused before anything was sent */
            continue;
        }
        if ((nsent > 0 && smtp_wire_queue(s, &out, "RSET", NULL, &m[j].err) != 0)
            || smtp_txn_queue(s, t, &out, &m[j].err) != 0) {
            gw_buf_reset(&out);             /* nothing of this one went out */
            smtp_txn_free(t);
            continue;
        }
        if (smtp_txn_send(s, t, &out, &m[j].err) != 0) {
            smtp_txn_free(t);
            /* those already sent and this one: their fate is unknown */
            for (x = 0; x < nsent; x++)
                m[idx[x]].err = m[j].err;
            gw_buf_free(&out);
            fail_from(m, j, k, &m[j].err);
            while (nsent > 0)
                smtp_txn_free(&sent[--nsent]);
            return k;
        }
        gw_buf_free(&t->body);              /* BDAT LAST took it: the replies need no body */
        t->no_rset = 1;
        idx[nsent++] = j;
        replies += need;
    }
    gw_buf_free(&out);
    for (x = 0; x < nsent; x++) {
        smtp_batch_msg *mm = &m[idx[x]];
        if ((x == 0 || smtp_wire_reply(s, &mm->err) == 0)
            && (mm->rc = smtp_txn_finish(s, &sent[x], mm->results, &mm->err)) == 0)
            (*ok)++;
        if (s->broken) {                    /* the replies of the rest will never come */
            broke = mm->err;
            for (x++; x < nsent; x++)
                m[idx[x]].err = broke;
            break;
        }
        smtp_txn_keep(&mm->final, s);
    }
    if (nsent > 0 && m[idx[nsent - 1]].rc != 0 && !s->broken) {
        gw_err ignored;
        smtp_session_rset(s, &ignored);     /* the last one refused: clean for what follows */
    }
    while (nsent > 0)
        smtp_txn_free(&sent[--nsent]);
    if (!s->broken)
        return j;
    if (broke.kind == GW_OK)
        gw_err_set(&broke, GW_ECLOSED, "smtp: the connection is closed");
    fail_from(m, j, k, &broke);             /* not sent */
    return k;
}

size_t smtp_session_mail_batch(smtp_session *s, smtp_batch_msg *m, size_t k)
{
    size_t i, ok = 0, idx[GW_SMTP_BATCH_MAX];
    smtp_txn *sent;
    gw_err e;
    for (i = 0; i < k; i++) {
        m[i].rc = -1;
        memset(&m[i].final, 0, sizeof m[i].final);
        gw_err_clear(&m[i].err);
    }
    gw_err_clear(&e);
    if (k > GW_SMTP_BATCH_CALL_MAX) {
        gw_err_set(&e, GW_EBAD_ARGUMENT, "smtp: more than %d messages in one batch",
                   GW_SMTP_BATCH_CALL_MAX);
        fail_from(m, 0, k, &e);
        return 0;
    }
    if (s->broken || !s->io) {
        gw_err_set(&e, GW_ECLOSED, "smtp: the connection is closed");
        fail_from(m, 0, k, &e);
        return 0;
    }
    if (!(s->caps.flags & SMTP_CAP_PIPELINING) || !(s->caps.flags & SMTP_CAP_CHUNKING))
        return one_by_one(s, m, k);
    sent = malloc(GW_SMTP_BATCH_MAX * sizeof *sent);
    if (!sent) {
        gw_err_set(&e, GW_ENOMEM, "smtp: out of memory");
        fail_from(m, 0, k, &e);
        return 0;
    }
    for (i = 0; i < k; )
        i += flight(s, m + i, k - i, sent, idx, &ok);
    free(sent);
    return ok;
}
