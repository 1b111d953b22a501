/*
 * lessons — the tutorial's lessons as rules over a family's runs. See
 * lessons.h.
 *
 * A rule first asks for the runs it reads (need, need_member): a run that
 * is not there is noted as missing and the rule stops; then it compares
 * test accuracies through one helper (versus) that writes the figures and
 * the margin, and decides. lessons_eval turns the missing runs into
 * commands and a lesson that does not show into its hint, so every rule
 * is only its arithmetic.
 */
#include "src/report/lessons.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A margin compared with a threshold: a hair of slack, so that 74.5 - 64.5
 * is 10 points whatever the binary fractions make of it. */
#define LESSONS_SLACK 1e-9

const char *lessons_state_name(LessonState s) {
    static const char *const names[LESSON_STATE_COUNT] = {"shows", "does not show", "runs missing",
                                                          "not measured"};
    return (unsigned)s < LESSON_STATE_COUNT ? names[s] : "?";
}

double lessons_se(double p1, int n1, double p2, int n2) {
    if (n1 <= 0) n1 = FAM_TEST_IMAGES_DEFAULT;
    if (n2 <= 0) n2 = FAM_TEST_IMAGES_DEFAULT;
    return sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2);
}

double lessons_margin(double a, int na, double b, int nb) {
    double se = lessons_se(a, na, b, nb);
    if (se > 0) return (a - b) / se;
    return a == b ? 0 : a > b ? INFINITY : -INFINITY;
}

/* --- texts ------------------------------------------------------------------------------ */

static void append(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t cap, const char *fmt, ...) {
    size_t n = strlen(buf);
    if (n + 1 >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
}

/* --- what a rule reads ------------------------------------------------------------------ */

static void note_missing(LessonResult *r, FamRole role, const FamRun *x) {
    if (r->n_missing == LESSON_MISSING_MAX) return;
    LessonMissing *m = &r->missing[r->n_missing++];
    memset(m, 0, sizeof *m);
    m->role = role;
    m->index = x ? x->index : -1;
    m->running = x ? x->running : 0;
    m->no_preset = x == NULL;
    if (x) snprintf(m->label, sizeof m->label, "%s", x->label);
}

/* A finished run with a test figure: x, else NULL (noted as missing, or
 * as not measured when it has no test accuracy). */
static const FamRun *have(LessonResult *r, FamRole role, const FamRun *x) {
    if (!x->found) {
        note_missing(r, role, x);
        return NULL;
    }
    if (x->test < 0) {
        append(r->figures, sizeof r->figures, "%s%s has no test accuracy",
               r->figures[0] ? "; " : "", famruns_role_title(role));
        return NULL;
    }
    return x;
}

/* The run of an experiment's role. */
static const FamRun *need(const FamGroup *g, LessonResult *r, FamRole role) {
    if (g->slots[role].n == 0) {
        note_missing(r, role, NULL);
        return NULL;
    }
    return have(r, role, &g->slots[role].runs[0]);
}

/* Writes "A 67.67% vs B 5.00%" and "+62.67 points, 27.9 SE (>= 2)" (what
 * the margin is held against) and returns the margin of a over b in SEs. */
static double versus(LessonResult *r, const char *an, const FamRun *a, const char *bn,
                     const FamRun *b, const char *against) {
    double m = lessons_margin(a->test, a->n_test, b->test, b->n_test);
    append(r->figures, sizeof r->figures, "%s%s %.2f%% vs %s %.2f%%", r->figures[0] ? "; " : "", an,
           100 * a->test, bn, 100 * b->test);
    append(r->margins, sizeof r->margins, "%s%s vs %s %+.2f points, %.1f SE (%s)",
           r->margins[0] ? "; " : "", an, bn, 100 * (a->test - b->test), m, against);
    return m;
}

static void decide(LessonResult *r, int shows, double margin) {
    r->state = shows ? LESSON_SHOWS : LESSON_NOT_SHOWN;
    r->margin = margin;
}

/* --- the rules -------------------------------------------------------------------------- */

/* a beats b by LESSONS_MARGIN_SE. */
static void rule_beats(const FamGroup *g, LessonResult *r, FamRole a, FamRole b) {
    const FamRun *x = need(g, r, a), *y = need(g, r, b);
    if (!x || !y) return;
    double m = versus(r, famruns_role_title(a), x, famruns_role_title(b), y, ">= 2 SE");
    decide(r, m >= LESSONS_MARGIN_SE - LESSONS_SLACK, m);
}

static void rule_transfer(const FamGroup *g, LessonResult *r) {
    rule_beats(g, r, FAM_STAGE1, FAM_SCRATCH);
}

static void rule_overfit(const FamGroup *g, LessonResult *r) {
    const FamRun *s1 = need(g, r, FAM_STAGE1);
    if (!s1) return;
    if (isnan(s1->train)) {
        snprintf(r->figures, sizeof r->figures,
                 "stage 1 test %.2f%%; its metrics.tsv has no train accuracy", 100 * s1->test);
        snprintf(r->next, sizeof r->next,
                 "run stage 1 again with train rows (solver.display > 0): `finelab run "
                 "@/ft_last_layer.ini`");
        return;
    }
    double gap = s1->train - s1->test;
    snprintf(r->figures, sizeof r->figures, "stage 1 train %.1f%% vs test %.2f%%; the coach: %s",
             100 * s1->train, 100 * s1->test,
             s1->overfit > 0    ? "overfitting"
             : s1->overfit == 0 ? "no overfitting"
                                : "cannot read its curves");
    snprintf(r->margins, sizeof r->margins, "gap %+.1f points (>= %.0f, and the coach agrees)",
             100 * gap, 100 * LESSONS_OVERFIT_GAP);
    if (s1->overfit < 0) {
        snprintf(r->next, sizeof r->next, "read its curves: `finelab show %s`", s1->id);
        return;
    }
    decide(r, gap >= LESSONS_OVERFIT_GAP - LESSONS_SLACK && s1->overfit == 1, 100 * gap);
}

static void rule_stage2(const FamGroup *g, LessonResult *r) {
    rule_beats(g, r, FAM_STAGE2, FAM_STAGE1);
}

/* All at once beats scratch and ends below stage 2, both by 2 SE. */
static void rule_all_direct(const FamGroup *g, LessonResult *r) {
    const FamRun *ad = need(g, r, FAM_ALL_DIRECT), *sc = need(g, r, FAM_SCRATCH),
                 *s2 = need(g, r, FAM_STAGE2);
    if (!ad || !sc || !s2) return;
    double above = versus(r, "all at once", ad, "scratch", sc, ">= 2 SE");
    double below = versus(r, "stage 2", s2, "all at once", ad, ">= 2 SE");
    double m = above < below ? above : below;
    decide(r, m >= LESSONS_MARGIN_SE - LESSONS_SLACK, m);
}

static void rule_bilinear(const FamGroup *g, LessonResult *r) {
    rule_beats(g, r, FAM_STAGE1, FAM_NO_BILINEAR);
}

/* --- the sweeps -------------------------------------------------------------------------- */

/* Each place of slot s for which pick(x, a, b) holds is needed: noted when
 * missing. Returns 1 when all of them are there. */
static int need_members(const FamSlot *s, LessonResult *r, FamRole role,
                        int (*pick)(const FamRun *x, double a, double b), double a, double b) {
    int all = 1;
    for (int k = 0; k < s->n; k++)
        if (pick(&s->runs[k], a, b) && !have(r, role, &s->runs[k])) all = 0;
    return all;
}

/* The first run of s for which pick holds (and found), or NULL. */
static const FamRun *member(const FamSlot *s, int (*pick)(const FamRun *x, double a, double b),
                            double a, double b) {
    for (int k = 0; k < s->n; k++)
        if (s->runs[k].found && pick(&s->runs[k], a, b)) return &s->runs[k];
    return NULL;
}

static int at_res_or_dim(const FamRun *x, double res, double dim) {
    return x->resolution == (int)res || x->dim == (int)dim;
}
static int at_res(const FamRun *x, double res, double dim) {
    (void)dim;
    return x->resolution == (int)res;
}
static int at_dim(const FamRun *x, double res, double dim) {
    (void)res;
    return x->dim == (int)dim;
}
static int at_cell(const FamRun *x, double res, double dim) {
    return x->resolution == (int)res && x->dim == (int)dim;
}

/* max - min of the test accuracies of s's runs where pick holds (found). */
static double spread(const FamSlot *s, int (*pick)(const FamRun *x, double a, double b), double a,
                     double b) {
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < s->n; k++)
        if (s->runs[k].found && pick(&s->runs[k], a, b)) {
            if (s->runs[k].test < lo) lo = s->runs[k].test;
            if (s->runs[k].test > hi) hi = s->runs[k].test;
        }
    return hi >= lo ? hi - lo : 0;
}

/* "67.67 / 66.83%" for the runs where pick holds, in place order. */
static void list_acc(char *buf, size_t cap, const FamSlot *s,
                     int (*pick)(const FamRun *x, double a, double b), double a, double b) {
    int first = 1;
    for (int k = 0; k < s->n; k++)
        if (s->runs[k].found && pick(&s->runs[k], a, b)) {
            append(buf, cap, "%s%.2f", first ? "" : " / ", 100 * s->runs[k].test);
            first = 0;
        }
    append(buf, cap, "%%");
}

/* The top resolution beats the bottom one at the largest dim by 2 SE, and
 * the spread over dims (at the top resolution) is at most half the spread
 * over resolutions (at the largest dim). */
static void rule_res_dim(const FamGroup *g, LessonResult *r) {
    const FamSlot *s = &g->slots[FAM_RES_DIM];
    if (s->n == 0) {
        note_missing(r, FAM_RES_DIM, NULL);
        return;
    }
    int top = 0, bottom = 0, dim = 0;
    for (int k = 0; k < s->n; k++) {
        const FamRun *x = &s->runs[k];
        if (!top || x->resolution > top) top = x->resolution;
        if (!bottom || x->resolution < bottom) bottom = x->resolution;
        if (x->dim > dim) dim = x->dim;
    }
    if (!need_members(s, r, FAM_RES_DIM, at_res_or_dim, top, dim)) return;
    if (top == bottom) {
        snprintf(r->figures, sizeof r->figures, "the sweep has one resolution (%d px)", top);
        snprintf(r->next, sizeof r->next,
                 "run the shipped sweep: `finelab run @/res_dim_sweep.ini`");
        return;
    }
    const FamRun *hi = member(s, at_cell, top, dim), *lo = member(s, at_cell, bottom, dim);
    if (!hi || !lo) return;
    char a[32], b[32];
    snprintf(a, sizeof a, "%d px", top);
    snprintf(b, sizeof b, "%d px", bottom);
    r->figures[0] = '\0';
    append(r->figures, sizeof r->figures, "d %d over px: ", dim);
    list_acc(r->figures, sizeof r->figures, s, at_dim, 0, dim);
    append(r->figures, sizeof r->figures, "; %d px over d: ", top);
    list_acc(r->figures, sizeof r->figures, s, at_res, top, 0);
    double m = lessons_margin(hi->test, hi->n_test, lo->test, lo->n_test);
    double over_dims = spread(s, at_res, top, 0), over_res = spread(s, at_dim, 0, dim);
    snprintf(r->margins, sizeof r->margins,
             "%s vs %s: %+.2f points, %.1f SE (>= 2 SE); spread over d %.2f points vs over px "
             "%.2f (<= half)",
             a, b, 100 * (hi->test - lo->test), m, 100 * over_dims, 100 * over_res);
    decide(r,
           m >= LESSONS_MARGIN_SE - LESSONS_SLACK &&
               over_dims <= LESSONS_SPREAD_RATIO * over_res + LESSONS_SLACK,
           m);
}

static int at_wd(const FamRun *x, double wd, double unused) {
    (void)unused;
    return fabs(x->wd - wd) <= 1e-12 * (fabs(wd) > 1 ? fabs(wd) : 1);
}

/* 0.001 (the largest decay) ends 1 SE below none, and 0.00001 (the
 * smallest above none) within 1 SE of it. */
static void rule_weight_decay(const FamGroup *g, LessonResult *r) {
    const FamSlot *s = &g->slots[FAM_WEIGHT_DECAY];
    if (s->n == 0) {
        note_missing(r, FAM_WEIGHT_DECAY, NULL);
        return;
    }
    double high = 0, low = INFINITY;
    int has_zero = 0;
    for (int k = 0; k < s->n; k++) {
        double wd = s->runs[k].wd;
        if (wd == 0) has_zero = 1;
        if (wd > high) high = wd;
        if (wd > 0 && wd < low) low = wd;
    }
    if (!has_zero || !(low < high)) {
        snprintf(r->figures, sizeof r->figures,
                 "the sweep needs weight decay 0 and two values above it");
        snprintf(r->next, sizeof r->next,
                 "run the shipped sweep: `finelab run @/weight_decay_sweep.ini`");
        return;
    }
    int ok = need_members(s, r, FAM_WEIGHT_DECAY, at_wd, 0, 0);
    ok &= need_members(s, r, FAM_WEIGHT_DECAY, at_wd, low, 0);
    ok &= need_members(s, r, FAM_WEIGHT_DECAY, at_wd, high, 0);
    if (!ok) return;
    const FamRun *z = member(s, at_wd, 0, 0), *l = member(s, at_wd, low, 0),
                 *h = member(s, at_wd, high, 0);
    if (!z || !l || !h) return;
    snprintf(r->figures, sizeof r->figures, "wd 0 / %g / %g: %.2f / %.2f / %.2f%%", low, high,
             100 * z->test, 100 * l->test, 100 * h->test);
    double below = lessons_margin(z->test, z->n_test, h->test, h->n_test);
    double off = fabs(lessons_margin(l->test, l->n_test, z->test, z->n_test));
    snprintf(r->margins, sizeof r->margins,
             "%g below 0 by %.1f SE (>= 1); %g off 0 by %.1f SE (<= 1)", high, below, low, off);
    decide(r,
           below >= LESSONS_WD_MARGIN_SE - LESSONS_SLACK &&
               off <= LESSONS_WD_MARGIN_SE + LESSONS_SLACK,
           below);
}

/* --- the table ------------------------------------------------------------------------- */

#define ROLE(r) (1u << (r))

static const Lesson lessons[LESSON_COUNT] = {
    {"L0", "transfer decides", "stage 1 (ft_last_layer) beats scratch by >= 2 SE",
     "scratch is hopeless; stage 1 74.5%", ROLE(FAM_STAGE1) | ROLE(FAM_SCRATCH), rule_transfer,
     "stage 1 should start far above scratch: check its backbone (model.weights) and its rate, "
     "`finelab lr-find @/ft_last_layer.ini`"},
    {"L1", "stage 1 overfits",
     "stage 1's final train accuracy >= 10 points above its test accuracy, and the coach says "
     "overfitting",
     "74.5% test, heavy overfit", ROLE(FAM_STAGE1), rule_overfit,
     "train stage 1 longer or at a larger lr: `finelab lr-find @/ft_last_layer.ini`"},
    {"L2", "stage 2 beats stage 1", "stage 2 (ft_all, from stage 1) beats stage 1 by >= 2 SE",
     "74.5% -> 86.8%", ROLE(FAM_STAGE1) | ROLE(FAM_STAGE2), rule_stage2,
     "train stage 2 longer (`finelab run @/ft_all.ini --set solver.max_iter=N`, N above the "
     "preset's) or find its rate (`finelab lr-find @/ft_all.ini`)"},
    {"L3", "all at once is in between",
     "all layers at once (all_direct) beats scratch by >= 2 SE and ends >= 2 SE below stage 2",
     "79% vs 86.8%", ROLE(FAM_ALL_DIRECT) | ROLE(FAM_SCRATCH) | ROLE(FAM_STAGE2), rule_all_direct,
     "a fresh classifier under every layer needs more iterations or its own rate: "
     "`finelab lr-find @/all_direct.ini`"},
    {"L4", "bilinear beats a plain head",
     "stage 1 beats the plain (average-pooling) head (no_bilinear) by >= 2 SE",
     "plain head very poor, hard to tune", ROLE(FAM_STAGE1) | ROLE(FAM_NO_BILINEAR), rule_bilinear,
     "tune the plain head's rate: `finelab lr-find @/no_bilinear.ini`"},
    {"L5", "resolution matters, dim barely",
     "the top resolution beats the bottom one by >= 2 SE at the largest dim, and the spread over "
     "dims is at most half the spread over resolutions",
     "448 -> 224 px costs ~10 points; 8192 -> 1024 very little", ROLE(FAM_RES_DIM), rule_res_dim,
     "the gaps are within what the test set resolves: more test images (`finelab synth "
     "--per-class`) or longer runs (solver.max_iter)"},
    {"L6", "weight decay: no gain",
     "weight decay 0.001 ends >= 1 SE below 0, and 0.00001 within 1 SE of 0",
     "no gain; 0.001 converges early to a worse model", ROLE(FAM_WEIGHT_DECAY), rule_weight_decay,
     "read the three curves side by side (`finelab compare`); 0.001 may need longer runs to "
     "settle lower (solver.max_iter)"},
};

const Lesson *lessons_get(int i) {
    return i >= 0 && i < LESSON_COUNT ? &lessons[i] : NULL;
}

/* --- evaluation ---------------------------------------------------------------------- */

Family lessons_family(const Lesson *l, const FamGroup *const groups[FAMILY_COUNT]) {
    const FamGroup *cub = groups[FAMILY_CUB];
    for (int r = 0; cub && r < FAM_ROLE_COUNT; r++) {
        if (!(l->roles & ROLE(r))) continue;
        for (int k = 0; k < cub->slots[r].n; k++)
            if (cub->slots[r].runs[k].found) return FAMILY_CUB;
    }
    return FAMILY_DEMO;
}

/* s with every '@' replaced by at, into out. */
static void expand(char *out, size_t cap, const char *s, const char *at) {
    out[0] = '\0';
    for (; *s; s++)
        if (*s == '@')
            append(out, cap, "%s", at);
        else
            append(out, cap, "%c", *s);
}

/* The missing runs named: "scratch; res x dim sweep: 2 runs (1 running)". */
static void missing_names(const FamGroup *g, LessonResult *r) {
    for (int role = 0; role < FAM_ROLE_COUNT; role++) {
        int n = 0, running = 0, no_preset = 0;
        for (int i = 0; i < r->n_missing; i++)
            if ((int)r->missing[i].role == role) {
                n++;
                running += r->missing[i].running;
                no_preset |= r->missing[i].no_preset;
            }
        if (!n) continue;
        append(r->missing_text, sizeof r->missing_text, "%s%s", r->missing_text[0] ? "; " : "",
               famruns_role_title((FamRole)role));
        if (no_preset)
            append(r->missing_text, sizeof r->missing_text, " (%s has no %s)", g->presets_dir,
                   famruns_role_file((FamRole)role));
        else if (famruns_role_is_sweep((FamRole)role))
            append(r->missing_text, sizeof r->missing_text, ": %d run%s", n, n == 1 ? "" : "s");
        if (running) append(r->missing_text, sizeof r->missing_text, " (%d running)", running);
    }
}

/* The commands that make the missing runs, in the tutorial's order (stage
 * 1 before stage 2, which starts from it), on g's dataset. */
static void missing_commands(const FamGroup *g, LessonResult *r) {
    char set[FAM_PATH_MAX + 40] = "";
    if (g->dataset[0] &&
        (!g->preset_dataset[0] || !famruns_same_dataset(g->dataset, g->preset_dataset)))
        snprintf(set, sizeof set, " --set data.dataset=%s", g->dataset);
    for (int role = 0; role < FAM_ROLE_COUNT; role++) {
        int idx[LESSON_MISSING_MAX], n = 0, whole = 0;
        for (int i = 0; i < r->n_missing; i++) {
            const LessonMissing *m = &r->missing[i];
            if ((int)m->role != role || m->no_preset || m->running) continue;
            if (m->index < 0)
                whole = 1;
            else
                idx[n++] = m->index;
        }
        if (!whole && !n) continue;
        const char *sep = r->next[0] ? "; then " : "";
        const char *file = famruns_role_file((FamRole)role);
        if (whole || n == g->slots[role].n) {
            append(r->next, sizeof r->next, "%s`finelab run %s/%s%s`", sep, g->presets_dir, file,
                   set);
        } else if (n == 1) {
            append(r->next, sizeof r->next, "%s`finelab run %s/%s --sweep-index %d%s`", sep,
                   g->presets_dir, file, idx[0], set);
        } else {
            append(r->next, sizeof r->next, "%s`for k in", sep);
            for (int i = 0; i < n; i++) append(r->next, sizeof r->next, " %d", idx[i]);
            append(r->next, sizeof r->next, "; do finelab run %s/%s --sweep-index $k%s; done`",
                   g->presets_dir, file, set);
        }
    }
    for (int i = 0; !r->next[0] && i < r->n_missing; i++)
        if (r->missing[i].no_preset)
            snprintf(r->next, sizeof r->next, "nothing to run: %s has no %s", g->presets_dir,
                     famruns_role_file(r->missing[i].role));
    if (!r->next[0]) snprintf(r->next, sizeof r->next, "wait for the running runs");
}

void lessons_eval(const Lesson *l, const FamGroup *g, LessonResult *r) {
    memset(r, 0, sizeof *r);
    r->state = LESSON_NOT_MEASURED;
    r->family = g->family;
    r->margin = NAN;
    l->rule_fn(g, r);
    if (r->n_missing) {
        r->state = LESSON_MISSING;
        r->margin = NAN;
        r->figures[0] = r->margins[0] = '\0';
        missing_names(g, r);
        missing_commands(g, r);
    } else if (r->state == LESSON_SHOWS) {
        snprintf(r->next, sizeof r->next, "-");
    } else if (r->state == LESSON_NOT_SHOWN) {
        expand(r->next, sizeof r->next, l->hint, g->presets_dir);
    } else if (r->next[0]) { /* the rule said what would measure it */
        char said[LESSON_NEXT_MAX];
        memcpy(said, r->next, sizeof said);
        expand(r->next, sizeof r->next, said, g->presets_dir);
    } else {
        snprintf(r->next, sizeof r->next, "run again the runs without a test accuracy");
    }
}

void lessons_run(const FamGroup *const groups[FAMILY_COUNT], LessonResult out[LESSON_COUNT]) {
    for (int i = 0; i < LESSON_COUNT; i++)
        lessons_eval(&lessons[i], groups[lessons_family(&lessons[i], groups)], &out[i]);
}

/* "23m 40s", "48s", "1h 02m". */
static void duration(double s, char *buf, size_t cap) {
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, cap, "%ldh %02ldm", t / 3600, t % 3600 / 60);
    else if (t >= 60)
        snprintf(buf, cap, "%ldm %02lds", t / 60, t % 60);
    else
        snprintf(buf, cap, "%lds", t);
}

void lessons_wall_time(const FamGroup *g, char *buf, size_t cap) {
    int runs, unrecorded;
    double s = famruns_seconds(g, &runs, &unrecorded);
    char d[32];
    duration(s, d, sizeof d);
    snprintf(buf, cap, "wall time %s", d);
    if (g->family == FAMILY_DEMO)
        append(buf, cap, " against the %d-minute budget%s", LESSONS_BUDGET_SECONDS / 60,
               s > LESSONS_BUDGET_SECONDS ? " (over it)" : "");
    if (unrecorded)
        append(buf, cap, " (%d of %d run%s without a recorded time)", unrecorded, runs,
               runs == 1 ? "" : "s");
}
