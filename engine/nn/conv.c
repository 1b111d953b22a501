/*
 * conv — the "conv" layer kind: 2-D convolution (cross-correlation, as
 * Caffe and PyTorch) with square kernels, stride, zero padding and an
 * optional bias, optionally followed by a fused ReLU (spec->relu: the
 * output is max(0, .), written by the algorithm as it stores the result,
 * and backward counts dy only where that output is positive; the network
 * fuses every ReLU that follows a convolution, saving the separate passes
 * over the activations); weights cout x cin x k x k as PyTorch's.
 *
 * This file checks the spec, makes the parameters and picks the algorithm
 * (conv_algo.h): spec->algo names one ("im2col", the reference,
 * "winograd" or "direct"), or is "auto"/NULL for the rule below; a named
 * algorithm that
 * cannot compute the layer's shape falls back to the reference, and
 * layer_variant tells which one runs (the trainer logs it per layer).
 *
 * The auto rule comes from measured cost: bench_layers times every
 * algorithm on every VGG-16 shape (widths 0.125, 0.25 and 1; 32 and 224
 * px) and prints the fastest beside auto's choice. On 3x3 stride-1 pad-1
 * layers, Winograd F(4x4, 3x3) wins with at least CONV_WINO_MIN_CHANNELS
 * input channels on an output of at least CONV_WINO_MIN_TILES 4x4 tiles
 * (64 channels at 14x14 and up); below that (fewer channels, where its
 * transforms cost as much as its products, or smaller planes, where the
 * weight transform does) the direct convolution wins, conv1_1's three
 * channels included (2026-12-07, Intel AVX-512: 1.3-2x faster than the
 * next best on each such layer). On a CPU without AVX2 and FMA, where
 * the direct kernels do not run, the rule is the one measured before
 * them: Winograd from CONV_WINO_OLD_CHANNELS channels and
 * CONV_WINO_OLD_TILES tiles, else im2col. Any other kernel, stride or
 * padding runs on im2col. The choice is a rule, not a timing taken when
 * the network is built: timings move from run to run, and the algorithm
 * decides the last bits of every result, so a timed choice would make two
 * runs of one preset differ (cuDNN's benchmark mode has that cost).
 *
 * A layer whose work per image is below CONV_SPLIT_FLOPS (narrow layers on
 * small images: the Fashion-MNIST-sized recipe) is run as up to
 * CONV_SPLIT_MAX groups of images side by side on the engine's threads,
 * each through the same algorithm single-threaded: handing every small
 * GEMM and transform to two threads costs more than it saves. The groups
 * are fixed by the batch, not by the thread count, so the results are the
 * same with any number of threads. A layer with at most CONV_SPLIT_THIN_K
 * inputs per output (conv1_1: 3 x 3 x 3 = 27) is split too whatever its
 * size, as long as the groups' workspace stays within CONV_SPLIT_WS_MAX
 * floats: a GEMM that thin is mostly the unrolling and the bias/ReLU
 * pass, which OpenBLAS's threads do not share (conv1_1 at width 0.25,
 * 224 px: 10% of a forward on one thread while the other waited).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/parallel.h"
#include "engine/nn/conv_algo.h"
#include "engine/nn/layers.h"

enum { CONV_WINO_MIN_CHANNELS = 64, CONV_WINO_MIN_TILES = 16, CONV_SPLIT_MAX = 4 };
enum { CONV_WINO_OLD_CHANNELS = 16, CONV_WINO_OLD_TILES = 4 };
enum { CONV_SPLIT_THIN_K = 32, CONV_SPLIT_WS_MAX = 16 << 20 };
#define CONV_SPLIT_FLOPS 30e6

static const ConvAlgo *const algos[] = {&conv_im2col_algo, &conv_winograd_algo, &conv_direct_algo};

static const ConvAlgo *conv_pick(const Layer *l, const char *want) {
    if (want && strcmp(want, "auto") != 0) {
        for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++)
            if (strcmp(algos[i]->name, want) == 0 && algos[i]->fits(l)) return algos[i];
        return &conv_im2col_algo;
    }
    int tiles = ((l->out.h + 3) / 4) * ((l->out.w + 3) / 4), direct = conv_direct_algo.fits(l);
    int min_c = direct ? CONV_WINO_MIN_CHANNELS : CONV_WINO_OLD_CHANNELS,
        min_tiles = direct ? CONV_WINO_MIN_TILES : CONV_WINO_OLD_TILES;
    if (conv_winograd_algo.fits(l) && l->in.c >= min_c && tiles >= min_tiles)
        return &conv_winograd_algo;
    return direct ? &conv_direct_algo : &conv_im2col_algo;
}

static int conv_algo_known(const char *name) {
    if (!name || strcmp(name, "auto") == 0 || strcmp(name, "reference") == 0) return 1;
    for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++)
        if (strcmp(algos[i]->name, name) == 0) return 1;
    return 0;
}

/* --- the image split ---------------------------------------------------------- */

/* Direct-convolution multiply-adds of one image, times 2. */
static double conv_flops_per_image(const Layer *l) {
    const Conv *cv = l->priv;
    return 2.0 * l->out.c * l->in.c * cv->k * cv->k * (double)l->out.h * l->out.w;
}

/* Group g's copy of l for cv->per images: its own Conv and algorithm state,
 * weights shared, gradients in its slice of cv->grads. */
static Status conv_shadow_init(Layer *l, int g, Error *err) {
    Conv *cv = l->priv;
    Layer *s = &cv->shadow[g];
    *s = *l;
    s->in.n = s->out.n = cv->per;
    Conv *sc = calloc(1, sizeof *sc);
    s->params = calloc((size_t)l->n_params, sizeof *s->params);
    if (!sc || !s->params) {
        free(sc);
        free(s->params);
        s->params = NULL;
        return error_set(err, ST_NOMEM, "conv %s: out of memory", l->name);
    }
    *sc = (Conv){
        .k = cv->k, .stride = cv->stride, .pad = cv->pad, .relu = cv->relu, .algo = cv->algo};
    s->priv = sc;
    size_t off = 0, per_group = 0;
    for (int i = 0; i < l->n_params; i++) per_group += tensor_count(&l->params[i].value);
    for (int i = 0; i < l->n_params; i++) {
        const Tensor *v = &l->params[i].value;
        s->params[i] = l->params[i];
        tensor_view(&s->params[i].value, v->data, v->n, v->c, v->h, v->w);
        tensor_view(&s->params[i].grad, cv->grads + (size_t)g * per_group + off, v->n, v->c, v->h,
                    v->w);
        tensor_view(&s->params[i].history, NULL, 0, 0, 0, 0);
        off += tensor_count(v);
    }
    return cv->algo->setup ? cv->algo->setup(s, err) : ST_OK;
}

static void conv_split_fini(Conv *cv);

static Status conv_split_setup(Layer *l, const LayerSpec *spec, Error *err) {
    (void)spec;
    Conv *cv = l->priv;
    int thin = l->in.c * cv->k * cv->k <= CONV_SPLIT_THIN_K;
    if (cv->algo->whole_batch || l->in.n < 2 ||
        (conv_flops_per_image(l) >= CONV_SPLIT_FLOPS && !thin))
        return ST_OK;
    int split = l->in.n < CONV_SPLIT_MAX ? l->in.n : CONV_SPLIT_MAX;
    cv->per = (l->in.n + split - 1) / split;
    cv->split = (l->in.n + cv->per - 1) / cv->per;
    size_t per_group = 0;
    for (int i = 0; i < l->n_params; i++) per_group += tensor_count(&l->params[i].value);
    cv->shadow = calloc((size_t)cv->split, sizeof *cv->shadow);
    cv->grads = calloc((size_t)cv->split * per_group, sizeof(float));
    if (!cv->shadow || !cv->grads)
        return error_set(err, ST_NOMEM, "conv %s: out of memory", l->name);
    for (int g = 0; g < cv->split; g++) {
        Status st = conv_shadow_init(l, g, err);
        if (st) return st;
    }
    cv->shadow_ws = cv->algo->workspace(&cv->shadow[0]);
    if (conv_flops_per_image(l) >= CONV_SPLIT_FLOPS &&
        (size_t)cv->split * cv->shadow_ws > CONV_SPLIT_WS_MAX) { /* thin, but too big to copy */
        conv_split_fini(cv);
        cv->split = cv->per = 0;
        cv->shadow = NULL;
        cv->grads = NULL;
        cv->shadow_ws = 0;
    }
    return ST_OK;
}

static void conv_split_fini(Conv *cv) {
    for (int g = 0; cv->shadow && g < cv->split; g++) {
        Layer *s = &cv->shadow[g];
        if (s->priv && cv->algo->teardown) cv->algo->teardown(s);
        free(s->priv);
        free(s->params);
    }
    free(cv->shadow);
    free(cv->grads);
}

/* Images [g * per, ...) of t as a tensor of their own. */
static Tensor conv_slice(const Tensor *t, int g, int per) {
    Tensor v;
    int i0 = g * per, n = t->n - i0 < per ? t->n - i0 : per;
    tensor_view(&v, t->data + (size_t)i0 * tensor_sample_size(t), n, t->c, t->h, t->w);
    return v;
}

typedef struct SplitRun {
    Layer *l;
    const Tensor *x, *y_in, *dy;
    Tensor *y, *dx;
    float *ws;
} SplitRun;

static void conv_split_forward_task(void *ctx, int g, int worker) {
    (void)worker;
    SplitRun *r = ctx;
    Conv *cv = r->l->priv;
    if (g * cv->per >= r->x->n) return;
    Tensor x = conv_slice(r->x, g, cv->per), y = conv_slice(r->y, g, cv->per);
    cv->algo->forward(&cv->shadow[g], &x, &y, r->ws + (size_t)g * cv->shadow_ws);
}

static void conv_split_backward_task(void *ctx, int g, int worker) {
    (void)worker;
    SplitRun *r = ctx;
    Conv *cv = r->l->priv;
    Layer *s = &cv->shadow[g];
    for (int i = 0; i < s->n_params; i++) tensor_fill(&s->params[i].grad, 0.0f);
    if (g * cv->per >= r->x->n) return;
    s->frozen = r->l->frozen;
    Tensor x = conv_slice(r->x, g, cv->per), dy = conv_slice(r->dy, g, cv->per), dx;
    Tensor y = conv_slice(r->y_in, g, cv->per);
    if (r->dx) dx = conv_slice(r->dx, g, cv->per);
    cv->algo->backward(s, &x, &y, &dy, r->dx ? &dx : NULL, r->ws + (size_t)g * cv->shadow_ws);
}

static Status conv_setup(Layer *l, const LayerSpec *spec, Error *err) {
    int k = spec->kernel, s = spec->stride ? spec->stride : 1, p = spec->pad;
    if (spec->out_channels < 1 || k < 1 || s < 1 || p < 0 || p >= k)
        return error_set(err, ST_ARG,
                         "conv %s: needs out_channels >= 1, kernel >= 1, stride >= 1 and "
                         "0 <= pad < kernel (got %d, %d, %d, %d)",
                         l->name, spec->out_channels, k, s, p);
    if (!conv_algo_known(spec->algo))
        return error_set(
            err, ST_ARG,
            "conv %s: unknown algorithm '%s' (auto, reference, im2col, winograd or direct)",
            l->name, spec->algo);
    int ho = (l->in.h + 2 * p - k) / s + 1, wo = (l->in.w + 2 * p - k) / s + 1;
    if (l->in.h + 2 * p < k || l->in.w + 2 * p < k)
        return error_set(err, ST_SHAPE, "conv %s: %dx%d input is smaller than the %dx%d kernel",
                         l->name, l->in.h, l->in.w, k, k);
    Conv *cv = calloc(1, sizeof *cv);
    if (!cv) return error_set(err, ST_NOMEM, "conv %s: out of memory", l->name);
    *cv = (Conv){.k = k, .stride = s, .pad = p, .relu = spec->relu != 0};
    l->priv = cv;
    l->out = (Shape){l->in.n, spec->out_channels, ho, wo};
    const char *want = spec->algo && strcmp(spec->algo, "reference") == 0 ? "im2col" : spec->algo;
    cv->algo = conv_pick(l, want);
    Status st = cv->algo->setup ? cv->algo->setup(l, err) : ST_OK;
    if (!st) st = layer_alloc_params(l, spec->bias ? 2 : 1, err);
    if (st) return st;
    char name[64];
    snprintf(name, sizeof name, "%s.weight", l->name);
    st = param_init(&l->params[0], name, spec->out_channels, l->in.c, k, k, err);
    if (!st && spec->bias) {
        snprintf(name, sizeof name, "%s.bias", l->name);
        st = param_init(&l->params[1], name, spec->out_channels, 1, 1, 1, err);
    }
    if (!st) st = conv_split_setup(l, spec, err);
    return st;
}

/* --- the layer ------------------------------------------------------------------ */

static size_t conv_workspace(const Layer *l) {
    const Conv *cv = l->priv;
    return cv->split ? (size_t)cv->split * cv->shadow_ws : cv->algo->workspace(l);
}

/* The groups' gradient copies of a layer run as groups of images. */
static size_t conv_state(const Layer *l) {
    const Conv *cv = l->priv;
    size_t per_group = 0;
    for (int i = 0; cv->split && i < l->n_params; i++)
        per_group += tensor_count(&l->params[i].value);
    return (size_t)cv->split * per_group * sizeof(float);
}

static void conv_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    const Conv *cv = l->priv;
    if (!cv->split) {
        cv->algo->forward(l, x, y, ws);
        return;
    }
    SplitRun r = {.l = l, .x = x, .y = y, .ws = ws};
    parallel_run(cv->split, conv_split_forward_task, &r);
}

static void conv_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy, Tensor *dx,
                          float *ws) {
    const Conv *cv = l->priv;
    if (!cv->split) {
        cv->algo->backward(l, x, y, dy, dx, ws);
        return;
    }
    if (l->frozen && !dx) return;
    SplitRun r = {.l = l, .x = x, .y_in = y, .dy = dy, .dx = dx, .ws = ws};
    parallel_run(cv->split, conv_split_backward_task, &r);
    if (l->frozen) return;
    for (int i = 0; i < l->n_params; i++) /* the groups' gradients, in group order */
        for (int g = 0; g < cv->split; g++) {
            const Tensor *part = &cv->shadow[g].params[i].grad;
            float *dst = l->params[i].grad.data;
            for (size_t j = 0; j < tensor_count(part); j++) dst[j] += part->data[j];
        }
}

static void conv_teardown(Layer *l) {
    Conv *cv = l->priv;
    if (!cv) return;
    if (cv->algo && cv->algo->teardown) cv->algo->teardown(l);
    conv_split_fini(cv);
    free(cv);
}

static const char *conv_variant(const Layer *l) {
    const Conv *cv = l->priv;
    return cv->algo->name;
}

const LayerOps conv_ops = {
    .kind = "conv",
    .setup = conv_setup,
    .workspace = conv_workspace,
    .forward = conv_forward,
    .backward = conv_backward,
    .teardown = conv_teardown,
    .variant = conv_variant,
    .state = conv_state,
};
