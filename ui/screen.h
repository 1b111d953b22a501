/*
 * screen — what a screen of the lab is: one ScreenClass table per screen
 * (htop's PanelClass) holding everything particular to it, its name, how
 * it draws, its keys, how its selection moves, whether it shows the run
 * store (and so is redrawn when the store is reread) and, for the editor, a
 * typing mode that takes every key. The tables are const, defined by the
 * scr_*.c files and listed once in screens.c; keys.c dispatches through
 * them, draws the key bar and the help from them. UI thread only.
 */
#ifndef FINELAB_SCREEN_H
#define FINELAB_SCREEN_H

#include "src/report/textgrid.h"
#include "ui/app.h"

/* One key: it dispatches, and it writes its own line of help and its
 * entry in the function-key bar, so the three never disagree. */
typedef struct KeyBinding {
    int key;           /* a term.h key code */
    const char *label; /* how the key is written: "F2", "Enter", "r" */
    const char *bar;   /* short name in the function-key bar, NULL: not shown there */
    const char *help;  /* one line for the help screen */
    void (*action)(App *a);
    int move; /* action NULL: move the screen's selection by this many rows */
} KeyBinding;

typedef struct ScreenClass {
    const char *name; /* in the tab bar and the help */
    /* Draws the body into g, the area between the tab bar and the status line. */
    void (*draw)(App *a, TextGrid *g);
    const KeyBinding *keys; /* the screen's own keys, n_keys of them */
    int n_keys;
    /* Moves the selection by delta rows, clamped; NULL: nothing to select. */
    void (*move)(App *a, int delta);
    /* Nonzero while the screen takes every key itself (typing a value);
     * type_key then gets them. NULL: never. */
    int (*typing)(const App *a);
    void (*type_key)(App *a, int key);
    int shows_runs; /* 1: redrawn whenever the run store is reread */
} ScreenClass;

/* Two rows of a KeyBinding table: the keys that stop and pause a run,
 * the same on every screen that shows runs (Runs, Monitor). stop is the
 * screen's (the selected run, or the one watched); pause is the app's (the
 * running job). */
/* clang-format off */
#define SCREEN_KEYS_STOP_PAUSE(stop)                                            \
    {'s', "s", "Stop", "stop the run (snapshot first)", (stop), 0},             \
    {'p', "p", "Pause", "pause or continue the running job", app_toggle_pause, 0}
/* clang-format on */

/* The screens' tables, one per scr_*.c file (screens.c lists them with
 * the help screen, in tab order). */
extern const ScreenClass presets_screen; /* scr_presets.c: the preset files */
extern const ScreenClass editor_screen;  /* scr_editor.c: one preset's keys */
extern const ScreenClass runs_screen;    /* scr_runs.c: the run store */
extern const ScreenClass monitor_screen; /* scr_monitor.c: one run's curves */
extern const ScreenClass compare_screen; /* scr_compare.c: runs side by side */
extern const ScreenClass grid_screen;    /* scr_grid.c: a sweep as a pivot table */
extern const ScreenClass lessons_screen; /* scr_lessons.c: the tutorial's lessons, checked */
extern const ScreenClass study_screen;   /* scr_study.c: a sweep read as a study */
extern const ScreenClass lrfind_screen;  /* scr_lrfind.c: a preset's range test */

/* Row 0 of g on a screen that shows a sweep (Grid, Study) while the store
 * has none: "<screen>: no sweep yet (...)", dimmed. */
void screen_no_sweep(TextGrid *g, const char *screen);

/* .keys and .n_keys of a ScreenClass from a KeyBinding array. */
#define SCREEN_KEYS(table) .keys = (table), .n_keys = (int)(sizeof(table) / sizeof((table)[0]))

#endif
