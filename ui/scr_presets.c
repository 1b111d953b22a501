/*
 * scr_presets — screen 1: the presets under presets/ (and --presets DIR)
 * with their key values; run, queue, copy or edit the selected one, or
 * find its learning rate (L: the range test's view, scr_lrfind.h). A file
 * with an error is listed with the error instead of its values. A family
 * is listed in the tutorial's order (family.h, sorted by app.c's scan), so
 * the list opens on stage 1; while the run store is empty a line above the
 * list says where to start, and it goes once a run exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/preset/schema.h"
#include "ui/scr_lrfind.h"
#include "ui/screen.h"
#include "ui/term.h"

static const char *mode_name(int m) {
    return m == TRANSFER_ALL ? "all" : m == TRANSFER_SCRATCH ? "scratch" : "last_layer";
}

static const char *pool_name(int p) {
    static const char *const n[] = {"compact_ts", "compact_rm", "bilinear", "avg"};
    return p >= 0 && p < 4 ? n[p] : "?";
}

static void presets_draw(App *a, TextGrid *g) {
    char line[512];
    int x = textgrid_printf(g, 0, 0, ST_TITLE, "Presets: %d file%s in", a->n_presets,
                            a->n_presets == 1 ? "" : "s");
    for (int d = 0; d < a->n_presets_dirs; d++)
        x += textgrid_printf(g, x, 0, ST_TITLE, " %s", a->presets_dirs[d]);
    if (a->n_runs == 0 && a->n_presets > 0)
        textgrid_text(
            g, 0, 1,
            "Start here: run stage 1 (r), then stage 2 (ft_all); Lessons (7) shows what next",
            ST_KEY);
    snprintf(line, sizeof line, "%-24s %-10s %5s %6s %-10s %8s %8s %7s %5s  %s", "name", "mode",
             "res", "dim", "pooling", "wd", "lr", "iters", "sweep", "description");
    textgrid_text(g, 0, 2, line, ST_HEADER);
    int rows = g->h - 6, top = a->sel_preset >= rows ? a->sel_preset - rows + 1 : 0;
    for (int i = top; i < a->n_presets && i - top < rows; i++) {
        const PresetEntry *e = &a->presets[i];
        const Preset *p = &e->preset;
        int style = i == a->sel_preset ? ST_SELECTED : 0;
        if (!e->ok) {
            const char *slash = strrchr(e->path, '/');
            textgrid_printf(g, 0, 3 + i - top, style ? style : ST_ERROR, "%-24.24s %s",
                            slash ? slash + 1 : e->path, e->error);
            continue;
        }
        int n = preset_sweep_count(p);
        char sweep[16] = "";
        if (n > 1) snprintf(sweep, sizeof sweep, "x%d", n);
        snprintf(line, sizeof line, "%-24.24s %-10s %5d %6d %-10s %8.2g %8.2g %7d %5s  %s",
                 p->experiment.name, mode_name(p->transfer.mode), p->data.resolution,
                 p->model.bilinear_dim, pool_name(p->model.pooling), p->solver.weight_decay,
                 p->solver.base_lr, p->solver.max_iter, sweep, p->experiment.description);
        for (int k = (int)strlen(line); k < g->w && k < (int)sizeof line - 1; k++) line[k] = ' ';
        line[g->w < (int)sizeof line ? g->w : (int)sizeof line - 1] = '\0';
        textgrid_text(g, 0, 3 + i - top, line, style);
    }
    if (a->n_presets == 0)
        textgrid_text(g, 0, 3, "no presets found (finelab --presets DIR adds a directory)", ST_DIM);
    else if (a->sel_preset < a->n_presets) {
        const PresetEntry *e = &a->presets[a->sel_preset];
        textgrid_printf(g, 0, g->h - 2, ST_DIM, "file: %s", e->path);
        if (e->ok && e->preset.experiment.description[0]) /* the list cuts it at 80 columns */
            textgrid_printf(g, 0, g->h - 3, 0, "%s: %s", e->preset.experiment.name,
                            e->preset.experiment.description);
        if (e->ok)
            textgrid_printf(g, 0, g->h - 1, ST_DIM, "data: %s   weights: %s   split: %s",
                            e->preset.data.dataset, e->preset.model.weights,
                            e->preset.data.train_fraction < 0 ? "official" : "random");
    }
}

static PresetEntry *selected(App *a) {
    if (a->sel_preset >= a->n_presets) return NULL;
    PresetEntry *e = &a->presets[a->sel_preset];
    if (!e->ok) {
        app_message(a, 1, "%s", e->error);
        return NULL;
    }
    return e;
}

static void presets_edit(App *a) {
    if (a->sel_preset >= a->n_presets) return;
    PresetEntry *e = &a->presets[a->sel_preset];
    if (!e->ok) { /* still open it: the editor shows defaults and the error */
        Preset p;
        preset_defaults(&p);
        app_edit(a, e->path, &p);
        app_message(a, 1, "%s", e->error);
        return;
    }
    app_edit(a, e->path, &e->preset);
}

static void presets_run(App *a) {
    PresetEntry *e = selected(a);
    if (e && app_queue_preset(a, &e->preset)) a->screen = SCR_MONITOR;
}

static void presets_queue(App *a) {
    PresetEntry *e = selected(a);
    if (e) app_queue_preset(a, &e->preset);
}

static void presets_copy(App *a) {
    PresetEntry *e = selected(a);
    if (!e) return;
    char name[256], path[1500];
    snprintf(name, sizeof name, "%.240s_copy", e->preset.experiment.name);
    if (!term_prompt(a, "new preset name:", name, sizeof name)) return;
    if (app_new_preset(a, &e->preset, name, path, sizeof path) == 0)
        app_message(a, 0, "copied to %s", path);
}

/* The range test of the selected preset; a rate from it forks the preset. */
static void presets_lrfind(App *a) {
    PresetEntry *e = selected(a);
    if (e) scr_lrfind_open(a, e->path, &e->preset, 0);
}

static void presets_reload(App *a) {
    app_load_presets(a);
    app_message(a, 0, "%d presets", a->n_presets);
}

static void presets_move(App *a, int delta) {
    app_step(&a->sel_preset, a->n_presets, delta);
}

static const KeyBinding presets_keys[] = {
    {'\n', "Enter", "Edit", "edit the preset", presets_edit, 0},
    {'r', "r", "Run", "run now (after the running job; a sweep runs every combination)",
     presets_run, 0},
    {'q', "q", "Queue", "queue it behind the others", presets_queue, 0},
    {'c', "c", "Copy", "copy to a new preset file", presets_copy, 0},
    {'L', "L", "LR find", "learning-rate range test of the preset (Enter there forks a rate)",
     presets_lrfind, 0},
    {'R', "R", NULL, "reload presets from disk", presets_reload, 0},
};

const ScreenClass presets_screen = {
    .name = "Presets",
    .draw = presets_draw,
    SCREEN_KEYS(presets_keys),
    .move = presets_move,
    .shows_runs = 1, /* the first-start line goes with the first run */
};
