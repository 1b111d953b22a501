/*
 * runstatus — a run's status.ini: what state a run is in and what it has
 * reached, as one table of fields ({key, type, offset}) that both the
 * reader and the writer walk, so a field is named once and written and
 * read in the same order. Older files lack the newer keys (they read as
 * the defaults); newer keys an older finelab does not know it skips.
 *
 * Pure over text: runstatus_parse and runstatus_format neither touch files
 * nor the clock (runstore.c reads and writes the file, refreshing pid,
 * host and time). Reentrant, any thread.
 */
#ifndef FINELAB_RUNSTATUS_H
#define FINELAB_RUNSTATUS_H

#include <stddef.h>

typedef enum RunState {
    RUN_QUEUED,
    RUN_RUNNING,
    RUN_DONE,
    RUN_FAILED,
    RUN_DIVERGED,
    RUN_STOPPED,
    RUN_INTERRUPTED,
    RUN_PRUNED, /* successive halving ended it at a rung (its curve and snapshot kept) */
    RUN_STATE_COUNT
} RunState;

typedef struct RunStatus {
    RunState state;
    long pid;
    char preset[256]; /* preset name */
    char sweep[256];  /* sweep label ("" outside a sweep) */
    char started[32]; /* ISO 8601 UTC */
    char updated[32];
    int iter, max_iter;
    /* The held-out passes during training: on the validation split when
     * heldout is "val" (the preset's data.val), else on the test split
     * ("test"; "" in older stores means test). Everything that chooses
     * (best of a sweep, halving, the coach) reads these two. */
    char heldout[8];
    double best_accuracy;  /* -1 before any held-out pass */
    double final_accuracy; /* -1 until the run is done */
    /* With a validation split, the test split once, when the run ends, on
     * the weights of the best validation pass (test_iter: their
     * iteration); -1 until then and in runs without one. */
    double test_accuracy, test_loss;
    int test_iter;
    double final_loss;   /* last smoothed train loss, -1 before any */
    double seconds;      /* training wall time */
    double images_per_s; /* last display interval */
    int skipped_images;  /* unreadable images left out (on_bad_image = skip) */
    /* Images of each split the run used (0: not recorded, older stores). */
    int train_images, val_images, test_images;
    int ranks; /* processes training the run (MPI data parallel; 1 alone) */
    /* What the run is doing now (while running; the last phase after):
     * "dataset", then the engine's phases (train_phase_name: "weights",
     * "cache", "train", "val", "test", "snapshot"); "" before any. done of
     * total units (total 0: unknown) and the phase's seconds left (-1:
     * unknown). */
    char phase[16];
    long phase_done, phase_total;
    double phase_eta;
    char error[512];
    /* The machine whose process pid is (gethostname; "" from older
     * stores): on any other, a running run is not checked for its pid. */
    char host[256];
    /* "<array job id>_<task id>" when a Slurm array task made the run
     * (finelab submit), else "". */
    char slurm[48];
    /* The feature caches the run used (space-separated keys of the run
     * store's cache/; "" none), so that cleaning the store keeps them
     * while the run may still be resumed. */
    char cache[256];
    /* A successive-halving sweep's run: the sweep's id ("" outside one),
     * the run's candidate (combination index) and the last rung it reached
     * (0-based; -1 before the first). Written only for such runs. */
    char halving[128];
    int candidate, rung;
} RunStatus;

const char *runstore_state_name(RunState s);
int runstore_state_parse(const char *s, RunState *out);

/* The defaults of every field: what a key missing from the file reads as. */
void runstatus_defaults(RunStatus *st);
/* Parses status.ini's text (len bytes, NUL-terminated; modified in place)
 * into st (runstatus_defaults first). 0, or the number of the first bad
 * line with *bad_key naming its key (bad_cap bytes; "" for a malformed
 * line). Unknown keys and sections from newer versions are skipped. */
int runstatus_parse(char *text, size_t len, RunStatus *st, char *bad_key, size_t bad_cap);
/* Writes st as status.ini text into buf (cap bytes): every field of the
 * table, in its order, under [run]; an error's newlines become spaces.
 * Returns the length, or -1 when it does not fit. */
int runstatus_format(const RunStatus *st, char *buf, size_t cap);

/* The test split's accuracy of a finished run: test_accuracy when the run
 * had a validation split, else its final accuracy (its held-out passes
 * were on the test split); -1 when there is none yet. */
double runstatus_test_accuracy(const RunStatus *st);
/* 1 when the held-out passes were on a validation split. */
int runstatus_has_val(const RunStatus *st);
/* "val" or "test": the name of the held-out split. */
const char *runstatus_heldout_name(const RunStatus *st);

#endif
