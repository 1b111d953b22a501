/*
 * display — what a run's display rows are made of: Caffe's smoothed loss
 * (the mean of the last average_loss iterations' losses, Solver::
 * UpdateSmoothedLoss) and the accumulators of the current display interval
 * (correct and seen training samples, images, time waiting for data).
 *
 * Caller storage with init / fini; owned by the trainer on the engine
 * thread. The window and the interval's counts are part of a snapshot
 * (snapshot.h), so a resumed run writes the rows of one that never stopped.
 */
#ifndef FINELAB_DISPLAY_H
#define FINELAB_DISPLAY_H

#include <stdint.h>

#include "engine/base/error.h"

typedef struct TrainDisplay {
    int average_loss; /* the window's length (at least 1) */
    double *window;   /* the last window_n losses, average_loss slots */
    int window_n;     /* 0..average_loss */
    double smoothed;  /* their mean, as Caffe keeps it */
    int64_t correct;  /* correct training samples since the last row */
    int64_t seen;     /* training samples since the last row */
    double images;    /* images since the last row (MPI: over every rank) */
    double wait;      /* seconds waited for the loader since the last row */
    double t0;        /* when the interval began (timer_now) */
    int iters;        /* iterations since the last row */
} TrainDisplay;

/* A window of average_loss (< 1: 1) slots, empty counts from now.
 * ST_NOMEM when the window cannot be allocated. */
Status display_init(TrainDisplay *d, int average_loss, Error *err);
void display_fini(TrainDisplay *d);
/* Adds iteration iter's loss to the smoothed loss, as Caffe does: the
 * running mean until the window is full, then the window's slot
 * iter % average_loss replaced. */
void display_smooth(TrainDisplay *d, int iter, double loss);
/* Training accuracy of the interval (0 before any sample). */
double display_accuracy(const TrainDisplay *d);
/* Starts the next interval at now (after a row). */
void display_next(TrainDisplay *d, double now);
/* Sets the window from a snapshot's n losses (n <= average_loss) and its
 * smoothed value, and the interval's counts, the interval starting now. */
void display_restore(TrainDisplay *d, const double *window, int n, double smoothed, int64_t correct,
                     int64_t seen, double now);

#endif
