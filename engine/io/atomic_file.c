/*
 * atomic_file — streaming atomic replacement. See atomic_file.h.
 */
#include "engine/io/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void atomic_file_free(AtomicFile *f) {
    free(f->path);
    free(f->tmp);
    f->path = f->tmp = NULL;
    f->fd = -1;
}

Status atomic_file_open(AtomicFile *f, const char *path, Error *err) {
    size_t n = strlen(path) + 32;
    *f = (AtomicFile){.fd = -1, .path = malloc(n), .tmp = malloc(n)};
    if (!f->path || !f->tmp) {
        atomic_file_free(f);
        return error_set(err, ST_NOMEM, "%s: out of memory", path);
    }
    snprintf(f->path, n, "%s", path);
    snprintf(f->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (f->fd < 0) {
        Status st =
            error_set(err, ST_IO, "%s: cannot create %s: %s", path, f->tmp, strerror(errno));
        atomic_file_free(f);
        return st;
    }
    return ST_OK;
}

void atomic_file_write(AtomicFile *f, const void *data, size_t len) {
    const char *p = data;
    while (len > 0 && !f->err_no) {
        ssize_t w = write(f->fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            f->err_no = w < 0 ? errno : EIO;
            break;
        }
        p += w;
        len -= (size_t)w;
    }
}

/* Flushes and closes f, then puts the temporary file in place: renamed
 * over the target, or (exclusive) linked to it, which fails when the
 * target exists. The temporary file is gone either way. */
static Status atomic_file_finish(AtomicFile *f, int exclusive, Error *err) {
    if (!f->err_no && fsync(f->fd) != 0) f->err_no = errno;
    if (close(f->fd) != 0 && !f->err_no) f->err_no = errno;
    f->fd = -1;
    int exists = 0;
    if (!f->err_no && exclusive) {
        if (link(f->tmp, f->path) != 0) {
            f->err_no = errno;
            exists = errno == EEXIST;
        }
        unlink(f->tmp);
    } else if (!f->err_no && rename(f->tmp, f->path) != 0) {
        f->err_no = errno;
    }
    Status st = ST_OK;
    if (exists)
        st = error_set(err, ST_STATE, "%s exists already", f->path);
    else if (f->err_no)
        st = error_set(err, ST_IO, "%s: cannot write: %s", f->path, strerror(f->err_no));
    if (f->err_no) unlink(f->tmp);
    atomic_file_free(f);
    return st;
}

Status atomic_file_commit(AtomicFile *f, Error *err) {
    return atomic_file_finish(f, 0, err);
}

Status atomic_file_commit_new(AtomicFile *f, Error *err) {
    return atomic_file_finish(f, 1, err);
}

void atomic_file_abort(AtomicFile *f) {
    if (f->fd >= 0) close(f->fd);
    if (f->tmp) unlink(f->tmp);
    atomic_file_free(f);
}
