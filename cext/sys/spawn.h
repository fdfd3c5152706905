/* Starting a program in its own process group with given stdin, stdout and
 * stderr, safely in a process that may have threads. */
#ifndef GW_SPAWN_H
#define GW_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

/* Full path of prog: prog itself when it has a '/', else the first
 * executable regular file in $PATH (default /usr/local/bin:/usr/bin:/bin;
 * empty entries skipped). 0, or an errno value (ENOENT, EACCES,
 * ENAMETOOLONG). */
int sys_find_program(const char *prog, char *out, size_t size);

/* A pipe whose both ends are > 2 and close-on-exec; `nonblock` 1 sets
 * O_NONBLOCK on end p[0], 2 on end p[1]. 0, or -1 with errno. */
int sys_pipe(int p[2], int nonblock);

/* /dev/null read-only, fd > 2, close-on-exec; or -1 with errno. */
int sys_devnull(void);

/* Forks; the child makes itself a process group leader, takes in, out and
 * err as fds 0, 1, 2, resets every signal disposition to the default and
 * unblocks all signals, and execs path with argv (environment inherited).
 * The child only makes async-signal-safe calls. Waits until `deadline`
 * (sys_monotime seconds) for the exec to happen: *exec_errno is 0, or why
 * exec failed (the child then exits 127 and must still be reaped).
 * Returns the pid, or -1 with errno when fork or the report pipe failed. */
pid_t sys_spawn(const char *path, const char *const argv[], int in, int out, int err,
                double deadline, int *exec_errno);

#endif
