/*
 * cmd_model — eval, predict and features. See cmd_model.h.
 *
 * The three commands share one argument parser and one way of turning a
 * library Status into an exit code; the work itself is model.c's. Image
 * files are checked before the network is built, so a typo costs nothing.
 */
#include "src/cli/cmd_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/io/npy.h"
#include "src/cli/cli.h"
#include "src/run/model.h"

enum { MODEL_TOP = 5, MODEL_CONFUSED = 10 };

typedef struct ModelArgs {
    const char *spec, *weights, *runs_dir, *layer, *out;
    const char **images;
    int n_images;
} ModelArgs;

/* What each command accepts. */
typedef struct ModelCmd {
    const char *name, *usage;
    int images; /* 1: takes IMAGE... */
    int layer;  /* 1: takes --layer and --out */
} ModelCmd;

static const ModelCmd eval_cmd = {
    "eval", "finelab eval RUN|PRESET [--weights FILE] [--runs-dir DIR]", 0, 0};
static const ModelCmd predict_cmd = {
    "predict", "finelab predict RUN|PRESET [--weights FILE] [--runs-dir DIR] IMAGE...", 1, 0};
static const ModelCmd features_cmd = {
    "features",
    "finelab features RUN|PRESET [--weights FILE] --layer conv5_3|pool|logits --out FILE.npy "
    "[--runs-dir DIR] IMAGE...",
    1, 1};

/* Library failures: the user's files (2) or the machine (1). */
static int model_exit(Status s) {
    return s == ST_NOMEM || s == ST_STATE || s == ST_NUMERIC ? CLI_FAILED : CLI_BAD_INPUT;
}

static int model_fail(const ModelCmd *c, Status s, const Error *err) {
    cli_error(c->name, "%s", err->msg);
    return model_exit(s);
}

/* Parses argv into a (a->images malloc'd, caller frees); -1 after printing
 * the problem. */
static int model_parse(const ModelCmd *c, int argc, char **argv, ModelArgs *a) {
    memset(a, 0, sizeof *a);
    a->runs_dir = "runs";
    a->images = calloc((size_t)argc, sizeof *a->images);
    if (!a->images) {
        cli_error(c->name, "out of memory");
        return -1;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], **slot = NULL;
        if (strcmp(arg, "--weights") == 0)
            slot = &a->weights;
        else if (strcmp(arg, "--runs-dir") == 0)
            slot = &a->runs_dir;
        else if (c->layer && strcmp(arg, "--layer") == 0)
            slot = &a->layer;
        else if (c->layer && strcmp(arg, "--out") == 0)
            slot = &a->out;
        if (slot) {
            if (!(*slot = cli_value(c->name, argc, argv, &i))) return -1;
        } else if (arg[0] == '-' && arg[1]) {
            cli_error(c->name, "unknown option '%s' (usage: %s)", arg, c->usage);
            return -1;
        } else if (!a->spec) {
            a->spec = arg;
        } else if (c->images) {
            a->images[a->n_images++] = arg;
        } else {
            cli_error(c->name, "unexpected argument '%s' (usage: %s)", arg, c->usage);
            return -1;
        }
    }
    if (!a->spec) {
        cli_error(c->name, "needs a run or a preset (usage: %s)", c->usage);
        return -1;
    }
    if (c->images && a->n_images == 0) {
        cli_error(c->name, "needs at least one image file (usage: %s)", c->usage);
        return -1;
    }
    if (c->layer && (!a->layer || !a->out)) {
        cli_error(c->name, "needs --layer and --out (usage: %s)", c->usage);
        return -1;
    }
    return 0;
}

/* backbone_only: the command uses no more than the pooling (model.h). */
static Status model_load(const ModelArgs *a, int backbone_only, Model *m, Error *err) {
    ModelSource src = {.spec = a->spec,
                       .weights = a->weights,
                       .runs_dir = a->runs_dir,
                       .backbone_only = backbone_only};
    return model_open(m, &src, err);
}

/* --- eval ---------------------------------------------------------------------- */

static void eval_print(const Model *m, const ModelEval *ev) {
    char buf[32];
    printf("model     %s\n", m->run_dir[0] ? m->run_dir : m->preset.source);
    printf("weights   %s\n", m->weights);
    char input[160];
    image_normalize_describe(&m->cfg.test_data.norm, input, sizeof input);
    printf("input     %s (%s)\n", input, m->input_why);
    printf("test      %d images of %s\n", ev->n, m->ds.root);
    printf("accuracy  %.2f%% (%d/%d)\n", 100.0 * ev->correct / ev->n, ev->correct, ev->n);
    printf("loss      %.4f\n", ev->loss);
    printf("per-class accuracy (correct/total):\n");
    for (int k = 0; k < ev->classes; k++) {
        if (!ev->class_total[k]) continue;
        char frac[32];
        snprintf(frac, sizeof frac, "%d/%d", ev->class_correct[k], ev->class_total[k]);
        printf("  %7.2f%%  %9s  %s\n", 100.0 * ev->class_correct[k] / ev->class_total[k], frac,
               model_class_name(m, k, buf, sizeof buf));
    }
}

static int eval_print_confused(const Model *m, const ModelEval *ev) {
    ModelConfusion top[MODEL_CONFUSED];
    int n = model_eval_confused(ev, top, MODEL_CONFUSED);
    if (n < 0) return -1;
    printf("most confused (true -> predicted: images):\n");
    if (n == 0) printf("  none\n");
    for (int i = 0; i < n; i++) {
        char a[32], b[32];
        printf("  %s -> %s: %d\n", model_class_name(m, top[i].truth, a, sizeof a),
               model_class_name(m, top[i].predicted, b, sizeof b), top[i].count);
    }
    return 0;
}

int cmd_eval(int argc, char **argv) {
    const ModelCmd *c = &eval_cmd;
    ModelArgs a;
    Model m = {0};
    ModelEval ev = {0};
    Error err = {0};
    int rc = CLI_BAD_INPUT;
    if (model_parse(c, argc, argv, &a) == 0) {
        Status s = model_load(&a, 0, &m, &err);
        if (!s) s = model_eval(&m, &ev, &err);
        if (s) {
            rc = model_fail(c, s, &err);
        } else {
            eval_print(&m, &ev);
            rc = CLI_OK;
            if (eval_print_confused(&m, &ev)) {
                cli_error(c->name, "out of memory");
                rc = CLI_FAILED;
            }
        }
    }
    model_eval_fini(&ev);
    model_close(&m);
    free(a.images);
    return rc;
}

/* --- predict ------------------------------------------------------------------- */

/* Prints the top classes of every image, batch by batch. */
static Status predict_run(Model *m, ModelImages *mi, Error *err) {
    float *probs = malloc(sizeof(float) * (size_t)m->num_classes);
    if (!probs) return error_set(err, ST_NOMEM, "predict: out of memory");
    Status s;
    for (;;) {
        LoaderBatch b;
        if ((s = model_images_next(mi, &b, err)) || b.n == 0) break;
        const Tensor *logits = net_forward(m->net, &b.x);
        for (int j = 0; j < b.n; j++) {
            int idx[MODEL_TOP];
            model_softmax(logits, j, probs);
            int n = model_top_k(probs, m->num_classes, MODEL_TOP, idx);
            printf("%s\n", mi->ds.items[b.items[j]].path);
            for (int r = 0; r < n; r++) {
                char buf[32];
                printf("  %d  %.6f  %s\n", r + 1, (double)probs[idx[r]],
                       model_class_name(m, idx[r], buf, sizeof buf));
            }
        }
        fflush(stdout);
    }
    free(probs);
    return s;
}

int cmd_predict(int argc, char **argv) {
    const ModelCmd *c = &predict_cmd;
    ModelArgs a;
    if (model_parse(c, argc, argv, &a)) {
        free(a.images);
        return CLI_BAD_INPUT;
    }
    ModelImages mi;
    Model m = {0};
    Error err = {0};
    Status s = model_images_open(&mi, a.images, a.n_images, &err);
    if (!s) s = model_load(&a, 0, &m, &err);
    if (!s) s = model_images_start(&mi, &m, &err);
    if (!s) s = predict_run(&m, &mi, &err);
    int rc = s ? model_fail(c, s, &err) : CLI_OK;
    model_images_close(&mi);
    model_close(&m);
    free(a.images);
    return rc;
}

/* --- features ------------------------------------------------------------------ */

/* 0 when the directory out will be written in exists. */
static int features_out_dir_ok(const char *out) {
    char dir[1024];
    const char *slash = strrchr(out, '/');
    if (!slash) return 0;
    snprintf(dir, sizeof dir, "%.*s", slash == out ? 1 : (int)(slash - out), out);
    struct stat sb;
    return stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) ? 0 : -1;
}

static void features_print(const char *out, ModelLayer l, const int64_t *shape, int ndim) {
    printf("wrote %s: float32 (", out);
    for (int i = 0; i < ndim; i++) printf("%s%lld", i ? ", " : "", (long long)shape[i]);
    printf(") from layer %s\n", model_layer_name(l));
}

/* Everything after the arguments are known good. */
static int features_run(const ModelCmd *c, const ModelArgs *a, ModelLayer layer) {
    ModelImages mi;
    Model m = {0};
    Error err = {0};
    float *data = NULL;
    int64_t shape[4];
    int ndim = 0, rc = CLI_OK;
    Status s = model_images_open(&mi, a->images, a->n_images, &err);
    if (!s) s = model_load(a, layer != MODEL_LAYER_LOGITS, &m, &err);
    if (!s) s = model_images_start(&mi, &m, &err);
    if (!s) s = model_features(&m, &mi, layer, &data, shape, &ndim, &err);
    if (s) {
        rc = model_fail(c, s, &err);
    } else if (npy_write_f32(a->out, data, shape, ndim, &err)) {
        cli_error(c->name, "%s", err.msg);
        rc = CLI_FAILED;
    } else {
        features_print(a->out, layer, shape, ndim);
    }
    free(data);
    model_images_close(&mi);
    model_close(&m);
    return rc;
}

int cmd_features(int argc, char **argv) {
    const ModelCmd *c = &features_cmd;
    ModelArgs a;
    ModelLayer layer;
    int rc = CLI_BAD_INPUT;
    if (model_parse(c, argc, argv, &a) == 0) {
        if (model_layer_parse(a.layer, &layer))
            cli_error(c->name, "unknown layer '%s' (expected conv5_3, pool or logits)", a.layer);
        else if (features_out_dir_ok(a.out))
            cli_error(c->name, "%s: its directory does not exist", a.out);
        else
            rc = features_run(c, &a, layer);
    }
    free(a.images);
    return rc;
}
