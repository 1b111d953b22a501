/*
 * keys — dispatch, key bar and help from the binding tables. See keys.h.
 * Screen switching and quitting are bindings like any other, so they
 * appear in the help screen too.
 */
#include "ui/keys.h"

#include <stdio.h>
#include <string.h>

#include "ui/term.h"

static void go_presets(App *a) {
    a->screen = SCR_PRESETS;
}
static void go_editor(App *a) {
    a->screen = SCR_EDITOR;
}
static void go_runs(App *a) {
    a->screen = SCR_RUNS;
}
static void go_monitor(App *a) {
    a->screen = SCR_MONITOR;
}
static void go_compare(App *a) {
    a->screen = SCR_COMPARE;
}
static void go_grid(App *a) {
    a->screen = SCR_GRID;
}
static void go_lessons(App *a) {
    a->screen = SCR_LESSONS;
}
static void go_study(App *a) {
    a->screen = SCR_STUDY;
}
static void go_help(App *a) {
    a->screen = SCR_HELP;
}
/* Tab and S-Tab cycle the tabs; from a view without one, to the first. */
static void go_next(App *a) {
    a->screen = a->screen >= SCR_TABS ? SCR_PRESETS : (Screen)((a->screen + 1) % SCR_TABS);
}
static void go_prev(App *a) {
    a->screen =
        a->screen >= SCR_TABS ? SCR_PRESETS : (Screen)((a->screen + SCR_TABS - 1) % SCR_TABS);
}
static void quit(App *a) {
    a->quit = 1;
}
static void redraw(App *a) {
    term_repaint();
    a->dirty = 1;
}

/* Before the screen's own keys (in the bar too) ... */
static const KeyBinding first[] = {
    {TERM_KEY_F(1), "F1", "Help", "this help", go_help, 0},
    {'?', "?", NULL, "this help", go_help, 0},
    {'1', "1", NULL, "Presets: the presets under presets/", go_presets, 0},
    {'2', "2", NULL, "Editor: edit the selected preset", go_editor, 0},
    {'3', "3", NULL, "Runs: every run in the run store", go_runs, 0},
    {'4', "4", NULL, "Monitor: one run's curves", go_monitor, 0},
    {'5', "5", NULL, "Compare: runs side by side", go_compare, 0},
    {'6', "6", NULL, "Grid: a sweep as a pivot table", go_grid, 0},
    {'7', "7", NULL, "Lessons: the tutorial's lessons checked on the run store", go_lessons, 0},
    {'8', "8", NULL, "Study: a sweep's trials, their importance and history", go_study, 0},
    {TERM_KEY_TAB, "Tab", NULL, "next screen", go_next, 0},
    {TERM_KEY_BTAB, "S-Tab", NULL, "previous screen", go_prev, 0},
    {TERM_KEY_UP, "Up", NULL, "move up", NULL, -1},
    {TERM_KEY_DOWN, "Down", NULL, "move down", NULL, 1},
    {TERM_KEY_PGUP, "PgUp", NULL, "page up", NULL, -10},
    {TERM_KEY_PGDN, "PgDn", NULL, "page down", NULL, 10},
    {TERM_KEY_CTRL_L, "^L", NULL, "redraw the screen", redraw, 0},
};
/* ... and after them. */
static const KeyBinding last[] = {
    {TERM_KEY_F(10), "F10", "Quit", "quit (asks when a run is active)", quit, 0},
    {'Q', "Q", NULL, "quit", quit, 0},
};

/* The tables a screen's keys are read from, in order. */
typedef struct Tables {
    const KeyBinding *t[3];
    int n[3];
} Tables;

static Tables tables_of(const ScreenClass *screen) {
    return (Tables){{first, screen->keys, last},
                    {(int)(sizeof first / sizeof first[0]), screen->n_keys,
                     (int)(sizeof last / sizeof last[0])}};
}

static void run(App *a, const ScreenClass *screen, const KeyBinding *k) {
    if (k->action)
        k->action(a);
    else if (screen->move)
        screen->move(a, k->move);
    a->dirty = 1;
}

int keys_dispatch(App *a, const ScreenClass *screen, int key) {
    if (screen->typing && screen->typing(a)) {
        screen->type_key(a, key);
        return 1;
    }
    Tables ts = tables_of(screen);
    for (int t = 0; t < 3; t++)
        for (int i = 0; i < ts.n[t]; i++)
            if (ts.t[t][i].key == key) {
                run(a, screen, &ts.t[t][i]);
                return 1;
            }
    return 0;
}

void keys_bar(const App *a, const ScreenClass *screen, TextGrid *g, int y) {
    if (screen->typing && screen->typing(a)) return;
    Tables ts = tables_of(screen);
    int x = 0;
    for (int t = 0; t < 3; t++)
        for (int i = 0; i < ts.n[t] && x < g->w; i++) {
            const KeyBinding *k = &ts.t[t][i];
            if (!k->bar) continue;
            x += textgrid_text(g, x, y, k->label, ST_KEY);
            x += textgrid_text(g, x, y, k->bar, ST_BAR) + 1;
        }
}

/* Help layout: a group heading, then a line per key; one column, or two
 * on a terminal 160 or more wide. */
typedef struct HelpPen {
    TextGrid *g;
    int y, col, colw, full; /* full: no room left */
} HelpPen;

static void help_group(HelpPen *p, const char *title) {
    if (p->y >= p->g->h - 1) {
        if (p->colw == p->g->w || p->col == 1) {
            p->full = 1;
            return;
        }
        p->col++;
        p->y = 1;
    }
    p->y++;
    textgrid_text(p->g, p->col * p->colw, p->y++, title, ST_HEADER);
}

static void help_line(HelpPen *p, const KeyBinding *k) {
    if (p->y >= p->g->h) {
        if (p->colw == p->g->w || p->col == 1) {
            p->full = 1;
            return;
        }
        p->col = 1;
        p->y = 2;
    }
    char line[256];
    snprintf(line, sizeof line, "  %-7s %s", k->label, k->help);
    textgrid_text(p->g, p->col * p->colw, p->y++, line, 0);
}

static void help_table(HelpPen *p, const char *title, const KeyBinding *const *t, const int *n,
                       int nt) {
    int any = 0;
    for (int j = 0; j < nt && !p->full; j++)
        for (int i = 0; i < n[j] && !p->full; i++) {
            if (!any) help_group(p, title);
            any = 1;
            if (!p->full) help_line(p, &t[j][i]);
        }
}

void keys_help(TextGrid *g, const ScreenClass *const *screens, int n_screens) {
    HelpPen p = {.g = g, .y = 0, .colw = g->w >= 160 ? g->w / 2 : g->w};
    textgrid_text(g, 0, p.y++, "finelab — keys (F1 or ? shows this; F10 or Q quits)", ST_TITLE);
    const KeyBinding *everywhere[2] = {first, last};
    const int n_everywhere[2] = {(int)(sizeof first / sizeof first[0]),
                                 (int)(sizeof last / sizeof last[0])};
    help_table(&p, "everywhere", everywhere, n_everywhere, 2);
    for (int s = 0; s < n_screens && !p.full; s++)
        help_table(&p, screens[s]->name, &screens[s]->keys, &screens[s]->n_keys, 1);
}
