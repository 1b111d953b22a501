/*
 * scr_lrfind — the range test's view. See scr_lrfind.h.
 *
 * The view owns its state (LrFindView, one per lab: htop's panels keep
 * theirs): which preset it tests and from where, the job it queued, the
 * latest copy of the test (bridge_lrfind, taken at every draw, so every
 * point shows even when wake-ups are merged) and the suggestion selected.
 * A test whose job is not the bridge's latest is still waiting in the
 * queue. The suggestions are read again from the copied curve at each
 * draw, so they follow the points as they come.
 */
#include "ui/scr_lrfind.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/report/lrplot.h"
#include "src/report/progress.h"
#include "ui/screen.h"
#include "ui/term.h"

typedef struct LrFindView {
    char path[1024];   /* the preset's file */
    Preset preset;     /* what is tested: the file, or the form as it was */
    int into_form;     /* 1: opened from the Editor, a rate goes into its form */
    Screen back;       /* where Esc goes */
    LrFindOptions o;   /* the range queued */
    int job;           /* the queued test's job id (from 1); 0: none */
    BridgeLrFind test; /* the latest copy (the bridge's latest test) */
    int sel;           /* the suggestion selected */
} LrFindView;

static LrFindView the_view; /* one per lab, as the lab has one engine */
static LrFindView *const view = &the_view;

/* The test this view queued, copied out; 0 while it waits in the queue
 * (or when there is none). */
static int lrfind_current(App *a) {
    if (!view->job) return 0;
    bridge_lrfind(a->bridge, &view->test);
    return view->test.job == view->job;
}

/* Queues the test of the view's preset with the default range. */
static void lrfind_queue(App *a) {
    Error err = {0};
    LrFindOptions o = view->o = lrfind_options_default(&view->preset);
    if (bridge_enqueue_lrfind(a->bridge, &view->preset, &o, &view->job, &err)) {
        view->job = 0;
        app_message(a, 1, "range test not queued: %s", err.msg);
        return;
    }
    view->sel = 0;
    app_message(a, 0, "range test of %s queued: lr %g .. %g over %d iterations",
                view->preset.experiment.name, o.start, o.end, o.iters);
}

void scr_lrfind_open(App *a, const char *path, const Preset *p, int into_form) {
    if (preset_sweep_count(p) > 1) {
        app_message(a, 1,
                    "%s: a [sweep] of %d combinations; the range test runs one preset (fork one "
                    "with its keys fixed)",
                    p->experiment.name, preset_sweep_count(p));
        return;
    }
    int same = view->job && strcmp(view->path, path) == 0 && view->into_form == into_form;
    int busy = lrfind_current(a) ? view->test.running : view->job != 0;
    if (a->screen != SCR_LRFIND) view->back = a->screen;
    a->screen = SCR_LRFIND;
    if (same && busy) { /* that test runs or waits: show it */
        app_message(a, 0, "the range test of %s is under way (s stops it)", path);
        return;
    }
    snprintf(view->path, sizeof view->path, "%s", path);
    view->preset = *p;
    view->into_form = into_form;
    lrfind_queue(a);
}

/* --- drawing ---------------------------------------------------------------------- */

/* Row 1: what the test does now, or how it ended. */
static void lrfind_status(App *a, TextGrid *g, int current) {
    const BridgeLrFind *t = &view->test;
    char line[700], cache[32], iters[32];
    if (!current) {
        BridgeSnapshot s;
        bridge_snapshot(a->bridge, &s);
        textgrid_printf(g, 0, 1, ST_DIM, "waiting for the engine: %s runs now", s.name);
    } else if (t->running && strcmp(t->phase, "train") != 0) {
        snprintf(line, sizeof line, "%s", progress_phase_text(t->phase));
        if (t->phase_total > 0)
            snprintf(line + strlen(line), sizeof line - strlen(line), " %ld/%ld", t->phase_done,
                     t->phase_total);
        textgrid_text(g, 0, 1, line, ST_TITLE);
    } else if (t->running) {
        lrplot_ending(&t->result.curve, line, sizeof line);
        textgrid_text(g, 0, 1, line, ST_TITLE);
    } else if (t->status) {
        textgrid_printf(g, 0, 1, ST_ERROR, "failed: %s", t->error);
    } else {
        const LrFindResult *r = &t->result;
        lrplot_ending(&r->curve, line, sizeof line);
        int x = textgrid_text(g, 0, 1, line, ST_TITLE);
        snprintf(cache, sizeof cache, "%.1f s", r->seconds_cache);
        snprintf(iters, sizeof iters, "%.1f s", r->seconds_train);
        textgrid_printf(g, x, 1, ST_DIM, "   time: %s%s%siterations %s", r->cached ? "cache " : "",
                        r->cached ? cache : "", r->cached ? ", " : "", iters);
    }
}

/* The suggestions from row y: which points they read, then one row each,
 * the selected one highlighted. */
static void lrfind_suggestions(TextGrid *g, int y, const LrRange *c, const LrSuggestion *s) {
    char line[700];
    lrplot_window(c, 1, line, sizeof line);
    textgrid_printf(g, 0, y, ST_DIM, "suggestions, %s:", line);
    for (int k = 0; k < LR_RANGE_SUGGESTIONS; k++) {
        lrplot_suggestion(&s[k], 1, line, sizeof line);
        int selected = k == view->sel;
        textgrid_printf(g, 0, y + 1 + k,
                        selected     ? ST_SELECTED
                        : s[k].found ? 0
                                     : ST_DIM,
                        "%s %s", selected ? ">" : " ", line);
    }
}

static void lrfind_draw(App *a, TextGrid *g) {
    static const LrRange none; /* while the test waits: no points, no suggestions */
    if (!view->job) {
        textgrid_text(
            g, 0, 0, "LR find: press L on a preset (screen 1) or in the editor (screen 2)", ST_DIM);
        return;
    }
    int current = lrfind_current(a);
    const LrRange *c = current ? &view->test.result.curve : &none;
    LrSuggestion s[LR_RANGE_SUGGESTIONS];
    lr_range_suggest(c, s);
    int cached =
        view->preset.transfer.mode == TRANSFER_LAST_LAYER && view->preset.transfer.feature_cache;
    textgrid_printf(g, 0, 0, ST_TITLE, "LR find: %s  lr %g .. %g, %d iterations, %s  (%s)",
                    view->preset.experiment.name, view->o.start, view->o.end, view->o.iters,
                    cached ? "on the feature cache" : "on the network",
                    view->into_form ? "the editor's form" : view->path);
    lrfind_status(a, g, current);
    int plot_h = g->h - 8;
    ChartGlyphs glyphs = a->utf8 ? a->glyphs : CHART_ASCII;
    if (c->n > 0) lrplot_render(g, 0, 2, g->w, plot_h, glyphs, c, s);
    lrfind_suggestions(g, g->h - 6, c, s);
    char note[300];
    if (lrplot_note(c, note, sizeof note))
        textgrid_text(g, 0, g->h - 1, note, ST_BAD);
    else
        textgrid_printf(g, 0, g->h - 1, ST_DIM,
                        "Enter writes the selected rate %s; nothing else is written (no run)",
                        view->into_form ? "into the form (F2 saves it)"
                                        : "into a new preset (a fork)");
}

/* --- keys ------------------------------------------------------------------------- */

/* The selected suggestion when the test has ended and found it, else NULL
 * (the status line says why). */
static const LrSuggestion *lrfind_chosen(App *a, LrSuggestion s[LR_RANGE_SUGGESTIONS]) {
    if (!lrfind_current(a) || view->test.running) {
        app_message(a, 1, "the range test has not ended yet");
        return NULL;
    }
    lr_range_suggest(&view->test.result.curve, s);
    if (!s[view->sel].found) {
        app_message(a, 1, "%s found no rate on this curve", s[view->sel].name);
        return NULL;
    }
    return &s[view->sel];
}

/* Writes the rate into the Editor's form, when it still holds the file
 * the test was made from. */
static void lrfind_into_form(App *a, const LrSuggestion *s, const char *set) {
    Error err = {0};
    if (strcmp(a->editor.path, view->path) != 0) {
        app_message(a, 1, "the editor no longer holds %s", view->path);
        return;
    }
    if (preset_set(&a->editor.preset, set, &err)) {
        app_message(a, 1, "%s", err.msg);
        return;
    }
    a->editor.dirty = 1;
    a->editor.check_due = 1;
    a->screen = SCR_EDITOR;
    app_message(a, 0, "%s (%s); F2 saves it", set, s->name);
}

/* Forks the tested preset with the rate (asks for the name), into the editor. */
static void lrfind_fork(App *a, const LrSuggestion *s, const char *set) {
    Preset *p = malloc(sizeof *p);
    Error err = {0};
    char name[256], path[1500];
    if (!p) return;
    *p = view->preset;
    if (preset_set(p, set, &err)) {
        app_message(a, 1, "%s", err.msg);
    } else {
        snprintf(name, sizeof name, "%.200s_lr%.2g", p->experiment.name, s->lr);
        if (term_prompt(a, "name of the new preset:", name, sizeof name) &&
            app_new_preset(a, p, name, path, sizeof path) == 0)
            app_message(a, 0, "wrote %s with %s (%s)", path, set, s->name);
    }
    free(p);
}

static void lrfind_write(App *a) {
    LrSuggestion s[LR_RANGE_SUGGESTIONS];
    const LrSuggestion *chosen = lrfind_chosen(a, s);
    if (!chosen) return;
    char set[64];
    snprintf(set, sizeof set, "solver.base_lr=%.2g", chosen->lr);
    if (view->into_form)
        lrfind_into_form(a, chosen, set);
    else
        lrfind_fork(a, chosen, set);
}

static void lrfind_again(App *a) {
    if (!view->job) return;
    if (lrfind_current(a) ? view->test.running : 1) {
        app_message(a, 0, "the range test is still running or waiting");
        return;
    }
    lrfind_queue(a);
}

static void lrfind_stop(App *a) {
    if (lrfind_current(a) && view->test.running)
        bridge_stop(a->bridge);
    else if (view->job && !lrfind_current(a) && bridge_cancel(a->bridge, view->job))
        view->job = 0;
    else
        app_message(a, 0, "no range test runs");
}

static void lrfind_back(App *a) {
    a->screen = view->back;
}

static void lrfind_move(App *a, int delta) {
    (void)a;
    app_step(&view->sel, LR_RANGE_SUGGESTIONS, delta);
}

static const KeyBinding lrfind_keys[] = {
    {'\n', "Enter", "Write", "write the selected rate (a new preset, or the editor's form)",
     lrfind_write, 0},
    {'r', "r", "Again", "run the range test again (fresh weights and solver)", lrfind_again, 0},
    {'s', "s", "Stop", "stop the range test (the points so far stay)", lrfind_stop, 0},
    {TERM_KEY_ESC, "Esc", "Back", "back to the screen it was opened from", lrfind_back, 0},
};

const ScreenClass lrfind_screen = {
    .name = "LR find",
    .draw = lrfind_draw,
    SCREEN_KEYS(lrfind_keys),
    .move = lrfind_move,
};
