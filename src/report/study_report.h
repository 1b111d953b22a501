/*
 * study_report — a study (any sweep, sweep_trials.h) as the text `finelab
 * study` prints: its trials by state and its rungs, the importance of its
 * keys (study_importance.h: the share of the variance per key and per
 * pair, the ten largest, or why it is not ranked), its best trials (furthest rung,
 * then held-out accuracy there, with the test accuracy of each complete
 * one), and its history (the best held-out accuracy at the last rung after
 * each trial, against trials and iterations spent).
 *
 * Three forms: text for the terminal; Markdown (each part a table, for a
 * report); CSV, one row per trial in the order they began (its state,
 * rung, accuracies, the history's best so far and iterations, each key's
 * value and the run) then, after a blank line, the importance as rows of
 * key and share. Pure; any thread.
 */
#ifndef FINELAB_STUDY_REPORT_H
#define FINELAB_STUDY_REPORT_H

#include "src/report/study_importance.h"
#include "src/report/sweep_trials.h"

typedef enum StudyReportForm {
    STUDY_REPORT_TEXT,
    STUDY_REPORT_MD,
    STUDY_REPORT_CSV
} StudyReportForm;

enum { STUDY_REPORT_BEST = 10, STUDY_REPORT_PAIRS = 10 };

/* The report of s with its importance imp, malloc'd; NULL on out of memory. */
char *study_report_format(const SweepTrials *s, const StudyImportance *imp, StudyReportForm form);

/* The trials of s best first (asha_ahead's order) into order (s->n). */
void study_report_order(const SweepTrials *s, int *order);

/* Trial i's held-out accuracy at its furthest scored rung, that rung into
 * *top (-1, and -1 returned, when it has none). */
double study_report_held(const SweepTrials *s, int i, int *top);

/* What a view of s (the Study screen's, a picture's) reads before it
 * draws: each trial's study_report_held into held (s->n), the trials best
 * first into order (s->n; NULL: not wanted), the best trial
 * (study_report_order's first, -1 when it has no score) into *best, and
 * the accuracy axes' range into *lo, *hi: every held-out and test
 * accuracy, out to whole percents (0 .. 1 when there is none). -1 when
 * out of memory. */
int study_report_scores(const SweepTrials *s, double *held, int *order, int *best, double *lo,
                        double *hi);

/* The history: after trial i (in the order begun), the best held-out
 * accuracy at the last rung so far into best[i] (-1 before any) and the
 * iterations spent so far into spent[i]. */
void study_report_history(const SweepTrials *s, double *best, long *spent);

#endif
