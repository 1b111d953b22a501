/*
 * cmd_plot — pictures of runs and sweeps. See cmd_plot.h.
 *
 * Every argument is checked before anything is read or drawn (the
 * extension, the size, the keys), then each name is resolved: a run id
 * or directory first, else the preset name of a sweep, whose runs it
 * stands for. What to draw follows from what was named unless --what
 * says: a sweep's name asks for its grid, runs for their curves.
 */
#include "src/cli/cmd_plot.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cli/cli.h"
#include "src/plot/canvas.h"
#include "src/plot/fig_curves.h"
#include "src/plot/fig_grid.h"
#include "src/plot/fig_study.h"
#include "src/preset/schema.h"
#include "src/preset/sweep.h"
#include "src/run/runstore.h"

enum { PLOT_NAMES_MAX = FIG_GRID_RUNS_MAX };

static const char *const usage =
    "usage: finelab plot RUN|SWEEP... [--what curves|grid|parallel|slice|history|importance] "
    "[--rows KEY] [--cols KEY] [--key KEY] --out FILE.png|svg|pdf [--runs-dir DIR] [--size WxH]";

typedef struct PlotArgs {
    const char *names[PLOT_NAMES_MAX];
    int n_names;
    const char *what, *rows, *cols, *key, *out, *runs_dir, *size;
    int width, height;
    int row_key, col_key;
} PlotArgs;

/* The schema index of the key named by spelling (for --rows or --cols). */
static int plot_key(const char *opt, const char *spelling, int *key) {
    const SchemaKey *k = schema_find_dotted(spelling);
    if (!k) {
        cli_error("plot", "%s: no preset key '%s' (see 'finelab keys')", opt, spelling);
        return -1;
    }
    *key = schema_index(k);
    return 0;
}

/* The checks that need no store: what, keys, size, the output's type. */
static int plot_check(PlotArgs *a) {
    CanvasFormat fmt;
    Error err = {0};
    if (!a->n_names) cli_error("plot", "needs a run or a sweep (%s)", usage);
    if (!a->out) cli_error("plot", "needs --out FILE.png|svg|pdf (%s)", usage);
    if (!a->n_names || !a->out) return -1;
    if (a->what && strcmp(a->what, "curves") != 0 && strcmp(a->what, "grid") != 0 &&
        fig_study_kind_of(a->what) < 0) {
        cli_error("plot",
                  "--what expects curves, grid, parallel, slice, history or importance (got '%s')",
                  a->what);
        return -1;
    }
    if (a->what && fig_study_kind_of(a->what) >= 0 && a->n_names != 1) {
        cli_error("plot", "--what %s draws one study: name one sweep (got %d names)", a->what,
                  a->n_names);
        return -1;
    }
    if (a->key && (!a->what || strcmp(a->what, "slice") != 0)) {
        cli_error("plot", "--key chooses a slice's key; it goes with --what slice");
        return -1;
    }
    if ((a->rows || a->cols) && a->what && strcmp(a->what, "grid") != 0) {
        cli_error("plot", "--rows and --cols choose the grid's keys; they do not go with --what %s",
                  a->what);
        return -1;
    }
    if ((a->rows && plot_key("--rows", a->rows, &a->row_key)) ||
        (a->cols && plot_key("--cols", a->cols, &a->col_key)))
        return -1;
    if (a->size) {
        char x;
        int used = 0;
        if (sscanf(a->size, "%d%c%d%n", &a->width, &x, &a->height, &used) != 3 || x != 'x' ||
            a->size[used] != '\0' || a->width < 16 || a->height < 16 ||
            a->width > CANVAS_SIZE_MAX || a->height > CANVAS_SIZE_MAX) {
            cli_error("plot", "--size expects WIDTHxHEIGHT, each 16 to %d (got '%s')",
                      CANVAS_SIZE_MAX, a->size);
            return -1;
        }
    }
    if (canvas_format_of(a->out, &fmt, &err)) {
        cli_error("plot", "%s", err.msg);
        return -1;
    }
    return 0;
}

static int plot_args(int argc, char **argv, PlotArgs *a) {
    *a = (PlotArgs){
        .runs_dir = "runs", .row_key = FIG_GRID_KEY_DEFAULT, .col_key = FIG_GRID_KEY_DEFAULT};
    static const struct {
        const char *opt;
        size_t field;
    } opts[] = {
        {"--what", offsetof(PlotArgs, what)},         {"--rows", offsetof(PlotArgs, rows)},
        {"--cols", offsetof(PlotArgs, cols)},         {"--out", offsetof(PlotArgs, out)},
        {"--runs-dir", offsetof(PlotArgs, runs_dir)}, {"--size", offsetof(PlotArgs, size)},
        {"--key", offsetof(PlotArgs, key)},
    };
    for (int i = 1; i < argc; i++) {
        size_t k = 0, n_opts = sizeof opts / sizeof opts[0];
        while (k < n_opts && strcmp(argv[i], opts[k].opt) != 0) k++;
        if (k < n_opts) {
            const char **field = (const char **)((char *)a + opts[k].field);
            if (!(*field = cli_value("plot", argc, argv, &i))) return -1;
        } else if (argv[i][0] != '-' && a->n_names < PLOT_NAMES_MAX) {
            a->names[a->n_names++] = argv[i];
        } else {
            cli_error("plot", "unexpected argument '%s' (%s)", argv[i], usage);
            return -1;
        }
    }
    return plot_check(a);
}

/* Appends the run directories a name stands for to dirs (*n of them so
 * far, at most FIG_GRID_RUNS_MAX); *sweep set when it named a sweep. The
 * exit code (errors said). */
static int plot_resolve(const PlotArgs *a, const char *name, char **dirs, int *n, int *sweep) {
    char dir[2048];
    Error err = {0};
    if (runstore_resolve(a->runs_dir, name, dir, sizeof dir, NULL) == ST_OK) {
        if (*n == FIG_GRID_RUNS_MAX || !(dirs[*n] = strdup(dir))) {
            cli_error("plot", "too many runs (at most %d)", FIG_GRID_RUNS_MAX);
            return CLI_BAD_INPUT;
        }
        (*n)++;
        return CLI_OK;
    }
    char **runs;
    int n_runs;
    if (fig_grid_sweep_runs(a->runs_dir, name, &runs, &n_runs, &err)) {
        cli_error("plot", "%s", err.msg);
        return CLI_FAILED;
    }
    if (n_runs == 0)
        cli_error("plot",
                  "'%s': no run or sweep of that name in %s (a run id, a run directory, "
                  "or the preset name of a sweep's runs)",
                  name, a->runs_dir);
    for (int i = 0; i < n_runs && *n < FIG_GRID_RUNS_MAX; i++)
        dirs[(*n)++] = runs[i], runs[i] = NULL;
    fig_grid_free_runs(runs, n_runs);
    *sweep = 1;
    return n_runs ? CLI_OK : CLI_BAD_INPUT;
}

/* A study's view (--what parallel, slice, history or importance) of the
 * one sweep named: any sweep, read as sweep_trials.h reads it. */
static int plot_study(const PlotArgs *a) {
    SweepTrials s;
    Error err = {0};
    Status st = sweep_trials_load(&s, a->runs_dir, a->names[0], &err);
    if (st) {
        cli_error("plot", "%s", err.msg);
        return CLI_BAD_INPUT;
    }
    FigStudyOptions o = fig_study_defaults();
    o.kind = (FigStudyKind)fig_study_kind_of(a->what);
    o.width = a->width, o.height = a->height;
    const SchemaKey *k = a->key ? schema_find_dotted(a->key) : NULL;
    o.key = k ? sweep_find(&s.preset->sweep, schema_index(k)) : 0;
    int code = CLI_OK;
    if (a->key && o.key < 0) {
        cli_error("plot", "--key %s: not a swept key of %s", a->key, a->names[0]);
        code = CLI_BAD_INPUT;
    } else if ((st = fig_study_write(a->out, &s, &o, &err))) {
        cli_error("plot", "%s", err.msg);
        code = st == ST_ARG ? CLI_BAD_INPUT : CLI_FAILED;
    } else {
        printf("wrote %s: %s of %s %s, %d trials\n", a->out, a->what,
               sweep_trials_kind_name(s.kind), s.id, s.n);
    }
    sweep_trials_free(&s);
    return code;
}

int cmd_plot(int argc, char **argv) {
    PlotArgs a;
    if (plot_args(argc, argv, &a)) return CLI_BAD_INPUT;
    if (a.what && fig_study_kind_of(a.what) >= 0) return plot_study(&a);
    char **dirs = calloc(FIG_GRID_RUNS_MAX, sizeof *dirs);
    if (!dirs) {
        cli_error("plot", "out of memory");
        return CLI_FAILED;
    }
    int n = 0, sweep = 0, code = CLI_OK;
    for (int i = 0; i < a.n_names && code == CLI_OK; i++)
        code = plot_resolve(&a, a.names[i], dirs, &n, &sweep);
    /* A sweep's name asks for its grid, runs for their curves. */
    int grid = a.what ? strcmp(a.what, "grid") == 0 : sweep || a.rows || a.cols;
    Error err = {0};
    Status st = ST_OK;
    if (code == CLI_OK && grid) {
        FigGridOptions o = fig_grid_defaults();
        o.row_key = a.row_key;
        o.col_key = a.col_key;
        o.name = sweep && a.n_names == 1 ? a.names[0] : NULL;
        o.width = a.width;
        o.height = a.height;
        st = fig_grid_write(a.out, dirs, n, &o, &err);
    } else if (code == CLI_OK) {
        FigCurvesOptions o = fig_curves_defaults();
        o.width = a.width;
        o.height = a.height;
        st = fig_curves_write(a.out, dirs, n, &o, &err);
    }
    if (code == CLI_OK && st) {
        cli_error("plot", "%s", err.msg);
        code = st == ST_ARG ? CLI_BAD_INPUT : CLI_FAILED;
    } else if (code == CLI_OK) {
        printf("wrote %s: %s of %d run%s\n", a.out, grid ? "grid" : "curves", n, n == 1 ? "" : "s");
    }
    for (int i = 0; i < n; i++) free(dirs[i]);
    free(dirs);
    return code;
}
