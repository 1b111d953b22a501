/*
 * cachelock — a builder's lock. See cachelock.h.
 *
 * Open file description locks belong to the open file, not the process:
 * two threads (the lab's engine thread and a test's) conflict as two
 * processes do, and closing another descriptor of the file does not drop
 * the lock, which POSIX record locks would.
 */
#define _GNU_SOURCE /* F_OFD_SETLK */
#include "src/run/cachelock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/base/timer.h"

#ifdef F_OFD_SETLK
#define CACHELOCK_SET F_OFD_SETLK
#define CACHELOCK_GET F_OFD_GETLK
#else
#define CACHELOCK_SET F_SETLK
#define CACHELOCK_GET F_GETLK
#endif

enum { CACHELOCK_LINE = 320 }; /* the file's one line, padded: rewritten in place */

struct CacheLock {
    int fd;
    char *path;
    double told; /* when progress was last written */
};

static int cachelock_fcntl(int fd, int cmd, short type) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET};
    return fcntl(fd, cmd, &fl);
}

/* The holder's line, parsed into words; 0 when it said nothing usable. */
static int cachelock_words(int fd, char *holder, size_t cap, long *done, long *total) {
    char line[CACHELOCK_LINE + 1], host[256];
    ssize_t n = pread(fd, line, CACHELOCK_LINE, 0);
    long pid;
    *done = *total = 0;
    if (n <= 0) return 0;
    line[n] = '\0';
    if (sscanf(line, "pid %ld host %255s done %ld total %ld", &pid, host, done, total) != 4)
        return 0;
    if (holder) snprintf(holder, cap, "pid %ld on %s", pid, host);
    return 1;
}

/* Writes this process's line (padded to its fixed length). */
static void cachelock_say(int fd, long done, long total) {
    char host[256] = "?", line[CACHELOCK_LINE];
    if (gethostname(host, sizeof host) != 0 || !host[0]) snprintf(host, sizeof host, "?");
    host[sizeof host - 1] = '\0';
    for (char *p = host; *p; p++)
        if (*p == ' ') *p = '_';
    int n = snprintf(line, sizeof line, "pid %ld host %s done %ld total %ld", (long)getpid(), host,
                     done, total);
    if (n < 0 || n >= (int)sizeof line - 1) n = (int)sizeof line - 2;
    memset(line + n, ' ', sizeof line - 1 - (size_t)n);
    line[sizeof line - 1] = '\n';
    if (pwrite(fd, line, sizeof line, 0) != (ssize_t)sizeof line) {
        /* words for waiters only: they show "another process" */
    }
}

/* 1 when fd is still the file at path (no remover replaced it). */
static int cachelock_current(int fd, const char *path) {
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

static void cachelock_sleep(double seconds) {
    struct timespec ts = {.tv_sec = (time_t)seconds,
                          .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
}

Status cachelock_take(const char *path, double poll,
                      int (*wait)(void *ctx, const char *holder, long done, long total), void *ctx,
                      CacheLock **out, char *holder, size_t cap, Error *err) {
    *out = NULL;
    if (holder && cap) holder[0] = '\0';
    for (;;) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) return error_set(err, ST_IO, "%s: cannot open: %s", path, strerror(errno));
        if (cachelock_fcntl(fd, CACHELOCK_SET, F_WRLCK) == 0) {
            if (!cachelock_current(fd, path)) { /* removed under us: the path is another file */
                close(fd);
                continue;
            }
            CacheLock *l = calloc(1, sizeof *l);
            if (!l || !(l->path = strdup(path))) {
                free(l);
                close(fd);
                return error_set(err, ST_NOMEM, "%s: out of memory", path);
            }
            l->fd = fd;
            l->told = timer_now();
            cachelock_say(fd, 0, 0);
            *out = l;
            return ST_OK;
        }
        int e = errno;
        if (e != EAGAIN && e != EACCES) {
            close(fd);
            return error_set(err, ST_IO, "%s: cannot lock: %s", path, strerror(e));
        }
        char who[300] = "another process";
        long done, total;
        cachelock_words(fd, who, sizeof who, &done, &total);
        close(fd);
        if (holder && cap) snprintf(holder, cap, "%s", who);
        if (!wait || wait(ctx, who, done, total)) return ST_OK;
        cachelock_sleep(poll);
    }
}

void cachelock_progress(CacheLock *l, long done, long total) {
    double now = timer_now();
    if (!l || (now - l->told < 0.5 && done < total)) return;
    l->told = now;
    cachelock_say(l->fd, done, total);
}

void cachelock_release(CacheLock *l) {
    if (!l) return;
    close(l->fd); /* drops the lock */
    free(l->path);
    free(l);
}

void cachelock_release_removing(CacheLock *l) {
    if (!l) return;
    unlink(l->path);
    cachelock_release(l);
}

int cachelock_held(const char *path, char *holder, size_t cap) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int held = fcntl(fd, CACHELOCK_GET, &fl) == 0 && fl.l_type != F_UNLCK;
    if (held) {
        long done, total;
        char who[300] = "another process";
        cachelock_words(fd, who, sizeof who, &done, &total);
        if (total > 0)
            snprintf(holder, cap, "%s (%ld of %ld)", who, done, total);
        else
            snprintf(holder, cap, "%s", who);
    }
    close(fd);
    return held;
}
