/*
 * main — finelab's entry point, above its two front ends: a first word
 * that is a command goes to the subcommands (src/cli/commands.h); no word,
 * or only the lab's options, opens the lab (ui/lab.h); and where the lab
 * has no terminal to draw on, the default preset runs headless instead.
 * Before any of it, the OpenBLAS kernel is settled (src/run/blas_setup.h),
 * unless this process is an MPI job's rank watcher (src/cli/rankwatch.h).
 */
#include <stdio.h>
#include <string.h>

#include "src/cli/cli.h"
#include "src/cli/cmd_run.h"
#include "src/cli/commands.h"
#include "src/cli/rankwatch.h"
#include "src/run/blas_setup.h"
#include "ui/lab.h"

int main(int argc, char **argv) {
    int code;
    /* Rank 0's watcher of an MPI job (src/cli/rankwatch.h): no BLAS, no lab. */
    if (argc >= 2 && strcmp(argv[1], RANKWATCH_ARG) == 0) return rankwatch_main(argc, argv);
    if (blas_setup_start(argv, &code)) return code; /* a BLAS self-check child */
    if (argc >= 2 && argv[1][0] != '-') return commands_run(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        commands_usage(stdout);
        return CLI_OK;
    }
    if (argc >= 2 && (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)) {
        commands_version(stdout);
        return CLI_OK;
    }
    LabOptions o;
    int bad = lab_options(&o, argc, argv);
    if (bad) { /* e.g. `finelab --runs-dir DIR run PRESET`: say so rather than open the lab */
        fprintf(stderr,
                "finelab: unexpected '%s': the lab takes only --runs-dir DIR and --presets DIR; "
                "a command comes first (finelab run PRESET --runs-dir DIR); see finelab help\n",
                argv[bad]);
        return CLI_BAD_INPUT;
    }
    char why[256] = "";
    switch (lab_run(&o, why, sizeof why)) {
    case LAB_OK:
        return CLI_OK;
    case LAB_BAD_INPUT:
        return CLI_BAD_INPUT;
    case LAB_NO_TERMINAL:
        return cmd_run_default(o.runs_dir, why);
    case LAB_FAILED:
    default:
        return CLI_FAILED;
    }
}
