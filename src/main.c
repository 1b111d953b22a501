/*
 * main — finelab's entry point: parses the first word of the command line
 * and hands over to the matching command. Commands are one table that both
 * dispatches and prints --help, so the two never disagree.
 */
#include <stdio.h>
#include <string.h>

#include "cmd_bench.h"
#include "cmd_convert.h"
#include "cmd_export.h"
#include "cmd_import_solver.h"
#include "cmd_keys.h"
#include "cmd_model.h"
#include "cmd_run.h"
#include "cmd_runs.h"
#include "cmd_synth.h"
#include "tui.h"
#include "version.h"

typedef struct Command {
    const char *name;
    const char *args;
    const char *help;
    int (*run)(int argc, char **argv);
} Command;

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const Command commands[] = {
    {"run", "PRESET [--set s.k=v]...", "train a preset headless ([sweep]: every combination)",
     cmd_run},
    {"runs", "", "list the runs in the run store", cmd_runs},
    {"show", "RUN", "a run's resolved preset, status and charts", cmd_show},
    {"compare", "RUN... [--csv|--md] [--all]", "runs side by side: differing keys, results",
     cmd_compare},
    {"resume", "RUN", "continue a stopped or interrupted run from its last snapshot", cmd_resume},
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
    {"version", "", "print the version", cmd_version},
};

static void print_usage(FILE *out) {
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

static int cmd_help(int argc, char **argv) {
    (void)argc;
    (void)argv;
    print_usage(stdout);
    return 0;
}

static int cmd_version(int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf("finelab %s\n", FINELAB_VERSION);
    return 0;
}

int main(int argc, char **argv) {
    /* No command, or only the lab's options: open the lab. */
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
            return cmd_help(argc, argv);
        if (argc >= 2 && (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0))
            return cmd_version(argc, argv);
        return tui_main(argc, argv);
    }
    const char *word = argv[1];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(word, commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "finelab: unknown command '%s' (see 'finelab --help')\n", word);
    return 2;
}
