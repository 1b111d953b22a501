/*
 * test_compact — the two compact bilinear pooling layer kinds (compact.c),
 * each checked the same way: the layer against the direct PairPool call, the
 * kernel property, and the errors of the layer and of its create function.
 * Each check runs once per kind, under the kind's own test name.
 */
#include "engine/nn/random_maclaurin.h"
#include "engine/nn/tensor_sketch.h"
#include "tests/lib/poolcheck.h"
#include "tests/lib/testutil.h"

typedef struct Kind {
    const char *layer; /* the layer kind */
    const char *name;  /* the create function's name in its errors */
    PoolCreate create;
    int dim; /* d of the layer-against-direct check */
} Kind;

/* Not const: cmocka hands a test its state as a plain pointer. */
static Kind tensor_sketch = {"compact_ts", "tensor_sketch", tensor_sketch_create, 32};
static Kind random_maclaurin = {"compact_rm", "random_maclaurin", random_maclaurin_create, 24};

/* The layer kind matches the direct API with b == a, on a short batch. */
static void layer_matches_direct(void **state) {
    const Kind *k = *state;
    poolcheck_layer_matches(k->layer, k->create, 6, 4, 5, k->dim, 9);
}

/* E[<phi(x), phi(z)>] = <x x^T, z z^T> = <x, z>^2: the mean ratio over 50
 * draws of fresh hashes or projections and inputs is within 0.05 of 1. */
static void kernel_property(void **state) {
    const Kind *k = *state;
    poolcheck_kernel(k->layer, 256, 4096, 50, 5000, 9000, 0.05);
}

static void setup_errors(void **state) {
    const Kind *k = *state;
    poolcheck_errors(k->layer, k->create, k->name);
}

#define FOR_KIND(tag, fn, kind)                                                                    \
    { "test_" tag "_" #fn, fn, NULL, NULL, &kind }

int main(void) {
    const struct CMUnitTest tests[] = {
        FOR_KIND("ts", layer_matches_direct, tensor_sketch),
        FOR_KIND("ts", kernel_property, tensor_sketch),
        FOR_KIND("ts", setup_errors, tensor_sketch),
        FOR_KIND("rm", layer_matches_direct, random_maclaurin),
        FOR_KIND("rm", kernel_property, random_maclaurin),
        FOR_KIND("rm", setup_errors, random_maclaurin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
