/*
 * asha_sweep — a worker of an asha study. See asha_sweep.h.
 *
 * Every decision is taken under the study's lock from the journal as it
 * stands (study_read), and written back before the lock is let go, so two
 * workers never take the same job: the journal, not memory, is the state.
 *
 * Under MPI the worker is the whole job: rank 0 alone reads and writes
 * the journal and decides (worker_decide, the report, the stop); it sends
 * each step (worker_share) and the trial's run to the other ranks, and
 * every rank trains the trial together, data parallel, as any MPI run.
 */
#include "src/run/asha_sweep.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/base/dist.h"
#include "src/preset/sampler.h"
#include "src/preset/sweep.h"
#include "src/run/runstore.h"
#include "src/run/study.h"
#include "src/search/tpe.h"

enum { WORKER_DRAWS = 8 }; /* TPE draws before a repeated point is left to random */

typedef enum WorkerJob { JOB_TRAIN, JOB_WAIT, JOB_DONE, JOB_STOPPED } WorkerJob;

typedef struct Worker {
    Study st;
    Preset p; /* the study's preset, with its [sweep] */
    AshaRungs rungs;
    const char *id, *runs_dir;
    const RunnerCallbacks *cb;
    void (*on_line)(void *ctx, const char *line);
    void *line_ctx;
    int duplicates;
} Worker;

static int worker_stop(void *ctx) {
    const Worker *w = ctx;
    return w->cb && w->cb->should_stop && w->cb->should_stop(w->cb->ctx);
}

/* --- drawing a trial ------------------------------------------------------------ */

/* The study's space as TPE sees it: a list is a category, a range a range. */
static void worker_space(const PresetSweep *sw, TpeDim *dims) {
    for (int j = 0; j < sw->n_keys; j++) {
        const SweepKey *k = &sw->keys[j];
        dims[j] = (TpeDim){.kind = k->dist == SWEEP_LIST      ? TPE_CATEGORICAL
                                   : k->dist == SWEEP_UNIFORM ? TPE_UNIFORM
                                                              : TPE_LOGUNIFORM,
                           .n_choices = k->n_values,
                           .lo = k->lo,
                           .hi = k->hi,
                           .integer = sweep_key_integer(&sw->keys[j])};
    }
}

/* The trials as TPE ranks them: complete at the last rung, pruned at the
 * last rung they reported at (they may go on: ASHA's waiting), running
 * (and waiting to train) last; failed ones left out. Returns how many. */
static int worker_observations(const Worker *w, TpeTrial *out) {
    int m = 0, last = w->rungs.n_rungs - 1;
    for (int i = 0; i < w->st.n; i++) {
        const StudyTrial *t = &w->st.trials[i];
        if (t->state == TRIAL_FAILED || t->n_x != w->p.sweep.n_keys) continue;
        TpeTrial *o = &out[m++];
        memset(o, 0, sizeof *o);
        memcpy(o->x, t->x, sizeof o->x);
        int top = asha_top_rung(&t->asha, &w->rungs);
        if (t->asha.busy || top < 0) {
            o->state = TPE_RUNNING;
        } else {
            o->state = top == last ? TPE_COMPLETE : TPE_PRUNED;
            o->step = top;
            o->value = t->asha.score[top].accuracy;
        }
    }
    return m;
}

static int worker_seen(const Worker *w, const double *x) {
    for (int i = 0; i < w->st.n; i++)
        if (w->st.trials[i].n_x == w->p.sweep.n_keys &&
            memcmp(w->st.trials[i].x, x, sizeof(double) * (size_t)w->p.sweep.n_keys) == 0)
            return 1;
    return 0;
}

static uint64_t worker_mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* The point of new trial k into x: random draw k, or TPE's. */
static void worker_draw(Worker *w, int k, double *x) {
    const PresetSweep *sw = &w->p.sweep;
    for (int j = 0; j < sw->n_keys; j++)
        x[j] = sampler_draw(sw, k, j, sweep_key_integer(&sw->keys[j]));
    if (sw->sampler != SAMPLER_TPE) return;
    static _Thread_local TpeTrial obs[STUDY_TRIALS_MAX];
    TpeDim dims[TPE_DIMS_MAX];
    worker_space(sw, dims);
    int m = worker_observations(w, obs);
    Rng r;
    rng_seed(&r, worker_mix(worker_mix((uint64_t)(uint32_t)sw->seed) ^ (uint64_t)(uint32_t)k) ^
                     0x7e7e7e7eULL);
    for (int d = 0; d < WORKER_DRAWS; d++) {
        double y[TPE_DIMS_MAX];
        if (!tpe_suggest(dims, sw->n_keys, obs, m, &r, y)) return; /* startup: random */
        for (int j = 0; j < sw->n_keys; j++)
            if (sw->keys[j].dist != SWEEP_LIST)
                y[j] = sampler_round(&sw->keys[j], y[j], sweep_key_integer(&sw->keys[j]));
        if (!worker_seen(w, y)) {
            memcpy(x, y, sizeof(double) * (size_t)sw->n_keys);
            return;
        }
    }
    w->duplicates++; /* TPE keeps to points it has tried: the random draw instead */
    runner_say(w->on_line, w->line_ctx,
               "trial %d: TPE repeated earlier points %d times; drawn at random", k, WORKER_DRAWS);
}

/* --- deciding ---------------------------------------------------------------------- */

/* Under the lock: the next job (trial *i to rung *k), recorded in the
 * journal before the lock goes. */
static Status worker_decide(Worker *w, WorkerJob *job, int *i, int *k, Error *err) {
    Status s = study_lock(&w->st, worker_stop, w, err);
    if (s || !w->st.lock) {
        *job = JOB_STOPPED;
        return s;
    }
    if ((s = study_read(&w->st, err)) || study_release_dead(&w->st, err) < 0) goto done;
    *job = JOB_TRAIN;
    if ((*i = journal_requeued(w->st.trials, w->st.n)) >= 0) {
        *k = w->st.trials[*i].asha.target;
    } else {
        static _Thread_local AshaTrial a[STUDY_TRIALS_MAX];
        for (int t = 0; t < w->st.n; t++) a[t] = w->st.trials[t].asha;
        *i = asha_next(a, w->st.n, &w->rungs, w->p.sweep.eta, k);
    }
    if (*i < 0 && w->st.n < w->p.sweep.samples) { /* a new trial */
        JournalRecord r[2] = {{.kind = JOURNAL_TRIAL, .trial = w->st.n},
                              {.kind = JOURNAL_START, .trial = w->st.n, .rung = 0}};
        double x[TPE_DIMS_MAX] = {0};
        Preset one;
        Error e = {0};
        worker_draw(w, w->st.n, x);
        r[0].seed = w->p.solver.random_seed; /* every trial trains with the preset's seed */
        journal_point_format(x, w->p.sweep.n_keys, r[0].point, sizeof r[0].point);
        if (preset_sweep_point(&w->p, x, &one, r[0].params, sizeof r[0].params, &e))
            snprintf(r[0].params, sizeof r[0].params, "?");
        *i = w->st.n;
        *k = 0;
        s = study_append(&w->st, r, 2, err);
        goto done;
    }
    if (*i < 0) {
        int busy = 0;
        for (int t = 0; t < w->st.n; t++) busy |= w->st.trials[t].asha.busy;
        *job = busy ? JOB_WAIT : JOB_DONE;
        goto done;
    }
    JournalRecord r = {.kind = JOURNAL_START, .trial = *i, .rung = *k};
    snprintf(r.run, sizeof r.run, "%s", w->st.trials[*i].run);
    s = study_append(&w->st, &r, 1, err);
done:
    study_unlock(&w->st);
    return s;
}

/* MPI: rank 0's step (its status, the job, trial and rung) to every rank,
 * and with a job to train, the trial as the journal has it. Alone: s. */
static Status worker_share(Worker *w, Status s, WorkerJob *job, int *i, int *k, Error *err) {
    if (dist_size() < 2) return s;
    int step[4] = {(int)s, (int)*job, *i, *k};
    Status b = dist_bcast(step, sizeof step, 0, err);
    if (b) return b;
    if (dist_rank() != 0) {
        *job = (WorkerJob)step[1], *i = step[2], *k = step[3];
        if (step[0])
            return error_set(err, (Status)step[0],
                             "%s: rank 0 could not go on (its output says why)", w->id);
    }
    if (s || step[0] || *job != JOB_TRAIN) return s;
    if (*i >= w->st.n) w->st.n = *i + 1;
    return dist_bcast(&w->st.trials[*i], (int)sizeof w->st.trials[*i], 0, err);
}

/* MPI: rank 0's flag (and status) to every rank; alone, or on rank 0, as it is. */
static Status worker_agree(int *flag, Status s, Error *err) {
    if (dist_size() < 2) return s;
    int v[2] = {*flag, (int)s};
    Status b = dist_bcast(v, sizeof v, 0, err);
    if (b) return b;
    *flag = v[0];
    if (dist_rank() != 0 && v[1]) return error_set(err, (Status)v[1], "rank 0 could not go on");
    return s;
}

/* --- training ---------------------------------------------------------------------- */

/* The latest run of trial i in the store (a worker that died before it
 * reported left it there, unnamed in the journal) into dir, or "". */
static void worker_find_run(const Worker *w, int i, char *dir, size_t cap) {
    char(*dirs)[1024] = calloc((size_t)i + 1, sizeof *dirs);
    dir[0] = '\0';
    if (dirs && !runstore_sweep_runs(w->runs_dir, w->id, i + 1, dirs, NULL))
        snprintf(dir, cap, "%s", dirs[i]);
    free(dirs);
}

static Status worker_report(Worker *w, int i, int k, const char *run, int *stopped, Error *err);

/* Trains trial i to rung k and reports; *stopped when a stop came first.
 * The trial is copied: the journal is reread by others meanwhile. */
static Status worker_train(Worker *w, int i, int k, int *stopped, Error *err) {
    StudyTrial t = w->st.trials[i];
    int last = k == w->rungs.n_rungs - 1, target = w->rungs.iter[k];
    RunnerRung rung = {.halving = w->id, .candidate = i, .rung = k, .stop_at = last ? 0 : target};
    RunResult res = {0};
    Error e = {0};
    RunStatus st;
    runner_say(w->on_line, w->line_ctx, "asha rung %d/%d (to iteration %d): trial %d (%s)", k + 1,
               w->rungs.n_rungs, target, i, t.params);
    /* Only a trial handed back can have a run the journal does not name
     * (its worker died before reporting): a new one has none to look for.
     * Rank 0 looks, and says to the others which run it is. */
    int resume = 0;
    if (dist_rank() == 0) {
        if (!t.run[0] && t.released) worker_find_run(w, i, t.run, sizeof t.run);
        resume = t.run[0] && runstore_read_status(t.run, &st, NULL) == ST_OK;
        /* Handed back, yet "running": its worker died on another machine
         * (on this one, reading it said interrupted). */
        if (resume && t.released && (st.state == RUN_RUNNING || st.state == RUN_QUEUED))
            runstore_set_state(t.run, RUN_INTERRUPTED, -1, NULL);
    }
    Status shared = worker_agree(&resume, ST_OK, err);
    if (!shared && dist_size() > 1) shared = dist_bcast(t.run, (int)sizeof t.run, 0, err);
    if (shared) return shared;
    if (resume) {
        runner_resume_rung(t.run, w->runs_dir, &rung, w->cb, &res, &e);
    } else {
        Preset *one = malloc(sizeof *one);
        char label[512] = "";
        if (!one) return error_set(err, ST_NOMEM, "out of memory");
        if (preset_sweep_point(&w->p, t.x, one, label, sizeof label, &e) == ST_OK)
            runner_run_rung(one, label, w->runs_dir, &rung, w->cb, &res, &e);
        free(one);
        if (res.run_dir[0]) snprintf(t.run, sizeof t.run, "%s", res.run_dir);
    }
    Status s = ST_OK;
    if (res.unrecorded) /* a full store: every run after it would fail the same way */
        s = error_set(err, e.status ? e.status : ST_IO, "trial %d: %s", i, e.msg);
    else if (e.msg[0])
        runner_say(w->on_line, w->line_ctx, "trial %d: %s", i, e.msg);
    if (!s && dist_rank() == 0) s = worker_report(w, i, k, t.run, stopped, err);
    return worker_agree(stopped, s, err); /* every rank calls it: none waits alone */
}

/* Rank 0, after trial i trained towards rung k in run: its report (or,
 * stopped short of the rung, its release) appended to the journal;
 * *stopped when a stop came first. */
static Status worker_report(Worker *w, int i, int k, const char *run, int *stopped, Error *err) {
    int last = k == w->rungs.n_rungs - 1, target = w->rungs.iter[k];
    RunStatus st;
    JournalRecord r[2] = {{.kind = JOURNAL_REPORT, .trial = i, .rung = k, .iter = target}};
    snprintf(r[0].run, sizeof r[0].run, "%s", run);
    int n = 1;
    /* Not at the rung because a stop came (before the run began, or the
     * run stopped short of it): the trial waits for a worker to take it on. */
    HalvingScore sc = run[0] ? runstore_heldout_score(run, target) : (HalvingScore){0};
    int has = run[0] && runstore_read_status(run, &st, NULL) == ST_OK;
    *stopped = !sc.scored &&
               ((has && st.state == RUN_STOPPED && st.iter < target) || (!has && worker_stop(w)));
    if (*stopped) {
        r[0] = (JournalRecord){.kind = JOURNAL_RELEASE, .trial = i};
        snprintf(r[0].why, sizeof r[0].why, "stopped at iteration %d", has ? st.iter : 0);
    } else {
        r[0].accuracy = sc.scored ? sc.accuracy : -1;
        r[0].loss = sc.scored ? sc.loss : -1;
        if (last && sc.scored) {
            r[1] = (JournalRecord){.kind = JOURNAL_END, .trial = i};
            snprintf(r[1].state, sizeof r[1].state, "complete");
            n = 2;
        }
        if (sc.scored)
            runner_say(w->on_line, w->line_ctx,
                       "asha trial %d at rung %d/%d (iteration %d): %.2f%%", i, k + 1,
                       w->rungs.n_rungs, target, 100 * sc.accuracy);
    }
    Status s = study_lock(&w->st, NULL, NULL, err);
    if (!s && !(s = study_read(&w->st, err))) s = study_append(&w->st, r, n, err);
    study_unlock(&w->st);
    return s;
}

/* The study is over: trials left at a lower rung are pruned (their runs'
 * status.ini), and the outcome tallied. The best trial is the one that
 * got furthest, by its held-out accuracy there (Optuna's order). */
static void worker_finish(Worker *w, AshaOutcome *out) {
    for (int i = 0; i < w->st.n; i++) {
        const StudyTrial *t = &w->st.trials[i];
        RunStatus st;
        int has = t->run[0] && runstore_read_status(t->run, &st, NULL) == ST_OK;
        if (has) out->iterations += st.iter;
        if (t->state == TRIAL_FAILED) {
            out->failed++;
            continue;
        }
        if (t->state != TRIAL_COMPLETE) {
            out->pruned++;
            if (has && st.state == RUN_STOPPED) runstore_set_state(t->run, RUN_PRUNED, -1, NULL);
        } else {
            out->complete++;
        }
        int top = asha_top_rung(&t->asha, &w->rungs);
        if (top < 0) continue;
        if (out->best < 0 || asha_ahead(&t->asha, &w->st.trials[out->best].asha, &w->rungs)) {
            out->best = i;
            out->best_rung = top;
            out->best_accuracy = t->asha.score[top].accuracy;
            out->best_test = has ? runstatus_test_accuracy(&st) : -1;
            snprintf(out->heldout, sizeof out->heldout, "%s",
                     has ? runstatus_heldout_name(&st) : "test");
            snprintf(out->best_params, sizeof out->best_params, "%s", t->params);
        }
    }
}

Status asha_sweep_run(const char *runs_dir, const char *id, const RunnerCallbacks *cb,
                      void (*on_line)(void *ctx, const char *line), void *line_ctx,
                      AshaOutcome *out, Error *err) {
    memset(out, 0, sizeof *out);
    out->best = -1;
    out->best_test = -1;
    Worker *w = calloc(1, sizeof *w);
    if (!w) return error_set(err, ST_NOMEM, "out of memory for the study");
    *w = (Worker){
        .id = id, .runs_dir = runs_dir, .cb = cb, .on_line = on_line, .line_ctx = line_ctx};
    Status s = study_open(&w->st, runs_dir, id, &w->p, err);
    if (!s && w->p.sweep.strategy != SWEEP_ASHA)
        s = error_set(err, ST_ARG, "%s: not an asha study", id);
    if (!s && dist_rank() == 0) s = study_join(&w->st, err);
    int shared;
    s = dist_agree(s, err, &shared);
    if (dist_rank() != 0) w->on_line = NULL; /* rank 0 speaks for the job */
    asha_rungs(&w->rungs, w->p.sweep.min_iter, w->p.sweep.eta, w->p.solver.max_iter);
    out->rungs = w->rungs;
    while (!s) {
        WorkerJob job = JOB_DONE;
        int i = -1, k = 0, stopped = 0, stop;
        if (dist_rank() == 0) s = worker_decide(w, &job, &i, &k, err);
        if ((s = worker_share(w, s, &job, &i, &k, err))) break;
        if (job == JOB_STOPPED) {
            out->stopped = 1;
            break;
        }
        if (job == JOB_DONE) {
            if (dist_rank() == 0) {
                worker_finish(w, out);
                study_tidy(&w->st);
            }
            break;
        }
        if (job == JOB_WAIT) { /* the others' trials decide what comes next */
            struct timespec ts = {0, 200 * 1000 * 1000};
            stop = worker_stop(w);
            if ((s = worker_agree(&stop, ST_OK, err))) break;
            if (stop) {
                out->stopped = 1;
                break;
            }
            nanosleep(&ts, NULL);
            continue;
        }
        if ((s = worker_train(w, i, k, &stopped, err))) break;
        stop = stopped || worker_stop(w);
        if ((s = worker_agree(&stop, ST_OK, err))) break;
        if (stop) {
            out->stopped = 1;
            break;
        }
    }
    out->trials = w->st.n;
    out->duplicates = w->duplicates;
    study_close(&w->st);
    free(w);
    return s;
}
