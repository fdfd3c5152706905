/* libFuzzer: smtp_session_mail_batch, several transactions in one pipelined
 * flight (RFC 2920, RFC 3030), over the in-memory transport. The input is
 * the server's byte stream after its first byte, which picks:
 *   bits 0-2  the recv chunk size (0: whatever is left, else 1..7 bytes)
 *   bits 3-4  messages in the batch - 1 (1..4); message 2 has 8-bit text
 *   bit 5     a second batch on the same session
 * Checked: no crash, no leak; nothing sent once the session is broken; the
 * count returned is the number of messages with rc 0; an accepted message
 * has a 250 as its last reply and a recipient accepted; a refused one an
 * error of the kinds smtp_session_mail gives. */
#include "smtp_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_trace(void *ud, int dir, const char *line, size_t len)
{
    const smtp_session *s = ud;
    MUST(dir == 'S' || dir == 'C' || dir == '*');
    if (dir == 'C') {
        MUST(!s->broken);
        MUST(memchr(line, '\r', len) == NULL && memchr(line, '\n', len) == NULL);
    }
}

static void batch(smtp_session *s, size_t k)
{
    static const char *const to[] = {"b@x", "c@x"};
    static const char *const msgs[] = {
        "Subject: a\r\n\r\n.dot\r\n", "Subject: b\r\n\r\nbody\n", "Subject: c\r\n\r\ncaf\xc3\xa9\r\n",
        "Subject: d\r\n\r\nx",
    };
    smtp_batch_msg m[4];
    smtp_rcpt res[4][2];
    size_t i, ok, n = 0;
    int was_broken = s->broken;
    memset(m, 0, sizeof m);
    memset(res, 0, sizeof res);
    for (i = 0; i < k; i++) {
        m[i].from = "a@x";
        m[i].rcpts = to;
        m[i].n = i == 1 ? 1 : 2;
        m[i].msg = msgs[i];
        m[i].len = strlen(msgs[i]);
        m[i].results = res[i];
    }
    ok = smtp_session_mail_batch(s, m, k);
    for (i = 0; i < k; i++) {
        MUST(m[i].rc == 0 || m[i].rc == -1);
        if (m[i].rc == 0) {
            n++;
            MUST(!was_broken);
            MUST(m[i].final.code == 250);
            MUST(res[i][0].code == 250 || res[i][0].code == 251
                 || (m[i].n > 1 && (res[i][1].code == 250 || res[i][1].code == 251)));
        } else {
            gw_kind kd = m[i].err.kind;
            MUST(kd == GW_ESENDER || kd == GW_ERECIPIENT || kd == GW_EDATA || kd == GW_EPROTOCOL
                 || kd == GW_ECLOSED || kd == GW_EBAD_ARGUMENT || kd == GW_ETIMEOUT);
            MUST(strlen(m[i].err.msg) > 0);
        }
        MUST(m[i].final.code == 0 || (m[i].final.code >= 200 && m[i].final.code <= 599));
    }
    MUST(ok == n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    smtp_session s;
    gw_err e;
    unsigned flags = size ? data[0] : 0;
    int rc = fz_open(&s, data, size, on_trace, &e);
    if (rc == -2)
        return 0;
    if (rc == 0) {
        batch(&s, ((flags >> 3) & 3u) + 1);
        if (flags & 0x20)
            batch(&s, 2);
        smtp_session_quit(&s);
    }
    smtp_session_close(&s);
    MUST(s.io == NULL && s.broken);
    return 0;
}
