/*
 * family — the order of a preset family's files: the tutorial's path.
 * presets/demo/ and presets/cub/ hold the tutorial's experiments under the
 * same file names, and the tutorial runs them in one order: stage 1
 * (ft_last_layer), stage 2 (ft_all), all layers at once (all_direct), no
 * bilinear, scratch, then the sweeps. The lab lists a family in that order
 * so it opens on stage 1. The order is one table in family.c, keyed by file
 * name; files it does not name sort after, alphabetically.
 *
 * Const data and pure functions: callable from any thread.
 */
#ifndef FINELAB_FAMILY_H
#define FINELAB_FAMILY_H

/* The place (0, 1, ...) of the preset file name (or path: its last
 * component counts) on the tutorial's path, or -1 when it is not on it. */
int family_rank(const char *file);
/* Orders two file names (or paths) as a family is listed: the tutorial's
 * first, in its order, then the rest by strcmp of their last components.
 * Negative, zero or positive, as strcmp. */
int family_compare(const char *a, const char *b);

#endif
