/*
 * cmd_export — `finelab export RUN|SNAPSHOT OUT.safetensors [--runs-dir
 * DIR]`. A SNAPSHOT is an existing file; anything else is looked up as a
 * run (id under the runs directory, or a run directory) and its highest
 * snapshot is used. The file written holds the backbone only, in F32, with
 * the snapshot's input convention and where it came from in its metadata;
 * the copying is engine/train/weights.c's weights_export_backbone.
 */
#include "src/cli/cmd_export.h"

#include <stdio.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "engine/train/weights.h"
#include "src/cli/cli.h"
#include "src/run/runstore.h"

static const char *const cmd = "export";
static const char *const usage =
    "usage: finelab export RUN|SNAPSHOT OUT.safetensors [--runs-dir DIR]";

/* The input exists by now, so an I/O error is most likely the output's. */
static int exit_code(Status st) {
    return st == ST_FORMAT || st == ST_SHAPE ? CLI_BAD_INPUT : CLI_FAILED;
}

int cmd_export(int argc, char **argv) {
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("%s\n"
               "Writes the backbone (features.<i>.weight / .bias, F32) of RUN's last snapshot,\n"
               "or of the snapshot file SNAPSHOT, to OUT.safetensors: no classifier, no momentum.\n"
               "The input convention of the run is kept in the metadata, so a preset naming\n"
               "OUT in [model] weights normalises its images the same way.\n",
               usage);
        return CLI_OK;
    }
    const char *pos[2] = {NULL, NULL}, *runs_dir = "runs";
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs-dir") == 0) {
            if (!(runs_dir = cli_value(cmd, argc, argv, &i))) return CLI_BAD_INPUT;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error(cmd, "unknown option '%s'\n%s", argv[i], usage);
            return CLI_BAD_INPUT;
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            cli_error(cmd, "too many arguments\n%s", usage);
            return CLI_BAD_INPUT;
        }
    }
    if (npos != 2) {
        cli_error(cmd, "%s", usage);
        return CLI_BAD_INPUT;
    }
    Error err = {0};
    char snap[1200], dir[1024] = "";
    int iter = -1;
    if (fileio_is_file(pos[0])) {
        snprintf(snap, sizeof snap, "%s", pos[0]);
    } else {
        Status st = runstore_resolve(runs_dir, pos[0], dir, sizeof dir, &err);
        if (!st) st = runstore_last_snapshot(dir, snap, sizeof snap, &iter, &err);
        if (st) {
            cli_error(cmd, "%s", err.msg);
            return CLI_BAD_INPUT;
        }
    }
    /* Provenance: "<run id>/snapshots/iter_<N>.safetensors" for a run (the
     * run store's own path would name this machine), else the file given. */
    char iter_text[32], from[1400];
    snprintf(iter_text, sizeof iter_text, "%d", iter);
    size_t len = strlen(dir);
    if (len && strncmp(snap, dir, len) == 0) {
        while (len > 1 && dir[len - 1] == '/') dir[--len] = '\0';
        const char *slash = strrchr(dir, '/');
        const char *rest = snap + len;
        while (*rest == '/') rest++;
        snprintf(from, sizeof from, "%s/%s", slash ? slash + 1 : dir, rest);
    } else {
        snprintf(from, sizeof from, "%s", snap);
    }
    const char *meta[4] = {"exported_from", from, "exported_iter", iter_text};
    int tensors = 0;
    uint64_t floats = 0;
    Status st =
        weights_export_backbone(snap, pos[1], meta, iter >= 0 ? 2 : 1, &tensors, &floats, &err);
    if (st) {
        cli_error(cmd, "%s", err.msg);
        return exit_code(st);
    }
    printf("wrote %s: %d backbone tensors, %llu parameters, from %s\n", pos[1], tensors,
           (unsigned long long)floats, snap);
    return cli_flush_stdout(cmd) ? CLI_FAILED : CLI_OK;
}
