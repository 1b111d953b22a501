/*
 * test_sweep — a preset's [sweep] through sweep.h itself (src/preset/sweep.c):
 * lists, choice(...) and ranges added key by key with the exact reason a
 * bad one is refused (and the sweep left as it was), finding and removing
 * keys, the settings and the rules between them (with the setting or key
 * at fault), the [sweep] text, and the presets a grid and a draw expand to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/strbuf.h"
#include "src/preset/sweep.h"
#include "tests/lib/testutil.h"

static const SchemaKey *key(const char *dotted) {
    const SchemaKey *k = schema_find_dotted(dotted);
    if (!k) fail_msg("%s: not a preset key", dotted);
    return k;
}

/* sweep_add of list for key dotted; *msg gets the reason (NULL: added). */
static const char *add(PresetSweep *sw, const char *dotted, const char *list, char *msg,
                       size_t cap) {
    Preset *scratch = malloc(sizeof *scratch);
    assert_non_null(scratch);
    preset_defaults(scratch);
    const char *why = sweep_add(sw, key(dotted), list, scratch, msg, cap);
    free(scratch);
    return why;
}

static void add_ok(PresetSweep *sw, const char *dotted, const char *list) {
    char msg[256];
    if (add(sw, dotted, list, msg, sizeof msg)) fail_msg("%s = %s: %s", dotted, list, msg);
}

/* Fails unless list is refused for dotted with exactly want, sw's keys
 * as they were. */
static void add_refused(PresetSweep *sw, const char *dotted, const char *list, const char *want) {
    char msg[256];
    int before = sw->n_keys;
    const char *why = add(sw, dotted, list, msg, sizeof msg);
    if (!why) fail_msg("%s = %s: accepted", dotted, list);
    if (strcmp(why, want) != 0) fail_msg("%s = %s: '%s', want '%s'", dotted, list, why, want);
    assert_int_equal(sw->n_keys, before);
}

/* Fails unless sweep_format writes exactly want ("": nothing). */
static void expect_format(const PresetSweep *sw, const char *want) {
    StrBuf t = {0};
    sweep_format(sw, &t);
    assert_false(t.failed);
    assert_string_equal(t.s ? t.s : "", want);
    free(strbuf_take(&t));
}

static void test_sweep_defaults(void **state) {
    (void)state;
    PresetSweep sw;
    memset(&sw, 0x5a, sizeof sw);
    sweep_defaults(&sw);
    /* No keys, grid, no samples, seed 1, no min_iter, eta 3; all else 0
     * (static: its padding is zero too, as sweep_defaults' memset). */
    static const PresetSweep want = {.strategy = SWEEP_GRID, .seed = 1, .eta = 3};
    assert_memory_equal(&sw, &want, sizeof sw);
    int which = 99;
    char msg[128];
    assert_null(sweep_check(&sw, &which, msg, sizeof msg));
    expect_format(&sw, ""); /* a concrete preset has no [sweep] */
}

static void test_sweep_add_lists(void **state) {
    (void)state;
    PresetSweep sw;
    sweep_defaults(&sw);
    add_ok(&sw, "data.resolution", " 448 ,336,  224 ");
    add_ok(&sw, "solver.stepvalue", "(100, 200), (300 400)"); /* one outer pair removed */
    add_ok(&sw, "model.bilinear_dim", "choice(8192, 1024)");  /* the list 8192, 1024 */
    assert_int_equal(sw.n_keys, 3);
    const SweepKey *res = &sw.keys[0], *steps = &sw.keys[1], *dim = &sw.keys[2];
    assert_int_equal(res->key, schema_index(key("data.resolution")));
    assert_int_equal(res->dist, SWEEP_LIST);
    assert_int_equal(res->n_values, 3);
    assert_string_equal(res->values[0], "448");
    assert_string_equal(res->values[2], "224");
    assert_int_equal(steps->n_values, 2);
    assert_string_equal(steps->values[0], "100, 200");
    assert_string_equal(steps->values[1], "300 400");
    assert_int_equal(dim->n_values, 2);
    assert_string_equal(dim->values[1], "1024");
}

static void test_sweep_add_refuses(void **state) {
    (void)state;
    PresetSweep sw;
    sweep_defaults(&sw);
    add_ok(&sw, "data.resolution", "448, 224");
    add_refused(&sw, "model.bilinear_dim", "1,,2", "an empty value in the list (got '1,,2')");
    add_refused(&sw, "model.bilinear_dim", "1024, ", "an empty value in the list (got '1024, ')");
    add_refused(&sw, "solver.stepvalue", "(1, 2", "a '(' without its ')' (got '(1, 2')");
    add_refused(&sw, "solver.stepvalue", "1), 2", "a ')' without its '(' (got '1), 2')");
    add_refused(&sw, "model.bilinear_dim", "1024, 8", /* the key's own message */
                "expects a whole number from 16 to 65536 (got '8')");
    add_refused(&sw, "model.bilinear_dim", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
                "17 values; a sweep takes at most 16 per key");
    char name[400];
    memset(name, 'n', 300);
    name[300] = '\0';
    add_refused(&sw, "experiment.name", name, "a value is longer than 255 characters");
    assert_int_equal(sw.n_keys, 1); /* the first key is still there */
    assert_int_equal(sw.keys[0].n_values, 2);
}

static void test_sweep_add_limits(void **state) {
    (void)state;
    PresetSweep sw;
    sweep_defaults(&sw);
    /* 16 x 16 = 256 combinations fit; a third key of 16 makes 4096 > 1024. */
    const char *sixteen = "16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31";
    add_ok(&sw, "model.bilinear_dim", sixteen);
    add_ok(&sw, "data.resolution", "32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47");
    add_refused(&sw, "solver.max_iter", sixteen,
                "the sweep would expand to more than 1024 presets");
    add_ok(&sw, "solver.max_iter", "1, 2, 3, 4"); /* 256 x 4 = 1024: exactly the most */
    Preset *p = malloc(sizeof *p);
    assert_non_null(p);
    preset_defaults(p);
    p->sweep = sw;
    assert_int_equal(preset_sweep_count(p), 1024);
    free(p);
    /* At most 8 keys: five more single values make 8, the ninth is refused. */
    static const char *const more[5][2] = {{"solver.batch_size", "1"},
                                           {"solver.display", "1"},
                                           {"solver.test_iter", "1"},
                                           {"solver.momentum", "0.5"},
                                           {"solver.gamma", "0.5"}};
    for (int i = 0; i < 5; i++) add_ok(&sw, more[i][0], more[i][1]);
    assert_int_equal(sw.n_keys, 8);
    add_refused(&sw, "solver.base_lr", "0.1", "a sweep takes at most 8 keys");
}

static void test_sweep_add_ranges(void **state) {
    (void)state;
    PresetSweep sw;
    sweep_defaults(&sw);
    add_ok(&sw, "solver.base_lr", "loguniform(1e-4, 1e-1)");
    const SweepKey *lr = &sw.keys[0];
    assert_int_equal(lr->dist, SWEEP_LOGUNIFORM);
    assert_int_equal(lr->n_values, 1);
    assert_true(lr->lo == 1e-4 && lr->hi == 1e-1);
    assert_string_equal(lr->values[0], "loguniform(1e-4, 1e-1)"); /* as written */
    add_ok(&sw, "data.resolution", "uniform(224, 448)");
    assert_int_equal(sw.keys[1].dist, SWEEP_UNIFORM);
    add_refused(&sw, "solver.lr_policy", "uniform(1, 2)",
                "a range needs a number key (this one takes words: use choice(...))");
    add_refused(&sw, "experiment.name", "uniform(1, 2)",
                "a range needs a number key (this one takes no single number)");
    add_refused(&sw, "solver.base_lr", "uniform(1, 200)", /* base_lr is at most 100 */
                "the range's high end: expects a number > 0 and <= 100 (got '200')");
    add_refused(&sw, "data.resolution", "uniform(16, 64)",
                "the range's low end: expects a whole number from 32 to 4096 (got '16')");
    add_refused(&sw, "solver.base_lr", "uniform(2, 1)",
                "a range needs low < high (got 'uniform(2, 1)')");
}

static void test_sweep_find_and_remove(void **state) {
    (void)state;
    PresetSweep sw;
    sweep_defaults(&sw);
    add_ok(&sw, "data.resolution", "448, 224");
    add_ok(&sw, "model.bilinear_dim", "8192, 1024");
    add_ok(&sw, "solver.base_lr", "0.1, 0.01, 0.001");
    int res = schema_index(key("data.resolution")), dim = schema_index(key("model.bilinear_dim")),
        lr = schema_index(key("solver.base_lr"));
    assert_int_equal(sweep_find(&sw, res), 0);
    assert_int_equal(sweep_find(&sw, lr), 2);
    assert_int_equal(sweep_find(&sw, schema_index(key("solver.max_iter"))), -1);
    sweep_remove(&sw, 1); /* the middle: the last moves up */
    assert_int_equal(sw.n_keys, 2);
    assert_int_equal(sweep_find(&sw, dim), -1);
    assert_int_equal(sweep_find(&sw, lr), 1);
    assert_int_equal(sw.keys[1].n_values, 3);
    assert_string_equal(sw.keys[1].values[2], "0.001");
    sweep_remove(&sw, 1); /* the last */
    sweep_remove(&sw, 0);
    assert_int_equal(sw.n_keys, 0);
}

static void test_sweep_settings(void **state) {
    (void)state;
    static const char *const names[] = {"strategy", "samples", "seed",
                                        "min_iter", "eta",     "sampler"};
    for (int i = 0; i < SWEEP_SETTINGS; i++) {
        assert_int_equal(sweep_setting_find(names[i]), i);
        assert_string_equal(sweep_setting_name(i), names[i]);
    }
    assert_int_equal(sweep_setting_find("Strategy"), -1); /* names are exact */
    assert_int_equal(sweep_setting_find("base_lr"), -1);
    assert_string_equal(sweep_setting_name(-1), "?");
    assert_string_equal(sweep_setting_name(SWEEP_SETTINGS), "?");
    assert_string_equal(preset_sweep_strategy_name(SWEEP_HALVING), "halving");
    assert_string_equal(preset_sweep_strategy_name(SWEEP_ASHA), "asha");
    assert_string_equal(preset_sweep_strategy_name(4), "unknown");
    assert_string_equal(preset_sweep_sampler_name(SAMPLER_TPE), "tpe");
    assert_string_equal(preset_sweep_sampler_name(2), "unknown");
    assert_string_equal(preset_sweep_strategy_name(-1), "unknown");

    static const struct {
        int setting;
        const char *text, *error; /* error NULL: accepted */
    } cases[] = {
        {SWEEP_SET_STRATEGY, "Random", NULL},
        {SWEEP_SET_STRATEGY, "best", "expects grid, random, halving or asha (got 'best')"},
        {SWEEP_SET_SAMPLER, "TPE", NULL},
        {SWEEP_SET_SAMPLER, "cmaes", "expects random or tpe (got 'cmaes')"},
        {SWEEP_SET_SAMPLES, "1024", NULL},
        {SWEEP_SET_SAMPLES, "0", "expects a whole number from 1 to 1024 (got '0')"},
        {SWEEP_SET_SAMPLES, "1025", "expects a whole number from 1 to 1024 (got '1025')"},
        {SWEEP_SET_SEED, "0", NULL},
        {SWEEP_SET_SEED, "-1", "expects a whole number from 0 to 2147483647 (got '-1')"},
        {SWEEP_SET_SEED, "12x", "expects a whole number from 0 to 2147483647 (got '12x')"},
        {SWEEP_SET_SEED, "", "expects a whole number from 0 to 2147483647 (got '')"},
        {SWEEP_SET_MIN_ITER, "100000000 ", NULL}, /* trailing space is allowed */
        {SWEEP_SET_MIN_ITER, "100000001",
         "expects a whole number from 1 to 100000000 (got '100000001')"},
        {SWEEP_SET_ETA, "2", NULL},
        {SWEEP_SET_ETA, "1", "expects a whole number from 2 to 100 (got '1')"},
    };
    PresetSweep sw;
    sweep_defaults(&sw);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[128];
        PresetSweep before = sw;
        const char *why = sweep_setting_set(&sw, cases[i].setting, cases[i].text, msg, sizeof msg);
        if (!cases[i].error != !why || (why && strcmp(why, cases[i].error) != 0))
            fail_msg("%s = '%s': '%s', want '%s'", names[cases[i].setting], cases[i].text,
                     why ? why : "(accepted)", cases[i].error ? cases[i].error : "(accepted)");
        if (why) assert_memory_equal(&before, &sw, sizeof sw); /* refused: unchanged */
    }
    assert_int_equal(sw.strategy, SWEEP_RANDOM);
    assert_int_equal(sw.samples, 1024);
    assert_int_equal(sw.seed, 0);
    assert_int_equal(sw.min_iter, 100000000);
    assert_int_equal(sw.eta, 2);
    assert_int_equal(sw.sampler, SAMPLER_TPE);
}

static void test_sweep_check_rules(void **state) {
    (void)state;
    static const struct {
        int strategy, samples, min_iter, eta, range; /* range: a drawn key */
        int sampler;
        int which;
        const char *error;
    } cases[] = {
        {SWEEP_RANDOM, 0, 0, 3, 0, 0, -1 - SWEEP_SET_STRATEGY,
         "sweep.strategy: random needs samples (how many draws)"},
        {SWEEP_ASHA, 0, 10, 3, 0, 0, -1 - SWEEP_SET_STRATEGY,
         "sweep.strategy: asha needs samples (how many trials at most)"},
        {SWEEP_GRID, 4, 0, 3, 0, 0, -1 - SWEEP_SET_SAMPLES,
         "sweep.samples: only strategy random, halving or asha draws samples"},
        {SWEEP_GRID, 0, 100, 3, 0, 0, -1 - SWEEP_SET_MIN_ITER,
         "sweep.min_iter: only strategy = halving or asha uses it"},
        {SWEEP_RANDOM, 5, 0, 4, 0, 0, -1 - SWEEP_SET_ETA,
         "sweep.eta: only strategy = halving or asha uses it"},
        {SWEEP_HALVING, 0, 0, 3, 0, 0, -1 - SWEEP_SET_STRATEGY,
         "sweep.min_iter: strategy = halving needs min_iter (the first rung)"},
        {SWEEP_ASHA, 8, 0, 3, 0, 0, -1 - SWEEP_SET_STRATEGY,
         "sweep.min_iter: strategy = asha needs min_iter (the first rung)"},
        {SWEEP_RANDOM, 5, 0, 3, 1, SAMPLER_TPE, -1 - SWEEP_SET_SAMPLER,
         "sweep.sampler: tpe draws each trial from the ones before it: it needs strategy = asha"},
        {SWEEP_GRID, 0, 0, 3, 1, 0, 1,
         "sweep.solver.base_lr: a range (uniform(0.01, 0.1)) is drawn from: it needs strategy = "
         "random or asha, or halving with samples"},
        {SWEEP_HALVING, 0, 100, 3, 1, 0, 1,
         "sweep.solver.base_lr: a range (uniform(0.01, 0.1)) is drawn from: it needs strategy = "
         "random or asha, or halving with samples"},
        {SWEEP_RANDOM, 5, 0, 3, 1, 0, 0, NULL},
        {SWEEP_HALVING, 5, 100, 2, 1, 0, 0, NULL},
        {SWEEP_HALVING, 0, 100, 3, 0, 0, 0, NULL},
        {SWEEP_ASHA, 20, 10, 3, 1, SAMPLER_TPE, 0, NULL},
        {SWEEP_ASHA, 20, 10, 2, 1, SAMPLER_RANDOM, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        PresetSweep sw;
        sweep_defaults(&sw);
        add_ok(&sw, "data.resolution", "448, 224");
        if (cases[i].range) add_ok(&sw, "solver.base_lr", "uniform(0.01, 0.1)");
        sw.strategy = cases[i].strategy;
        sw.samples = cases[i].samples;
        sw.min_iter = cases[i].min_iter;
        sw.eta = cases[i].eta;
        sw.sampler = cases[i].sampler;
        int which = 99;
        char msg[256];
        const char *why = sweep_check(&sw, &which, msg, sizeof msg);
        if (!cases[i].error != !why || (why && strcmp(why, cases[i].error) != 0))
            fail_msg("case %zu: '%s', want '%s'", i, why ? why : "(fine)",
                     cases[i].error ? cases[i].error : "(fine)");
        if (why) assert_int_equal(which, cases[i].which);
    }
}

static void test_sweep_format(void **state) {
    (void)state;
    PresetSweep sw;
    sweep_defaults(&sw);
    add_ok(&sw, "data.resolution", "448, 224");
    add_ok(&sw, "solver.stepvalue", "(100, 200), 300");
    /* A grid: no settings at their defaults; a value with a comma grouped. */
    expect_format(&sw, "\n[sweep]\ndata.resolution = 448, 224\n"
                       "solver.stepvalue = (100, 200), 300\n");
    sw.seed = 7; /* a seed away from 1 is written even without samples */
    expect_format(&sw, "\n[sweep]\nseed = 7\ndata.resolution = 448, 224\n"
                       "solver.stepvalue = (100, 200), 300\n");
    sweep_defaults(&sw);
    sw.strategy = SWEEP_HALVING;
    sw.samples = 6;
    sw.min_iter = 200;
    sw.eta = 2;
    add_ok(&sw, "solver.base_lr", "loguniform(1e-4, 1e-1)"); /* a range is not grouped */
    expect_format(&sw, "\n[sweep]\nstrategy = halving\nsamples = 6\nseed = 1\nmin_iter = 200\n"
                       "eta = 2\nsolver.base_lr = loguniform(1e-4, 1e-1)\n");
    sw.strategy = SWEEP_ASHA; /* the sampler after the rungs, when it is not random */
    sw.sampler = SAMPLER_TPE;
    expect_format(&sw, "\n[sweep]\nstrategy = asha\nsamples = 6\nseed = 1\nmin_iter = 200\n"
                       "eta = 2\nsampler = tpe\nsolver.base_lr = loguniform(1e-4, 1e-1)\n");
    sw.keys[0].key = -5; /* not a schema key */
    StrBuf t = {0};
    sweep_format(&sw, &t);
    assert_true(t.failed);
    free(strbuf_take(&t));
}

/* A default preset with sw as its [sweep] (heap; the caller frees it). */
static Preset *swept(const PresetSweep *sw) {
    Preset *p = malloc(sizeof *p);
    assert_non_null(p);
    preset_defaults(p);
    p->sweep = *sw;
    return p;
}

static void test_sweep_grid_items(void **state) {
    (void)state;
    PresetSweep sw;
    sweep_defaults(&sw);
    add_ok(&sw, "data.resolution", "448, 224");
    add_ok(&sw, "solver.stepvalue", "(100, 200), 300, none");
    Preset *p = swept(&sw), *out = malloc(sizeof *out);
    assert_non_null(out);
    assert_int_equal(preset_sweep_drawn(p), 0);
    assert_int_equal(preset_sweep_count(p), 6); /* 2 x 3 */
    /* The last key varies fastest: item i is resolution i / 3, steps i % 3. */
    static const char *const labels[6] = {
        "data.resolution=448, solver.stepvalue=(100, 200)",
        "data.resolution=448, solver.stepvalue=300",
        "data.resolution=448, solver.stepvalue=none",
        "data.resolution=224, solver.stepvalue=(100, 200)",
        "data.resolution=224, solver.stepvalue=300",
        "data.resolution=224, solver.stepvalue=none",
    };
    static const int res[2] = {448, 224}, n_steps[3] = {2, 1, 0};
    for (int i = 0; i < 6; i++) {
        char label[128];
        Error err = {0};
        assert_int_equal(preset_sweep_item(p, i, out, label, sizeof label, &err), ST_OK);
        assert_string_equal(label, labels[i]);
        assert_int_equal(out->data.resolution, res[i / 3]);
        assert_int_equal(out->solver.n_stepvalue, n_steps[i % 3]);
        assert_int_equal(out->sweep.n_keys, 0); /* an item is concrete */
        assert_int_equal(out->sweep.strategy, SWEEP_GRID);
        assert_int_equal(out->solver.max_iter, p->solver.max_iter); /* the rest as p */
    }
    Error err = {0};
    assert_int_equal(preset_sweep_item(p, 6, out, NULL, 0, &err), ST_ARG);
    assert_string_equal(err.msg, "sweep item 6 does not exist (the sweep has 6)");
    assert_int_equal(preset_sweep_item(p, -1, out, NULL, 0, &err), ST_ARG);
    /* A short label buffer is cut, not overrun; in place (out == p) works. */
    char label[12];
    assert_int_equal(preset_sweep_item(p, 4, p, label, sizeof label, &err), ST_OK);
    assert_string_equal(label, "data.resolu");
    assert_int_equal(p->data.resolution, 224);
    assert_int_equal(p->solver.n_stepvalue, 1);
    assert_int_equal(preset_sweep_count(p), 1); /* p is now the concrete item */
    free(p);
    free(out);
}

static void test_sweep_drawn_items(void **state) {
    (void)state;
    PresetSweep sw;
    sweep_defaults(&sw);
    sw.strategy = SWEEP_RANDOM;
    sw.samples = 5;
    add_ok(&sw, "solver.base_lr", "loguniform(1e-4, 1e-1)");
    add_ok(&sw, "data.resolution", "uniform(224, 448)");
    Preset *p = swept(&sw), *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    assert_true(a && b);
    assert_int_equal(preset_sweep_drawn(p), 1);
    assert_int_equal(preset_sweep_count(p), 5); /* samples, not combinations */
    for (int i = 0; i < 5; i++) {
        char la[128], lb[128];
        Error err = {0};
        assert_int_equal(preset_sweep_item(p, i, a, la, sizeof la, &err), ST_OK);
        assert_int_equal(preset_sweep_item(p, i, b, lb, sizeof lb, &err), ST_OK);
        assert_string_equal(la, lb); /* a draw is a function of (seed, i) */
        assert_true(a->solver.base_lr >= 1e-4 && a->solver.base_lr <= 1e-1);
        assert_true(a->data.resolution >= 224 && a->data.resolution <= 448);
        char back[32];
        snprintf(back, sizeof back, "%.4g", a->solver.base_lr); /* 4 significant digits */
        assert_true(strtod(back, NULL) == a->solver.base_lr);
        assert_non_null(strstr(la, "solver.base_lr="));
        assert_non_null(strstr(la, ", data.resolution="));
    }
    Error err = {0};
    assert_int_equal(preset_sweep_item(p, 5, a, NULL, 0, &err), ST_ARG);
    /* halving with samples draws too; without, it walks the grid. */
    p->sweep.strategy = SWEEP_HALVING;
    assert_int_equal(preset_sweep_drawn(p), 1);
    p->sweep.samples = 0;
    assert_int_equal(preset_sweep_drawn(p), 0);
    free(p);
    free(a);
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_defaults),    cmocka_unit_test(test_sweep_add_lists),
        cmocka_unit_test(test_sweep_add_refuses), cmocka_unit_test(test_sweep_add_limits),
        cmocka_unit_test(test_sweep_add_ranges),  cmocka_unit_test(test_sweep_find_and_remove),
        cmocka_unit_test(test_sweep_settings),    cmocka_unit_test(test_sweep_check_rules),
        cmocka_unit_test(test_sweep_format),      cmocka_unit_test(test_sweep_grid_items),
        cmocka_unit_test(test_sweep_drawn_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
