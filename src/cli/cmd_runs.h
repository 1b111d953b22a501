/*
 * cmd_runs — reading the run store from the shell: `finelab runs` (one line
 * per run), `finelab show RUN` (resolved preset, status and text charts)
 * and `finelab compare RUN... [--csv | --md] [--only-diff | --all]`.
 * Main thread; print to stdout; CLI exit codes.
 */
#ifndef FINELAB_CMD_RUNS_H
#define FINELAB_CMD_RUNS_H

int cmd_runs(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_compare(int argc, char **argv);

#endif
