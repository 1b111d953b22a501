/*
 * sbatch — the batch script `finelab submit` hands to Slurm's sbatch: one
 * job-array task per combination of a preset's [sweep], each running
 * `finelab run PRESET --sweep-index $SLURM_ARRAY_TASK_ID --runs-dir DIR`
 * into the shared run store (through `mpirun -np N` when the task is an
 * N-rank MPI job); or, for a sweep whose runs wait on each other (a
 * halving sweep's rungs, an asha study), K tasks that are its workers,
 * each `finelab resume <id> --runs-dir DIR`. A pure function of an
 * SbatchJob: nothing is read, written or run here, so the text is checked
 * value for value in tests/src/run/test_sbatch.c. Paths are single-quoted
 * for the shell; they should be absolute, since the task runs on another
 * node in another directory. Reentrant; any thread.
 */
#ifndef FINELAB_SBATCH_H
#define FINELAB_SBATCH_H

#include "engine/base/error.h"

typedef struct SbatchJob {
    const char *finelab;  /* the finelab binary the task runs */
    const char *preset;   /* the preset file */
    const char *runs_dir; /* the run store */
    const char *name;     /* --job-name (the preset's name) */
    const char *output;   /* --output pattern (Slurm's %A, %a allowed) */
    int tasks;            /* array size: the sweep's combination count, >= 1 */
    int max_parallel;     /* the array's %K (0: no limit) */
    int ranks;            /* MPI ranks per task (<= 1: one process, no mpirun) */
    /* A halving sweep's or an asha study's id: each task is one of its
     * workers (`finelab resume <id>`); NULL: task K runs combination K. */
    const char *workers_of;
    const char *const *extra; /* each becomes one "#SBATCH <arg>" line, in order */
    int n_extra;
} SbatchJob;

/* Checks j: tasks >= 1, max_parallel >= 0, ranks >= 0, every string set
 * and free of newlines (an #SBATCH line cannot hold one). ST_ARG naming
 * the field at fault. */
Status sbatch_check(const SbatchJob *j, Error *err);
/* The script for j (sbatch_check passed) as a malloc'd string the caller
 * frees; NULL on out of memory. */
char *sbatch_script(const SbatchJob *j);

#endif
