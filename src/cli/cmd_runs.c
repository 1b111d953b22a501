/*
 * cmd_runs — runs, show and compare. See cmd_runs.h.
 */
#include "src/cli/cmd_runs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "src/cli/cli.h"
#include "src/report/chart.h"
#include "src/report/compare.h"
#include "src/report/diagnosis.h"
#include "src/report/importance.h"
#include "src/report/mattered.h"
#include "src/report/progress.h"
#include "src/report/score.h"
#include "src/report/relatives.h"
#include "src/report/sweep_trials.h"
#include "src/report/textgrid.h"
#include "src/run/runstore.h"
#include "src/run/submission.h"

/* The printf field width that pads s to cells columns: UTF-8 letters
 * take one column each but several bytes, and %-*s counts bytes. */
static int pad_cells(const char *s, int cells) {
    return cells + (int)strlen(s) - textgrid_utf8_cells(s);
}

/* Parses [--runs-dir DIR] and positional arguments into pos (up to max). */
static int parse_common(const char *cmd, int argc, char **argv, const char **runs_dir, char **pos,
                        int max, int *n_pos, int *csv, int *md, int *all) {
    *n_pos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs-dir") == 0) {
            if (!(*runs_dir = cli_value(cmd, argc, argv, &i))) return -1;
        } else if (csv && strcmp(argv[i], "--csv") == 0) {
            *csv = 1;
        } else if (md && strcmp(argv[i], "--md") == 0) {
            *md = 1;
        } else if (all && strcmp(argv[i], "--all") == 0) {
            *all = 1;
        } else if (all && strcmp(argv[i], "--only-diff") == 0) {
            *all = 0;
        } else if (argv[i][0] == '-' || *n_pos == max) {
            cli_error(cmd, "unexpected argument '%s'", argv[i]);
            return -1;
        } else {
            pos[(*n_pos)++] = argv[i];
        }
    }
    return 0;
}

/* Prints the Slurm array tasks of runs_dir's submissions that none of
 * the n runs is yet, one line each: job id, state from Slurm (queued,
 * cancelled, ...; submitted when Slurm does not answer), sweep label; the
 * column header first when header is set. Returns how many. */
static int runs_print_tasks(const char *runs_dir, const RunStatus *const *runs, int n, int header) {
    SubmissionTask *t;
    int n_tasks;
    Error err = {0};
    if (submission_open_tasks(runs_dir, runs, n, 1, &t, &n_tasks, &err)) return 0;
    for (int i = 0; i < n_tasks; i++) {
        if (header && i == 0)
            printf("%-40s %-11s %-17s %7s %9s %9s  %s\n", "run", "state", "phase", "ETA", "best",
                   "final", "sweep");
        char task[320];
        snprintf(task, sizeof task, "slurm %s_%d (%s)", t[i].job_id, t[i].task, t[i].name);
        printf("%-*s %-11s %-17s %7s %9s %9s  %s\n", pad_cells(task, 40), task,
               submission_state_name(t[i].slurm), "-", "-", "-", "-", t[i].label);
    }
    free(t);
    return n_tasks;
}

int cmd_runs(int argc, char **argv) {
    const char *runs_dir = "runs";
    int n_pos;
    if (parse_common("runs", argc, argv, &runs_dir, NULL, 0, &n_pos, NULL, NULL, NULL))
        return CLI_BAD_INPUT;
    char **ids;
    int n;
    Error err = {0};
    if (runstore_list(runs_dir, &ids, &n, &err)) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        return CLI_FAILED;
    }
    if (n == 0) {
        if (runs_print_tasks(runs_dir, NULL, 0, 1) == 0) printf("no runs in %s\n", runs_dir);
        runstore_free_list(ids, n);
        return CLI_OK;
    }
    /* Every status first: Slurm settles those of other nodes' tasks
     * (submission_settle), and the submitted tasks are those without one. */
    RunStatus *all = malloc(sizeof *all * (size_t)n);
    RunStatus **read = malloc(sizeof *read * (size_t)n);
    char(*bad)[512] = calloc((size_t)n, sizeof *bad);
    if (!all || !read || !bad) {
        fprintf(stderr, "finelab: out of memory\n");
        free(all);
        free(read);
        free(bad);
        runstore_free_list(ids, n);
        return CLI_FAILED;
    }
    int n_read = 0;
    for (int i = 0; i < n; i++) {
        char dir[1200];
        snprintf(dir, sizeof dir, "%s/%s", runs_dir, ids[i]);
        if (runstore_read_status(dir, &all[i], &err))
            snprintf(bad[i], sizeof bad[i], "%s", err.msg);
        else
            read[n_read++] = &all[i];
    }
    submission_settle(read, n_read);
    printf("%-40s %-11s %-17s %7s %12s %12s %7s  %s\n", "run", "state", "phase", "ETA", "best",
           "final", "test", "sweep");
    for (int i = 0; i < n; i++) {
        if (bad[i][0]) {
            printf("%-*s (unreadable: %s)\n", pad_cells(ids[i], 40), ids[i], bad[i]);
            continue;
        }
        const RunStatus *st = &all[i];
        char best[32], final[32], test[32], iter[80], eta[32];
        score_heldout(st, st->best_accuracy, best, sizeof best);
        score_heldout(st, st->final_accuracy, final, sizeof final);
        score_test(st, test, sizeof test);
        RunProgress pr;
        progress_of(st, &pr);
        progress_eta_text(pr.eta, eta, sizeof eta);
        snprintf(iter, sizeof iter, "%s %s", st->state == RUN_RUNNING ? pr.phase : "iter",
                 pr.count);
        printf("%-*s %-11s %-17s %7s %12s %12s %7s  %s\n", pad_cells(ids[i], 40), ids[i],
               runstore_state_name(st->state), iter, eta, best, final, test, st->sweep);
    }
    runs_print_tasks(runs_dir, (const RunStatus *const *)read, n_read, 0);
    free(all);
    free(read);
    free(bad);
    runstore_free_list(ids, n);
    return CLI_OK;
}

/* Prints one chart of the chosen rows (test or train) and column. */
static void show_chart(const char *title, const RunRow *rows, int n, int test, int loss) {
    double *x = malloc(sizeof(double) * (size_t)(n + 1)),
           *y = malloc(sizeof(double) * (size_t)(n + 1));
    int m = 0;
    for (int i = 0; x && y && i < n; i++)
        if (rows[i].heldout == test) {
            x[m] = rows[i].iter;
            y[m++] = loss ? rows[i].loss : 100 * rows[i].accuracy;
        }
    TextGrid g;
    if (m > 0 && textgrid_init(&g, 72, 12) == ST_OK) {
        /* Test points read `o`, as in the lab. */
        ChartSeries s = {.x = x, .y = y, .n = m, .style = 1, .mark = test ? "o" : "*"};
        ChartOptions o = {
            .glyphs = CHART_ASCII, .x_min = NAN, .x_max = NAN, .y_min = NAN, .y_max = NAN};
        chart_render(&g, 0, 0, 72, 12, &o, &s, 1);
        char *text = textgrid_string(&g);
        if (text) printf("\n%s\n%s\n", title, text);
        free(text);
        textgrid_fini(&g);
    }
    free(x);
    free(y);
}

/* The sweep's keys by the spread of their mean best accuracy on the
 * held-out split (split: "val" or "test"), from the n labels and
 * accuracies, as "what mattered: ..." (nothing when no key has two values
 * with an accuracy). */
static void print_importance(const char *indent, const char *split, const char *const *labels,
                             const double *best, int n) {
    ImportanceKey keys[IMPORTANCE_KEYS_MAX];
    int k = importance_rank(labels, best, n, keys, IMPORTANCE_KEYS_MAX);
    if (k == 0) return;
    char text[2048];
    importance_format(keys, k, text, sizeof text);
    printf("%swhat mattered (range of the mean best %s accuracy over each key's values, "
           "%d runs): %s\n",
           indent, split, n, text);
}

/* For a sweep's run, fANOVA's "what mattered" over the whole sweep (its
 * halving sweep or study, else its preset's runs) when its trials allow
 * it; 1 when printed. */
static int show_fanova(const char *dir, const RunStatus *st) {
    if (!st->sweep[0]) return 0;
    char runs_dir[1024], line[2300] = "";
    runstore_store_of(dir, runs_dir, sizeof runs_dir);
    SweepTrials s;
    if (sweep_trials_load(&s, runs_dir, st->halving[0] ? st->halving : st->preset, NULL)) return 0;
    StudyImportance imp;
    if (!study_importance(&s.preset->sweep, s.trials, s.n, &s.rungs, &imp, NULL))
        mattered_fanova(&s.preset->sweep, &imp, line, sizeof line);
    sweep_trials_free(&s);
    if (line[0]) printf("  sweep: %s\n", line);
    return line[0] != '\0';
}

/* show's diagnosis: section: each finding with its numbers, the next step
 * and the preset change; the stage runs beside it; for a sweep run, which
 * swept key mattered most. */
static void show_diagnosis(const char *dir, const RunStatus *st) {
    Diagnosis d;
    Error err = {0};
    printf("\ndiagnosis:\n");
    if (relatives_diagnose(dir, 1, &d, &err)) {
        printf("  (cannot diagnose: %s)\n", err.msg);
        return;
    }
    if (d.n == 0)
        printf("  no problem seen: none of the rules fires (thresholds in README, "
               "\"Diagnosis\")\n");
    for (int i = 0; i < d.n; i++) {
        const DiagFinding *f = &d.findings[i];
        char set[700];
        diagnosis_fork_text(&f->fork, set, sizeof set);
        printf("  %s: %s\n    next: %s\n", diagnosis_kind_name(f->kind), f->text, f->advice);
        if (f->fork.lr_find) /* the value is the range test's: the lab cannot write it yet */
            printf("    change: %s  (finelab lr-find %s/preset.ini finds it)\n", set, dir);
        else if (f->fork.n_set)
            printf("    change: %s  (f on the lab's Monitor writes it as preset %s_%s)\n", set,
                   st->preset, f->fork.suffix);
    }
    if (d.compare[0]) printf("  compare: %s\n", d.compare);
    if (show_fanova(dir, st)) return;
    Relatives r;
    if (!st->sweep[0] || relatives_find(&r, dir, st, NULL, 0, NULL)) return;
    const char **labels = malloc(sizeof *labels * (size_t)(r.n_siblings + 1));
    double *best = malloc(sizeof *best * (size_t)(r.n_siblings + 1));
    if (labels && best) {
        labels[0] = st->sweep;
        best[0] = st->best_accuracy;
        for (int i = 0; i < r.n_siblings; i++) {
            labels[i + 1] = r.siblings[i].label;
            best[i + 1] = r.siblings[i].best;
        }
        print_importance("  sweep: ", runstatus_heldout_name(st), labels, best, r.n_siblings + 1);
    }
    free(labels);
    free(best);
    relatives_fini(&r);
}

int cmd_show(int argc, char **argv) {
    const char *runs_dir = "runs";
    char *pos[1];
    int n_pos;
    if (parse_common("show", argc, argv, &runs_dir, pos, 1, &n_pos, NULL, NULL, NULL))
        return CLI_BAD_INPUT;
    if (n_pos != 1) {
        cli_error("show", "usage: finelab show RUN [--runs-dir DIR]");
        return CLI_BAD_INPUT;
    }
    char dir[1024], path[1200];
    Error err = {0};
    RunStatus st;
    if (runstore_resolve(runs_dir, pos[0], dir, sizeof dir, &err) ||
        runstore_read_status(dir, &st, &err)) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        return CLI_BAD_INPUT;
    }
    snprintf(path, sizeof path, "%s/preset.ini", dir);
    uint8_t *text;
    size_t len;
    if (fileio_read_all(path, &text, &len, &err) == ST_OK) {
        printf("# %s\n%s\n", path, (char *)text);
        free(text);
    }
    char best[32], final[32];
    score_heldout(&st, st.best_accuracy, best, sizeof best);
    score_heldout(&st, st.final_accuracy, final, sizeof final);
    printf("state %s  iter %d/%d  best %s  final %s  time %.0fs  %.1f img/s%s%s\n",
           runstore_state_name(st.state), st.iter, st.max_iter, best, final, st.seconds,
           st.images_per_s, st.error[0] ? "\nerror: " : "", st.error);
    if (runstatus_has_val(&st)) {
        char test[32];
        score_test(&st, test, sizeof test);
        printf("validation: %d images held out of the training split; chosen on it, the test "
               "split (%d images) read once on the weights of iteration %d: test %s\n",
               st.val_images, st.test_images, st.test_iter, test);
    }
    if (st.skipped_images) printf("skipped images: %d\n", st.skipped_images);
    if (st.ranks > 1) printf("ranks = %d (MPI data parallel)\n", st.ranks);
    if (st.state == RUN_RUNNING) {
        RunProgress pr;
        char eta[32];
        progress_of(&st, &pr);
        progress_eta_text(pr.eta, eta, sizeof eta);
        printf("now: %s %s  ETA %s\n", progress_phase_text(pr.phase), pr.count, eta);
    }
    RunRow *rows;
    int n;
    if (runstore_read_metrics(dir, &rows, &n, &err) == ST_OK) {
        show_chart("train loss (smoothed) by iteration", rows, n, 0, 1);
        show_chart(runstatus_has_val(&st) ? "val accuracy % by iteration"
                                          : "test accuracy % by iteration",
                   rows, n, 1, 0);
        free(rows);
    }
    show_diagnosis(dir, &st);
    return CLI_OK;
}

/* Under a text table of one sweep's runs (one preset name, every run
 * with a sweep label): which swept key mattered most. */
static void compare_importance(const CompareTable *t) {
    const char *labels[64];
    double best[64];
    int n = 0;
    for (int i = 0; i < t->n_runs && i < 64; i++) {
        const RunStatus *st = &t->runs[i].status;
        if (!st->sweep[0] || strcmp(st->preset, t->runs[0].status.preset) != 0) return;
        labels[n] = st->sweep;
        best[n++] = st->best_accuracy;
    }
    if (n > 1) print_importance("\n", runstatus_heldout_name(&t->runs[0].status), labels, best, n);
}

int cmd_compare(int argc, char **argv) {
    const char *runs_dir = "runs";
    char *pos[64];
    int n_pos, csv = 0, md = 0, all = 0;
    if (parse_common("compare", argc, argv, &runs_dir, pos, 64, &n_pos, &csv, &md, &all))
        return CLI_BAD_INPUT;
    if (n_pos < 1 || (csv && md)) {
        cli_error("compare", "usage: finelab compare RUN... [--csv | --md] [--only-diff | --all] "
                             "[--runs-dir DIR]");
        return CLI_BAD_INPUT;
    }
    CompareTable t;
    Error err = {0};
    if (compare_load(&t, runs_dir, pos, n_pos, all, &err)) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        return CLI_BAD_INPUT;
    }
    char *text = compare_format(&t, csv ? COMPARE_CSV : md ? COMPARE_MD : COMPARE_TEXT);
    if (text) fputs(text, stdout);
    free(text);
    if (!csv && !md) compare_importance(&t);
    compare_fini(&t);
    return text ? CLI_OK : CLI_FAILED;
}
