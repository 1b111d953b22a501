/*
 * test_snapshot — the snapshot file (engine/train/snapshot.c): a short
 * run's snapshots read back with the state the trainer wrote; a file that
 * is cut anywhere, has a bad header length, JSON that is not, data offsets
 * that do not tile it, a tensor missing or of another shape, or state
 * values that a run cannot have (tests/lib/testsnap.c's table) is refused by
 * snapshot_check naming the file and the cause, and by trainer_restore
 * without changing the trainer, which then still restores a good one; only
 * files named exactly iter_<N>.safetensors are snapshots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/io/fileio.h"
#include "engine/synth/synth.h"
#include "engine/train/snapshot.h"
#include "engine/train/trainer.h"
#include "tests/lib/testnet.h"
#include "tests/lib/testsnap.h"
#include "tests/lib/testutil.h"

static char dir[64], snaps[128];
static Dataset ds;

static TrainConfig tiny(void) {
    TrainConfig c = testnet_train(&ds, 1.0f / 16, 64);
    testnet_test_like_train(&c);
    c.solver.base_lr = 0.01;
    c.solver.max_iter = 6;
    c.solver.policy = SOLVER_MULTISTEP;
    c.solver.gamma = 0.5;
    c.solver.n_stepvalue = 1;
    c.solver.stepvalue[0] = 3;
    c.batch_size = 4;
    c.test_iter = 2;
    c.test_interval = 4;
    c.display = 2;
    c.average_loss = 3;
    c.snapshot = 4;
    c.snapshot_dir = snaps;
    return c;
}

/* A run of tiny() to its end: snapshots at iterations 4 and 6. */
static int setup(void **state) {
    (void)state;
    if (testutil_tmpdir(dir, sizeof dir, "snapshot")) return -1;
    char data[128];
    snprintf(data, sizeof data, "%s/birds", dir);
    snprintf(snaps, sizeof snaps, "%s/snapshots", dir);
    SynthConfig sc = {.classes = 3, .per_class = 8, .size = 64, .seed = 5};
    DatasetOptions opt = {.format = DATASET_CUB, .train_fraction = -1};
    if (synth_generate(&sc, data, NULL, NULL) || dataset_open(&ds, data, &opt, NULL) ||
        fileio_mkdirs(snaps, NULL))
        return -1;
    TrainConfig c = tiny();
    Trainer *t = trainer_create(&c, NULL, NULL);
    double acc;
    Status s = t ? trainer_run(t, &acc, NULL) : ST_STATE;
    trainer_destroy(t);
    return s == ST_OK ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    dataset_fini(&ds);
    return testutil_rmtree(dir);
}

static void snap(char *out, size_t cap, const char *name) {
    snprintf(out, cap, "%s/%s", snaps, name);
}

/* Every parameter's value and histories, concatenated (caller frees). */
static float *param_state(Trainer *t, size_t *count) {
    int n;
    Param *const *ps = net_params(trainer_net(t), &n);
    size_t total = 0;
    for (int i = 0; i < n; i++) total += 2 * tensor_count(&ps[i]->value);
    float *all = malloc(total * sizeof(float)), *p = all;
    assert_non_null(all);
    for (int i = 0; i < n; i++) {
        size_t k = tensor_count(&ps[i]->value);
        memcpy(p, ps[i]->value.data, k * sizeof(float));
        memcpy(p + k, ps[i]->history.data, k * sizeof(float));
        p += 2 * k;
    }
    *count = total;
    return all;
}

/* snapshot_check against a run of c, as trainer_restore and a resume check. */
static Status check(const char *path, const TrainConfig *c, SnapshotState *st, Error *err) {
    SnapshotSpec spec = trainer_snapshot_spec(c);
    return snapshot_check(path, &spec, st, err);
}

static void test_snapshot_reads_back_the_trainers_state(void **state) {
    (void)state;
    TrainConfig c = tiny();
    char path[200];
    SnapshotState st;
    Error err = {0};
    snap(path, sizeof path, "iter_6.safetensors");
    assert_int_equal(check(path, &c, &st, &err), ST_OK);
    assert_int_equal(st.iter, 6);
    assert_int_equal(st.current_step, 1); /* past stepvalue 3 */
    assert_int_equal(st.window_n, 3);     /* average_loss */
    assert_int_equal(st.last_test_iter, 4);
    assert_int_equal(st.batches_done, 6);
    assert_true(st.best_accuracy >= 0 && st.best_accuracy <= 1 && st.seconds > 0);
    snapshot_state_fini(&st);
    snap(path, sizeof path, "iter_4.safetensors");
    assert_int_equal(check(path, &c, &st, &err), ST_OK);
    assert_int_equal(st.iter, 4);
    snapshot_state_fini(&st);
    /* Another run's network is not this one's. */
    c.net.bilinear_dim = 128;
    assert_int_equal(check(path, &c, &st, &err), ST_SHAPE);
    assert_non_null(strstr(err.msg, "tensor head.fc.weight has shape [3, 64]"));
    /* A second history for Adam's, which an SGD snapshot lacks, comes after
     * the type (the cause). */
    c = tiny();
    c.solver.type = SOLVER_ADAM;
    assert_int_equal(check(path, &c, &st, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "written by solver type SGD"));
}

static void test_snapshot_names(void **state) {
    (void)state;
    static const struct {
        const char *name;
        int iter;
    } cases[] = {
        {"iter_0.safetensors", 0},
        {"iter_12.safetensors", 12},
        {"iter_1000000000.safetensors", 1000000000},
        {"iter_012.safetensors", -1},
        {"iter_-1.safetensors", -1},
        {"iter_+1.safetensors", -1},
        {"iter_ 1.safetensors", -1},
        {"iter_.safetensors", -1},
        {"iter_12.safetensors.tmp.4242", -1},
        {"iter_12.safetensors.bad", -1},
        {"iter_12.safetensorsx", -1},
        {"iter_12.npy", -1},
        {"iter_99999999999.safetensors", -1},
        {"Iter_12.safetensors", -1},
        {"", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (snapshot_name_iter(cases[i].name) != cases[i].iter)
            fail_msg("%s: %d, not %d", cases[i].name, snapshot_name_iter(cases[i].name),
                     cases[i].iter);
    char path[64];
    snapshot_path(path, sizeof path, "d", 40);
    assert_string_equal(path, "d/iter_40.safetensors");
}

/* Each damage of iter_4: refused by the check, naming the file and the
 * cause, and by a restore, which leaves the trainer's parameters,
 * histories and iteration as they were; after all of them the trainer
 * still restores the good file. */
static void test_snapshot_damage_is_refused_and_changes_nothing(void **state) {
    (void)state;
    TrainConfig c = tiny();
    Trainer *t = trainer_create(&c, NULL, NULL);
    assert_non_null(t);
    size_t n0, n1;
    float *before = param_state(t, &n0);
    char good[200], bad[200];
    snap(good, sizeof good, "iter_4.safetensors");
    int n;
    const TestSnapDamage *d = testsnap_damages(&n);
    for (int i = 0; i < n; i++) {
        /* Named as the good one is, so a name that disagrees shows. */
        snprintf(bad, sizeof bad, "%s/bad%d", dir, i);
        assert_int_equal(fileio_mkdirs(bad, NULL), ST_OK);
        snprintf(bad + strlen(bad), sizeof bad - strlen(bad), "/iter_4.safetensors");
        d[i].apply(good, bad);
        SnapshotState st;
        Error err = {0};
        Status s = check(bad, &c, &st, &err);
        printf("%-40s %s\n", d[i].name, err.msg);
        if (s == ST_OK) fail_msg("%s: accepted", d[i].name);
        if (!strstr(err.msg, bad)) fail_msg("%s: '%s' does not name the file", d[i].name, err.msg);
        if (d[i].expect && !strstr(err.msg, d[i].expect))
            fail_msg("%s: '%s' lacks '%s'", d[i].name, err.msg, d[i].expect);
        Error rerr = {0};
        assert_int_equal(trainer_restore(t, bad, &rerr), s);
        assert_string_equal(rerr.msg, err.msg);
        assert_int_equal(trainer_iter(t), 0);
        float *after = param_state(t, &n1);
        assert_int_equal(n0, n1);
        if (memcmp(before, after, n0 * sizeof(float)))
            fail_msg("%s: the trainer changed", d[i].name);
        free(after);
    }
    free(before);
    Error err = {0};
    assert_int_equal(trainer_restore(t, good, &err), ST_OK);
    assert_int_equal(trainer_iter(t), 4);
    trainer_destroy(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_reads_back_the_trainers_state),
        cmocka_unit_test(test_snapshot_names),
        cmocka_unit_test(test_snapshot_damage_is_refused_and_changes_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
