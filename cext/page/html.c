/* page_html_rows: a forgiving HTML reader (HTML Living Standard 13.2.5,
 * the tokenizer's data, tag, comment and raw-text states, much reduced)
 * that turns a status page into rows: each <tr> a row of its <td>/<th>
 * texts, each block of text outside tables a row of one cell. A table
 * inside a cell (a layout table's cell) ends the enclosing row's part
 * before it; the inner rows follow; the rest of that cell reads as blocks,
 * as if outside tables, and the row's later cells make another part.
 * Pure: no I/O. */
#include <string.h>
#include "entity.h"
#include "tag.h"
#include "utf8.h"
#include "build.h"

typedef struct table {
    unsigned char row, cell;    /* a <tr> / a <td> or <th> is open */
    unsigned char split;        /* the open row was cut by a nested table */
    unsigned char layout;       /* the open cell holds a table: its text reads as blocks */
} table;

typedef struct parser {
    page_build b;
    table t[GW_PAGE_TABLE_DEPTH];
    int depth;                  /* tables open and kept apart */
    int overflow;               /* tables open beyond GW_PAGE_TABLE_DEPTH */
    int option, shown;          /* inside an <option>; it is selected */
} parser;

/* Tags that end a block outside tables (a space inside a cell). */
static const char *const blocks[] = {
    "address", "article", "aside", "blockquote", "body", "br", "button", "center",
    "dd", "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header",
    "hr", "html", "label", "legend", "li", "main", "menu", "nav", "ol", "p", "pre",
    "section", "select", "summary", "textarea", "title", "ul",
};

/* Elements whose content is skipped whole. */
static const char *const skipped[] = { "script", "style", "iframe", "noembed", "noframes" };

/* Input types whose value is not text shown on the page. */
static const char *const unshown[] = { "hidden", "password", "checkbox", "radio", "image", "file" };

static int listed(const char *name, const char *const *list, size_t k)
{
    size_t i;
    for (i = 0; i < k; i++)
        if (strcmp(name, list[i]) == 0)
            return 1;
    return 0;
}

#define LISTED(name, list) listed(name, list, sizeof list / sizeof list[0])

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static table *top(parser *p)
{
    return p->depth > 0 && !p->overflow ? &p->t[p->depth - 1] : NULL;
}

/* In a cell whose text is cell text (not a layout cell). */
static int in_cell(const parser *p)
{
    return p->depth > 0 && p->t[p->depth - 1].cell && !p->t[p->depth - 1].layout;
}

/* A block boundary: a space inside a cell, the end of a block elsewhere. */
static void boundary(parser *p)
{
    if (in_cell(p))
        page_build_space(&p->b);
    else
        page_build_block(&p->b);
}

static void code_point(parser *p, unsigned long cp)
{
    if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f'
        || cp == 0xa0 || cp == 0x3000) {
        page_build_space(&p->b);
    } else {
        char u[4];
        page_build_text(&p->b, u, page_utf8_put(cp, u));
    }
}

/* Text with references (in_attr: an attribute value's rules). */
static void text(parser *p, const char *s, size_t n, int in_attr)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, k;
    unsigned long cp;
    if (p->option && !p->shown)
        return;
    while (i < n && !p->b.stop) {
        if (u[i] > 0x20 && u[i] < 0x7f && u[i] != '&') {
            for (k = i + 1; k < n && u[k] > 0x20 && u[k] < 0x7f && u[k] != '&'; k++)
                ;
            page_build_text(&p->b, s + i, k - i);
            i = k;
        } else if (u[i] == '&') {
            k = page_entity(s + i, n - i, in_attr, &cp);
            if (k) {
                code_point(p, cp);
                i += k;
            } else {
                page_build_text(&p->b, "&", 1);
                i++;
            }
        } else if (u[i] == 0) {
            code_point(p, 0xfffd);
            i++;
        } else if ((k = page_utf8_next(u + i, n - i, &cp)) != 0) {
            code_point(p, cp);
            i += k;
        } else {
            code_point(p, 0xfffd);
            i++;
        }
    }
}

/* Ends the open cell of t, or the block of stray text in the table. */
static void end_cell(parser *p, table *t)
{
    if (t->cell && !t->layout)
        page_build_cell(&p->b);
    else
        page_build_block(&p->b);
    t->cell = t->layout = 0;
}

static void end_row(parser *p, table *t)
{
    end_cell(p, t);
    if (t->row)
        page_build_row(&p->b, t->split);
    t->row = t->split = 0;
}

static void table_start(parser *p)
{
    table *t = top(p);
    if (p->overflow || p->depth == GW_PAGE_TABLE_DEPTH) {
        p->overflow++;
        p->b.out->truncated = 1;
        boundary(p);
        return;
    }
    if (t && t->cell && !t->layout) {   /* the part of the row before it */
        page_build_cell(&p->b);
        page_build_row(&p->b, 1);
        t->split = t->layout = 1;
    } else if (t && t->cell) {
        page_build_block(&p->b);
    } else if (t) {
        end_row(p, t);
    } else {
        page_build_block(&p->b);
    }
    memset(&p->t[p->depth++], 0, sizeof p->t[0]);
}

static void table_end(parser *p)
{
    if (p->overflow) {
        p->overflow--;
        boundary(p);
    } else if (p->depth) {
        end_row(p, &p->t[p->depth - 1]);
        p->depth--;
    }
}

/* <td>, <th>, <tr> and the table's other parts. */
static void table_part(parser *p, const page_tag *tag)
{
    table *t = top(p);
    int cell = strcmp(tag->name, "td") == 0 || strcmp(tag->name, "th") == 0;
    if (!t) {
        if (p->overflow)
            boundary(p);
        else if (!tag->end)
            page_build_block(&p->b);    /* outside tables: a stray start tag */
        return;
    }
    if (cell && tag->end) {
        if (t->cell)
            end_cell(p, t);
    } else if (cell) {
        end_cell(p, t);
        t->row = 1;
        t->cell = 1;
    } else {
        end_row(p, t);
        if (!tag->end && (strcmp(tag->name, "tr") == 0 || strcmp(tag->name, "caption") == 0))
            t->row = 1;
        if (!tag->end && strcmp(tag->name, "caption") == 0)
            t->cell = 1;
    }
}

static void input(parser *p, const page_tag *tag)
{
    size_t tn = 0, vn;
    const char *type = page_tag_attr(tag, "type", &tn), *v = page_tag_attr(tag, "value", &vn);
    char lt[16];
    if (!v || vn == 0)
        return;
    if (type && tn < sizeof lt) {
        size_t i;
        for (i = 0; i < tn; i++)
            lt[i] = type[i] >= 'A' && type[i] <= 'Z' ? (char)(type[i] - 'A' + 'a') : type[i];
        lt[tn] = '\0';
        if (LISTED(lt, unshown))
            return;
    }
    page_build_space(&p->b);
    text(p, v, vn, 1);
    page_build_space(&p->b);
}

static void option(parser *p, const page_tag *tag)
{
    size_t vn;
    if (p->option && p->shown)
        boundary(p);
    p->option = p->shown = 0;
    if (strcmp(tag->name, "option") == 0 && !tag->end) {
        p->option = 1;
        p->shown = page_tag_attr(tag, "selected", &vn) != NULL;
        if (p->shown)
            boundary(p);
    }
}

/* Where the element's content ends: the '<' of "</name" followed by white
 * space, '/' or '>' (or the end), or n. */
static size_t content_end(const char *s, size_t n, size_t i, const char *name)
{
    size_t len = strlen(name);
    const char *q;
    while (i < n && (q = memchr(s + i, '<', n - i)) != NULL) {
        i = (size_t)(q - s);
        if (n - i >= len + 2 && q[1] == '/' && page_ascii_ieq(name, q + 2, len)
            && (n - i == len + 2 || is_space(q[len + 2]) || q[len + 2] == '/' || q[len + 2] == '>'))
            return i;
        i++;
    }
    return n;
}

/* A start or end tag; returns where reading goes on. */
static size_t element(parser *p, const char *s, size_t n, size_t i, const page_tag *tag)
{
    const char *name = tag->name;
    if (strcmp(name, "table") == 0) {
        if (tag->end)
            table_end(p);
        else
            table_start(p);
    } else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0 || strcmp(name, "tr") == 0
               || strcmp(name, "thead") == 0 || strcmp(name, "tbody") == 0
               || strcmp(name, "tfoot") == 0 || strcmp(name, "caption") == 0) {
        table_part(p, tag);
    } else if (strcmp(name, "option") == 0 || strcmp(name, "optgroup") == 0
               || (strcmp(name, "select") == 0)) {
        option(p, tag);
        if (name[1] == 'e')
            boundary(p);
    } else if (strcmp(name, "input") == 0 && !tag->end) {
        input(p, tag);
    } else if (LISTED(name, blocks)) {
        boundary(p);
    }
    if (tag->end)
        return i;
    if (LISTED(name, skipped))
        return content_end(s, n, i, name);
    if (strcmp(name, "title") == 0 || strcmp(name, "textarea") == 0) {
        size_t k = content_end(s, n, i, name);
        text(p, s + i, k - i, 0);
        return k;
    }
    return i;
}

/* Markup at s[i] == '<'; returns where reading goes on. */
static size_t markup(parser *p, const char *s, size_t n, size_t i)
{
    page_tag tag;
    size_t k, rest = n - i;
    if (rest >= 4 && memcmp(s + i, "<!--", 4) == 0) {
        if (rest >= 5 && s[i + 4] == '>')
            return i + 5;
        if (rest >= 6 && memcmp(s + i + 4, "->", 2) == 0)
            return i + 6;
        for (k = i + 4; k + 3 <= n; k++) {
            if (memcmp(s + k, "-->", 3) == 0)
                return k + 3;
            if (k + 4 <= n && memcmp(s + k, "--!>", 4) == 0)
                return k + 4;
        }
        return n;
    }
    if (rest >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
        for (k = i + 9; k + 3 <= n; k++)
            if (memcmp(s + k, "]]>", 3) == 0)
                return k + 3;
        return n;
    }
    if (rest >= 2 && (letter(s[i + 1]) || (s[i + 1] == '/' && rest >= 3 && letter(s[i + 2])))) {
        k = page_tag_scan(s + i, rest, &tag);
        if (k == 0)
            return n;                   /* the input ends inside a tag: dropped */
        return element(p, s, n, i + k, &tag);
    }
    if (rest >= 2 && (s[i + 1] == '!' || s[i + 1] == '?' || s[i + 1] == '/')) {
        const char *q = memchr(s + i + 1, '>', rest - 1);   /* <!DOCTYPE>, <?xml?>, </>, bogus */
        return q ? (size_t)(q - s) + 1 : n;
    }
    text(p, "<", 1, 0);
    return i + 1;
}

int page_html_rows(page_rows *r, const char *html, size_t n, gw_err *e)
{
    parser p;
    size_t i = 0;
    if (n > GW_PAGE_INPUT_MAX) {
        n = GW_PAGE_INPUT_MAX;
        r->truncated = 1;
    }
    memset(&p, 0, sizeof p);
    page_build_init(&p.b, r, n + GW_PAGE_TEXT_SLACK);
    if (gw_buf_reserve(&r->text, 0) != 0)       /* text.data is never NULL */
        return gw_err_set(e, GW_ENOMEM, "page: out of memory");
    while (i < n && !p.b.stop) {
        const char *q = memchr(html + i, '<', n - i);
        if (!q) {
            text(&p, html + i, n - i, 0);
            break;
        }
        if (q > html + i)
            text(&p, html + i, (size_t)(q - html) - i, 0);
        i = markup(&p, html, n, (size_t)(q - html));
    }
    while (p.depth > 0 && !p.b.stop) {
        p.overflow = 0;
        table_end(&p);
    }
    page_build_block(&p.b);
    page_build_free(&p.b);
    if (p.b.nomem)
        return gw_err_set(e, GW_ENOMEM, "page: out of memory");
    return 0;
}
