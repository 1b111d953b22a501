/*
 * test_trainer — training runs on a small generated bird set: a tiny
 * network learns (falling loss, above-chance test accuracy); batch 2 x
 * iter_size 4 updates exactly like batch 8 x iter_size 1; a last_layer run
 * leaves the backbone's bytes unchanged (with and without the feature
 * cache); the same configuration gives the same rows; a run stopped and
 * resumed from its snapshot writes the rows of an uninterrupted run, and
 * for every solver type ends with the same parameters and histories; a
 * diverging run stops as NaN at a named iteration; a row its caller could
 * not record fails the run before the next snapshot.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/io/fileio.h"
#include "engine/train/trainer.h"
#include "tests/lib/testbirds.h"
#include "tests/lib/testnet.h"
#include "tests/lib/testutil.h"

static TestBirds birds; /* 4 classes x 40 generated birds */

static int setup(void **state) {
    (void)state;
    return testbirds_init(&birds, "trainer", 4, 40, 7);
}

static int teardown(void **state) {
    (void)state;
    return testbirds_fini(&birds);
}

enum { MAX_ROWS = 256 };
typedef struct Rows {
    TrainRow row[MAX_ROWS];
    int n;
    int stop_at; /* should_stop once iter reaches this (0: never) */
    Trainer **t;
} Rows;

static void on_row(void *ctx, const TrainRow *r) {
    Rows *rows = ctx;
    if (rows->n < MAX_ROWS) rows->row[rows->n++] = *r;
}

static int should_stop(void *ctx) {
    Rows *rows = ctx;
    return rows->stop_at && trainer_iter(*rows->t) >= rows->stop_at;
}

static TrainConfig tiny(void) {
    TrainConfig c = testnet_train(&birds.ds, 1.0f / 16, 256);
    c.solver.base_lr = 1.0;
    c.solver.weight_decay = 0.0005;
    c.solver.max_iter = 40;
    c.train_data.norm = (Normalize){
        .bgr = 0, .scale = 1.0f / 255, .mean = {0.45f, 0.45f, 0.45f}, .std = {0.25f, 0.25f, 0.25f}};
    c.train_data.seed = 3;
    testnet_test_like_train(&c);
    c.test_iter = 4;
    c.test_interval = 20;
    c.test_initialization = 1;
    c.display = 5;
    c.average_loss = 3;
    c.seed = 11;
    return c;
}

static Trainer *make(const TrainConfig *c, Rows *rows, Trainer **slot) {
    TrainCallbacks cb = {.ctx = rows, .on_row = on_row, .should_stop = should_stop};
    Error err = {0};
    Trainer *t = trainer_create(c, &cb, &err);
    if (!t) fail_msg("trainer_create: %s", err.msg);
    rows->t = slot;
    *slot = t;
    return t;
}

static void test_trainer_tiny_net_learns(void **state) {
    (void)state;
    /* From scratch a 13-conv net without normalisation layers starts with
     * nearly collinear features (cosine ~0.99 between unrelated images at
     * conv5_3), so it needs a few hundred small steps: measured, 600
     * iterations reach ~0.49 test accuracy on 80 test images (chance 0.25). */
    TrainConfig c = tiny();
    c.solver.base_lr = 0.01;
    c.solver.max_iter = 600;
    c.test_interval = 300;
    c.test_iter = 10; /* 80 test images: the whole test split */
    c.display = 20;
    c.average_loss = 20; /* compare smoothed losses, not single batches */
    c.net.freeze_backbone = 0;
    Rows rows = {0};
    Trainer *t;
    make(&c, &rows, &t);
    double acc;
    Error err = {0};
    assert_int_equal(trainer_run(t, &acc, &err), ST_OK);
    double first = -1, last = -1;
    for (int i = 0; i < rows.n; i++)
        if (rows.row[i].phase == PHASE_TRAIN) {
            if (first < 0) first = rows.row[i].loss;
            last = rows.row[i].loss;
        }
    printf("tiny net: train loss %.3f -> %.3f, final test accuracy %.3f (chance 0.25)\n", first,
           last, acc);
    assert_true(last < 0.8 * first);
    assert_true(acc > 0.35); /* chance + 3 standard errors of an 80-image estimate */
    trainer_destroy(t);
}

/* The update w1 - w0 of one iteration: batch 2 x iter_size 4 must equal
 * batch 8 x iter_size 1 up to float summation order, judged against the
 * update's own size. */
static void test_trainer_iter_size_equals_bigger_batch(void **state) {
    (void)state;
    const char *names[2] = {"features.0.weight", "head.fc.weight"};
    float *delta[2][2];
    size_t count[2];
    for (int k = 0; k < 2; k++) {
        TrainConfig c = tiny();
        c.solver.max_iter = 1;
        c.test_iter = 0;
        c.display = 0;
        c.batch_size = k == 0 ? 8 : 2;
        c.solver.iter_size = k == 0 ? 1 : 4;
        Rows rows = {0};
        Trainer *t;
        make(&c, &rows, &t);
        for (int q = 0; q < 2; q++) {
            Param *p = net_find_param(trainer_net(t), names[q]);
            count[q] = tensor_count(&p->value);
            delta[k][q] = malloc(count[q] * sizeof(float));
            memcpy(delta[k][q], p->value.data, count[q] * sizeof(float));
        }
        Error err = {0};
        assert_int_equal(trainer_step(t, &err), ST_OK);
        for (int q = 0; q < 2; q++) {
            Param *p = net_find_param(trainer_net(t), names[q]);
            for (size_t i = 0; i < count[q]; i++)
                delta[k][q][i] = p->value.data[i] - delta[k][q][i];
        }
        trainer_destroy(t);
    }
    for (int q = 0; q < 2; q++) {
        double top = 0, diff = 0;
        for (size_t i = 0; i < count[q]; i++) {
            top = fmax(top, fabs(delta[0][q][i]));
            diff = fmax(diff, fabs(delta[0][q][i] - delta[1][q][i]));
        }
        printf("iter_size: %s update max %.3g, largest difference %.3g\n", names[q], top, diff);
        assert_true(top > 0);
        assert_true(diff <= 1e-3 * top);
        free(delta[0][q]);
        free(delta[1][q]);
    }
}

static void check_frozen(int cache) {
    TrainConfig c = tiny();
    c.net.freeze_backbone = 1;
    c.feature_cache = cache;
    c.cache_views = 2;
    c.solver.max_iter = 10;
    Rows rows = {0};
    Trainer *t;
    make(&c, &rows, &t);
    int n;
    Param *const *ps = net_params(trainer_net(t), &n);
    size_t total = 0;
    for (int i = 0; i < n - 2; i++) total += tensor_count(&ps[i]->value);
    float *before = malloc(total * sizeof(float)), *p = before;
    for (int i = 0; i < n - 2; i++) {
        memcpy(p, ps[i]->value.data, tensor_count(&ps[i]->value) * sizeof(float));
        p += tensor_count(&ps[i]->value);
    }
    float fc0 = ps[n - 2]->value.data[0];
    double acc;
    Error err = {0};
    assert_int_equal(trainer_run(t, &acc, &err), ST_OK);
    p = before;
    for (int i = 0; i < n - 2; i++) {
        assert_memory_equal(p, ps[i]->value.data, tensor_count(&ps[i]->value) * sizeof(float));
        p += tensor_count(&ps[i]->value);
    }
    assert_true(ps[n - 2]->value.data[0] != fc0); /* the classifier did train */
    free(before);
    trainer_destroy(t);
}

static void test_trainer_last_layer_keeps_backbone_bytes(void **state) {
    (void)state;
    check_frozen(0);
    check_frozen(1);
}

static void assert_same_rows(const TrainRow *a, const TrainRow *b, int n) {
    for (int i = 0; i < n; i++) {
        if (a[i].iter != b[i].iter || a[i].phase != b[i].phase || a[i].loss != b[i].loss ||
            a[i].accuracy != b[i].accuracy || a[i].lr != b[i].lr)
            fail_msg("row %d differs: iter %d/%d phase %d/%d loss %.9g/%.9g acc %.9g/%.9g", i,
                     a[i].iter, b[i].iter, a[i].phase, b[i].phase, a[i].loss, b[i].loss,
                     a[i].accuracy, b[i].accuracy);
    }
}

static void test_trainer_deterministic_and_resume_equivalent(void **state) {
    (void)state;
    char snaps[160];
    snprintf(snaps, sizeof snaps, "%s/snaps", birds.dir);
    assert_int_equal(fileio_mkdirs(snaps, NULL), ST_OK);
    TrainConfig c = tiny();
    c.solver.policy = SOLVER_MULTISTEP;
    c.solver.gamma = 0.5;
    c.solver.n_stepvalue = 3;
    c.solver.stepvalue[0] = 8;
    c.solver.stepvalue[1] = 8;
    c.solver.stepvalue[2] = 25;
    c.solver.max_iter = 30;
    c.test_interval = 10;
    c.snapshot = 0;
    c.snapshot_dir = snaps;
    Rows a = {0}, b = {0}, r1 = {0}, r2 = {0};
    Trainer *t;
    double acc;
    Error err = {0};
    make(&c, &a, &t);
    assert_int_equal(trainer_run(t, &acc, &err), ST_OK);
    trainer_destroy(t);
    make(&c, &b, &t);
    assert_int_equal(trainer_run(t, &acc, &err), ST_OK);
    trainer_destroy(t);
    assert_int_equal(a.n, b.n);
    assert_same_rows(a.row, b.row, a.n); /* deterministic re-run */

    /* Stop at iteration 13 (the snapshot is written then), resume, finish. */
    r1.stop_at = 13;
    make(&c, &r1, &t);
    assert_int_equal(trainer_run(t, &acc, &err), ST_OK);
    assert_true(trainer_stopped(t));
    assert_int_equal(trainer_iter(t), 13);
    trainer_destroy(t);
    char snap[200];
    snprintf(snap, sizeof snap, "%s/iter_13.safetensors", snaps);
    make(&c, &r2, &t);
    assert_int_equal(trainer_restore(t, snap, &err), ST_OK);
    assert_int_equal(trainer_run(t, &acc, &err), ST_OK);
    trainer_destroy(t);
    /* The uninterrupted run's rows from iteration 13 on. */
    int first = 0;
    while (first < a.n && a.row[first].iter < 13) first++;
    assert_int_equal(r2.n, a.n - first);
    assert_same_rows(a.row + first, r2.row, r2.n);
    /* And before the stop, r1 matched too. */
    assert_same_rows(a.row, r1.row, first);
}

/* Every parameter's value and histories, concatenated (caller frees). */
static float *param_state(Trainer *t, size_t *count) {
    int n;
    Param *const *ps = net_params(trainer_net(t), &n);
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += tensor_count(&ps[i]->value) * (ps[i]->history2.data ? 3 : 2);
    float *all = malloc(total * sizeof(float)), *p = all;
    assert_non_null(all);
    for (int i = 0; i < n; i++) {
        const Tensor *parts[3] = {&ps[i]->value, &ps[i]->history, &ps[i]->history2};
        for (int j = 0; j < 3; j++) {
            if (!parts[j]->data) continue;
            memcpy(p, parts[j]->data, tensor_count(parts[j]) * sizeof(float));
            p += tensor_count(parts[j]);
        }
    }
    *count = total;
    return all;
}

/* For every solver type, every layer training: 8 iterations straight, or
 * 4, a snapshot, a new trainer restored from it and 4 more, give the same
 * bytes in every parameter and every history. A snapshot resumes only
 * under the type that wrote it. */
static void test_trainer_resume_exact_for_every_solver_type(void **state) {
    (void)state;
    char snaps[160];
    snprintf(snaps, sizeof snaps, "%s/snaps_types", birds.dir);
    assert_int_equal(fileio_mkdirs(snaps, NULL), ST_OK);
    for (int type = 0; type < SOLVER_TYPES; type++) {
        TrainConfig c = tiny();
        c.net.freeze_backbone = 0;
        c.solver.type = (SolverType)type;
        c.solver.base_lr = type <= SOLVER_NESTEROV ? 0.01 : 0.001;
        c.solver.momentum = type == SOLVER_ADAGRAD || type == SOLVER_RMSPROP ? 0 : 0.9;
        c.solver.delta = type == SOLVER_ADADELTA ? 1e-6 : 1e-8;
        c.solver.max_iter = 8;
        c.solver.clip_gradients = 5;
        c.test_iter = 0;
        c.test_interval = 0;
        c.snapshot = 0;
        c.snapshot_dir = snaps;
        Rows a = {0}, r1 = {0}, r2 = {0};
        Trainer *t;
        double acc;
        Error err = {0};
        make(&c, &a, &t);
        assert_int_equal(trainer_run(t, &acc, &err), ST_OK);
        size_t n_straight, n_resumed;
        float *straight = param_state(t, &n_straight);
        trainer_destroy(t);
        r1.stop_at = 4;
        make(&c, &r1, &t);
        assert_int_equal(trainer_run(t, &acc, &err), ST_OK);
        assert_int_equal(trainer_iter(t), 4);
        trainer_destroy(t);
        char snap[200];
        snprintf(snap, sizeof snap, "%s/iter_4.safetensors", snaps);
        make(&c, &r2, &t);
        if (trainer_restore(t, snap, &err)) fail_msg("%s: %s", solver_type_name(type), err.msg);
        assert_int_equal(trainer_run(t, &acc, &err), ST_OK);
        float *resumed = param_state(t, &n_resumed);
        trainer_destroy(t);
        printf("resume %s: %zu floats of parameters and histories\n", solver_type_name(type),
               n_straight);
        assert_int_equal(n_straight, n_resumed);
        assert_memory_equal(straight, resumed, n_straight * sizeof(float));
        free(straight);
        free(resumed);
        /* The same snapshot under the next type is refused, naming both. */
        c.solver.type = (SolverType)((type + 1) % SOLVER_TYPES);
        make(&c, &r2, &t);
        assert_int_equal(trainer_restore(t, snap, &err), ST_FORMAT);
        char want[160];
        snprintf(want, sizeof want, "written by solver type %s, and this run's [solver] type is %s",
                 solver_type_name(type), solver_type_name(c.solver.type));
        if (!strstr(err.msg, want) || !strstr(err.msg, "iter_4.safetensors"))
            fail_msg("unexpected: %s", err.msg);
        trainer_destroy(t);
    }
}

static void test_trainer_divergence_names_iteration(void **state) {
    (void)state;
    TrainConfig c = tiny();
    c.solver.base_lr = 1e30;
    c.net.l2_normalize = 0;
    c.net.signed_sqrt = 0;
    c.test_iter = 0;
    Rows rows = {0};
    Trainer *t;
    make(&c, &rows, &t);
    double acc;
    Error err = {0};
    Status s = trainer_run(t, &acc, &err);
    assert_int_equal(s, ST_NUMERIC);
    assert_non_null(strstr(err.msg, "at iteration"));
    assert_int_equal(trainer_step(t, &err), ST_NUMERIC); /* sticky */
    trainer_destroy(t);
}

/* TrainCallbacks.recorded: a caller that could not record the third row
 * (a full disk) fails the run right there, before the snapshot due in the
 * same iteration, and the error sticks. */
static Status recorded(void *ctx, Error *err) {
    const Rows *rows = ctx;
    return rows->n >= 3 ? error_set(err, ST_IO, "m.tsv: cannot write: No space left on device")
                        : ST_OK;
}

static void test_trainer_unrecorded_row_fails_before_snapshot(void **state) {
    (void)state;
    char snaps[160];
    snprintf(snaps, sizeof snaps, "%s/unrecorded", birds.dir);
    assert_int_equal(fileio_mkdirs(snaps, NULL), ST_OK);
    TrainConfig c = tiny();
    c.display = 4;  /* rows: the test at 0, train at 0 and at 4 */
    c.snapshot = 5; /* written at the end of iteration 4, after its row */
    c.snapshot_dir = snaps;
    Rows rows = {0};
    TrainCallbacks cb = {.ctx = &rows, .on_row = on_row, .recorded = recorded};
    Error err = {0};
    Trainer *t = trainer_create(&c, &cb, &err);
    assert_non_null(t);
    double acc;
    assert_int_equal(trainer_run(t, &acc, &err), ST_IO);
    assert_string_equal(err.msg, "m.tsv: cannot write: No space left on device");
    assert_int_equal(rows.n, 3);
    assert_int_equal(rows.row[2].iter, 4);
    char path[300];
    snprintf(path, sizeof path, "%s/iter_5.safetensors", snaps);
    assert_false(fileio_exists(path));
    assert_int_equal(trainer_step(t, &err), ST_IO);         /* sticky */
    assert_int_equal(trainer_finish(t, &acc, &err), ST_IO); /* and no snapshot at the end */
    assert_false(fileio_exists(path));
    trainer_destroy(t);
}

static void test_trainer_bad_weights_named(void **state) {
    (void)state;
    TrainConfig c = tiny();
    char path[160];
    snprintf(path, sizeof path, "%s/nope.safetensors", birds.dir);
    c.weights = path;
    Error err = {0};
    assert_null(trainer_create(&c, NULL, &err));
    assert_non_null(strstr(err.msg, "nope.safetensors"));
}

/* The default: the reference network with the dataset's classes, SGD as
 * the tutorial runs it, and test views centre-cropped and not mirrored. */
static void test_trainer_config_default(void **state) {
    (void)state;
    TrainConfig c = trainer_config_default();
    assert_int_equal(c.net.bilinear_dim, 8192);
    assert_int_equal(c.net.num_classes, 0);
    assert_int_equal(c.solver.policy, SOLVER_FIXED);
    assert_true(c.solver.momentum == 0.9 && c.solver.weight_decay == 0.0);
    assert_true(c.solver.clip_gradients < 0);
    assert_int_equal(c.solver.iter_size, 1);
    assert_int_equal(c.batch_size, 8);
    assert_int_equal(c.train_data.resize, 512);
    assert_int_equal(c.train_data.resolution, 448);
    assert_int_equal(c.train_data.random_crop, 1);
    assert_int_equal(c.train_data.mirror, 1);
    assert_int_equal(c.test_data.random_crop, 0);
    assert_int_equal(c.test_data.mirror, 0);
    assert_int_equal(c.test_data.resolution, 448);
    assert_null(c.ds);
    assert_null(c.weights);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trainer_config_default),
        cmocka_unit_test(test_trainer_tiny_net_learns),
        cmocka_unit_test(test_trainer_iter_size_equals_bigger_batch),
        cmocka_unit_test(test_trainer_last_layer_keeps_backbone_bytes),
        cmocka_unit_test(test_trainer_deterministic_and_resume_equivalent),
        cmocka_unit_test(test_trainer_resume_exact_for_every_solver_type),
        cmocka_unit_test(test_trainer_divergence_names_iteration),
        cmocka_unit_test(test_trainer_unrecorded_row_fails_before_snapshot),
        cmocka_unit_test(test_trainer_bad_weights_named),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
