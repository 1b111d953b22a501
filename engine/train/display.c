/*
 * display — the smoothed loss and the display interval. See display.h.
 */
#include "engine/train/display.h"

#include <stdlib.h>
#include <string.h>

Status display_init(TrainDisplay *d, int average_loss, Error *err) {
    memset(d, 0, sizeof *d);
    d->average_loss = average_loss < 1 ? 1 : average_loss;
    d->window = calloc((size_t)d->average_loss, sizeof(double));
    if (!d->window) return error_set(err, ST_NOMEM, "trainer: out of memory for the loss window");
    return ST_OK;
}

void display_fini(TrainDisplay *d) {
    if (!d) return;
    free(d->window);
    memset(d, 0, sizeof *d);
}

void display_smooth(TrainDisplay *d, int iter, double loss) {
    int avg = d->average_loss;
    if (d->window_n < avg) {
        d->window[d->window_n++] = loss;
        d->smoothed = (d->smoothed * (d->window_n - 1) + loss) / d->window_n;
    } else {
        int idx = iter % avg;
        d->smoothed += (loss - d->window[idx]) / avg;
        d->window[idx] = loss;
    }
}

double display_accuracy(const TrainDisplay *d) {
    return d->seen ? (double)d->correct / (double)d->seen : 0;
}

void display_next(TrainDisplay *d, double now) {
    d->correct = d->seen = 0;
    d->images = d->wait = 0;
    d->iters = 0;
    d->t0 = now;
}

void display_restore(TrainDisplay *d, const double *window, int n, double smoothed, int64_t correct,
                     int64_t seen, double now) {
    memcpy(d->window, window, sizeof(double) * (size_t)n);
    d->window_n = n;
    d->smoothed = smoothed;
    d->correct = correct;
    d->seen = seen;
    d->t0 = now;
}
