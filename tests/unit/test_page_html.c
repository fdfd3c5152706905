/* Known answers for page_html_rows (cext/page): rows from tables, blocks,
 * inputs, options, skipped content, character references, broken markup,
 * nested tables, and every bound. Rows are shown as "cell|cell\n". */
#include "check.h"
#include "test_page.h"
#include "core/limits.h"
#include "page/utf8.h"

typedef struct kase {
    const char *name, *html, *rows;
} kase;

static const kase cases[] = {
    {"empty", "", ""},
    {"white space only", "  \n\t\r\f ", ""},
    {"text collapsed", "  hello \n\t world  ", "hello world\n"},
    {"paragraphs", "<p>a</p><p>b</p>", "a\nb\n"},
    {"br lines", "a<br>b<br/>c</br>d<BR >e", "a\nb\nc\nd\ne\n"},
    {"inline tags join", "<b>a</b><i>b</i> <span>c</span>", "ab c\n"},
    {"headings and text", "<h2>Section</h2>text<h3>Sub</h3>", "Section\ntext\nSub\n"},
    {"list items", "<ul><li>one<li>two</ul>tail", "one\ntwo\ntail\n"},
    {"dl layout", "<dl><dt>WAN\xe5\x81\xb4IP\xe3\x82\xa2\xe3\x83\x89\xe3\x83\xac\xe3\x82\xb9</dt>"
                  "<dd>203.0.113.5</dd></dl>",
     "WAN\xe5\x81\xb4IP\xe3\x82\xa2\xe3\x83\x89\xe3\x83\xac\xe3\x82\xb9\n203.0.113.5\n"},
    {"label", "<label for=x>Name</label><span>v</span>", "Name\nv\n"},
    {"table row", "<table><tr><th>WAN</th><td>203.0.113.5</td></tr></table>", "WAN|203.0.113.5\n"},
    {"empty cells kept", "<table><tr><td>a</td><td></td><td> b \n c </td><td> </td></tr></table>",
     "a||b c|\n"},
    {"empty rows dropped", "<table><tr></tr><tr> </tr><tr><td></td></tr></table>", "\n"},
    {"implied closes", "<table><tr><td>a<td>b<tr><th>c</table>", "a|b\nc\n"},
    {"tags any case", "<TABLE><Tr><TH>x</th><tD>y</TD></tR></table>", "x|y\n"},
    {"cell without tr", "<table><td>a</td><td>b</td></table>", "a|b\n"},
    {"attribute quoting", "<table><tr><td class='a>b' id=x title=\"q>r\" nowrap>v</td></tr></table>",
     "v\n"},
    {"br in a cell", "<table><tr><td>2001:db8::53<br>2001:db8::54</td></tr></table>",
     "2001:db8::53 2001:db8::54\n"},
    {"blocks in a cell", "<table><tr><td><p>a</p><div>b</div></td></tr></table>", "a b\n"},
    {"caption and sections",
     "<table><caption>Status</caption><thead><tr><th>k</th><th>v</th></tr></thead>"
     "<tbody><tr><td>1</td><td>2</td></tbody><tfoot><tr><td>f</td></tr></tfoot></table>",
     "Status\nk|v\n1|2\nf\n"},
    {"stray text in a table", "<table>foo<tr><td>a</td></tr>bar</table>", "foo\na\nbar\n"},
    {"nested table", "<table><tr><td>m</td><td>a<table><tr><td>x</td><td>y</td></tr></table>"
                     "<p>b</p>c</td><td>z</td></tr></table>", "m|a\nx|y\nb\nc\nz\n"},
    {"nested table alone in a cell", "<table><tr><td><table><tr><td>x</td></tr></table></td>"
                                     "<td></td></tr></table>", "x\n"},
    {"unclosed tables", "<table><tr><td>a<table><tr><td>b", "a\nb\n"},
    {"inputs", "<p>IP <input value=\"1.2.3.4\"> <INPUT TYPE=PASSWORD value=s>"
               "<input type=\"Hidden\" value=h><input type=checkbox value=on><input type=radio "
               "value=r><input value=''><input type=submit value=Save></p>", "IP 1.2.3.4 Save\n"},
    {"input in a cell", "<table><tr><td>name</td><td><input type=text value='a &amp; b'></td></tr></table>",
     "name|a & b\n"},
    {"input next to text", "<p>a<input value=b>c</p>", "a b c\n"},
    {"options", "<select><option>a</option><option selected>b<option>c</select>", "b\n"},
    {"option in a cell", "<table><tr><td>mode</td><td><select><optgroup label=g><option>x"
                         "<option selected=\"selected\">y</optgroup></select></td></tr></table>",
     "mode|y\n"},
    {"no option selected", "<p>x<select><option>a<option>b</select>y</p>", "x\ny\n"},
    {"skipped content", "<!DOCTYPE html><script>document.write(\"<p>x</p>\")</script>"
                        "<style>p{}</style><!-- <p>y</p> --><![CDATA[<p>z</p>]]><?xml x?><p>ok</p>",
     "ok\n"},
    {"script end tag", "<SCRIPT type=x>a</script >b<script>a</scripty>c</SCRIPT>d", "bd\n"},
    {"unclosed script", "<p>a</p><script>never ends <p>x", "a\n"},
    {"unclosed comment", "a<!-- b <p>c</p>", "a\n"},
    {"short comments", "a<!-->b<!--->c<!-- x --!>d", "abcd\n"},
    {"title and textarea", "<title>T &amp; <b>x</b></title><textarea>t <p> u</textarea>",
     "T & <b>x</b>\nt <p> u\n"},
    {"references", "&amp;&lt;&gt;&quot;&apos;&nbsp;x&#65;&#x42;&#X63;&copy;&yen;&hellip;&#12354;",
     "&<>\"' xABc\xc2\xa9\xc2\xa5\xe2\x80\xa6\xe3\x81\x82\n"},
    {"references without ;", "&amp &ampx &lt3 &#65x &copy2023", "& &x <3 Ax \xc2\xa9" "2023\n"},
    {"bad references kept", "&bogus; &#; &#xZZ; &#0; &#x110000; &#xD800; &#123456789; a&b &",
     "&bogus; &#; &#xZZ; &#0; &#x110000; &#xD800; &#123456789; a&b &\n"},
    {"windows-1252 numbers", "&#150;&#128;&#129;", "\xe2\x80\x93\xe2\x82\xac\xc2\x81\n"},
    {"references in attributes", "<input value=\"a&ampb &amp=c &lt; &amp;amp;\">",
     "a&ampb &amp=c < &amp;\n"},
    {"reference spaces", "a&nbsp;&nbsp;b&#32;&#10;c", "a b c\n"},
    {"nbsp and ideographic space", "\xe3\x80\x80" "a\xc2\xa0\xc2\xa0" "b\xe3\x80\x80" "c\xe3\x80\x80",
     "a b c\n"},
    {"stray <", "a < b <3 x</td>y</tr>z</>w</table>v<", "a < b <3 xyzwv<\n"},
    {"stray start tags outside tables", "a<td>b<tr>c", "a\nb\nc\n"},
    {"tag cut by the end", "a<td class=\"x", "a\n"},
    {"attribute cut by the end", "<p>a</p><input value='x", "a\n"},
    {"malformed UTF-8", "a\xff" "b\xc3", "a\xef\xbf\xbd" "b\xef\xbf\xbd\n"},
    {"overlong and surrogate", "\xc0\xaf\xed\xa0\x80",
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\n"},
};

/* The rows of the fixture pages (tests/fixtures/pages), the same for the
 * UTF-8, Shift_JIS and EUC-JP copies. */
static const char status_rows[] =
    "PR-600MI \xe6\x83\x85\xe5\xa0\xb1\n"
    "\xe3\x81\xb2\xe3\x81\x8b\xe3\x82\x8a\xe9\x9b\xbb\xe8\xa9\xb1\xe3\x83\xab\xe3\x83\xbc\xe3\x82\xbf\n"
    "\xe3\x83\x88\xe3\x83\x83\xe3\x83\x97 \xe6\x83\x85\xe5\xa0\xb1|\xe8\xa3\x85\xe7\xbd\xae\xe6\x83\x85\xe5\xa0\xb1\n"
    "\xe5\x9f\xba\xe6\x9c\xac\xe6\x83\x85\xe5\xa0\xb1\n"
    "\xe6\xa9\x9f\xe5\x99\xa8\xe5\x90\x8d\xe7\xa7\xb0|PR-600MI\n"
    "\xe3\x83\x95\xe3\x82\xa1\xe3\x83\xbc\xe3\x83\xa0\xe3\x82\xa6\xe3\x82\xa7\xe3\x82\xa2"
    "\xe3\x83\x90\xe3\x83\xbc\xe3\x82\xb8\xe3\x83\xa7\xe3\x83\xb3|Ver 1.05.02\n"
    "MAC\xe3\x82\xa2\xe3\x83\x89\xe3\x83\xac\xe3\x82\xb9|00:11:22:33:44:55\n"
    "LAN\xe5\x81\xb4MAC\xe3\x82\xa2\xe3\x83\x89\xe3\x83\xac\xe3\x82\xb9|00:11:22:33:44:56\n"
    "IPv6\xe6\x8e\xa5\xe7\xb6\x9a\xe6\x83\x85\xe5\xa0\xb1\n"
    "WAN\xe5\x81\xb4IP\xe3\x82\xa2\xe3\x83\x89\xe3\x83\xac\xe3\x82\xb9|203.0.113.5\n"
    "IPv6\xe6\x8e\xa5\xe7\xb6\x9a\xe7\x8a\xb6\xe6\x85\x8b|\xe6\x8e\xa5\xe7\xb6\x9a\xe4\xb8\xad\n"
    "IPv6\xe3\x83\x97\xe3\x83\xac\xe3\x83\x95\xe3\x82\xa3\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9"
    "|2001:db8:1234:5600::/56\n"
    "\xe3\x83\x97\xe3\x83\xa9\xe3\x82\xa4\xe3\x83\x9e\xe3\x83\xaa" "DNS|2001:db8::53 2001:db8::54\n"
    "\xe5\x82\x99\xe8\x80\x83|\n"
    "A&B|<none> \"x\" \xe2\x9c\x93 \xe3\x81\x82&bogus; \xe2\x80\x93\n"
    "DHCPv6-PD \xe6\x89\x95\xe3\x81\x84\xe5\x87\xba\xe3\x81\x97\n"
    "2001:db8:1234:5610::/60\n"
    "\xe3\x83\xa6\xe3\x83\xbc\xe3\x82\xb6\xe5\x90\x8d\xef\xbc\x9a user "
    "\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89\xef\xbc\x9a\n"
    "\xe6\x9b\xb4\xe6\x96\xb0\xe9\x96\x93\xe9\x9a\x94\n"
    "5\xe5\x88\x86\n"
    "\xe5\xa3\x8a\xe3\x82\x8c\xe3\x81\x9f \xe3\x82\xbf\xe3\x82\xb0\n"
    "\xe3\x81\xaf\n"
    "Copyright \xc2\xa9 NTT \xe6\x9d\xb1\xe6\x97\xa5\xe6\x9c\xac\n";

static void known_answers(void)
{
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int trunc = -1;
        char *got = rows_text(cases[i].html, strlen(cases[i].html), &trunc);
        CHECK_STR(got, cases[i].rows, cases[i].name);
        CHECK(trunc == 0, cases[i].name);
        free(got);
    }
}

static void nul_byte(void)
{
    char *got = rows_text("a\0b", 3, NULL);
    CHECK_STR(got, "a\xef\xbf\xbd" "b\n", "NUL reads as U+FFFD");
    free(got);
}

static void utf8_fixture(void)
{
    size_t n = 0;
    char *page = fixture("status-utf8.html", &n), *got;
    int trunc = -1;
    CHECK(page != NULL, "fixture status-utf8.html read");
    if (!page)
        return;
    got = rows_text(page, n, &trunc);
    CHECK_STR(got, status_rows, "status page rows (UTF-8)");
    CHECK(trunc == 0, "status page not truncated");
    free(got);
    free(page);
}

/* A string of k copies of s (caller frees). */
static char *repeat(const char *s, size_t k, size_t *n)
{
    size_t len = strlen(s), i;
    char *p = malloc(len * k + 1);
    if (!p)
        return NULL;
    for (i = 0; i < k; i++)
        memcpy(p + i * len, s, len);
    p[len * k] = '\0';
    *n = len * k;
    return p;
}

static size_t count_lines(const char *s)
{
    size_t k = 0;
    for (; s && *s; s++)
        k += *s == '\n';
    return k;
}

static void bounds(void)
{
    size_t n, i;
    int trunc = -1;
    char *html, *got, *p;
    page_rows r;
    gw_err e;

    html = repeat("<p>x</p>", GW_PAGE_ROWS_MAX + 10, &n);
    got = rows_text(html, n, &trunc);
    CHECK(count_lines(got) == GW_PAGE_ROWS_MAX && trunc == 1, "rows stop at GW_PAGE_ROWS_MAX");
    free(got);
    free(html);

    html = repeat("<p>x</p>", GW_PAGE_ROWS_MAX, &n);
    got = rows_text(html, n, &trunc);
    CHECK(count_lines(got) == GW_PAGE_ROWS_MAX && trunc == 0, "exactly GW_PAGE_ROWS_MAX rows");
    free(got);
    free(html);

    html = repeat("<td>c", GW_PAGE_ROW_CELLS + 5, &n);
    p = malloc(n + 32);
    snprintf(p, n + 32, "<table><tr>%s<td>last</table>", html);
    got = rows_text(p, strlen(p), &trunc);
    CHECK(got && strlen(got) == GW_PAGE_ROW_CELLS * 2 && trunc == 1, "cells of a row stop at GW_PAGE_ROW_CELLS");
    CHECK(got && !strstr(got, "last"), "cells beyond the bound dropped");
    free(got);
    free(p);
    free(html);

    got = repeat("<tr><td><td><td><td><td><td><td><td><td><td><td><td><td><td><td><td>",
                 GW_PAGE_CELLS_MAX / 16 + 1, &n);
    html = malloc(n + 8);
    memcpy(html, "<table>", 7);
    memcpy(html + 7, got, n + 1);
    free(got);
    page_rows_init(&r);
    CHECK(page_html_rows(&r, html, n + 7, &e) == 0, "many cells parse");
    CHECK(r.ncells == GW_PAGE_CELLS_MAX && r.nrows == GW_PAGE_CELLS_MAX / 16 && r.truncated,
          "cells stop at GW_PAGE_CELLS_MAX");
    page_rows_free(&r);
    free(html);

    html = repeat("\xff", 3000, &n);              /* 3 bytes out for each byte in */
    page_rows_init(&r);
    CHECK(page_html_rows(&r, html, n, &e) == 0, "malformed bytes parse");
    CHECK(r.truncated && r.text.len <= n + GW_PAGE_TEXT_SLACK, "text bounded by input + slack");
    for (i = 0; i < r.ncells; i++)
        CHECK(page_utf8_valid(r.text.data + r.cells[i].off, r.cells[i].len, NULL),
              "cut text is whole characters");
    page_rows_free(&r);
    free(html);

    html = repeat("<table><tr><td>x", GW_PAGE_TABLE_DEPTH + 4, &n);
    got = rows_text(html, n, &trunc);
    CHECK(count_lines(got) == GW_PAGE_TABLE_DEPTH && trunc == 1, "nesting beyond GW_PAGE_TABLE_DEPTH");
    CHECK(got && strstr(got, "\nx x x x x\n"), "too deep tables read as text of the last cell");
    free(got);
    free(html);

    html = repeat("a ", GW_PAGE_INPUT_MAX / 2 + 8, &n);
    page_rows_init(&r);
    CHECK(page_html_rows(&r, html, n, &e) == 0 && r.truncated && r.nrows == 1,
          "input beyond GW_PAGE_INPUT_MAX: the first part, truncated");
    CHECK(r.nrows == 1 && r.cells[0].len == GW_PAGE_INPUT_MAX - 1, "first GW_PAGE_INPUT_MAX bytes read");
    page_rows_free(&r);
    page_rows_free(&r);                            /* idempotent */
    free(html);
}

int main(void)
{
    known_answers();
    nul_byte();
    utf8_fixture();
    bounds();
    return CHECK_DONE();
}
