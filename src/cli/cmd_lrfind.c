/*
 * cmd_lrfind — the range test from the shell. See cmd_lrfind.h.
 */
#include "src/cli/cmd_lrfind.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/strbuf.h"
#include "engine/base/timer.h"
#include "engine/io/fileio.h"
#include "src/cli/cli.h"
#include "src/report/lrplot.h"
#include "src/report/progress.h"
#include "src/run/lrfind.h"

/* Seconds between progress lines within a long phase, by default. */
#define LRFIND_PROGRESS_EVERY 5.0

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig) {
    (void)sig;
    interrupted = 1;
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C ends the process */
}

/* The progress printer: a line once a phase has lasted `every` seconds,
 * then every `every` seconds, with the phase's ETA from its own rate. */
typedef struct LrFindPrint {
    double every;
    char phase[16];
    double phase_t0, last_line;
    long done0;
} LrFindPrint;

static void print_progress(void *ctx, const char *phase, long done, long total) {
    LrFindPrint *pp = ctx;
    double now = timer_now();
    if (strcmp(phase, pp->phase) != 0) {
        snprintf(pp->phase, sizeof pp->phase, "%s", phase);
        pp->phase_t0 = now;
        pp->done0 = done;
    }
    if (pp->every <= 0 || total <= 0 || now - pp->phase_t0 < pp->every ||
        now - pp->last_line < pp->every)
        return;
    double rate = (done - pp->done0) / fmax(now - pp->phase_t0, 1e-9);
    char eta[32];
    progress_eta_text(rate > 0 ? (total - done) / rate : -1, eta, sizeof eta);
    printf("  [%s] %s%ld/%ld (%.0f%%)  ETA %s\n", phase, strcmp(phase, "train") ? "" : "iter ",
           done, total, 100.0 * done / total, eta);
    fflush(stdout);
    pp->last_line = now;
}

static void print_log(void *ctx, const char *line) {
    LrFindPrint *pp = ctx;
    printf("  %s\n", line);
    fflush(stdout);
    pp->last_line = timer_now();
}

static int lrfind_should_stop(void *ctx) {
    (void)ctx;
    return interrupted;
}

/* --start, --end: a rate > 0. */
static int parse_rate(const char *opt, const char *v, double *out) {
    char *end;
    *out = v ? strtod(v, &end) : 0;
    if (!v || end == v || *end || !(*out > 0) || !isfinite(*out)) {
        cli_error("lr-find", "%s wants a learning rate > 0 (got '%s')", opt, v ? v : "");
        return -1;
    }
    return 0;
}

/* Writes iter,lr,loss,smoothed rows of c to path, whole or not at all. */
static Status write_csv(const char *path, const LrRange *c, Error *err) {
    StrBuf b = {0};
    strbuf_puts(&b, "iter,lr,loss,smoothed\n");
    for (int i = 0; i < c->n; i++)
        strbuf_printf(&b, "%d,%.9g,%.9g,%.9g\n", i, c->lr[i], c->loss[i], c->smoothed[i]);
    size_t len = b.len;
    char *text = strbuf_take(&b);
    Status s = text ? fileio_write_atomic(path, text, len, err)
                    : error_set(err, ST_NOMEM, "%s: out of memory", path);
    free(text);
    return s;
}

/* The report: the plot, the ending, the suggestions, the times. */
static void print_result(const char *path, const LrFindResult *r) {
    const LrRange *c = &r->curve;
    char line[1024];
    TextGrid g;
    if (c->n > 0 && textgrid_init(&g, 78, 20) == ST_OK) {
        lrplot_render(&g, 0, 0, 78, 20, CHART_ASCII, c, r->suggest);
        char *text = textgrid_string(&g);
        if (text) printf("\nloss against lr:\n%s\n", text);
        free(text);
        textgrid_fini(&g);
    }
    lrplot_ending(c, line, sizeof line);
    printf("%s\n", line);
    lrplot_window(c, 0, line, sizeof line);
    printf("suggestions, %s:\n", line);
    for (int k = 0; k < LR_RANGE_SUGGESTIONS; k++) {
        lrplot_suggestion(&r->suggest[k], 1, line, sizeof line);
        printf("  %s\n", line);
    }
    if (lrplot_note(c, line, sizeof line)) printf("%s\n", line);
    printf("time: dataset %.1f s, network and weights %.1f s, feature cache %.1f s, %d "
           "iterations %.1f s (%.3g s each)\n",
           r->seconds_dataset, r->seconds_weights, r->seconds_cache, c->n, r->seconds_train,
           c->n ? r->seconds_train / c->n : 0.0);
    const LrSuggestion *first = NULL;
    for (int k = 0; k < LR_RANGE_SUGGESTIONS && !first; k++)
        if (r->suggest[k].found) first = &r->suggest[k];
    printf("no run or preset was written%s",
           r->cached ? " (the features: the run store's cache)" : "");
    if (first)
        printf("; to train at one: finelab run %s --set solver.base_lr=%.2g", path, first->lr);
    printf("\n");
}

/* The header: what the test runs and from which weights. */
static void print_header(const Preset *p, const LrFindOptions *o) {
    LrRange c;
    lr_range_init(&c, o->start, o->end, o->iters, NULL);
    int cached = p->transfer.mode == TRANSFER_LAST_LAYER && p->transfer.feature_cache;
    printf("lr-find %s: %d iterations from lr %.3g to %.3g (Caffe's exp policy, gamma %.6g), "
           "%s\n",
           p->experiment.name, o->iters, o->start, o->end, c.gamma,
           cached ? "last_layer on the feature cache" : "on the network");
    fflush(stdout);
}

/* The options after PRESET; CLI_OK or CLI_BAD_INPUT (said on stderr). */
typedef struct LrFindArgs {
    const char *path, *runs_dir, *csv;
    const char *sets[64];
    int n_sets;
    LrFindOptions o;
    double every;
} LrFindArgs;

static int parse_args(int argc, char **argv, LrFindArgs *a) {
    const char *cmd = "lr-find";
    *a = (LrFindArgs){.runs_dir = "runs",
                      .o = {.start = LRFIND_START, .end = LRFIND_END}, /* iters: the preset's */
                      .every = LRFIND_PROGRESS_EVERY};
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--set") == 0) {
            if (!(v = cli_value(cmd, argc, argv, &i))) return CLI_BAD_INPUT;
            if (a->n_sets == 64) {
                cli_error(cmd, "at most 64 --set options");
                return CLI_BAD_INPUT;
            }
            a->sets[a->n_sets++] = v;
        } else if (strcmp(argv[i], "--start") == 0 || strcmp(argv[i], "--end") == 0) {
            const char *opt = argv[i];
            if (parse_rate(opt, cli_value(cmd, argc, argv, &i),
                           opt[2] == 's' ? &a->o.start : &a->o.end))
                return CLI_BAD_INPUT;
        } else if (strcmp(argv[i], "--iters") == 0) {
            if (!(v = cli_value(cmd, argc, argv, &i)) ||
                cli_int(cmd, "--iters", v, 2, LR_RANGE_MAX, &a->o.iters))
                return CLI_BAD_INPUT;
        } else if (strcmp(argv[i], "--csv") == 0) {
            if (!(a->csv = cli_value(cmd, argc, argv, &i))) return CLI_BAD_INPUT;
        } else if (strcmp(argv[i], "--runs-dir") == 0) {
            if (!(a->runs_dir = cli_value(cmd, argc, argv, &i))) return CLI_BAD_INPUT;
        } else if (strcmp(argv[i], "--progress") == 0) {
            char *end;
            if (!(v = cli_value(cmd, argc, argv, &i))) return CLI_BAD_INPUT;
            a->every = strtod(v, &end);
            if (end == v || *end || !(a->every >= 0)) {
                cli_error(cmd, "--progress wants seconds >= 0 (got '%s')", v);
                return CLI_BAD_INPUT;
            }
        } else if (argv[i][0] == '-' || a->path) {
            cli_error(cmd,
                      "unexpected argument '%s' (usage: finelab lr-find PRESET "
                      "[--set section.key=value]... [--start LR] [--end LR] [--iters N] "
                      "[--csv FILE] [--runs-dir DIR] [--progress SECONDS])",
                      argv[i]);
            return CLI_BAD_INPUT;
        } else {
            a->path = argv[i];
        }
    }
    if (!a->path) {
        cli_error(cmd, "needs a preset file (usage: finelab lr-find PRESET [--set ...])");
        return CLI_BAD_INPUT;
    }
    if (!(a->o.end > a->o.start)) {
        cli_error(cmd, "--end %g must be above --start %g", a->o.end, a->o.start);
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

/* The preset file with the --set assignments applied, validated. */
static int load_preset(const LrFindArgs *a, Preset *p) {
    Error err = {0};
    if (preset_load(p, a->path, &err)) {
        cli_error("lr-find", "%s", err.msg);
        return CLI_BAD_INPUT;
    }
    for (int i = 0; i < a->n_sets; i++)
        if (preset_set(p, a->sets[i], &err)) {
            cli_error("lr-find", "--set %s", err.msg);
            return CLI_BAD_INPUT;
        }
    if (preset_validate(p, &err)) {
        cli_error("lr-find", "%s", err.msg);
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

int cmd_lrfind(int argc, char **argv) {
    LrFindArgs a;
    int code = parse_args(argc, argv, &a);
    Preset *p = malloc(sizeof *p);
    LrFindResult *r = malloc(sizeof *r);
    if (code == CLI_OK && (!p || !r)) {
        cli_error("lr-find", "out of memory");
        code = CLI_FAILED;
    }
    if (code == CLI_OK) code = load_preset(&a, p);
    if (code != CLI_OK) {
        free(p);
        free(r);
        return code;
    }
    if (!a.o.iters) a.o.iters = lrfind_options_default(p).iters;
    print_header(p, &a.o);
    LrFindPrint pp = {.every = a.every, .last_line = timer_now()};
    LrFindCallbacks cb = {.ctx = &pp,
                          .on_progress = print_progress,
                          .on_log = print_log,
                          .should_stop = lrfind_should_stop};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    Error err = {0};
    Status s = lrfind_run(p, a.runs_dir, &a.o, &cb, r, &err);
    if (s) {
        cli_error("lr-find", "%s: %s", a.path, err.msg);
        code = r->bad_input ? CLI_BAD_INPUT : CLI_FAILED;
    } else {
        print_result(a.path, r);
        if (a.csv && write_csv(a.csv, &r->curve, &err)) {
            cli_error("lr-find", "%s", err.msg);
            code = CLI_FAILED;
        } else if (a.csv) {
            printf("csv: %s (%d rows)\n", a.csv, r->curve.n);
        }
    }
    free(p);
    free(r);
    return code;
}
