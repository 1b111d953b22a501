/*
 * famruns — a family's runs in a run store. See famruns.h.
 *
 * One pass reads every status of the store and keeps the family's runs
 * that are done or running (a candidate each, with the dataset and swept
 * values of its preset.ini). The places to fill come from the family's
 * preset files (a sweep's combinations by preset_sweep_item, so a run
 * matches its place by its sweep label); then a group is filled per
 * dataset from the candidates in id order, so the last to land in a place
 * is its newest. Only the chosen group's stage 1 has its curves read (the
 * train accuracy and the coach), the one costly read.
 */
#include "src/report/famruns.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/preset/preset.h"
#include "src/report/diagnosis.h"
#include "src/report/relatives.h"

typedef struct FamilyDef {
    const char *folder;
    const char *names[FAM_ROLE_COUNT]; /* NULL: no preset for the role */
} FamilyDef;

static const FamilyDef families[FAMILY_COUNT] = {
    [FAMILY_DEMO] = {"demo",
                     {"demo_ft_last_layer", "demo_ft_all", "demo_all_direct", "demo_no_bilinear",
                      "demo_scratch", "demo_res_dim", "demo_weight_decay"}},
    /* The cub files name no experiment: their runs carry the file's stem. */
    [FAMILY_CUB] = {"cub",
                    {"ft_last_layer", "ft_all", "all_direct", "no_bilinear", NULL, "res_dim_sweep",
                     "weight_decay_sweep"}},
};

typedef struct RoleDef {
    const char *file, *title;
    int sweep;
} RoleDef;

static const RoleDef roles[FAM_ROLE_COUNT] = {
    [FAM_STAGE1] = {"ft_last_layer.ini", "stage 1", 0},
    [FAM_STAGE2] = {"ft_all.ini", "stage 2", 0},
    [FAM_ALL_DIRECT] = {"all_direct.ini", "all at once", 0},
    [FAM_NO_BILINEAR] = {"no_bilinear.ini", "plain head", 0},
    [FAM_SCRATCH] = {"scratch.ini", "scratch", 0},
    [FAM_RES_DIM] = {"res_dim_sweep.ini", "res x dim sweep", 1},
    [FAM_WEIGHT_DECAY] = {"weight_decay_sweep.ini", "weight-decay sweep", 1},
};

const char *famruns_family_name(Family f) {
    return (unsigned)f < FAMILY_COUNT ? families[f].folder : "?";
}

const char *famruns_role_file(FamRole r) {
    return (unsigned)r < FAM_ROLE_COUNT ? roles[r].file : "?";
}

const char *famruns_role_name(Family f, FamRole r) {
    return (unsigned)f < FAMILY_COUNT && (unsigned)r < FAM_ROLE_COUNT ? families[f].names[r] : NULL;
}

const char *famruns_role_title(FamRole r) {
    return (unsigned)r < FAM_ROLE_COUNT ? roles[r].title : "?";
}

int famruns_role_is_sweep(FamRole r) {
    return (unsigned)r < FAM_ROLE_COUNT && roles[r].sweep;
}

/* --- small pure parts ---------------------------------------------------------------- */

/* path without leading "./" and trailing slashes, into out. */
static void dataset_norm(const char *path, char *out, size_t cap) {
    while (path[0] == '.' && path[1] == '/') path += 2;
    snprintf(out, cap, "%s", path);
    for (size_t n = strlen(out); n > 1 && out[n - 1] == '/'; n--) out[n - 1] = '\0';
}

int famruns_same_dataset(const char *a, const char *b) {
    char na[FAM_PATH_MAX], nb[FAM_PATH_MAX];
    dataset_norm(a, na, sizeof na);
    dataset_norm(b, nb, sizeof nb);
    if (strcmp(na, nb) == 0) return 1;
    if (!na[0] || !nb[0]) return 0;
    char ra[PATH_MAX], rb[PATH_MAX];
    return realpath(na, ra) && realpath(nb, rb) && strcmp(ra, rb) == 0;
}

double famruns_train_accuracy(const RunRow *rows, int n) {
    double sum = 0;
    int m = 0;
    for (int i = n - 1; i >= 0 && m < DIAGNOSIS_TRAIN_WINDOW; i--)
        if (!rows[i].heldout && isfinite(rows[i].accuracy)) sum += rows[i].accuracy, m++;
    return m ? sum / m : NAN;
}

double famruns_seconds(const FamGroup *g, int *runs, int *unrecorded) {
    double s = 0;
    *runs = *unrecorded = 0;
    for (int r = 0; r < FAM_ROLE_COUNT; r++)
        for (int k = 0; k < g->slots[r].n; k++) {
            const FamRun *x = &g->slots[r].runs[k];
            if (!x->found) continue;
            (*runs)++;
            if (x->seconds > 0)
                s += x->seconds;
            else
                (*unrecorded)++;
        }
    return s;
}

void famruns_describe(const FamGroup *g, char *buf, size_t cap) {
    int places = 0;
    for (int r = 0; r < FAM_ROLE_COUNT; r++) places += g->slots[r].n;
    snprintf(buf, cap, "%s family on %s: %d of %d runs%s", famruns_family_name(g->family),
             g->dataset[0] ? g->dataset : "(no dataset)", g->n_found, places,
             g->complete ? " (complete)" : "");
}

/* --- the store's candidates ------------------------------------------------------------ */

/* A run of the family that is done or running, with what its preset says. */
typedef struct Cand {
    FamRole role;
    int done; /* 0: running */
    char id[256];
    char label[256];
    double test, seconds;
    int n_test;
    char dataset[FAM_PATH_MAX];
    int resolution, dim;
    double wd;
} Cand;

typedef struct Cands {
    Cand *c;
    int n;
} Cands;

static int role_of(Family f, const char *preset) {
    for (int r = 0; r < FAM_ROLE_COUNT; r++)
        if (families[f].names[r] && strcmp(families[f].names[r], preset) == 0) return r;
    return -1;
}

static void values_of(const Preset *p, int *resolution, int *dim, double *wd) {
    *resolution = p->data.resolution;
    *dim = p->model.bilinear_dim;
    *wd = p->solver.weight_decay;
}

/* Adds the run runs_dir/id when it is family f's and done or running; a
 * run whose preset.ini cannot be read is left out (its dataset unknown). */
static void cands_add(Cands *cs, Family f, const char *runs_dir, const char *id, Preset *p) {
    char dir[1400], path[1500];
    snprintf(dir, sizeof dir, "%s/%s", runs_dir, id);
    RunStatus st;
    if (runstore_read_status(dir, &st, NULL)) return;
    int role = role_of(f, st.preset);
    if (role < 0 || (st.state != RUN_DONE && st.state != RUN_RUNNING)) return;
    snprintf(path, sizeof path, "%s/preset.ini", dir);
    if (preset_load(p, path, NULL)) return;
    Cand *c = &cs->c[cs->n++];
    memset(c, 0, sizeof *c);
    c->role = (FamRole)role;
    c->done = st.state == RUN_DONE;
    snprintf(c->id, sizeof c->id, "%s", id);
    snprintf(c->label, sizeof c->label, "%s", st.sweep);
    c->test = runstatus_test_accuracy(&st);
    c->seconds = st.seconds;
    c->n_test = st.test_images > 0 ? st.test_images : FAM_TEST_IMAGES_DEFAULT;
    dataset_norm(p->data.dataset, c->dataset, sizeof c->dataset);
    values_of(p, &c->resolution, &c->dim, &c->wd);
}

/* Every candidate of family f in runs_dir, oldest first (ids sort so). */
static Status cands_load(Cands *cs, Family f, const char *runs_dir, Error *err) {
    memset(cs, 0, sizeof *cs);
    char **ids;
    int n;
    Status s = runstore_list(runs_dir, &ids, &n, err);
    if (s) return s;
    Preset *p = malloc(sizeof *p);
    cs->c = malloc(sizeof *cs->c * (size_t)(n ? n : 1));
    if (!p || !cs->c) {
        free(p);
        free(cs->c);
        cs->c = NULL;
        runstore_free_list(ids, n);
        return error_set(err, ST_NOMEM, "famruns: out of memory");
    }
    for (int i = 0; i < n; i++) cands_add(cs, f, runs_dir, ids[i], p);
    free(p);
    runstore_free_list(ids, n);
    return ST_OK;
}

/* --- the places ------------------------------------------------------------------------- */

static void run_empty(FamRun *x) {
    memset(x, 0, sizeof *x);
    x->index = -1;
    x->train = NAN;
    x->overfit = -1;
    x->test = -1;
    x->n_test = FAM_TEST_IMAGES_DEFAULT;
}

/* The places of role r from its preset file (p is scratch storage): one
 * for an experiment, one per combination of a sweep; a sweep whose file
 * cannot be read gets its places from the runs found. */
static void slot_places(FamSlot *s, const FamGroup *g, Family f, FamRole r, Preset *p,
                        Preset *one) {
    s->n = 0;
    if (!families[f].names[r]) return; /* the family has no such preset */
    char path[FAM_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", g->presets_dir, roles[r].file);
    int have = preset_load(p, path, NULL) == ST_OK;
    if (!roles[r].sweep) {
        run_empty(&s->runs[0]);
        if (have) values_of(p, &s->runs[0].resolution, &s->runs[0].dim, &s->runs[0].wd);
        s->n = 1;
        return;
    }
    int count = have ? preset_sweep_count(p) : 0;
    for (int k = 0; k < count && s->n < FAM_MEMBERS_MAX; k++) {
        FamRun *x = &s->runs[s->n];
        run_empty(x);
        if (preset_sweep_item(p, k, one, x->label, sizeof x->label, NULL)) continue;
        x->index = k;
        values_of(one, &x->resolution, &x->dim, &x->wd);
        s->n++;
    }
}

/* The place of candidate c in slot s (a new one for a sweep combination
 * the preset file does not list), or NULL when there is no room. */
static FamRun *slot_place(FamSlot *s, const Cand *c) {
    if (!roles[c->role].sweep) return s->n ? &s->runs[0] : NULL;
    for (int k = 0; k < s->n; k++)
        if (strcmp(s->runs[k].label, c->label) == 0) return &s->runs[k];
    if (s->n == FAM_MEMBERS_MAX) return NULL;
    FamRun *x = &s->runs[s->n++];
    run_empty(x);
    snprintf(x->label, sizeof x->label, "%s", c->label);
    x->resolution = c->resolution, x->dim = c->dim, x->wd = c->wd;
    return x;
}

static void place_fill(FamRun *x, const Cand *c) {
    x->found = 1;
    snprintf(x->id, sizeof x->id, "%s", c->id);
    snprintf(x->label, sizeof x->label, "%s", c->label);
    x->test = c->test;
    x->n_test = c->n_test;
    x->seconds = c->seconds;
    x->resolution = c->resolution, x->dim = c->dim, x->wd = c->wd;
}

/* Fills g's places (already made) with the candidates on dataset ds. */
static void group_fill(FamGroup *g, const Cands *cs, const char *ds) {
    snprintf(g->dataset, sizeof g->dataset, "%s", ds);
    for (int i = 0; i < cs->n; i++) {
        const Cand *c = &cs->c[i];
        if (!famruns_same_dataset(c->dataset, ds)) continue;
        FamSlot *s = &g->slots[c->role];
        FamRun *x = slot_place(s, c);
        if (!x) continue;
        if (c->done)
            place_fill(x, c); /* ids ascend: the last is the newest */
        else
            x->running = 1;
    }
    g->n_found = 0;
    g->complete = 1;
    g->newest[0] = '\0';
    for (int r = 0; r < FAM_ROLE_COUNT; r++) {
        const FamSlot *s = &g->slots[r];
        if (families[g->family].names[r] && s->n == 0) g->complete = 0;
        for (int k = 0; k < s->n; k++) {
            if (!s->runs[k].found) {
                g->complete = 0;
                continue;
            }
            g->n_found++;
            if (strcmp(s->runs[k].id, g->newest) > 0)
                snprintf(g->newest, sizeof g->newest, "%s", s->runs[k].id);
        }
    }
}

/* Stage 1's curves: its final train accuracy and whether the coach says
 * overfitting (relatives_diagnose, as `finelab show` reads it). */
static void stage1_curves(FamRun *x, const char *runs_dir) {
    if (!x->found) return;
    char dir[1400];
    snprintf(dir, sizeof dir, "%s/%s", runs_dir, x->id);
    RunRow *rows = NULL;
    int n = 0;
    if (runstore_read_metrics(dir, &rows, &n, NULL) == ST_OK)
        x->train = famruns_train_accuracy(rows, n);
    free(rows);
    Diagnosis *d = malloc(sizeof *d);
    if (d && relatives_diagnose(dir, 0, d, NULL) == ST_OK &&
        !diagnosis_find(d, DIAG_NOT_ENOUGH_DATA)) /* else it cannot say */
        x->overfit = diagnosis_find(d, DIAG_OVERFITTING) != NULL;
    free(d);
}

/* Adds every dataset of a finished candidate to g->datasets, once. */
static void datasets_list(FamGroup *g, const Cands *cs) {
    g->n_datasets = 0;
    for (int i = 0; i < cs->n; i++) {
        if (!cs->c[i].done) continue;
        int seen = 0;
        for (int k = 0; k < g->n_datasets && !seen; k++)
            seen = famruns_same_dataset(g->datasets[k], cs->c[i].dataset);
        if (!seen && g->n_datasets < FAM_DATASETS_MAX)
            snprintf(g->datasets[g->n_datasets++], sizeof g->datasets[0], "%s", cs->c[i].dataset);
    }
}

/* Whether group a (complete, found, newest) is to be shown before b. */
static int group_better(const FamGroup *a, const FamGroup *b) {
    if (a->complete != b->complete) return a->complete;
    if (!a->complete && a->n_found != b->n_found) return a->n_found > b->n_found;
    return strcmp(a->newest, b->newest) > 0;
}

/* Orders g->datasets newest group first (work: scratch filled per
 * dataset from the template g), and returns the index of the group to
 * show (the newest complete one, else the fullest), -1 when none. */
static int datasets_rank(FamGroup *g, const Cands *cs, FamGroup *work) {
    char newest[FAM_DATASETS_MAX][256];
    int best = -1;
    FamGroup *pick = malloc(sizeof *pick);
    if (!pick) return g->n_datasets ? 0 : -1;
    for (int k = 0; k < g->n_datasets; k++) {
        memcpy(work, g, sizeof *work);
        group_fill(work, cs, g->datasets[k]);
        snprintf(newest[k], sizeof newest[k], "%s", work->newest);
        if (best < 0 || group_better(work, pick)) {
            best = k;
            memcpy(pick, work, sizeof *pick);
        }
    }
    free(pick);
    /* Insertion sort by newest id, descending; best follows its dataset. */
    for (int i = 1; i < g->n_datasets; i++)
        for (int j = i; j > 0 && strcmp(newest[j], newest[j - 1]) > 0; j--) {
            char t[FAM_PATH_MAX], tn[256];
            memcpy(t, g->datasets[j], sizeof t);
            memcpy(g->datasets[j], g->datasets[j - 1], sizeof t);
            memcpy(g->datasets[j - 1], t, sizeof t);
            memcpy(tn, newest[j], sizeof tn);
            memcpy(newest[j], newest[j - 1], sizeof tn);
            memcpy(newest[j - 1], tn, sizeof tn);
            best = best == j ? j - 1 : best == j - 1 ? j : best;
        }
    return best;
}

/* g's family, folder, its presets' dataset and its places (no runs yet). */
static Status group_init(FamGroup *g, Family f, const char *presets_dir, Error *err) {
    memset(g, 0, sizeof *g);
    g->family = f;
    snprintf(g->presets_dir, sizeof g->presets_dir, "%s/%s", presets_dir ? presets_dir : "presets",
             families[f].folder);
    Preset *p = malloc(sizeof *p), *one = malloc(sizeof *one);
    if (!p || !one) {
        free(p);
        free(one);
        return error_set(err, ST_NOMEM, "famruns: out of memory");
    }
    char path[FAM_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", g->presets_dir, roles[FAM_STAGE1].file);
    if (preset_load(p, path, NULL) == ST_OK)
        dataset_norm(p->data.dataset, g->preset_dataset, sizeof g->preset_dataset);
    for (int r = 0; r < FAM_ROLE_COUNT; r++) slot_places(&g->slots[r], g, f, (FamRole)r, p, one);
    free(p);
    free(one);
    return ST_OK;
}

Status famruns_find(FamGroup *g, Family f, const char *runs_dir, const char *presets_dir,
                    const char *dataset, Error *err) {
    Status s = group_init(g, f, presets_dir, err);
    if (s) return s;
    Cands cs;
    if ((s = cands_load(&cs, f, runs_dir, err))) {
        memset(g, 0, sizeof *g);
        return s;
    }
    FamGroup *work = malloc(sizeof *work);
    if (!work) {
        free(cs.c);
        memset(g, 0, sizeof *g);
        return error_set(err, ST_NOMEM, "famruns: out of memory");
    }
    datasets_list(g, &cs);
    int best = datasets_rank(g, &cs, work);
    char ds[FAM_PATH_MAX];
    if (dataset && dataset[0])
        dataset_norm(dataset, ds, sizeof ds);
    else
        snprintf(ds, sizeof ds, "%s", best >= 0 ? g->datasets[best] : g->preset_dataset);
    group_fill(g, &cs, ds);
    if (g->slots[FAM_STAGE1].n) stage1_curves(&g->slots[FAM_STAGE1].runs[0], runs_dir);
    free(work);
    free(cs.c);
    return ST_OK;
}
