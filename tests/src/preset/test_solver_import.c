/*
 * test_solver_import — a tutorial-style Caffe solver.prototxt becomes a
 * [solver] section that preset_parse accepts with the same values; unused
 * fields become comments; every Caffe solver type, as the type string or
 * the old solver_type enum (names and numbers), becomes `type` with its
 * rms_decay, delta and momentum2; unknown types, typos and malformed lines
 * are errors naming file and line. Also drives `finelab import-solver`.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/io/fileio.h"
#include "src/cli/cli.h"
#include "src/cli/cmd_import_solver.h"
#include "src/preset/preset.h"
#include "src/preset/solver_import.h"
#include "engine/train/solver.h"
#include "tests/lib/testpreset.h"
#include "tests/lib/testutil.h"

static const char tutorial[] =
    "# ft_last_layer: train only the classifier on frozen VGG-16 features\n"
    "net: \"ft_last_layer/train_val.prototxt\"\n"
    "test_iter: 1192   # the 10% held out, one image per batch\n"
    "test_interval: 1000\n"
    "test_initialization: false\n"
    "display: 100\n"
    "average_loss: 100\n"
    "\n"
    "base_lr: 0.1\n"
    "lr_policy: \"multistep\"\n"
    "gamma: 0.25\n"
    "stepvalue: 20000\n"
    "stepvalue: 30000\n"
    "stepvalue: 40000\n"
    "stepvalue: 50000\n"
    "max_iter: 60000\n"
    "momentum: 0.9\n"
    "weight_decay: 0\n"
    "iter_size: 4\n"
    "snapshot: 10000\n"
    "snapshot_prefix: \"snapshots/ft # last layer\"\n"
    "solver_mode: GPU\n"
    "type: \"SGD\"\r\n"
    "random_seed: -1\n";

static void test_solver_import_tutorial(void **state) {
    (void)state;
    Error err = {0};
    char *ini = solver_import(tutorial, "ft_last_layer/solver.prototxt", &err);
    if (!ini) fail_msg("%s", err.msg);
    assert_true(strncmp(ini, "[solver]\n", 9) == 0);
    assert_non_null(strstr(ini, "\n; ft_last_layer: train only the classifier"));
    assert_non_null(strstr(ini, "\n; not used: net: \"ft_last_layer/train_val.prototxt\"\n"));
    assert_non_null(strstr(ini, "\n; not used: snapshot_prefix: \"snapshots/ft # last layer\"\n"));
    assert_non_null(strstr(ini, "\n; not used: solver_mode: GPU\n"));
    assert_non_null(strstr(ini, "\ntype = SGD\n"));
    assert_non_null(strstr(ini, "\n; not used: random_seed: -1"));
    assert_non_null(strstr(ini, "\ntest_iter = 1192 ; the 10% held out"));
    assert_non_null(strstr(ini, "\nlr_policy = multistep\n"));
    assert_non_null(strstr(ini, "\nstepvalue = 20000\nstepvalue = 30000\n"));
    assert_null(strstr(ini, "Caffe's defaults")); /* the file sets all of them */

    Preset p;
    assert_int_equal(preset_parse(&p, ini, "ft_last_layer.ini", &err), ST_OK);
    testpreset_expect_stage1_solver(&p);
    static const char *const read[] = {
        "solver.stepvalue=20000, 30000, 40000, 50000",
        "solver.test_iter=1192",
        "solver.test_interval=1000",
        "solver.test_initialization=false",
        "solver.display=100",
        "solver.average_loss=100",
        "solver.snapshot=10000",
        "solver.random_seed=1", /* finelab's default, not Caffe's -1 */
    };
    testpreset_expect(&p, read, sizeof read / sizeof read[0]);
    assert_int_equal(preset_validate(&p, &err), ST_OK);
    free(ini);
}

/* Fields a file leaves out get Caffe's defaults where finelab's differ;
 * blocks, [lists] and the old solver_type enum are understood. */
static void test_solver_import_defaults_blocks_lists(void **state) {
    (void)state;
    const char *text = "base_lr: 1e-3\n"
                       "lr_policy: 'multistep'\n"
                       "stepvalue: [100, 200]\n"
                       "stepvalue: 300;\n"
                       "max_iter:400\n"
                       "train_state {  # training\n"
                       "  stage: \"{ not a brace }\"\n"
                       "}\n"
                       "test_state { stage: 'val' }\n"
                       "solver_type: SGD\n";
    Error err = {0};
    char *ini = solver_import(text, "s.prototxt", &err);
    if (!ini) fail_msg("%s", err.msg);
    assert_non_null(strstr(ini, "\n; not used: train_state {  # training\n; not used: stage:"));
    assert_non_null(strstr(ini, "\n; not used: test_state { stage: 'val' }\n"));
    assert_non_null(strstr(ini, "\nstepvalue = 100, 200\n"));
    Preset p;
    assert_int_equal(preset_parse(&p, ini, "s.ini", &err), ST_OK);
    assert_true(p.solver.base_lr == 1e-3);
    assert_int_equal(p.solver.n_stepvalue, 3);
    assert_int_equal(p.solver.max_iter, 400);
    assert_true(p.solver.momentum == 0 && p.solver.weight_decay == 0); /* Caffe's defaults */
    assert_int_equal(p.solver.test_interval, 0);
    assert_int_equal(p.solver.display, 0);
    free(ini);
}

/* Every type, by Caffe's string (any case) and by the old enum's names and
 * numbers (SGD = 0 ... ADAM = 5), with the fields of the adaptive ones. */
static void test_solver_import_types(void **state) {
    (void)state;
    static const struct {
        const char *text;
        SolverType type;
    } cases[] = {
        {"type: \"SGD\"\n", SOLVER_SGD},
        {"type: \"Nesterov\"\n", SOLVER_NESTEROV},
        {"type: \"AdaGrad\"\n", SOLVER_ADAGRAD},
        {"type: \"RMSProp\"\n", SOLVER_RMSPROP},
        {"type: \"AdaDelta\"\n", SOLVER_ADADELTA},
        {"type: \"Adam\"\n", SOLVER_ADAM},
        {"type: 'adam'\n", SOLVER_ADAM},
        {"solver_type: SGD\n", SOLVER_SGD},
        {"solver_type: NESTEROV\n", SOLVER_NESTEROV},
        {"solver_type: ADAGRAD\n", SOLVER_ADAGRAD},
        {"solver_type: RMSPROP\n", SOLVER_RMSPROP},
        {"solver_type: ADADELTA\n", SOLVER_ADADELTA},
        {"solver_type: ADAM\n", SOLVER_ADAM},
        {"solver_type: 0\n", SOLVER_SGD},
        {"solver_type: 1\n", SOLVER_NESTEROV},
        {"solver_type: 2\n", SOLVER_ADAGRAD},
        {"solver_type: 3\n", SOLVER_RMSPROP},
        {"solver_type: 4\n", SOLVER_ADADELTA},
        {"solver_type: 5\n", SOLVER_ADAM},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Error err = {0};
        char *ini = solver_import(cases[i].text, "t.prototxt", &err);
        if (!ini) fail_msg("case %zu: %s", i, err.msg);
        char line[64];
        snprintf(line, sizeof line, "\ntype = %s\n", solver_type_name(cases[i].type));
        if (!strstr(ini, line)) fail_msg("case %zu: no '%s' in\n%s", i, line + 1, ini);
        Preset p;
        assert_int_equal(preset_parse(&p, ini, "t.ini", &err), ST_OK);
        assert_int_equal(p.solver.type, cases[i].type);
        free(ini);
    }
    /* Caffe's Adam example (examples/mnist/lenet_solver_adam.prototxt). */
    const char *adam = "base_lr: 0.001\nmomentum: 0.9\nmomentum2: 0.999\ndelta: 1e-8\n"
                       "lr_policy: \"fixed\"\ntype: \"Adam\"\n";
    Error err = {0};
    char *ini = solver_import(adam, "adam.prototxt", &err);
    if (!ini) fail_msg("%s", err.msg);
    assert_non_null(strstr(ini, "\nmomentum2 = 0.999\ndelta = 1e-8\n"));
    Preset p;
    assert_int_equal(preset_parse(&p, ini, "adam.ini", &err), ST_OK);
    assert_int_equal(p.solver.type, SOLVER_ADAM);
    assert_true(p.solver.momentum == 0.9 && p.solver.momentum2 == 0.999);
    assert_true(p.solver.delta == 1e-8);
    free(ini);
    /* RMSProp's, by the old enum, with its decay. */
    const char *rms = "solver_type: RMSPROP\nrms_decay: 0.98\ndelta: 1e-6\n";
    ini = solver_import(rms, "rms.prototxt", &err);
    if (!ini) fail_msg("%s", err.msg);
    assert_non_null(strstr(ini, "\ntype = RMSProp\nrms_decay = 0.98\ndelta = 1e-6\n"));
    assert_int_equal(preset_parse(&p, ini, "rms.ini", &err), ST_OK);
    assert_int_equal(p.solver.type, SOLVER_RMSPROP);
    assert_true(p.solver.rms_decay == 0.98 && p.solver.delta == 1e-6);
    assert_true(p.solver.momentum == 0); /* Caffe's default, as RMSProp requires */
    free(ini);
}

static void test_solver_import_errors(void **state) {
    (void)state;
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"base_lr: 0.1\ntype: \"Adamax\"\n",
         "x.prototxt:2: type: expects one of SGD, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam "
         "(got 'Adamax')"},
        {"solver_type: 6\n", "x.prototxt:1: solver_type: expects one of SGD, Nesterov"},
        {"solver_type: -1\n", "x.prototxt:1: solver_type: expects one of SGD, Nesterov"},
        {"type: \"Adam\"\nsolver_type: ADAM\n",
         "x.prototxt:2: solver_type: given twice (first on line 1 as type)"},
        {"rms_decay: 1\n", "x.prototxt:1: rms_decay: expects a number > 0 and < 1 (got '1')"},
        {"momentum2: 1\n", "x.prototxt:1: momentum2: expects a number >= 0 and < 1 (got '1')"},
        {"delta: 0\n", "x.prototxt:1: delta: expects a number > 0 and <= 1 (got '0')"},
        {"# c\nbase_lr 0.1\n",
         "x.prototxt:2: malformed line 'base_lr 0.1' (expected 'key: value')"},
        {"net: \"a.prototxt\n", "x.prototxt:1: a quoted value is not closed"},
        {"base_lr:\n", "x.prototxt:1: malformed line 'base_lr:'"},
        {"max_iter: 10 20\n", "x.prototxt:1: malformed line 'max_iter: 10 20'"},
        {"\n\nbse_lr: 0.1\n", "x.prototxt:3: bse_lr: not a field of Caffe's solver"},
        {"base_lr: -1\n", "x.prototxt:1: base_lr: expects a number > 0 and <= 100 (got '-1')"},
        {"lr_policy: \"cosine\"\n", "x.prototxt:1: lr_policy: expects one of fixed, step"},
        {"max_iter: 10\nmax_iter: 20\n", "x.prototxt:2: max_iter: given twice (first on line 1)"},
        {"gamma: [1, 2]\n", "x.prototxt:1: gamma: a [list] is only allowed for stepvalue"},
        {"net_param {\n layer {}\n", "x.prototxt:2: a '{' block is not closed"},
        {"}\n", "x.prototxt:1: a '}' without its '{'"},
        {"base_lr {\n}\n", "x.prototxt:1: base_lr: not a block field of Caffe's solver"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Error err = {0};
        char *ini = solver_import(cases[i].text, "x.prototxt", &err);
        if (ini) fail_msg("case %zu imported:\n%s", i, ini);
        assert_int_equal(err.status, ST_FORMAT);
        if (strncmp(err.msg, cases[i].message, strlen(cases[i].message)) != 0)
            fail_msg("case %zu:\n  got      %s\n  expected %s", i, err.msg, cases[i].message);
    }
    /* The 33rd stepvalue is one too many, on whichever line it comes. */
    char text[1024] = "stepvalue: [1, 2, 3]\n";
    for (int i = 4; i <= 33; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "stepvalue: %d\n", i);
    Error err = {0};
    assert_null(solver_import(text, "x.prototxt", &err));
    assert_string_equal(err.msg,
                        "x.prototxt:31: stepvalue: takes at most 32 values in all (this makes 33)");
}

/* Runs the command with stdout in a file; returns its exit code and the
 * file's content in out (caller frees). */
static int run_command(const char *arg, char **out) {
    char path[] = "/tmp/finelab_test_import_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    dup2(fd, STDOUT_FILENO);
    char name[] = "import-solver", file[256];
    snprintf(file, sizeof file, "%s", arg ? arg : "");
    char *argv[] = {name, file, NULL};
    int rc = cmd_import_solver(arg ? 2 : 1, argv);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(fd);
    uint8_t *data;
    size_t len;
    assert_int_equal(fileio_read_all(path, &data, &len, NULL), ST_OK);
    *out = (char *)data;
    unlink(path);
    return rc;
}

static void test_solver_import_command(void **state) {
    (void)state;
    char path[] = "/tmp/finelab_test_solver_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(fileio_write_atomic(path, tutorial, strlen(tutorial), NULL), ST_OK);
    char *out;
    assert_int_equal(run_command(path, &out), CLI_OK);
    assert_true(strncmp(out, "[solver]\n", 9) == 0);
    assert_non_null(strstr(out, "\nmax_iter = 60000\n"));
    free(out);
    const char *bad = "type: \"Adamax\"\n";
    assert_int_equal(fileio_write_atomic(path, bad, strlen(bad), NULL), ST_OK);
    assert_int_equal(run_command(path, &out), CLI_BAD_INPUT);
    assert_string_equal(out, "");
    free(out);
    unlink(path);
    assert_int_equal(run_command("/nonexistent/solver.prototxt", &out), CLI_BAD_INPUT);
    free(out);
    assert_int_equal(run_command(NULL, &out), CLI_BAD_INPUT);
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_solver_import_tutorial),
        cmocka_unit_test(test_solver_import_defaults_blocks_lists),
        cmocka_unit_test(test_solver_import_types),
        cmocka_unit_test(test_solver_import_errors),
        cmocka_unit_test(test_solver_import_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
