/*
 * halving_sweep — successive halving through the runner. See halving_sweep.h.
 *
 * A candidate has at most one run (the latest with its sweep id and
 * candidate index). What a run has reached is read from status.ini (state,
 * iteration, rung) and its score from metrics.tsv (the test row at the
 * rung's iteration), never from memory, so a fresh process continues where
 * a killed one left off.
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
#include "src/run/runstore.h"
#include "src/run/study.h"

enum { CANDIDATES_MAX = PRESET_SWEEP_ITEMS_MAX };

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
} Sweep;

/* Finds the runs of this sweep already in the store. */
static Status sweep_scan(Sweep *sw, int n, Error *err) {
    char **ids;
    int m;
    Status s = runstore_list(sw->runs_dir, &ids, &m, err);
    if (s) return s;
    for (int i = 0; i < m; i++) { /* oldest first: the latest run of a candidate wins */
        char dir[1024];
        RunStatus st;
        snprintf(dir, sizeof dir, "%s/%s", sw->runs_dir, ids[i]);
        if (runstore_read_status(dir, &st, NULL) || strcmp(st.halving, sw->id) != 0) continue;
        if (st.candidate >= 0 && st.candidate < n)
            snprintf(sw->dir[st.candidate], sizeof sw->dir[0], "%s", dir);
    }
    runstore_free_list(ids, m);
    return ST_OK;
}

/* Trains candidate c to rung k (or finds it there). Returns 1 when a stop
 * was asked before it got there, else 0; *s an error of the store. */
static int sweep_train(Sweep *sw, const HalvingPlan *plan, int k, int c, Status *s, Error *err) {
    int last = k == plan->n_rungs - 1, target = plan->iter[k];
    RunStatus st;
    int has = sw->dir[c][0] && runstore_read_status(sw->dir[c], &st, NULL) == ST_OK;
    /* Reached (or cannot go on). A stop at the rung's iteration counts only
     * with the rung's test row: a stop during that pass (on resume it is
     * run again) leaves none, and resuming to the rung writes it. */
    if (has && (st.state == RUN_DONE || st.state == RUN_FAILED || st.state == RUN_DIVERGED ||
                ((st.state == RUN_STOPPED || st.state == RUN_PRUNED) &&
                 (st.iter > target ||
                  (st.iter == target && runstore_heldout_score(sw->dir[c], target).scored)))))
        return 0;
    if (sw->cb && sw->cb->should_stop && sw->cb->should_stop(sw->cb->ctx)) return 1;
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

/* Rung k's decision: scores of ids (n), the promoted into next (returns
 * how many); the rest that wait at the rung are marked pruned (*s: a
 * status.ini that could not be rewritten; the others are still marked). */
static int sweep_decide(Sweep *sw, const HalvingPlan *plan, int k, const int *ids, int n, int *next,
                        Status *s, Error *err) {
    for (int i = 0; i < n; i++)
        sw->score[ids[i]] = sw->dir[ids[i]][0]
                                ? runstore_heldout_score(sw->dir[ids[i]], plan->iter[k])
                                : (HalvingScore){0};
    int m = halving_promote(sw->score, ids, n, plan->keep[k + 1], next);
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
    char list[600] = "";
    for (int j = 0; j < m; j++) {
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s%d (%.2f%%)", j ? ", " : "", next[j],
                 100 * sw->score[next[j]].accuracy);
    }
    runner_say(sw->on_line, sw->line_ctx, "halving rung %d/%d at iteration %d: %d of %d go on: %s",
               k + 1, plan->n_rungs, plan->iter[k], m, n, list);
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
    int *ids = malloc(sizeof(int) * (size_t)n), *next = malloc(sizeof(int) * (size_t)n);
    Status s = !sw.dir || !sw.score || !ids || !next
                   ? error_set(err, ST_NOMEM, "out of memory for the sweep")
                   : sweep_scan(&sw, n, err);
    int m = n;
    for (int c = 0; c < n && !s; c++) ids[c] = c;
    for (int k = 0; k < out->plan.n_rungs && !s && !out->stopped; k++) {
        for (int i = 0; i < m && !s && !out->stopped; i++)
            out->stopped = sweep_train(&sw, &out->plan, k, ids[i], &s, err);
        if (s || out->stopped || k == out->plan.n_rungs - 1) break;
        m = sweep_decide(&sw, &out->plan, k, ids, m, next, &s, err);
        memcpy(ids, next, sizeof(int) * (size_t)m);
    }
    if (!s) sweep_tally(&sw, n, out->plan.iter[out->plan.n_rungs - 1], out);
    free(sw.dir);
    free(sw.score);
    free(ids);
    free(next);
    return s;
}
