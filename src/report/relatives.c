/*
 * relatives — a run's siblings and stage runs in its store. See relatives.h.
 *
 * One pass reads every status of the store (run ids sort oldest first, so
 * "before" and "newest" are comparisons of ids); only the stage-2 search
 * reads presets, and only of finished runs newer than the run.
 */
#include "src/report/relatives.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/run/preflight.h"

typedef struct Store {
    char dir[1024];
    char **ids;
    int n;
    RunStatus *st;
    int *ok; /* status read */
} Store;

static void store_fini(Store *s) {
    runstore_free_list(s->ids, s->n);
    free(s->st);
    free(s->ok);
    memset(s, 0, sizeof *s);
}

static Status store_load(Store *s, const char *run_dir, Error *err) {
    memset(s, 0, sizeof *s);
    const char *slash = strrchr(run_dir, '/');
    if (slash)
        snprintf(s->dir, sizeof s->dir, "%.*s", (int)(slash - run_dir), run_dir);
    else
        snprintf(s->dir, sizeof s->dir, ".");
    if (!s->dir[0]) snprintf(s->dir, sizeof s->dir, "/");
    Status r = runstore_list(s->dir, &s->ids, &s->n, err);
    if (r) return r;
    s->st = calloc((size_t)s->n + 1, sizeof *s->st);
    s->ok = calloc((size_t)s->n + 1, sizeof *s->ok);
    if (!s->st || !s->ok) {
        store_fini(s);
        return error_set(err, ST_NOMEM, "relatives: out of memory");
    }
    for (int i = 0; i < s->n; i++) {
        char d[1400];
        snprintf(d, sizeof d, "%s/%s", s->dir, s->ids[i]);
        s->ok[i] = runstore_read_status(d, &s->st[i], NULL) == ST_OK;
    }
    return ST_OK;
}

static void diag_run(DiagRun *r, const char *id, const RunStatus *st) {
    snprintf(r->id, sizeof r->id, "%s", id);
    snprintf(r->label, sizeof r->label, "%s", st->sweep);
    r->best = st->best_accuracy;
}

/* The newest finished run of preset name older than id (NULL: any), or -1. */
static int newest_done(const Store *s, const char *name, const char *before) {
    for (int i = s->n - 1; i >= 0; i--)
        if (s->ok[i] && s->st[i].state == RUN_DONE && strcmp(s->st[i].preset, name) == 0 &&
            (!before || strcmp(s->ids[i], before) < 0))
            return i;
    return -1;
}

/* Whether init_from (of the run `of`) names the run at index i. */
static int names_run(const Store *s, const char *init_from, const char *of, int i) {
    if (!init_from[0]) return 0;
    if (strcmp(init_from, s->ids[i]) == 0) return 1;
    char part[600];
    snprintf(part, sizeof part, "/%s/", s->ids[i]);
    if (strstr(init_from, part)) return 1;
    return !strchr(init_from, '/') && newest_done(s, init_from, of) == i;
}

static void find_stage2(Relatives *r, const Store *s, int self) {
    Preset *p = malloc(sizeof *p);
    if (!p) return;
    for (int i = self + 1; i < s->n; i++) {
        if (!s->ok[i] || s->st[i].state != RUN_DONE) continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s/preset.ini", s->dir, s->ids[i]);
        if (preset_load(p, path, NULL) || !names_run(s, p->transfer.init_from, s->ids[i], self))
            continue;
        diag_run(&r->stage2, s->ids[i], &s->st[i]); /* ids ascend: the last is the newest */
        if (r->n_stage2++ == 0 || s->st[i].best_accuracy > r->stage2_best.best)
            diag_run(&r->stage2_best, s->ids[i], &s->st[i]);
    }
    free(p);
}

Status relatives_find(Relatives *r, const char *run_dir_in, const RunStatus *st, const Preset *p,
                      int stages, Error *err) {
    memset(r, 0, sizeof *r);
    char run_dir[1024]; /* without trailing slashes: "runs/<id>/" is runs/<id> */
    snprintf(run_dir, sizeof run_dir, "%s", run_dir_in);
    for (size_t n = strlen(run_dir); n > 1 && run_dir[n - 1] == '/'; n--) run_dir[n - 1] = '\0';
    Store s;
    Status e = store_load(&s, run_dir, err);
    if (e) return e;
    const char *slash = strrchr(run_dir, '/');
    const char *id = slash ? slash + 1 : run_dir;
    int self = -1;
    for (int i = 0; i < s.n; i++)
        if (strcmp(s.ids[i], id) == 0) self = i;
    r->siblings = calloc((size_t)s.n + 1, sizeof *r->siblings);
    if (!r->siblings) {
        store_fini(&s);
        return error_set(err, ST_NOMEM, "relatives: out of memory");
    }
    for (int i = 0; i < s.n; i++) {
        const RunStatus *o = &s.st[i];
        if (i == self || !s.ok[i] || strcmp(o->preset, st->preset) != 0) continue;
        if (o->sweep[0] && st->sweep[0] && strcmp(o->sweep, st->sweep) != 0)
            diag_run(&r->siblings[r->n_siblings++], s.ids[i], o);
    }
    if (p && p->transfer.init_from[0])
        for (int i = 0; i < s.n && !r->has_stage1; i++)
            if (i != self && s.ok[i] && names_run(&s, p->transfer.init_from, id, i)) {
                diag_run(&r->stage1, s.ids[i], &s.st[i]);
                r->has_stage1 = 1;
            }
    if (stages && self >= 0) find_stage2(r, &s, self);
    store_fini(&s);
    return ST_OK;
}

void relatives_fini(Relatives *r) {
    if (!r) return;
    free(r->siblings);
    memset(r, 0, sizeof *r);
}

/* The training images of the run (status st, preset p), which the
 * under-trained rule weighs against the head's features: status.ini's
 * train_images, and for runs recorded before it the dataset's index (no
 * image is opened; less its validation split), for last_layer runs only
 * (the only ones the rule reads it for). 0: unknown (the dataset has gone,
 * or its path was relative to another folder). */
static long relatives_train_images(const RunStatus *st, const Preset *p) {
    if (st->train_images > 0) return st->train_images;
    if (!p || p->transfer.mode != TRANSFER_LAST_LAYER) return 0;
    Dataset ds;
    long n = preflight_dataset(p, &ds, NULL) == ST_OK ? ds.n_train : 0;
    dataset_fini(&ds);
    return n;
}

Status relatives_diagnose(const char *run_dir_in, int stages, Diagnosis *d, Error *err) {
    memset(d, 0, sizeof *d);
    char run_dir[1024];
    snprintf(run_dir, sizeof run_dir, "%s", run_dir_in);
    for (size_t n = strlen(run_dir); n > 1 && run_dir[n - 1] == '/'; n--) run_dir[n - 1] = '\0';
    RunStatus st;
    RunRow *rows = NULL;
    int n = 0;
    Status e = runstore_read_status(run_dir, &st, err);
    if (!e) e = runstore_read_metrics(run_dir, &rows, &n, err);
    if (e) return e;
    Preset *p = malloc(sizeof *p);
    char path[1200];
    snprintf(path, sizeof path, "%s/preset.ini", run_dir);
    int have_preset = p && preset_load(p, path, NULL) == ST_OK;
    Relatives r;
    int have_rel = relatives_find(&r, run_dir, &st, have_preset ? p : NULL, stages, NULL) == ST_OK;
    const char *slash = strrchr(run_dir, '/');
    DiagInput in = {.rows = rows,
                    .n_rows = n,
                    .status = &st,
                    .preset = have_preset ? p : NULL,
                    .run_id = slash ? slash + 1 : run_dir,
                    .train_images = relatives_train_images(&st, have_preset ? p : NULL)};
    if (have_rel) {
        in.siblings = r.siblings;
        in.n_siblings = r.n_siblings;
        in.stage2 = r.n_stage2 ? &r.stage2 : NULL;
        in.stage2_best = r.n_stage2 ? &r.stage2_best : NULL;
        in.n_stage2 = r.n_stage2;
        in.stage1 = r.has_stage1 ? &r.stage1 : NULL;
    }
    e = diagnosis_run(&in, d);
    if (e) error_set(err, e, "diagnosis: out of memory");
    if (have_rel) relatives_fini(&r);
    free(p);
    free(rows);
    return e;
}
