/* PLACEHOLDER: replaced by the real avgpool layer. */
#include "layers.h"
static Status avgpool_setup(Layer *l, const LayerSpec *spec, Error *err) {
    (void)spec;
    return error_set(err, ST_STATE, "layer %s: avgpool not written yet", l->name);
}
const LayerOps avgpool_ops = {.kind = "avgpool", .setup = avgpool_setup};
