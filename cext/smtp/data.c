/* DATA body encoder (RFC 5321 4.5.2 transparency, 2.3.8 line ends,
 * 4.5.3.1.6 line length statistics, 4.1.1.4 end of data).
 *
 * Every line end of the input (CRLF, bare CR, bare LF) becomes one CRLF; a
 * line that starts with "." gets another "."; finish adds a CRLF after an
 * unterminated last line, then ".\r\n". A CR is written as CRLF at once and
 * remembered (pending_cr) so that an LF right after it, possibly at the
 * start of the next feed, is dropped instead of ending a second line. */
#include "smtp/data.h"

void smtp_data_init(smtp_data *d)
{
    d->bdat = 0;
    d->at_line_start = 1;
    d->pending_cr = 0;
    d->any = 0;
    d->eightbit = 0;
    d->has_nul = 0;
    d->longest = 0;
    d->cur = 0;
    d->in_bytes = 0;
}

static int end_line(smtp_data *d, gw_buf *out)
{
    int rc = gw_buf_append(out, "\r\n", 2);
    if (rc)
        return rc;
    d->at_line_start = 1;
    d->cur = 0;
    return 0;
}

int smtp_data_feed(smtp_data *d, const char *in, size_t n, gw_buf *out)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t i = 0, run;
    unsigned acc = 0;
    int rc;
    if (n > 0)
        d->any = 1;
    d->in_bytes += n;
    while (i < n) {
        if (d->pending_cr) {
            d->pending_cr = 0;
            if (p[i] == '\n') {
                i++;
                continue;
            }
        }
        if (p[i] == '\r' || p[i] == '\n') {
            if ((rc = end_line(d, out)) != 0)
                return rc;
            d->pending_cr = p[i] == '\r';
            i++;
            continue;
        }
        if (d->at_line_start) {
            if (p[i] == '.' && !d->bdat) {
                if ((rc = gw_buf_append(out, ".", 1)) != 0)
                    return rc;
                d->cur++;
            }
            d->at_line_start = 0;
        }
        for (run = i; run < n && p[run] != '\r' && p[run] != '\n'; run++) {
            acc |= p[run];
            if (p[run] == 0)
                d->has_nul = 1;
        }
        if ((rc = gw_buf_append(out, in + i, run - i)) != 0)
            return rc;
        d->cur += run - i;
        if (d->cur > d->longest)
            d->longest = d->cur;
        i = run;
    }
    if (acc & 0x80)
        d->eightbit = 1;
    return 0;
}

int smtp_data_finish(smtp_data *d, gw_buf *out)
{
    int rc;
    if (!d->at_line_start && (rc = end_line(d, out)) != 0)
        return rc;
    d->pending_cr = 0;
    /* BDAT counts its bytes: the chunk needs no end marker. */
    return d->bdat ? 0 : gw_buf_append(out, ".\r\n", 3);
}
