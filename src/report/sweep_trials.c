/*
 * sweep_trials — any sweep as a study's trials. See sweep_trials.h.
 */
#include "src/report/sweep_trials.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "src/preset/schema.h"
#include "src/preset/sweep.h"
#include "src/run/halving_sweep.h"
#include "src/run/runstore.h"
#include "src/run/study.h"

/* A trial's state from its run's (st, in dir), and into *test the run's
 * test accuracy when it is done, else -1. */
static void sweep_trial_state(StudyTrial *t, double *test, const char *dir, const RunStatus *st) {
    snprintf(t->run, sizeof t->run, "%s", dir);
    snprintf(t->started, sizeof t->started, "%s", st->started);
    switch (st->state) {
    case RUN_DONE:
        t->state = TRIAL_COMPLETE;
        break;
    case RUN_PRUNED:
    case RUN_STOPPED:
        t->state = TRIAL_WAITING;
        break;
    case RUN_FAILED:
    case RUN_DIVERGED:
        t->state = TRIAL_FAILED;
        break;
    default:
        t->state = TRIAL_RUNNING, t->asha.busy = 1;
        break;
    }
    if (t->state != TRIAL_RUNNING) snprintf(t->ended, sizeof t->ended, "%s", st->updated);
    *test = t->state == TRIAL_COMPLETE ? runstatus_test_accuracy(st) : -1;
}

/* Candidate c's trial from its run's status (st, in dir) at the plan's rungs. */
static void sweep_trial_run(StudyTrial *t, double *test, const char *dir, const RunStatus *st,
                            const HalvingPlan *plan) {
    sweep_trial_state(t, test, dir, st);
    for (int k = 0; k < plan->n_rungs; k++) {
        if (plan->iter[k] > st->iter) break;
        HalvingScore sc = runstore_heldout_score(dir, plan->iter[k]);
        if (!sc.scored) continue;
        t->asha.reported[k] = 1;
        t->asha.score[k] = sc;
        t->iter[k] = plan->iter[k];
    }
}

Status sweep_trials_halving(const char *runs_dir, const char *id, Preset *p, StudyTrial *t,
                            double *test, int cap, int *n, AshaRungs *rungs, Error *err) {
    Status s = halving_sweep_load(runs_dir, id, p, err);
    if (s) return s;
    HalvingPlan plan;
    int m = preset_sweep_count(p);
    halving_plan(&plan, m, p->sweep.min_iter, p->sweep.eta, p->solver.max_iter);
    rungs->n_rungs = plan.n_rungs;
    memcpy(rungs->iter, plan.iter, sizeof rungs->iter);
    *n = m < cap ? m : cap;
    for (int c = 0; c < *n; c++) {
        StudyTrial *x = &t[c];
        Preset one;
        memset(x, 0, sizeof *x);
        test[c] = -1;
        x->n_x = p->sweep.n_keys;
        x->seed = p->solver.random_seed;
        x->state = TRIAL_WAITING;
        preset_sweep_item_point(p, c, x->x);
        preset_sweep_point(p, x->x, &one, x->params, sizeof x->params, NULL);
    }
    char(*dirs)[1024] = calloc((size_t)(*n ? *n : 1), sizeof *dirs);
    if (!dirs) return error_set(err, ST_NOMEM, "out of memory reading %s", id);
    if (!(s = runstore_sweep_runs(runs_dir, id, *n, dirs, err)))
        for (int c = 0; c < *n; c++) {
            RunStatus st;
            if (dirs[c][0] && runstore_read_status(dirs[c], &st, NULL) == ST_OK)
                sweep_trial_run(&t[c], &test[c], dirs[c], &st, &plan);
        }
    free(dirs);
    return s;
}

/* --- a grid or random sweep, by its preset's name ------------------------- */

enum { LABEL_KEYS_MAX = PRESET_SWEEP_KEYS_MAX };

/* A label "k=v, k=v" split into its keys and values (pointing into buf);
 * the number of keys, or -1 when an item has no '=' or there are too many. */
static int label_split(const char *label, char *buf, size_t cap, char **key, char **value) {
    snprintf(buf, cap, "%s", label);
    int n = 0;
    for (char *item = buf; item && *item;) {
        char *next = strstr(item, ", ");
        if (next) *next = '\0', next += 2;
        char *eq = strchr(item, '=');
        if (!eq || n == LABEL_KEYS_MAX) return -1;
        *eq = '\0';
        key[n] = item, value[n] = eq + 1, n++;
        item = next;
    }
    return n;
}

static int label_number(const char *v, double *x) {
    char *end;
    *x = strtod(v, &end);
    return end != v && *end == '\0' && isfinite(*x);
}

/* The swept values of one key, as the runs took them: a list of them, or,
 * where they are numbers too many for a list (a random sweep's draws from
 * a range), the range they span. */
typedef struct LabelKey {
    char name[96];
    int n;
    char value[PRESET_SWEEP_VALUES_MAX][PRESET_TEXT_MAX];
    int numbers;   /* every value so far is a number */
    double lo, hi; /* their range */
    int range;     /* 1: more values than a list holds, read as the range */
} LabelKey;

/* Counts v among k's values; its index in the list (0 for a range), or
 * -1 when it is a text that does not fit. */
static int label_key_value(LabelKey *k, const char *v) {
    double x;
    if (!k->n && !k->range) k->numbers = 1, k->lo = INFINITY, k->hi = -INFINITY;
    if (label_number(v, &x))
        k->lo = fmin(k->lo, x), k->hi = fmax(k->hi, x);
    else
        k->numbers = 0;
    if (k->range) return k->numbers ? 0 : -1;
    for (int i = 0; i < k->n; i++)
        if (strcmp(k->value[i], v) == 0) return i;
    if (k->n < PRESET_SWEEP_VALUES_MAX) {
        snprintf(k->value[k->n], sizeof k->value[k->n], "%s", v);
        return k->n++;
    }
    k->range = k->numbers;
    return k->range ? 0 : -1;
}

/* A trial's point value of v on key k: its list index, or its number. */
static double label_key_point(LabelKey *k, const char *v) {
    double x;
    return k->range ? (label_number(v, &x) ? x : NAN) : label_key_value(k, v);
}

/* Orders k's values by value when they are all numbers (first seen
 * otherwise). */
static void label_key_sort(LabelKey *k) {
    double x[PRESET_SWEEP_VALUES_MAX];
    if (k->range) return;
    for (int i = 0; i < k->n; i++)
        if (!label_number(k->value[i], &x[i])) return;
    for (int i = 1; i < k->n; i++)
        for (int j = i; j > 0 && x[j] < x[j - 1]; j--) {
            char t[PRESET_TEXT_MAX];
            double tx = x[j];
            memcpy(t, k->value[j], sizeof t);
            memcpy(k->value[j], k->value[j - 1], sizeof t);
            memcpy(k->value[j - 1], t, sizeof t);
            x[j] = x[j - 1], x[j - 1] = tx;
        }
}

/* The runs of preset name with a sweep label (the latest of each label),
 * as ids into runs (malloc'd, *n), newest label's keys into keys. */
typedef struct NamedRuns {
    char (*dir)[1024];
    RunStatus *st;
    int n, left_out;
    LabelKey key[LABEL_KEYS_MAX];
    int n_keys;
} NamedRuns;

static Status named_runs_find(NamedRuns *r, const char *runs_dir, const char *name, Error *err) {
    char **ids;
    int n;
    Status s = runstore_list(runs_dir, &ids, &n, err);
    if (s) return s;
    r->dir = calloc((size_t)n + 1, sizeof *r->dir);
    r->st = calloc((size_t)n + 1, sizeof *r->st);
    if (!r->dir || !r->st) {
        runstore_free_list(ids, n);
        return error_set(err, ST_NOMEM, "out of memory reading the runs of %s", name);
    }
    for (int i = n - 1; i >= 0; i--) { /* newest first: the latest run of each label */
        RunStatus *st = &r->st[r->n];
        snprintf(r->dir[r->n], sizeof r->dir[r->n], "%s/%s", runs_dir, ids[i]);
        if (runstore_read_status(r->dir[r->n], st, NULL) || !st->sweep[0] || st->halving[0] ||
            strcmp(st->preset, name) != 0)
            continue;
        int seen = 0;
        for (int j = 0; j < r->n && !seen; j++) seen = strcmp(r->st[j].sweep, st->sweep) == 0;
        if (!seen) r->n++;
    }
    runstore_free_list(ids, n);
    return ST_OK;
}

/* The keys of the newest run's label, and each run's values among them;
 * runs whose label has other keys are dropped (left_out). */
static Status named_runs_keys(NamedRuns *r, const char *name, Error *err) {
    char buf[512], *key[LABEL_KEYS_MAX], *value[LABEL_KEYS_MAX];
    int m = 0;
    for (int i = 0; i < r->n; i++) {
        int nk = label_split(r->st[i].sweep, buf, sizeof buf, key, value);
        if (nk < 0)
            return error_set(err, ST_FORMAT, "%s: run %s: sweep label '%s' is not key=value, ...",
                             name, r->dir[i], r->st[i].sweep);
        if (i == 0) {
            r->n_keys = nk;
            for (int j = 0; j < nk; j++)
                snprintf(r->key[j].name, sizeof r->key[j].name, "%s", key[j]);
        }
        int same = nk == r->n_keys;
        for (int j = 0; j < nk && same; j++) same = strcmp(key[j], r->key[j].name) == 0;
        for (int j = 0; j < nk && same; j++)
            if (label_key_value(&r->key[j], value[j]) < 0)
                return error_set(err, ST_FORMAT,
                                 "%s: key %s takes more than %d values, not all of them numbers",
                                 name, key[j], PRESET_SWEEP_VALUES_MAX);
        if (!same) {
            r->left_out++;
            continue;
        }
        if (m != i) {
            memcpy(r->dir[m], r->dir[i], sizeof r->dir[m]);
            r->st[m] = r->st[i];
        }
        m++;
    }
    r->n = m;
    for (int j = 0; j < r->n_keys; j++) label_key_sort(&r->key[j]);
    return ST_OK;
}

/* p's [sweep] as the lists of values the runs took, or the ranges they
 * span where they are more numbers than a list holds. */
static Status named_runs_sweep(const NamedRuns *r, Preset *p, const char *name, Error *err) {
    Preset *scratch = malloc(sizeof *scratch);
    if (!scratch) return error_set(err, ST_NOMEM, "out of memory reading %s", name);
    sweep_defaults(&p->sweep);
    Status s = ST_OK;
    for (int j = 0; j < r->n_keys && !s; j++) {
        const SchemaKey *sk = schema_find_dotted(r->key[j].name);
        const LabelKey *k = &r->key[j];
        char list[PRESET_SWEEP_VALUES_MAX * (PRESET_TEXT_MAX + 2)] = "", msg[512];
        if (k->range) /* by log where the draws are positive and span a decade or more */
            snprintf(list, sizeof list, "%s(%.17g, %.17g)",
                     k->lo > 0 && k->hi >= 10 * k->lo ? "loguniform" : "uniform", k->lo, k->hi);
        for (int v = 0, at = 0; !k->range && v < k->n; v++)
            at += snprintf(list + at, sizeof list - (size_t)at, "%s%s", v ? ", " : "", k->value[v]);
        *scratch = *p;
        const char *why =
            sk ? sweep_add(&p->sweep, sk, list, scratch, msg, sizeof msg) : "not a preset key";
        if (why) s = error_set(err, ST_FORMAT, "%s: swept key %s: %s", name, r->key[j].name, why);
    }
    free(scratch);
    return s;
}

static Status sweep_trials_named(SweepTrials *s, const char *runs_dir, const char *name,
                                 Error *err) {
    NamedRuns r = {0};
    Status st = named_runs_find(&r, runs_dir, name, err);
    if (!st && !r.n)
        st = error_set(err, ST_IO,
                       "no study, halving sweep or swept preset called '%s' in %s (finelab runs "
                       "lists the runs; a sweep is named by its preset's name)",
                       name, runs_dir);
    if (!st) st = named_runs_keys(&r, name, err);
    char path[1100];
    snprintf(path, sizeof path, "%s/preset.ini", r.n ? r.dir[0] : "");
    if (!st) st = preset_load(s->preset, path, err);
    if (!st) st = named_runs_sweep(&r, s->preset, name, err);
    if (!st && (!(s->trials = calloc((size_t)r.n, sizeof *s->trials)) ||
                !(s->test = malloc(sizeof *s->test * (size_t)r.n))))
        st = error_set(err, ST_NOMEM, "out of memory reading %s", name);
    if (!st) {
        s->n = r.n;
        s->left_out = r.left_out;
        s->rungs = (AshaRungs){.n_rungs = 1, .iter = {s->preset->solver.max_iter}};
        for (int i = 0; i < r.n; i++) { /* oldest first, as trials begin */
            int from = r.n - 1 - i;
            StudyTrial *t = &s->trials[i];
            char buf[512], *key[LABEL_KEYS_MAX], *value[LABEL_KEYS_MAX];
            int nk = label_split(r.st[from].sweep, buf, sizeof buf, key, value);
            t->n_x = nk;
            for (int j = 0; j < nk; j++) t->x[j] = label_key_point(&r.key[j], value[j]);
            snprintf(t->params, sizeof t->params, "%s", r.st[from].sweep);
            t->seed = s->preset->solver.random_seed;
            sweep_trial_state(t, &s->test[i], r.dir[from], &r.st[from]);
            t->iter[0] = r.st[from].iter;
            if (r.st[from].best_accuracy >= 0) {
                t->asha.reported[0] = 1;
                t->asha.score[0] = (HalvingScore){1, r.st[from].best_accuracy, NAN};
            }
        }
    }
    free(r.dir);
    free(r.st);
    return st;
}

static Status sweep_trials_asha(SweepTrials *s, const char *runs_dir, const char *id, Error *err) {
    Study study;
    Status st = study_open(&study, runs_dir, id, s->preset, err);
    if (st) return st;
    if (!(st = study_read(&study, err))) {
        size_t n = (size_t)(study.n ? study.n : 1);
        if (!(s->trials = calloc(n, sizeof *s->trials)) || !(s->test = malloc(sizeof *s->test * n)))
            st = error_set(err, ST_NOMEM, "out of memory reading %s", id);
        else
            memcpy(s->trials, study.trials, sizeof *s->trials * (size_t)study.n), s->n = study.n;
        for (int i = 0; !st && i < s->n; i++) { /* the journal has no test figures: the runs do */
            RunStatus rs;
            const StudyTrial *t = &s->trials[i];
            s->test[i] = t->state == TRIAL_COMPLETE && t->run[0] &&
                                 runstore_read_status(t->run, &rs, NULL) == ST_OK
                             ? runstatus_test_accuracy(&rs)
                             : -1;
        }
        const Preset *p = s->preset;
        asha_rungs(&s->rungs, p->sweep.min_iter, p->sweep.eta, p->solver.max_iter);
    }
    study_close(&study);
    return st;
}

Status sweep_trials_load(SweepTrials *s, const char *runs_dir, const char *id, Error *err) {
    memset(s, 0, sizeof *s);
    snprintf(s->id, sizeof s->id, "%s", id);
    if (!(s->preset = calloc(1, sizeof *s->preset)))
        return error_set(err, ST_NOMEM, "out of memory reading %s", id);
    char path[1300];
    Status st;
    snprintf(path, sizeof path, "%s/studies/%s/preset.ini", runs_dir, id);
    if (fileio_exists(path)) {
        s->kind = SWEEP_TRIALS_ASHA;
        st = sweep_trials_asha(s, runs_dir, id, err);
    } else if (snprintf(path, sizeof path, "%s/halving/%s/preset.ini", runs_dir, id),
               fileio_exists(path)) {
        s->kind = SWEEP_TRIALS_HALVING;
        if (!(s->trials = calloc(STUDY_TRIALS_MAX, sizeof *s->trials)) ||
            !(s->test = malloc(sizeof *s->test * STUDY_TRIALS_MAX)))
            st = error_set(err, ST_NOMEM, "out of memory reading %s", id);
        else
            st = sweep_trials_halving(runs_dir, id, s->preset, s->trials, s->test, STUDY_TRIALS_MAX,
                                      &s->n, &s->rungs, err);
    } else {
        s->kind = SWEEP_TRIALS_RUNS;
        st = sweep_trials_named(s, runs_dir, id, err);
    }
    if (st) sweep_trials_free(s);
    return st;
}

void sweep_trials_free(SweepTrials *s) {
    free(s->preset);
    free(s->trials);
    free(s->test);
    s->preset = NULL, s->trials = NULL, s->test = NULL, s->n = 0;
}

const SweepTrials *sweep_trials_cached(SweepTrialsCache *c, const char *runs_dir, const char *id,
                                       double stamp, Error *err) {
    if (c->loaded && c->stamp == stamp && strcmp(c->s.id, id) == 0) return &c->s;
    sweep_trials_cache_free(c);
    if (sweep_trials_load(&c->s, runs_dir, id, err)) return NULL;
    c->stamp = stamp;
    c->loaded = 1;
    return &c->s;
}

void sweep_trials_cache_free(SweepTrialsCache *c) {
    if (c->loaded) sweep_trials_free(&c->s);
    c->loaded = 0;
}

const char *sweep_trials_kind_name(SweepTrialsKind kind) {
    return kind == SWEEP_TRIALS_ASHA      ? "asha study"
           : kind == SWEEP_TRIALS_HALVING ? "halving sweep"
                                          : "sweep";
}
