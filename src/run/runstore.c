/*
 * runstore — run directories, atomic status files, metrics and logs. See
 * runstore.h.
 *
 * status.ini is small and rewritten whole through fileio_write_atomic, so a
 * reader in another process never sees half a file. metrics.tsv and
 * log.txt are append-only and flushed per line; a reader ignores a last
 * line without its newline (still being written, or cut short by a full
 * disk).
 *
 * A full disk: every write reports its failure and the writer keeps the
 * first (RunWriter.failed), which the runner turns into a failed run. The
 * last status it writes must still get through, so while a run is written
 * a few pages are held in status.reserve: runstore_write_end gives them
 * back and tries again. Nothing else uses them, so a run that fills the
 * disk still records why it failed.
 */
#include "src/run/runstore.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/io/fileio.h"
#include "engine/train/snapshot.h"

static const char metrics_header[] =
    "iter\tphase\tloss\taccuracy\tlr\tseconds\timages_per_s\tdata_wait\n";

/* Room for the last status.ini (a few KiB) on any block size up to 16 KiB. */
enum { RESERVE_BYTES = 16384 };
static const char reserve_name[] = "status.reserve";

static void runstore_now(char *buf, size_t cap) {
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void runstore_join(char *out, size_t cap, const char *dir, const char *name) {
    snprintf(out, cap, "%s/%s", dir, name);
}

/* Keeps e as w's first failed write (when it is the first) and passes it
 * on to err; returns its status. */
static Status runstore_fail(RunWriter *w, const Error *e, Error *err) {
    if (!w->failed.status) w->failed = *e;
    return error_set(err, e->status, "%s", e->msg);
}

/* --- status.ini ----------------------------------------------------------------- */

/* Whether st was written on this machine (or by a version that did not
 * say): only there does its pid mean the process. A run store on a shared
 * file system is read on other nodes (a login node watching a cluster's
 * run), where a pid means nothing. */
static int runstore_on_this_host(const RunStatus *st) {
    char here[sizeof st->host];
    if (!st->host[0] || gethostname(here, sizeof here) != 0) return 1;
    here[sizeof here - 1] = '\0';
    return strcmp(here, st->host) == 0;
}

Status runstore_read_status(const char *run_dir, RunStatus *st, Error *err) {
    char path[1200];
    runstore_join(path, sizeof path, run_dir, "status.ini");
    runstatus_defaults(st);
    uint8_t *text;
    size_t len;
    Status s = fileio_read_all(path, &text, &len, err);
    if (s) return s;
    char bad[64];
    int line = runstatus_parse((char *)text, len, st, bad, sizeof bad);
    free(text);
    if (line != 0)
        return error_set(err, ST_FORMAT, "%s:%d: %s%s", path, line,
                         bad[0] ? "bad value for " : "malformed line", bad);
    /* A queued run's process may die too (killed while it built its feature
     * cache): whatever it was doing, no one will finish it. */
    int active = st->state == RUN_QUEUED || st->state == RUN_RUNNING;
    if (active && st->pid > 0 && runstore_on_this_host(st) && kill((pid_t)st->pid, 0) != 0 &&
        errno == ESRCH)
        st->state = RUN_INTERRUPTED;
    return ST_OK;
}

Status runstore_write_status(RunWriter *w, Error *err) {
    if (!w->dir[0]) return ST_OK; /* a null writer (runstore_null) */
    RunStatus *st = &w->status;
    st->pid = (long)getpid();
    runstore_now(st->updated, sizeof st->updated);
    /* The machine of the pid (runstore_on_this_host). */
    if (gethostname(st->host, sizeof st->host) != 0) st->host[0] = '\0';
    st->host[sizeof st->host - 1] = '\0';
    char text[4096], path[1200];
    int len = runstatus_format(st, text, sizeof text);
    if (len < 0) return error_set(err, ST_STATE, "status.ini: %s: too long to write", w->dir);
    runstore_join(path, sizeof path, w->dir, "status.ini");
    Error e = {0};
    Status s = fileio_write_atomic(path, text, (size_t)len, &e);
    return s ? runstore_fail(w, &e, err) : ST_OK;
}

/* Gives the room reserved for the last status back to the file system. */
static void runstore_unreserve(RunWriter *w) {
    if (!w->reserved) return;
    char path[1200];
    runstore_join(path, sizeof path, w->dir, reserve_name);
    unlink(path);
    w->reserved = 0;
}

Status runstore_write_end(RunWriter *w, Error *err) {
    Status s = runstore_write_status(w, err);
    if (!s || !w->reserved) return s;
    runstore_unreserve(w);
    return runstore_write_status(w, err);
}

/* Holds RESERVE_BYTES in dir/status.reserve (allocated, not sparse). */
static Status runstore_reserve(RunWriter *w, Error *err) {
    char path[1200];
    runstore_join(path, sizeof path, w->dir, reserve_name);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    int rc = fd < 0 ? errno : posix_fallocate(fd, 0, RESERVE_BYTES);
    if (fd >= 0 && close(fd) != 0 && !rc) rc = errno;
    if (rc) {
        if (fd >= 0) unlink(path);
        return error_set(err, ST_IO, "%s: cannot write: %s", path, strerror(rc));
    }
    w->reserved = 1;
    return ST_OK;
}

/* --- metrics.tsv ---------------------------------------------------------------- */

static int runstore_parse_row(char *line, RunRow *r) {
    char phase[16];
    int n = sscanf(line, "%d\t%15s\t%lf\t%lf\t%lf\t%lf\t%lf\t%lf", &r->iter, phase, &r->loss,
                   &r->accuracy, &r->lr, &r->seconds, &r->images_per_s, &r->data_wait);
    if (n != 8) return -1;
    r->val = strcmp(phase, "val") == 0;
    if (r->val || strcmp(phase, "test") == 0)
        r->heldout = 1;
    else if (strcmp(phase, "train") == 0)
        r->heldout = 0;
    else
        return -1;
    return 0;
}

/* One metrics.tsv line (the header's columns), newline included. */
static int runstore_format_row(char *buf, size_t cap, int iter, const char *phase, double loss,
                               double accuracy, double lr, double seconds, double images_per_s,
                               double data_wait) {
    return snprintf(buf, cap, "%d\t%s\t%.9g\t%.9g\t%.9g\t%.3f\t%.3f\t%.4f\n", iter, phase, loss,
                    accuracy, lr, seconds, images_per_s, data_wait);
}

static const char *runstore_row_phase(const RunRow *r) {
    return r->val ? "val" : r->heldout ? "test" : "train";
}

Status runstore_read_metrics(const char *run_dir, RunRow **rows, int *n, Error *err) {
    char path[1200];
    runstore_join(path, sizeof path, run_dir, "metrics.tsv");
    *rows = NULL;
    *n = 0;
    uint8_t *text;
    size_t len;
    Status s = fileio_read_all(path, &text, &len, err);
    if (s) return s;
    int cap = 16;
    for (size_t i = 0; i < len; i++) cap += text[i] == '\n';
    RunRow *out = malloc(sizeof *out * (size_t)cap);
    if (!out) {
        free(text);
        return error_set(err, ST_NOMEM, "%s: out of memory", path);
    }
    char *p = (char *)text, *end = p + len;
    int lineno = 0, count = 0;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) break; /* still being written */
        *nl = '\0';
        lineno++;
        if (lineno > 1 && runstore_parse_row(p, &out[count]) == 0) count++;
        p = nl + 1;
    }
    free(text);
    *rows = out;
    *n = count;
    return ST_OK;
}

/* --- listing ----------------------------------------------------------------------- */

int runstore_id_cmp(const void *pa, const void *pb) {
    const char *a = *(char *const *)pa, *b = *(char *const *)pb;
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0') a++;
            while (*b == '0') b++;
            size_t la = 0, lb = 0;
            while (isdigit((unsigned char)a[la])) la++;
            while (isdigit((unsigned char)b[lb])) lb++;
            int c = la != lb ? (la < lb ? -1 : 1) : strncmp(a, b, la);
            if (c) return c;
            a += la, b += lb;
        } else if (*a != *b) {
            return (unsigned char)*a - (unsigned char)*b;
        } else {
            a++, b++;
        }
    }
    return (unsigned char)*a - (unsigned char)*b;
}

Status runstore_list(const char *runs_dir, char ***ids, int *n, Error *err) {
    *ids = NULL;
    *n = 0;
    DIR *d = opendir(runs_dir);
    if (!d) {
        if (errno == ENOENT) return ST_OK; /* no runs yet */
        return error_set(err, ST_IO, "%s: cannot open: %s", runs_dir, strerror(errno));
    }
    int cap = 0;
    struct dirent *e;
    Status s = ST_OK;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char status[1200];
        snprintf(status, sizeof status, "%s/%s/status.ini", runs_dir, e->d_name);
        if (!fileio_exists(status)) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            char **more = realloc(*ids, sizeof(char *) * (size_t)cap);
            if (!more) {
                s = error_set(err, ST_NOMEM, "out of memory");
                break;
            }
            *ids = more;
        }
        if (!((*ids)[*n] = strdup(e->d_name))) {
            s = error_set(err, ST_NOMEM, "out of memory");
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (s) {
        runstore_free_list(*ids, *n);
        *ids = NULL;
        *n = 0;
        return s;
    }
    if (*n) qsort(*ids, (size_t)*n, sizeof(char *), runstore_id_cmp);
    return ST_OK;
}

void runstore_free_list(char **ids, int n) {
    for (int i = 0; i < n; i++) free(ids[i]);
    free(ids);
}

Status runstore_sweep_runs(const char *runs_dir, const char *id, int n, char (*dir)[1024],
                           Error *err) {
    char **ids;
    int m;
    Status s = runstore_list(runs_dir, &ids, &m, err);
    if (s) return s;
    for (int c = 0; c < n; c++) dir[c][0] = '\0';
    for (int i = 0; i < m; i++) { /* oldest first: the latest run of a candidate wins */
        char path[1024];
        RunStatus st;
        snprintf(path, sizeof path, "%s/%s", runs_dir, ids[i]);
        if (!runstore_read_status(path, &st, NULL) && strcmp(st.halving, id) == 0 &&
            st.candidate >= 0 && st.candidate < n)
            snprintf(dir[st.candidate], sizeof dir[0], "%s", path);
    }
    runstore_free_list(ids, m);
    return ST_OK;
}

void runstore_store_of(const char *run_dir, char *out, size_t cap) {
    const char *slash = strrchr(run_dir, '/');
    if (slash)
        snprintf(out, cap, "%.*s", (int)(slash - run_dir), run_dir);
    else
        snprintf(out, cap, ".");
}

Status runstore_resolve(const char *runs_dir, const char *run, char *dir, size_t cap, Error *err) {
    char status[1200];
    snprintf(status, sizeof status, "%s/status.ini", run);
    if (strchr(run, '/') && fileio_exists(status)) {
        snprintf(dir, cap, "%s", run);
        return ST_OK;
    }
    snprintf(dir, cap, "%s/%s", runs_dir, run);
    snprintf(status, sizeof status, "%s/status.ini", dir);
    if (fileio_exists(status)) return ST_OK;
    return error_set(err, ST_IO, "%s: no such run (looked in %s)", run, runs_dir);
}

/* --- snapshots --------------------------------------------------------------------- */

static int runstore_cmp_desc(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x < y) - (x > y);
}

Status runstore_snapshots(const char *run_dir, int **iters, int *n, Error *err) {
    *iters = NULL;
    *n = 0;
    char dirpath[1200];
    runstore_join(dirpath, sizeof dirpath, run_dir, "snapshots");
    DIR *d = opendir(dirpath);
    if (!d) {
        if (errno == ENOENT) return ST_OK;
        return error_set(err, ST_IO, "%s: cannot open: %s", dirpath, strerror(errno));
    }
    int cap = 0;
    Status s = ST_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        int it = snapshot_name_iter(e->d_name);
        if (it < 0) continue; /* temporary files, files set aside, anything else */
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            int *more = realloc(*iters, sizeof(int) * (size_t)cap);
            if (!more) {
                s = error_set(err, ST_NOMEM, "%s: out of memory", dirpath);
                break;
            }
            *iters = more;
        }
        (*iters)[(*n)++] = it;
    }
    closedir(d);
    if (s) {
        free(*iters);
        *iters = NULL;
        *n = 0;
        return s;
    }
    if (*n) qsort(*iters, (size_t)*n, sizeof(int), runstore_cmp_desc);
    return ST_OK;
}

Status runstore_last_snapshot(const char *run_dir, char *out, size_t cap, int *iter, Error *err) {
    int *iters, n;
    Status s = runstore_snapshots(run_dir, &iters, &n, err);
    if (s) return s;
    if (n == 0) return error_set(err, ST_IO, "%s: no snapshots", run_dir);
    char dirpath[1200];
    runstore_join(dirpath, sizeof dirpath, run_dir, "snapshots");
    snapshot_path(out, cap, dirpath, iters[0]);
    if (iter) *iter = iters[0];
    free(iters);
    return ST_OK;
}

Status runstore_set_aside_snapshot(const char *run_dir, int iter, Error *err) {
    char dirpath[1200], from[1300], to[1320];
    runstore_join(dirpath, sizeof dirpath, run_dir, "snapshots");
    snapshot_path(from, sizeof from, dirpath, iter);
    snprintf(to, sizeof to, "%s.bad", from);
    if (rename(from, to) != 0)
        return error_set(err, ST_IO, "%s: cannot rename to %s: %s", from, to, strerror(errno));
    return ST_OK;
}

/* Makes the directory's entries (a snapshot just renamed into place)
 * durable before any older snapshot is unlinked. */
static Status runstore_sync_dir(const char *dirpath, Error *err) {
    int fd = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return error_set(err, ST_IO, "%s: cannot open: %s", dirpath, strerror(errno));
    int bad = fsync(fd) != 0 && errno != EINVAL; /* some file systems cannot sync a directory */
    int saved = errno;
    close(fd);
    if (bad) return error_set(err, ST_IO, "%s: cannot sync: %s", dirpath, strerror(saved));
    return ST_OK;
}

Status runstore_prune_snapshots(const char *run_dir, int keep, int newest, char *removed,
                                size_t cap, Error *err) {
    if (removed && cap) removed[0] = '\0';
    if (keep <= 0) return ST_OK;
    int *iters, n;
    Status s = runstore_snapshots(run_dir, &iters, &n, err);
    if (s || n == 0) return s;
    char dirpath[1200];
    runstore_join(dirpath, sizeof dirpath, run_dir, "snapshots");
    int older = 0, have_newest = 0;
    for (int i = 0; i < n; i++) have_newest |= iters[i] == newest;
    if (!have_newest) {
        free(iters);
        return error_set(err, ST_STATE, "%s: no snapshot at iteration %d to keep", dirpath, newest);
    }
    if ((s = runstore_sync_dir(dirpath, err))) {
        free(iters);
        return s;
    }
    size_t len = 0;
    for (int i = 0; i < n; i++) { /* newest first */
        if (iters[i] >= newest || ++older < keep) continue;
        char path[1300];
        snapshot_path(path, sizeof path, dirpath, iters[i]);
        if (unlink(path) != 0 && errno != ENOENT) {
            if (!s) s = error_set(err, ST_IO, "%s: cannot remove: %s", path, strerror(errno));
            continue;
        }
        if (removed && len < cap)
            len += (size_t)snprintf(removed + len, cap - len, "%siter_%d.safetensors",
                                    len ? ", " : "", iters[i]);
    }
    free(iters);
    return s;
}

/* --- writing ----------------------------------------------------------------------- */

static Status runstore_open_files(RunWriter *w, Error *err) {
    static const char *const names[2] = {"metrics.tsv", "log.txt"};
    FILE **files[2] = {&w->metrics, &w->log};
    for (int i = 0; i < 2; i++) {
        char path[1200];
        runstore_join(path, sizeof path, w->dir, names[i]);
        if (!(*files[i] = fopen(path, "a"))) {
            Status s =
                error_set(err, ST_IO, "%s: cannot open for appending: %s", path, strerror(errno));
            runstore_close(w);
            return s;
        }
    }
    return ST_OK;
}

void runstore_slurm_task(char *out, size_t cap) {
    const char *job = getenv("SLURM_ARRAY_JOB_ID"), *task = getenv("SLURM_ARRAY_TASK_ID");
    out[0] = '\0';
    if (job && task && job[0] && task[0] && strlen(job) < 24 && strlen(task) < 16 &&
        strspn(job, "0123456789") == strlen(job) && strspn(task, "0123456789") == strlen(task))
        snprintf(out, cap, "%s_%s", job, task);
}

/* Everything in w->dir (just made) that makes it a run. */
static Status runstore_create_files(RunWriter *w, const char *name, const char *preset_text,
                                    Error *err) {
    char path[1200];
    runstore_join(path, sizeof path, w->dir, "snapshots");
    Status s = fileio_mkdirs(path, err);
    runstore_join(path, sizeof path, w->dir, "preset.ini");
    if (!s) s = fileio_write_atomic(path, preset_text, strlen(preset_text), err);
    runstore_join(path, sizeof path, w->dir, "metrics.tsv");
    if (!s) s = fileio_write_atomic(path, metrics_header, strlen(metrics_header), err);
    if (!s) s = runstore_reserve(w, err);
    if (s) return s;
    snprintf(w->status.preset, sizeof w->status.preset, "%s", name);
    runstore_now(w->status.started, sizeof w->status.started);
    runstore_slurm_task(w->status.slurm, sizeof w->status.slurm);
    w->status.state = RUN_RUNNING; /* its process works on it from now on */
    if ((s = runstore_write_status(w, err))) return s;
    return runstore_open_files(w, err);
}

/* Removes what runstore_create made of w's run, status.ini first (a
 * directory without it is no run to a reader). */
static void runstore_discard(RunWriter *w) {
    static const char *const names[] = {"status.ini", "log.txt", "metrics.tsv", "preset.ini"};
    runstore_close(w);
    char path[1200];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        runstore_join(path, sizeof path, w->dir, names[i]);
        unlink(path);
    }
    runstore_join(path, sizeof path, w->dir, "snapshots");
    rmdir(path);
    rmdir(w->dir);
}

Status runstore_create(RunWriter *w, const char *runs_dir, const char *name,
                       const char *preset_text, Error *err) {
    memset(w, 0, sizeof *w);
    runstatus_defaults(&w->status);
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    /* Room for "-999" and the longest file path under the run directory
     * (snapshots/iter_<N>.safetensors.tmp.<pid>, under 80 bytes): an id or
     * path cut short would name another directory. */
    if (strlen(stamp) + strlen(name) + 6 > NAME_MAX || strlen(name) + 24 > sizeof w->id)
        return error_set(err, ST_ARG,
                         "run name '%.40s...' is %zu bytes long: too long for a run id", name,
                         strlen(name));
    if (strlen(runs_dir) + strlen(stamp) + strlen(name) + 6 + 80 > sizeof w->dir)
        return error_set(err, ST_ARG,
                         "the run store's path is %zu bytes long, and with a run id of this "
                         "name it must stay under %zu: %.120s...",
                         strlen(runs_dir), sizeof w->dir - 80 - strlen(stamp) - strlen(name) - 6,
                         runs_dir);
    Status s = fileio_mkdirs(runs_dir, err);
    if (s) return s;
    for (int k = 1;; k++) {
        int n = k == 1 ? snprintf(w->id, sizeof w->id, "%s-%s", stamp, name)
                       : snprintf(w->id, sizeof w->id, "%s-%s-%d", stamp, name, k);
        int m = snprintf(w->dir, sizeof w->dir, "%s/%s", runs_dir, w->id);
        if (n < 0 || m < 0 || (size_t)n >= sizeof w->id || (size_t)m >= sizeof w->dir)
            return error_set(err, ST_ARG, "%s/%s: too long for a run directory", runs_dir, name);
        if (mkdir(w->dir, 0777) == 0) break;
        if (errno != EEXIST || k > 999)
            return error_set(err, ST_IO, "%s: cannot create: %s", w->dir, strerror(errno));
    }
    if ((s = runstore_create_files(w, name, preset_text, err))) runstore_discard(w);
    return s;
}

/* Removes the temporary files (<name>.tmp.<pid>, atomic_file.h) in dir
 * whose writer is gone: a process killed while it wrote a snapshot or a
 * status leaves one. */
static void runstore_sweep_tmp(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *tag = NULL;
        for (const char *at = strstr(e->d_name, ".tmp."); at; at = strstr(at + 1, ".tmp."))
            tag = at;
        if (!tag) continue;
        const char *digits = tag + 5;
        char *end;
        long pid = strtol(digits, &end, 10);
        if (end == digits || *end || pid <= 0 || pid > INT_MAX || pid == (long)getpid() ||
            kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[1200];
        runstore_join(path, sizeof path, dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

/* Cuts path after its last newline: a line a full disk cut short. A file
 * that cannot be read is left as it is. */
static Status runstore_trim_partial(const char *path, Error *err) {
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return ST_OK; /* nothing logged yet */
    if (fd < 0) return error_set(err, ST_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    off_t end = fstat(fd, &sb) == 0 ? sb.st_size : 0, keep = end;
    char buf[4096];
    /* Back from the end, a block at a time, to the last newline (or the start). */
    for (int found = 0; !found && keep > 0;) {
        off_t at = keep > (off_t)sizeof buf ? keep - (off_t)sizeof buf : 0;
        if (pread(fd, buf, (size_t)(keep - at), at) != keep - at) {
            keep = end; /* unreadable: keep it all */
            break;
        }
        off_t i = keep - at;
        while (i > 0 && buf[i - 1] != '\n') i--;
        found = i > 0;
        keep = at + i;
    }
    int rc = keep < end && ftruncate(fd, keep) != 0 ? errno : 0;
    close(fd);
    if (rc)
        return error_set(err, ST_IO, "%s: cannot cut its partial last line: %s", path,
                         strerror(rc));
    return ST_OK;
}

Status runstore_reopen(RunWriter *w, const char *run_dir, int from_iter, Error *err) {
    memset(w, 0, sizeof *w);
    snprintf(w->dir, sizeof w->dir, "%s", run_dir);
    const char *slash = strrchr(run_dir, '/');
    snprintf(w->id, sizeof w->id, "%s", slash ? slash + 1 : run_dir);
    Status s = runstore_read_status(run_dir, &w->status, err);
    if (s) return s;
    char path[1200];
    runstore_sweep_tmp(run_dir); /* first: they may hold the room the rest needs */
    runstore_join(path, sizeof path, run_dir, "snapshots");
    runstore_sweep_tmp(path);
    RunRow *rows;
    int n;
    if ((s = runstore_read_metrics(run_dir, &rows, &n, err))) return s;
    size_t cap = strlen(metrics_header) + (size_t)n * 160 + 1, len = 0;
    char *text = malloc(cap);
    if (!text) {
        free(rows);
        return error_set(err, ST_NOMEM, "out of memory");
    }
    len += (size_t)snprintf(text, cap, "%s", metrics_header);
    for (int i = 0; i < n; i++) {
        if (rows[i].iter >= from_iter) continue;
        const RunRow *r = &rows[i];
        len += (size_t)runstore_format_row(text + len, cap - len, r->iter, runstore_row_phase(r),
                                           r->loss, r->accuracy, r->lr, r->seconds, r->images_per_s,
                                           r->data_wait);
    }
    free(rows);
    /* Rewritten from the rows read, so a partial last line goes too. */
    runstore_join(path, sizeof path, run_dir, "metrics.tsv");
    s = fileio_write_atomic(path, text, len, err);
    free(text);
    runstore_join(path, sizeof path, run_dir, "log.txt");
    if (!s) s = runstore_trim_partial(path, err);
    if (!s) s = runstore_reserve(w, err);
    if (!s) s = runstore_open_files(w, err);
    if (s) runstore_close(w);
    return s;
}

/* After an append to *f (printed: what fprintf returned): ST_OK when it
 * reached the file whole; else the cause, kept as w's failure, and *f
 * closed, so nothing follows the partial line. */
static Status runstore_appended(RunWriter *w, FILE **f, const char *name, int printed, Error *err) {
    if (printed >= 0 && fflush(*f) == 0 && !ferror(*f)) return ST_OK;
    int cause = errno ? errno : EIO;
    fclose(*f);
    *f = NULL;
    char path[1200];
    runstore_join(path, sizeof path, w->dir, name);
    Error e;
    error_set(&e, ST_IO, "%s: cannot write: %s", path, strerror(cause));
    return runstore_fail(w, &e, err);
}

Status runstore_append_row(RunWriter *w, const TrainRow *r, Error *err) {
    if (!w->metrics) return ST_OK;
    char line[256];
    runstore_format_row(line, sizeof line, r->iter, train_phase_name(r->phase), r->loss,
                        r->accuracy, r->lr, r->seconds, r->images_per_s, r->data_wait);
    errno = 0;
    int printed = fputs(line, w->metrics) < 0 ? -1 : (int)strlen(line);
    return runstore_appended(w, &w->metrics, "metrics.tsv", printed, err);
}

Status runstore_log(RunWriter *w, const char *line, Error *err) {
    if (!w->log) return ST_OK;
    char stamp[32];
    runstore_now(stamp, sizeof stamp);
    errno = 0;
    int printed = fprintf(w->log, "%s %s\n", stamp, line);
    return runstore_appended(w, &w->log, "log.txt", printed, err);
}

void runstore_null(RunWriter *w) {
    memset(w, 0, sizeof *w);
    runstatus_defaults(&w->status);
}

void runstore_close(RunWriter *w) {
    if (w->metrics) fclose(w->metrics);
    if (w->log) fclose(w->log);
    w->metrics = w->log = NULL;
    runstore_unreserve(w);
}

Status runstore_set_state(const char *run_dir, RunState state, int rung, Error *err) {
    RunWriter w;
    memset(&w, 0, sizeof w);
    snprintf(w.dir, sizeof w.dir, "%s", run_dir);
    Status s = runstore_read_status(run_dir, &w.status, err);
    if (s) return s;
    w.status.state = state;
    if (rung >= 0) w.status.rung = rung;
    return runstore_write_status(&w, err);
}

/* The held-out row of run dir at iteration iter (validation, or test in
 * runs without a validation split). */
HalvingScore runstore_heldout_score(const char *dir, int iter) {
    HalvingScore sc = {0};
    RunRow *rows;
    int n;
    if (runstore_read_metrics(dir, &rows, &n, NULL)) return sc;
    for (int i = 0; i < n; i++)
        if (rows[i].heldout && rows[i].iter == iter)
            sc = (HalvingScore){.scored = 1, .accuracy = rows[i].accuracy, .loss = rows[i].loss};
    free(rows);
    return sc;
}
