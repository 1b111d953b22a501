/*
 * commands — finelab's subcommands as one table that both dispatches and
 * prints --help, so the two never disagree. Main thread only; each command
 * prints its own output and returns a CLI exit code (cli.h).
 */
#ifndef FINELAB_COMMANDS_H
#define FINELAB_COMMANDS_H

#include <stdio.h>

/* Runs the command argv[0] with its arguments (argc >= 1). An unknown
 * command is an error (CLI_BAD_INPUT) that points at --help. */
int commands_run(int argc, char **argv);
/* Prints the usage: the lab's options and every command. */
void commands_usage(FILE *out);
/* Prints "finelab <version>" and the BLAS line of blas_setup_describe. */
void commands_version(FILE *out);

#endif
