/*
 * test_runner — whole runs through the run store: a preset whose dataset,
 * weights, init_from or images are bad fails as bad input naming the key
 * and file, and leaves no run directory; a run stopped and resumed writes
 * the same metrics.tsv rows (all but the timing columns) as one that never
 * stopped; a run whose process died, running or still queued, reads as
 * interrupted and resumes (from iteration 0 without a snapshot), while the
 * finished states stay; a finished or live queued run refuses to resume; a
 * sweep's runs carry their labels and compare shows what differs. A
 * metrics.tsv or log.txt that stops taking appends (ENOSPC, through
 * /dev/full) fails the run at once with the file and the cause, before
 * any later snapshot; resuming it drops a partial last line and the
 * temporary files of a dead writer, and ends with the rows of a run that
 * never failed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/io/fileio.h"
#include "engine/io/safetensors.h"
#include "engine/synth/synth.h"
#include "src/report/compare.h"
#include "src/run/model.h"
#include "src/run/runner.h"
#include "tests/lib/testlab.h"
#include "tests/lib/testpreset.h"
#include "tests/lib/testutil.h"

static TestLab lab; /* a generated dataset and a run store, shared by the tests */

static int setup(void **state) {
    (void)state;
    return testlab_init(&lab, "runner", 3, 12);
}

static int teardown(void **state) {
    (void)state;
    return testlab_fini(&lab);
}

static void tiny(Preset *p) {
    preset_defaults(p);
    const char *sets[] = {
        "experiment.name=tiny",   "experiment.threads=1",   "data.split=official",
        "data.resize=36",         "data.resolution=32",     "data.loader_threads=1",
        "model.width=0.0625",     "model.bilinear_dim=128", "transfer.mode=scratch",
        "solver.base_lr=0.01",    "solver.max_iter=24",     "solver.batch_size=6",
        "solver.test_iter=3",     "solver.test_interval=8", "solver.display=4",
        "solver.average_loss=3",  "solver.snapshot=6",      "solver.lr_policy=multistep",
        "solver.stepvalue=10,10", "solver.gamma=0.5",
    };
    testpreset_apply(p, sets, sizeof sets / sizeof sets[0]);
    testpreset_set(p, "data.dataset=%s", lab.data);
    assert_int_equal(preset_validate(p, NULL), ST_OK);
}

/* Expects runner_run of p to fail as bad input naming frag, leaving the
 * run store as it was. */
static void expect_refused(const Preset *p, const char *frag) {
    int before = testlab_run_count(&lab);
    RunResult res;
    Error err = {0};
    assert_int_not_equal(runner_run(p, "", lab.runs, NULL, &res, &err), ST_OK);
    assert_true(res.bad_input);
    assert_string_equal(res.run_dir, "");
    if (!strstr(err.msg, frag)) fail_msg("'%s' lacks '%s'", err.msg, frag);
    assert_int_equal(testlab_run_count(&lab), before);
}

/* [model] init reaches the network as it is; the defaults are NetConfig's
 * own (init = default, init_std 0.001), which reproduce the weights
 * finelab made before the key existed (test_net). */
static void test_runner_config_passes_the_init(void **state) {
    (void)state;
    Preset *p = malloc(sizeof *p);
    TrainConfig *c = malloc(sizeof *c);
    assert_true(p && c);
    preset_defaults(p);
    runner_config(p, NULL, c);
    NetConfig d = net_config_default();
    assert_int_equal(c->net.init, d.init);
    assert_true(c->net.init_std == d.init_std);
    const char *names[] = {"msra", "xavier", "gaussian"};
    const NetInit want[] = {NET_INIT_MSRA, NET_INIT_XAVIER, NET_INIT_GAUSSIAN};
    for (int i = 0; i < 3; i++) {
        testpreset_set(p, "model.init=%s", names[i]);
        testpreset_set(p, "model.init_std=0.%d", i + 2);
        runner_config(p, NULL, c);
        assert_int_equal(c->net.init, want[i]);
        assert_true(c->net.init_std == (float)(0.2 + 0.1 * i));
    }
    free(p);
    free(c);
}

static void test_runner_bad_files_leave_no_run(void **state) {
    (void)state;
    Preset p;
    tiny(&p);
    assert_int_equal(preset_set(&p, "data.dataset=/nonexistent/birds", NULL), ST_OK);
    expect_refused(&p, "data.dataset: /nonexistent/birds");
    tiny(&p);
    assert_int_equal(preset_set(&p, "transfer.mode=last_layer", NULL), ST_OK);
    assert_int_equal(preset_set(&p, "model.weights=/nonexistent/w.safetensors", NULL), ST_OK);
    expect_refused(&p, "model.weights: /nonexistent/w.safetensors");
    tiny(&p);
    assert_int_equal(preset_set(&p, "transfer.init_from=no_such_stage", NULL), ST_OK);
    expect_refused(&p, "transfer.init_from: 'no_such_stage'");
    /* An image that does not decode is found when the run opens its
     * dataset, still before the run directory. */
    char img[600], bad[200];
    snprintf(bad, sizeof bad, "%s/badbirds", lab.dir);
    SynthConfig sc = {.classes = 3, .per_class = 4, .size = 64, .seed = 5};
    SynthReport rep;
    assert_int_equal(synth_generate(&sc, bad, &rep, NULL), ST_OK);
    snprintf(img, sizeof img, "%s/images.txt", bad);
    uint8_t *text;
    size_t len;
    assert_int_equal(fileio_read_all(img, &text, &len, NULL), ST_OK);
    char first[256];
    assert_int_equal(sscanf((char *)text, "%*d %255s", first), 1);
    free(text);
    snprintf(img, sizeof img, "%s/images/%s", bad, first);
    assert_int_equal(fileio_write_atomic(img, "not a jpeg", 10, NULL), ST_OK);
    tiny(&p);
    testpreset_set(&p, "data.dataset=%s", bad);
    expect_refused(&p, first);
}

/* Runs p stopped after stop_after rows (into *part), checks it reads as
 * stopped, and resumes it to the end (into *rest). */
static void run_stopped_then_resumed(const Preset *p, int stop_after, RunResult *part,
                                     RunResult *rest) {
    Error err = {0};
    TestStopper st = {.stop_after = stop_after};
    RunnerCallbacks cb = testlab_stopper(&st);
    assert_int_equal(runner_run(p, "", lab.runs, &cb, part, &err), ST_OK);
    assert_int_equal(part->state, RUN_STOPPED);
    RunStatus s;
    assert_int_equal(runstore_read_status(part->run_dir, &s, NULL), ST_OK);
    assert_int_equal(s.state, RUN_STOPPED);
    assert_int_equal(runner_resume(part->run_dir, lab.runs, NULL, rest, &err), ST_OK);
    assert_int_equal(rest->state, RUN_DONE);
}

static void test_runner_stop_and_resume_equal_uninterrupted(void **state) {
    (void)state;
    Preset p;
    tiny(&p);
    RunResult full, part, rest;
    Error err = {0};
    assert_int_equal(runner_run(&p, "", lab.runs, NULL, &full, &err), ST_OK);
    assert_int_equal(full.state, RUN_DONE);
    run_stopped_then_resumed(&p, 5, &part, &rest);
    testlab_expect_same_rows(full.run_dir, part.run_dir);
    assert_true(rest.final_accuracy == full.final_accuracy);
    /* A finished run does not resume. */
    assert_int_equal(runner_resume(full.run_dir, lab.runs, NULL, &rest, &err), ST_STATE);
    assert_non_null(strstr(err.msg, "done"));
}

/* The validation pass that chose: the highest accuracy, then the lowest
 * loss, the earliest on a tie (as the trainer keeps it). */
static int best_val_iter(const RunRow *rows, int n) {
    int best = -1;
    for (int i = 0; i < n; i++) {
        if (!rows[i].heldout) continue;
        assert_true(rows[i].val); /* the curve is the validation split's only */
        if (best < 0 || rows[i].accuracy > rows[best].accuracy ||
            (rows[i].accuracy == rows[best].accuracy && rows[i].loss < rows[best].loss))
            best = i;
    }
    assert_true(best >= 0);
    return rows[best].iter;
}

static void test_runner_validation_split_chooses_and_tests_once(void **state) {
    (void)state;
    Preset p;
    tiny(&p);
    testpreset_set(&p, "data.val=0.34");
    testpreset_set(&p, "solver.test_interval=4");
    testpreset_set(&p, "solver.snapshot=4");
    testpreset_set(&p, "solver.base_lr=0.05");
    RunResult res;
    Error err = {0};
    assert_int_equal(runner_run(&p, "", lab.runs, NULL, &res, &err), ST_OK);
    assert_int_equal(res.state, RUN_DONE);
    assert_string_equal(res.heldout, "val");
    RunStatus st;
    assert_int_equal(runstore_read_status(res.run_dir, &st, NULL), ST_OK);
    assert_string_equal(st.heldout, "val");
    /* 2 of each class's 6 training images held out; the test split whole */
    assert_int_equal(st.val_images, 6);
    assert_int_equal(st.train_images, 12);
    assert_int_equal(st.test_images, 18);
    RunRow *rows;
    int n;
    assert_int_equal(runstore_read_metrics(res.run_dir, &rows, &n, NULL), ST_OK);
    int best = best_val_iter(rows, n);
    free(rows);
    assert_int_equal(st.test_iter, best);
    assert_true(st.test_accuracy >= 0 && fabs(st.test_accuracy - res.test_accuracy) < 1e-6);
    /* The test figure is the weights of that pass, over the whole test
     * split: what eval reads from the snapshot written there. */
    char snap[1200];
    snprintf(snap, sizeof snap, "%s/snapshots/iter_%d.safetensors", res.run_dir, best);
    Model m;
    ModelSource src = {.spec = res.run_dir, .runs_dir = lab.runs, .weights = snap};
    assert_int_equal(model_open(&m, &src, &err), ST_OK);
    ModelEval ev;
    assert_int_equal(model_eval(&m, &ev, &err), ST_OK);
    assert_int_equal(ev.n, 18);
    assert_true(fabs((double)ev.correct / ev.n - st.test_accuracy) < 1e-6);
    assert_true(fabs(ev.loss - st.test_loss) <= 1e-5 * st.test_loss + 1e-6);
    model_eval_fini(&ev);
    model_close(&m);
    /* Stopped and resumed, the run chooses the same pass and tests it the
     * same: the kept weights are in its snapshots. */
    RunResult part, rest;
    run_stopped_then_resumed(&p, 7, &part, &rest);
    testlab_expect_same_rows(res.run_dir, part.run_dir);
    RunStatus again;
    assert_int_equal(runstore_read_status(part.run_dir, &again, NULL), ST_OK);
    assert_int_equal(again.test_iter, st.test_iter);
    assert_true(again.test_accuracy == st.test_accuracy && again.test_loss == st.test_loss);
}

static void test_runner_dead_process_reads_interrupted_and_resumes(void **state) {
    (void)state;
    Preset p;
    tiny(&p);
    TestStopper st = {.stop_after = 3};
    RunnerCallbacks cb = testlab_stopper(&st);
    RunResult res;
    Error err = {0};
    assert_int_equal(runner_run(&p, "", lab.runs, &cb, &res, &err), ST_OK);
    /* Pretend the run was still running in a process that has since died. */
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, NULL, 0);
    RunWriter w;
    memset(&w, 0, sizeof w);
    snprintf(w.dir, sizeof w.dir, "%s", res.run_dir);
    assert_int_equal(runstore_read_status(res.run_dir, &w.status, NULL), ST_OK);
    w.status.state = RUN_RUNNING;
    assert_int_equal(runstore_write_status(&w, NULL), ST_OK);
    /* runstore_write_status stamps our own pid; put the dead one in. */
    char path[1200];
    snprintf(path, sizeof path, "%s/status.ini", res.run_dir);
    uint8_t *text;
    size_t len;
    assert_int_equal(fileio_read_all(path, &text, &len, NULL), ST_OK);
    char pid_line[64], *at = strstr((char *)text, "pid = ");
    assert_non_null(at);
    snprintf(pid_line, sizeof pid_line, "pid = %ld", (long)child);
    char *eol = strchr(at, '\n');
    char fixed[4096];
    snprintf(fixed, sizeof fixed, "%.*s%s%s", (int)(at - (char *)text), (char *)text, pid_line,
             eol);
    free(text);
    assert_int_equal(fileio_write_atomic(path, fixed, strlen(fixed), NULL), ST_OK);
    RunStatus s;
    assert_int_equal(runstore_read_status(res.run_dir, &s, NULL), ST_OK);
    assert_int_equal(s.state, RUN_INTERRUPTED);
    RunResult rest;
    assert_int_equal(runner_resume(res.run_dir, lab.runs, NULL, &rest, &err), ST_OK);
    assert_int_equal(rest.state, RUN_DONE);
}

/* Forks a process that creates a run of p (state queued, as while the
 * feature cache builds) and then waits; the run directory into run_dir. */
static pid_t queued_run(const Preset *p, char *run_dir, size_t cap) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        char *text = preset_format(p);
        RunWriter w;
        if (!text || runstore_create(&w, lab.runs, p->experiment.name, text, NULL)) _exit(1);
        w.status.state = RUN_QUEUED; /* as older versions wrote a run not yet training */
        if (runstore_write_status(&w, NULL)) _exit(1);
        if (write(fds[1], w.dir, strlen(w.dir) + 1) < 0) _exit(1);
        alarm(60); /* ends it even when a failed assertion skips the kill */
        for (;;) pause();
    }
    close(fds[1]);
    ssize_t n = read(fds[0], run_dir, cap - 1);
    close(fds[0]);
    assert_true(n > 0);
    run_dir[n] = '\0';
    return child;
}

static void test_runner_killed_queued_run_reads_interrupted(void **state) {
    (void)state;
    Preset p;
    tiny(&p);
    char run_dir[1024];
    pid_t child = queued_run(&p, run_dir, sizeof run_dir);
    RunStatus s;
    assert_int_equal(runstore_read_status(run_dir, &s, NULL), ST_OK);
    assert_int_equal(s.state, RUN_QUEUED); /* its process lives */
    RunResult res;
    Error err = {0};
    assert_int_equal(runner_resume(run_dir, lab.runs, NULL, &res, &err), ST_STATE);
    assert_non_null(strstr(err.msg, "queued"));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    assert_int_equal(runstore_read_status(run_dir, &s, NULL), ST_OK);
    assert_int_equal(s.state, RUN_INTERRUPTED);
    /* No snapshot to continue from: it trains again from iteration 0, in
     * the same directory, and writes the rows of a run that never died. */
    assert_int_equal(runner_resume(run_dir, lab.runs, NULL, &res, &err), ST_OK);
    assert_int_equal(res.state, RUN_DONE);
    assert_string_equal(res.run_dir, run_dir);
    RunResult full;
    assert_int_equal(runner_run(&p, "", lab.runs, NULL, &full, &err), ST_OK);
    testlab_expect_same_rows(full.run_dir, run_dir);
    assert_true(res.final_accuracy == full.final_accuracy);
}

/* Finished states are kept whatever became of their process. */
static void test_runner_finished_states_outlive_their_process(void **state) {
    (void)state;
    Preset p;
    tiny(&p);
    char run_dir[1024];
    pid_t child = queued_run(&p, run_dir, sizeof run_dir);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    const RunState finished[] = {RUN_DONE, RUN_FAILED, RUN_STOPPED, RUN_DIVERGED};
    for (size_t i = 0; i < sizeof finished / sizeof finished[0]; i++) {
        RunWriter w;
        memset(&w, 0, sizeof w);
        snprintf(w.dir, sizeof w.dir, "%s", run_dir);
        assert_int_equal(runstore_read_status(run_dir, &w.status, NULL), ST_OK);
        w.status.state = finished[i];
        assert_int_equal(runstore_write_status(&w, NULL), ST_OK);
        char path[1200];
        snprintf(path, sizeof path, "%s/status.ini", run_dir);
        uint8_t *text;
        size_t len;
        assert_int_equal(fileio_read_all(path, &text, &len, NULL), ST_OK);
        char *at = strstr((char *)text, "pid = "), *eol = strchr(at, '\n');
        char fixed[4096];
        snprintf(fixed, sizeof fixed, "%.*spid = %ld%s", (int)(at - (char *)text), (char *)text,
                 (long)child, eol);
        free(text);
        assert_int_equal(fileio_write_atomic(path, fixed, strlen(fixed), NULL), ST_OK);
        RunStatus s;
        assert_int_equal(runstore_read_status(run_dir, &s, NULL), ST_OK);
        assert_int_equal(s.state, finished[i]);
    }
}

static void test_runner_sweep_labels_and_compare(void **state) {
    (void)state;
    Preset p, one;
    tiny(&p);
    assert_int_equal(preset_set(&p, "solver.max_iter=4", NULL), ST_OK);
    assert_int_equal(preset_set(&p, "sweep.model.bilinear_dim=64, 128", NULL), ST_OK);
    assert_int_equal(preset_sweep_count(&p), 2);
    char *ids[2];
    RunResult res[2];
    for (int k = 0; k < 2; k++) {
        char label[256];
        assert_int_equal(preset_sweep_item(&p, k, &one, label, sizeof label, NULL), ST_OK);
        assert_int_equal(runner_run(&one, label, lab.runs, NULL, &res[k], NULL), ST_OK);
        RunStatus st;
        assert_int_equal(runstore_read_status(res[k].run_dir, &st, NULL), ST_OK);
        assert_non_null(strstr(st.sweep, k ? "model.bilinear_dim=128" : "model.bilinear_dim=64"));
        ids[k] = res[k].run_dir;
    }
    CompareTable t;
    assert_int_equal(compare_load(&t, lab.runs, ids, 2, 0, NULL), ST_OK);
    assert_string_equal(t.rows[0].label, "model.bilinear_dim");
    assert_true(t.rows[0].differs);
    assert_string_equal(t.rows[0].cells[1], "128");
    assert_true(t.rows[1].result); /* nothing else differs in the preset */
    char *csv = compare_format(&t, COMPARE_CSV);
    assert_non_null(strstr(csv, "model.bilinear_dim,64,128"));
    free(csv);
    compare_fini(&t);
    /* Listing finds every run created in this test file. */
    char **list;
    int n;
    assert_int_equal(runstore_list(lab.runs, &list, &n, NULL), ST_OK);
    assert_true(n >= 5);
    runstore_free_list(list, n);
}

/* A tiny safetensors file, with "input" metadata when input is not NULL. */
static void write_weights(const char *path, const char *input) {
    SafeTensorsWriter *w = safetensors_writer_create();
    static const float one = 1;
    const int64_t shape[1] = {1};
    assert_int_equal(safetensors_writer_add(w, "x", shape, 1, &one), ST_OK);
    if (input) assert_int_equal(safetensors_writer_meta(w, "input", input), ST_OK);
    assert_int_equal(safetensors_writer_write(w, path, NULL), ST_OK);
    safetensors_writer_destroy(w);
}

static void test_preflight_input_conventions(void **state) {
    (void)state;
    Preset p;
    tiny(&p);
    char caffe_file[200], plain_file[200];
    snprintf(caffe_file, sizeof caffe_file, "%s/caffe.safetensors", lab.dir);
    snprintf(plain_file, sizeof plain_file, "%s/plain.safetensors", lab.dir);
    write_weights(caffe_file, "bgr255");
    write_weights(plain_file, NULL);
    Normalize n;
    const char *why;
    /* auto without a file: the manual keys (defaults: Caffe's means, bgr) */
    assert_int_equal(preflight_input(&p, NULL, &n, &why, NULL), ST_OK);
    assert_int_equal(n.bgr, 1);
    assert_true(n.mean[0] == 103.939f);
    assert_non_null(strstr(why, "no weights file"));
    /* auto with a file that says what it expects */
    assert_int_equal(preset_set(&p, "data.channel_order=rgb", NULL), ST_OK);
    assert_int_equal(preflight_input(&p, caffe_file, &n, &why, NULL), ST_OK);
    assert_int_equal(n.bgr, 1);
    assert_non_null(strstr(why, "metadata"));
    /* auto with a file that does not: weights_format decides, auto = torchvision */
    assert_int_equal(preflight_input(&p, plain_file, &n, &why, NULL), ST_OK);
    assert_true(n.std[0] == 0.229f && n.bgr == 0);
    assert_int_equal(preset_set(&p, "model.weights_format=caffe", NULL), ST_OK);
    assert_int_equal(preflight_input(&p, plain_file, &n, &why, NULL), ST_OK);
    assert_true(n.bgr == 1 && n.scale == 1.0f);
    /* explicit choices win over the file */
    assert_int_equal(preset_set(&p, "data.normalize=torchvision", NULL), ST_OK);
    assert_int_equal(preflight_input(&p, caffe_file, &n, &why, NULL), ST_OK);
    assert_int_equal(n.bgr, 0);
    assert_int_equal(preset_set(&p, "data.normalize=manual", NULL), ST_OK);
    assert_int_equal(preflight_input(&p, caffe_file, &n, &why, NULL), ST_OK);
    assert_int_equal(n.bgr, 0); /* channel_order = rgb set above */
    /* an unreadable file is named */
    assert_int_equal(preset_set(&p, "data.normalize=auto", NULL), ST_OK);
    Error err = {0};
    assert_int_not_equal(preflight_input(&p, "/nonexistent/w.safetensors", &n, &why, &err), ST_OK);
    assert_non_null(strstr(err.msg, "/nonexistent/w.safetensors"));
}

/* The [data] augmentation keys reach the training loader only; the test
 * loader keeps its centre crop. train_crop = resized is the resized crop,
 * not the uniform one. */
static void test_runner_augmentation_reaches_train_loader_only(void **state) {
    (void)state;
    Preset p;
    tiny(&p);
    TrainConfig c;
    runner_config(&p, NULL, &c);
    Augment off = {0};
    assert_int_equal(augment_any(&c.train_data.aug), 0); /* the ranges hold their defaults */
    assert_true(c.train_data.aug.area[0] == 0.08 && c.train_data.aug.ratio[1] == 4.0 / 3);
    assert_true(c.train_data.bbox_margin == 0 && c.train_data.random_crop == 1);
    const char *on[] = {"data.train_crop=resized", "data.crop_area_min=0.25",
                        "data.crop_ratio_max=2",   "data.rotate=10",
                        "data.brightness=0.2",     "data.contrast=0.3",
                        "data.saturation=0.4",     "data.bbox_margin=0.1"};
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++)
        assert_int_equal(preset_set(&p, on[i], NULL), ST_OK);
    runner_config(&p, NULL, &c);
    const Augment *a = &c.train_data.aug;
    assert_true(a->resized_crop == 1 && c.train_data.random_crop == 0);
    assert_true(a->area[0] == 0.25 && a->area[1] == 1);
    assert_true(a->ratio[0] == 0.75 && a->ratio[1] == 2);
    assert_true(a->rotate == 10 && a->brightness == 0.2 && a->contrast == 0.3 &&
                a->saturation == 0.4);
    assert_memory_equal(&c.test_data.aug, &off, sizeof off);
    assert_true(c.test_data.random_crop == 0 && c.test_data.mirror == 0);
    /* The box margin shapes test images too: it is part of the box cut. */
    assert_true(c.train_data.bbox_margin == 0.1 && c.test_data.bbox_margin == 0.1);
}

static void test_runner_snapshot_records_input(void **state) {
    (void)state;
    Preset p;
    tiny(&p);
    assert_int_equal(preset_set(&p, "solver.max_iter=2", NULL), ST_OK);
    RunResult res;
    assert_int_equal(runner_run(&p, "", lab.runs, NULL, &res, NULL), ST_OK);
    char snap[1200];
    assert_int_equal(runstore_last_snapshot(res.run_dir, snap, sizeof snap, NULL, NULL), ST_OK);
    SafeTensors *st;
    assert_int_equal(safetensors_open(snap, &st, NULL), ST_OK);
    assert_string_equal(safetensors_meta(st, "input"), "bgr255");
    safetensors_close(st);
}

static void test_runner_init_from_preset_name_takes_newest_done_run(void **state) {
    (void)state;
    Preset first, second;
    tiny(&first);
    assert_int_equal(preset_set(&first, "experiment.name=stage1", NULL), ST_OK);
    assert_int_equal(preset_set(&first, "solver.max_iter=3", NULL), ST_OK);
    RunResult r1;
    assert_int_equal(runner_run(&first, "", lab.runs, NULL, &r1, NULL), ST_OK);
    tiny(&second);
    assert_int_equal(preset_set(&second, "experiment.name=stage2", NULL), ST_OK);
    assert_int_equal(preset_set(&second, "transfer.mode=all", NULL), ST_OK);
    assert_int_equal(preset_set(&second, "transfer.init_from=stage1", NULL), ST_OK);
    assert_int_equal(preset_set(&second, "solver.max_iter=2", NULL), ST_OK);
    RunResult r2;
    Error err = {0};
    assert_int_equal(runner_run(&second, "", lab.runs, NULL, &r2, &err), ST_OK);
    char log[1300];
    snprintf(log, sizeof log, "%s/log.txt", r2.run_dir);
    uint8_t *text;
    size_t len;
    assert_int_equal(fileio_read_all(log, &text, &len, NULL), ST_OK);
    char want[1300];
    snprintf(want, sizeof want, "all weights from %s/snapshots/iter_3.safetensors", r1.run_dir);
    assert_non_null(strstr((char *)text, want));
    free(text);
    /* A name without a finished run is an error naming it. */
    assert_int_equal(preset_set(&second, "transfer.init_from=stage9", NULL), ST_OK);
    assert_int_not_equal(runner_run(&second, "", lab.runs, NULL, &r2, &err), ST_OK);
    assert_non_null(strstr(err.msg, "stage9"));
}

/* Points this process's open descriptor of file at /dev/full, where
 * every write fails with ENOSPC: a disk that filled up under the run.
 * Returns 0, or -1 when no descriptor of it is open. */
static int fill_disk_under(const char *file) {
    char want[PATH_MAX], have[PATH_MAX], link[64];
    if (!realpath(file, want)) return -1;
    for (int fd = 3; fd < 1024; fd++) {
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, have, sizeof have - 1);
        if (n <= 0) continue;
        have[n] = '\0';
        if (strcmp(have, want) != 0) continue;
        int full = open("/dev/full", O_WRONLY);
        if (full < 0) return -1;
        int ok = dup2(full, fd) == fd;
        close(full);
        return ok ? 0 : -1;
    }
    return -1;
}

typedef struct Filler {
    char dir[1024];   /* the run's */
    const char *file; /* the file of it whose disk fills */
    int rows, after;  /* rows seen; the disk fills after this many */
    int filled;
} Filler;

static void filler_start(void *ctx, const char *run_dir, const RunStatus *st) {
    (void)st;
    snprintf(((Filler *)ctx)->dir, sizeof((Filler *)ctx)->dir, "%s", run_dir);
}

static void filler_row(void *ctx, const TrainRow *row, const RunStatus *st) {
    (void)row;
    (void)st;
    Filler *f = ctx;
    if (++f->rows != f->after) return;
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", f->dir, f->file);
    f->filled = fill_disk_under(path) == 0;
}

/* Whether dir (not below) holds a file whose name contains part. */
static int dir_has(const char *dir, const char *part) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int found = 0;
    while ((e = readdir(d))) found |= strstr(e->d_name, part) != NULL;
    closedir(d);
    return found;
}

static void append_text(const char *dir, const char *name, const char *text) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The disk under file fills after `after` rows (rows: the test at 0, train
 * at 0 and 4, test at 8, train at 8, ...; snapshots every 6): the next
 * write to file fails, and the run with it at iteration `iter`, before the
 * snapshot at 12. */
static void expect_append_fails_the_run(const char *file, int after, int iter) {
    if (access("/dev/full", W_OK) != 0) skip();
    Preset p;
    tiny(&p);
    RunResult full, res, rest;
    Error err = {0};
    assert_int_equal(runner_run(&p, "", lab.runs, NULL, &full, &err), ST_OK);
    Filler f = {.file = file, .after = after};
    RunnerCallbacks cb = {.ctx = &f, .on_start = filler_start, .on_row = filler_row};
    assert_int_equal(runner_run(&p, "", lab.runs, &cb, &res, &err), ST_IO);
    assert_true(f.filled);
    char want[1200];
    snprintf(want, sizeof want, "%s/%s: cannot write: No space left on device", res.run_dir, file);
    assert_string_equal(err.msg, want);
    assert_int_equal(res.state, RUN_FAILED);
    assert_true(res.unrecorded);
    RunStatus st;
    assert_int_equal(runstore_read_status(res.run_dir, &st, NULL), ST_OK);
    assert_int_equal(st.state, RUN_FAILED);
    assert_string_equal(st.error, want);
    /* It stopped there, not at the next snapshot. */
    assert_int_equal(st.iter, iter);
    char snaps[1200];
    snprintf(snaps, sizeof snaps, "%s/snapshots", res.run_dir);
    assert_true(dir_has(snaps, "iter_6.") && !dir_has(snaps, "iter_12."));
    assert_false(dir_has(res.run_dir, ".tmp.") || dir_has(snaps, ".tmp."));
    assert_false(dir_has(res.run_dir, "reserve"));
    /* What a full disk and a killed writer leave: a partial last line and
     * temporary files; resume drops them and writes the rows again. */
    char tmp[1300];
    append_text(res.run_dir, "metrics.tsv", "8\ttes");
    append_text(res.run_dir, "log.txt", "2026-01-01T00:00:00Z Iterat");
    snprintf(tmp, sizeof tmp, "%s/status.ini.tmp.%d", res.run_dir, 999999999); /* no such pid */
    assert_int_equal(fileio_write_atomic(tmp, "x", 1, NULL), ST_OK);
    snprintf(tmp, sizeof tmp, "%s/iter_12.safetensors.tmp.%d", snaps, 999999999);
    assert_int_equal(fileio_write_atomic(tmp, "x", 1, NULL), ST_OK);
    assert_int_equal(runner_resume(res.run_dir, lab.runs, NULL, &rest, &err), ST_OK);
    assert_int_equal(rest.state, RUN_DONE);
    assert_false(dir_has(res.run_dir, ".tmp.") || dir_has(snaps, ".tmp."));
    assert_false(dir_has(res.run_dir, "reserve"));
    testlab_expect_same_rows(full.run_dir, res.run_dir);
    /* Every line whole: metrics.tsv a header and its rows, log.txt without
     * the cut line running into the next. */
    char path[1200];
    uint8_t *text;
    size_t len;
    RunRow *rows;
    int n, lines = 0;
    assert_int_equal(runstore_read_metrics(res.run_dir, &rows, &n, NULL), ST_OK);
    free(rows);
    snprintf(path, sizeof path, "%s/metrics.tsv", res.run_dir);
    assert_int_equal(fileio_read_all(path, &text, &len, NULL), ST_OK);
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    assert_true(len > 0 && text[len - 1] == '\n');
    assert_int_equal(lines, n + 1);
    free(text);
    snprintf(path, sizeof path, "%s/log.txt", res.run_dir);
    assert_int_equal(fileio_read_all(path, &text, &len, NULL), ST_OK);
    assert_true(len > 0 && text[len - 1] == '\n');
    assert_null(strstr((char *)text, "Iterat2"));
    free(text);
}

static void test_runner_full_metrics_fails_the_run(void **state) {
    (void)state;
    expect_append_fails_the_run("metrics.tsv", 3, 8); /* the test row at 8 */
}

static void test_runner_full_log_fails_the_run(void **state) {
    (void)state;
    /* The log line of the test at 8; the run fails at the next row. */
    expect_append_fails_the_run("log.txt", 4, 9);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runner_config_passes_the_init),
        cmocka_unit_test(test_runner_bad_files_leave_no_run),
        cmocka_unit_test(test_runner_stop_and_resume_equal_uninterrupted),
        cmocka_unit_test(test_runner_validation_split_chooses_and_tests_once),
        cmocka_unit_test(test_runner_dead_process_reads_interrupted_and_resumes),
        cmocka_unit_test(test_runner_killed_queued_run_reads_interrupted),
        cmocka_unit_test(test_runner_finished_states_outlive_their_process),
        cmocka_unit_test(test_runner_sweep_labels_and_compare),
        cmocka_unit_test(test_preflight_input_conventions),
        cmocka_unit_test(test_runner_augmentation_reaches_train_loader_only),
        cmocka_unit_test(test_runner_snapshot_records_input),
        cmocka_unit_test(test_runner_init_from_preset_name_takes_newest_done_run),
        cmocka_unit_test(test_runner_full_metrics_fails_the_run),
        cmocka_unit_test(test_runner_full_log_fails_the_run),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
