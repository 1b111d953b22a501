/*
 * halving_cost — what the runs of a successive-halving sweep or an asha
 * study spent: how many were pruned, and the iterations they trained
 * against what the full grid (halving), or every trial trained in full
 * (asha), would have (each run to its max_iter), as the Grid and Compare
 * screens state it. A run is an asha study's when its status.ini's
 * halving names a study ("study-..."). Pure; any thread.
 */
#ifndef FINELAB_HALVING_COST_H
#define FINELAB_HALVING_COST_H

#include <stddef.h>

#include "src/run/runstore.h"

typedef struct HalvingCost {
    int halving; /* runs of a halving sweep or an asha study seen */
    int asha;    /* of them, an asha study's */
    int pruned;
    long spent, full; /* iterations trained; each run's max_iter */
} HalvingCost;

/* Counts one run's status in c (start from a zeroed HalvingCost). */
void halving_cost_add(HalvingCost *c, const RunStatus *st);
/* "halving: N of M runs pruned ...; S of the full grid's F iterations
 * (P%)" into buf, or, when every run was an asha study's, "asha: N of M
 * trials pruned ...; S of the F iterations of every trial in full (P%)";
 * 0 (buf "") when no run was of either. */
int halving_cost_text(const HalvingCost *c, char *buf, size_t cap);

#endif
