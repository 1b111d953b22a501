/*
 * caffewrite — the tests' Caffe writer. See caffewrite.h.
 */
#include "tests/lib/caffewrite.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/lib/testutil.h"

void caffewrite_blob(PbBuf *out, uint32_t field, const CaffewriteBlob *s, const float *v,
                     size_t n) {
    PbBuf b = {0};
    if (s->unknowns) pbuf_unknowns(&b);
    if (s->legacy) {
        int64_t d4[4] = {1, 1, 1, 1};
        for (int i = 0; i < s->ndim; i++) d4[4 - s->ndim + i] = s->shape[i];
        for (int i = 0; i < 4; i++) pbuf_uint(&b, (uint32_t)(i + 1), (uint64_t)d4[i]);
    } else {
        PbBuf shape = {0};
        if (s->unknowns) pbuf_unknowns(&shape);
        if (s->data == CAFFEWRITE_PACKED) { /* packed dims with packed data, unpacked otherwise */
            PbBuf dims = {0};
            for (int i = 0; i < s->ndim; i++) pbuf_varint(&dims, (uint64_t)s->shape[i]);
            pbuf_msg(&shape, 1, &dims);
        } else {
            for (int i = 0; i < s->ndim; i++) pbuf_uint(&shape, 1, (uint64_t)s->shape[i]);
        }
        pbuf_msg(&b, 7, &shape);
    }
    PbBuf packed = {0};
    switch (s->data) {
    case CAFFEWRITE_PACKED:
        for (size_t i = 0; i < n; i++) pbuf_le(&packed, pbuf_f32_bits(v[i]), 4);
        pbuf_msg(&b, 5, &packed);
        break;
    case CAFFEWRITE_UNPACKED:
        for (size_t i = 0; i < n; i++) {
            pbuf_tag(&b, 5, PBUF_FIXED32);
            pbuf_le(&b, pbuf_f32_bits(v[i]), 4);
        }
        break;
    case CAFFEWRITE_SPLIT: /* packed run, one unpacked value, an unknown field, packed run */
        for (size_t i = 0; i < n / 2; i++) pbuf_le(&packed, pbuf_f32_bits(v[i]), 4);
        pbuf_msg(&b, 5, &packed);
        if (n / 2 < n) {
            pbuf_tag(&b, 5, PBUF_FIXED32);
            pbuf_le(&b, pbuf_f32_bits(v[n / 2]), 4);
        }
        pbuf_uint(&b, 950, 1);
        for (size_t i = n / 2 + 1; i < n; i++) pbuf_le(&packed, pbuf_f32_bits(v[i]), 4);
        pbuf_msg(&b, 5, &packed);
        break;
    case CAFFEWRITE_DOUBLE_PACKED:
        for (size_t i = 0; i < n; i++) pbuf_le(&packed, pbuf_f64_bits((double)v[i]), 8);
        pbuf_msg(&b, 8, &packed);
        break;
    case CAFFEWRITE_DOUBLE_UNPACKED:
        for (size_t i = 0; i < n; i++) {
            pbuf_tag(&b, 8, PBUF_FIXED64);
            pbuf_le(&b, pbuf_f64_bits((double)v[i]), 8);
        }
        break;
    }
    if (s->unknowns) {
        float diff[2] = {1, 2};
        pbuf_bytes(&b, 6, diff, sizeof diff); /* diff: skipped */
        pbuf_unknowns(&b);
    }
    pbuf_msg(out, field, &b);
}

void caffewrite_layer(PbBuf *net, int enc, const char *name, const char *type, int v1_type,
                      const CaffewriteBlob *blobs, const float *const *values, const size_t *counts,
                      int n_blobs) {
    PbBuf l = {0};
    if (enc == CAFFEWRITE_NEW) {
        pbuf_unknowns(&l);
        for (int i = 0; i < n_blobs; i++) caffewrite_blob(&l, 7, &blobs[i], values[i], counts[i]);
        pbuf_str(&l, 1, name); /* after the blobs: field order is free */
        pbuf_str(&l, 2, type);
        pbuf_str(&l, 3, "bottom"); /* LayerParameter.bottom: skipped */
        pbuf_msg(net, 100, &l);
    } else if (enc == CAFFEWRITE_V1) {
        pbuf_str(&l, 2, "bottom"); /* V1's bottom = 2: skipped */
        pbuf_str(&l, 4, name);
        pbuf_uint(&l, 5, (uint64_t)v1_type);
        pbuf_unknowns(&l);
        for (int i = 0; i < n_blobs; i++) caffewrite_blob(&l, 6, &blobs[i], values[i], counts[i]);
        pbuf_msg(net, 2, &l);
    } else {
        PbBuf v0 = {0};
        pbuf_str(&v0, 1, name);
        pbuf_str(&v0, 2, type);
        pbuf_uint(&v0, 3, 64); /* num_output: skipped */
        for (int i = 0; i < n_blobs; i++) caffewrite_blob(&v0, 50, &blobs[i], values[i], counts[i]);
        pbuf_msg(&l, 1, &v0);
        pbuf_msg(net, 2, &l);
    }
}

static const char *const caffewrite_vgg_names[13] = {
    "conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3",
    "conv4_1", "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3"};
const int caffewrite_vgg_channels[13] = {64,  64,  128, 128, 256, 256, 256,
                                         512, 512, 512, 512, 512, 512};
const int caffewrite_vgg_features[13] = {0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28};

float caffewrite_vgg_value(int layer, int blob, size_t i) {
    return (float)((long)((i * 7 + (size_t)layer * 131 + (size_t)blob * 17) % 1999) - 999) / 256.0f;
}

const CaffewriteFaults caffewrite_no_faults = {-1, -1, -1, -1, -1, -1, -1};

void caffewrite_vgg(const char *path, float width, int enc, const CaffewriteFaults *fl) {
    PbBuf net = {0};
    pbuf_str(&net, 1, "VGG_ILSVRC_16_layers");
    pbuf_str(&net, 3, "data"); /* NetParameter.input: skipped */
    pbuf_unknowns(&net);
    int cin = 3;
    for (int i = 0; i < 13; i++) {
        int cout = (int)lroundf((float)caffewrite_vgg_channels[i] * width);
        if (cout < 1) cout = 1;
        int kw = i == fl->bad_kernel ? 5 : 3, wc = i == fl->bad_cin ? cin + 1 : cin;
        int bc = i == fl->bad_bias ? cout + 1 : cout;
        size_t nw = (size_t)cout * (size_t)wc * 3 * (size_t)kw, nb = (size_t)bc;
        float *w = malloc(nw * sizeof *w), *b = malloc(nb * sizeof *b);
        assert_non_null(w);
        assert_non_null(b);
        for (size_t k = 0; k < nw; k++) w[k] = caffewrite_vgg_value(i, 0, k);
        for (size_t k = 0; k < nb; k++) b[k] = caffewrite_vgg_value(i, 1, k);
        /* Vary the layout across layers: every data mode, legacy and BlobShape. */
        int mode = i % 5, legacy = enc != CAFFEWRITE_NEW ? (i % 2 == 0) : (i % 3 == 1);
        CaffewriteBlob specs[3] = {
            {4, {cout, wc, 3, kw}, legacy, mode, i == 4},
            {1, {bc}, legacy || enc == CAFFEWRITE_V0, (mode + 1) % 5, i == 7},
            {1, {2}, 0, CAFFEWRITE_PACKED, 0},
        };
        const float extra[2] = {1, 2};
        const float *vals[3] = {w, b, extra};
        size_t counts[3] = {nw, nb, 2};
        int nblobs = i == fl->one_blob ? 1 : i == fl->three_blob ? 3 : 2;
        if (i != fl->omit)
            caffewrite_layer(&net, enc, caffewrite_vgg_names[i], "Convolution", 4, specs, vals,
                             counts, nblobs);
        if (i == fl->dup)
            caffewrite_layer(&net, enc, caffewrite_vgg_names[i], "Convolution", 4, specs, vals,
                             counts, nblobs);
        char relu[16];
        snprintf(relu, sizeof relu, "relu%s", caffewrite_vgg_names[i] + 4);
        caffewrite_layer(&net, enc, relu, "ReLU", 18, NULL, NULL, NULL, 0);
        if (i == 1 || i == 3 || i == 6 || i == 9 || i == 12)
            caffewrite_layer(&net, enc, "pool", "Pooling", 17, NULL, NULL, NULL, 0);
        free(w);
        free(b);
        cin = cout;
    }
    /* fc6 with a (small, wrong-for-VGG) blob: ignored by the converter. */
    const float fc[6] = {1, 2, 3, 4, 5, 6};
    const float *fcv[1] = {fc};
    size_t fcn[1] = {6};
    CaffewriteBlob fcs = {2, {2, 3}, 1, CAFFEWRITE_PACKED, 0};
    caffewrite_layer(&net, enc, "fc6", "InnerProduct", 14, &fcs, fcv, fcn, 1);
    pbuf_save(&net, path);
    free(net.d);
}
