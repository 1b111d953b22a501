/*
 * cli — option parsing helpers for subcommands. See cli.h.
 */
#include "src/cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "finelab %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_int(const char *cmd, const char *opt, const char *val, long lo, long hi, int *out) {
    char *end;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (end == val || *end || errno || v < lo || v > hi) {
        cli_error(cmd, "%s expects a whole number from %ld to %ld (got '%s')", opt, lo, hi, val);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int cli_u64(const char *cmd, const char *opt, const char *val, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(val, &end, 10);
    if (end == val || *end || errno || val[0] == '-') {
        cli_error(cmd, "%s expects a non-negative whole number (got '%s')", opt, val);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

const char *cli_value(const char *cmd, int argc, char **argv, int *i) {
    if (*i + 1 >= argc) {
        cli_error(cmd, "%s needs a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

int cli_flush_stdout(const char *cmd) {
    errno = 0;
    int flushed = fflush(stdout) == 0, cause = errno;
    if (flushed && !ferror(stdout)) return 0;
    /* The file stdout was redirected to, when /proc says (not a pipe's name). */
    char where[1024] = "standard output";
    ssize_t n = readlink("/proc/self/fd/1", where, sizeof where - 1);
    if (n > 0 && where[0] == '/')
        where[n] = '\0';
    else
        snprintf(where, sizeof where, "standard output");
    if (!flushed && cause)
        cli_error(cmd, "%s: cannot write: %s", where, strerror(cause));
    else /* an earlier write failed; its errno is gone */
        cli_error(cmd, "%s: cannot write: the output is incomplete", where);
    return -1;
}
