/*
 * halving_cost — what the runs of a successive-halving sweep spent: how
 * many were pruned, and the iterations they trained against what the full
 * grid (every run to its max_iter) would have, as the Grid and Compare
 * screens state it. Pure; any thread.
 */
#ifndef FINELAB_HALVING_COST_H
#define FINELAB_HALVING_COST_H

#include <stddef.h>

#include "src/run/runstore.h"

typedef struct HalvingCost {
    int halving; /* runs of a halving sweep seen */
    int pruned;
    long spent, full; /* iterations trained; each run's max_iter */
} HalvingCost;

/* Counts one run's status in c (start from a zeroed HalvingCost). */
void halving_cost_add(HalvingCost *c, const RunStatus *st);
/* "halving: N of M runs pruned ...; S of the full grid's F iterations
 * (P%)" into buf; 0 (buf "") when no run was of a halving sweep. */
int halving_cost_text(const HalvingCost *c, char *buf, size_t cap);

#endif
