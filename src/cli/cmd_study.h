/*
 * cmd_study — `finelab study ID [--optuna FILE] [--runs-dir DIR]`: an asha
 * study read from its journal, or a halving sweep read as one from the run
 * store (sweep_trials.h). Printed: its trials by state, the rungs,
 * the best trials (furthest rung first, then held-out accuracy there, as
 * the study chose) with the test accuracy of each run, and the history:
 * the best held-out accuracy at the last rung after each trial, against
 * the trials and the iterations spent so far. --optuna FILE writes the
 * study as the log of Optuna's JournalStorage (src/report/optuna_log.h;
 * written whole or not at all) for python3-optuna's plots and importance.
 * Reads only the store. Main thread only. Exit 0, 1 when the store cannot
 * be read or the file written, 2 for bad arguments or no such study.
 */
#ifndef FINELAB_CMD_STUDY_H
#define FINELAB_CMD_STUDY_H

/* argv[0] is "study". */
int cmd_study(int argc, char **argv);

#endif
