/*
 * halving_cost — a halving sweep's iterations. See halving_cost.h.
 */
#include "src/report/halving_cost.h"

#include <stdio.h>
#include <string.h>

void halving_cost_add(HalvingCost *c, const RunStatus *st) {
    if (!st->halving[0]) return;
    c->halving++;
    c->asha += strncmp(st->halving, "study-", 6) == 0;
    c->pruned += st->state == RUN_PRUNED;
    c->spent += st->iter;
    c->full += st->max_iter;
}

int halving_cost_text(const HalvingCost *c, char *buf, size_t cap) {
    if (cap) buf[0] = '\0';
    if (!c->halving) return 0;
    double share = c->full ? 100.0 * c->spent / c->full : 0;
    if (c->asha == c->halving)
        snprintf(buf, cap,
                 "asha: %d of %d trials pruned (dim, @ iteration); %ld of the %ld iterations of "
                 "every trial in full (%.0f%%)",
                 c->pruned, c->halving, c->spent, c->full, share);
    else
        snprintf(buf, cap,
                 "halving: %d of %d runs pruned (dim, @ iteration); %ld of the full grid's %ld "
                 "iterations (%.0f%%)",
                 c->pruned, c->halving, c->spent, c->full, share);
    return 1;
}
