/* Atomic, durable file writes (write temp, fsync, rename, fsync dir). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "file.h"
#include "crypto.h"

#define PATH_MAX_GW 4096

int gw_sync_dir(const char *path, gw_err *e)
{
    char dir[PATH_MAX_GW];
    const char *slash = strrchr(path, '/');
    int fd, rc;
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "file: cannot open directory %s: %s", dir,
                          strerror(errno));
    rc = fsync(fd);
    close(fd);
    if (rc != 0)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "file: fsync of %s failed: %s", dir, strerror(errno));
    return 0;
}

int gw_write_atomic(const char *path, const void *data, size_t n, gw_err *e)
{
    char tmp[PATH_MAX_GW];
    unsigned char rnd[6];
    char hex[13];
    const char *p = data, *step = "write";
    int fd;
    if (strlen(path) + 20 >= sizeof tmp)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "file: path too long");
    if (gw_random(rnd, sizeof rnd) != 0)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "file: no randomness for a temporary name");
    gw_hex(rnd, sizeof rnd, hex);
    snprintf(tmp, sizeof tmp, "%s.tmp-%s", path, hex);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return gw_err_set(e, GW_EBAD_ARGUMENT, "file: cannot create %s: %s", tmp, strerror(errno));
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            goto fail;
        p += k;
        n -= (size_t)k;
    }
    step = "fsync";
    if (fsync(fd) != 0)
        goto fail;
    step = "close";
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    step = "rename";
    if (rename(tmp, path) != 0)
        goto fail;
    return gw_sync_dir(path, e);
fail:
    gw_err_set(e, GW_EBAD_ARGUMENT, "file: %s of %s failed: %s", step, tmp, strerror(errno));
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return -1;
}

int gw_file_kind(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    return S_ISREG(st.st_mode) ? 1 : 2;
}
