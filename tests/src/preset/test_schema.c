/*
 * test_schema — what the schema tells the editor beyond each key's row: the
 * tutorial's knobs and their order, the rule of every key that can do
 * nothing (a value where it does nothing and one where it matters, for each
 * rule), and comparing one key's value in two presets. The table itself
 * (lookup, parsing, writing) is tested with presets in test_preset.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/preset/preset.h"
#include "src/preset/schema.h"
#include "tests/lib/testpreset.h"
#include "tests/lib/testutil.h"

static const SchemaKey *key(const char *dotted) {
    const SchemaKey *k = schema_find_dotted(dotted);
    if (!k) fail_msg("no key %s", dotted);
    return k;
}

static void test_schema_knobs_in_the_tutorials_order(void **state) {
    (void)state;
    static const char *const want[] = {
        "transfer.mode",    "data.resolution",  "model.bilinear_dim", "solver.weight_decay",
        "solver.base_lr",   "solver.lr_policy", "solver.max_iter",    "solver.batch_size",
        "solver.iter_size", "solver.type",      "model.init",         "data.train_crop",
    };
    int n = (int)(sizeof want / sizeof want[0]);
    assert_int_equal(schema_knob_count(), n);
    for (int i = 0; i < n; i++) {
        assert_ptr_equal(schema_knob(i), key(want[i]));
        assert_int_equal(schema_knob_rank(key(want[i])), i);
    }
    assert_null(schema_knob(n));
    assert_null(schema_knob(-1));
    /* The keys a beginner did not come for are no knobs. */
    static const char *const others[] = {"data.mean", "data.std", "data.scale",
                                         "data.loader_threads", "experiment.name"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        assert_int_equal(schema_knob_rank(key(others[i])), -1);
    int knobs = 0;
    for (int i = 0; i < schema_count(); i++) knobs += schema_knob_rank(schema_at(i)) >= 0;
    assert_int_equal(knobs, n);
}

/* One rule's values: under each of `unused` (assignments on the defaults,
 * separated by spaces) the key does nothing, and schema_unused says
 * `why`; under each of `used` it may matter. */
typedef struct RuleCase {
    const char *key;
    const char *why; /* a part of the reason */
    const char *unused[4];
    const char *used[4];
} RuleCase;

static const RuleCase cases[] = {
    {"data.split_seed", "split = official", {"data.split=official"}, {"data.split=random:0.5"}},
    {"data.crop_to_bbox",
     "no boxes",
     {"data.format=folder", "data.format=list"},
     {"data.format=cub", "data.format=auto"}},
    {"data.mean",
     "normalize = manual",
     {"model.weights=w.safetensors", "data.normalize=caffe", "transfer.init_from=r1",
      "transfer.mode=scratch transfer.init_from=r1"},
     {"data.normalize=manual model.weights=w.safetensors", "model.weights=none",
      "transfer.mode=scratch model.weights=w.safetensors"}},
    {"data.std", "normalize = manual", {"data.normalize=torchvision"}, {"data.normalize=manual"}},
    {"data.bbox_margin",
     "without crop_to_bbox",
     {"data.crop_to_bbox=false", "data.crop_to_bbox=true data.format=folder"},
     {"data.crop_to_bbox=true", "data.crop_to_bbox=true data.format=cub"}},
    {"data.crop_area_min",
     "train_crop = resized",
     {"data.train_crop=random transfer.mode=all", "data.train_crop=random"},
     {"data.train_crop=resized transfer.cache_views=3", "data.train_crop=resized transfer.mode=all",
      "data.train_crop=resized transfer.feature_cache=off"}},
    {"data.crop_ratio_max",
     "train_crop = resized",
     {"data.train_crop=center transfer.mode=all"},
     {"data.train_crop=resized transfer.mode=scratch"}},
    {"data.crop_area_max",
     "feature cache keeps < 3 views",
     {"data.train_crop=resized", "data.train_crop=resized transfer.cache_views=1"},
     {"data.train_crop=resized transfer.cache_views=4"}},
    {"data.rotate",
     "feature cache keeps < 3 views",
     {"transfer.cache_views=2", "transfer.cache_views=1"},
     {"transfer.cache_views=3", "transfer.feature_cache=off", "transfer.mode=all"}},
    {"data.saturation", "feature cache", {"transfer.cache_views=1"}, {"transfer.cache_views=8"}},
    {"data.scale",
     "normalize = manual",
     {"model.weights=w.safetensors"},
     {"data.normalize=manual"}},
    {"data.channel_order",
     "normalize = manual",
     {"data.normalize=caffe"},
     {"transfer.mode=scratch model.weights=w.safetensors"}},
    {"model.weights",
     "mode = scratch",
     {"transfer.mode=scratch"},
     {"transfer.mode=last_layer", "transfer.mode=all"}},
    {"model.weights_format",
     "normalize = auto",
     {"model.weights=none", "model.weights=w.safetensors data.normalize=manual",
      "model.weights=w.safetensors transfer.mode=scratch"},
     {"model.weights=w.safetensors", "transfer.init_from=r1"}},
    {"model.bilinear_dim",
     "compact_ts/rm",
     {"model.pooling=avg", "model.pooling=bilinear"},
     {"model.pooling=compact_ts", "model.pooling=compact_rm"}},
    {"model.init",
     "init_from",
     {"transfer.init_from=r1", "transfer.mode=all transfer.init_from=r1"},
     {"transfer.mode=scratch", "transfer.mode=last_layer", "model.init=xavier"}},
    {"model.init_std",
     "init = msra or xavier",
     {"model.init=msra", "model.init=xavier"},
     {"model.init=gaussian", "model.init=default", "transfer.mode=scratch model.init=gaussian"}},
    {"model.init_std",
     "init_from",
     {"transfer.init_from=r1 model.init=gaussian", "transfer.init_from=r1"},
     {""}},
    {"transfer.backbone_lr_mult",
     "mode = last_layer",
     {"transfer.mode=last_layer"},
     {"transfer.mode=all", "transfer.mode=scratch"}},
    {"transfer.feature_cache",
     "mode = last_layer",
     {"transfer.mode=all", "transfer.mode=scratch"},
     {"transfer.mode=last_layer"}},
    {"transfer.cache_views",
     "feature cache",
     {"transfer.mode=all", "transfer.feature_cache=off"},
     {"transfer.mode=last_layer transfer.feature_cache=auto"}},
    {"transfer.weight_decay_mult",
     "weight_decay = 0",
     {"solver.weight_decay=0"},
     {"solver.weight_decay=0.0005"}},
    {"transfer.bias_decay_mult",
     "weight_decay = 0",
     {"solver.weight_decay=0"},
     {"solver.weight_decay=0.00001"}},
    {"solver.regularization_type",
     "weight_decay = 0",
     {"solver.weight_decay=0"},
     {"solver.weight_decay=0.001"}},
    {"solver.gamma",
     "fixed/poly",
     {"solver.lr_policy=fixed", "solver.lr_policy=poly"},
     {"solver.lr_policy=step", "solver.lr_policy=multistep", "solver.lr_policy=exp",
      "solver.lr_policy=sigmoid"}},
    {"solver.power",
     "inv or poly",
     {"solver.lr_policy=fixed", "solver.lr_policy=step", "solver.lr_policy=multistep",
      "solver.lr_policy=sigmoid"},
     {"solver.lr_policy=inv", "solver.lr_policy=poly"}},
    {"solver.stepsize",
     "step or sigmoid",
     {"solver.lr_policy=fixed", "solver.lr_policy=multistep", "solver.lr_policy=exp",
      "solver.lr_policy=poly"},
     {"solver.lr_policy=step", "solver.lr_policy=sigmoid"}},
    {"solver.stepvalue",
     "lr_policy = multistep",
     {"solver.lr_policy=fixed", "solver.lr_policy=step", "solver.lr_policy=inv"},
     {"solver.lr_policy=multistep"}},
    {"solver.momentum",
     "AdaGrad/RMSProp",
     {"solver.type=AdaGrad", "solver.type=RMSProp"},
     {"solver.type=SGD", "solver.type=Nesterov", "solver.type=AdaDelta", "solver.type=Adam"}},
    {"solver.momentum2",
     "type = Adam",
     {"solver.type=SGD", "solver.type=RMSProp", "solver.type=AdaDelta"},
     {"solver.type=Adam"}},
    {"solver.rms_decay",
     "type = RMSProp",
     {"solver.type=SGD", "solver.type=AdaGrad", "solver.type=Adam"},
     {"solver.type=RMSProp"}},
    {"solver.delta",
     "SGD/Nesterov",
     {"solver.type=SGD", "solver.type=Nesterov"},
     {"solver.type=AdaGrad", "solver.type=RMSProp", "solver.type=AdaDelta", "solver.type=Adam"}},
    {"solver.test_initialization",
     "test_interval = 0",
     {"solver.test_interval=0"},
     {"solver.test_interval=100"}},
};

/* The defaults, then the assignments of sets (separated by spaces). */
static void preset_with(Preset *p, const char *sets) {
    char copy[512];
    preset_defaults(p);
    snprintf(copy, sizeof copy, "%s", sets);
    for (char *save = NULL, *s = strtok_r(copy, " ", &save); s; s = strtok_r(NULL, " ", &save))
        testpreset_set(p, "%s", s);
}

static void test_schema_unused_rules(void **state) {
    (void)state;
    Preset *p = malloc(sizeof *p);
    assert_non_null(p);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const RuleCase *rc = &cases[c];
        const SchemaKey *k = key(rc->key);
        for (int i = 0; i < 4 && rc->unused[i]; i++) {
            preset_with(p, rc->unused[i]);
            const char *why = schema_unused(k, p);
            if (!why) fail_msg("%s should do nothing with %s", rc->key, rc->unused[i]);
            if (!strstr(why, rc->why)) fail_msg("%s: '%s' lacks '%s'", rc->key, why, rc->why);
        }
        for (int i = 0; i < 4 && rc->used[i]; i++) {
            preset_with(p, rc->used[i]);
            if (schema_unused(k, p))
                fail_msg("%s should matter with %s (says '%s')", rc->key, rc->used[i],
                         schema_unused(k, p));
        }
    }
    free(p);
}

/* Keys without a rule always matter, the knobs among them (except
 * bilinear_dim, which a plain head does not use). */
static void test_schema_keys_without_rules_always_matter(void **state) {
    (void)state;
    Preset *p = malloc(sizeof *p);
    assert_non_null(p);
    static const char *const settings[] = {"", "transfer.mode=scratch model.pooling=avg",
                                           "solver.lr_policy=poly solver.weight_decay=0"};
    static const char *const always[] = {
        "transfer.mode",    "data.resolution", "solver.base_lr",
        "solver.lr_policy", "solver.max_iter", "solver.momentum",
        "data.resize",      "data.normalize",  "transfer.init_from"};
    for (size_t s = 0; s < sizeof settings / sizeof settings[0]; s++) {
        preset_with(p, settings[s]);
        for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
            if (schema_unused(key(always[i]), p))
                fail_msg("%s does nothing with '%s'?", always[i], settings[s]);
    }
    free(p);
}

/* On the shipped stage-1 preset: the frozen backbone's and the manual
 * input's keys do nothing, the multistep schedule's do. */
static void test_schema_unused_on_stage1(void **state) {
    (void)state;
    Preset *p = malloc(sizeof *p);
    assert_non_null(p);
    Error err = {0};
    if (preset_load(p, "presets/demo/ft_last_layer.ini", &err)) fail_msg("%s", err.msg);
    static const char *const unused[] = {"data.mean",
                                         "data.channel_order",
                                         "data.split_seed",
                                         "transfer.backbone_lr_mult",
                                         "transfer.weight_decay_mult",
                                         "solver.power",
                                         "solver.stepsize"};
    static const char *const used[] = {"solver.stepvalue", "solver.gamma", "transfer.cache_views",
                                       "model.bilinear_dim", "model.weights_format"};
    for (size_t i = 0; i < sizeof unused / sizeof unused[0]; i++)
        if (!schema_unused(key(unused[i]), p)) fail_msg("%s should do nothing", unused[i]);
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
        if (schema_unused(key(used[i]), p)) fail_msg("%s should matter", used[i]);
    /* tiny_scratch has no weights: its own mean/std/scale/order are used. */
    if (preset_load(p, "presets/demo/tiny_scratch.ini", &err)) fail_msg("%s", err.msg);
    assert_null(schema_unused(key("data.mean"), p));
    assert_null(schema_unused(key("data.scale"), p));
    assert_non_null(schema_unused(key("model.weights"), p));
    free(p);
}

static void test_schema_same(void **state) {
    (void)state;
    Preset *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    preset_defaults(a);
    preset_defaults(b);
    for (int i = 0; i < schema_count(); i++) assert_true(schema_same(schema_at(i), a, b));
    testpreset_set(b, "data.resolution=224");
    testpreset_set(b, "solver.stepvalue=10, 20");
    testpreset_set(b, "data.mean=1, 2, 3");
    for (int i = 0; i < schema_count(); i++) {
        const SchemaKey *k = schema_at(i);
        int changed =
            k == key("data.resolution") || k == key("solver.stepvalue") || k == key("data.mean");
        assert_int_equal(schema_same(k, a, b), !changed);
    }
    /* Back to the default by another spelling is the same again. */
    testpreset_set(b, "data.resolution=0448");
    testpreset_set(b, "solver.stepvalue=none");
    assert_true(schema_same(key("data.resolution"), a, b));
    assert_true(schema_same(key("solver.stepvalue"), a, b));
    free(a);
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_knobs_in_the_tutorials_order),
        cmocka_unit_test(test_schema_unused_rules),
        cmocka_unit_test(test_schema_keys_without_rules_always_matter),
        cmocka_unit_test(test_schema_unused_on_stage1),
        cmocka_unit_test(test_schema_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
