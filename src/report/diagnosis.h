/*
 * diagnosis — what a run's curves show, read from its metrics.tsv rows
 * alone (so it works on runs of other processes, old runs and Slurm runs):
 * overfitting, underfitting, a head left under-trained, divergence,
 * instability, still improving at the end, a plateau long before the end,
 * early convergence to a worse level than a sibling run, or not enough
 * data yet to say. Each finding
 * carries the numbers that show it, the next step a beginner should try in
 * the tutorial's terms, and, when the run's preset is known, the preset
 * assignments of that step (a fork the lab can write).
 *
 * Pure: diagnosis_run reads only its inputs (rows, status, preset, the
 * sibling and stage runs the caller found, see relatives.h) and fills
 * caller storage; any thread. The thresholds are the named constants
 * below; README.md's "Diagnosis" section gives the reason for each value.
 */
#ifndef FINELAB_DIAGNOSIS_H
#define FINELAB_DIAGNOSIS_H

#include <stddef.h>

#include "engine/base/error.h"
#include "src/preset/preset.h"
#include "src/run/runstore.h"

/* --- thresholds (accuracies are fractions, losses relative) --------------- */
#define DIAGNOSIS_MIN_TRAIN_ROWS      5    /* train rows before any rule is tried */
#define DIAGNOSIS_MIN_TEST_POINTS     3    /* test points before the test-curve rules */
#define DIAGNOSIS_TRAIN_WINDOW        5    /* train rows averaged around an iteration */
#define DIAGNOSIS_TAIL_FRACTION       0.25 /* "the end": the last quarter of the iterations */
#define DIAGNOSIS_DIVERGE_ABOVE_START 1.2  /* end loss above 1.2 x the first loss */
#define DIAGNOSIS_DIVERGE_ABOVE_MIN   2.0  /* end loss above 2 x its lowest, and not falling */
#define DIAGNOSIS_OVERFIT_GAP         0.10 /* train accuracy 10 points past test */
#define DIAGNOSIS_OVERFIT_LOSS_RATIO  1.5  /* test loss 1.5 x train loss (and 0.1 above) */
#define DIAGNOSIS_TEST_LOSS_RISE      0.10 /* test loss 10% above its lowest while train falls */
#define DIAGNOSIS_UNDERFIT_ACC        0.50 /* train and test accuracy both below 50% */
#define DIAGNOSIS_FLAT_DROP           0.05 /* train loss fell less than 5% over the last half */
#define DIAGNOSIS_FLAT_GAIN           0.02 /* test accuracy gained under 2 points over it */
#define DIAGNOSIS_UNSTABLE_ACC_SWING  0.05 /* late test accuracy moves 5 points a test */
#define DIAGNOSIS_UNSTABLE_LOSS_SWING 0.25 /* late train loss moves 25% of its level a row */
#define DIAGNOSIS_IMPROVING_GAIN      0.01 /* held-out accuracy rose 1 point (and 1 SE) */
#define DIAGNOSIS_PLATEAU_BAND        0.01 /* within 1 point of the best ... */
#define DIAGNOSIS_PLATEAU_EARLY       0.5  /* ... from the first half of the run on */
#define DIAGNOSIS_SIBLING_GAP         0.02 /* a sibling's best 2 points higher */
/* under-trained: a head that could fit its training vectors and did not */
#define DIAGNOSIS_UNDERTRAIN_GAP  0.05   /* train accuracy within 5 points of test */
#define DIAGNOSIS_UNDERTRAIN_LOSS 0.6931 /* train loss ends above ln 2 ... */
#define DIAGNOSIS_UNDERTRAIN_FLAT 0.05   /* ... falling less than 5% after the last decay */

typedef enum DiagKind {
    DIAG_DIVERGING,
    DIAG_OVERFITTING,
    DIAG_UNDERTRAINED,
    DIAG_UNDERFITTING,
    DIAG_UNSTABLE,
    DIAG_STILL_IMPROVING,
    DIAG_WORSE_THAN_SIBLING,
    DIAG_PLATEAU,
    DIAG_NOT_ENOUGH_DATA,
    DIAG_KIND_COUNT
} DiagKind;

enum { DIAG_SET_MAX = 4, DIAG_TEXT_MAX = 400 };

/* Another run the diagnosis compares with (the caller found it). */
typedef struct DiagRun {
    char id[256];
    char label[256]; /* its sweep label ("key=value, key=value"), "" outside a sweep */
    double best;     /* its best test accuracy; < 0: none */
} DiagRun;

/* A preset change: "section.key=value" assignments (preset_set syntax) and
 * the suffix a fork of the preset is named with (<name>_<suffix>). A value
 * the diagnosis cannot know is a flag: lr_find asks for solver.base_lr =
 * the suggestion of the learning-rate range test (`finelab lr-find`), which
 * the front end runs and sets before the assignments in set. With n_set 0
 * and lr_find 0 there is no change to offer. */
typedef struct DiagFork {
    char suffix[32];
    char set[DIAG_SET_MAX][160];
    int n_set;   /* assignments in set */
    int lr_find; /* 1: also solver.base_lr = the range test's suggestion */
} DiagFork;

typedef struct DiagFinding {
    DiagKind kind;
    int iter;                   /* where it began or is seen from; -1: not one iteration */
    char text[DIAG_TEXT_MAX];   /* what the curves show, with the numbers */
    char advice[DIAG_TEXT_MAX]; /* the next step, naming the preset keys */
    DiagFork fork;
} DiagFinding;

typedef struct DiagInput {
    const RunRow *rows; /* metrics.tsv rows, in file order */
    int n_rows;
    const RunStatus *status; /* NULL: treated as done */
    const Preset *preset;    /* the run's preset; NULL: advice without values, no forks */
    const char *run_id;      /* for advice naming this run (init_from); NULL: "this run" */
    const DiagRun *siblings; /* same preset, other sweep values */
    int n_siblings;
    const DiagRun *stage2;      /* the newest finished run started from this one (init_from) */
    const DiagRun *stage2_best; /* the best of those runs; both NULL: none */
    int n_stage2;               /* how many such runs there are */
    const DiagRun *stage1;      /* the run this one started from; NULL: none */
    long train_images;          /* images in its training split; 0: unknown (no under-trained) */
} DiagInput;

typedef struct Diagnosis {
    int n;
    DiagFinding findings[DIAG_KIND_COUNT]; /* in DiagKind order (most urgent first) */
    char compare[2 * DIAG_TEXT_MAX];       /* the stage runs' results beside this one's, or "" */
} Diagnosis;

/* Fills d from in. ST_NOMEM (d then has no findings) is the only failure. */
Status diagnosis_run(const DiagInput *in, Diagnosis *d);
/* "overfitting", "still improving", ... */
const char *diagnosis_kind_name(DiagKind k);
/* The finding of kind k in d, or NULL. */
const DiagFinding *diagnosis_find(const Diagnosis *d, DiagKind k);
/* The kinds found, "; "-separated ("overfitting; still improving"), or
 * "no problem seen" when there are none. */
void diagnosis_summary(const Diagnosis *d, char *buf, size_t cap);
/* The first finding that offers a preset change (assignments or lr_find), or NULL. */
const DiagFinding *diagnosis_first_fork(const Diagnosis *d);
/* The fork's assignments as "a=b, c=d", lr_find's first as
 * "solver.base_lr=<lr-find's suggestion>". */
void diagnosis_fork_text(const DiagFork *f, char *buf, size_t cap);

#endif
