/*
 * test_preset — presets and their schema: defaults, the tutorial's presets
 * from tests/fixtures/presets/, every malformed fixture (each must fail with
 * the exact "file:line: section.key" prefix listed here), --set assignments,
 * the cross-key rules, sweeps, and format -> parse giving back the same
 * Preset field by field.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/io/fileio.h"
#include "engine/train/solver.h"
#include "src/preset/preset.h"
#include "src/preset/schema.h"
#include "tests/lib/testpreset.h"
#include "tests/lib/testutil.h"

/* Fixtures live in tests/fixtures/; tests run from the repository root. */
static void fixture(char *buf, size_t cap, const char *name) {
    snprintf(buf, cap, "tests/fixtures/presets/%s", name);
}

/* Fails unless a and b hold the same value for every schema key. */
static void assert_same_preset(const Preset *a, const Preset *b) {
    for (int i = 0; i < schema_count(); i++) {
        const SchemaKey *k = schema_at(i);
        const char *fa = (const char *)a + k->offset, *fb = (const char *)b + k->offset;
        if (k->type == SCHEMA_STRING || k->type == SCHEMA_PATH) {
            assert_string_equal(fa, fb);
        } else if (k->type == SCHEMA_INT_LIST) {
            int na = *(const int *)((const char *)a + k->count_offset);
            int nb = *(const int *)((const char *)b + k->count_offset);
            assert_int_equal(na, nb);
            assert_memory_equal(fa, fb, sizeof(int) * (size_t)na);
        } else if (memcmp(fa, fb, k->size) != 0) {
            fail_msg("%s.%s differs", k->section, k->key);
        }
    }
    assert_int_equal(a->sweep.n_keys, b->sweep.n_keys);
    for (int j = 0; j < a->sweep.n_keys; j++) {
        assert_int_equal(a->sweep.keys[j].key, b->sweep.keys[j].key);
        assert_int_equal(a->sweep.keys[j].n_values, b->sweep.keys[j].n_values);
        for (int v = 0; v < a->sweep.keys[j].n_values; v++)
            assert_string_equal(a->sweep.keys[j].values[v], b->sweep.keys[j].values[v]);
    }
}

static void test_preset_defaults(void **state) {
    (void)state;
    Preset p;
    preset_defaults(&p);
    static const char *const defaults[] = {
        "experiment.name=",
        "experiment.threads=2",
        "data.dataset=data/CUB_200_2011",
        "data.format=auto",
        "data.split=random:0.9",
        "data.split_seed=1",
        "data.resize=auto",
        "data.resolution=448",
        "data.train_crop=random",
        "data.mirror=true",
        "data.mean=103.939, 116.779, 123.68",
        "data.std=1, 1, 1",
        "data.scale=1",
        "data.channel_order=bgr",
        "data.on_bad_image=fail",
        "model.backbone=vgg16",
        "model.weights=none",
        "model.pooling=compact_ts",
        "model.bilinear_dim=8192",
        "model.num_classes=0",
        "model.init=default",
        "model.init_std=0.001",
        "transfer.mode=last_layer",
        "transfer.bias_lr_mult=2",
        "transfer.bias_decay_mult=0",
        "transfer.feature_cache=auto",
        "solver.base_lr=0.01",
        "solver.gamma=0.1",
        "solver.momentum=0.9",
        "solver.weight_decay=0.0005",
        "solver.clip_gradients=-1",
        "solver.lr_policy=fixed",
        "solver.stepvalue=none",
        "solver.regularization_type=L2",
        "solver.max_iter=1000",
        "solver.test_interval=100",
        "solver.test_initialization=true",
    };
    testpreset_expect(&p, defaults, sizeof defaults / sizeof defaults[0]);
    /* What the text does not show: the fields behind it. */
    assert_true(fabs(p.data.train_fraction - 0.9) < 1e-12);
    assert_int_equal(p.data.resize, -1); /* auto */
    assert_int_equal(preset_resize(&p), 512);
    assert_int_equal(p.solver.n_stepvalue, 0);
    assert_int_equal(p.sweep.n_keys, 0);
    assert_int_equal(preset_sweep_count(&p), 1);
    Error err = {0};
    assert_int_equal(preset_validate(&p, &err), ST_OK);
}

/* Every default and every TUI suggestion is a value the key accepts, and the
 * lookups agree with the table. */
static void test_preset_schema_table(void **state) {
    (void)state;
    Preset *p = malloc(sizeof *p);
    assert_non_null(p);
    preset_defaults(p);
    int per_section = 0;
    for (int s = 0; schema_section(s); s++)
        for (const SchemaKey *k = schema_next(schema_section(s), NULL); k;
             k = schema_next(schema_section(s), k))
            per_section++;
    assert_int_equal(per_section, schema_count());
    for (int i = 0; i < schema_count(); i++) {
        const SchemaKey *k = schema_at(i);
        char dotted[96], text[2048];
        Error err = {0};
        snprintf(dotted, sizeof dotted, "%s.%s", k->section, k->key);
        assert_ptr_equal(schema_find(k->section, k->key), k);
        assert_ptr_equal(schema_find_dotted(dotted), k);
        assert_true(k->offset + k->size <= sizeof(Preset));
        assert_non_null(k->help);
        for (int j = 0; schema_suggestion(k, j); j++)
            if (schema_parse(k, schema_suggestion(k, j), p, 0, &err))
                fail_msg("%s suggestion '%s': %s", dotted, schema_suggestion(k, j), err.msg);
        assert_int_equal(schema_parse(k, k->def, p, 0, &err), ST_OK);
        assert_true(schema_format(k, p, text, sizeof text) >= 0);
    }
    assert_null(schema_find("solver", "nope"));
    assert_null(schema_find_dotted("base_lr"));
    assert_string_equal(schema_suggestion(schema_find("data", "mirror"), 1), "false");
    assert_null(schema_suggestion(schema_find("data", "mirror"), 2));
    assert_string_equal(schema_suggestion(schema_find("data", "resolution"), 0), "224");
    assert_string_equal(schema_closest_section("solvr"), "solver");
    assert_null(schema_closest_section("zzzzzzzz"));
    free(p);
}

static void test_preset_ft_last_layer(void **state) {
    (void)state;
    char path[512];
    fixture(path, sizeof path, "ft_last_layer.ini");
    Preset p;
    Error err = {0};
    assert_int_equal(preset_load(&p, path, &err), ST_OK);
    assert_string_equal(err.msg, "");
    assert_string_equal(p.source, path);
    assert_string_equal(p.experiment.name, "ft_last_layer");
    assert_string_equal(p.experiment.description,
                        "frozen backbone, classifier only (tutorial stage 1)");
    assert_string_equal(p.model.weights, "models/vgg16.safetensors");
    assert_int_equal(p.transfer.mode, TRANSFER_LAST_LAYER);
    testpreset_expect_stage1_solver(&p);
    int steps[] = {20000, 30000, 40000, 50000};
    assert_memory_equal(p.solver.stepvalue, steps, sizeof steps);
    assert_int_equal(p.solver.batch_size, 8); /* untouched keys keep defaults */
    assert_int_equal(preset_sweep_count(&p), 1);
    assert_int_equal(preset_validate(&p, &err), ST_OK);
}

static void test_preset_sweep_expands_in_order(void **state) {
    (void)state;
    char path[512];
    fixture(path, sizeof path, "sweep_resolution_dim.ini");
    Preset *p = malloc(sizeof *p), *item = malloc(sizeof *item);
    assert_non_null(p);
    assert_non_null(item);
    Error err = {0};
    assert_int_equal(preset_load(p, path, &err), ST_OK);
    assert_string_equal(p->experiment.name, "resolution_x_dim");
    assert_int_equal(p->sweep.n_keys, 2);
    assert_int_equal(preset_sweep_count(p), 12);
    const int res[] = {448, 336, 224}, dim[] = {8192, 4096, 2048, 1024};
    for (int i = 0; i < 12; i++) {
        char label[256], want[256];
        assert_int_equal(preset_sweep_item(p, i, item, label, sizeof label, &err), ST_OK);
        assert_int_equal(item->data.resolution, res[i / 4]);
        assert_int_equal(item->model.bilinear_dim, dim[i % 4]);
        assert_int_equal(item->data.resize, -1); /* auto follows the resolution */
        assert_int_equal(preset_resize(item), res[i / 4] * 8 / 7);
        assert_int_equal(item->sweep.n_keys, 0);
        snprintf(want, sizeof want, "data.resolution=%d, model.bilinear_dim=%d", res[i / 4],
                 dim[i % 4]);
        assert_string_equal(label, want);
    }
    assert_int_equal(preset_sweep_item(p, 12, item, NULL, 0, &err), ST_ARG);
    assert_int_equal(preset_validate(p, &err), ST_OK);
    /* A sweep item that breaks a cross-key rule is named. */
    assert_int_equal(preset_set(p, "data.resize=400", &err), ST_OK);
    assert_int_equal(preset_validate(p, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "data.resize: 400 is smaller than data.resolution 448"));
    assert_non_null(strstr(err.msg, "sweep item 1: data.resolution=448, model.bilinear_dim=8192"));
    /* Sweep values in parentheses hold lists; the sweep text round-trips. */
    assert_int_equal(preset_set(p, "sweep.data.mean=(0, 0, 0), 1 2 3", &err), ST_OK);
    assert_int_equal(preset_sweep_count(p), 24);
    assert_int_equal(preset_sweep_item(p, 1, item, NULL, 0, &err), ST_OK);
    assert_true(item->data.mean[0] == 1.0f && item->data.mean[2] == 3.0f);
    char label[256];
    assert_int_equal(preset_sweep_item(p, 0, item, label, sizeof label, &err), ST_OK);
    assert_non_null(strstr(label, ", data.mean=(0, 0, 0)"));
    char *text = preset_format_sweep(p);
    assert_non_null(text);
    if (preset_parse(item, text, path, &err)) fail_msg("%s\n%s", err.msg, text);
    assert_same_preset(p, item);
    free(text);
    free(p);
    free(item);
}

/* Each malformed fixture, the exact "file:line: what" prefix of its error,
 * and a fragment of the explanation. */
static const struct {
    const char *file, *where, *fragment;
} bad[] = {
    {"bad_unknown_section.ini", "4: [solvr]: ", "unknown section (did you mean [solver]?)"},
    {"bad_unknown_key.ini", "3: solver.base_rl: ", "unknown key (did you mean solver.base_lr?)"},
    {"bad_key_wrong_section.ini", "2: data.base_lr: ", "did you mean solver.base_lr?"},
    {"bad_int_type.ini",
     "3: solver.max_iter: ", "expects a whole number from 1 to 1000000000 (got 'lots')"},
    {"bad_base_lr_range.ini", "5: solver.base_lr: ", "expects a number > 0 and <= 100 (got '-1')"},
    {"bad_momentum_open_bound.ini",
     "2: solver.momentum: ", "expects a number >= 0 and < 1 (got '1')"},
    {"bad_choice.ini", "2: solver.lr_policy: ",
     "expects one of fixed, step, exp, inv, multistep, poly, sigmoid (got 'cosine')"},
    {"bad_list_in_scalar.ini", "2: data.resolution: ", "lists belong in [sweep]"},
    {"bad_duplicate.ini", "5: solver.momentum: ", "given twice (first on line 2)"},
    {"bad_outside_section.ini", "2: base_lr: ", "key outside any section (it belongs in [solver])"},
    {"bad_malformed_line.ini", "3: malformed line ", "'this line has no equals sign'"},
    {"bad_unclosed_section.ini", "3: malformed section header ", "'[solver'"},
    {"bad_section_junk.ini", "1: [solver]: ", "text after the section header"},
    {"bad_sweep_unknown_key.ini", "2: sweep.data.resolutoin: ", "did you mean data.resolution?"},
    {"bad_sweep_value.ini",
     "2: sweep.model.bilinear_dim: ", "expects a whole number from 16 to 65536 (got '12')"},
    {"bad_sweep_duplicate.ini", "3: sweep.data.resolution: ", "given twice (first on line 2)"},
    {"bad_sweep_too_many_values.ini", "2: sweep.solver.base_lr: ", "at most 16 per key"},
    {"bad_bool.ini", "2: data.mirror: ", "expects true or false (got 'maybe')"},
    {"bad_split.ini", "2: data.split: ", "random:<fraction> with 0 < fraction < 1"},
    {"bad_mean_two_numbers.ini", "2: data.mean: ", "three numbers separated by commas"},
    {"bad_too_many_stepvalues.ini",
     "35: solver.stepvalue: ", "takes at most 32 values in all (this makes 33)"},
    {"bad_stepvalue_zero.ini", "2: solver.stepvalue: ", "expects whole numbers >= 1 separated"},
    {"bad_continued_scalar.ini", "2: solver.base_lr: ", "(got '0.1 0.2')"},
    {"bad_empty_dataset.ini", "2: data.dataset: ", "a non-empty path"},
    {"bad_description_too_long.ini",
     "2: experiment.description: ", "is 300 characters long (at most 255)"},
    {"bad_first_of_two.ini", "2: solver.max_iter: ", "(got '0')"},
    {"bad_value_then_malformed.ini", "2: solver.base_lr: ", "(got 'x')"},
    {"bad_malformed_then_value.ini", "2: malformed line ", "'not a line'"},
    {"bad_pending_before_section.ini", "2: solver.base_lr: ", "(got '-1')"},
};

static void test_preset_bad_fixtures(void **state) {
    (void)state;
    Preset p, defaults;
    preset_defaults(&defaults);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[512], prefix[600];
        Error err = {0};
        fixture(path, sizeof path, bad[i].file);
        snprintf(prefix, sizeof prefix, "%s:%s", path, bad[i].where);
        Status st = preset_load(&p, path, &err);
        if (st != ST_FORMAT) fail_msg("%s: status %d (%s)", bad[i].file, st, err.msg);
        if (strncmp(err.msg, prefix, strlen(prefix)) != 0 || !strstr(err.msg, bad[i].fragment))
            fail_msg("%s:\n  got      %s\n  expected %s...%s", bad[i].file, err.msg, prefix,
                     bad[i].fragment);
        assert_same_preset(&p, &defaults); /* nothing half-filled */
    }
    Error err = {0};
    assert_int_equal(preset_load(&p, "/nonexistent/finelab.ini", &err), ST_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/finelab.ini"));
}

static void test_preset_set(void **state) {
    (void)state;
    Preset p;
    Error err = {0};
    preset_defaults(&p);
    assert_int_equal(preset_set(&p, "solver.base_lr=0.001", &err), ST_OK);
    assert_true(p.solver.base_lr == 0.001);
    assert_int_equal(preset_set(&p, " data.resolution = 224 ", &err), ST_OK);
    assert_int_equal(p.data.resolution, 224);
    assert_int_equal(preset_set(&p, "solver.lr_policy=MultiStep", &err), ST_OK);
    assert_int_equal(p.solver.lr_policy, SOLVER_MULTISTEP);
    assert_int_equal(preset_set(&p, "solver.stepvalue=100, 200", &err), ST_OK);
    assert_int_equal(preset_set(&p, "solver.stepvalue=300", &err), ST_OK); /* replaces */
    assert_int_equal(p.solver.n_stepvalue, 1);
    assert_int_equal(p.solver.stepvalue[0], 300);
    assert_int_equal(preset_set(&p, "solver.stepvalue=none", &err), ST_OK);
    assert_int_equal(p.solver.n_stepvalue, 0);
    assert_int_equal(preset_set(&p, "data.split=official", &err), ST_OK);
    assert_true(p.data.train_fraction < 0);
    assert_int_equal(preset_set(&p, "data.mirror=no", &err), ST_OK);
    assert_int_equal(p.data.mirror, 0);
    assert_int_equal(preset_set(&p, "experiment.description=a, b = c", &err), ST_OK);
    assert_string_equal(p.experiment.description, "a, b = c");

    /* Errors name the assignment and leave p unchanged. */
    assert_int_equal(preset_set(&p, "solver.base_lr=-1", &err), ST_ARG);
    assert_string_equal(err.msg, "solver.base_lr=-1: expects a number > 0 and <= 100 (got '-1')");
    assert_true(p.solver.base_lr == 0.001);
    assert_int_equal(preset_set(&p, "solver.base_rl=1", &err), ST_ARG);
    assert_string_equal(err.msg, "solver.base_rl: unknown key (did you mean solver.base_lr?)");
    assert_int_equal(preset_set(&p, "resolution=224", &err), ST_ARG);
    assert_non_null(strstr(err.msg, "did you mean data.resolution?"));
    assert_int_equal(preset_set(&p, "solver.max_iter", &err), ST_ARG);
    assert_non_null(strstr(err.msg, "expected section.key=value"));
    assert_int_equal(preset_set(&p, "data.resolution=448,224", &err), ST_ARG);
    assert_non_null(strstr(err.msg, "lists belong in [sweep]"));
    assert_int_equal(preset_set(&p, "experiment.description=x ; y", &err), ST_ARG);
    /* A leading ';' too: the saved "dataset = ;x" would read back as a
     * comment, leaving no dataset (found by fuzz_preset, from "dataset =;"). */
    assert_int_equal(preset_set(&p, "data.dataset=;x", &err), ST_ARG);
    assert_non_null(strstr(err.msg, "may not start with ';'"));
    assert_int_equal(preset_parse(&p, "[data]\ndataset =;\n", "semi.ini", &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "semi.ini:2: data.dataset: may not start with ';'"));
    assert_int_equal(preset_set(&p, "experiment.description=x;y", &err), ST_OK);
    assert_int_equal(preset_set(&p, "experiment.description=a\nb", &err), ST_ARG);
    assert_int_equal(preset_set(&p, "model.backbone=resnet50", &err), ST_ARG);
    assert_non_null(strstr(err.msg, "expects one of vgg16"));
    assert_int_equal(preset_set(&p, "solver.max_iter=2000000000", &err), ST_ARG);
    assert_int_equal(preset_set(&p, "solver.max_iter=1.5", &err), ST_ARG);
    assert_int_equal(preset_set(&p, "solver.base_lr=nan", &err), ST_ARG);
    assert_int_equal(preset_set(&p, "data.scale=1e-60", &err), ST_ARG); /* 0 as a float */
    /* [model] init: Caffe's filler names, and a gaussian's std > 0 */
    assert_int_equal(preset_set(&p, "model.init=xavier", &err), ST_OK);
    assert_int_equal(p.model.init, NET_INIT_XAVIER);
    assert_int_equal(preset_set(&p, "model.init=kaiming", &err), ST_ARG);
    assert_non_null(strstr(err.msg, "expects one of default, msra, xavier, gaussian"));
    assert_int_equal(preset_set(&p, "model.init_std=0", &err), ST_ARG);
    assert_non_null(strstr(err.msg, "expects a number > 0 and <= 10 (got '0')"));
    assert_int_equal(preset_set(&p, "model.init_std=-0.01", &err), ST_ARG);
    assert_int_equal(preset_set(&p, "model.init_std=0.01", &err), ST_OK);
    assert_true(p.model.init_std == 0.01f);

    /* Sweeps: set, replace, remove; a fixed key leaves the sweep. */
    assert_int_equal(preset_set(&p, "sweep.model.bilinear_dim=1024, 2048", &err), ST_OK);
    assert_int_equal(preset_set(&p, "sweep.solver.weight_decay=0, 0.00001, 0.001", &err), ST_OK);
    assert_int_equal(preset_sweep_count(&p), 6);
    assert_int_equal(preset_set(&p, "sweep.model.bilinear_dim=12", &err), ST_ARG);
    assert_non_null(strstr(err.msg, "(got '12')"));
    assert_int_equal(preset_sweep_count(&p), 6);
    assert_int_equal(preset_set(&p, "sweep.model.bilinear_dim=", &err), ST_OK);
    assert_int_equal(preset_sweep_count(&p), 3);
    assert_int_equal(preset_set(&p, "solver.weight_decay=0", &err), ST_OK);
    assert_int_equal(p.sweep.n_keys, 0);
    assert_int_equal(preset_set(&p, "sweep.data.resolution=(224", &err), ST_ARG);
    assert_int_equal(preset_set(&p, "sweep.data.resolution=224,,448", &err), ST_ARG);
    assert_non_null(strstr(err.msg, "empty value"));
}

static void test_preset_validate_rules(void **state) {
    (void)state;
    static const struct {
        const char *set[3], *fragment;
    } rules[] = {
        {{"data.resize=256"}, "data.resize: 256 is smaller than data.resolution 448"},
        {{"data.split=official", "data.format=folder"}, "data.split: official needs"},
        {{"solver.lr_policy=multistep"}, "solver.stepvalue: lr_policy multistep needs at least"},
        {{"solver.lr_policy=multistep", "solver.stepvalue=300, 200"}, "(200 comes after 300)"},
        {{"solver.lr_policy=step"}, "solver.stepsize: lr_policy step needs stepsize >= 1"},
        {{"solver.lr_policy=step", "solver.stepsize=10", "solver.gamma=0"},
         "solver.gamma: lr_policy step needs gamma > 0"},
        {{"solver.lr_policy=exp", "solver.gamma=1.5"}, "lr_policy exp needs gamma <= 1"},
        {{"solver.lr_policy=inv", "solver.power=0"}, "solver.power: lr_policy inv needs power"},
        {{"solver.lr_policy=poly", "solver.power=0"}, "lr_policy poly needs power > 0"},
        {{"solver.lr_policy=sigmoid", "solver.gamma=0"}, "lr_policy sigmoid needs gamma != 0"},
        {{"solver.test_iter=0"}, "solver.test_iter: test_interval 100 needs test_iter >= 1"},
        {{"data.crop_area_min=0.5", "data.crop_area_max=0.25"},
         "data.crop_area_min: 0.5 is larger than data.crop_area_max 0.25"},
        {{"data.crop_ratio_max=0.5"}, "data.crop_ratio_min: 0.75 is larger than"},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        Preset p;
        Error err = {0};
        preset_defaults(&p);
        for (int j = 0; j < 3 && rules[i].set[j]; j++)
            assert_int_equal(preset_set(&p, rules[i].set[j], &err), ST_OK);
        assert_int_equal(preset_validate(&p, &err), ST_ARG);
        if (!strstr(err.msg, rules[i].fragment))
            fail_msg("rule %zu: got '%s', expected '%s'", i, err.msg, rules[i].fragment);
    }
    /* What the rules allow: resize 0, equal stepvalues, no test at all,
     * official with auto, step with a stepsize. */
    const char *fine[] = {"data.resize=0",
                          "data.resolution=512",
                          "solver.lr_policy=multistep",
                          "solver.stepvalue=100, 100, 200",
                          "solver.test_interval=0",
                          "solver.test_iter=0",
                          "data.split=official"};
    Preset p;
    Error err = {0};
    preset_defaults(&p);
    for (size_t j = 0; j < sizeof fine / sizeof fine[0]; j++)
        assert_int_equal(preset_set(&p, fine[j], &err), ST_OK);
    assert_int_equal(preset_validate(&p, &err), ST_OK);
    /* auto is 8/7 of the resolution, rounded, and always fits. */
    const int auto_res[][2] = {{448, 512}, {336, 384}, {224, 256}, {168, 192},
                               {112, 128}, {32, 37},   {100, 114}};
    for (size_t j = 0; j < sizeof auto_res / sizeof auto_res[0]; j++) {
        char set[64];
        assert_int_equal(preset_set(&p, "data.resize=AUTO", &err), ST_OK);
        snprintf(set, sizeof set, "data.resolution=%d", auto_res[j][0]);
        assert_int_equal(preset_set(&p, set, &err), ST_OK);
        assert_int_equal(preset_validate(&p, &err), ST_OK);
        assert_int_equal(preset_resize(&p), auto_res[j][1]);
    }
    /* The augmentation keys' ranges: area in (0, 1], rotation to 180,
     * jitter and margin >= 0. */
    const char *refused[] = {
        "data.crop_area_min=0", "data.crop_area_max=1.5", "data.crop_ratio_min=0",
        "data.rotate=-1",       "data.rotate=181",        "data.brightness=-0.1",
        "data.contrast=11",     "data.bbox_margin=-0.5",  "data.train_crop=zoom"};
    for (size_t j = 0; j < sizeof refused / sizeof refused[0]; j++)
        if (preset_set(&p, refused[j], &err) != ST_ARG) fail_msg("%s was accepted", refused[j]);
    /* Only resize takes auto. */
    assert_int_equal(preset_set(&p, "data.resolution=auto", &err), ST_ARG);
    /* A preset read from a file names it. */
    assert_int_equal(preset_parse(&p, "[data]\nresize = 100\n", "presets/small.ini", &err), ST_OK);
    assert_int_equal(preset_validate(&p, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "presets/small.ini: data.resize: 100"));
}

/* [solver] type and the keys of the adaptive types: Caffe's defaults, any
 * case on input and Caffe's spelling on output, their ranges. */
static void test_preset_solver_type_keys(void **state) {
    (void)state;
    Preset p;
    Error err = {0};
    preset_defaults(&p);
    assert_int_equal(p.solver.type, SOLVER_SGD); /* existing presets mean what they meant */
    assert_true(p.solver.rms_decay == 0.99 && p.solver.delta == 1e-8);
    assert_true(p.solver.momentum2 == 0.999);
    static const char *const names[] = {"sgd",     "NESTEROV", "adagrad",
                                        "RmsProp", "adadelta", "ADAM"};
    for (int t = 0; t < SOLVER_TYPES; t++) {
        char set[64], text[32];
        snprintf(set, sizeof set, "solver.type=%s", names[t]);
        assert_int_equal(preset_set(&p, set, &err), ST_OK);
        assert_int_equal(p.solver.type, t);
        schema_format(schema_find("solver", "type"), &p, text, sizeof text);
        assert_string_equal(text, solver_type_name((SolverType)t));
        assert_int_equal(preset_validate(&p, &err), ST_OK);
    }
    static const struct {
        const char *set, *message;
    } refused[] = {
        {"solver.type=Adamax", "solver.type=Adamax: expects one of SGD, Nesterov, AdaGrad, "
                               "RMSProp, AdaDelta, Adam (got 'Adamax')"},
        {"solver.rms_decay=0", "solver.rms_decay=0: expects a number > 0 and < 1 (got '0')"},
        {"solver.rms_decay=1", "solver.rms_decay=1: expects a number > 0 and < 1 (got '1')"},
        {"solver.momentum2=1", "solver.momentum2=1: expects a number >= 0 and < 1 (got '1')"},
        {"solver.momentum2=-0.1", "solver.momentum2=-0.1: expects a number >= 0 and < 1"},
        {"solver.delta=0", "solver.delta=0: expects a number > 0 and <= 1 (got '0')"},
        {"solver.delta=-1e-8", "solver.delta=-1e-8: expects a number > 0 and <= 1"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(preset_set(&p, refused[i].set, &err), ST_ARG);
        if (strncmp(err.msg, refused[i].message, strlen(refused[i].message)) != 0)
            fail_msg("got '%s', expected '%s'", err.msg, refused[i].message);
    }
    const char *ok[] = {"solver.rms_decay=0.9", "solver.momentum2=0", "solver.delta=1"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_int_equal(preset_set(&p, ok[i], &err), ST_OK);
    assert_int_equal(preset_validate(&p, &err), ST_OK);
    /* In a file, the error names file, line and key. */
    assert_int_equal(preset_parse(&p, "[solver]\ntype = Adam\nmomentum2 = 1.5\n", "a.ini", &err),
                     ST_FORMAT);
    assert_non_null(strstr(err.msg, "a.ini:3: solver.momentum2"));
    assert_int_equal(preset_parse(&p, "[solver]\ntype = adam\ndelta = 1e-6\n", "a.ini", &err),
                     ST_OK);
    assert_int_equal(p.solver.type, SOLVER_ADAM);
    assert_true(p.solver.delta == 1e-6);
}

/* format -> parse gives back every field, including awkward values. */
static void test_preset_round_trip(void **state) {
    (void)state;
    Preset *p = malloc(sizeof *p), *q = malloc(sizeof *q);
    assert_non_null(p);
    assert_non_null(q);
    char long_path[700], assignment[800];
    memset(long_path, 'd', sizeof long_path - 1);
    long_path[sizeof long_path - 1] = '\0';
    memcpy(long_path, "/data/", 6);
    const char *sets[] = {"experiment.name=round trip",
                          "experiment.description=commas, = and : are fine; x;y",
                          "data.split=random:0.123456789012345678",
                          "data.mean=0.1, 1e-7, 123.456789",
                          "data.std=0.229, 0.224, 3.4e38",
                          "data.scale=0.00392156863",
                          "model.width=0.333333333",
                          "model.pooling=compact_rm",
                          "solver.base_lr=0.1",
                          "solver.gamma=0.33333333333333331",
                          "solver.momentum=0.99999999999999989",
                          "solver.weight_decay=5e-324",
                          "solver.lr_policy=multistep",
                          "solver.stepvalue=1, 2, 2, 2147483647",
                          "solver.clip_gradients=-123456.789",
                          "solver.regularization_type=l1",
                          "transfer.init_from=runs/ft_last_layer-3",
                          "transfer.feature_cache=off"};
    Error err = {0};
    preset_defaults(p);
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        if (preset_set(p, sets[i], &err)) fail_msg("%s: %s", sets[i], err.msg);
    snprintf(assignment, sizeof assignment, "data.dataset=%s", long_path);
    assert_int_equal(preset_set(p, assignment, &err), ST_OK);
    char *text = preset_format(p);
    assert_non_null(text);
    assert_non_null(strstr(text, "[experiment]\nname = round trip\n"));
    assert_non_null(strstr(text, "\nbase_lr = 0.1\n"));
    assert_non_null(strstr(text, "\nstepvalue = 1, 2, 2, 2147483647\n"));
    assert_non_null(strstr(text, "\nregularization_type = L1\n"));
    assert_null(strstr(text, "[sweep]"));
    assert_int_equal(preset_parse(q, text, "elsewhere.ini", &err), ST_OK);
    assert_same_preset(p, q);
    char *again = preset_format(q);
    assert_string_equal(text, again);
    free(again);
    free(text);
    /* The defaults round-trip too, and the file name becomes the name. */
    preset_defaults(p);
    text = preset_format(p);
    assert_int_equal(preset_parse(q, text, "dir/x.ini", &err), ST_OK);
    assert_string_equal(q->experiment.name, "");
    free(text);
    /* preset_write replaces a file atomically; preset_load reads it back. */
    char path[] = "/tmp/finelab_test_preset_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(preset_set(p, "solver.max_iter=777", &err), ST_OK);
    assert_int_equal(preset_write(p, path, &err), ST_OK);
    assert_int_equal(preset_load(q, path, &err), ST_OK);
    assert_int_equal(q->solver.max_iter, 777);
    assert_string_equal(q->source, path);
    unlink(path);
    free(p);
    free(q);
}

/* INI details: key: value, comments, indentation, continuation lines, CRLF,
 * a BOM and values longer than inih's line buffer. */
static void test_preset_ini_details(void **state) {
    (void)state;
    Preset *p = malloc(sizeof *p);
    assert_non_null(p);
    Error err = {0};
    const char *text = "\xEF\xBB\xBF# a comment\r\n"
                       "[experiment]\r\n"
                       "  name: indented ; inline comment\r\n"
                       "  description = first half\r\n"
                       "     second half\r\n"
                       "\r\n"
                       "[solver]\n"
                       "lr_policy = multistep\n"
                       "stepvalue = 10, 20\n"
                       "stepvalue = 30\n"
                       "stepvalue = 40,\n"
                       "    50\n";
    assert_int_equal(preset_parse(p, text, "t.ini", &err), ST_OK);
    assert_string_equal(p->experiment.name, "indented");
    assert_string_equal(p->experiment.description, "first half second half");
    assert_int_equal(p->solver.n_stepvalue, 5);
    assert_int_equal(p->solver.stepvalue[4], 50);
    /* A 900-character path and a long comment line. */
    char *big = malloc(4096);
    assert_non_null(big);
    int n = snprintf(big, 4096, "; %0500d\n[data]\ndataset = /", 0);
    memset(big + n, 'p', 899);
    snprintf(big + n + 899, 4096 - (size_t)n - 899,
             " ; trailing comment\n[solver]\nmax_iter = 5\n");
    assert_int_equal(preset_parse(p, big, "long.ini", &err), ST_OK);
    assert_int_equal((int)strlen(p->data.dataset), 900);
    assert_int_equal(p->solver.max_iter, 5);
    /* ... and one past the path capacity. */
    n = snprintf(big, 4096, "[data]\ndataset = /");
    memset(big + n, 'p', 1100);
    big[n + 1100] = '\0';
    assert_int_equal(preset_parse(p, big, "long.ini", &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "long.ini:2: data.dataset: is 1101 characters long"));
    free(big);
    /* Errors in strings name the file given. */
    assert_int_equal(preset_parse(p, "[model]\n\n\nwidth = 2\n", "inline", &err), ST_FORMAT);
    assert_string_equal(err.msg, "inline:4: model.width: expects a number from 0.03125 to 1 "
                                 "(got '2')");
    assert_int_equal(preset_parse(p, "  [solver]\n  base_lr = 0.5\n", "ind.ini", &err), ST_OK);
    assert_true(p->solver.base_lr == 0.5);
    assert_int_equal(preset_parse(p, "[solver]\n  x y\n", "c.ini", &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "c.ini:2: "));
    free(p);
}

/* Every preset the project ships loads and validates (run from the repo
 * root), every sweep item too; experiment names are unique (init_from and
 * the run store go by name) and an init_from names a shipped preset; the
 * offline families (demo, recipes) name weights that are in the repo. */
static void test_preset_shipped_presets_are_valid(void **state) {
    (void)state;
    const char *dirs[3] = {"presets/demo", "presets/cub", "presets/recipes"};
    enum { MAX = 64 };
    static char names[MAX][PRESET_TEXT_MAX], inits[MAX][PRESET_PATH_MAX];
    static Preset p, item;
    int seen = 0;
    for (int d = 0; d < 3; d++) {
        DIR *dir = opendir(dirs[d]);
        assert_non_null(dir);
        struct dirent *e;
        while ((e = readdir(dir))) {
            size_t n = strlen(e->d_name);
            if (n < 5 || strcmp(e->d_name + n - 4, ".ini") != 0) continue;
            char path[600];
            snprintf(path, sizeof path, "%s/%s", dirs[d], e->d_name);
            Error err = {0};
            if (preset_load(&p, path, &err) || preset_validate(&p, &err)) fail_msg("%s", err.msg);
            for (int i = 0; i < preset_sweep_count(&p); i++) {
                char label[256];
                if (preset_sweep_item(&p, i, &item, label, sizeof label, &err) ||
                    preset_validate(&item, &err))
                    fail_msg("%s item %d: %s", path, i, err.msg);
            }
            if (d != 1 && strcmp(p.model.weights, "none") != 0 && access(p.model.weights, R_OK))
                fail_msg("%s: model.weights %s is not in the repo", path, p.model.weights);
            assert_true(seen < MAX);
            snprintf(names[seen], sizeof names[seen], "%s", p.experiment.name);
            snprintf(inits[seen], sizeof inits[seen], "%s", p.transfer.init_from);
            for (int j = 0; j < seen; j++)
                if (strcmp(names[j], names[seen]) == 0)
                    fail_msg("%s: name %s twice", path, names[j]);
            seen++;
        }
        closedir(dir);
    }
    for (int i = 0; i < seen; i++) {
        int found = !inits[i][0];
        for (int j = 0; j < seen && !found; j++) found = strcmp(inits[i], names[j]) == 0;
        if (!found) fail_msg("%s: init_from %s is no shipped preset", names[i], inits[i]);
    }
    assert_true(seen >= 15);
}

/* The [sweep] settings and ranges: each error names file:line and the key. */
static void test_preset_sweep_strategy_errors(void **state) {
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"[sweep]\nstrategy = best\n",
         "t.ini:2: sweep.strategy: expects grid, random, halving or asha"},
        {"[sweep]\nstrategy = random\nsolver.base_lr = 0.1, 0.2\n",
         "t.ini:2: sweep.strategy: random needs samples"},
        {"[sweep]\nsamples = 0\n", "t.ini:2: sweep.samples: expects a whole number from 1"},
        {"[sweep]\nsamples = 4\n", "t.ini:2: sweep.samples: only strategy random, halving or asha"},
        {"[sweep]\neta = 1\n", "t.ini:2: sweep.eta: expects a whole number from 2 to 100"},
        {"[sweep]\nmin_iter = 10\n", "t.ini:2: sweep.min_iter: only strategy = halving or asha"},
        {"[sweep]\nsampler = tpe\n", "t.ini:2: sweep.sampler: tpe draws each trial from the ones"},
        {"[sweep]\nsampler = grid\n", "t.ini:2: sweep.sampler: expects random or tpe (got 'grid')"},
        {"[sweep]\nstrategy = halving\nsolver.base_lr = 0.1, 0.2\n",
         "t.ini:2: sweep.min_iter: strategy = halving needs min_iter"},
        {"[sweep]\nseed = x\n", "t.ini:2: sweep.seed: expects a whole number"},
        {"[sweep]\nseed = 1\nseed = 2\n", "t.ini:3: sweep.seed: given twice (first on line 2)"},
        {"[sweep]\nsolver.base_lr = loguniform(1e-4, 1e-1)\n",
         "t.ini:2: sweep.solver.base_lr: a range (loguniform(1e-4, 1e-1)) is drawn from"},
        {"[sweep]\nstrategy = random\nsamples = 3\nsolver.base_lr = loguniform(0, 1)\n",
         "t.ini:4: sweep.solver.base_lr: loguniform needs a low end above 0"},
        {"[sweep]\nstrategy = random\nsamples = 3\nsolver.base_lr = uniform(2, 1)\n",
         "t.ini:4: sweep.solver.base_lr: a range needs low < high"},
        {"[sweep]\nstrategy = random\nsamples = 3\ndata.resolution = uniform(100.5, 200)\n",
         "t.ini:4: sweep.data.resolution: the range's low end: expects a whole number"},
        {"[sweep]\nstrategy = random\nsamples = 3\nsolver.lr_policy = uniform(1, 2)\n",
         "t.ini:4: sweep.solver.lr_policy: a range needs a number key"},
        {"[sweep]\nstrategy = random\nsamples = 3\ndata.resolution = choice(112, x)\n",
         "t.ini:4: sweep.data.resolution: expects a whole number"},
        {"[sweep]\nstrateg = grid\n", "t.ini:2: sweep.strateg: unknown key"},
    };
    Preset *p = malloc(sizeof *p);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Error err = {0};
        assert_int_not_equal(preset_parse(p, cases[i].text, "t.ini", &err), ST_OK);
        if (!strstr(err.msg, cases[i].want))
            fail_msg("case %zu: got '%s', want '%s'", i, err.msg, cases[i].want);
    }
    /* The rungs against the solver: preset_validate names the keys. */
    Error err = {0};
    assert_int_equal(preset_parse(p,
                                  "[solver]\nmax_iter = 100\ntest_interval = 10\n"
                                  "[sweep]\nstrategy = halving\nmin_iter = 15\n"
                                  "solver.base_lr = 0.1, 0.2\n",
                                  "t.ini", &err),
                     ST_OK);
    assert_int_not_equal(preset_validate(p, &err), ST_OK);
    assert_non_null(
        strstr(err.msg, "sweep.min_iter: 15 is not a multiple of solver.test_interval"));
    assert_int_equal(preset_set(p, "sweep.min_iter=100", &err), ST_OK);
    assert_int_not_equal(preset_validate(p, &err), ST_OK);
    assert_non_null(strstr(err.msg, "not below solver.max_iter"));
    assert_int_equal(preset_set(p, "sweep.min_iter=20", &err), ST_OK);
    assert_int_equal(preset_validate(p, &err), ST_OK);
    assert_int_not_equal(preset_set(p, "sweep.strategy=ashа", &err), ST_OK); /* Cyrillic a */
    /* asha: one rung at max_iter is a plain search (every trial in full). */
    assert_int_equal(preset_set(p, "sweep.strategy=asha", &err), ST_OK);
    assert_int_equal(preset_set(p, "sweep.samples=4", &err), ST_OK);
    assert_int_equal(preset_set(p, "sweep.min_iter=100", &err), ST_OK);
    assert_int_equal(preset_validate(p, &err), ST_OK);
    assert_int_equal(preset_set(p, "sweep.min_iter=110", &err), ST_OK);
    assert_int_not_equal(preset_validate(p, &err), ST_OK);
    assert_non_null(strstr(err.msg, "110 is not below solver.max_iter 100 (asha: or equal to it)"));
    free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preset_sweep_strategy_errors),
        cmocka_unit_test(test_preset_shipped_presets_are_valid),
        cmocka_unit_test(test_preset_defaults),
        cmocka_unit_test(test_preset_schema_table),
        cmocka_unit_test(test_preset_ft_last_layer),
        cmocka_unit_test(test_preset_sweep_expands_in_order),
        cmocka_unit_test(test_preset_bad_fixtures),
        cmocka_unit_test(test_preset_set),
        cmocka_unit_test(test_preset_validate_rules),
        cmocka_unit_test(test_preset_solver_type_keys),
        cmocka_unit_test(test_preset_round_trip),
        cmocka_unit_test(test_preset_ini_details),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
