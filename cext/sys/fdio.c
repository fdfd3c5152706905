/* A read that never blocks, open/close, stat(2) into plain numbers. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fdio.h"

ssize_t sys_fd_read(int fd, void *buf, size_t max)
{
    struct pollfd p;
    ssize_t got;
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    if (poll(&p, 1, 0) < 0)
        return errno == EINTR ? SYS_READ_AGAIN : -1;
    if (p.revents & POLLNVAL) {
        errno = EBADF;
        return -1;
    }
    if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
        return SYS_READ_AGAIN;
    got = read(fd, buf, max);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return SYS_READ_AGAIN;
    return got;
}

int sys_fd_open(const char *path, int readwrite)
{
    return open(path, (readwrite ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
}

int sys_fd_close(int fd)
{
    if (close(fd) != 0 && errno != EINTR)
        return -1;
    return 0;
}

static const char *kind_of(mode_t m)
{
    if (S_ISREG(m))  return "file";
    if (S_ISDIR(m))  return "dir";
    if (S_ISFIFO(m)) return "fifo";
    if (S_ISCHR(m))  return "char";
    if (S_ISBLK(m))  return "block";
    if (S_ISSOCK(m)) return "socket";
    return "other";
}

int sys_stat(const char *path, sys_statinfo *out)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    out->dev = (double)st.st_dev;
    out->ino = (double)st.st_ino;
    out->size = (double)st.st_size;
    out->mtime = (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec / 1e9;
    out->kind = kind_of(st.st_mode);
    return 0;
}
