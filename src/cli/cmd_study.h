/*
 * cmd_study — `finelab study SWEEP [--md | --csv] [--optuna FILE]
 * [--runs-dir DIR]`: any sweep read as a study (sweep_trials.h): an asha
 * study from its journal, a halving sweep by its id, a grid or random
 * sweep by its preset's name. Printed (study_report.h): its trials by
 * state and its rungs, the importance of its keys (fANOVA,
 * study_importance.h), its best trials with the test accuracy of each
 * complete one, and its history; --md as Markdown tables, --csv as one row
 * per trial and the importance. --optuna FILE writes the study as the log
 * of Optuna's JournalStorage (src/report/optuna_log.h; written whole or
 * not at all) for python3-optuna's plots and importance. Reads only the
 * store. Main thread only. Exit 0, 1 when the store cannot be read or the
 * file written, 2 for bad arguments or no such sweep.
 */
#ifndef FINELAB_CMD_STUDY_H
#define FINELAB_CMD_STUDY_H

/* argv[0] is "study". */
int cmd_study(int argc, char **argv);

#endif
