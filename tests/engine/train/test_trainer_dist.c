/*
 * test_trainer_dist — the trainer's gradient sum in buckets (trainer_dist.c)
 * gives the bits of one blocking sum after backward: the same training run
 * with the whole gradient summed at once, in one bucket per parameter
 * (started from inside backward, with iter_size 1 and 2), and in the
 * default buckets ends with the same parameters and momentum histories to
 * the bit. tests/src/cli/test_mpi.sh runs it under `mpirun -np 2`, where that is
 * the claim (with two ranks every element is a + b, whatever MPI's
 * algorithm); alone it is one rank, where the sum is a no-op and the
 * comparison still checks that the hook and the buckets leave training as
 * it was.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/dist.h"
#include "engine/train/trainer.h"
#include "tests/lib/testbirds.h"
#include "tests/lib/testnet.h"
#include "tests/lib/testutil.h"

static TestBirds birds;

static int setup(void **state) {
    (void)state;
    Error err = {0};
    if (dist_init(&err)) return -1;
    return testbirds_init(&birds, "trainer_dist", 3, 20, 5);
}

static int teardown(void **state) {
    (void)state;
    int rc = testbirds_fini(&birds);
    dist_finalize();
    return rc;
}

/* The log lines a run wrote that start with "allreduce:". */
typedef struct Log {
    char plan[640]; /* the bucket plan */
    char last[640]; /* the last per-row line */
    int rows;
} Log;

static void on_log(void *ctx, TrainLogKind kind, const char *line) {
    Log *log = ctx;
    int allreduce = strncmp(line, "allreduce: ", 11) == 0;
    if (allreduce != (kind == TRAIN_LOG_DETAIL)) /* the log's figures, and only those */
        fail_msg("kind %d for the line '%s'", kind, line);
    if (!allreduce) return;
    if (strstr(line, " buckets of at least ")) {
        snprintf(log->plan, sizeof log->plan, "%s", line);
    } else {
        snprintf(log->last, sizeof log->last, "%s", line);
        log->rows++;
    }
}

/* VGG width 1/8 at 32 px, Tensor Sketch 512: 28 parameters, 0.36 MB. */
static TrainConfig config(long bucket_bytes, int iter_size) {
    TrainConfig c = testnet_train(&birds.ds, 1.0f / 8, 512);
    c.solver.base_lr = 0.5;
    c.solver.momentum = 0.9;
    c.solver.weight_decay = 0.0005;
    c.solver.max_iter = 6;
    c.solver.iter_size = iter_size;
    c.batch_size = 4;
    c.train_data.prefetch = 1;
    c.train_data.seed = 3;
    c.display = 2;
    c.seed = 7;
    c.dist_bucket_bytes = bucket_bytes;
    return c;
}

/* Trains cfg to the end; every trainable parameter's value and history,
 * packed into a new buffer (*n floats), and the run's log. */
static float *train(const TrainConfig *cfg, size_t *n, Log *log) {
    Error err = {0};
    TrainCallbacks cb = {.ctx = log, .on_log = on_log};
    *log = (Log){0};
    Trainer *t = trainer_create(cfg, &cb, &err);
    if (!t) fail_msg("trainer_create: %s", err.msg);
    double acc;
    if (trainer_run(t, &acc, &err)) fail_msg("trainer_run: %s", err.msg);
    int np;
    Param *const *ps = net_trainable_params(trainer_net(t), &np);
    *n = 0;
    for (int i = 0; i < np; i++) *n += 2 * tensor_count(&ps[i]->value);
    float *all = malloc(sizeof(float) * *n), *p = all;
    assert_non_null(all);
    for (int i = 0; i < np; i++) {
        size_t k = tensor_count(&ps[i]->value);
        memcpy(p, ps[i]->value.data, sizeof(float) * k);
        memcpy(p + k, ps[i]->history.data, sizeof(float) * k);
        p += 2 * k;
    }
    trainer_destroy(t);
    return all;
}

/* The run of bucket_bytes and iter_size ends where the blocking sum's
 * does, to the bit; with ranks, its log says how it summed. */
static void same_bits_as_one_blocking_sum(long bucket_bytes, int iter_size, int n_buckets) {
    size_t n0, n1;
    Log log0, log1;
    TrainConfig c0 = config(-1, iter_size), c1 = config(bucket_bytes, iter_size);
    float *one = train(&c0, &n0, &log0);
    float *buckets = train(&c1, &n1, &log1);
    assert_int_equal(n0, n1);
    size_t differ = 0;
    for (size_t i = 0; i < n0; i++) differ += memcmp(&one[i], &buckets[i], sizeof(float)) != 0;
    if (differ) fail_msg("%zu of %zu floats differ from the blocking sum's", differ, n0);
    for (size_t i = 0; i < n0; i++) assert_true(isfinite(one[i]));
    if (dist_size() > 1) {
        /* The blocking run plans no buckets; this one its own, and its
         * rows count what it started and how long that was in flight. */
        assert_string_equal(log0.plan, "");
        char want[64];
        snprintf(want, sizeof want, " in %d buckets of at least ", n_buckets);
        if (!strstr(log1.plan, want)) fail_msg("plan: %s (wanted %s)", log1.plan, want);
        assert_int_equal(log1.rows, 3);
        snprintf(want, sizeof want, "gradient buckets: %d.0 started", n_buckets);
        if (!strstr(log1.last, want)) fail_msg("row: %s (wanted %s)", log1.last, want);
        /* Per iteration: the gradient and the 4 doubles of the loss sum. */
        long grads = 0;
        assert_int_equal(sscanf(log1.plan, "allreduce: %ld gradients", &grads), 1);
        snprintf(want, sizeof want, " %.3f MB summed per iteration ", (4.0 * grads + 32) / 1e6);
        if (!strstr(log1.last, want)) fail_msg("row: %s (wanted %s)", log1.last, want);
        assert_non_null(strstr(log0.last, "gradient buckets: 0.0 started, 0.000 ms in flight"));
    }
    free(one);
    free(buckets);
}

static void test_trainer_dist_a_bucket_per_parameter(void **state) {
    (void)state;
    /* 4 bytes: every parameter closes its bucket, so the 28 sums start
     * one by one from inside backward. */
    same_bits_as_one_blocking_sum(4, 1, 28);
}

static void test_trainer_dist_buckets_after_accumulated_passes(void **state) {
    (void)state;
    /* Only the last of the iter_size passes starts them. */
    same_bits_as_one_blocking_sum(64 << 10, 2, 8);
}

static void test_trainer_dist_default_buckets(void **state) {
    (void)state;
    same_bits_as_one_blocking_sum(0, 1, 1);
}

static void test_trainer_dist_ranks_as_launched(void **state) {
    (void)state;
    /* Under a launcher the test is only worth anything with its ranks. */
    const char *n = getenv("OMPI_COMM_WORLD_SIZE");
    if (!n) n = getenv("PMI_SIZE");
    assert_int_equal(dist_size(), n && dist_built() ? atoi(n) : 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trainer_dist_ranks_as_launched),
        cmocka_unit_test(test_trainer_dist_a_bucket_per_parameter),
        cmocka_unit_test(test_trainer_dist_buckets_after_accumulated_passes),
        cmocka_unit_test(test_trainer_dist_default_buckets),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
