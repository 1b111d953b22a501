/*
 * fileio — whole-file reads and atomic whole-file writes.
 *
 * fileio_write_atomic writes a whole buffer through atomic_file.h, so
 * readers (another finelab, a crash) see either the old content or the new,
 * never a half-written file.
 * Reentrant; errors name the path.
 */
#ifndef FINELAB_FILEIO_H
#define FINELAB_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/base/error.h"

/* Reads the whole file into a new malloc'd buffer with a trailing NUL byte
 * (not counted in *len); the caller frees *data. ST_IO names path. */
Status fileio_read_all(const char *path, uint8_t **data, size_t *len, Error *err);
/* The same for what is left of an open stream (stdin, say), called name in
 * errors; the stream stays open. */
Status fileio_read_stream(FILE *f, const char *name, uint8_t **data, size_t *len, Error *err);
/* Replaces path's content with len bytes, atomically (see above). */
Status fileio_write_atomic(const char *path, const void *data, size_t len, Error *err);
/* Makes path with len bytes, whole, only when it does not exist yet: of
 * processes making the same path at once, exactly one succeeds and the
 * others get ST_STATE ("<path> exists already"). */
Status fileio_write_new(const char *path, const void *data, size_t len, Error *err);
/* Creates directory path and its missing parents (mode 0777 & umask). */
Status fileio_mkdirs(const char *path, Error *err);
/* 1 when path exists (any kind of file), else 0. */
int fileio_exists(const char *path);
/* 1 when path is a regular file (after symlinks), else 0. */
int fileio_is_file(const char *path);

#endif
