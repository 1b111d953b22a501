/*
 * progress — a run's phase, fraction and ETA. See progress.h.
 */
#include "src/report/progress.h"

#include <stdio.h>
#include <string.h>

void progress_of(const RunStatus *st, RunProgress *out) {
    memset(out, 0, sizeof *out);
    out->fraction = out->eta = -1;
    int running = st->state == RUN_RUNNING;
    int training = !st->phase[0] || strcmp(st->phase, "train") == 0;
    if (running && !training) {
        snprintf(out->phase, sizeof out->phase, "%s", st->phase);
        if (st->phase_total > 0) {
            out->fraction = (double)st->phase_done / (double)st->phase_total;
            snprintf(out->count, sizeof out->count, "%ld/%ld", st->phase_done, st->phase_total);
        }
        out->eta = st->phase_eta;
        return;
    }
    snprintf(out->phase, sizeof out->phase, "%s",
             running ? "train" : runstore_state_name(st->state));
    if (st->max_iter > 0) out->fraction = (double)st->iter / (double)st->max_iter;
    snprintf(out->count, sizeof out->count, "%d/%d", st->iter, st->max_iter);
    if (!running) return;
    if (st->phase[0] && st->phase_eta >= 0)
        out->eta = st->phase_eta;
    else if (st->iter > 0 && st->max_iter >= st->iter)
        out->eta = st->seconds / st->iter * (st->max_iter - st->iter);
}

/* ETAs are capped here (a million hours) before they become a long: status.ini
 * is a text file, and a phase_eta of 1e48 or nan must print, not overflow. */
#define PROGRESS_ETA_MAX 3.6e9

void progress_eta_text(double s, char *buf, size_t cap) {
    if (!(s >= 0)) { /* negative (unknown) or NaN */
        snprintf(buf, cap, "-");
        return;
    }
    long t = (long)(s < PROGRESS_ETA_MAX ? s + 0.5 : PROGRESS_ETA_MAX);
    if (t >= 3600)
        snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, cap, "%lds", t);
}

const char *progress_phase_text(const char *phase) {
    static const struct {
        const char *name, *text;
    } texts[] = {
        {"dataset", "opening and checking the dataset"},
        {"weights", "loading the weights"},
        {"cache", "building the feature cache (the frozen backbone over every image view)"},
        {"train", "training"},
        {"test", "testing (a pass over the test images)"},
        {"snapshot", "writing a snapshot"},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (strcmp(phase, texts[i].name) == 0) return texts[i].text;
    return phase;
}
