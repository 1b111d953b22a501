/*
 * cmd_import_solver — the `finelab import-solver FILE` subcommand: prints the
 * [solver] section equivalent to a Caffe solver.prototxt (see
 * solver_import.h). Runs on the main thread; returns a CLI exit code.
 */
#ifndef FINELAB_CMD_IMPORT_SOLVER_H
#define FINELAB_CMD_IMPORT_SOLVER_H

/* argv[0] is "import-solver", argv[1] the file ("-" for stdin). Prints the
 * section to stdout, errors to stderr; CLI_OK, CLI_BAD_INPUT or CLI_FAILED. */
int cmd_import_solver(int argc, char **argv);

#endif
