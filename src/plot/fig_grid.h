/*
 * fig_grid — the Grid screen as a picture: a sweep's runs pivoted on two
 * preset keys (src/report/pivot.h's pivot_build, as ui/scr_grid.c builds
 * it), one cell per pair of values holding the best held-out accuracy of
 * its runs as a number on a heat colour (viridis, which prints as a grey
 * ramp), a colour bar beside, and under it which swept key mattered most
 * (src/report/mattered.h: fANOVA's shares over the named sweep where its
 * trials allow, else the range of the runs' means). The best cell is framed thick and its number
 * set in bold with the word "best" under it; an empty cell reads "no run",
 * a run successive halving pruned says at which iteration.
 *
 * A sweep is named by its preset name: the runs with a sweep label whose
 * status names that preset (fig_grid_sweep_runs), the Grid screen's rule.
 * Reads the run store only; the file is written whole or not at all
 * (canvas.h). Any thread.
 */
#ifndef FINELAB_FIG_GRID_H
#define FINELAB_FIG_GRID_H

#include "engine/base/error.h"

enum {
    FIG_GRID_RUNS_MAX = 256,  /* the Grid screen's limit */
    FIG_GRID_KEY_DEFAULT = -2 /* an axis the Grid screen's way: resolution x bilinear dim when
                                 both vary, else the first varying keys */
};

typedef struct FigGridOptions {
    int row_key, col_key; /* schema indices; -1: a single "all"; FIG_GRID_KEY_DEFAULT: as above */
    const char *name;     /* the sweep's name in the title; NULL: the first run's preset name */
    int width, height;    /* the file's size (canvas_create); 0 x 0: the default */
} FigGridOptions;

/* Both keys FIG_GRID_KEY_DEFAULT, no name, the default size. */
FigGridOptions fig_grid_defaults(void);

/* The run directories of the sweep whose preset name is name in runs_dir
 * (oldest first, at most FIG_GRID_RUNS_MAX) into a malloc'd array of
 * malloc'd paths (free with fig_grid_free_runs); *n 0 when there is no
 * such sweep. ST_IO when the store cannot be listed. */
Status fig_grid_sweep_runs(const char *runs_dir, const char *name, char ***dirs, int *n,
                           Error *err);
void fig_grid_free_runs(char **dirs, int n);

/* Draws the heat map of the n run directories (1 .. FIG_GRID_RUNS_MAX)
 * into path. ST_IO naming a run whose status or preset.ini cannot be
 * read, ST_ARG for no runs or too many or a bad key, and canvas_create's
 * and canvas_finish's errors; path is then as it was. */
Status fig_grid_write(const char *path, char *const *dirs, int n, const FigGridOptions *o,
                      Error *err);

#endif
