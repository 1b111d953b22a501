/*
 * scr_monitor — screen 4: one run's curves, live. The loss chart shows the
 * train loss raw (a dim dotted line) and EMA-smoothed (debiased, as W&B and
 * TensorBoard smooth) with the test loss; the accuracy chart shows train
 * and test accuracy. Test points are marked `o` in every glyph set, so the
 * series read apart without colour, and each legend is written from the
 * series it names. The header gives iteration / max_iter, learning rate,
 * ETA, images/s and the share of time spent waiting for data. Rows come
 * from the run's metrics.tsv, so runs of other finelab processes show too.
 * Under the charts, the diagnosis (src/report/diagnosis.h) of the curves so
 * far and its next step; f forks the run's preset with that step's change
 * (for a step whose rate is the range test's, through the LR find view).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/plot/fig.h"
#include "src/plot/fig_curves.h"
#include "src/report/progress.h"
#include "src/report/score.h"
#include "src/report/relatives.h"
#include "ui/scr_lrfind.h"
#include "ui/screen.h"
#include "ui/term.h"

enum { MONITOR_DIAG_ROWS = 2 }; /* the diagnosis under the charts */

static const double ema_steps[] = {0, 0.6, 0.8, 0.9, 0.95, 0.99};
static const int zoom_steps[] = {0, 1000, 100};

typedef struct Series {
    double *x, *y;
    int n;
} Series;

static void series_add(Series *s, double x, double y) {
    s->x[s->n] = x;
    s->y[s->n++] = y;
}

/* s as a solid line in the given style, mark and legend label. */
static ChartSeries series_chart(const Series *s, int style, const char *mark, const char *label) {
    return (ChartSeries){
        .x = s->x, .y = s->y, .n = s->n, .style = style, .mark = mark, .label = label};
}

/* The run to show: the chosen one, else the one training here, else the newest. */
static const char *monitor_dir(App *a) {
    if (a->monitor.dir[0]) return a->monitor.dir;
    BridgeSnapshot s;
    bridge_snapshot(a->bridge, &s);
    if (s.running && s.run_dir[0]) /* a range test has no run */
        return snprintf(a->monitor.dir, sizeof a->monitor.dir, "%s", s.run_dir), a->monitor.dir;
    if (a->n_runs) return a->runs[a->n_runs - 1].dir;
    return NULL;
}

/* One chart under its title, followed by the legend of its series. */
static void draw_chart(App *a, TextGrid *g, int x0, int y0, int w, int h, const char *title,
                       const ChartSeries *s, int n, int log_y, double x_min) {
    ChartGlyphs glyphs = a->utf8 ? a->glyphs : CHART_ASCII;
    int x = textgrid_text(g, x0, y0, title, ST_TITLE);
    chart_legend(g, x0 + x + 1, y0, glyphs, s, n);
    ChartOptions o = {
        .glyphs = glyphs, .log_y = log_y, .x_min = x_min, .x_max = NAN, .y_min = NAN, .y_max = NAN};
    chart_render(g, x0, y0 + 1, w, h - 1, &o, s, n);
}

/* Two rows from y: what the curves show (every kind found, the first
 * one's numbers), then its next step and the f fork, or the stage runs'
 * results when nothing is found. */
static void monitor_diagnosis(App *a, TextGrid *g, const char *dir, const RunStatus *st, int rows,
                              int y) {
    Diagnosis *d = a->monitor.diag;
    if (!d || strcmp(a->monitor.diag_dir, dir) != 0 || a->monitor.diag_rows != rows ||
        a->monitor.diag_state != st->state || a->monitor.diag_listed_at != a->runs_loaded_at) {
        /* Made again only when what it reads may have changed. */
        if (!d && !(d = a->monitor.diag = malloc(sizeof *d))) return;
        Error err = {0};
        snprintf(a->monitor.diag_dir, sizeof a->monitor.diag_dir, "%s", dir);
        a->monitor.diag_rows = rows;
        a->monitor.diag_state = st->state;
        a->monitor.diag_listed_at = a->runs_loaded_at;
        if (relatives_diagnose(dir, 1, d, &err)) a->monitor.diag_dir[0] = '\0';
    }
    if (!a->monitor.diag_dir[0]) {
        textgrid_printf(g, 0, y, ST_DIM, "diagnosis: -");
        return;
    }
    char kinds[256];
    diagnosis_summary(d, kinds, sizeof kinds);
    const DiagFinding *f = d->n ? &d->findings[0] : NULL, *fork = diagnosis_first_fork(d);
    int x = textgrid_printf(g, 0, y, ST_TITLE, "diagnosis: %s", kinds);
    if (f) textgrid_printf(g, x, y, 0, " - %s", f->text);
    if (fork) {
        char set[700];
        diagnosis_fork_text(&fork->fork, set, sizeof set);
        x = textgrid_printf(g, 0, y + 1, ST_KEY, "f");
        textgrid_printf(g, x, y + 1, ST_DIM, ": fork with %s (%s)   next: %s", set,
                        diagnosis_kind_name(fork->kind), fork->advice);
    } else if (f) {
        textgrid_printf(g, 0, y + 1, ST_DIM, "next: %s", f->advice);
    } else if (d->compare[0]) {
        textgrid_printf(g, 0, y + 1, ST_DIM, "%s", d->compare);
    }
}

static void monitor_draw(App *a, TextGrid *g) {
    const char *dir = monitor_dir(a);
    if (!dir) {
        textgrid_text(g, 0, 0, "Monitor: no run yet (screen 1: pick a preset, press r)", ST_DIM);
        return;
    }
    RunStatus st;
    RunRow *rows = NULL;
    int n = 0;
    if (runstore_read_status(dir, &st, NULL) || runstore_read_metrics(dir, &rows, &n, NULL)) {
        textgrid_text(g, 0, 0, "Monitor: cannot read the run", ST_ERROR);
        return;
    }
    const char *id = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    char line[2048];
    double lr = 0, ips = 0, wait = 0;
    for (int i = n - 1; i >= 0; i--)
        if (!rows[i].heldout) {
            lr = rows[i].lr;
            ips = rows[i].images_per_s;
            wait = rows[i].data_wait;
            break;
        }
    RunProgress pr;
    progress_of(&st, &pr);
    char eta_text[32], best[64], doing[96] = "";
    progress_eta_text(pr.eta, eta_text, sizeof eta_text);
    score_line(&st, best, sizeof best);
    if (st.state == RUN_RUNNING && strcmp(pr.phase, "train") != 0) /* what it does now */
        snprintf(doing, sizeof doing, "  %s %s%s%.0f%%", pr.phase, pr.count, pr.count[0] ? " " : "",
                 pr.fraction >= 0 ? 100 * pr.fraction : 0);
    char ranks[24] = ""; /* an MPI run's processes */
    if (st.ranks > 1) snprintf(ranks, sizeof ranks, "  ranks = %d", st.ranks);
    snprintf(line, sizeof line,
             "%s  [%s]%s%s  iter %d/%d  lr %.3g  ETA %s  %.1f img/s  "
             "data wait %.0f%%  best %s",
             id, runstore_state_name(st.state), ranks, doing, st.iter, st.max_iter, lr, eta_text,
             ips, 100 * wait, best);
    textgrid_text(g, 0, 0, line, ST_TITLE);
    snprintf(line, sizeof line,
             "smoothing %.2f (raw shown dotted)   loss axis %s   glyphs %s   zoom %s", a->ema,
             a->log_y ? "log" : "linear",
             !a->utf8 || a->glyphs == CHART_ASCII ? "ascii"
             : a->glyphs == CHART_BLOCK           ? "block"
                                                  : "braille",
             a->zoom ? (a->zoom == 100 ? "last 100" : "last 1000") : "all");
    textgrid_text(g, 0, 1, line, ST_DIM);
    if (doing[0]) { /* a phase without rows yet (the cache) or between them (a test) */
        snprintf(line, sizeof line, "now: %s%s%s, ETA %s", progress_phase_text(pr.phase),
                 pr.count[0] ? " " : "", pr.count, eta_text);
        textgrid_text(g, 0, 2, line, ST_TITLE);
    }
    Series s[5];
    for (int k = 0; k < 5; k++) {
        s[k].x = malloc(sizeof(double) * (size_t)(n + 1));
        s[k].y = malloc(sizeof(double) * (size_t)(n + 1));
        s[k].n = 0;
    }
    /* 0 raw train loss, 1 smoothed train loss, 2 held-out loss, 3 train acc, 4 held-out acc
     * (the validation split's where the run has one) */
    for (int i = 0; s[4].y && i < n; i++) {
        if (rows[i].heldout) {
            series_add(&s[2], rows[i].iter, rows[i].loss);
            series_add(&s[4], rows[i].iter, 100 * rows[i].accuracy);
        } else {
            series_add(&s[0], rows[i].iter, rows[i].loss);
            series_add(&s[3], rows[i].iter, 100 * rows[i].accuracy);
        }
    }
    if (s[1].y) {
        chart_ema(s[0].y, s[0].n, a->ema, s[1].y);
        memcpy(s[1].x, s[0].x, sizeof(double) * (size_t)s[0].n);
        s[1].n = a->ema > 0 ? s[0].n : 0;
    }
    double x_min = a->zoom && st.iter > a->zoom ? st.iter - a->zoom : NAN;
    int body = g->h - 3 - MONITOR_DIAG_ROWS;
    int side = g->w >= 150, cw = side ? g->w / 2 : g->w, ch = side ? body : body / 2;
    /* Lines tell train series apart (raw dotted, smoothed solid), and test
     * points carry their own mark in every glyph set. */
    const char *held = runstatus_heldout_name(&st); /* "val" or "test" */
    ChartSeries loss[3] = {series_chart(&s[0], 7, ".", "raw"),
                           series_chart(&s[1], 1, "*", "smoothed"),
                           series_chart(&s[2], 2, "o", held)},
                acc[2] = {series_chart(&s[3], 1, "*", "train"), series_chart(&s[4], 2, "o", held)};
    loss[0].line = CHART_DOTTED;
    loss[2].mark_every = acc[1].mark_every = 1;
    if (a->ema <= 0) loss[1].label = NULL; /* not drawn */
    draw_chart(a, g, 0, 3, cw - 1, ch, "loss: train", loss, 3, a->log_y, x_min);
    draw_chart(a, g, side ? cw : 0, side ? 3 : 3 + ch, cw - 1, ch, "accuracy %:", acc, 2, 0, x_min);
    monitor_diagnosis(a, g, dir, &st, n, g->h - MONITOR_DIAG_ROWS);
    for (int k = 0; k < 5; k++) {
        free(s[k].x);
        free(s[k].y);
    }
    free(rows);
}

static void monitor_ema_up(App *a) {
    int n = (int)(sizeof ema_steps / sizeof ema_steps[0]);
    for (int i = 0; i < n; i++)
        if (ema_steps[i] > a->ema + 1e-9) {
            a->ema = ema_steps[i];
            return;
        }
}

static void monitor_ema_down(App *a) {
    for (int i = (int)(sizeof ema_steps / sizeof ema_steps[0]) - 1; i >= 0; i--)
        if (ema_steps[i] < a->ema - 1e-9) {
            a->ema = ema_steps[i];
            return;
        }
}

static void monitor_log_y(App *a) {
    a->log_y = !a->log_y;
}

static void monitor_glyphs(App *a) {
    if (!a->utf8) {
        app_message(a, 0, "this terminal is not UTF-8: charts stay ASCII");
        return;
    }
    a->glyphs = a->glyphs == CHART_BRAILLE ? CHART_BLOCK
                : a->glyphs == CHART_BLOCK ? CHART_ASCII
                                           : CHART_BRAILLE;
}

static void monitor_zoom(App *a) {
    int n = (int)(sizeof zoom_steps / sizeof zoom_steps[0]);
    for (int i = 0; i < n; i++)
        if (zoom_steps[i] == a->zoom) {
            a->zoom = zoom_steps[(i + 1) % n];
            return;
        }
    a->zoom = 0;
}

static void monitor_stop(App *a) {
    app_stop_run(a, app_find_run(a, a->monitor.dir));
}

/* Forks the run's preset with the change of the diagnosis' first finding
 * that offers one, as <name>_<suffix> (asks for the name), into the editor. */
static void monitor_fork(App *a) {
    const char *dir = monitor_dir(a);
    Diagnosis *d = malloc(sizeof *d);
    Preset *p = malloc(sizeof *p);
    Error err = {0};
    char path[1700], name[256], out[1500], set[700];
    const DiagFinding *f = NULL;
    if (!dir || !d || !p || relatives_diagnose(dir, 1, d, &err) || !(f = diagnosis_first_fork(d))) {
        app_message(a, err.msg[0] != 0, "%s",
                    err.msg[0] ? err.msg : "the diagnosis suggests no change");
        goto done;
    }
    snprintf(path, sizeof path, "%s/preset.ini", dir);
    if (preset_load(p, path, &err)) {
        app_message(a, 1, "%s", err.msg);
        goto done;
    }
    for (int i = 0; i < f->fork.n_set; i++)
        if (preset_set(p, f->fork.set[i], &err)) {
            app_message(a, 1, "%s", err.msg);
            goto done;
        }
    if (f->fork.lr_find) { /* its base_lr is the range test's: the view forks with the rate */
        scr_lrfind_open(a, path, p, 0);
        goto done;
    }
    diagnosis_fork_text(&f->fork, set, sizeof set);
    snprintf(name, sizeof name, "%.200s_%s", p->experiment.name, f->fork.suffix);
    if (term_prompt(a, "name of the new preset:", name, sizeof name) &&
        app_new_preset(a, p, name, out, sizeof out) == 0)
        app_message(a, 0, "%s: wrote %s with %s", diagnosis_kind_name(f->kind), out, set);
done:
    free(d);
    free(p);
}

/* Writes the run's curves as <runs>/plots/<run id>-curves.png, the
 * picture `finelab plot <run id>` draws, with this chart's smoothing and
 * loss axis. */
static void monitor_export(App *a) {
    const char *dir = monitor_dir(a);
    char run[1600], id[512], path[1700], *dirs[1] = {run};
    Error err = {0};
    if (!dir) {
        app_message(a, 1, "no run to plot");
        return;
    }
    snprintf(run, sizeof run, "%s", dir);
    if (app_plot_path(a, fig_run_id(run, id, sizeof id), "curves", path, sizeof path)) return;
    FigCurvesOptions o = fig_curves_defaults();
    o.ema = a->ema;
    o.log_y = a->log_y;
    if (fig_curves_write(path, dirs, 1, &o, &err))
        app_message(a, 1, "not written: %s", err.msg);
    else
        app_message(a, 0, "wrote %s", path);
}

static const KeyBinding monitor_keys[] = {
    SCREEN_KEYS_STOP_PAUSE(monitor_stop),
    {'+', "+", "Smooth+", "more EMA smoothing (debiased; raw stays shown)", monitor_ema_up, 0},
    {'-', "-", "Smooth-", "less EMA smoothing", monitor_ema_down, 0},
    {'l', "l", "Log-y", "logarithmic loss axis", monitor_log_y, 0},
    {'g', "g", "Glyphs", "braille / block / ASCII", monitor_glyphs, 0},
    {'z', "z", "Zoom", "zoom to the last 1000 / 100 iterations / all", monitor_zoom, 0},
    {'f', "f", "Fork fix", "fork the run's preset with the diagnosis' suggested change",
     monitor_fork, 0},
    {'e', "e", "Export", "write the charts as runs/plots/<run>-curves.png (finelab plot)",
     monitor_export, 0},
};

const ScreenClass monitor_screen = {
    .name = "Monitor",
    .draw = monitor_draw,
    SCREEN_KEYS(monitor_keys),
    .shows_runs = 1,
};
