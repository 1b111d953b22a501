/*
 * screens — the one list of the lab's screens, in tab order (the Screen
 * enum of app.h), and the help screen, which is that list's keys written
 * out. Each other screen's ScreenClass is defined by its scr_*.c file.
 * UI thread only.
 */
#ifndef FINELAB_SCREENS_H
#define FINELAB_SCREENS_H

#include "ui/app.h"
#include "ui/screen.h"

extern const ScreenClass presets_screen; /* scr_presets.c: the preset files */
extern const ScreenClass editor_screen;  /* scr_editor.c: one preset's keys */
extern const ScreenClass runs_screen;    /* scr_runs.c: the run store */
extern const ScreenClass monitor_screen; /* scr_monitor.c: one run's curves */
extern const ScreenClass compare_screen; /* scr_compare.c: runs side by side */
extern const ScreenClass grid_screen;    /* scr_grid.c: a sweep as a pivot table */

/* The class of screen s (0 <= s < SCR_COUNT). */
const ScreenClass *screens_get(Screen s);

#endif
