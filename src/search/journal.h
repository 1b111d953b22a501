/*
 * journal — a study's record: one line per event, appended and never
 * rewritten, from which every decision of the study is derived again
 * (journal_replay). Its lines are text, one field table (`key=value`
 * fields, tab-separated, read and written from the same table), so a
 * study on a shared file system can be read with grep and a line from a
 * newer finelab with fields this one does not know still reads.
 *
 *   kind=trial  trial=T seed=S point=<x0;x1;...> params=<section.key=value, ...>
 *                                           a new trial: its point (a list
 *                                           key's index or a range's value)
 *   kind=start  trial=T rung=K run=<dir> slurm=<job>_<task>
 *                                           a worker trains T towards rung K
 *                                           (slurm: the array task it is, ""
 *                                           outside Slurm)
 *   kind=report trial=T rung=K iter=I accuracy=A loss=L run=<dir>   its
 *                                           held-out pass there (accuracy -1:
 *                                           it failed), and the run it is in
 *   kind=end    trial=T state=failed|complete   the trial ends
 *   kind=release trial=T why=<text>         its worker died: T waits again
 *
 * Every line also has worker=<host:pid> and time=<ISO 8601 UTC>. Pure
 * over text; reentrant, any thread (src/run/study.c holds the file).
 */
#ifndef FINELAB_JOURNAL_H
#define FINELAB_JOURNAL_H

#include <stddef.h>

#include "src/search/asha.h"
#include "src/search/tpe.h"

typedef enum JournalKind {
    JOURNAL_TRIAL,
    JOURNAL_START,
    JOURNAL_REPORT,
    JOURNAL_END,
    JOURNAL_RELEASE,
    JOURNAL_KINDS
} JournalKind;

enum { JOURNAL_PARAMS_MAX = 1024, JOURNAL_RUN_MAX = 1024, JOURNAL_LINE_MAX = 4096 };

typedef struct JournalRecord {
    JournalKind kind;
    int trial, rung, iter;
    long seed;
    double accuracy, loss;
    char state[16];
    char why[192];
    char worker[128];
    char slurm[48];
    char time[32];
    char run[JOURNAL_RUN_MAX];
    char point[256];
    char params[JOURNAL_PARAMS_MAX];
} JournalRecord;

/* Writes r as one line (with its newline) into buf; returns its length, or
 * -1 when it does not fit or a text field holds a tab or newline. */
int journal_format(const JournalRecord *r, char *buf, size_t cap);
/* Parses one line (without its newline). Returns NULL, or what is wrong
 * (msg, cap bytes): no kind, an unknown kind, a field that is not its type. */
const char *journal_parse(const char *line, JournalRecord *r, char *msg, size_t cap);

typedef enum StudyTrialState {
    TRIAL_RUNNING, /* a worker trains it */
    TRIAL_WAITING, /* reported at its rung; may be promoted */
    TRIAL_FAILED,
    TRIAL_COMPLETE, /* reached the last rung */
} StudyTrialState;

/* A trial as the journal leaves it. */
typedef struct StudyTrial {
    double x[TPE_DIMS_MAX]; /* the point (journal.h's point=), n_x numbers */
    int n_x;
    char params[JOURNAL_PARAMS_MAX];
    long seed;
    StudyTrialState state;
    char worker[128]; /* who trains it (running), or trained it last */
    char slurm[48];   /* that worker's Slurm array task ("" outside Slurm) */
    char run[JOURNAL_RUN_MAX];
    int released;                /* times a worker handed it back (died, stopped) */
    char started[32], ended[32]; /* its first record's time; its last report's or end's */
    int iter[HALVING_RUNGS_MAX]; /* the iteration of each report */
    AshaTrial asha;              /* rung, busy, reports: what ASHA decides on */
} StudyTrial;

/* Writes the point x (n numbers) as journal.h's point= text; -1 when it
 * does not fit. */
int journal_point_format(const double *x, int n, char *buf, size_t cap);

/* Applies record r to trials (*n of them, cap at most). Returns NULL, or
 * what is wrong with r (a trial that does not exist, one defined twice, a
 * rung out of range) in msg; trials unchanged then. */
const char *journal_apply(StudyTrial *trials, int *n, int cap, const JournalRecord *r, char *msg,
                          size_t msg_cap);

/* The first trial whose worker died before it reached the rung it was
 * sent to (released; it trains there again before anything new), or -1. */
int journal_requeued(const StudyTrial *trials, int n);

#endif
