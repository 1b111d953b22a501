/*
 * cmd_study — a study from the shell. See cmd_study.h.
 */
#include "src/cli/cmd_study.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "src/cli/cli.h"
#include "src/report/optuna_log.h"
#include "src/report/study_report.h"

#define STUDY_USAGE "finelab study SWEEP [--md | --csv] [--optuna FILE] [--runs-dir DIR]"

typedef struct StudyArgs {
    const char *id, *runs_dir, *optuna;
    StudyReportForm form;
} StudyArgs;

static int study_args(int argc, char **argv, StudyArgs *a) {
    *a = (StudyArgs){.runs_dir = "runs"};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs-dir") == 0) {
            if (!(a->runs_dir = cli_value("study", argc, argv, &i))) return -1;
        } else if (strcmp(argv[i], "--optuna") == 0) {
            if (!(a->optuna = cli_value("study", argc, argv, &i))) return -1;
        } else if (strcmp(argv[i], "--md") == 0 || strcmp(argv[i], "--csv") == 0) {
            if (a->form != STUDY_REPORT_TEXT) {
                cli_error("study", "--md and --csv go alone (usage: %s)", STUDY_USAGE);
                return -1;
            }
            a->form = argv[i][2] == 'm' ? STUDY_REPORT_MD : STUDY_REPORT_CSV;
        } else if (argv[i][0] != '-' && !a->id) {
            a->id = argv[i];
        } else {
            cli_error("study", "unexpected argument '%s' (usage: %s)", argv[i], STUDY_USAGE);
            return -1;
        }
    }
    if (!a->id)
        cli_error("study", "needs a study, halving sweep or swept preset (usage: %s)", STUDY_USAGE);
    return a->id ? 0 : -1;
}

static int study_optuna(const StudyArgs *a, const SweepTrials *s) {
    Error err = {0};
    char *text = optuna_log_format(s->preset, a->id, s->trials, s->n, &s->rungs, &err);
    int code = CLI_OK;
    if (!text || fileio_write_atomic(a->optuna, text, strlen(text), &err)) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        code = CLI_FAILED;
    } else {
        printf("wrote %s: study %s, %d trials, as Optuna's JournalStorage log\n", a->optuna, a->id,
               s->n);
    }
    free(text);
    return code;
}

static int study_print(const StudyArgs *a, const SweepTrials *s) {
    Error err = {0};
    StudyImportance imp;
    if (study_importance(&s->preset->sweep, s->trials, s->n, &s->rungs, &imp, &err)) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        return CLI_FAILED;
    }
    char *text = study_report_format(s, &imp, a->form);
    if (!text) {
        fprintf(stderr, "finelab: out of memory\n");
        return CLI_FAILED;
    }
    fputs(text, stdout);
    free(text);
    return CLI_OK;
}

int cmd_study(int argc, char **argv) {
    StudyArgs a;
    if (study_args(argc, argv, &a)) return CLI_BAD_INPUT;
    SweepTrials s;
    Error err = {0};
    Status st = sweep_trials_load(&s, a.runs_dir, a.id, &err);
    if (st) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        return st == ST_IO && !fileio_exists(a.runs_dir) ? CLI_FAILED : CLI_BAD_INPUT;
    }
    int code = a.optuna ? study_optuna(&a, &s) : study_print(&a, &s);
    sweep_trials_free(&s);
    return code == CLI_OK ? (cli_flush_stdout("study") ? CLI_FAILED : CLI_OK) : code;
}
