/* A minimal known-answer test harness. Each test binary prints one TAP-style
 * line per check ("ok" / "not ok") and exits non-zero when any failed;
 * tests/run.sh counts the lines. */
#ifndef GW_CHECK_H
#define GW_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed, check_count;

static int check_report(int ok, const char *name, const char *file, int line,
                        const char *expr)
{
    check_count++;
    if (!name)
        name = "?";
    if (ok) {
        printf("ok %d - %s\n", check_count, name);
    } else {
        check_failed++;
        printf("not ok %d - %s (%s:%d: %s)\n", check_count, name, file, line, expr);
    }
    return ok;
}

static void check_show(const char *got, const char *want)
{
    printf("#   got:  %s\n#   want: %s\n", got ? got : "(null)", want ? want : "(null)");
}

#define CHECK(cond, name) check_report(!!(cond), (name), __FILE__, __LINE__, #cond)

#define CHECK_STR(got, want, name) do {                                     \
        const char *g_ = (got), *w_ = (want);                               \
        if (!CHECK(g_ && w_ && strcmp(g_, w_) == 0, name))                  \
            check_show(g_, w_);                                             \
    } while (0)

#define CHECK_DONE() (printf("1..%d\n", check_count), check_failed ? 1 : 0)

#endif
