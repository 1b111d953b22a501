/*
 * cachelock — the lock that makes one process the builder of a cache
 * (cachestore.h): an fcntl write lock on a small file, open file
 * description locks (F_OFD_SETLK) where the system has them, else POSIX
 * record locks. The kernel drops it when its holder dies (over NFS, the
 * lock manager does), so there is no stale lock to clean up; a waiter
 * polls rather than blocks, so it can show progress and stop.
 *
 * The file says who holds it and how far the build is ("pid P host H
 * done D total T", one line rewritten in place), for waiters and listings.
 * A lock file may be removed only by a process holding its lock; one who
 * then takes the lock of the removed file sees that the path no longer
 * names it and tries again, so removing never lets two holders in.
 *
 * A CacheLock belongs to the thread that took it. Errors name the file.
 */
#ifndef FINELAB_CACHELOCK_H
#define FINELAB_CACHELOCK_H

#include <stddef.h>

#include "engine/base/error.h"

typedef struct CacheLock CacheLock;

/* Takes the lock of path (creating the file). While another process
 * holds it: with wait NULL, gives up at once; else calls wait(ctx, holder,
 * done, total) (holder: "pid 12 on node7"; done of total the holder's
 * word, 0 of 0 when it said none) every poll seconds and gives up when it
 * returns nonzero. Given up: *out NULL, ST_OK, and the holder's words in
 * holder (cap bytes; may be NULL). ST_IO when the file cannot be made or
 * the file system refuses locks (ENOLCK). */
Status cachelock_take(const char *path, double poll,
                      int (*wait)(void *ctx, const char *holder, long done, long total), void *ctx,
                      CacheLock **out, char *holder, size_t cap, Error *err);
/* The holder's progress, written into the file (at most twice a second
 * and at the end). */
void cachelock_progress(CacheLock *l, long done, long total);
/* Releases the lock (l may be NULL). */
void cachelock_release(CacheLock *l);
/* Removes the lock file, then releases the lock (l may be NULL). */
void cachelock_release_removing(CacheLock *l);

/* Whether another process holds path's lock now: 1 with its words in
 * holder ("pid 12 on node7 (600 of 1800)"), else 0 (no file, or free). */
int cachelock_held(const char *path, char *holder, size_t cap);

#endif
