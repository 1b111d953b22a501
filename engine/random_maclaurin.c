/* PLACEHOLDER: replaced by the real compact_rm layer. */
#include "layers.h"
static Status compact_rm_setup(Layer *l, const LayerSpec *spec, Error *err) {
    (void)spec;
    return error_set(err, ST_STATE, "layer %s: compact_rm not written yet", l->name);
}
const LayerOps compact_rm_ops = {.kind = "compact_rm", .setup = compact_rm_setup};
