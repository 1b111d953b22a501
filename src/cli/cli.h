/*
 * cli — small helpers shared by the subcommands: reading option values
 * with range checks, and printing errors in one format. Commands run on the
 * main thread; these helpers keep no state.
 */
#ifndef FINELAB_CLI_H
#define FINELAB_CLI_H

#include <stdint.h>

/* Parses val as a whole number in [lo, hi] into *out. On failure prints
 * "finelab <cmd>: <opt> expects a whole number from lo to hi (got 'val')"
 * to stderr and returns -1. */
int cli_int(const char *cmd, const char *opt, const char *val, long lo, long hi, int *out);
int cli_u64(const char *cmd, const char *opt, const char *val, uint64_t *out);

/* Returns argv[*i + 1] and advances *i, or prints that opt needs a value
 * and returns NULL. */
const char *cli_value(const char *cmd, int argc, char **argv, int *i);

/* Prints "finelab <cmd>: <message>" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Flushes stdout and checks that everything printed reached it. On
 * failure prints "finelab <cmd>: <where stdout goes>: cannot write:
 * <cause>" (the file it is redirected to, on Linux) and returns -1: a
 * listing or CSV on a full disk must not look written. */
int cli_flush_stdout(const char *cmd);

/* Exit codes of every command. */
enum { CLI_OK = 0, CLI_FAILED = 1, CLI_BAD_INPUT = 2 };

#endif
