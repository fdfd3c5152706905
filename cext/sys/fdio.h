/* Raw file descriptors and files for the log watcher: a read that never
 * blocks, open/close of FIFOs and devices, and what stat(2) says about a
 * path (to notice a rotated or truncated file). */
#ifndef GW_FDIO_H
#define GW_FDIO_H

#include <stddef.h>
#include <sys/types.h>

#define SYS_READ_AGAIN  (-2)    /* sys_fd_read: nothing ready */

/* Reads at most max bytes from fd without blocking (polls it first).
 * Bytes read (0: end of file), SYS_READ_AGAIN, or -1 with errno. */
ssize_t sys_fd_read(int fd, void *buf, size_t max);

/* open(2) with O_NONBLOCK | O_CLOEXEC, read-only or read-write (a FIFO
 * opened read-write never reports end of file). fd, or -1 with errno. */
int sys_fd_open(const char *path, int readwrite);

/* close(2); 0, or -1 with errno (EINTR counts as closed, as on Linux). */
int sys_fd_close(int fd);

typedef struct sys_statinfo {
    double dev, ino, size;
    double mtime;               /* seconds since the epoch, fractional */
    const char *kind;           /* "file", "dir", "fifo", "char", "block", "socket", "other" */
} sys_statinfo;

/* stat(2) (links followed). 0, or -1 with errno. */
int sys_stat(const char *path, sys_statinfo *out);

#endif
