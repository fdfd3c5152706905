/* The rows of an HTML status page: every <tr> a row of cell texts, every
 * block of text outside tables a row of one cell. The result is an arena:
 * one text buffer, one array of cells, one array of rows. */
#ifndef GW_PAGE_ROWS_H
#define GW_PAGE_ROWS_H

#include <stddef.h>
#include "core/buf.h"
#include "core/err.h"

typedef struct page_cell {
    size_t off, len;            /* into page_rows.text */
} page_cell;

typedef struct page_row {
    size_t first, count;        /* cells[first .. first + count) */
} page_row;

typedef struct page_rows {
    gw_buf text;                /* the cells' UTF-8 text, back to back */
    page_cell *cells;
    size_t ncells, capcells;
    page_row *rows;
    size_t nrows, caprows;
    int truncated;              /* a bound (limits.h GW_PAGE_*) cut the result */
} page_rows;

void page_rows_init(page_rows *r);
/* Frees what r holds; r can be used again after page_rows_init. Idempotent. */
void page_rows_free(page_rows *r);

/* Parses html[0..n) (UTF-8; malformed bytes read as U+FFFD) into r, which
 * page_rows_init prepared. Never fails on markup: unclosed and stray tags,
 * a '<' at the end, bad references are all read the way browsers do or
 * kept as text. Only the first GW_PAGE_INPUT_MAX bytes are read; rows,
 * cells and text are bounded by GW_PAGE_ROWS_MAX, GW_PAGE_ROW_CELLS,
 * GW_PAGE_CELLS_MAX and n + GW_PAGE_TEXT_SLACK bytes; tables nested deeper
 * than GW_PAGE_TABLE_DEPTH are read as text of the enclosing cell; any of
 * these sets r->truncated. r->text.data is not NULL after a return of 0
 * (a cell of length 0 may point anywhere in it). Returns 0, or -1 (GW_ENOMEM) when memory ran
 * out (r holds what was done; the caller still frees it). */
int page_html_rows(page_rows *r, const char *html, size_t n, gw_err *e);

#endif
