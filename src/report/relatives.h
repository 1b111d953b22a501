/*
 * relatives — the runs a diagnosis compares a run with, found in the run
 * store that holds it (the directory above the run's): its siblings (the
 * same preset name with other sweep values), the finished runs started
 * from it (transfer.init_from naming its id, or its preset name while it
 * was that preset's newest finished run: the tutorial's stage 2), and the
 * run it was started from (its stage 1). relatives_diagnose reads a run
 * and its relatives (and, for a last_layer run, its dataset's index: the
 * training images) and runs diagnosis_run over them: the one call the
 * front ends make.
 *
 * Reads only the store (and a dataset's index), so any thread or process
 * may call it; what it returns is caller storage (free a Relatives with
 * relatives_fini).
 */
#ifndef FINELAB_RELATIVES_H
#define FINELAB_RELATIVES_H

#include "engine/base/error.h"
#include "src/preset/preset.h"
#include "src/report/diagnosis.h"
#include "src/run/runstore.h"

typedef struct Relatives {
    DiagRun *siblings; /* malloc'd, n_siblings */
    int n_siblings;
    DiagRun stage2;      /* the newest finished run started from this one */
    DiagRun stage2_best; /* the best of them */
    int n_stage2;        /* how many; 0: both are empty */
    DiagRun stage1;      /* the run init_from resolved to */
    int has_stage1;
} Relatives;

/* Finds the relatives of the run in run_dir whose status is st and preset
 * p (NULL: no stage 1). stages 0 skips the stage runs (which read the
 * preset of every later finished run) and keeps the siblings (statuses
 * only). ST_IO (err names the store) when the store cannot be listed;
 * ST_NOMEM. r is empty on failure. */
Status relatives_find(Relatives *r, const char *run_dir, const RunStatus *st, const Preset *p,
                      int stages, Error *err);
void relatives_fini(Relatives *r);

/* Reads run_dir's status, metrics and preset (a missing or bad preset
 * only drops the forks), the number of training images of a last_layer
 * run (an unreadable dataset leaves it unknown), finds its relatives
 * (stages as above) and diagnoses it into d. err names the file that could
 * not be read. */
Status relatives_diagnose(const char *run_dir, int stages, Diagnosis *d, Error *err);

#endif
