/*
 * lab — the terminal lab: the front end a user opens with `finelab` and no
 * command. It reads presets and the run store, starts the engine thread
 * (src/run/bridge.h) and runs the UI loop until the user quits. Main
 * thread only; the entry point (main.c) starts it, and runs the default
 * preset headless instead when it reports that there is no terminal.
 */
#ifndef FINELAB_LAB_H
#define FINELAB_LAB_H

#include <stddef.h>

enum { LAB_PRESETS_DIRS_MAX = 4 };

typedef struct LabOptions {
    char runs_dir[1024];                           /* --runs-dir DIR (default runs) */
    char presets_dirs[LAB_PRESETS_DIRS_MAX][1024]; /* presets, then each --presets DIR */
    int n_presets_dirs;
} LabOptions;

/* How lab_run ended. */
typedef enum LabResult {
    LAB_OK,          /* the user quit (training may have gone on headless to its end) */
    LAB_FAILED,      /* the engine thread could not start */
    LAB_BAD_INPUT,   /* the run store cannot be created */
    LAB_NO_TERMINAL, /* nothing to draw on (why says why); nothing was started */
} LabResult;

/* Reads the lab's options from argv (argv[0] is the program): --runs-dir
 * DIR and any number of --presets DIR (the same directory twice counts
 * once, at most LAB_PRESETS_DIRS_MAX in all). Returns 0, or the index of
 * the first word that is neither (or an option without its value). */
int lab_options(LabOptions *o, int argc, char **argv);
/* Runs the lab. The run store is created first; LAB_NO_TERMINAL when
 * stdin or stdout is not a terminal or curses cannot drive it. */
LabResult lab_run(const LabOptions *o, char *why, size_t cap);

#endif
