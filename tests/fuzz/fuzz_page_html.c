/* libFuzzer: page_html_rows (cext/page/html.c), which reads the HTML of a
 * gateway's status page: every input is given to it whole.
 *
 * Checked: it never fails (memory aside); rows, cells per row, all cells
 * and text stay within GW_PAGE_ROWS_MAX, GW_PAGE_ROW_CELLS,
 * GW_PAGE_CELLS_MAX and input + GW_PAGE_TEXT_SLACK; every row has cells;
 * the cells lie back to back in the text buffer, in order; every cell is
 * well-formed UTF-8 without NUL, with white space collapsed (no tab, CR,
 * LF, FF, no-break or ideographic space, no space at either end, never
 * two spaces); a second parse gives the same result. For input without
 * markup ('<' or '&') a simple reference gives the one expected row. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/limits.h"
#include "page/rows.h"
#include "page/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(c) do { if (!(c)) abort(); } while (0)

static void check_cell(const char *s, size_t n)
{
    size_t i, k;
    unsigned long cp;
    MUST(page_utf8_valid(s, n, NULL));
    MUST(n == 0 || (s[0] != ' ' && s[n - 1] != ' '));
    for (i = 0; i < n; i += k) {
        k = page_utf8_next((const unsigned char *)s + i, n - i, &cp);
        MUST(k > 0);
        MUST(cp != 0 && cp != '\t' && cp != '\n' && cp != '\r' && cp != '\f');
        MUST(cp != 0xa0 && cp != 0x3000);
        MUST(!(cp == ' ' && i + 1 < n && s[i + 1] == ' '));
    }
}

static void check(const page_rows *r, size_t size)
{
    size_t i, j, next = 0, off = 0;
    MUST(r->nrows <= GW_PAGE_ROWS_MAX && r->ncells <= GW_PAGE_CELLS_MAX);
    MUST(r->text.len <= (size < GW_PAGE_INPUT_MAX ? size : GW_PAGE_INPUT_MAX) + GW_PAGE_TEXT_SLACK);
    for (i = 0; i < r->nrows; i++) {
        MUST(r->rows[i].count >= 1 && r->rows[i].count <= GW_PAGE_ROW_CELLS);
        MUST(r->rows[i].first == next);
        next += r->rows[i].count;
        for (j = 0; j < r->rows[i].count; j++) {
            const page_cell *c = &r->cells[r->rows[i].first + j];
            MUST(c->off == off && c->len <= r->text.len - off);
            off += c->len;
            check_cell(r->text.data + c->off, c->len);
        }
    }
    MUST(next == r->ncells && off == r->text.len);
}

/* The text of markup-free input: U+FFFD for NUL and malformed bytes, HTML
 * white space and U+00A0, U+3000 as one space, trimmed. */
static void reference(const page_rows *r, const uint8_t *d, size_t n)
{
    char *want = malloc(3 * n + 1);
    size_t i = 0, k, w = 0;
    int space = 0;
    unsigned long cp;
    MUST(want != NULL);
    while (i < n) {
        k = page_utf8_next(d + i, n - i, &cp);
        if (k == 0 || cp == 0) {
            cp = 0xfffd;
            k = 1;
        }
        i += k;
        if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f'
            || cp == 0xa0 || cp == 0x3000) {
            space = w > 0;
            continue;
        }
        if (space)
            want[w++] = ' ';
        space = 0;
        w += page_utf8_put(cp, want + w);
    }
    if (r->truncated) {     /* cut by the text bound: a prefix */
        MUST(r->nrows <= 1);
        MUST(r->nrows == 0 || (r->text.len <= w && memcmp(r->text.data, want, r->text.len) == 0));
    } else if (w == 0) {
        MUST(r->nrows == 0);
    } else {
        MUST(r->nrows == 1 && r->ncells == 1 && r->text.len == w);
        MUST(memcmp(r->text.data, want, w) == 0);
    }
    free(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    page_rows a, b;
    gw_err e;
    const char *s = (const char *)data;
    page_rows_init(&a);
    page_rows_init(&b);
    MUST(page_html_rows(&a, s, size, &e) == 0);
    check(&a, size);
    MUST(page_html_rows(&b, s, size, &e) == 0);
    MUST(a.nrows == b.nrows && a.ncells == b.ncells && a.text.len == b.text.len);
    MUST(a.truncated == b.truncated);
    MUST(a.text.len == 0 || memcmp(a.text.data, b.text.data, a.text.len) == 0);
    MUST(a.ncells == 0 || memcmp(a.cells, b.cells, a.ncells * sizeof a.cells[0]) == 0);
    if (!memchr(data, '<', size) && !memchr(data, '&', size) && size <= GW_PAGE_INPUT_MAX)
        reference(&a, data, size);
    page_rows_free(&a);
    page_rows_free(&b);
    return 0;
}
