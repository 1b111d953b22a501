/*
 * screens — the seven screens of the lab. Each draws its body into a
 * TextGrid (no curses calls), and its actions are the functions the key
 * table (keys.c) binds. UI thread only.
 */
#ifndef FINELAB_SCREENS_H
#define FINELAB_SCREENS_H

#include "app.h"

/* Body renderers: g is the area between the tab bar and the status line. */
void presets_draw(App *a, TextGrid *g);
void editor_draw(App *a, TextGrid *g);
void runs_draw(App *a, TextGrid *g);
void monitor_draw(App *a, TextGrid *g);
void comparescr_draw(App *a, TextGrid *g);
void grid_draw(App *a, TextGrid *g);
void help_draw(App *a, TextGrid *g);

/* Presets */
void presets_edit(App *a);
void presets_run(App *a);
void presets_queue(App *a);
void presets_copy(App *a);
void presets_reload(App *a);
/* Editor */
void editor_open(App *a, const char *path, const Preset *p);
void editor_next_choice(App *a);
void editor_prev_choice(App *a);
void editor_type(App *a);
void editor_save(App *a);
void editor_back(App *a);
/* Typing mode: one key; returns 1 when it was used. */
int editor_key(App *a, int ch);
/* Runs */
void runs_open(App *a);
void runs_stop(App *a);
void runs_pause(App *a);
void runs_resume(App *a);
void runs_delete(App *a);
void runs_fork(App *a);
void runs_mark(App *a);
/* Monitor */
void monitor_ema_up(App *a);
void monitor_ema_down(App *a);
void monitor_log_y(App *a);
void monitor_glyphs(App *a);
void monitor_zoom(App *a);
/* Compare */
void comparescr_sort_next(App *a);
void comparescr_sort_prev(App *a);
void comparescr_reverse(App *a);
void comparescr_baseline(App *a);
void comparescr_all(App *a);
void comparescr_chart(App *a);
void comparescr_export_csv(App *a);
void comparescr_export_md(App *a);
void comparescr_open(App *a);
/* Grid */
void grid_row_key(App *a);
void grid_col_key(App *a);
void grid_open(App *a);
/* Moving the selection of the current screen by delta rows (or columns). */
void screen_move(App *a, int delta);
void screen_move_x(App *a, int delta);

/* Asks a yes/no question on the status line; implemented by draw.c. */
int ui_confirm(App *a, const char *question);
/* Reads a line of text on the status line; 0 when cancelled. */
int ui_prompt(App *a, const char *question, char *buf, size_t cap);

#endif
