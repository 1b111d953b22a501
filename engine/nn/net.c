/*
 * net — VGG backbone + bilinear head + classifier. See net.h.
 *
 * Layers live in one array; each has an output tensor, except in-place
 * ReLUs, which share their input's (their backward reads only the output,
 * so that is exact); the backbone's ReLUs are fused into its convolutions
 * (LayerSpec.relu), so relu5_3's output is conv5_3's. Forward walks the array; backward walks it
 * down to `lowest`, the lowest layer whose parameters train, asking that
 * layer for no input gradient. A gradient is needed only while the layer
 * below consumes it, so the gradients of the outputs alternate between two
 * buffers the size of the largest one backward reaches (consecutive owners
 * of an output take different buffers; an in-place layer shares its
 * input's), instead of one per layer: at 448 px that halves what the
 * activations' gradients take.
 */
#include "engine/nn/net.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/rng.h"
#include "engine/nn/filler.h"
#include "engine/nn/layer.h"

enum { NET_MAX_LAYERS = 48 };

const char *net_conv_algo_name(NetConvAlgo a) {
    static const char *const names[] = {"auto", "reference", "winograd", "direct"};
    return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "auto";
}

/* torchvision cfgs["D"], 0 = max pooling; truncated before pool5. */
static const int vgg16_cfg[] = {64, 64,  0,   128, 128, 0,   256, 256, 256,
                                0,  512, 512, 512, 0,   512, 512, 512};

struct Net {
    NetConfig cfg;
    Layer layers[NET_MAX_LAYERS];
    int n_layers;
    int in_place[NET_MAX_LAYERS]; /* 1: output is the input's tensor */
    int src[NET_MAX_LAYERS];      /* layer whose output is this layer's input, -1 = x */
    Tensor out[NET_MAX_LAYERS], grad[NET_MAX_LAYERS]; /* grad: views into gbuf */
    float *gbuf[2];
    size_t gbuf_floats; /* each */
    int features_end;   /* first layer after the features (the classifier) */
    int backbone_end;   /* first head layer */
    int lowest;         /* lowest layer backward visits */
    float *ws;
    size_t ws_floats;
    Param *all[2 * NET_MAX_LAYERS], *trainable[2 * NET_MAX_LAYERS];
    int n_all, n_trainable;
    int done_from[NET_MAX_LAYERS]; /* trainable parameters of layers i and above */
    NetBackwardHook hook;
    void *hook_ctx;
};

/* The layer whose tensors hold layer i's output (in-place layers share). */
static int net_owner(const Net *net, int i) {
    while (i >= 0 && net->in_place[i]) i = net->src[i];
    return i;
}

static Tensor *net_out(Net *net, int i) {
    return &net->out[net_owner(net, i)];
}

static Tensor *net_grad(Net *net, int i) {
    return &net->grad[net_owner(net, i)];
}

static Status net_add(Net *net, LayerSpec spec, Error *err) {
    CHECK(net->n_layers < NET_MAX_LAYERS);
    int i = net->n_layers;
    Shape in = i == 0 ? (Shape){net->cfg.batch, 3, net->cfg.resolution, net->cfg.resolution}
                      : net->layers[i - 1].out;
    Status st = layer_init(&net->layers[i], &spec, in, err);
    if (st) return st;
    net->n_layers++;
    net->src[i] = i - 1;
    net->in_place[i] = strcmp(spec.kind, "relu") == 0 && i > 0;
    if (!net->in_place[i] && tensor_init_shape(&net->out[i], net->layers[i].out))
        return error_set(err, ST_NOMEM, "layer %s: cannot allocate %dx%dx%dx%d activations",
                         spec.name, net->layers[i].out.n, net->layers[i].out.c,
                         net->layers[i].out.h, net->layers[i].out.w);
    return ST_OK;
}

/* Names params as torchvision does and sets lr / decay multipliers. */
static void net_name_params(Net *net, Layer *l, const char *prefix, float lr_mult) {
    const NetConfig *c = &net->cfg;
    snprintf(l->params[0].name, sizeof l->params[0].name, "%s.weight", prefix);
    l->params[0].lr_mult = lr_mult;
    l->params[0].decay_mult = c->weight_decay_mult;
    if (l->n_params > 1) {
        snprintf(l->params[1].name, sizeof l->params[1].name, "%s.bias", prefix);
        l->params[1].lr_mult = lr_mult * c->bias_lr_mult;
        l->params[1].decay_mult = c->bias_decay_mult;
    }
}

/* Output channels of the convolution whose VGG-16 width is base. */
static int net_conv_channels(float width, int base) {
    int ch = (int)lroundf(base * width);
    return ch < 1 ? 1 : ch;
}

static Status net_build_backbone(Net *net, Error *err) {
    int block = 1, conv = 1, feature = 0;
    char name[32];
    for (size_t k = 0; k < sizeof vgg16_cfg / sizeof vgg16_cfg[0]; k++) {
        Status st;
        if (vgg16_cfg[k] == 0) {
            snprintf(name, sizeof name, "pool%d", block);
            st = net_add(
                net, (LayerSpec){.kind = "maxpool", .name = name, .kernel = 2, .stride = 2}, err);
            block++;
            conv = 1;
            feature++;
            if (st) return st;
            continue;
        }
        int ch = net_conv_channels(net->cfg.width, vgg16_cfg[k]);
        snprintf(name, sizeof name, "conv%d_%d", block, conv);
        st = net_add(net, layer_spec_conv3x3(name, ch, net_conv_algo_name(net->cfg.conv_algo), 1),
                     err);
        if (st) return st;
        char prefix[32];
        snprintf(prefix, sizeof prefix, "features.%d", feature);
        Layer *l = &net->layers[net->n_layers - 1];
        net_name_params(net, l, prefix, net->cfg.backbone_lr_mult);
        l->frozen = net->cfg.freeze_backbone;
        conv++; /* relu<block>_<conv> is fused into the convolution */
        feature += 2;
    }
    return ST_OK;
}

static Status net_build_head(Net *net, Error *err) {
    static const char *const kinds[] = {"compact_ts", "compact_rm", "bilinear", "avgpool"};
    const NetConfig *c = &net->cfg;
    if ((unsigned)c->pooling > NET_POOL_AVG)
        return error_set(err, ST_ARG, "net: unknown pooling %d", (int)c->pooling);
    net->backbone_end = net->n_layers;
    Status st = net_add(net,
                        (LayerSpec){.kind = kinds[c->pooling],
                                    .name = "pool",
                                    .dim = c->bilinear_dim,
                                    .seed = c->pool_seed},
                        err);
    if (!st && c->signed_sqrt)
        st = net_add(net,
                     (LayerSpec){.kind = "signed_sqrt", .name = "signed_sqrt", .eps = c->sqrt_eps},
                     err);
    if (!st && c->l2_normalize)
        st = net_add(net, (LayerSpec){.kind = "l2norm", .name = "l2norm"}, err);
    if (st) return st;
    net->features_end = net->n_layers;
    st = net_add(net,
                 (LayerSpec){.kind = "fc", .name = "fc", .out_channels = c->num_classes, .bias = 1},
                 err);
    if (st) return st;
    net_name_params(net, &net->layers[net->n_layers - 1], NET_CLASSIFIER, 1.0f);
    return ST_OK;
}

NetConfig net_config_default(void) {
    return (NetConfig){.width = 1,
                       .resolution = 448,
                       .batch = 1,
                       .pooling = NET_POOL_TS,
                       .bilinear_dim = 8192,
                       .signed_sqrt = 1,
                       .l2_normalize = 1,
                       .num_classes = 200,
                       .backbone_lr_mult = 1,
                       .bias_lr_mult = 2,
                       .weight_decay_mult = 1,
                       .bias_decay_mult = 0,
                       .init = NET_INIT_DEFAULT,
                       .init_std = 0.001f};
}

/* One shape: a weight (ndim 4 or 2) or a bias (ndim 1) of out outputs. */
static NetParamShape net_shape(const char *prefix, int bias, int ndim, int out, int in) {
    NetParamShape s = {.ndim = bias ? 1 : ndim, .shape = {out, in, 3, 3}};
    snprintf(s.name, sizeof s.name, "%s.%s", prefix, bias ? "bias" : "weight");
    return s;
}

void net_param_shapes(const NetConfig *cfg, NetParamShape out[NET_PARAMS]) {
    int n = 0, in = 3, feature = 0;
    for (size_t k = 0; k < sizeof vgg16_cfg / sizeof vgg16_cfg[0]; k++, feature++) {
        if (vgg16_cfg[k] == 0) continue;
        int ch = net_conv_channels(cfg->width, vgg16_cfg[k]);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "features.%d", feature);
        out[n++] = net_shape(prefix, 0, 4, ch, in);
        out[n++] = net_shape(prefix, 1, 4, ch, in);
        feature++; /* the fused ReLU keeps its torchvision index */
        in = ch;
    }
    int dim = cfg->pooling == NET_POOL_BILINEAR ? in * in
              : cfg->pooling == NET_POOL_AVG    ? in
                                                : cfg->bilinear_dim;
    out[n++] = net_shape("head.fc", 0, 2, cfg->num_classes, dim);
    out[n++] = net_shape("head.fc", 1, 2, cfg->num_classes, dim);
}

/* The two gradient buffers and each owner's view into one of them, for the
 * outputs from `lowest` up (below it backward computes no gradient). */
static Status net_alloc_grads(Net *net, Error *err) {
    size_t most = 0;
    for (int i = net->lowest; i < net->n_layers; i++)
        if (!net->in_place[i] && tensor_count(&net->out[i]) > most)
            most = tensor_count(&net->out[i]);
    net->gbuf_floats = most;
    for (int b = 0; b < 2; b++)
        if (most && !(net->gbuf[b] = malloc(most * sizeof(float))))
            return error_set(err, ST_NOMEM, "net: cannot allocate 2 x %zu MB of gradients",
                             most * 4 >> 20);
    int k = 0;
    for (int i = net->lowest; i < net->n_layers; i++) {
        if (net->in_place[i]) continue;
        const Tensor *o = &net->out[i];
        tensor_view(&net->grad[i], net->gbuf[k++ % 2], o->n, o->c, o->h, o->w);
    }
    return ST_OK;
}

Net *net_create(const NetConfig *cfg, Error *err) {
    if (cfg->num_classes < 1 || cfg->batch < 1 || cfg->width <= 0.0f || cfg->resolution < 32) {
        error_set(err, ST_ARG,
                  "net: needs num_classes >= 1, batch >= 1, width > 0 and resolution >= 32 "
                  "(got %d, %d, %g, %d)",
                  cfg->num_classes, cfg->batch, (double)cfg->width, cfg->resolution);
        return NULL;
    }
    Net *net = calloc(1, sizeof *net);
    if (!net) {
        error_set(err, ST_NOMEM, "net: out of memory");
        return NULL;
    }
    net->cfg = *cfg;
    if (net_build_backbone(net, err) || net_build_head(net, err)) {
        net_destroy(net);
        return NULL;
    }
    size_t ws = 0;
    for (int i = 0; i < net->n_layers; i++) {
        size_t w = layer_workspace(&net->layers[i]);
        if (w > ws) ws = w;
        for (int p = 0; p < net->layers[i].n_params; p++) {
            Param *pa = &net->layers[i].params[p];
            net->all[net->n_all++] = pa;
            if (!net->layers[i].frozen) net->trainable[net->n_trainable++] = pa;
        }
    }
    for (int i = net->n_layers - 1, done = 0; i >= 0; i--) {
        if (!net->layers[i].frozen) done += net->layers[i].n_params;
        net->done_from[i] = done;
    }
    net->ws_floats = ws;
    if (ws && !(net->ws = malloc(ws * sizeof(float)))) {
        error_set(err, ST_NOMEM, "net: cannot allocate a %zu MB workspace", ws * 4 >> 20);
        net_destroy(net);
        return NULL;
    }
    net->lowest = net->n_layers - 1;
    for (int i = 0; i < net->n_layers; i++)
        if (net->layers[i].n_params && !net->layers[i].frozen) {
            net->lowest = i;
            break;
        }
    if (net_alloc_grads(net, err)) {
        net_destroy(net);
        return NULL;
    }
    return net;
}

void net_destroy(Net *net) {
    if (!net) return;
    for (int i = 0; i < net->n_layers; i++) {
        layer_fini(&net->layers[i]);
        tensor_fini(&net->out[i]);
    }
    free(net->gbuf[0]);
    free(net->gbuf[1]);
    free(net->ws);
    free(net);
}

/* The filler of a weight w (out x in x kh x kw): cfg.init's; for the
 * default, torchvision's Kaiming normal (fan_out = out x kh x kw) on a
 * convolution and the Gaussian on the classifier. */
static Filler net_filler(const NetConfig *c, const Tensor *w, int classifier) {
    float std = c->init_std > 0.0f ? c->init_std : 0.001f;
    switch (c->init) {
    case NET_INIT_MSRA:
        return (Filler){FILLER_MSRA, 0.0f};
    case NET_INIT_XAVIER:
        return (Filler){FILLER_XAVIER, 0.0f};
    case NET_INIT_GAUSSIAN:
        return (Filler){FILLER_GAUSSIAN, std};
    case NET_INIT_DEFAULT:
        break;
    }
    if (classifier) return (Filler){FILLER_GAUSSIAN, std};
    double fan_out = (double)w->n * w->h * w->w;
    return (Filler){FILLER_GAUSSIAN, (float)sqrt(2.0 / fan_out)};
}

/* Fills layer l's weight from its filler and zeroes its bias. */
static void net_fill_layer(const Net *net, Layer *l, int classifier, Rng *r) {
    Tensor *w = &l->params[0].value;
    Filler f = net_filler(&net->cfg, w, classifier);
    filler_fill(&f, w->c * w->h * w->w, w, r);
    if (l->n_params > 1) tensor_zero(&l->params[1].value);
}

void net_init_classifier(Net *net, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed ^ 0xC1A551F1E5ULL);
    net_fill_layer(net, &net->layers[net->features_end], 1, &r);
}

void net_init_weights(Net *net, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed);
    for (int i = 0; i < net->backbone_end; i++)
        if (net->layers[i].n_params) net_fill_layer(net, &net->layers[i], 0, &r);
    net_init_classifier(net, seed);
}

void net_memory(const Net *net, NetMemory *out) {
    const size_t f = sizeof(float);
    *out = (NetMemory){.gradients = 2 * net->gbuf_floats * f, .workspace = net->ws_floats * f};
    for (int i = 0; i < net->n_all; i++) out->params += 3 * tensor_count(&net->all[i]->value) * f;
    for (int i = 0; i < net->n_layers; i++) {
        if (!net->in_place[i]) out->activations += tensor_count(&net->out[i]) * f;
        out->state += layer_state(&net->layers[i]);
    }
}

const NetConfig *net_config(const Net *net) {
    return &net->cfg;
}

int net_feature_dim(const Net *net) {
    return net->layers[net->features_end].in.c;
}

int net_backbone_channels(const Net *net) {
    return net->layers[net->backbone_end].in.c;
}

static const Tensor *net_run(Net *net, const Tensor *x, int from, int to) {
    const Tensor *in = x;
    for (int i = from; i < to; i++) {
        Tensor *y = net_out(net, i);
        layer_forward(&net->layers[i], in, y, net->ws);
        in = y;
    }
    return in;
}

const Tensor *net_forward(Net *net, const Tensor *x) {
    return net_run(net, x, 0, net->n_layers);
}

const Tensor *net_forward_features(Net *net, const Tensor *x) {
    return net_run(net, x, 0, net->features_end);
}

const Tensor *net_forward_backbone(Net *net, const Tensor *x) {
    return net_run(net, x, 0, net->backbone_end);
}

const Tensor *net_forward_head(Net *net, const Tensor *x) {
    Shape in = net->layers[net->backbone_end].in;
    CHECK(x->n <= in.n && x->c == in.c && x->h == in.h && x->w == in.w);
    return net_run(net, x, net->backbone_end, net->features_end);
}

void net_backbone_shape(const Net *net, int *c, int *h, int *w) {
    Shape in = net->layers[net->backbone_end].in;
    *c = in.c, *h = in.h, *w = in.w;
}

const Tensor *net_forward_classifier(Net *net, const Tensor *features) {
    return net_run(net, features, net->features_end, net->n_layers);
}

/* Backward from the top layer down to layer stop, given dL/dlogits; x is
 * the input of layer x_layer (0 for the whole net, features_end for the
 * classifier run on stored features). */
static void net_back(Net *net, const Tensor *x, int x_layer, const Tensor *dlogits, int stop) {
    const Tensor *dy = dlogits;
    for (int i = net->n_layers - 1; i >= stop; i--) {
        const Tensor *in = i == x_layer ? x : net_out(net, net->src[i]);
        Tensor *dx = i > stop ? net_grad(net, net->src[i]) : NULL;
        layer_backward(&net->layers[i], in, net_out(net, i), dy, dx, net->ws);
        if (net->hook) net->hook(net->hook_ctx, net->done_from[i]);
        if (dx) dy = dx;
    }
}

void net_backward(Net *net, const Tensor *x, const Tensor *dlogits) {
    net_back(net, x, 0, dlogits, net->lowest);
}

void net_backward_classifier(Net *net, const Tensor *features, const Tensor *dlogits) {
    net_back(net, features, net->features_end, dlogits, net->features_end);
}

void net_set_backward_hook(Net *net, NetBackwardHook hook, void *ctx) {
    net->hook = hook;
    net->hook_ctx = ctx;
}

Param *const *net_params(const Net *net, int *n) {
    *n = net->n_all;
    return net->all;
}

Param *const *net_trainable_params(const Net *net, int *n) {
    *n = net->n_trainable;
    return net->trainable;
}

Param *net_find_param(const Net *net, const char *name) {
    for (int i = 0; i < net->n_all; i++)
        if (strcmp(net->all[i]->name, name) == 0) return net->all[i];
    return NULL;
}

void net_describe_algos(const Net *net, char *buf, size_t cap) {
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < net->n_layers && n < cap; i++) {
        const Layer *l = &net->layers[i];
        if (!l->ops->variant) continue;
        int w = snprintf(buf + n, cap - n, "%s%s %s", n ? ", " : "", l->name, layer_variant(l));
        if (w < 0) break;
        n += (size_t)w;
    }
}

int net_layer_count(const Net *net) {
    return net->n_layers;
}

const char *net_layer_name(const Net *net, int i) {
    return net->layers[i].name;
}

const Tensor *net_layer_output(const Net *net, const char *name) {
    for (int i = 0; i < net->n_layers; i++)
        if (strcmp(net->layers[i].name, name) == 0) return &net->out[net_owner(net, i)];
    /* "relu5_3": the output of conv5_3, whose ReLU is fused. */
    if (strncmp(name, "relu", 4) == 0) {
        char conv[32];
        snprintf(conv, sizeof conv, "conv%s", name + 4);
        return net_layer_output(net, conv);
    }
    return NULL;
}
