/* SMTP replies, one line at a time.
 *
 * RFC 5321 4.2:   Reply-line = *( Reply-code "-" [ textstring ] CRLF )
 *                              Reply-code [ SP textstring ] CRLF
 *                 textstring = 1*( %d09 / %d32-126 )   (8-bit text accepted
 *                              for RFC 6531 SMTPUTF8 servers)
 * RFC 5321 4.2.1: first digit 2..5 (1yz is defined but no SMTP command can
 *                 elicit it, so a 1yz line is refused), second digit 0..5.
 * RFC 3463 / RFC 2034: enhanced status code "class.subject.detail" at the
 *                 start of the text, class 2, 4 or 5 matching the reply's
 *                 first digit, subject and detail 1..3 digits. */
#include <stdio.h>
#include <string.h>
#include "smtp/reply.h"
#include "core/quote.h"
#include "core/limits.h"


void smtp_reply_init(smtp_reply *r)
{
    r->code = 0;
    r->enhanced[0] = '\0';
    r->nlines = 0;
    r->done = 0;
    gw_buf_init(&r->text, GW_SMTP_REPLY_BYTES);
}

void smtp_reply_reset(smtp_reply *r)
{
    r->code = 0;
    r->enhanced[0] = '\0';
    r->nlines = 0;
    r->done = 0;
    gw_buf_reset(&r->text);
}

void smtp_reply_free(smtp_reply *r)
{
    gw_buf_free(&r->text);
    smtp_reply_init(r);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Counts 1..3 digits at p[0..n); returns how many, 0 when none or more than 3. */
static size_t digits13(const char *p, size_t n)
{
    size_t k = 0;
    while (k < n && is_digit(p[k]))
        k++;
    return k <= 3 ? k : 0;
}

/* The enhanced status code at the start of a first line's text, if any. */
static void take_enhanced(smtp_reply *r, const char *line, size_t len)
{
    const char *p = line + 4;
    size_t n = len > 4 ? len - 4 : 0, i = 0, k;
    if (n < 5 || p[0] != line[0] || p[0] == '3' || p[1] != '.')
        return;
    i = 2;
    if ((k = digits13(p + i, n - i)) == 0)
        return;
    i += k;
    if (i >= n || p[i] != '.')
        return;
    i++;
    if ((k = digits13(p + i, n - i)) == 0)
        return;
    i += k;
    if (i < n && p[i] != ' ')
        return;
    memcpy(r->enhanced, p, i);
    r->enhanced[i] = '\0';
}

/* Format and content checks on one line; 0 or -1 with e set. */
static int check_line(const char *line, size_t len, gw_err *e)
{
    char q[GW_QUOTE_SIZE];
    size_t i;
    if (len > GW_SMTP_LINE_MAX)
        return gw_err_set(e, GW_EPROTOCOL, "smtp: reply line too long (%lu bytes) \"%s\"",
                          (unsigned long)len, gw_quote(q, line, len));
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == 0)
            return gw_err_set(e, GW_EPROTOCOL, "smtp: NUL byte in reply line \"%s\"",
                              gw_quote(q, line, len));
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return gw_err_set(e, GW_EPROTOCOL,
                              "smtp: control character 0x%02x in reply line \"%s\"",
                              c, gw_quote(q, line, len));
    }
    if (len < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2])
        || (len > 3 && line[3] != ' ' && line[3] != '-'))
        return gw_err_set(e, GW_EPROTOCOL, "smtp: malformed reply line \"%s\"",
                          gw_quote(q, line, len));
    if (line[0] < '2' || line[0] > '5' || line[1] > '5')
        return gw_err_set(e, GW_EPROTOCOL, "smtp: reply code out of range \"%s\"",
                          gw_quote(q, line, len));
    return 0;
}

int smtp_reply_feed(smtp_reply *r, const char *line, size_t len, gw_err *e)
{
    size_t need;
    if (r->done)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "smtp: reply already complete (reset first)");
    if (check_line(line, len, e))
        return -1;
    if (r->nlines > 0 && memcmp(line, r->text.data, 3) != 0) {
        char q[GW_QUOTE_SIZE];
        return gw_err_set(e, GW_EPROTOCOL,
                          "smtp: reply code changed from %.3s within a multi-line reply \"%s\"",
                          r->text.data, gw_quote(q, line, len));
    }
    if (r->nlines >= GW_SMTP_REPLY_LINES)
        return gw_err_set(e, GW_EPROTOCOL, "smtp: reply has more than %d lines",
                          GW_SMTP_REPLY_LINES);
    need = len + (r->nlines > 0);
    if (need > GW_SMTP_REPLY_BYTES - r->text.len)
        return gw_err_set(e, GW_EPROTOCOL, "smtp: reply longer than %d bytes",
                          GW_SMTP_REPLY_BYTES);
    if (gw_buf_reserve(&r->text, need) != 0)
        return gw_err_set(e, GW_ENOMEM, "smtp: out of memory for a reply");
    if (r->nlines > 0)
        (void)gw_buf_append(&r->text, "\n", 1);  /* room reserved: cannot fail */
    (void)gw_buf_append(&r->text, line, len);
    if (r->nlines++ == 0) {
        r->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        take_enhanced(r, line, len);
    }
    r->done = len == 3 || line[3] == ' ';
    return r->done;
}

const char *smtp_reply_last(const smtp_reply *r, size_t *len)
{
    size_t i;
    if (!r->text.data) {
        *len = 0;
        return "";
    }
    i = r->text.len;
    while (i > 0 && r->text.data[i - 1] != '\n')
        i--;
    *len = r->text.len - i;
    return r->text.data + i;
}
