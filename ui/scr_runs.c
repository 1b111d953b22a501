/*
 * scr_runs — screen 3: every run in the run store, including those of
 * other finelab processes (read from their status files), with state,
 * progress bar, phase (what a running run is doing: dataset, weights,
 * cache, train, test, snapshot; src/report/progress.h), ETA, images/s and
 * best accuracy (src/report/score.h: the validation split's with the test
 * split's beside it where the run has one), then (dim) the Slurm array tasks `finelab submit`
 * handed over that have no run yet, with Slurm's state; the engine's log
 * pane below. Stop, pause, resume, delete (asks) and fork act on the
 * selected run; Space marks runs for Compare.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/report/progress.h"
#include "src/report/score.h"
#include "ui/screen.h"
#include "ui/term.h"

enum { RUNS_WIDE = 120 }; /* columns from which the progress bar and images/s show */

static void runs_draw(App *a, TextGrid *g) {
    char line[1024];
    int marked = 0;
    for (int i = 0; i < a->n_runs; i++) marked += a->runs[i].marked;
    textgrid_printf(g, 0, 0, ST_TITLE, "Runs: %d in %s   (%d marked for Compare)", a->n_runs,
                    a->runs_dir, marked);
    char queued[4][256];
    int nq = bridge_queued_names(a->bridge, queued, 4);
    if (nq) {
        int x = textgrid_printf(g, 0, 1, ST_DIM, "queued here (%d):", nq);
        for (int i = 0; i < nq && i < 4; i++)
            x += textgrid_printf(g, x, 1, ST_DIM, " %s", queued[i]);
    }
    /* Under RUNS_WIDE columns the bar and images/s give way, so that the
     * phase, ETA and best accuracy still fit at 80 columns. */
    int wide = g->w >= RUNS_WIDE, idw = wide || g->w >= 90 ? 36 : g->w - 54 < 20 ? 20 : g->w - 54;
    if (wide)
        snprintf(line, sizeof line, "  %-36s %-11s %-22s %-17s %7s %8s %11s  %s", "run", "state",
                 "progress", "phase", "ETA", "img/s", "best", "sweep");
    else
        snprintf(line, sizeof line, "  %-*s %-11s %-17s %7s %11s  %s", idw, "run", "state", "phase",
                 "ETA", "best", "sweep");
    textgrid_text(g, 0, 2, line, ST_HEADER);
    int log_rows = g->h >= 30 ? 8 : 5, rows = g->h - 4 - log_rows;
    int top = a->sel_run >= rows ? a->sel_run - rows + 1 : 0;
    for (int i = top; i < a->n_runs && i - top < rows; i++) {
        const RunEntry *e = &a->runs[i];
        const RunStatus *s = &e->status;
        RunProgress pr;
        progress_of(s, &pr);
        char bar[96] = "", eta[32], best[64], iter[64];
        int filled = pr.fraction >= 0 ? (int)(pr.fraction * 20 + 0.5) : 0;
        for (int k = 0; k < 20; k++)
            strcat(bar, k < filled ? (a->utf8 ? "█" : "#") : (a->utf8 ? "░" : "-"));
        progress_eta_text(pr.eta, eta, sizeof eta);
        score_short(s, best, sizeof best);
        snprintf(iter, sizeof iter, "%s %s", s->state == RUN_RUNNING ? pr.phase : "iter", pr.count);
        snprintf(line, sizeof line, "%c %-*.*s %-11s ", e->marked ? '*' : ' ', idw, idw, e->id,
                 runstore_state_name(s->state));
        int style = i == a->sel_run ? ST_SELECTED : s->state == RUN_PRUNED ? ST_DIM : 0;
        int x = textgrid_text(g, 0, 3 + i - top, line, style);
        if (wide) {
            x += textgrid_text(g, x, 3 + i - top, bar, style ? style : ST_SERIES_MAX - 6);
            snprintf(line, sizeof line, "  %-17s %7s %8.1f %11s  %s", iter, eta, s->images_per_s,
                     best, s->sweep);
        } else {
            snprintf(line, sizeof line, "%-17s %7s %11s  %s", iter, eta, best, s->sweep);
        }
        x += textgrid_text(g, x, 3 + i - top, line, style);
        for (; style && x < g->w; x++) textgrid_put(g, x, 3 + i - top, " ", style);
        if (s->error[0] && i == a->sel_run) app_message(a, 1, "%s: %s", e->id, s->error);
    }
    /* Below the runs, dim: submitted Slurm tasks that have no run yet. */
    int y = 3 + (a->n_runs - top < rows ? a->n_runs - top : rows);
    for (int j = 0; j < a->slurm.n_tasks && y < 3 + rows; j++, y++) {
        const SubmissionTask *t = &a->slurm.tasks[j];
        char id[320];
        snprintf(id, sizeof id, "slurm %s_%d (%s)", t->job_id, t->task, t->name);
        snprintf(line, sizeof line, "  %-*.*s %-11s %-17s %7s %8s  %s", idw, idw, id,
                 submission_state_name(t->slurm), "-", "-", "-", t->label);
        textgrid_text(g, 0, y, line, ST_DIM);
    }
    if (a->n_runs == 0 && a->slurm.n_tasks == 0)
        textgrid_text(g, 2, 3, "no runs yet: pick a preset on screen 1 and press r", ST_DIM);
    int y0 = g->h - log_rows;
    for (int x = 0; x < g->w; x++) textgrid_put(g, x, y0 - 1, a->utf8 ? "─" : "-", ST_DIM);
    textgrid_text(g, 1, y0 - 1, " log ", ST_DIM);
    int first = a->n_log > log_rows ? a->n_log - log_rows : 0;
    for (int i = first; i < a->n_log; i++) textgrid_text(g, 0, y0 + i - first, a->log[i], 0);
}

static RunEntry *selected(App *a) {
    return a->sel_run < a->n_runs ? &a->runs[a->sel_run] : NULL;
}

static void runs_open(App *a) {
    RunEntry *e = selected(a);
    if (e) app_watch(a, e->dir);
}

static void runs_stop(App *a) {
    app_stop_run(a, selected(a));
}

static void runs_resume(App *a) {
    RunEntry *e = selected(a);
    if (!e) return;
    RunState st = e->status.state;
    if (st != RUN_STOPPED && st != RUN_INTERRUPTED && st != RUN_FAILED) {
        app_message(a, 1, "only stopped, interrupted or failed runs resume (%s is %s)", e->id,
                    runstore_state_name(st));
        return;
    }
    int job;
    Error err = {0};
    if (bridge_enqueue_resume(a->bridge, e->dir, &job, &err))
        app_message(a, 1, "cannot resume: %s", err.msg);
    else
        app_message(a, 0, "resuming %s", e->id);
}

static void runs_delete(App *a) {
    RunEntry *e = selected(a);
    if (!e) return;
    if (e->status.state == RUN_RUNNING || e->status.state == RUN_QUEUED) {
        app_message(a, 1, "%s is %s: stop it first", e->id, runstore_state_name(e->status.state));
        return;
    }
    char q[700];
    snprintf(q, sizeof q, "delete run %s and its snapshots?", e->id);
    if (!term_confirm(a, q)) return;
    /* Rename first so a half-finished delete never leaves a half run. */
    char gone[1700], cmd[1800];
    snprintf(gone, sizeof gone, "%s/.deleted-%s", a->runs_dir, e->id);
    if (rename(e->dir, gone) != 0) {
        app_message(a, 1, "cannot delete %s", e->dir);
        return;
    }
    snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", gone);
    if (system(cmd) != 0) app_log(a, "could not remove %s", gone);
    app_message(a, 0, "deleted %s", e->id);
    app_load_runs(a);
}

static void runs_fork(App *a) {
    RunEntry *e = selected(a);
    if (!e) return;
    char path[1700];
    snprintf(path, sizeof path, "%s/preset.ini", e->dir);
    Preset p;
    Error err = {0};
    if (preset_load(&p, path, &err)) {
        app_message(a, 1, "%s", err.msg);
        return;
    }
    char name[256], out[1500];
    snprintf(name, sizeof name, "%.240s_fork", p.experiment.name);
    if (!term_prompt(a, "name of the new preset:", name, sizeof name)) return;
    if (app_new_preset(a, &p, name, out, sizeof out) == 0)
        app_message(a, 0, "forked %s into %s", e->id, out);
}

static void runs_move(App *a, int delta) {
    app_step(&a->sel_run, a->n_runs, delta);
}

static void runs_mark(App *a) {
    RunEntry *e = selected(a);
    if (e) e->marked = !e->marked;
    runs_move(a, 1);
}

static const KeyBinding runs_keys[] = {
    {'\n', "Enter", "Monitor", "watch the run", runs_open, 0},
    {' ', "Space", "Mark", "mark or unmark for Compare", runs_mark, 0},
    SCREEN_KEYS_STOP_PAUSE(runs_stop),
    {'R', "R", "Resume", "resume a stopped or interrupted run", runs_resume, 0},
    {'d', "d", "Delete", "delete the run (asks)", runs_delete, 0},
    {'f', "f", "Fork", "new preset from the run's resolved preset", runs_fork, 0},
};

const ScreenClass runs_screen = {
    .name = "Runs",
    .draw = runs_draw,
    SCREEN_KEYS(runs_keys),
    .move = runs_move,
    .shows_runs = 1,
};
