/* PLACEHOLDER: replaced by the real compact_ts layer. */
#include "layers.h"
static Status compact_ts_setup(Layer *l, const LayerSpec *spec, Error *err) {
    (void)spec;
    return error_set(err, ST_STATE, "layer %s: compact_ts not written yet", l->name);
}
const LayerOps compact_ts_ops = {.kind = "compact_ts", .setup = compact_ts_setup};
