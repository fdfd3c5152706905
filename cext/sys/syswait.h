/* Time and waiting: the monotonic clock, an interruptible sleep, and poll
 * over a caller's descriptors (POSIX clock_gettime, nanosleep, poll). */
#ifndef GW_SYSWAIT_H
#define GW_SYSWAIT_H

#define SYS_POLL_INTR   1       /* sys_poll: a signal handler ran */

/* Seconds of CLOCK_MONOTONIC (fractional); immune to the wall clock being set. */
double sys_monotime(void);

/* Milliseconds of a wait of `seconds`, rounded up, clamped to
 * [0, GW_WAIT_MAX_S * 1000] (so it fits poll()'s int). */
int sys_wait_ms(double seconds);

/* Sleeps `seconds` (clamped as above). 0 after the full time; 1 when a
 * signal handler ran (EINTR: the rest is not slept). */
int sys_sleep(double seconds);

/* Waits up to `seconds` (sys_wait_ms) until one of the n fds is readable,
 * hung up, in error or invalid (POLLNVAL: a later read reports why).
 * Writes the ready fds to ready[] (room for n) and their count to *nready
 * (0 when the time passed). 0, SYS_POLL_INTR, or -1 with errno. n = 0 is
 * a sleep that a signal interrupts. */
int sys_poll(const int *fds, int n, double seconds, int *ready, int *nready);

#endif
