/*
 * study — a study's files on the run store. See study.h.
 *
 * The journal is appended with O_APPEND, every record of one decision in
 * one write(2), under the study's lock: on NFS, where O_APPEND is not
 * atomic between machines, the lock is what keeps two workers' lines
 * apart. A record a crash cut short lacks its newline; the next append
 * ends that line first, and the reader reports it by its line number.
 */
#include "src/run/study.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/base/timer.h"
#include "engine/io/fileio.h"
#include "src/run/cachelock.h"
#include "src/run/runstore.h"
#include "src/run/submission.h"

enum { STUDY_POLL_MS = 50 };

Status study_record(const Preset *p, const char *runs_dir, const char *folder, const char *prefix,
                    char *id, size_t cap, Error *err) {
    char dir[1200], path[1300], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(dir, sizeof dir, "%s/%s", runs_dir, folder);
    Status s = fileio_mkdirs(dir, err);
    if (s) return s;
    for (int n = 1;; n++) {
        if (n == 1)
            snprintf(id, cap, "%s-%s-%s", prefix, stamp, p->experiment.name);
        else
            snprintf(id, cap, "%s-%s-%s-%d", prefix, stamp, p->experiment.name, n);
        snprintf(dir, sizeof dir, "%s/%s/%s", runs_dir, folder, id);
        if (mkdir(dir, 0777) == 0) break;
        if (errno != EEXIST || n == 100)
            return error_set(err, ST_IO, "%s: cannot create the %s record: %s", dir, prefix,
                             strerror(errno));
    }
    char *text = preset_format_sweep(p);
    snprintf(path, sizeof path, "%s/preset.ini", dir);
    s = text ? fileio_write_atomic(path, text, strlen(text), err)
             : error_set(err, ST_NOMEM, "out of memory recording the %s", prefix);
    free(text);
    if (s) rmdir(dir); /* nothing half-made: a directory without preset.ini names none */
    return s;
}

Status study_create(const Preset *p, const char *runs_dir, char *id, size_t cap, Error *err) {
    return study_record(p, runs_dir, "studies", "study", id, cap, err);
}

Status study_open(Study *s, const char *runs_dir, const char *id, Preset *p, Error *err) {
    memset(s, 0, sizeof *s);
    char path[1300], host[96] = ""; /* with ":<pid>" it fits worker */
    snprintf(s->dir, sizeof s->dir, "%s/studies/%s", runs_dir, id);
    snprintf(path, sizeof path, "%s/preset.ini", s->dir);
    if (!fileio_exists(path))
        return error_set(err, ST_IO, "%s: no run, halving sweep or study of that name", id);
    if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    snprintf(s->worker, sizeof s->worker, "%s:%ld", host, (long)getpid());
    runstore_slurm_task(s->slurm, sizeof s->slurm);
    if (!(s->trials = calloc(STUDY_TRIALS_MAX, sizeof *s->trials)))
        return error_set(err, ST_NOMEM, "out of memory for the study");
    return preset_load(p, path, err);
}

void study_close(Study *s) {
    study_unlock(s);
    cachelock_release(s->alive); /* the file stays: a busy trial of ours reads as dead */
    s->alive = NULL;
    free(s->trials);
    s->trials = NULL;
}

typedef struct StopWait {
    int (*stop)(void *ctx);
    void *ctx;
} StopWait;

static int study_wait(void *ctx, const char *holder, long done, long total) {
    (void)holder, (void)done, (void)total;
    const StopWait *w = ctx;
    return w->stop && w->stop(w->ctx);
}

Status study_lock(Study *s, int (*stop)(void *ctx), void *ctx, Error *err) {
    char path[1100];
    snprintf(path, sizeof path, "%s/journal.lock", s->dir);
    StopWait w = {stop, ctx};
    return cachelock_take(path, STUDY_POLL_MS / 1000.0, study_wait, &w, &s->lock, NULL, 0, err);
}

void study_unlock(Study *s) {
    cachelock_release(s->lock);
    s->lock = NULL;
}

Status study_read(Study *s, Error *err) {
    char path[1100];
    snprintf(path, sizeof path, "%s/journal.tsv", s->dir);
    s->n = 0;
    if (!fileio_exists(path)) return ST_OK;
    uint8_t *data;
    size_t len;
    Status st = fileio_read_all(path, &data, &len, err);
    if (st) return st;
    char *text = (char *)data, *line = text;
    int no = 1;
    for (char *nl; (nl = memchr(line, '\n', len - (size_t)(line - text))); line = nl + 1, no++) {
        *nl = '\0';
        JournalRecord r;
        char msg[256];
        if (journal_parse(line, &r, msg, sizeof msg) ||
            journal_apply(s->trials, &s->n, STUDY_TRIALS_MAX, &r, msg, sizeof msg)) {
            st = error_set(err, ST_FORMAT, "%s:%d: %s", path, no, msg);
            break;
        }
    }
    free(data);
    return st;
}

/* 1 when the journal's last byte is not a newline (a record cut short). */
static int study_torn(int fd) {
    char last;
    off_t end = lseek(fd, 0, SEEK_END);
    return end > 0 && pread(fd, &last, 1, end - 1) == 1 && last != '\n';
}

Status study_append(Study *s, JournalRecord *r, int n, Error *err) {
    char path[1100], stamp[32], *buf = malloc((size_t)n * JOURNAL_LINE_MAX + 2);
    snprintf(path, sizeof path, "%s/journal.tsv", s->dir);
    if (!buf) return error_set(err, ST_NOMEM, "%s: out of memory", path);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    size_t len = 0;
    Status st = ST_OK;
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT, 0666); /* read: the last byte */
    if (fd < 0) {
        free(buf);
        return error_set(err, ST_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    if (study_torn(fd)) buf[len++] = '\n';
    for (int i = 0; i < n && !st; i++) {
        snprintf(r[i].worker, sizeof r[i].worker, "%s", s->worker);
        snprintf(r[i].time, sizeof r[i].time, "%s", stamp);
        if (r[i].kind == JOURNAL_START) snprintf(r[i].slurm, sizeof r[i].slurm, "%s", s->slurm);
        int w = journal_format(&r[i], buf + len, JOURNAL_LINE_MAX);
        if (w < 0)
            st = error_set(err, ST_ARG, "%s: record of trial %d does not fit a line", path,
                           r[i].trial);
        else
            len += (size_t)w;
    }
    if (!st && (write(fd, buf, len) != (ssize_t)len || fsync(fd) != 0))
        st = error_set(err, ST_IO, "%s: cannot append: %s", path, strerror(errno));
    close(fd);
    free(buf);
    for (int i = 0; i < n && !st; i++) {
        char msg[256];
        if (journal_apply(s->trials, &s->n, STUDY_TRIALS_MAX, &r[i], msg, sizeof msg))
            st = error_set(err, ST_STATE, "%s: %s", path, msg);
    }
    return st;
}

/* The lock file of worker ("host:pid") into path. */
static void study_worker_path(const Study *s, const char *worker, char *path, size_t cap) {
    snprintf(path, cap, "%s/workers/%s.lock", s->dir, worker);
}

Status study_join(Study *s, Error *err) {
    char path[1400];
    snprintf(path, sizeof path, "%s/workers", s->dir);
    Status st = fileio_mkdirs(path, err);
    study_worker_path(s, s->worker, path, sizeof path);
    if (!st) st = cachelock_take(path, 0, NULL, NULL, &s->alive, NULL, 0, err);
    if (!st && !s->alive) /* a pid is one process: another holder is a pid reused */
        st = error_set(err, ST_IO, "%s: held by another process", path);
    return st;
}

/* Whether trial t's worker (not this process) is gone; why in why. */
static int study_worker_gone(Study *s, const StudyTrial *t, int *asked, char *why, size_t cap) {
    char path[1400], here[128];
    study_worker_path(s, t->worker, path, sizeof path);
    if (fileio_exists(path)) {
        if (!cachelock_held(path, NULL, 0)) {
            snprintf(why, cap, "worker %.120s is gone (its lock is free)", t->worker);
            return 1;
        }
    } else { /* no lock: a worker of an older finelab; its pid, on this machine */
        snprintf(here, sizeof here, "%s", s->worker);
        char *colon = strrchr(here, ':');
        if (colon) colon[1] = '\0'; /* "host:" */
        long pid = strncmp(t->worker, here, strlen(here)) == 0
                       ? strtol(t->worker + strlen(here), NULL, 10)
                       : 0;
        if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            snprintf(why, cap, "worker %.120s is gone", t->worker);
            return 1;
        }
    }
    /* Its lock looks held: a failed node's may, on NFS. Slurm knows. */
    if (!t->slurm[0] ||
        (!*asked && s->slurm_asked > 0 && timer_now() - s->slurm_asked < STUDY_SLURM_EVERY))
        return 0;
    char state[32];
    *asked = 1;
    submission_task_state(t->slurm, state, sizeof state);
    if (submission_state_alive(state)) return 0;
    snprintf(why, cap, "worker %.100s: its Slurm task %.30s has ended (%.20s)", t->worker, t->slurm,
             state);
    return 1;
}

int study_release_dead(Study *s, Error *err) {
    int released = 0, asked = 0;
    for (int i = 0; i < s->n; i++) {
        const StudyTrial *t = &s->trials[i];
        if (!t->asha.busy || strcmp(t->worker, s->worker) == 0) continue;
        JournalRecord r = {.kind = JOURNAL_RELEASE, .trial = i};
        if (!study_worker_gone(s, t, &asked, r.why, sizeof r.why)) continue;
        if (study_append(s, &r, 1, err)) return -1;
        released++;
    }
    if (asked) s->slurm_asked = timer_now();
    return released;
}

void study_tidy(Study *s) {
    char path[1400];
    snprintf(path, sizeof path, "%s/workers", s->dir);
    DIR *d = opendir(path);
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".lock") != 0 ||
            (strncmp(e->d_name, s->worker, len - 5) == 0 && !s->worker[len - 5]))
            continue; /* not a worker's, or this process's own */
        char file[1700];
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        CacheLock *l = NULL; /* only a lock nobody holds goes, and only by its new holder */
        if (!cachelock_take(file, 0, NULL, NULL, &l, NULL, 0, NULL) && l)
            cachelock_release_removing(l);
    }
    if (d) closedir(d);
}
