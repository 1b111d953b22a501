/*
 * scr_compare_state — the Compare screen's state: its sort, baseline, selection
 * and what it shows. Only the Compare screen (scr_compare.c) reads and
 * writes it. UI thread only.
 */
#ifndef FINELAB_SCR_COMPARE_STATE_H
#define FINELAB_SCR_COMPARE_STATE_H

typedef struct CompareState {
    int sort_col, sort_desc; /* -1: the store's order */
    int baseline;            /* -1: none */
    int selected, all, loss;
} CompareState;

/* No sort, no baseline. */
static inline void compare_state_init(CompareState *c) {
    *c = (CompareState){.sort_col = -1, .baseline = -1};
}

#endif
