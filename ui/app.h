/*
 * app — the state of the terminal lab shared by its screens: the engine
 * bridge, the preset list, the run list read from the run store, the
 * current screen, the charts' view options and the log pane, one state
 * struct per screen that others open or that must outlive a draw
 * (scr_*_state.h), and the actions that more than one screen takes (open the editor or the monitor,
 * save a new preset, stop or pause a run). Owned and touched only by the UI
 * thread. Screens draw into TextGrids (no curses here); term.c is the one
 * file that copies grids to the terminal.
 */
#ifndef FINELAB_APP_H
#define FINELAB_APP_H

#include <stdint.h>

#include "src/preset/preset.h"
#include "src/report/chart.h"
#include "src/report/diagnosis.h"
#include "src/report/textgrid.h"
#include "src/run/bridge.h"
#include "src/run/runstore.h"
#include "src/run/submission.h"
#include "ui/scr_compare_state.h"
#include "ui/scr_editor_state.h"
#include "ui/scr_grid_state.h"
#include "ui/scr_monitor_state.h"
#include "ui/scr_study_state.h"

typedef enum Screen {
    SCR_PRESETS,
    SCR_EDITOR,
    SCR_RUNS,
    SCR_MONITOR,
    SCR_COMPARE,
    SCR_GRID,
    SCR_LESSONS,
    SCR_STUDY,
    SCR_HELP,
    SCR_LRFIND, /* the range test's view: opened by a key, not a tab */
    SCR_COUNT
} Screen;

/* The screens with a tab (1 .. 8), all before SCR_HELP; the help (F1, ?)
 * and the range test are views without one. */
#define SCR_TABS SCR_HELP

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
    ST_TAB,       /* the current screen's tab */
    ST_BAR,       /* a name in the function-key bar */
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

/* What the run list knows from Slurm (app_load_runs). */
typedef struct SlurmView {
    /* array tasks submitted into the run store without a run yet
     * (malloc'd; their Slurm state asked at most every APP_SLURM_SECONDS) */
    SubmissionTask *tasks;
    int n_tasks;
    double asked_at;
    /* Runs of other nodes that read running but whose Slurm task has
     * ended, at the last question (submission_settle): shown interrupted
     * until the next. run ids, malloc'd. */
    char (*gone)[512];
    int n_gone;
} SlurmView;

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
    EditorState editor; /* the Editor's (scr_editor_state.h) */
    /* runs */
    RunEntry *runs;
    int n_runs, sel_run;
    double runs_loaded_at;
    /* Slurm array tasks submitted into the run store without a run yet,
     * and runs of other nodes whose task has ended (app_load_runs) */
    SlurmView slurm;
    MonitorState monitor; /* the Monitor's (scr_monitor_state.h) */
    /* the charts' view options (Monitor, Compare, range test) */
    double ema; /* smoothing weight 0..0.99 */
    int log_y;
    ChartGlyphs glyphs;
    int zoom;             /* 0 all, else the last N iterations */
    CompareState compare; /* the Compare screen's (scr_compare_state.h) */
    GridState grid;       /* the Grid screen's (scr_grid_state.h) */
    StudyState study;     /* the Study screen's (scr_study_state.h) */
    /* log pane and status line */
    char log[APP_LOG_LINES][256];
    int n_log;
    char message[512];
    int message_error;
    uint64_t seen_generation;
    int dirty;
} App;

/* Adds a line to the log pane (oldest lines scroll away). */
/* A new App for the run store runs_dir and the preset folders dirs (n of
 * them), every screen's state at its defaults; NULL when out of memory.
 * app_destroy frees it and all it holds, the bridge included. */
App *app_create(const char *runs_dir, const char (*dirs)[1024], int n);
void app_destroy(App *a);

void app_log(App *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets the status-line message (error 1 shows it as an error). */
void app_message(App *a, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Rereads presets/ and the run store. */
void app_load_presets(App *a);
void app_load_runs(App *a);
/* The run entry for dir, or NULL. */
RunEntry *app_find_run(App *a, const char *dir);
/* Queues p on the bridge: a sweep becomes one job per combination, a
 * halving sweep one job that runs it rung by rung. */
int app_queue_preset(App *a, const Preset *p);
/* Queues combination k of p's grid sweep (0 outside a sweep) as one job
 * with its sweep label. 0, or -1 with the status line saying why. */
int app_queue_item(App *a, const Preset *p, int k);

/* Moves *sel by delta within 0..n-1 (0 when n is 0). */
void app_step(int *sel, int n, int delta);
/* Opens the editor (screen 2) on a copy of p, to be saved as path. */
void app_edit(App *a, const char *path, const Preset *p);
/* Opens the monitor (screen 4) on the run in dir. */
void app_watch(App *a, const char *dir);
/* Writes p renamed to name (slashes and spaces become '_') as
 * <first presets dir>/user/<name>.ini (path, cap bytes) and opens it in the
 * editor. An existing file is never replaced. Returns 0 when the file was
 * written; otherwise -1, and the status line says why. */
int app_new_preset(App *a, const Preset *p, char *name, char *path, size_t cap);
/* The path of a picture the lab writes (the chart screens' e, Compare's
 * P): <runs_dir>/plots/<name>-<what>.png into path (cap bytes), the
 * folder made when missing; `finelab plot` writes the same picture. 0,
 * or -1 with the status line saying why. */
int app_plot_path(App *a, const char *name, const char *what, char *path, size_t cap);
/* Stops the run e (NULL: the job running here): this process's engine
 * job through the bridge, another finelab's run by SIGINT (it snapshots
 * and stops). Says what it did on the status line. */
void app_stop_run(App *a, const RunEntry *e);
/* Pauses or continues the job running here. */
void app_toggle_pause(App *a);

#endif
