/*
 * testpreset — --set assignments and shared presets for tests. See
 * testpreset.h.
 */
#include "tests/lib/testpreset.h"

#include <stdio.h>
#include <string.h>

#include "src/preset/schema.h"
#include "tests/lib/testutil.h"

void testpreset_apply(Preset *p, const char *const *sets, size_t n) {
    for (size_t i = 0; i < n; i++) {
        Error err = {0};
        if (preset_set(p, sets[i], &err)) fail_msg("%s: %s", sets[i], err.msg);
    }
}

void testpreset_expect(const Preset *p, const char *const *values, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char dotted[128], got[PRESET_VALUE_MAX];
        const char *eq = strchr(values[i], '=');
        if (!eq || (size_t)(eq - values[i]) >= sizeof dotted)
            fail_msg("not key=value: %s", values[i]);
        snprintf(dotted, sizeof dotted, "%.*s", (int)(eq - values[i]), values[i]);
        const SchemaKey *k = schema_find_dotted(dotted);
        if (!k) fail_msg("no key %s", dotted);
        if (schema_format(k, p, got, sizeof got) < 0) fail_msg("%s: does not fit", dotted);
        if (strcmp(got, eq + 1) != 0) fail_msg("%s = %s, want %s", dotted, got, eq + 1);
    }
}

void testpreset_set(Preset *p, const char *fmt, ...) {
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    testpreset_apply(p, (const char *const[]){line}, 1);
}

void testpreset_tiny(Preset *p, const char *dataset, const char *const *sets, size_t n) {
    static const char *const shared[] = {
        "experiment.name=tiny", "experiment.threads=1",  "data.split=official", "data.resize=36",
        "data.resolution=32",   "transfer.mode=scratch", "solver.base_lr=0.01",
    };
    preset_defaults(p);
    testpreset_apply(p, shared, sizeof shared / sizeof shared[0]);
    testpreset_set(p, "data.dataset=%s", dataset);
    testpreset_apply(p, sets, n);
}

void testpreset_expect_stage1_solver(const Preset *p) {
    assert_true(p->solver.base_lr == 0.1);
    assert_int_equal(p->solver.lr_policy, SOLVER_MULTISTEP);
    assert_true(p->solver.gamma == 0.25);
    assert_int_equal(p->solver.n_stepvalue, 4);
    assert_int_equal(p->solver.max_iter, 60000);
    assert_true(p->solver.momentum == 0.9 && p->solver.weight_decay == 0);
    assert_int_equal(p->solver.iter_size, 4);
}
