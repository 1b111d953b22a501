/*
 * cmd_study — an asha study from the shell. See cmd_study.h.
 */
#include "src/cli/cmd_study.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "src/cli/cli.h"
#include "src/report/optuna_log.h"
#include "src/report/sweep_trials.h"
#include "src/run/runstore.h"
#include "src/run/study.h"

enum { STUDY_BEST_SHOWN = 10 };

typedef struct StudyArgs {
    const char *id, *runs_dir, *optuna;
} StudyArgs;

static int study_args(int argc, char **argv, StudyArgs *a) {
    *a = (StudyArgs){.runs_dir = "runs"};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs-dir") == 0) {
            if (!(a->runs_dir = cli_value("study", argc, argv, &i))) return -1;
        } else if (strcmp(argv[i], "--optuna") == 0) {
            if (!(a->optuna = cli_value("study", argc, argv, &i))) return -1;
        } else if (argv[i][0] != '-' && !a->id) {
            a->id = argv[i];
        } else {
            cli_error("study",
                      "unexpected argument '%s' (usage: finelab study ID [--optuna FILE] "
                      "[--runs-dir DIR])",
                      argv[i]);
            return -1;
        }
    }
    if (!a->id) cli_error("study", "needs a study id (usage: finelab study ID [--optuna FILE])");
    return a->id ? 0 : -1;
}

static void study_print(const Study *s, const char *id, const AshaRungs *r) {
    int count[4] = {0}; /* running, waiting (pruned when over), failed, complete */
    for (int i = 0; i < s->n; i++) count[s->trials[i].state]++;
    printf("study %s: %d trials: %d complete, %d pruned or waiting, %d failed, %d running; rungs",
           id, s->n, count[TRIAL_COMPLETE], count[TRIAL_WAITING], count[TRIAL_FAILED],
           count[TRIAL_RUNNING]);
    for (int k = 0; k < r->n_rungs; k++) printf(" %d", r->iter[k]);
    printf("\n");
    int shown[STUDY_BEST_SHOWN], m = 0;
    printf("\nbest trials (furthest rung, then held-out accuracy there):\n");
    printf("%6s %6s %10s %8s  %s\n", "trial", "rung", "held-out", "test", "params");
    while (m < s->n && m < STUDY_BEST_SHOWN) { /* the next best: ahead of all the rest */
        int b = -1;
        for (int i = 0; i < s->n; i++) {
            int taken = 0;
            for (int j = 0; j < m; j++) taken |= shown[j] == i;
            if (!taken && (b < 0 || asha_ahead(&s->trials[i].asha, &s->trials[b].asha, r))) b = i;
        }
        shown[m++] = b;
        const StudyTrial *t = &s->trials[b];
        int top = asha_top_rung(&t->asha, r);
        RunStatus st;
        double test = t->run[0] && runstore_read_status(t->run, &st, NULL) == ST_OK
                          ? runstatus_test_accuracy(&st)
                          : -1;
        char held[16] = "-", tested[16] = "-";
        if (top >= 0) snprintf(held, sizeof held, "%.2f%%", 100 * t->asha.score[top].accuracy);
        if (test >= 0 && top == r->n_rungs - 1)
            snprintf(tested, sizeof tested, "%.2f%%", 100 * test);
        printf("%6d %3d/%-2d %10s %8s  %s\n", b, top + 1, r->n_rungs, held, tested, t->params);
    }
    printf("\nhistory (best held-out accuracy at the last rung so far):\n");
    printf("%6s %12s %10s\n", "trial", "iterations", "best");
    long spent = 0;
    double best = -1;
    for (int i = 0; i < s->n; i++) {
        const StudyTrial *t = &s->trials[i];
        int top = asha_top_rung(&t->asha, r), last = r->n_rungs - 1;
        if (top >= 0) spent += t->iter[top];
        if (top == last && t->asha.score[last].accuracy > best) best = t->asha.score[last].accuracy;
        if (best >= 0)
            printf("%6d %12ld %9.2f%%\n", i, spent, 100 * best);
        else
            printf("%6d %12ld %10s\n", i, spent, "-");
    }
}

/* Study or halving sweep id into s->trials / s->n, its preset into p and
 * its rungs into r; the exit code (errors said). */
static int study_load(const StudyArgs *a, Study *s, Preset *p, AshaRungs *r) {
    Error err = {0};
    char path[1300];
    snprintf(path, sizeof path, "%s/halving/%s/preset.ini", a->runs_dir, a->id);
    if (fileio_exists(path)) { /* a halving sweep, read as a study */
        memset(s, 0, sizeof *s);
        if (!(s->trials = calloc(STUDY_TRIALS_MAX, sizeof *s->trials))) {
            fprintf(stderr, "finelab: out of memory\n");
            return CLI_FAILED;
        }
        if (sweep_trials_halving(a->runs_dir, a->id, p, s->trials, STUDY_TRIALS_MAX, &s->n, r,
                                 &err)) {
            fprintf(stderr, "finelab: %s\n", err.msg);
            return CLI_FAILED;
        }
        return CLI_OK;
    }
    if (study_open(s, a->runs_dir, a->id, p, &err)) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        return CLI_BAD_INPUT;
    }
    if (study_read(s, &err)) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        return CLI_FAILED;
    }
    asha_rungs(r, p->sweep.min_iter, p->sweep.eta, p->solver.max_iter);
    return CLI_OK;
}

int cmd_study(int argc, char **argv) {
    StudyArgs a;
    if (study_args(argc, argv, &a)) return CLI_BAD_INPUT;
    Study s;
    AshaRungs r;
    Preset *p = malloc(sizeof *p);
    Error err = {0};
    if (!p) {
        fprintf(stderr, "finelab: out of memory\n");
        return CLI_FAILED;
    }
    int code = study_load(&a, &s, p, &r);
    if (code == CLI_OK && a.optuna) {
        char *text = optuna_log_format(p, a.id, s.trials, s.n, &r, &err);
        if (!text || fileio_write_atomic(a.optuna, text, strlen(text), &err)) {
            fprintf(stderr, "finelab: %s\n", err.msg);
            code = CLI_FAILED;
        } else {
            printf("wrote %s: study %s, %d trials, as Optuna's JournalStorage log\n", a.optuna,
                   a.id, s.n);
        }
        free(text);
    } else if (code == CLI_OK) {
        study_print(&s, a.id, &r);
    }
    study_close(&s);
    free(p);
    return code == CLI_OK ? (cli_flush_stdout("study") ? CLI_FAILED : CLI_OK) : code;
}
