/*
 * atomic_file — a file written in pieces that appears all at once: the
 * bytes stream into a temporary file beside the target (path.tmp.<pid>),
 * which atomic_file_commit fsyncs and renames over the target. Readers
 * (another finelab, a crash) see the old content or the new, never a half
 * of it; on any failure the temporary file is removed and the target is
 * untouched. Every atomic write of finelab (whole files, .npy arrays,
 * safetensors) goes through here.
 *
 * An AtomicFile is caller storage used by one thread. Write errors are
 * sticky: atomic_file_write keeps the first one and commit reports it, so a
 * caller streams its pieces and checks once. Errors name the target path.
 */
#ifndef FINELAB_ATOMIC_FILE_H
#define FINELAB_ATOMIC_FILE_H

#include <stddef.h>

#include "engine/base/error.h"

typedef struct AtomicFile {
    int fd;     /* the temporary file; -1 when closed */
    int err_no; /* the first write failure's errno; 0 while none */
    char *path; /* the target, copied */
    char *tmp;  /* the temporary file's name */
} AtomicFile;

/* Creates the temporary file for path. ST_IO (naming path and the
 * temporary file) or ST_NOMEM; on failure f needs no abort. */
Status atomic_file_open(AtomicFile *f, const char *path, Error *err);
/* Appends len bytes; a failure is kept for commit (later writes are skipped). */
void atomic_file_write(AtomicFile *f, const void *data, size_t len);
/* Flushes to disk and renames the temporary file over path, then frees f.
 * ST_IO when any write, the fsync or the rename failed: the temporary file
 * is removed and path keeps its old content. */
Status atomic_file_commit(AtomicFile *f, Error *err);
/* The same, except that the file is only made when path does not exist
 * (link(2), so of two processes making the same path one wins): ST_STATE
 * "<path> exists already" otherwise, the existing file untouched. */
Status atomic_file_commit_new(AtomicFile *f, Error *err);
/* Gives up: removes the temporary file and frees f. */
void atomic_file_abort(AtomicFile *f);

#endif
