/* PLACEHOLDER: replaced by the real fc layer. */
#include "layers.h"
static Status fc_setup(Layer *l, const LayerSpec *spec, Error *err) {
    (void)spec;
    return error_set(err, ST_STATE, "layer %s: fc not written yet", l->name);
}
const LayerOps fc_ops = {.kind = "fc", .setup = fc_setup};
