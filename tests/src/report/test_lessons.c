/*
 * test_lessons — the lessons' rules as values, on family groups filled by
 * hand (no store): the standard error of a difference against a value
 * worked by hand, then each lesson showing, not showing, and with runs
 * missing (named, and the commands that make them, on the group's
 * dataset), the multi-run rules of the res x dim and weight-decay sweeps,
 * which family a lesson reads, and the wall-time line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/report/lessons.h"
#include "tests/lib/testutil.h"

enum { L0, L1, L2, L3, L4, L5, L6 };

static const int res_values[3] = {224, 168, 112};
static const int dim_values[4] = {8192, 4096, 2048, 1024};
static const double wd_values[3] = {0, 0.00001, 0.001};

static void place(FamRun *x, int index) {
    memset(x, 0, sizeof *x);
    x->index = index;
    x->test = -1;
    x->n_test = 600;
    x->train = NAN;
    x->overfit = -1;
}

/* The demo family on data/demo with every place empty (the sweeps' places
 * as presets/demo lists them: the last key fastest). */
static FamGroup *group(void) {
    FamGroup *g = calloc(1, sizeof *g);
    assert_non_null(g);
    g->family = FAMILY_DEMO;
    snprintf(g->dataset, sizeof g->dataset, "data/demo");
    snprintf(g->preset_dataset, sizeof g->preset_dataset, "data/demo");
    snprintf(g->presets_dir, sizeof g->presets_dir, "presets/demo");
    for (int r = FAM_STAGE1; r <= FAM_SCRATCH; r++) {
        place(&g->slots[r].runs[0], -1);
        g->slots[r].n = 1;
    }
    FamSlot *s = &g->slots[FAM_RES_DIM];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) {
            FamRun *x = &s->runs[s->n];
            place(x, s->n++);
            x->resolution = res_values[i];
            x->dim = dim_values[j];
            snprintf(x->label, sizeof x->label, "data.resolution=%d, model.bilinear_dim=%d",
                     x->resolution, x->dim);
        }
    s = &g->slots[FAM_WEIGHT_DECAY];
    for (int k = 0; k < 3; k++) {
        place(&s->runs[k], k);
        s->runs[k].wd = wd_values[k];
        s->runs[k].resolution = 224;
        s->runs[k].dim = 8192;
    }
    s->n = 3;
    return g;
}

/* Place k of role r finished at test accuracy test. */
static FamRun *put(FamGroup *g, FamRole r, int k, double test) {
    FamRun *x = &g->slots[r].runs[k];
    x->found = 1;
    x->test = test;
    snprintf(x->id, sizeof x->id, "20260101-0000%02d-run", k);
    return x;
}

static LessonResult *check(const FamGroup *g, int lesson) {
    static LessonResult r;
    lessons_eval(lessons_get(lesson), g, &r);
    return &r;
}

/* --- the standard error ----------------------------------------------------------------- */

static void test_se_by_hand(void **state) {
    (void)state;
    /* 67.67% and 5.00% on 600 images each: 0.6767 x 0.3233 / 600 =
     * 0.000364629, 0.05 x 0.95 / 600 = 0.0000791667; their sum
     * 0.000443795 has the root 0.0210664, and the difference 0.6267 is
     * 29.75 of it. */
    assert_near(lessons_se(0.6767, 600, 0.05, 600), 0.0210664, 1e-6);
    assert_near(lessons_margin(0.6767, 600, 0.05, 600), 29.749, 1e-3);
    /* Unequal test sets: 0.8 x 0.2 / 1000 + 0.7 x 0.3 / 600 = 0.00051,
     * root 0.0225832; 10 points are 4.428 of it. */
    assert_near(lessons_se(0.80, 1000, 0.70, 600), 0.0225832, 1e-6);
    assert_near(lessons_margin(0.80, 1000, 0.70, 600), 4.42807, 1e-4);
    assert_near(lessons_margin(0.70, 600, 0.80, 1000), -4.42807, 1e-4);
    /* A test count not recorded (0) is the demo's 600. */
    assert_near(lessons_se(0.6767, 0, 0.05, 0), 0.0210664, 1e-6);
    /* Zero error: equal is no margin, apart is unbounded. */
    assert_near(lessons_margin(1, 600, 1, 600), 0, 0);
    assert_true(isinf(lessons_margin(1, 600, 0, 600)) && lessons_margin(1, 600, 0, 600) > 0);
}

static void test_table_in_the_tutorials_order(void **state) {
    (void)state;
    const char *ids[LESSON_COUNT] = {"L0", "L1", "L2", "L3", "L4", "L5", "L6"};
    for (int i = 0; i < LESSON_COUNT; i++) {
        const Lesson *l = lessons_get(i);
        assert_non_null(l);
        assert_string_equal(l->id, ids[i]);
        assert_non_null(l->rule_fn);
        assert_true(l->roles != 0);
    }
    assert_null(lessons_get(LESSON_COUNT));
    assert_null(lessons_get(-1));
    assert_string_equal(lessons_state_name(LESSON_SHOWS), "shows");
    assert_string_equal(lessons_state_name(LESSON_NOT_SHOWN), "does not show");
    assert_string_equal(lessons_state_name(LESSON_MISSING), "runs missing");
    assert_string_equal(lessons_state_name(LESSON_NOT_MEASURED), "not measured");
}

/* --- L0: transfer ------------------------------------------------------------------------- */

static void test_transfer_shows(void **state) {
    (void)state;
    FamGroup *g = group();
    put(g, FAM_STAGE1, 0, 0.6767);
    put(g, FAM_SCRATCH, 0, 0.05);
    LessonResult *r = check(g, L0);
    assert_int_equal(r->state, LESSON_SHOWS);
    assert_near(r->margin, 29.749, 1e-3);
    assert_string_equal(r->figures, "stage 1 67.67% vs scratch 5.00%");
    assert_string_equal(r->margins, "stage 1 vs scratch +62.67 points, 29.7 SE (>= 2 SE)");
    assert_string_equal(r->next, "-");
    assert_int_equal(r->n_missing, 0);
    free(g);
}

static void test_transfer_does_not_show(void **state) {
    (void)state;
    FamGroup *g = group();
    put(g, FAM_STAGE1, 0, 0.70);
    put(g, FAM_SCRATCH, 0, 0.68); /* 2 points: 0.75 SE */
    LessonResult *r = check(g, L0);
    assert_int_equal(r->state, LESSON_NOT_SHOWN);
    assert_near(r->margin, 0.7492, 1e-4);
    assert_non_null(strstr(r->next, "`finelab lr-find presets/demo/ft_last_layer.ini`"));
    free(g);
}

static void test_transfer_runs_missing(void **state) {
    (void)state;
    FamGroup *g = group();
    put(g, FAM_STAGE1, 0, 0.6767);
    LessonResult *r = check(g, L0);
    assert_int_equal(r->state, LESSON_MISSING);
    assert_true(isnan(r->margin));
    assert_int_equal(r->n_missing, 1);
    assert_int_equal(r->missing[0].role, FAM_SCRATCH);
    assert_int_equal(r->missing[0].index, -1);
    assert_string_equal(r->missing_text, "scratch");
    assert_string_equal(r->next, "`finelab run presets/demo/scratch.ini`");
    assert_string_equal(r->figures, "");
    /* Running now: named so, and nothing to start. */
    g->slots[FAM_SCRATCH].runs[0].running = 1;
    r = check(g, L0);
    assert_string_equal(r->missing_text, "scratch (1 running)");
    assert_string_equal(r->next, "wait for the running runs");
    free(g);
}

/* On another seed's dataset the commands keep to it. */
static void test_missing_runs_on_another_dataset(void **state) {
    (void)state;
    FamGroup *g = group();
    snprintf(g->dataset, sizeof g->dataset, "data/x");
    LessonResult *r = check(g, L2);
    assert_int_equal(r->state, LESSON_MISSING);
    assert_string_equal(r->missing_text, "stage 1; stage 2");
    /* Stage 1 first: stage 2 starts from it. */
    assert_string_equal(r->next,
                        "`finelab run presets/demo/ft_last_layer.ini --set data.dataset=data/x`; "
                        "then `finelab run presets/demo/ft_all.ini --set data.dataset=data/x`");
    free(g);
}

/* --- L1: stage 1 overfits ----------------------------------------------------------------- */

static void test_overfit(void **state) {
    (void)state;
    FamGroup *g = group();
    FamRun *s1 = put(g, FAM_STAGE1, 0, 0.70);
    s1->train = 0.95;
    s1->overfit = 1;
    LessonResult *r = check(g, L1);
    assert_int_equal(r->state, LESSON_SHOWS);
    assert_near(r->margin, 25, 1e-9); /* points */
    assert_string_equal(r->figures, "stage 1 train 95.0% vs test 70.00%; the coach: overfitting");
    /* The coach disagrees: it does not show. */
    s1->overfit = 0;
    r = check(g, L1);
    assert_int_equal(r->state, LESSON_NOT_SHOWN);
    assert_string_equal(r->next, "train stage 1 longer or at a larger lr: `finelab lr-find "
                                 "presets/demo/ft_last_layer.ini`");
    /* A gap under 10 points: it does not show either. */
    s1->overfit = 1;
    s1->train = 0.75;
    r = check(g, L1);
    assert_int_equal(r->state, LESSON_NOT_SHOWN);
    /* 10 points exactly (75 - 65, not quite 0.1 in binary) shows. */
    s1->test = 0.65;
    r = check(g, L1);
    assert_int_equal(r->state, LESSON_SHOWS);
    /* No train accuracy, or curves the coach cannot read: not measured. */
    s1->train = NAN;
    r = check(g, L1);
    assert_int_equal(r->state, LESSON_NOT_MEASURED);
    assert_non_null(strstr(r->figures, "no train accuracy"));
    assert_non_null(strstr(r->next, "`finelab run presets/demo/ft_last_layer.ini`"));
    s1->train = 0.95;
    s1->overfit = -1;
    assert_int_equal(check(g, L1)->state, LESSON_NOT_MEASURED);
    /* Without stage 1: missing. */
    g->slots[FAM_STAGE1].runs[0].found = 0;
    assert_int_equal(check(g, L1)->state, LESSON_MISSING);
    free(g);
}

/* --- L2 - L4: one or two comparisons -------------------------------------------------- */

static void test_stage2(void **state) {
    (void)state;
    FamGroup *g = group();
    put(g, FAM_STAGE1, 0, 0.70);
    put(g, FAM_STAGE2, 0, 0.80)->n_test = 1000;
    LessonResult *r = check(g, L2);
    assert_int_equal(r->state, LESSON_SHOWS);
    assert_near(r->margin, 4.42807, 1e-4);
    g->slots[FAM_STAGE2].runs[0].test = 0.715; /* 1.5 points: the README's 2026-12-01 */
    r = check(g, L2);
    assert_int_equal(r->state, LESSON_NOT_SHOWN);
    assert_non_null(
        strstr(r->next, "`finelab run presets/demo/ft_all.ini --set solver.max_iter=N`"));
    free(g);
}

static void test_all_direct_between(void **state) {
    (void)state;
    FamGroup *g = group();
    put(g, FAM_SCRATCH, 0, 0.05);
    put(g, FAM_STAGE2, 0, 0.868);
    FamRun *ad = put(g, FAM_ALL_DIRECT, 0, 0.79);
    LessonResult *r = check(g, L3);
    assert_int_equal(r->state, LESSON_SHOWS);
    /* The smaller margin decides: 7.8 points under stage 2 are 3.61 SE. */
    assert_near(r->margin, lessons_margin(0.868, 600, 0.79, 600), 1e-12);
    assert_near(r->margin, 3.608, 1e-3);
    assert_string_equal(r->figures, "all at once 79.00% vs scratch 5.00%; stage 2 86.80% vs all "
                                    "at once 79.00%");
    /* Too close to stage 2. */
    ad->test = 0.85;
    assert_int_equal(check(g, L3)->state, LESSON_NOT_SHOWN);
    /* Not above scratch. */
    ad->test = 0.06;
    assert_int_equal(check(g, L3)->state, LESSON_NOT_SHOWN);
    /* Three runs, two of them missing: named in the tutorial's order. */
    g->slots[FAM_STAGE2].runs[0].found = 0;
    g->slots[FAM_SCRATCH].runs[0].found = 0;
    r = check(g, L3);
    assert_int_equal(r->state, LESSON_MISSING);
    assert_string_equal(r->missing_text, "stage 2; scratch");
    free(g);
}

static void test_bilinear(void **state) {
    (void)state;
    FamGroup *g = group();
    put(g, FAM_STAGE1, 0, 0.6767);
    put(g, FAM_NO_BILINEAR, 0, 0.6383); /* 3.84 points: 1.40 SE */
    LessonResult *r = check(g, L4);
    assert_int_equal(r->state, LESSON_NOT_SHOWN);
    assert_near(r->margin, lessons_margin(0.6767, 600, 0.6383, 600), 1e-12);
    assert_non_null(strstr(r->next, "`finelab lr-find presets/demo/no_bilinear.ini`"));
    g->slots[FAM_NO_BILINEAR].runs[0].test = 0.40;
    assert_int_equal(check(g, L4)->state, LESSON_SHOWS);
    free(g);
}

/* --- L5: resolution x dim ---------------------------------------------------------------- */

static int cell(int i, int j) { /* the place of resolution i, dim j */
    return 4 * i + j;
}

/* The README's figures (2026-12-01): 224 px over d, d 8192 over px. */
static FamGroup *res_dim_group(void) {
    FamGroup *g = group();
    const double at224[4] = {0.6767, 0.6683, 0.6717, 0.6600};
    for (int j = 0; j < 4; j++) put(g, FAM_RES_DIM, cell(0, j), at224[j]);
    put(g, FAM_RES_DIM, cell(1, 0), 0.6017);
    put(g, FAM_RES_DIM, cell(2, 0), 0.5383);
    return g;
}

static void test_res_dim_shows(void **state) {
    (void)state;
    FamGroup *g = res_dim_group();
    /* The six places the rule reads are there; the other six are not
     * needed. */
    LessonResult *r = check(g, L5);
    assert_int_equal(r->state, LESSON_SHOWS);
    assert_int_equal(r->n_missing, 0);
    assert_near(r->margin, lessons_margin(0.6767, 600, 0.5383, 600), 1e-12);
    assert_near(r->margin, 4.959, 1e-3);
    assert_string_equal(r->figures, "d 8192 over px: 67.67 / 60.17 / 53.83%; 224 px over d: "
                                    "67.67 / 66.83 / 67.17 / 66.00%");
    assert_string_equal(r->margins,
                        "224 px vs 112 px: +13.84 points, 5.0 SE (>= 2 SE); spread over d 1.67 "
                        "points vs over px 13.84 (<= half)");
    free(g);
}

static void test_res_dim_does_not_show(void **state) {
    (void)state;
    FamGroup *g = res_dim_group();
    /* d 1024 costs 12.7 points at 224 px, more than half of 13.84. */
    g->slots[FAM_RES_DIM].runs[cell(0, 3)].test = 0.55;
    LessonResult *r = check(g, L5);
    assert_int_equal(r->state, LESSON_NOT_SHOWN);
    assert_near(r->margin, 4.959, 1e-3); /* the resolution gap still shows */
    /* Or the resolutions within 2 SE of each other. */
    g->slots[FAM_RES_DIM].runs[cell(0, 3)].test = 0.66;
    g->slots[FAM_RES_DIM].runs[cell(2, 0)].test = 0.66;
    assert_int_equal(check(g, L5)->state, LESSON_NOT_SHOWN);
    free(g);
}

static void test_res_dim_runs_missing(void **state) {
    (void)state;
    FamGroup *g = res_dim_group();
    g->slots[FAM_RES_DIM].runs[cell(2, 0)].found = 0; /* 112 px at d 8192 */
    LessonResult *r = check(g, L5);
    assert_int_equal(r->state, LESSON_MISSING);
    assert_int_equal(r->n_missing, 1);
    assert_int_equal(r->missing[0].index, 8);
    assert_string_equal(r->missing[0].label, "data.resolution=112, model.bilinear_dim=8192");
    assert_string_equal(r->missing_text, "res x dim sweep: 1 run");
    assert_string_equal(r->next, "`finelab run presets/demo/res_dim_sweep.ini --sweep-index 8`");
    g->slots[FAM_RES_DIM].runs[cell(0, 2)].found = 0; /* 224 px at d 2048 */
    r = check(g, L5);
    assert_string_equal(r->missing_text, "res x dim sweep: 2 runs");
    assert_string_equal(
        r->next, "`for k in 2 8; do finelab run presets/demo/res_dim_sweep.ini --sweep-index $k; "
                 "done`");
    /* None at all: the six the rule reads are missing, and the command
     * names each. */
    for (int k = 0; k < 12; k++) g->slots[FAM_RES_DIM].runs[k].found = 0;
    r = check(g, L5);
    assert_int_equal(r->n_missing, 6);
    assert_string_equal(r->next,
                        "`for k in 0 1 2 3 4 8; do finelab run presets/demo/res_dim_sweep.ini "
                        "--sweep-index $k; done`");
    free(g);
}

/* --- L6: weight decay -------------------------------------------------------------------- */

static void test_weight_decay(void **state) {
    (void)state;
    FamGroup *g = group();
    put(g, FAM_WEIGHT_DECAY, 0, 0.6767);
    put(g, FAM_WEIGHT_DECAY, 1, 0.6767);
    FamRun *high = put(g, FAM_WEIGHT_DECAY, 2, 0.60);
    LessonResult *r = check(g, L6);
    assert_int_equal(r->state, LESSON_SHOWS);
    assert_near(r->margin, lessons_margin(0.6767, 600, 0.60, 600), 1e-12);
    assert_string_equal(r->figures, "wd 0 / 1e-05 / 0.001: 67.67 / 67.67 / 60.00%");
    assert_string_equal(r->margins, "0.001 below 0 by 2.8 SE (>= 1); 1e-05 off 0 by 0.0 SE (<= 1)");
    /* The README's 66.00% for 0.001: 1.67 points, 0.61 SE, does not show. */
    high->test = 0.66;
    assert_int_equal(check(g, L6)->state, LESSON_NOT_SHOWN);
    /* 0.00001 more than 1 SE off 0 (here above it): does not show. */
    high->test = 0.60;
    g->slots[FAM_WEIGHT_DECAY].runs[1].test = 0.72;
    assert_int_equal(check(g, L6)->state, LESSON_NOT_SHOWN);
    /* A combination missing: named, and the command runs only it. */
    high->found = 0;
    r = check(g, L6);
    assert_int_equal(r->state, LESSON_MISSING);
    assert_string_equal(r->next,
                        "`finelab run presets/demo/weight_decay_sweep.ini --sweep-index 2`");
    /* All missing: the whole sweep. */
    g->slots[FAM_WEIGHT_DECAY].runs[0].found = g->slots[FAM_WEIGHT_DECAY].runs[1].found = 0;
    r = check(g, L6);
    assert_string_equal(r->missing_text, "weight-decay sweep: 3 runs");
    assert_string_equal(r->next, "`finelab run presets/demo/weight_decay_sweep.ini`");
    free(g);
}

/* --- families and wall time -------------------------------------------------------------- */

static void test_family_of_a_lesson(void **state) {
    (void)state;
    FamGroup *demo = group(), *cub = group();
    cub->family = FAMILY_CUB;
    snprintf(cub->presets_dir, sizeof cub->presets_dir, "presets/cub");
    cub->slots[FAM_SCRATCH].n = 0; /* cub has no scratch preset */
    const FamGroup *both[FAMILY_COUNT] = {demo, cub};
    for (int i = 0; i < LESSON_COUNT; i++)
        assert_int_equal(lessons_family(lessons_get(i), both), FAMILY_DEMO);
    put(cub, FAM_STAGE1, 0, 0.745);
    assert_int_equal(lessons_family(lessons_get(L0), both), FAMILY_CUB);
    assert_int_equal(lessons_family(lessons_get(L4), both), FAMILY_CUB);
    assert_int_equal(lessons_family(lessons_get(L5), both), FAMILY_DEMO);
    const FamGroup *no_cub[FAMILY_COUNT] = {demo, NULL};
    assert_int_equal(lessons_family(lessons_get(L0), no_cub), FAMILY_DEMO);
    LessonResult out[LESSON_COUNT];
    lessons_run(both, out);
    assert_int_equal(out[L0].family, FAMILY_CUB);
    assert_int_equal(out[L0].state, LESSON_MISSING);
    assert_string_equal(out[L0].missing_text, "scratch (presets/cub has no scratch.ini)");
    assert_string_equal(out[L0].next, "nothing to run: presets/cub has no scratch.ini");
    assert_int_equal(out[L2].family, FAMILY_CUB);
    assert_string_equal(out[L2].next, "`finelab run presets/cub/ft_all.ini`");
    free(demo);
    free(cub);
}

static void test_wall_time(void **state) {
    (void)state;
    FamGroup *g = group();
    put(g, FAM_STAGE1, 0, 0.7)->seconds = 600;
    put(g, FAM_STAGE2, 0, 0.8)->seconds = 1200;
    char line[256];
    lessons_wall_time(g, line, sizeof line);
    assert_string_equal(line, "wall time 30m 00s against the 30-minute budget");
    put(g, FAM_SCRATCH, 0, 0.05)->seconds = 0;
    put(g, FAM_NO_BILINEAR, 0, 0.6)->seconds = 48;
    lessons_wall_time(g, line, sizeof line);
    assert_string_equal(line, "wall time 30m 48s against the 30-minute budget (over it) (1 of 4 "
                              "runs without a recorded time)");
    g->family = FAMILY_CUB;
    g->slots[FAM_STAGE2].runs[0].seconds = 7200;
    lessons_wall_time(g, line, sizeof line);
    assert_string_equal(line, "wall time 2h 10m (1 of 4 runs without a recorded time)");
    free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_se_by_hand),
        cmocka_unit_test(test_table_in_the_tutorials_order),
        cmocka_unit_test(test_transfer_shows),
        cmocka_unit_test(test_transfer_does_not_show),
        cmocka_unit_test(test_transfer_runs_missing),
        cmocka_unit_test(test_missing_runs_on_another_dataset),
        cmocka_unit_test(test_overfit),
        cmocka_unit_test(test_stage2),
        cmocka_unit_test(test_all_direct_between),
        cmocka_unit_test(test_bilinear),
        cmocka_unit_test(test_res_dim_shows),
        cmocka_unit_test(test_res_dim_does_not_show),
        cmocka_unit_test(test_res_dim_runs_missing),
        cmocka_unit_test(test_weight_decay),
        cmocka_unit_test(test_family_of_a_lesson),
        cmocka_unit_test(test_wall_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
