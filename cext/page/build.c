/* The row builder of page_html_rows: text with HTML white space collapsed
 * (one space between words, none at the ends), cells gathered into the open
 * row, and rows and one-cell blocks committed into the page_rows arena
 * with every bound of limits.h kept. */
#include <stdlib.h>
#include <string.h>
#include "build.h"

void page_rows_init(page_rows *r)
{
    gw_buf_init(&r->text, 0);
    r->cells = NULL;
    r->rows = NULL;
    r->ncells = r->capcells = r->nrows = r->caprows = 0;
    r->truncated = 0;
}

void page_rows_free(page_rows *r)
{
    gw_buf_free(&r->text);
    free(r->cells);
    free(r->rows);
    r->cells = NULL;
    r->rows = NULL;
    r->ncells = r->capcells = r->nrows = r->caprows = 0;
}

void page_build_init(page_build *b, page_rows *out, size_t budget)
{
    b->out = out;
    gw_buf_init(&b->cur, budget);
    gw_buf_init(&b->row, budget);
    out->text.max = budget;
    b->space = 0;
    b->ncell = 0;
    b->used = 0;
    b->budget = budget;
    b->stop = b->nomem = 0;
}

void page_build_free(page_build *b)
{
    gw_buf_free(&b->cur);
    gw_buf_free(&b->row);
}

static void stop(page_build *b, int rc)
{
    b->stop = 1;
    if (rc == GW_BUF_ENOMEM)
        b->nomem = 1;
    else
        b->out->truncated = 1;
}

static void append(page_build *b, const char *s, size_t n)
{
    int rc;
    if (b->stop)
        return;
    if (n > b->budget - b->used) {
        stop(b, GW_BUF_ELIMIT);
        return;
    }
    if ((rc = gw_buf_append(&b->cur, s, n)) != 0) {
        stop(b, rc);
        return;
    }
    b->used += n;
}

void page_build_text(page_build *b, const char *s, size_t n)
{
    if (b->space && b->cur.len) {
        b->space = 0;
        append(b, " ", 1);
    }
    b->space = 0;
    append(b, s, n);
}

void page_build_space(page_build *b)
{
    if (b->cur.len)
        b->space = 1;
}

/* Room for one more row of k cells in the arena; 0, or -1 after stop(). */
static int room(page_build *b, size_t k)
{
    page_rows *r = b->out;
    if (r->nrows >= GW_PAGE_ROWS_MAX || k > GW_PAGE_CELLS_MAX - r->ncells) {
        stop(b, GW_BUF_ELIMIT);
        return -1;
    }
    if (r->ncells + k > r->capcells) {
        size_t cap = r->capcells ? r->capcells : 64;
        page_cell *p;
        while (cap < r->ncells + k)
            cap *= 2;
        if (cap > GW_PAGE_CELLS_MAX)
            cap = GW_PAGE_CELLS_MAX;
        if (!(p = realloc(r->cells, cap * sizeof *p))) {
            stop(b, GW_BUF_ENOMEM);
            return -1;
        }
        r->cells = p;
        r->capcells = cap;
    }
    if (r->nrows == r->caprows) {
        size_t cap = r->caprows ? r->caprows * 2 : 32;
        page_row *p;
        if (cap > GW_PAGE_ROWS_MAX)
            cap = GW_PAGE_ROWS_MAX;
        if (!(p = realloc(r->rows, cap * sizeof *p))) {
            stop(b, GW_BUF_ENOMEM);
            return -1;
        }
        r->rows = p;
        r->caprows = cap;
    }
    return 0;
}

/* Commits k cells (texts in src, offsets relative to src) as one row. */
static void commit(page_build *b, const gw_buf *src, const page_cell *cells, size_t k)
{
    page_rows *r = b->out;
    size_t base = r->text.len, i;
    int rc;
    if (b->stop || room(b, k) != 0)
        return;
    if (src->len && (rc = gw_buf_append(&r->text, src->data, src->len)) != 0) {
        stop(b, rc);
        return;
    }
    r->rows[r->nrows].first = r->ncells;
    r->rows[r->nrows].count = k;
    r->nrows++;
    for (i = 0; i < k; i++) {
        r->cells[r->ncells].off = base + cells[i].off;
        r->cells[r->ncells].len = cells[i].len;
        r->ncells++;
    }
}

void page_build_block(page_build *b)
{
    page_cell c;
    if (b->cur.len) {
        c.off = 0;
        c.len = b->cur.len;
        commit(b, &b->cur, &c, 1);
    }
    gw_buf_reset(&b->cur);
    b->space = 0;
}

void page_build_cell(page_build *b)
{
    int rc;
    if (b->ncell >= GW_PAGE_ROW_CELLS) {
        b->out->truncated = 1;          /* the row goes on without this cell */
    } else if (!b->stop) {
        b->cell[b->ncell].off = b->row.len;
        b->cell[b->ncell].len = b->cur.len;
        if (b->cur.len && (rc = gw_buf_append(&b->row, b->cur.data, b->cur.len)) != 0)
            stop(b, rc);
        else
            b->ncell++;
    }
    gw_buf_reset(&b->cur);
    b->space = 0;
}

void page_build_row(page_build *b, int drop_empty)
{
    if (b->ncell && (!drop_empty || b->row.len))
        commit(b, &b->row, b->cell, b->ncell);
    gw_buf_reset(&b->row);
    b->ncell = 0;
}
