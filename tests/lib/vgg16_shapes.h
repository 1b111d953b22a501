/*
 * vgg16_shapes — the 13 conv layers of VGG-16 at 224 px input (name,
 * input and output channels, output side), the table the fast
 * convolutions' tests (convcheck.c), bench_layers and bench_dnnl go
 * through (a width and resolution scale it), and the layer spec of one.
 * Header-only: bench_dnnl links none of the helpers' objects.
 */
#ifndef FINELAB_TESTS_VGG16_SHAPES_H
#define FINELAB_TESTS_VGG16_SHAPES_H

#include "engine/nn/layer.h"

typedef struct ConvShape {
    const char *name;
    int cin, cout, size;
} ConvShape;

static const ConvShape vgg16_224[] = {
    {"conv1_1", 3, 64, 224},    {"conv1_2", 64, 64, 224},  {"conv2_1", 64, 128, 112},
    {"conv2_2", 128, 128, 112}, {"conv3_1", 128, 256, 56}, {"conv3_2", 256, 256, 56},
    {"conv3_3", 256, 256, 56},  {"conv4_1", 256, 512, 28}, {"conv4_2", 512, 512, 28},
    {"conv4_3", 512, 512, 28},  {"conv5_1", 512, 512, 14}, {"conv5_2", 512, 512, 14},
    {"conv5_3", 512, 512, 14},
};
enum { VGG16_CONVS = sizeof vgg16_224 / sizeof vgg16_224[0] };

/* The conv layer of cs (layer_spec_conv3x3). */
static inline LayerSpec vgg16_conv_spec(const ConvShape *cs, const char *algo, int relu) {
    return layer_spec_conv3x3(cs->name, cs->cout, algo, relu);
}

#endif
