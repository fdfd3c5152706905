/* Durable file replacement: the bytes reach the disk before the name does,
 * so a crash (power loss, kill -9) leaves the old file or the new one,
 * never a torn one. */
#ifndef GW_FILE_H
#define GW_FILE_H

#include <stddef.h>
#include "err.h"

/* Writes data to a temporary file beside path, fsyncs it, renames it over
 * path and fsyncs the directory. 0, or -1 with e set (GW_EBAD_ARGUMENT
 * naming the step and errno's text); the temporary file is removed on
 * failure. */
int gw_write_atomic(const char *path, const void *data, size_t n, gw_err *e);
/* fsyncs the directory holding path (after a rename or unlink). 0 or -1. */
int gw_sync_dir(const char *path, gw_err *e);

/* What is at path: 0 nothing, 1 a regular file, 2 something else (a
 * directory, a device such as /dev/null, a FIFO): never replace that by a
 * rename. */
int gw_file_kind(const char *path);

#endif
