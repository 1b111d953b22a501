/*
 * cmd_run — headless runs and resumes. See cmd_run.h.
 */
#include "src/cli/cmd_run.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/base/dist.h"
#include "engine/base/timer.h"
#include "engine/io/fileio.h"
#include "src/cli/cli.h"
#include "src/cli/rankwatch.h"
#include "src/report/progress.h"
#include "src/run/asha_sweep.h"
#include "src/run/halving_sweep.h"
#include "src/run/preflight.h"
#include "src/run/runner.h"
#include "src/run/study.h"

/* Headless progress lines within a long phase, by default. */
#define RUN_PROGRESS_SECONDS 5.0

static volatile sig_atomic_t interrupted;
/* MPI: every rank has come back from a run together (run_leave). */
static int ranks_in_step;

static void on_sigint(int sig) {
    (void)sig;
    interrupted = 1;
    /* A second Ctrl-C ends the process at once. */
    signal(SIGINT, SIG_DFL);
}

static int run_should_stop(void *ctx) {
    (void)ctx;
    return interrupted;
}

typedef struct RunPrint {
    int start_iter;   /* iteration this process started at (resume) */
    double start_sec; /* and the run's seconds then */
    double every;     /* seconds between progress lines (0: none) */
    char phase[16];   /* the phase being reported */
    double phase_t0, last_line;
} RunPrint;

/* A progress line once a phase has gone on for `every` seconds, then every
 * `every` seconds while no other line was printed: the feature cache, a
 * long test pass, or training between display rows. */
static void run_on_progress(void *ctx, const RunStatus *st) {
    RunPrint *rp = ctx;
    double now = timer_now();
    if (strcmp(st->phase, rp->phase) != 0) {
        snprintf(rp->phase, sizeof rp->phase, "%s", st->phase);
        rp->phase_t0 = now;
    }
    if (rp->every <= 0 || now - rp->phase_t0 < rp->every || now - rp->last_line < rp->every) return;
    char eta[32], of[64] = "";
    progress_eta_text(st->phase_eta, eta, sizeof eta);
    if (st->phase_total > 0)
        snprintf(of, sizeof of, "%ld/%ld (%.0f%%)", st->phase_done, st->phase_total,
                 100.0 * st->phase_done / st->phase_total);
    printf("  [%s] %s%s  ETA %s\n", st->phase, strcmp(st->phase, "train") == 0 ? "iter " : "", of,
           eta);
    fflush(stdout);
    rp->last_line = now;
}

static void run_on_start(void *ctx, const char *dir, const RunStatus *st) {
    RunPrint *rp = ctx;
    rp->start_iter = st->iter;
    rp->start_sec = st->seconds;
    rankwatch_set_run(dir);
    printf("run: %s\n", dir);
    fflush(stdout);
}

static void run_on_row(void *ctx, const TrainRow *r, const RunStatus *st) {
    RunPrint *rp = ctx;
    rp->last_line = timer_now();
    if (r->phase == PHASE_TEST && runstatus_has_val(st)) {
        printf("iter %6d  test   accuracy %6.2f%%  loss %.4f  (the test split once, on the "
               "weights of iteration %d: the best validation pass)\n",
               r->iter, 100 * r->accuracy, r->loss, r->weights_iter);
    } else if (r->phase != PHASE_TRAIN) {
        printf("iter %6d  %-5s  accuracy %6.2f%%  loss %.4f\n", r->iter, train_phase_name(r->phase),
               100 * r->accuracy, r->loss);
    } else {
        char eta[32];
        int done = r->iter + 1 - rp->start_iter;
        double per = done > 0 ? (r->seconds - rp->start_sec) / done : -1;
        /* The training phase's own rate (the run's seconds include the
         * feature cache and the weights); before it has one, the run's. */
        int own = strcmp(st->phase, "train") == 0 && st->phase_eta >= 0;
        progress_eta_text(own ? st->phase_eta : per * (st->max_iter - r->iter - 1), eta,
                          sizeof eta);
        printf(
            "iter %6d  train  loss %.4f  acc %6.2f%%  lr %.3g  %.1f img/s  wait %2.0f%%  ETA %s\n",
            r->iter, r->loss, 100 * r->accuracy, r->lr, r->images_per_s, 100 * r->data_wait, eta);
    }
    fflush(stdout);
}

static void run_on_log(void *ctx, TrainLogKind kind, const char *line) {
    (void)ctx;
    /* Rows are printed from on_row, details stay in log.txt (the MPI figures). */
    if (kind != TRAIN_LOG_EVENT) return;
    if (strncmp(line, "warning: ", 9) == 0) { /* a bad snapshot passed over, say */
        fprintf(stderr, "finelab: %s\n", line);
        return;
    }
    printf("  %s\n", line);
    fflush(stdout);
}

static int run_report(const RunResult *res, Status s, const Error *err) {
    if (s) fprintf(stderr, "finelab: %s\n", err->msg);
    if (dist_rank() != 0) /* rank 0 tells how the run ended */
        return s ? (res->bad_input ? CLI_BAD_INPUT : CLI_FAILED) : CLI_OK;
    switch (res->state) {
    case RUN_DONE:
        if (res->final_accuracy >= 0 && strcmp(res->heldout, "val") == 0)
            printf("final val accuracy: %.2f%% (best %.2f%%); test accuracy %.2f%% on the best "
                   "validation pass's weights\n",
                   100 * res->final_accuracy, 100 * res->best_accuracy, 100 * res->test_accuracy);
        else if (res->final_accuracy >= 0)
            printf("final test accuracy: %.2f%% (best %.2f%%)\n", 100 * res->final_accuracy,
                   100 * res->best_accuracy);
        else
            printf("done (no test split evaluated)\n");
        return CLI_OK;
    case RUN_STOPPED:
        printf("stopped: a snapshot was written; continue with 'finelab resume %s'\n",
               res->run_dir);
        return CLI_OK;
    case RUN_DIVERGED:
        printf("diverged: %s\n", err->msg);
        return CLI_FAILED;
    default:
        return res->bad_input ? CLI_BAD_INPUT : CLI_FAILED;
    }
}

/* SIGUSR1 stops cleanly too: mpirun forwards it to every rank (Ctrl-C on
 * mpirun ends the job with SIGTERM instead), so `kill -USR1 <mpirun's pid>`
 * stops an MPI run with a snapshot. */
static void on_sigusr1(int sig) {
    (void)sig;
    interrupted = 1;
}

static void install_sigint(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_sigusr1;
    sigaction(SIGUSR1, &sa, NULL);
}

/* Runs one concrete preset (resume_dir NULL) or continues the run in
 * resume_dir, printing its progress; returns the exit code. */
/* The printing callbacks over rp (on rank 0; the others only stop). */
static RunnerCallbacks run_callbacks(RunPrint *rp) {
    if (dist_rank() != 0) /* one rank prints, as one writes the run */
        return (RunnerCallbacks){.ctx = rp, .should_stop = run_should_stop};
    return (RunnerCallbacks){.ctx = rp,
                             .on_start = run_on_start,
                             .on_row = run_on_row,
                             .on_log = run_on_log,
                             .on_progress = run_on_progress,
                             .should_stop = run_should_stop};
}

static int run_printed(const Preset *one, const char *label, const char *resume_dir,
                       const char *runs_dir, double every) {
    RunPrint rp = {.every = every, .last_line = timer_now()};
    RunnerCallbacks cb = run_callbacks(&rp);
    RunResult res;
    Error err = {0};
    Status s = resume_dir ? runner_resume(resume_dir, runs_dir, &cb, &res, &err)
                          : runner_run(one, label, runs_dir, &cb, &res, &err);
    int code = run_report(&res, s, &err);
    if (s && !res.shared && dist_size() > 1) {
        /* This rank failed alone while the others wait in a collective:
         * its reason to the watcher (rank 0 recorded its own), then the
         * whole job ends. */
        if (dist_rank() != 0) rankwatch_say(err.msg);
        dist_abort(code);
    }
    ranks_in_step = 1;
    return code;
}

static void halving_on_line(void *ctx, const char *line) {
    (void)ctx;
    printf("%s\n", line);
    fflush(stdout);
}

/* Runs (or continues) the halving sweep id of p, printing each run as
 * run_printed does; returns the exit code. */
static int run_halving(const Preset *p, const char *id, const char *runs_dir, double every) {
    RunPrint rp = {.every = every, .last_line = timer_now()};
    RunnerCallbacks cb = run_callbacks(&rp);
    HalvingOutcome o;
    Error err = {0};
    ranks_in_step = 1;
    printf("halving sweep %s: %d candidates, eta %d, rungs at", id, preset_sweep_count(p),
           p->sweep.eta);
    HalvingPlan plan;
    halving_plan(&plan, preset_sweep_count(p), p->sweep.min_iter, p->sweep.eta, p->solver.max_iter);
    for (int k = 0; k < plan.n_rungs; k++) printf(" %d (%d)", plan.iter[k], plan.keep[k]);
    printf("\n");
    fflush(stdout);
    if (halving_sweep_run(p, id, runs_dir, &cb, halving_on_line, NULL, &o, &err)) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        return CLI_FAILED;
    }
    if (o.stopped) {
        printf("stopped: continue the sweep with 'finelab resume %s'\n", id);
        return CLI_OK;
    }
    printf("halving sweep %s: %d done, %d pruned, %d failed; %ld iterations against the full "
           "grid's %ld (%.0f%%)",
           id, o.done, o.pruned, o.failed, o.iterations, halving_grid_iterations(&o.plan),
           100.0 * o.iterations / (double)halving_grid_iterations(&o.plan));
    if (o.best >= 0) {
        Preset one;
        char label[512] = "";
        preset_sweep_item(p, o.best, &one, label, sizeof label, &err);
        printf("; best: candidate %d (%s) %s %.2f%%", o.best, label, o.heldout,
               100 * o.best_accuracy);
        if (strcmp(o.heldout, "val") == 0 && o.best_test >= 0)
            printf(", test %.2f%%", 100 * o.best_test);
    }
    printf("\n");
    return o.failed ? CLI_FAILED : CLI_OK;
}

/* Works on asha study id (one worker among any number), printing each
 * run as run_printed does; returns the exit code. */
static int run_asha(const char *id, const char *runs_dir, double every) {
    RunPrint rp = {.every = every, .last_line = timer_now()};
    RunnerCallbacks cb = run_callbacks(&rp);
    AshaOutcome o;
    Error err = {0};
    ranks_in_step = 1; /* under mpirun every step is agreed (asha_sweep.h) */
    if (dist_rank() == 0) {
        printf("asha study %s: worker %ld", id, (long)getpid());
        if (dist_size() > 1) printf(" (rank 0 of %d)", dist_size());
        printf("\n");
        fflush(stdout);
    }
    Status s = asha_sweep_run(runs_dir, id, &cb, halving_on_line, NULL, &o, &err);
    if (dist_rank() != 0) return s ? CLI_FAILED : CLI_OK; /* rank 0 speaks for the job */
    if (s) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        return CLI_FAILED;
    }
    if (o.stopped) {
        printf("stopped: continue the study with 'finelab resume %s'\n", id);
        return CLI_OK;
    }
    printf("asha study %s: %d trials, %d complete, %d pruned, %d failed; %ld iterations", id,
           o.trials, o.complete, o.pruned, o.failed, o.iterations);
    if (o.best >= 0) {
        printf("; best: trial %d (%s) at rung %d/%d, %s %.2f%%", o.best, o.best_params,
               o.best_rung + 1, o.rungs.n_rungs, o.heldout, 100 * o.best_accuracy);
        if (strcmp(o.heldout, "val") == 0 && o.best_test >= 0)
            printf(", test %.2f%%", 100 * o.best_test);
    }
    printf("\n");
    return o.failed ? CLI_FAILED : CLI_OK;
}

/* Trains the preset file path with the --set assignments applied, every
 * combination of its [sweep] in turn (only combination `only`, 0-based,
 * when it is >= 0: one task of a Slurm job array), printing progress (a
 * line every `every` seconds within a long phase). */
static int run_file(const char *path, const char *const *sets, int n_sets, const char *runs_dir,
                    double every, int only) {
    Preset p;
    Error err = {0};
    if (preset_load(&p, path, &err)) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        return CLI_BAD_INPUT;
    }
    for (int i = 0; i < n_sets; i++)
        if (preset_set(&p, sets[i], &err)) {
            fprintf(stderr, "finelab: --set %s\n", err.msg);
            return CLI_BAD_INPUT;
        }
    if (preset_validate(&p, &err)) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        return CLI_BAD_INPUT;
    }
    int total = preset_sweep_count(&p), rc = CLI_OK;
    if (only >= total) {
        fprintf(stderr,
                "finelab: %s: --sweep-index %d is out of range: the sweep has %d combination%s "
                "(0-%d)\n",
                path, only, total, total == 1 ? "" : "s", total - 1);
        return CLI_BAD_INPUT;
    }
    /* Every combination's files, before the first run writes anything. */
    if (preflight_sweep(&p, runs_dir, NULL, &err)) {
        fprintf(stderr, "finelab: %s: %s\n", path, err.msg);
        return CLI_BAD_INPUT;
    }
    install_sigint();
    if (p.sweep.strategy == SWEEP_ASHA) {
        char id[512] = "";
        int shared;
        if (only >= 0) {
            fprintf(stderr,
                    "finelab: %s: an asha study runs as a whole (finelab run %s; more workers: "
                    "finelab resume <study id> in other processes), not by --sweep-index\n",
                    path, path);
            return CLI_BAD_INPUT;
        }
        /* Under mpirun the job is one worker: rank 0 makes the study. */
        Status s = dist_rank() == 0 ? study_create(&p, runs_dir, id, sizeof id, &err) : ST_OK;
        if (!(s = dist_agree(s, &err, &shared)) && dist_size() > 1)
            s = dist_bcast(id, (int)sizeof id, 0, &err);
        if (s) {
            if (dist_rank() == 0) fprintf(stderr, "finelab: %s\n", err.msg);
            ranks_in_step = 1;
            return CLI_FAILED;
        }
        return run_asha(id, runs_dir, every);
    }
    if (p.sweep.strategy == SWEEP_HALVING) {
        if (only >= 0) {
            fprintf(stderr,
                    "finelab: %s: --sweep-index runs one combination in full; a halving sweep "
                    "runs as a whole (finelab run %s), or set sweep.strategy=grid\n",
                    path, path);
            return CLI_BAD_INPUT;
        }
        char id[512];
        if (dist_size() > 1) {
            fprintf(stderr, "finelab: %s: a halving sweep runs in one process, not under mpirun\n",
                    path);
            return CLI_BAD_INPUT;
        }
        if (halving_sweep_create(&p, runs_dir, id, sizeof id, &err)) { /* the store's fault */
            fprintf(stderr, "finelab: %s\n", err.msg);
            return CLI_FAILED;
        }
        return run_halving(&p, id, runs_dir, every);
    }
    for (int k = only >= 0 ? only : 0; k < (only >= 0 ? only + 1 : total) && !interrupted; k++) {
        Preset one;
        char label[512] = "";
        if (preset_sweep_item(&p, k, &one, label, sizeof label, &err) ||
            preset_validate(&one, &err)) {
            fprintf(stderr, "finelab: %s%s%s\n", label, label[0] ? ": " : "", err.msg);
            return CLI_BAD_INPUT;
        }
        if (total > 1) printf("sweep %d/%d (index %d): %s\n", k + 1, total, k, label);
        int code = run_printed(&one, label, NULL, runs_dir, every);
        if (code > rc) rc = code;
        if (code == CLI_BAD_INPUT) break;
    }
    return rc;
}

/* --progress SECONDS: the headless progress lines' rate (0: none). */
static int run_progress_option(const char *cmd, int argc, char **argv, int *i, double *every) {
    const char *v = cli_value(cmd, argc, argv, i);
    char *end;
    if (!v) return CLI_BAD_INPUT;
    *every = strtod(v, &end);
    if (end == v || *end || !(*every >= 0)) {
        cli_error(cmd, "--progress wants seconds >= 0 (got '%s')", v);
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

/* Joins the MPI job when mpirun (or srun) started this process. */
static int run_join(void) {
    Error err = {0};
    if (dist_init(&err) == ST_OK) {
        rankwatch_start();
        return CLI_OK;
    }
    fprintf(stderr, "finelab: %s\n", err.msg);
    return CLI_FAILED;
}

/* Leaves the MPI job. A failure before any run (a preset error) may be
 * this rank's alone: it ends every rank (MPI_Abort), so none waits forever
 * in a collective for it. After the runs the ranks are in step (an error
 * every rank has, or success), and all leave together. */
static int run_leave(int code) {
    if (code != CLI_OK && !ranks_in_step) dist_abort(code);
    dist_finalize();
    return code;
}

int cmd_run(int argc, char **argv) {
    const char *cmd = "run", *path = NULL, *runs_dir = "runs";
    const char *sets[64];
    int n_sets = 0;
    double every = RUN_PROGRESS_SECONDS;
    int only = -1;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--progress") == 0) {
            if (run_progress_option(cmd, argc, argv, &i, &every)) return CLI_BAD_INPUT;
        } else if (strcmp(argv[i], "--set") == 0) {
            if (!(v = cli_value(cmd, argc, argv, &i))) return CLI_BAD_INPUT;
            if (n_sets == 64) {
                cli_error(cmd, "at most 64 --set options");
                return CLI_BAD_INPUT;
            }
            sets[n_sets++] = v;
        } else if (strcmp(argv[i], "--sweep-index") == 0) {
            if (!(v = cli_value(cmd, argc, argv, &i))) return CLI_BAD_INPUT;
            char *end;
            long k = strtol(v, &end, 10);
            if (end == v || *end || k < 0 || k > 1000000) {
                cli_error(cmd, "--sweep-index wants a combination number >= 0 (got '%s')", v);
                return CLI_BAD_INPUT;
            }
            only = (int)k;
        } else if (strcmp(argv[i], "--runs-dir") == 0) {
            if (!(runs_dir = cli_value(cmd, argc, argv, &i))) return CLI_BAD_INPUT;
        } else if (argv[i][0] == '-' || path) {
            cli_error(cmd,
                      "unexpected argument '%s' (usage: finelab run PRESET "
                      "[--set section.key=value]... [--sweep-index K] [--runs-dir DIR] "
                      "[--progress SECONDS])",
                      argv[i]);
            return CLI_BAD_INPUT;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        cli_error(cmd, "needs a preset file (usage: finelab run PRESET [--set ...])");
        return CLI_BAD_INPUT;
    }
    if (run_join()) return CLI_FAILED;
    return run_leave(run_file(path, sets, n_sets, runs_dir, every, only));
}

/* The preset a terminal-less finelab runs: the embedded default demo (a
 * user's own default.ini first, then the tutorial's stage 1 on the shipped
 * backbone, then the seconds-long smoke run). */
static const char *default_preset(void) {
    static const char *const candidates[] = {"presets/demo/default.ini",
                                             "presets/demo/ft_last_layer.ini",
                                             "presets/demo/tiny_scratch.ini"};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
        if (fileio_exists(candidates[i])) return candidates[i];
    return NULL;
}

int cmd_run_default(const char *runs_dir, const char *why) {
    const char *path = default_preset();
    fprintf(stderr, "finelab: %s; running the default preset headless instead\n", why);
    if (!path) {
        fprintf(stderr, "finelab: no default preset under presets/demo/\n");
        return CLI_BAD_INPUT;
    }
    /* The generated demo data is made by `make run`, not shipped: say how. */
    Preset *p = malloc(sizeof *p);
    Error err = {0};
    int missing = p && preset_load(p, path, &err) == ST_OK && !fileio_exists(p->data.dataset);
    if (missing)
        fprintf(stderr,
                "finelab: %s needs the dataset %s, which is missing; `make demo-data` (or "
                "`make run`) generates it\n",
                path, p->data.dataset);
    free(p);
    return missing ? CLI_BAD_INPUT : run_file(path, NULL, 0, runs_dir, RUN_PROGRESS_SECONDS, -1);
}

int cmd_resume(int argc, char **argv) {
    const char *cmd = "resume", *run = NULL, *runs_dir = "runs";
    double every = RUN_PROGRESS_SECONDS;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--progress") == 0) {
            if (run_progress_option(cmd, argc, argv, &i, &every)) return CLI_BAD_INPUT;
        } else if (strcmp(argv[i], "--runs-dir") == 0) {
            if (!(runs_dir = cli_value(cmd, argc, argv, &i))) return CLI_BAD_INPUT;
        } else if (argv[i][0] == '-' || run) {
            cli_error(cmd,
                      "unexpected argument '%s' (usage: finelab resume RUN [--runs-dir DIR] "
                      "[--progress SECONDS])",
                      argv[i]);
            return CLI_BAD_INPUT;
        } else {
            run = argv[i];
        }
    }
    if (!run) {
        cli_error(cmd, "needs a run id or directory");
        return CLI_BAD_INPUT;
    }
    char dir[1024];
    Error err = {0};
    if (runstore_resolve(runs_dir, run, dir, sizeof dir, &err)) {
        /* Not a run: a halving sweep's id continues the whole sweep; a
         * study's, as one more worker. */
        Preset *p = malloc(sizeof *p);
        Error herr = {0};
        char study[1300];
        snprintf(study, sizeof study, "%s/studies/%s/preset.ini", runs_dir, run);
        if (p && fileio_exists(study)) {
            free(p);
            install_sigint();
            if (run_join()) return CLI_FAILED; /* under mpirun: one worker of N ranks */
            return run_leave(run_asha(run, runs_dir, every));
        }
        if (p && halving_sweep_load(runs_dir, run, p, &herr) == ST_OK) {
            install_sigint();
            int code = run_halving(p, run, runs_dir, every);
            free(p);
            return code;
        }
        free(p);
        fprintf(stderr, "finelab: %s\n", err.msg);
        return CLI_BAD_INPUT;
    }
    install_sigint();
    if (run_join()) return CLI_FAILED;
    return run_leave(run_printed(NULL, "", dir, runs_dir, every));
}
