/*
 * family — the tutorial's order of a preset family. See family.h.
 *
 * The table names files, not experiments, so one list serves every family
 * that ships the tutorial's experiments (demo/, cub/); a family without one
 * of them (cub/ has no scratch.ini) simply skips its place.
 */
#include "src/preset/family.h"

#include <string.h>

/* The tutorial's path (DESIGN.md section 1): the two stages, the two other
 * ways to start, the sweeps over the stage-1 setup, then the knobs its last
 * paragraph leaves to the reader (optimisers, augmentation), then searches
 * beyond grids (successive halving). */
static const char *const path[] = {
    "ft_last_layer.ini", "ft_all.ini",        "all_direct.ini",         "no_bilinear.ini",
    "scratch.ini",       "res_dim_sweep.ini", "weight_decay_sweep.ini", "optimizer_sweep.ini",
    "augment_off.ini",   "augment_on.ini",    "lr_wd_halving.ini",
};

static const char *base_name(const char *file) {
    const char *slash = strrchr(file, '/');
    return slash ? slash + 1 : file;
}

int family_rank(const char *file) {
    const char *name = base_name(file);
    for (int i = 0; i < (int)(sizeof path / sizeof path[0]); i++)
        if (strcmp(name, path[i]) == 0) return i;
    return -1;
}

int family_compare(const char *a, const char *b) {
    int ra = family_rank(a), rb = family_rank(b);
    if (ra != rb) return ra < 0 ? 1 : rb < 0 ? -1 : ra - rb;
    return strcmp(base_name(a), base_name(b));
}
