/*
 * app — the state of the terminal lab shared by its screens: the engine
 * bridge, the preset list, the run list read from the run store, the
 * current screen, view options and the log pane. Owned and touched only by
 * the UI thread. Screens draw into TextGrids (no curses here); draw.c is
 * the one file that copies grids to the terminal.
 */
#ifndef FINELAB_APP_H
#define FINELAB_APP_H

#include <stdint.h>

#include "bridge.h"
#include "chart.h"
#include "preset.h"
#include "runstore.h"
#include "textgrid.h"

typedef enum Screen {
    SCR_PRESETS,
    SCR_EDITOR,
    SCR_RUNS,
    SCR_MONITOR,
    SCR_COMPARE,
    SCR_GRID,
    SCR_HELP,
    SCR_COUNT
} Screen;

/* Styles every screen may use in its TextGrid (chart series use 1..8). */
enum {
    ST_SERIES_MAX = 8,
    ST_TITLE = 20,
    ST_HEADER,
    ST_SELECTED,
    ST_DIM,
    ST_ERROR,
    ST_GOOD,
    ST_BAD,
    ST_KEY,
    ST_HEAT = 40, /* ST_HEAT + 1 .. ST_HEAT + 5 */
};

enum { APP_PRESETS_MAX = 256, APP_RUNS_MAX = 1024, APP_LOG_LINES = 200 };

typedef struct PresetEntry {
    char path[1024];
    Preset preset;
    int ok; /* 0: the file has an error (text in error) */
    char error[512];
} PresetEntry;

typedef struct RunEntry {
    char id[512];
    char dir[1600]; /* runs_dir + "/" + id */
    RunStatus status;
    int marked; /* picked for Compare */
} RunEntry;

typedef struct App {
    Bridge *bridge;
    char runs_dir[1024];
    char presets_dirs[4][1024];
    int n_presets_dirs;
    int utf8, color, mono;
    int w, h; /* terminal size */
    Screen screen;
    int quit;
    /* presets */
    PresetEntry *presets;
    int n_presets, sel_preset;
    /* editor: a copy of the preset being edited */
    Preset edit;
    char edit_path[1024];
    int edit_field, edit_typing, edit_dirty;
    char edit_text[1024];
    char edit_error[768];
    /* runs */
    RunEntry *runs;
    int n_runs, sel_run;
    double runs_loaded_at;
    /* monitor */
    char mon_dir[1600];
    double ema; /* smoothing weight 0..0.99 */
    int log_y;
    ChartGlyphs glyphs;
    int zoom; /* 0 all, else the last N iterations */
    /* compare */
    int cmp_sort_col, cmp_sort_desc, cmp_baseline, cmp_selected, cmp_all, cmp_loss;
    /* grid */
    int grid_row_key, grid_col_key, grid_sel_row, grid_sel_col;
    /* log pane and status line */
    char log[APP_LOG_LINES][256];
    int n_log;
    char message[512];
    int message_error;
    uint64_t seen_generation;
    int dirty;
} App;

/* Adds a line to the log pane (oldest lines scroll away). */
void app_log(App *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets the status-line message (error 1 shows it as an error). */
void app_message(App *a, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Rereads presets/ and the run store. */
void app_load_presets(App *a);
void app_load_runs(App *a);
/* The run entry for dir, or NULL. */
RunEntry *app_find_run(App *a, const char *dir);
/* Queues p (a sweep becomes one job per combination) on the bridge. */
int app_queue_preset(App *a, const Preset *p);

#endif
