/* PLACEHOLDER: replaced by the real maxpool layer. */
#include "layers.h"
static Status maxpool_setup(Layer *l, const LayerSpec *spec, Error *err) {
    (void)spec;
    return error_set(err, ST_STATE, "layer %s: maxpool not written yet", l->name);
}
const LayerOps maxpool_ops = {.kind = "maxpool", .setup = maxpool_setup};
