/*
 * kernelcheck — the kernel property of compact bilinear pooling. See kernelcheck.h.
 */
#include "tests/kernelcheck.h"

#include "engine/nn/layer.h"
#include "tests/testutil.h"

double kernelcheck_mean_ratio(const char *kind, int c, int d, int draws, uint64_t seed0,
                              uint64_t input_seed0) {
    Tensor x, z, px, pz;
    testutil_tensor(&x, 1, c, 1, 1);
    testutil_tensor(&z, 1, c, 1, 1);
    testutil_tensor(&px, 1, d, 1, 1);
    testutil_tensor(&pz, 1, d, 1, 1);
    double mean = 0.0;
    for (int t = 0; t < draws; t++) {
        LayerSpec spec = {.kind = kind, .name = "k", .dim = d, .seed = seed0 + (uint64_t)t};
        Layer l;
        Error err = {0};
        if (layer_init(&l, &spec, (Shape){1, c, 1, 1}, &err)) fail_msg("%s", err.msg);
        Rng r;
        rng_seed(&r, input_seed0 + (uint64_t)t);
        testutil_fill_uniform(&x, &r, 0.0f, 1.0f);
        testutil_fill_uniform(&z, &r, 0.0f, 1.0f);
        layer_forward(&l, &x, &px, NULL);
        layer_forward(&l, &z, &pz, NULL);
        double dot = 0.0, xz = 0.0;
        for (int k = 0; k < d; k++) dot += (double)px.data[k] * pz.data[k];
        for (int i = 0; i < c; i++) xz += (double)x.data[i] * z.data[i];
        mean += dot / (xz * xz) / draws;
        layer_fini(&l);
    }
    tensor_fini(&x);
    tensor_fini(&z);
    tensor_fini(&px);
    tensor_fini(&pz);
    return mean;
}
