/*
 * fuzz_runstore — reading a run's status.ini and metrics.tsv
 * (src/run/runstore.c: runstore_read_status, runstore_read_metrics) on any
 * text, and what `finelab show` and the Monitor do with them.
 *
 * The input is split at the first NUL byte: status.ini before it,
 * metrics.tsv after it (no NUL: no metrics.tsv). They are written into a
 * run folder in the scratch folder, which is then listed, read, turned
 * into a progress line, charted as `finelab show` charts it (loss of the
 * train rows, accuracy of the test rows) and diagnosed (with the default preset, so the
 * findings' forks are made); a finding's fork must apply to the preset
 * with preset_set, as the Monitor's `f` applies it. A failed read must
 * name the file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/preset/preset.h"
#include "src/report/chart.h"
#include "src/report/diagnosis.h"
#include "src/report/progress.h"
#include "src/run/runstore.h"
#include "tests/fuzz/fuzz.h"

static char runs[256], run[300];

static void check_diagnosis(const RunStatus *st, const RunRow *rows, int n) {
    Preset *p = malloc(sizeof *p);
    Diagnosis *d = malloc(sizeof *d);
    FUZZ_CHECK(p && d, "out of memory");
    preset_defaults(p);
    DiagInput in = {.rows = rows, .n_rows = n, .status = st, .preset = p, .run_id = "run"};
    FUZZ_CHECK(diagnosis_run(&in, d) == ST_OK, "diagnosis_run");
    char text[2048];
    diagnosis_summary(d, text, sizeof text);
    const DiagFinding *f = diagnosis_first_fork(d);
    if (f) {
        diagnosis_fork_text(&f->fork, text, sizeof text);
        for (int i = 0; i < f->fork.n_set; i++) {
            Error e = {0};
            FUZZ_CHECK(preset_set(p, f->fork.set[i], &e) == ST_OK, e.msg);
        }
    }
    free(d);
    free(p);
}

/* show_chart of src/cli/cmd_runs.c: one series of the rows of a phase, in
 * each glyph set, the loss on a log scale. */
static void check_chart(const RunRow *rows, int n, int test) {
    double *x = malloc(sizeof(double) * (size_t)(n + 1)),
           *y = malloc(sizeof(double) * (size_t)(n + 1));
    FUZZ_CHECK(x && y, "out of memory");
    int m = 0;
    for (int i = 0; i < n; i++)
        if (rows[i].heldout == test) {
            x[m] = rows[i].iter;
            y[m++] = test ? 100 * rows[i].accuracy : rows[i].loss;
        }
    TextGrid g;
    FUZZ_CHECK(textgrid_init(&g, 40, 10) == ST_OK, "out of memory");
    for (int glyphs = CHART_ASCII; glyphs <= CHART_BRAILLE; glyphs++) {
        ChartSeries s = {.x = x,
                         .y = y,
                         .n = m,
                         .style = 1,
                         .mark = test ? "o" : "*",
                         .mark_every = glyphs,
                         .label = "series"};
        ChartOptions o = {.glyphs = (ChartGlyphs)glyphs,
                          .log_y = !test,
                          .x_min = NAN,
                          .x_max = NAN,
                          .y_min = NAN,
                          .y_max = NAN};
        chart_render(&g, 0, 0, 40, 10, &o, &s, 1);
        (void)chart_legend(&g, 0, 9, (ChartGlyphs)glyphs, &s, 1);
    }
    char *text = textgrid_string(&g);
    FUZZ_CHECK(text, "out of memory");
    free(text);
    textgrid_fini(&g);
    free(x);
    free(y);
}

FUZZ_TARGET(fuzz_runstore) {
    if (!runs[0]) {
        fuzz_path(runs, sizeof runs, "runs");
        fuzz_mkdir(runs);
        snprintf(run, sizeof run, "%s/20250101T000000-fuzz", runs);
        fuzz_mkdir(run);
    }
    const uint8_t *part[2];
    size_t len[2];
    int n = fuzz_split(data, size, 0, part, len, 2);
    char status[400], metrics[400];
    snprintf(status, sizeof status, "%s/status.ini", run);
    snprintf(metrics, sizeof metrics, "%s/metrics.tsv", run);
    fuzz_write(status, part[0], len[0]);
    if (n > 1)
        fuzz_write(metrics, part[1], len[1]);
    else
        unlink(metrics);

    char **ids = NULL;
    int n_ids = 0;
    Error e = {0};
    FUZZ_CHECK(runstore_list(runs, &ids, &n_ids, &e) == ST_OK && n_ids == 1, e.msg);
    runstore_free_list(ids, n_ids);

    RunStatus st;
    int have_status = runstore_read_status(run, &st, &e) == ST_OK;
    if (have_status) {
        RunProgress pr;
        progress_of(&st, &pr);
        char eta[32];
        progress_eta_text(pr.eta, eta, sizeof eta);
        (void)progress_phase_text(st.phase);
        (void)runstore_state_name(st.state);
    } else {
        FUZZ_CHECK(strncmp(e.msg, status, strlen(status)) == 0, e.msg);
    }
    RunRow *rows = NULL;
    int n_rows = 0;
    if (runstore_read_metrics(run, &rows, &n_rows, &e) == ST_OK) {
        FUZZ_CHECK(n_rows >= 0 && (n_rows == 0 || rows), "rows");
        check_chart(rows, n_rows, 0);
        check_chart(rows, n_rows, 1);
        check_diagnosis(have_status ? &st : NULL, rows, n_rows);
    } else {
        FUZZ_CHECK(strncmp(e.msg, metrics, strlen(metrics)) == 0, e.msg);
    }
    free(rows);
    return 0;
}
