/*
 * score — a run's accuracy as people read it. See score.h.
 */
#include "src/report/score.h"

#include <stdio.h>

void score_heldout(const RunStatus *st, double acc, char *buf, size_t cap) {
    if (acc < 0)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%s %.2f%%", runstatus_heldout_name(st), 100 * acc);
}

void score_test(const RunStatus *st, char *buf, size_t cap) {
    double t = runstatus_test_accuracy(st);
    if (t < 0)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%.2f%%", 100 * t);
}

void score_line(const RunStatus *st, char *buf, size_t cap) {
    char held[32], test[32];
    score_heldout(st, st->best_accuracy, held, sizeof held);
    if (!runstatus_has_val(st)) {
        snprintf(buf, cap, "%s", held);
        return;
    }
    score_test(st, test, sizeof test);
    snprintf(buf, cap, "%s  test %s", held, test);
}

/* A fraction in percent in at most 4 cells: "84.2", "100". */
static void score_cells(double f, char *buf, size_t cap) {
    if (100 * f >= 99.95)
        snprintf(buf, cap, "100");
    else
        snprintf(buf, cap, "%.1f", 100 * f);
}

void score_short(const RunStatus *st, char *buf, size_t cap) {
    if (st->best_accuracy < 0) {
        snprintf(buf, cap, "-");
    } else if (!runstatus_has_val(st)) {
        snprintf(buf, cap, "%.2f%%", 100 * st->best_accuracy);
    } else {
        double t = runstatus_test_accuracy(st);
        char v[8], tt[8] = "-";
        score_cells(st->best_accuracy, v, sizeof v);
        if (t >= 0) score_cells(t, tt, sizeof tt);
        snprintf(buf, cap, "v%s t%s", v, tt);
    }
}
