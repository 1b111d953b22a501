/*
 * cmd_plot — `finelab plot RUN|SWEEP... [--what curves|grid] [--rows KEY]
 * [--cols KEY] --out FILE.png|svg|pdf [--runs-dir DIR] [--size WxH]`:
 * pictures for a report, drawn by src/plot/ through cairo. curves (the
 * default for runs): the runs' loss and accuracy against iteration,
 * overlaid (fig_curves.h); grid (the default when a name is a sweep's
 * preset name): the sweep's best held-out accuracy pivoted on two keys
 * (fig_grid.h; --rows / --cols name them, as the Grid screen's r / c
 * choose them). A RUN is a run id under the store or a run directory, a
 * SWEEP the preset name its runs share; the file's extension picks the
 * format; it is written whole or not at all.
 * Reads only the store. Main thread only. Exit 0, 1 when a run cannot be
 * read or the file written, 2 for bad arguments or no such run or sweep.
 */
#ifndef FINELAB_CMD_PLOT_H
#define FINELAB_CMD_PLOT_H

/* argv[0] is "plot". */
int cmd_plot(int argc, char **argv);

#endif
