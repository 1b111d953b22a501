/*
 * testweights — zero-filled weights files of a network's shapes. See
 * testweights.h.
 */
#include "tests/lib/testweights.h"

#include <stdlib.h>
#include <string.h>

#include "engine/io/safetensors.h"
#include "tests/lib/testutil.h"

void testweights_write(const char *path, const NetConfig *cfg, int backbone_only) {
    NetParamShape shapes[NET_PARAMS];
    net_param_shapes(cfg, shapes);
    SafeTensorsWriter *w = safetensors_writer_create();
    assert_non_null(w);
    float *data[NET_PARAMS] = {0};
    for (int i = 0; i < NET_PARAMS; i++) {
        if (backbone_only && strncmp(shapes[i].name, "features.", 9) != 0) continue;
        size_t count = 1;
        for (int d = 0; d < shapes[i].ndim; d++) count *= (size_t)shapes[i].shape[d];
        data[i] = calloc(count, sizeof(float));
        assert_int_equal(
            safetensors_writer_add(w, shapes[i].name, shapes[i].shape, shapes[i].ndim, data[i]),
            ST_OK);
    }
    assert_int_equal(safetensors_writer_write(w, path, NULL), ST_OK);
    safetensors_writer_destroy(w);
    for (int i = 0; i < NET_PARAMS; i++) free(data[i]);
}
