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
    uint8_t *data;
    size_t len;
    Status st = strcmp(path, "-") == 0
                    ? fileio_read_stream(stdin, path = "<stdin>", &data, &len, &err)
                    : fileio_read_all(path, &data, &len, &err);
    if (st) {
        cli_error(cmd, "%s", err.msg);
        return st == ST_NOMEM ? CLI_FAILED : CLI_BAD_INPUT;
    }
    char *text = (char *)data;
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
