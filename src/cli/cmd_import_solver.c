/*
 * cmd_import_solver — `finelab import-solver FILE`: reads a Caffe solver
 * prototxt (FILE, or stdin for "-") and prints the [solver] section that
 * means the same, ready to paste into a preset. All the work is in
 * solver_import.c; this file only reads, prints and maps errors to exit codes.
 */
#include "src/cli/cmd_import_solver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "src/cli/cli.h"
#include "src/preset/solver_import.h"

static const char *const cmd = "import-solver";

/* Reads all of stdin into a malloc'd NUL-terminated buffer, or NULL. */
static char *read_stdin(void) {
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, stdin);
        if (ferror(stdin)) break;
        if (feof(stdin)) {
            buf[len] = '\0';
            return buf;
        }
        if (len + 1 == cap) {
            char *grown = realloc(buf, cap * 2);
            if (!grown) break;
            buf = grown;
            cap *= 2;
        }
    }
    free(buf);
    return NULL;
}

int cmd_import_solver(int argc, char **argv) {
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: finelab import-solver FILE\n"
               "Prints the [solver] preset section equivalent to a Caffe solver.prototxt\n"
               "(FILE, or - for stdin). Fields finelab does not use become comments.\n");
        return CLI_OK;
    }
    if (argc != 2) {
        cli_error(cmd, "usage: finelab import-solver FILE (a Caffe solver.prototxt, - for stdin)");
        return CLI_BAD_INPUT;
    }
    const char *path = argv[1];
    Error err = {0};
    char *text;
    if (strcmp(path, "-") == 0) {
        path = "<stdin>";
        if (!(text = read_stdin())) {
            cli_error(cmd, "cannot read the standard input");
            return CLI_BAD_INPUT;
        }
    } else {
        uint8_t *data;
        size_t len;
        if (fileio_read_all(path, &data, &len, &err)) {
            cli_error(cmd, "%s", err.msg);
            return err.status == ST_NOMEM ? CLI_FAILED : CLI_BAD_INPUT;
        }
        text = (char *)data;
    }
    char *ini = solver_import(text, path, &err);
    free(text);
    if (!ini) {
        cli_error(cmd, "%s", err.msg);
        return err.status == ST_NOMEM ? CLI_FAILED : CLI_BAD_INPUT;
    }
    fputs(ini, stdout);
    free(ini);
    if (fflush(stdout) || ferror(stdout)) {
        cli_error(cmd, "cannot write the output");
        return CLI_FAILED;
    }
    return CLI_OK;
}
