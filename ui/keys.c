/*
 * keys — the key table. See keys.h. Screen switching and quitting are
 * actions like any other, so they appear in the help screen too.
 */
#include "keys.h"

#include <curses.h>

#include "screens.h"

#define ON(s) (1u << (s))

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
static void go_help(App *a) {
    a->screen = SCR_HELP;
}
static void go_next(App *a) {
    a->screen = (Screen)((a->screen + 1) % SCR_COUNT);
}
static void go_prev(App *a) {
    a->screen = (Screen)((a->screen + SCR_COUNT - 1) % SCR_COUNT);
}
static void quit(App *a) {
    a->quit = 1;
}
static void up(App *a) {
    screen_move(a, -1);
}
static void down(App *a) {
    screen_move(a, 1);
}
static void page_up(App *a) {
    screen_move(a, -10);
}
static void page_down(App *a) {
    screen_move(a, 10);
}
static void left(App *a) {
    screen_move_x(a, -1);
}
static void right(App *a) {
    screen_move_x(a, 1);
}
static void redraw(App *a) {
    clearok(curscr, TRUE);
    a->dirty = 1;
}

static const KeyBinding table[] = {
    {KEYS_ALL, KEY_F(1), "F1", "Help", "this help", go_help},
    {KEYS_ALL, '?', "?", NULL, "this help", go_help},
    {KEYS_ALL, '1', "1", NULL, "Presets: the presets under presets/", go_presets},
    {KEYS_ALL, '2', "2", NULL, "Editor: edit the selected preset", go_editor},
    {KEYS_ALL, '3', "3", NULL, "Runs: every run in the run store", go_runs},
    {KEYS_ALL, '4', "4", NULL, "Monitor: one run's curves", go_monitor},
    {KEYS_ALL, '5', "5", NULL, "Compare: runs side by side", go_compare},
    {KEYS_ALL, '6', "6", NULL, "Grid: a sweep as a pivot table", go_grid},
    {KEYS_ALL, '7', "7", NULL, "Help", go_help},
    {KEYS_ALL, '\t', "Tab", NULL, "next screen", go_next},
    {KEYS_ALL, KEY_BTAB, "S-Tab", NULL, "previous screen", go_prev},
    {KEYS_ALL, KEY_UP, "Up", NULL, "move up", up},
    {KEYS_ALL, KEY_DOWN, "Down", NULL, "move down", down},
    {KEYS_ALL, KEY_PPAGE, "PgUp", NULL, "page up", page_up},
    {KEYS_ALL, KEY_NPAGE, "PgDn", NULL, "page down", page_down},
    {KEYS_ALL, 12, "^L", NULL, "redraw the screen", redraw},
    {ON(SCR_PRESETS), '\n', "Enter", "Edit", "edit the preset", presets_edit},
    {ON(SCR_PRESETS), 'r', "r", "Run",
     "run now (after the running job; a sweep runs every "
     "combination)",
     presets_run},
    {ON(SCR_PRESETS), 'q', "q", "Queue", "queue it behind the others", presets_queue},
    {ON(SCR_PRESETS), 'c', "c", "Copy", "copy to a new preset file", presets_copy},
    {ON(SCR_PRESETS), 'R', "R", NULL, "reload presets from disk", presets_reload},
    {ON(SCR_EDITOR), KEY_LEFT, "Left", "Prev", "previous choice or suggested value",
     editor_prev_choice},
    {ON(SCR_EDITOR), KEY_RIGHT, "Right", "Next", "next choice or suggested value",
     editor_next_choice},
    {ON(SCR_EDITOR), '\n', "Enter", "Type", "type a value (Enter accepts, Esc cancels)",
     editor_type},
    {ON(SCR_EDITOR), KEY_F(2), "F2", "Save", "save the preset (only when it is valid)",
     editor_save},
    {ON(SCR_EDITOR), 's', "s", NULL, "save the preset", editor_save},
    {ON(SCR_EDITOR), 27, "Esc", "Back", "back to the presets", editor_back},
    {ON(SCR_RUNS), '\n', "Enter", "Monitor", "watch the run", runs_open},
    {ON(SCR_RUNS), ' ', "Space", "Mark", "mark or unmark for Compare", runs_mark},
    {ON(SCR_RUNS) | ON(SCR_MONITOR), 's', "s", "Stop", "stop the run (snapshot first)", runs_stop},
    {ON(SCR_RUNS) | ON(SCR_MONITOR), 'p', "p", "Pause", "pause or continue the running job",
     runs_pause},
    {ON(SCR_RUNS), 'R', "R", "Resume", "resume a stopped or interrupted run", runs_resume},
    {ON(SCR_RUNS), 'd', "d", "Delete", "delete the run (asks)", runs_delete},
    {ON(SCR_RUNS), 'f', "f", "Fork", "new preset from the run's resolved preset", runs_fork},
    {ON(SCR_MONITOR), '+', "+", "Smooth+", "more EMA smoothing (debiased; raw stays shown)",
     monitor_ema_up},
    {ON(SCR_MONITOR), '-', "-", "Smooth-", "less EMA smoothing", monitor_ema_down},
    {ON(SCR_MONITOR), 'l', "l", "Log-y", "logarithmic loss axis", monitor_log_y},
    {ON(SCR_MONITOR), 'g', "g", "Glyphs", "braille / block / ASCII", monitor_glyphs},
    {ON(SCR_MONITOR), 'z', "z", "Zoom", "zoom to the last 1000 / 100 iterations / all",
     monitor_zoom},
    {ON(SCR_COMPARE), KEY_RIGHT, "Right", NULL, "sort by the next column", comparescr_sort_next},
    {ON(SCR_COMPARE), KEY_LEFT, "Left", NULL, "sort by the previous column", comparescr_sort_prev},
    {ON(SCR_COMPARE), 'o', "o", "Order", "reverse the sort order", comparescr_reverse},
    {ON(SCR_COMPARE), 'b', "b", "Base", "pin the selected run as the baseline (again: unpin)",
     comparescr_baseline},
    {ON(SCR_COMPARE), 'a', "a", "All", "show all preset keys or only those that differ",
     comparescr_all},
    {ON(SCR_COMPARE), 't', "t", "Chart", "overlay chart: test accuracy or loss", comparescr_chart},
    {ON(SCR_COMPARE), 'e', "e", "CSV", "export the table as CSV", comparescr_export_csv},
    {ON(SCR_COMPARE), 'm', "m", "Md", "export the table as Markdown", comparescr_export_md},
    {ON(SCR_COMPARE), '\n', "Enter", NULL, "watch the selected run", comparescr_open},
    {ON(SCR_GRID), KEY_LEFT, "Left", NULL, "previous column", left},
    {ON(SCR_GRID), KEY_RIGHT, "Right", NULL, "next column", right},
    {ON(SCR_GRID), 'r', "r", "Rows", "choose the key of the rows", grid_row_key},
    {ON(SCR_GRID), 'c', "c", "Cols", "choose the key of the columns", grid_col_key},
    {ON(SCR_GRID), '\n', "Enter", "Open", "watch the cell's run", grid_open},
    {KEYS_ALL, KEY_F(10), "F10", "Quit", "quit (asks when a run is active)", quit},
    {KEYS_ALL, 'Q', "Q", NULL, "quit", quit},
};

const KeyBinding *keys_table(int *n) {
    *n = (int)(sizeof table / sizeof table[0]);
    return table;
}

int keys_dispatch(App *a, int key) {
    if (a->screen == SCR_EDITOR && a->edit_typing) return editor_key(a, key);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].key == key && (table[i].screens & ON(a->screen))) {
            table[i].action(a);
            a->dirty = 1;
            return 1;
        }
    return 0;
}
