/*
 * commands — the command table. See commands.h.
 */
#include "src/cli/commands.h"

#include <string.h>

#include "engine/base/dist.h"
#include "src/cli/cli.h"
#include "src/cli/cmd_bench.h"
#include "src/cli/cmd_cache.h"
#include "src/cli/cmd_convert.h"
#include "src/cli/cmd_export.h"
#include "src/cli/cmd_import_solver.h"
#include "src/cli/cmd_keys.h"
#include "src/cli/cmd_lessons.h"
#include "src/cli/cmd_lrfind.h"
#include "src/cli/cmd_model.h"
#include "src/cli/cmd_plot.h"
#include "src/cli/cmd_run.h"
#include "src/cli/cmd_runs.h"
#include "src/cli/cmd_study.h"
#include "src/cli/cmd_submit.h"
#include "src/cli/cmd_synth.h"
#include "src/cli/version.h"
#include "src/run/blas_setup.h"

typedef struct Command {
    const char *name;
    const char *args;
    const char *help;
    int (*run)(int argc, char **argv);
} Command;

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const Command commands[] = {
    {"run", "PRESET [--set s.k=v]...",
     "train a preset headless ([sweep]: each combination, or --sweep-index K)", cmd_run},
    {"lr-find", "PRESET [--start LR] [--end LR]...",
     "the learning-rate range test of a preset (changes nothing)", cmd_lrfind},
    {"submit", "PRESET [--max-parallel K]...", "hand a sweep to Slurm as a job array (--dry-run)",
     cmd_submit},
    {"runs", "", "list the runs in the run store", cmd_runs},
    {"show", "RUN", "a run's resolved preset, status and charts", cmd_show},
    {"compare", "RUN... [--csv|--md] [--all]", "runs side by side: differing keys, results",
     cmd_compare},
    {"resume", "RUN", "continue a stopped or interrupted run from its last snapshot", cmd_resume},
    {"plot", "RUN|SWEEP... --out F.png|svg|pdf",
     "pictures for a report: runs' curves, a sweep's grid (--what, --rows, --cols, --size)",
     cmd_plot},
    {"study", "SWEEP [--md | --csv] [--optuna FILE]",
     "any sweep as a study: importance, best trials, history; or its log for Optuna", cmd_study},
    {"lessons", "[--md] [--dataset PATH]",
     "the tutorial's lessons checked on the store: shows or not, by how many SE", cmd_lessons},
    {"cache", "[list|rm KEY...|prune]", "the run store's feature caches: list, remove, prune",
     cmd_cache},
    {"keys", "[--md]", "every preset key: default, allowed values, meaning", cmd_keys},
    {"import-solver", "FILE", "print the [solver] section for a Caffe solver.prototxt",
     cmd_import_solver},
    {"synth", "OUT [options]", "generate the fine-grained bird dataset (CUB layout)", cmd_synth},
    {"eval", "RUN|PRESET [--weights FILE]", "test accuracy, per-class accuracy and confusions",
     cmd_eval},
    {"predict", "RUN|PRESET IMAGE...", "the top-5 classes of each image (PRESET: --weights)",
     cmd_predict},
    {"features", "RUN|PRESET IMAGE... --out F", "--layer conv5_3|pool|logits of each image as .npy",
     cmd_features},
    {"bench", "data DIR [options]", "measure the data pipeline (images/s, time split)", cmd_bench},
    {"convert", "IN.caffemodel OUT.safetensors", "turn Caffe VGG-16 weights into safetensors",
     cmd_convert},
    {"export", "RUN|SNAPSHOT OUT.safetensors", "write a run's backbone as a weights file (models/)",
     cmd_export},
    {"help", "", "show this help", cmd_help},
    {"version", "", "print the version, the BLAS and its kernel (and why)", cmd_version},
};

void commands_usage(FILE *out) {
    fprintf(out,
            "finelab %s — a terminal lab for fine-grained image classification\n"
            "(VGG-16 + compact bilinear pooling, trained on the CPU)\n\n"
            "usage: finelab [--presets DIR]... [--runs-dir DIR]   open the lab (the TUI)\n"
            "       finelab <command> [arguments]\n\ncommands:\n",
            FINELAB_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %-28s %s\n", commands[i].name, commands[i].args, commands[i].help);
    fprintf(out, "\noptions:\n  -h, --help    show this help\n  -V, --version print the version\n");
}

void commands_version(FILE *out) {
    char blas[512];
    blas_setup_describe(0, blas, sizeof blas);
    char mpi[320];
    dist_describe(mpi, sizeof mpi);
    fprintf(out, "finelab %s\n%s\n%s\n", FINELAB_VERSION, blas, mpi);
}

static int cmd_help(int argc, char **argv) {
    (void)argc;
    (void)argv;
    commands_usage(stdout);
    return CLI_OK;
}

static int cmd_version(int argc, char **argv) {
    (void)argc;
    (void)argv;
    commands_version(stdout);
    return CLI_OK;
}

int commands_run(int argc, char **argv) {
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[0], commands[i].name) == 0) {
            int code = commands[i].run(argc, argv);
            /* Output that did not reach its file (a full disk) is a failure. */
            if (cli_flush_stdout(argv[0]) && code == CLI_OK) code = CLI_FAILED;
            return code;
        }
    fprintf(stderr, "finelab: unknown command '%s' (see 'finelab --help')\n", argv[0]);
    return CLI_BAD_INPUT;
}
