/*
 * layers — the LayerOps table of every layer kind, one per engine file.
 * layer.c registers them; nothing else needs this header except the layer
 * files themselves. See layer.h for the contract each table fulfils.
 */
#ifndef FINELAB_LAYERS_H
#define FINELAB_LAYERS_H

#include "engine/nn/layer.h"

extern const LayerOps conv_ops;        /* conv.c: 2-D convolution, im2col + GEMM */
extern const LayerOps relu_ops;        /* relu.c: max(0, x); y may alias x */
extern const LayerOps maxpool_ops;     /* maxpool.c: Caffe ceil-mode max pooling */
extern const LayerOps avgpool_ops;     /* avgpool.c: global average pooling */
extern const LayerOps compact_ts_ops;  /* compact.c: compact bilinear, Tensor Sketch */
extern const LayerOps compact_rm_ops;  /* compact.c: compact bilinear, Random Maclaurin */
extern const LayerOps bilinear_ops;    /* bilinear.c: full bilinear pooling (c*c) */
extern const LayerOps signed_sqrt_ops; /* signed_sqrt.c: sign(x) sqrt(|x|) */
extern const LayerOps l2norm_ops;      /* l2norm.c: per-sample L2 normalisation */
extern const LayerOps fc_ops;          /* fc.c: fully connected */

#endif
