/*
 * net — the network of docs/DESIGN.md section 4: a VGG backbone (torchvision's
 * config "D" = VGG-16, channels scaled by a width multiplier) truncated
 * after relu5_3, a pooling head (compact bilinear by Tensor Sketch or
 * Random Maclaurin, full bilinear, or global average), optional signed
 * square root and L2 normalisation, and a fully connected classifier.
 *
 * Building (net_create) sizes every activation, gradient and the shared
 * workspace for the largest batch, so forward and backward never allocate.
 * The head before the classifier has no parameters; its output is the
 * "feature" the feature cache stores, and net_forward_classifier /
 * net_backward_classifier train the classifier on stored features alone.
 * Backward runs only down to the lowest trainable layer: a frozen backbone
 * runs no backward at all. Parameter names follow torchvision's VGG
 * (`features.<i>.weight`) for the backbone and `head.fc.*` for the
 * classifier, which is also how they appear in safetensors files.
 * One thread (the engine's) at a time.
 */
#ifndef FINELAB_NET_H
#define FINELAB_NET_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/error.h"
#include "engine/base/param.h"
#include "engine/base/tensor.h"

typedef enum NetPool { NET_POOL_TS, NET_POOL_RM, NET_POOL_BILINEAR, NET_POOL_AVG } NetPool;

/* The convolutions' algorithm: auto's rule (engine/nn/conv.c), the
 * im2col reference everywhere, or Winograd or the direct kernel wherever
 * they fit (the reference elsewhere). */
typedef enum NetConvAlgo {
    NET_CONV_AUTO,
    NET_CONV_REFERENCE,
    NET_CONV_WINOGRAD,
    NET_CONV_DIRECT
} NetConvAlgo;

/* The algorithm's name, as a conv LayerSpec takes it ("auto", "reference",
 * "winograd", "direct"). */
const char *net_conv_algo_name(NetConvAlgo a);

/* How net_init_weights draws the weights (engine/nn/filler.h; biases are
 * always 0). DEFAULT is what finelab always did: each convolution
 * Kaiming-normal with fan_out (torchvision's VGG), the classifier Gaussian
 * with init_std (the reference's 0.001). The others are Caffe's fillers on
 * every layer, with fan_in. */
typedef enum NetInit {
    NET_INIT_DEFAULT,
    NET_INIT_MSRA,
    NET_INIT_XAVIER,
    NET_INIT_GAUSSIAN
} NetInit;

/* The classifier's parameters are NET_CLASSIFIER ".weight" and ".bias", the
 * last of net_params; every other parameter is the backbone's. */
#define NET_CLASSIFIER "head.fc"

typedef struct NetConfig {
    float width;             /* backbone channel multiplier (1 = VGG-16's 64..512) */
    int resolution;          /* input side (square, 3 channels) */
    int batch;               /* largest batch */
    NetPool pooling;         /* head */
    int bilinear_dim;        /* d of the compact poolings */
    uint64_t pool_seed;      /* seed of the compact poolings' hashes / projections */
    int signed_sqrt;         /* 1: signed square root after pooling */
    float sqrt_eps;          /* its backward's eps: 0 = the reference 0.03, < 0 = exact */
    int l2_normalize;        /* 1: L2 normalisation after that */
    int num_classes;         /* classifier outputs */
    int freeze_backbone;     /* 1: backbone parameters get no gradients, no backward */
    float backbone_lr_mult;  /* lr_mult of backbone weights */
    float bias_lr_mult;      /* a bias's lr_mult relative to its weight's */
    float weight_decay_mult; /* decay_mult of every weight */
    float bias_decay_mult;   /* decay_mult of every bias */
    NetConvAlgo conv_algo;   /* the convolutions' algorithm */
    NetInit init;            /* the weights' filler (net_init_weights) */
    float init_std;          /* std of the Gaussian classifier (DEFAULT) or of every layer
                                (GAUSSIAN); <= 0: the reference's 0.001 */
} NetConfig;

typedef struct Net Net;

/* The reference pipeline's network (Gao et al.'s Caffe model): VGG-16 at
 * width 1 on 448 px, Tensor Sketch with d = 8192, signed square root and L2
 * normalisation, 200 classes, batch 1, nothing frozen, and Caffe's
 * multipliers (weights lr 1 and decay 1, biases lr 2 and decay 0), the
 * default init (NET_INIT_DEFAULT, init_std 0.001). A
 * starting point: callers change what differs. */
NetConfig net_config_default(void);

/* A parameter as a weights file holds it: its name and PyTorch's shape. */
typedef struct NetParamShape {
    char name[64];
    int ndim;         /* 1..4 */
    int64_t shape[4]; /* conv [out, in, 3, 3], fully connected [out, in], bias [out] */
} NetParamShape;

/* 13 convolutions and the classifier, weight and bias each. */
enum { NET_PARAMS = 28 };

/* The parameters net_create(cfg) makes, in net_params' order (backbone
 * first), computed without building anything: only width, pooling,
 * bilinear_dim and num_classes matter. Fills out[0..NET_PARAMS). */
void net_param_shapes(const NetConfig *cfg, NetParamShape out[NET_PARAMS]);

/* Builds the network. NULL with err set (naming the layer) on failure. */
Net *net_create(const NetConfig *cfg, Error *err);
void net_destroy(Net *net);

/* Draws every weight from cfg.init's filler (NetInit), zero biases: the
 * convolutions from one stream of seed in order, the classifier from a
 * stream of its own, so the classifier's weights do not depend on the
 * backbone's size. With NET_INIT_DEFAULT and init_std 0.001 these are the
 * weights finelab always made: Kaiming-normal convolutions (fan_out, as
 * torchvision), a Gaussian classifier with std 0.001 (the reference). */
void net_init_weights(Net *net, uint64_t seed);
/* Re-initialises only the classifier, as net_init_weights does. */
void net_init_classifier(Net *net, uint64_t seed);

/* What a built network holds, in bytes (src/run/footprint.h estimates the
 * same from a preset without building it). */
typedef struct NetMemory {
    size_t params;      /* value, gradient and momentum history of every parameter */
    size_t activations; /* every layer's output at the largest batch (not the input) */
    size_t gradients;   /* the two buffers of the outputs' gradients */
    size_t workspace;   /* the scratch all layers share (the largest layer's need) */
    size_t state;       /* the layers' own buffers (LayerOps.state): max pooling's
                           argmax, the gradient copies of convolutions run as groups */
} NetMemory;

/* Fills out. Not counted: the compact poolings' hashes, projections and
 * FFT plans (a few MB; Random Maclaurin's projections are 2 x c x d floats). */
void net_memory(const Net *net, NetMemory *out);

/* The configuration the network was built from (owned by the net). */
const NetConfig *net_config(const Net *net);
/* Length of the feature vector fed to the classifier. */
int net_feature_dim(const Net *net);
/* Channels of conv5_3's output (the pooling's input). */
int net_backbone_channels(const Net *net);

/* x: n x 3 x R x R (n <= batch). Returns the n x classes x 1 x 1 logits
 * (owned by the net, valid until the next forward). */
const Tensor *net_forward(Net *net, const Tensor *x);
/* Forward up to the features: returns n x F x 1 x 1 (owned by the net).
 * The same bits as net_forward_backbone followed by net_forward_head. */
const Tensor *net_forward_features(Net *net, const Tensor *x);
/* The backbone alone: returns conv5_3 after its ReLU, n x C x h x w
 * (net_backbone_shape; owned by the net, valid until the next forward). */
const Tensor *net_forward_backbone(Net *net, const Tensor *x);
/* The parameter-free head alone (pooling, signed square root, L2) on
 * backbone outputs x (n x C x h x w, n <= batch; any storage): returns the
 * n x F x 1 x 1 features (owned by the net). Each sample's features depend
 * on that sample alone. */
const Tensor *net_forward_head(Net *net, const Tensor *x);
/* The shape of one sample's backbone output: *c channels of *h x *w. */
void net_backbone_shape(const Net *net, int *c, int *h, int *w);
/* Classifier alone on features (n x F x 1 x 1); returns the logits. */
const Tensor *net_forward_classifier(Net *net, const Tensor *features);
/* Adds parameter gradients for the last net_forward's input, given
 * dL/dlogits; runs only down to the lowest trainable layer. */
void net_backward(Net *net, const Tensor *x, const Tensor *dlogits);
/* Adds classifier gradients for the last net_forward_classifier. */
void net_backward_classifier(Net *net, const Tensor *features, const Tensor *dlogits);

/* Called by net_backward and net_backward_classifier after each layer's
 * backward, top layer first: the last `done` parameters of
 * net_trainable_params (the top layers') hold this pass's gradient in full
 * (done only grows during a pass, to all of them at the lowest trainable
 * layer). A data-parallel trainer starts summing those over processes
 * while the layers below still run. NULL: none (the default). */
typedef void (*NetBackwardHook)(void *ctx, int done);
void net_set_backward_hook(Net *net, NetBackwardHook hook, void *ctx);

/* "conv1_1 im2col, conv1_2 winograd, ..." for the log: how each layer
 * that has more than one way computes, into buf (cut to cap). */
void net_describe_algos(const Net *net, char *buf, size_t cap);
/* All parameters in order (backbone first); *n set. Owned by the net. */
Param *const *net_params(const Net *net, int *n);
/* The parameters the solver updates (all but a frozen backbone's). */
Param *const *net_trainable_params(const Net *net, int *n);
/* The parameter called name, or NULL. */
Param *net_find_param(const Net *net, const char *name);
/* Number of layers and the name of layer i (for messages and the TUI). */
int net_layer_count(const Net *net);
const char *net_layer_name(const Net *net, int i);
/* The output of the layer called name from the last forward (NULL if the
 * name is unknown), e.g. "conv5_3" (after its fused ReLU; "relu5_3" names
 * the same tensor), "pool" (the head's features). */
const Tensor *net_layer_output(const Net *net, const char *name);

#endif
