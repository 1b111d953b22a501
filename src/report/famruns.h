/*
 * famruns — the runs of a preset family in a run store: for each of the
 * tutorial's experiments (a role: stage 1, stage 2, all at once, no
 * bilinear, scratch, the res x dim and weight-decay sweeps), the newest
 * finished run of its preset, and of a sweep the newest finished run of
 * each combination. The lessons (lessons.h) read them.
 *
 * A family is one row of a const table: its folder under presets/ (demo,
 * cub) and, per role, the preset file and the experiment name its runs
 * carry in status.ini (demo_ft_last_layer, ...; the cub files have no name,
 * so their runs carry the file's stem). A run of a preset given `--set
 * data.dataset=...` is another seed's: runs are grouped by (family,
 * dataset), the dataset read from the run's preset.ini, and one group is
 * chosen, the asked dataset's or else the newest complete one. A sweep's
 * combinations come from its preset file when it can be read (so missing
 * ones can be named and queued), else from the runs found.
 *
 * Reads only the store (statuses, preset.ini, metrics.tsv of stage 1 and
 * the coach's reading of it) and the family's preset files, so any thread
 * or process may call it, on runs of other processes and Slurm tasks. A
 * FamGroup is plain data (tests fill one by hand); famruns_find fills
 * caller storage.
 */
#ifndef FINELAB_FAMRUNS_H
#define FINELAB_FAMRUNS_H

#include <stddef.h>

#include "engine/base/error.h"
#include "src/run/runstore.h"

typedef enum FamRole {
    FAM_STAGE1,       /* ft_last_layer */
    FAM_STAGE2,       /* ft_all, from stage 1 */
    FAM_ALL_DIRECT,   /* every layer at once */
    FAM_NO_BILINEAR,  /* the plain (average-pooling) head */
    FAM_SCRATCH,      /* no transfer */
    FAM_RES_DIM,      /* resolution x bilinear dim sweep */
    FAM_WEIGHT_DECAY, /* weight-decay sweep */
    FAM_ROLE_COUNT
} FamRole;

typedef enum Family { FAMILY_DEMO, FAMILY_CUB, FAMILY_COUNT } Family;

/* Test images of a run whose status does not record them: the demo's. */
enum { FAM_TEST_IMAGES_DEFAULT = 600 };
enum { FAM_MEMBERS_MAX = 24, FAM_DATASETS_MAX = 8, FAM_PATH_MAX = 1024 };

/* One run a lesson reads, or the place of one that is missing. */
typedef struct FamRun {
    int found;       /* 1: a finished (done) run; 0: none yet (only the fields below
                      * that come from the preset file are set) */
    int running;     /* 0 found: a run of it is running now */
    char id[256];    /* run id, "" when not found */
    char label[256]; /* sweep label ("key=value, ..."), "" outside a sweep */
    int index;       /* the combination's index in its sweep; -1 outside one or unknown */
    double test;     /* test split's accuracy, fraction (runstatus_test_accuracy) */
    int n_test;      /* its test images (status test_images, else FAM_TEST_IMAGES_DEFAULT) */
    /* Stage 1 only (NAN / -1 elsewhere): the final train accuracy (mean of
     * the last DIAGNOSIS_TRAIN_WINDOW train rows; NAN when the run has no
     * train accuracy) and whether the coach says overfitting (1, 0; -1:
     * its curves could not be read, or are too short for it to say). */
    double train;
    int overfit;
    double seconds; /* training wall time from status; 0: not recorded */
    /* The run's (or the combination's) values of the swept keys. */
    int resolution, dim;
    double wd;
} FamRun;

/* A role's runs: one place for an experiment (n 1), one per combination
 * for a sweep; n 0 when the family has no preset for the role. */
typedef struct FamSlot {
    FamRun runs[FAM_MEMBERS_MAX];
    int n;
} FamSlot;

typedef struct FamGroup {
    Family family;
    char dataset[FAM_PATH_MAX];        /* the group's dataset ("" when no run was found) */
    char preset_dataset[FAM_PATH_MAX]; /* the family's presets' own dataset ("": unread) */
    char presets_dir[FAM_PATH_MAX];    /* the family's preset folder (presets/demo) */
    FamSlot slots[FAM_ROLE_COUNT];
    int n_found;      /* finished runs in the group */
    int complete;     /* every place of every role has its run */
    char newest[256]; /* id of its newest run ("" none) */
    /* Every dataset the store has finished runs of this family on, newest
     * group first. */
    char datasets[FAM_DATASETS_MAX][FAM_PATH_MAX];
    int n_datasets;
} FamGroup;

/* "demo", "cub". */
const char *famruns_family_name(Family f);
/* The preset file name of role r ("ft_last_layer.ini"). */
const char *famruns_role_file(FamRole r);
/* The experiment name family f's runs of role r carry, NULL when f has no
 * preset for r (cub has no scratch). */
const char *famruns_role_name(Family f, FamRole r);
/* "stage 1", "scratch", "res x dim sweep", ... for texts. */
const char *famruns_role_title(FamRole r);
/* 1 for the sweeps' roles. */
int famruns_role_is_sweep(FamRole r);

/* Fills g with family f's runs in runs_dir on dataset (NULL or "": the
 * newest complete group, else the group with the most runs, the newest of
 * those on a tie; with no run at all, the family's own dataset). The
 * family's preset files are read from presets_dir/<family>/ (NULL:
 * "presets"). ST_IO naming the store when it cannot be listed (a missing
 * store is an empty one); ST_NOMEM. g is then empty. */
Status famruns_find(FamGroup *g, Family f, const char *runs_dir, const char *presets_dir,
                    const char *dataset, Error *err);

/* The final train accuracy of a run's rows: the mean of the finite
 * accuracies of its last DIAGNOSIS_TRAIN_WINDOW train rows (train rows
 * are a few batches each, so one alone is noise, as the coach reads them);
 * NAN when there is none. */
double famruns_train_accuracy(const RunRow *rows, int n);
/* 1 when two dataset paths name the same dataset: equal once a leading
 * "./" and trailing slashes are dropped, or resolving to one directory. */
int famruns_same_dataset(const char *a, const char *b);
/* g in one phrase: "demo family on data/demo: 19 of 19 runs (complete)";
 * "(none yet)" with no dataset. */
void famruns_describe(const FamGroup *g, char *buf, size_t cap);
/* The finished runs of g, and the sum of their recorded wall times (runs
 * whose status records none are counted in *unrecorded). */
double famruns_seconds(const FamGroup *g, int *runs, int *unrecorded);

#endif
