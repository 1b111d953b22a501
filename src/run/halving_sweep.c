/*
 * halving_sweep — successive halving through the runner. See halving_sweep.h.
 *
 * A candidate has at most one run (the latest with its sweep id and
 * candidate index). What a run has reached is read from status.ini (state,
 * iteration, rung) and its score from metrics.tsv (the test row at the
 * rung's iteration), never from memory, so a fresh process continues where
 * a killed one left off.
 *
 * Workers: every step is chosen under the sweep's lock (sweep.lock, beside
 * its preset.ini) from the store as it stands: the first rung some of
 * whose members have not reached it, the lowest such member nobody has
 * claimed. A claim is a lock on claims/<candidate>.lock held while the
 * candidate trains, so a worker that dies lets go of it, and the next to
 * look takes the candidate on from its run's last snapshot. A rung's
 * promotions are decided once all its members have reached it, from
 * their scores alone, and recorded (rung<k>.txt): any number of workers
 * make the same decisions as one, and train the same runs.
 */
#include "src/run/halving_sweep.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/io/fileio.h"
#include "src/run/cachelock.h"
#include "src/run/runstore.h"
#include "src/run/study.h"

enum { CANDIDATES_MAX = PRESET_SWEEP_ITEMS_MAX, SWEEP_POLL_MS = 200 };

Status halving_sweep_create(const Preset *p, const char *runs_dir, char *id, size_t cap,
                            Error *err) {
    return study_record(p, runs_dir, "halving", "halving", id, cap, err);
}

Status halving_sweep_load(const char *runs_dir, const char *id, Preset *p, Error *err) {
    char path[1300];
    snprintf(path, sizeof path, "%s/halving/%s/preset.ini", runs_dir, id);
    if (!fileio_exists(path))
        return error_set(err, ST_IO, "%s: no run or halving sweep of that name", id);
    return preset_load(p, path, err);
}

typedef struct Sweep {
    const Preset *p;
    const char *id, *runs_dir;
    const RunnerCallbacks *cb;
    void (*on_line)(void *ctx, const char *line);
    void *line_ctx;
    char (*dir)[1024]; /* each candidate's run directory ("" before it has one) */
    HalvingScore *score;
    unsigned char *gave_up; /* candidates this worker trained that did not reach their rung */
    char home[1100];        /* runs_dir/halving/<id> */
    unsigned said;          /* the rungs whose decision this worker has said */
} Sweep;

/* Finds the runs of this sweep already in the store. */
static Status sweep_scan(Sweep *sw, int n, Error *err) {
    return runstore_sweep_runs(sw->runs_dir, sw->id, n, sw->dir, err);
}

/* Whether a stop was asked (the runs' should_stop). */
static int sweep_stop(void *ctx) {
    const Sweep *sw = ctx;
    return sw->cb && sw->cb->should_stop && sw->cb->should_stop(sw->cb->ctx);
}

/* 1 when candidate c has reached rung k (status.ini's rung says it went
 * past it, or its run stopped there) or cannot go on (done, failed,
 * diverged, pruned; or this worker tried it and it did not get there, so
 * it is not tried again without end). A stop at the rung's iteration
 * counts only with the rung's held-out row: a stop during that pass (on
 * resume it is run again) leaves none, and resuming to the rung writes it. */
static int sweep_reached(const Sweep *sw, const HalvingPlan *plan, int k, int c) {
    RunStatus st;
    int target = plan->iter[k];
    if (sw->gave_up[c]) return 1;
    if (!sw->dir[c][0] || runstore_read_status(sw->dir[c], &st, NULL) != ST_OK) return 0;
    return st.rung > k || st.state == RUN_DONE || st.state == RUN_PRUNED ||
           st.state == RUN_FAILED || st.state == RUN_DIVERGED ||
           (st.state == RUN_STOPPED &&
            (st.iter > target ||
             (st.iter == target && runstore_heldout_score(sw->dir[c], target).scored)));
}

/* Trains candidate c to rung k, holding its claim. Returns 1 when a stop
 * was asked before it got there, else 0; *s an error of the store. */
static int sweep_train(Sweep *sw, const HalvingPlan *plan, int k, int c, Status *s, Error *err) {
    int last = k == plan->n_rungs - 1, target = plan->iter[k];
    RunStatus st;
    int has = sw->dir[c][0] && runstore_read_status(sw->dir[c], &st, NULL) == ST_OK;
    /* Still "running" though its claim was free: its worker died, on
     * another machine (on this one, reading it said interrupted). */
    if (has && (st.state == RUN_RUNNING || st.state == RUN_QUEUED))
        runstore_set_state(sw->dir[c], RUN_INTERRUPTED, -1, NULL);
    if (sweep_stop(sw)) return 1;
    RunnerRung rung = {.halving = sw->id, .candidate = c, .rung = k, .stop_at = last ? 0 : target};
    RunResult res = {0};
    Error e = {0};
    Preset *one = malloc(sizeof *one);
    char label[512] = "";
    if (!one) {
        *s = error_set(err, ST_NOMEM, "out of memory");
        return 0;
    }
    runner_say(sw->on_line, sw->line_ctx, "halving rung %d/%d (to iteration %d): candidate %d",
               k + 1, plan->n_rungs, target, c);
    if (has) {
        runner_resume_rung(sw->dir[c], sw->runs_dir, &rung, sw->cb, &res, &e);
    } else if (preset_sweep_item(sw->p, c, one, label, sizeof label, &e) == ST_OK) {
        runner_run_rung(one, label, sw->runs_dir, &rung, sw->cb, &res, &e);
        if (res.run_dir[0]) snprintf(sw->dir[c], sizeof sw->dir[0], "%s", res.run_dir);
    }
    free(one);
    if (res.unrecorded) { /* a full store: every run after it would fail the same way */
        *s = error_set(err, e.status ? e.status : ST_IO, "candidate %d: %s", c, e.msg);
        return 0;
    }
    if (e.msg[0]) runner_say(sw->on_line, sw->line_ctx, "candidate %d: %s", c, e.msg);
    if (!sw->dir[c][0] || runstore_read_status(sw->dir[c], &st, NULL)) return 0;
    return st.state == RUN_STOPPED && st.iter < target;
}

/* Rung k's decision, once recorded (rung<k>.txt beside the sweep's
 * preset: the promoted candidates on its first line, what was said of
 * them on its second) into next (returns how many, -1 when there is no
 * record); its line into say (cap bytes). */
static int sweep_recorded(const Sweep *sw, int k, int *next, int cap, char *say, size_t say_cap) {
    char path[1300];
    uint8_t *data;
    size_t len;
    snprintf(path, sizeof path, "%s/rung%d.txt", sw->home, k);
    if (!fileio_exists(path) || fileio_read_all(path, &data, &len, NULL)) return -1;
    char *text = (char *)data, *nl = memchr(text, '\n', len), *p = text;
    int m = 0;
    if (nl) *nl = '\0';
    for (char *end; m < cap; p = end) {
        long c = strtol(p, &end, 10);
        if (end == p) break;
        next[m++] = (int)c;
    }
    size_t rest = nl ? len - (size_t)(nl + 1 - text) : 0;
    while (rest && (nl[rest] == '\n' || nl[rest] == '\r')) rest--; /* its line, not its newline */
    snprintf(say, say_cap, "%.*s", (int)rest, nl ? nl + 1 : "");
    free(data);
    return m;
}

/* Rung k's decision: the promoted of ids (n) into next (returns how
 * many). Taken once, from the members' held-out scores at the rung, and
 * recorded (sweep_recorded) before the lock is let go, so that no later
 * change to a run's rows (a promoted run resumed past the rung rewrites
 * them) makes another worker decide differently; the rest that wait at
 * the rung are marked pruned (*s: a status.ini that could not be
 * rewritten; the others are still marked). */
static int sweep_decide(Sweep *sw, const HalvingPlan *plan, int k, const int *ids, int n, int *next,
                        Status *s, Error *err) {
    char say[800];
    int m = sweep_recorded(sw, k, next, n, say, sizeof say);
    if (m < 0) {
        for (int i = 0; i < n; i++)
            sw->score[ids[i]] = sw->dir[ids[i]][0]
                                    ? runstore_heldout_score(sw->dir[ids[i]], plan->iter[k])
                                    : (HalvingScore){0};
        m = halving_promote(sw->score, ids, n, plan->keep[k + 1], next);
        for (int i = 0, j = 0; i < n; i++) {
            while (j < m && next[j] < ids[i]) j++;
            if (j < m && next[j] == ids[i]) continue;
            RunStatus st;
            Error e = {0};
            if (sw->dir[ids[i]][0] && !runstore_read_status(sw->dir[ids[i]], &st, NULL) &&
                st.state == RUN_STOPPED && runstore_set_state(sw->dir[ids[i]], RUN_PRUNED, k, &e) &&
                !*s)
                *s = error_set(err, e.status, "%s", e.msg);
        }
        char list[600] = "", ids_text[600] = "", record[1500], path[1300];
        for (int j = 0; j < m; j++) {
            size_t len = strlen(list), at = strlen(ids_text);
            snprintf(list + len, sizeof list - len, "%s%d (%.2f%%)", j ? ", " : "", next[j],
                     100 * sw->score[next[j]].accuracy);
            snprintf(ids_text + at, sizeof ids_text - at, "%s%d", j ? " " : "", next[j]);
        }
        snprintf(say, sizeof say, "halving rung %d/%d at iteration %d: %d of %d go on: %s", k + 1,
                 plan->n_rungs, plan->iter[k], m, n, list);
        int len = snprintf(record, sizeof record, "%s\n%s\n", ids_text, say);
        snprintf(path, sizeof path, "%s/rung%d.txt", sw->home, k);
        if (!*s) *s = fileio_write_atomic(path, record, (size_t)len, err);
    }
    if (!(sw->said & (1u << k))) runner_say(sw->on_line, sw->line_ctx, "%s", say);
    sw->said |= 1u << k;
    return m;
}

/* Tallies the runs' states and iterations into out. */
static void sweep_tally(Sweep *sw, int n, int final_iter, HalvingOutcome *out) {
    for (int c = 0; c < n; c++) {
        RunStatus st;
        if (!sw->dir[c][0] || runstore_read_status(sw->dir[c], &st, NULL)) continue;
        out->iterations += st.iter;
        out->pruned += st.state == RUN_PRUNED;
        out->failed += st.state == RUN_FAILED || st.state == RUN_DIVERGED;
        if (st.state != RUN_DONE) continue;
        out->done++;
        HalvingScore sc = runstore_heldout_score(sw->dir[c], final_iter);
        if (sc.scored && (out->best < 0 || sc.accuracy > out->best_accuracy)) {
            out->best = c;
            out->best_accuracy = sc.accuracy;
            out->best_test = runstatus_test_accuracy(&st);
            snprintf(out->heldout, sizeof out->heldout, "%s", runstatus_heldout_name(&st));
        }
    }
}

static int sweep_wait(void *ctx, const char *holder, long done, long total) {
    (void)holder, (void)done, (void)total;
    return sweep_stop(ctx);
}

/* Under the sweep's lock, from the store as it stands: the next step, rung
 * *k of candidate *c with its claim taken (*claim); or *wait 1 (every
 * member left in the rung is claimed by another worker); or *wait -1 (a
 * stop came while waiting for the lock); or neither, *k -1: the sweep is
 * done. Rungs whose members have all reached them are decided on the way
 * (the rest of the rung marked pruned). ids, next: scratch for n
 * candidates. */
static Status sweep_next(Sweep *sw, const HalvingPlan *plan, int n, int *ids, int *next, int *k,
                         int *c, CacheLock **claim, int *wait, Error *err) {
    char path[1300];
    CacheLock *lock = NULL;
    snprintf(path, sizeof path, "%s/claims", sw->home);
    Status s = fileio_mkdirs(path, err);
    snprintf(path, sizeof path, "%s/sweep.lock", sw->home);
    if (!s) s = cachelock_take(path, SWEEP_POLL_MS / 1000.0, sweep_wait, sw, &lock, NULL, 0, err);
    if (s || !lock) {
        *wait = s ? 0 : -1;
        return s;
    }
    s = sweep_scan(sw, n, err);
    int m = n;
    for (int i = 0; i < n; i++) ids[i] = i;
    for (int r = 0; r < plan->n_rungs && !s && *k < 0 && !*wait; r++) {
        int pending = 0;
        for (int i = 0; i < m && *k < 0; i++) {
            if (sweep_reached(sw, plan, r, ids[i])) continue;
            pending = 1;
            snprintf(path, sizeof path, "%s/claims/%d.lock", sw->home, ids[i]);
            s = cachelock_take(path, 0, NULL, NULL, claim, NULL, 0, err);
            if (s) break;
            if (*claim) *k = r, *c = ids[i]; /* else another worker trains it */
        }
        if (s || *k >= 0) break;
        if (pending) {
            *wait = 1;
        } else if (r < plan->n_rungs - 1) {
            m = sweep_decide(sw, plan, r, ids, m, next, &s, err);
            memcpy(ids, next, sizeof(int) * (size_t)m);
        }
    }
    cachelock_release(lock);
    return s;
}

Status halving_sweep_run(const Preset *p, const char *id, const char *runs_dir,
                         const RunnerCallbacks *cb, void (*on_line)(void *ctx, const char *line),
                         void *line_ctx, HalvingOutcome *out, Error *err) {
    memset(out, 0, sizeof *out);
    out->best = -1;
    out->best_test = -1;
    int n = preset_sweep_count(p);
    halving_plan(&out->plan, n, p->sweep.min_iter, p->sweep.eta, p->solver.max_iter);
    Sweep sw = {
        .p = p, .id = id, .runs_dir = runs_dir, .cb = cb, .on_line = on_line, .line_ctx = line_ctx};
    sw.dir = calloc((size_t)n, sizeof *sw.dir);
    sw.score = calloc((size_t)n, sizeof *sw.score);
    sw.gave_up = calloc((size_t)n, 1);
    int *ids = malloc(sizeof(int) * (size_t)n), *next = malloc(sizeof(int) * (size_t)n);
    Status s = !sw.dir || !sw.score || !sw.gave_up || !ids || !next
                   ? error_set(err, ST_NOMEM, "out of memory for the sweep")
                   : sweep_scan(&sw, n, err);
    snprintf(sw.home, sizeof sw.home, "%s/halving/%s", runs_dir, id);
    while (!s && !out->stopped) {
        CacheLock *claim = NULL;
        int k = -1, c = -1, wait = 0;
        s = sweep_next(&sw, &out->plan, n, ids, next, &k, &c, &claim, &wait, err);
        if (s || (k < 0 && !wait)) break; /* done */
        if (wait < 0) {
            out->stopped = 1;
            break;
        }
        if (claim) {
            out->stopped = sweep_train(&sw, &out->plan, k, c, &s, err);
            sw.gave_up[c] = !out->stopped && !sweep_reached(&sw, &out->plan, k, c);
            cachelock_release(claim);
            continue;
        }
        if (sweep_stop(&sw)) {
            out->stopped = 1;
            break;
        }
        struct timespec ts = {0, SWEEP_POLL_MS * 1000 * 1000}; /* the others train the rung */
        nanosleep(&ts, NULL);
    }
    if (!s) s = sweep_scan(&sw, n, err);
    if (!s) sweep_tally(&sw, n, out->plan.iter[out->plan.n_rungs - 1], out);
    free(sw.dir);
    free(sw.score);
    free(sw.gave_up);
    free(ids);
    free(next);
    return s;
}
