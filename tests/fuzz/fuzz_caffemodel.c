/*
 * fuzz_caffemodel — the caffemodel reader (engine/io/caffemodel.c, on the
 * protobuf wire-format reader) on any file: NetParameter with layers in the
 * new `layer` encoding, the V1 `layers` one and V0 inside V1, and their
 * BlobProtos in every layout.
 *
 * The input is written to a file in the scratch folder (the reader maps
 * paths). When caffemodel_open accepts it, every layer is found by name and
 * every blob read with its exact count (a wrong count must be ST_ARG, as
 * documented); when the file has a conv1_1, it is converted as `finelab
 * import-caffe` does (caffemodel_write_vgg16), which must succeed or say why.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/io/caffemodel.h"
#include "engine/io/caffemodel_vgg16.h"
#include "tests/fuzz/fuzz.h"

static void check_layer(const Caffemodel *cm, const CaffemodelLayer *l) {
    int found = 0;
    const CaffemodelLayer *first = caffemodel_find(cm, l->name, &found);
    FUZZ_CHECK(first && found >= 1 && strcmp(first->name, l->name) == 0, l->name);
    FUZZ_CHECK(l->n_blobs >= 0 && l->type, l->name);
    for (int b = 0; b < l->n_blobs; b++) {
        const CaffemodelBlob *blob = &l->blobs[b];
        FUZZ_CHECK(blob->ndim >= 0 && blob->ndim <= CAFFEMODEL_MAX_DIMS, l->name);
        size_t n = (size_t)blob->count;
        float *dst = malloc((n ? n : 1) * sizeof *dst);
        FUZZ_CHECK(dst, "out of memory");
        Error e = {0};
        FUZZ_CHECK(caffemodel_read_blob(cm, l, b, dst, n, &e) == ST_OK, e.msg);
        FUZZ_CHECK(caffemodel_read_blob(cm, l, b, dst, n + 1, &e) == ST_ARG, l->name);
        free(dst);
    }
    Error e = {0};
    float one;
    FUZZ_CHECK(caffemodel_read_blob(cm, l, l->n_blobs, &one, 1, &e) == ST_ARG, l->name);
}

FUZZ_TARGET(fuzz_caffemodel) {
    char path[256], out[256];
    fuzz_input_file(path, sizeof path, "fuzz.caffemodel", data, size);
    fuzz_path(out, sizeof out, "fuzz_vgg16.safetensors");
    Caffemodel *cm = NULL;
    Error e = {0};
    if (caffemodel_open(path, &cm, &e) != ST_OK) {
        FUZZ_CHECK(!cm, e.msg);
        fuzz_expect_named(path, e.msg);
        return 0;
    }
    for (size_t i = 0; i < caffemodel_layer_count(cm); i++)
        check_layer(cm, caffemodel_layer(cm, i));
    if (caffemodel_find(cm, "conv1_1", NULL)) {
        CaffemodelVgg16 info;
        if (caffemodel_write_vgg16(cm, out, 0, &info, &e) != ST_OK)
            FUZZ_CHECK(e.msg[0], "the conversion failed without a message");
    }
    caffemodel_close(cm);
    return 0;
}
