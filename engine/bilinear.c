/* PLACEHOLDER: replaced by the real bilinear layer. */
#include "layers.h"
static Status bilinear_setup(Layer *l, const LayerSpec *spec, Error *err) {
    (void)spec;
    return error_set(err, ST_STATE, "layer %s: bilinear not written yet", l->name);
}
const LayerOps bilinear_ops = {.kind = "bilinear", .setup = bilinear_setup};
