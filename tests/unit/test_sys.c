/* The pure pieces of cext/sys: syslog level and facility names (RFC 5424
 * 6.2.1 numbers), the message sanitizer, signal names, wait rounding, the
 * PATH search; and the fd primitives on a pipe. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <syslog.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/limits.h"
#include "sys/fdio.h"
#include "sys/sigflag.h"
#include "sys/slog.h"
#include "sys/spawn.h"
#include "sys/syswait.h"
#include "unit/check.h"

static void names(void)
{
    static const struct { const char *name; int value; } lv[] = {
        {"emerg", 0}, {"alert", 1}, {"crit", 2}, {"err", 3}, {"error", 3},
        {"warning", 4}, {"warn", 4}, {"notice", 5}, {"info", 6}, {"debug", 7},
        {"ERR", -1}, {"", -1}, {"information", -1}, {"panic", -1},
    };
    size_t i;
    for (i = 0; i < sizeof lv / sizeof lv[0]; i++)
        CHECK(sys_syslog_level(lv[i].name) == lv[i].value, lv[i].name);
    CHECK(sys_syslog_facility("user") == LOG_USER, "facility user");
    CHECK(sys_syslog_facility("daemon") == LOG_DAEMON, "facility daemon");
    CHECK(sys_syslog_facility("mail") == LOG_MAIL, "facility mail");
    CHECK(sys_syslog_facility("local0") == (16 << 3), "facility local0 = 16");
    CHECK(sys_syslog_facility("local7") == (23 << 3), "facility local7 = 23");
    CHECK(sys_syslog_facility("local8") == -1, "facility local8 refused");
    CHECK(sys_syslog_facility("kern") == -1, "facility kern refused");

    CHECK(sys_sig_index("TERM") == 0 && sys_sig_index("USR2") == 4, "signal index order");
    CHECK(sys_sig_index("KILL") == -1 && sys_sig_index("term") == -1, "signal index refuses");
    CHECK_STR(sys_signal_name(SIGKILL), "KILL", "signal name KILL");
    CHECK_STR(sys_signal_name(SIGTERM), "TERM", "signal name TERM");
    CHECK_STR(sys_signal_name(SIGSEGV), "SEGV", "signal name SEGV");
    CHECK(sys_signal_name(0) == NULL && sys_signal_name(1000) == NULL, "unknown signal number");
}

static void clean(void)
{
    char out[GW_SYSLOG_MSG_MAX + 1];
    char big[3000];
    size_t n;
    n = sys_syslog_clean(out, sizeof out, "a\nb\rc", 5);
    CHECK_STR(out, "a\\x0ab\\x0dc", "CR and LF escaped");
    CHECK(n == 11, "length returned");
    sys_syslog_clean(out, sizeof out, "t\tx\x7f\x1b[1m", 8);
    CHECK_STR(out, "t\tx\\x7f\\x1b[1m", "tab kept, DEL and ESC escaped");
    sys_syslog_clean(out, sizeof out, "a\0b", 3);
    CHECK_STR(out, "a\\x00b", "NUL escaped");
    sys_syslog_clean(out, sizeof out, "\xe3\x81\x82", 3);
    CHECK_STR(out, "\xe3\x81\x82", "UTF-8 kept");
    sys_syslog_clean(out, 6, "ab\ncd", 5);
    CHECK_STR(out, "ab", "an escape is not cut");
    sys_syslog_clean(out, 6, "abcdefgh", 8);
    CHECK_STR(out, "abcde", "cut at the buffer");
    memset(big, '\n', sizeof big);
    n = sys_syslog_clean(out, sizeof out, big, sizeof big);
    CHECK(n <= GW_SYSLOG_MSG_MAX && n % 4 == 0 && out[n] == '\0', "capped at GW_SYSLOG_MSG_MAX");
    sys_syslog(LOG_INFO, LOG_USER, "gwkit-test", "unit\ntest", 9);
    CHECK(1, "syslog without a daemon returns");
}

static void waits(void)
{
    double t0, t1;
    CHECK(sys_wait_ms(0) == 0 && sys_wait_ms(-1) == 0, "wait 0 and negative");
    CHECK(sys_wait_ms(NAN) == 0, "wait NaN");
    CHECK(sys_wait_ms(0.0001) == 1, "wait rounds up");
    CHECK(sys_wait_ms(1.5) == 1500, "wait 1.5 s");
    CHECK(sys_wait_ms(1e12) == GW_WAIT_MAX_S * 1000, "wait clamped to a day");
    t0 = sys_monotime();
    CHECK(sys_sleep(0.02) == 0, "sleep completes");
    t1 = sys_monotime();
    CHECK(t1 - t0 >= 0.02, "monotime advanced over a sleep");
}

static void path_search(void)
{
    char out[GW_RUN_PATH_MAX], longname[GW_RUN_PATH_MAX + 10];
    CHECK(sys_find_program("sh", out, sizeof out) == 0 && out[0] == '/', "sh found in PATH");
    CHECK(sys_find_program("/bin/sh", out, sizeof out) == 0, "a path is taken as is");
    CHECK_STR(out, "/bin/sh", "a path is copied");
    CHECK(sys_find_program("", out, sizeof out) == ENOENT, "empty name");
    CHECK(sys_find_program("no-such-program-gwkit", out, sizeof out) == ENOENT, "missing program");
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    longname[0] = '/';
    CHECK(sys_find_program(longname, out, sizeof out) == ENAMETOOLONG, "path too long");
}

static void fds(void)
{
    int p[2], ready[2], nready = -1;
    char buf[16];
    sys_statinfo st;
    CHECK(sys_pipe(p, 1) == 0 && p[0] > 2 && p[1] > 2, "pipe above fd 2");
    CHECK(sys_poll(p, 1, 0, ready, &nready) == 0 && nready == 0, "poll: nothing yet");
    CHECK(sys_fd_read(p[0], buf, sizeof buf) == SYS_READ_AGAIN, "read: again");
    CHECK(write(p[1], "xyz", 3) == 3, "write");
    CHECK(sys_poll(p, 1, 1, ready, &nready) == 0 && nready == 1 && ready[0] == p[0], "poll: ready");
    CHECK(sys_fd_read(p[0], buf, sizeof buf) == 3 && memcmp(buf, "xyz", 3) == 0, "read the bytes");
    CHECK(sys_fd_close(p[1]) == 0, "close");
    CHECK(sys_poll(p, 1, 1, ready, &nready) == 0 && nready == 1, "poll: hang-up is ready");
    CHECK(sys_fd_read(p[0], buf, sizeof buf) == 0, "read: end of file");
    CHECK(sys_fd_close(p[0]) == 0, "close the read end");
    CHECK(sys_fd_read(p[0], buf, sizeof buf) == -1 && errno == EBADF, "read of a closed fd");
    CHECK(sys_stat("/dev/null", &st) == 0 && strcmp(st.kind, "char") == 0, "stat /dev/null");
    CHECK(sys_stat("/", &st) == 0 && strcmp(st.kind, "dir") == 0 && st.ino > 0, "stat /");
    CHECK(sys_stat("/no/such/file", &st) == -1 && errno == ENOENT, "stat missing");
}

static void signals(void)
{
    double t0;
    pid_t pid;
    CHECK(sys_sig_take() == NULL, "nothing pending");
    CHECK(sys_sig_install(sys_sig_index("USR1")) == 0, "install USR1");
    CHECK(sys_sig_install(sys_sig_index("HUP")) == 0, "install HUP");
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGHUP);
    CHECK_STR(sys_sig_take(), "HUP", "HUP taken before USR1");
    CHECK_STR(sys_sig_take(), "USR1", "then USR1");
    CHECK(sys_sig_take() == NULL, "then nothing");
    pid = fork();
    if (pid == 0) {
        sys_sleep(0.1);
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    t0 = sys_monotime();
    CHECK(sys_sleep(20) == 1, "sleep interrupted by a handled signal");
    CHECK(sys_monotime() - t0 < 19, "sleep ended early");
    CHECK_STR(sys_sig_take(), "USR1", "the signal is pending");
    waitpid(pid, NULL, 0);

    /* The race a daemon loop has: the signal arrives after it last looked
     * and before poll() starts. The flag (and the self-pipe) end the wait
     * at once instead of after the whole timeout. */
    kill(getpid(), SIGUSR1);
    t0 = sys_monotime();
    CHECK(sys_sleep(20) == 1, "a signal that came before the wait ends it at once");
    CHECK(sys_monotime() - t0 < 19, "no full wait for an early signal");
    CHECK_STR(sys_sig_take(), "USR1", "and is still pending");
    /* A wake-up byte left by a signal already taken does not cut the next
     * wait short. */
    kill(getpid(), SIGUSR1);
    CHECK_STR(sys_sig_take(), "USR1", "taken before any wait");
    t0 = sys_monotime();
    CHECK(sys_sleep(0.2) == 0, "a stale wake-up is not an interruption");
    CHECK(sys_monotime() - t0 >= 0.19, "the wait after a stale wake-up lasts its time");
}

int main(void)
{
    names();
    clean();
    waits();
    path_search();
    fds();
    signals();
    return CHECK_DONE();
}
