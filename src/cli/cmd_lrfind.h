/*
 * cmd_lrfind — `finelab lr-find PRESET [--set section.key=value]...
 * [--start LR] [--end LR] [--iters N] [--csv FILE] [--runs-dir DIR]
 * [--progress SECONDS]`: the learning-rate range test of a preset
 * (src/run/lrfind.h) from the weights its run would start from. Prints the
 * loss against the rate (log axis), how the test ended, the three
 * suggestions with their rules and the time of each phase; --csv writes
 * `iter,lr,loss,smoothed` rows (atomically). It writes nothing else: no
 * run, no preset. Ctrl-C ends the test early and still reports it. Main
 * thread only. Exit 0 when the test ran (to any end), 1 when training
 * failed (an unreadable image, out of memory, the CSV not written), 2 for
 * bad input.
 */
#ifndef FINELAB_CMD_LRFIND_H
#define FINELAB_CMD_LRFIND_H

/* argv[0] is "lr-find". */
int cmd_lrfind(int argc, char **argv);

#endif
