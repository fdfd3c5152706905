/* Signals a daemon handles by setting a flag (TERM, INT, HUP, USR1, USR2),
 * and the names of signals for reporting how a child died. */
#ifndef GW_SIGFLAG_H
#define GW_SIGFLAG_H

#define SYS_SIG_COUNT 5         /* TERM, INT, HUP, USR1, USR2: take order */

/* Index 0..SYS_SIG_COUNT-1 of a handled signal's name ("TERM"), or -1. */
int sys_sig_index(const char *name);

/* Installs the flag-setting handler for the signal of index i (sigaction,
 * without SA_RESTART: poll and nanosleep return EINTR). 0, or -1 with errno. */
int sys_sig_install(int i);

/* The read end of the self-pipe the handlers write to (-1 before the first
 * sys_sig_install), its draining, and whether any flag is set. */
int sys_sig_wakefd(void);
void sys_sig_drain(void);
int sys_sig_pending(void);

/* Name of one pending signal (TERM first, then INT, HUP, USR1, USR2),
 * clearing its flag; NULL when none is pending. */
const char *sys_sig_take(void);

/* Name without "SIG" of a signal number ("KILL"), or NULL when unknown. */
const char *sys_signal_name(int signo);

#endif
