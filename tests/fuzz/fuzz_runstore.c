/*
 * fuzz_runstore — reading a run's status.ini and metrics.tsv
 * (src/run/runstore.c: runstore_read_status, runstore_read_metrics) on any
 * text, and what `finelab show` and the Monitor do with them.
 *
 * The input is split at the first NUL byte: status.ini before it,
 * metrics.tsv after it (no NUL: no metrics.tsv). They are written into a
 * run folder in the scratch folder, which is then listed, read, turned
 * into a progress line and diagnosed (with the default preset, so the
 * findings' forks are made); a finding's fork must apply to the preset
 * with preset_set, as the Monitor's `f` applies it. A failed read must
 * name the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/preset/preset.h"
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
        check_diagnosis(have_status ? &st : NULL, rows, n_rows);
    } else {
        FUZZ_CHECK(strncmp(e.msg, metrics, strlen(metrics)) == 0, e.msg);
    }
    free(rows);
    return 0;
}
