/*
 * footprint — the batch's cost on paper. See footprint.h.
 *
 * footprint_net walks VGG-16 as net.c builds it (13 convolutions with their
 * ReLUs fused, four 2x2 max poolings with Caffe's ceil-mode sizes, the
 * head, the classifier) and sizes each convolution's workspace as
 * engine/nn/conv.c would: the algorithm conv_pick chooses, im2col's
 * columns and staging or Winograd's transformed weights and blocks, and
 * the split of a layer with little work per image into groups of images.
 * The constants below are those files'; a change there shows as a
 * mismatch in tests/src/run/test_footprint.c, which builds the networks and
 * compares with net_memory.
 */
#include "src/run/footprint.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/base/cpu.h"
#include "src/run/cachestore.h"
#include "src/run/runner.h"

/* conv.c, conv_im2col.c, conv_winograd.c, conv_direct.c */
enum { WINO_MIN_CHANNELS = 64, WINO_MIN_TILES = 16, SPLIT_MAX = 4, SPLIT_THIN_K = 32 };
enum { SPLIT_WS_MAX = 16 << 20, MIN_COLUMNS = 1024 };
enum { WINO_POS = 36, WINO_LANES = 16, WINO_BLOCK = 4 << 20, WINO_MIN = 256, WINO_MAX = 4096 };
enum { WINO_OLD_CHANNELS = 16, WINO_OLD_TILES = 4 };
enum { DIRECT_CB = 8, DIRECT_QB = 48, DIRECT_WS_MAX = 8 << 20 };
#define SPLIT_FLOPS 30e6

/* VGG-16's convolutions per block (torchvision's config "D", no pool5). */
static const int blocks[5] = {2, 2, 3, 3, 3};

typedef enum { ALGO_IM2COL, ALGO_WINOGRAD, ALGO_DIRECT } Algo;

/* conv_direct.c runs on AVX2 with FMA or AVX-512; elsewhere the reference. */
static int footprint_has_direct(void) {
    CpuFeatures f = cpu_detect();
    return f.avx512 || (f.avx2 && f.fma);
}

static Algo footprint_algo(NetConvAlgo want, int cin, int side) {
    if (want == NET_CONV_REFERENCE) return ALGO_IM2COL;
    if (want == NET_CONV_WINOGRAD) return ALGO_WINOGRAD;
    if (want == NET_CONV_DIRECT) return footprint_has_direct() ? ALGO_DIRECT : ALGO_IM2COL;
    int tiles = ((side + 3) / 4) * ((side + 3) / 4), direct = footprint_has_direct();
    if (cin >= (direct ? WINO_MIN_CHANNELS : WINO_OLD_CHANNELS) &&
        tiles >= (direct ? WINO_MIN_TILES : WINO_OLD_TILES))
        return ALGO_WINOGRAD;
    return direct ? ALGO_DIRECT : ALGO_IM2COL;
}

/* conv_direct.c's workspace for chunks of g images. */
static size_t footprint_direct_chunk(int cin, int cout, int side, int g) {
    size_t rows = (size_t)g * (side + 1), p0 = (rows - 1) * side;
    size_t P = (p0 + DIRECT_QB - 1) / DIRECT_QB * DIRECT_QB;
    size_t S = (P + 2 * (size_t)side + 2 + 15) / 16 * 16;
    size_t fwd = (size_t)(cout + DIRECT_CB - 1) / DIRECT_CB * DIRECT_CB * cin * 9;
    size_t bwd = (size_t)(cin + DIRECT_CB - 1) / DIRECT_CB * DIRECT_CB * cout * 9;
    return (size_t)(cin + cout) * S + (size_t)(cin > cout ? cin : cout) * P +
           (fwd > bwd ? fwd : bwd);
}

/* One 3x3 convolution's workspace (floats) for n images of side x side. */
static size_t footprint_algo_ws(Algo a, int cin, int cout, int side, int n) {
    size_t hw = (size_t)side * side;
    if (a == ALGO_DIRECT) {
        int g = n;
        while (g > 1 && footprint_direct_chunk(cin, cout, side, g) > DIRECT_WS_MAX) g--;
        return footprint_direct_chunk(cin, cout, side, g);
    }
    if (a == ALGO_IM2COL) {
        size_t group = hw >= MIN_COLUMNS ? 1 : (MIN_COLUMNS + hw - 1) / hw;
        if (group > (size_t)n) group = (size_t)n;
        return ((size_t)cin * 9 + (size_t)cout) * group * hw; /* columns + staging (fused ReLU) */
    }
    long th = (side + 3) / 4, tiles = (long)n * th * th;
    long fit = WINO_BLOCK / (WINO_POS * (long)(cin + cout));
    fit = fit > WINO_MAX ? WINO_MAX : fit < WINO_MIN ? WINO_MIN : fit;
    long nblocks = (tiles + fit - 1) / fit, per = (tiles + nblocks - 1) / nblocks;
    size_t ld = (size_t)((per + WINO_LANES - 1) / WINO_LANES * WINO_LANES);
    return WINO_POS * (2 * (size_t)cout * cin + ((size_t)cin + cout) * ld) + WINO_LANES;
}

/* With the split into groups of images that conv.c makes of small layers:
 * the workspace (floats), and *copies the groups' gradient copies (floats)
 * of a layer with params weights and biases. */
static size_t footprint_conv_ws(const NetConfig *c, int cin, int cout, int side, size_t params,
                                size_t *copies) {
    Algo a = footprint_algo(c->conv_algo, cin, side);
    int n = c->batch, thin = cin * 9 <= SPLIT_THIN_K;
    double flops = 2.0 * cout * cin * 9 * (double)side * side;
    *copies = 0;
    if (a != ALGO_DIRECT && n >= 2 && (flops < SPLIT_FLOPS || thin)) { /* direct: whole batch */
        int split = n < SPLIT_MAX ? n : SPLIT_MAX, per = (n + split - 1) / split;
        split = (n + per - 1) / per;
        size_t ws = (size_t)split * footprint_algo_ws(a, cin, cout, side, per);
        if (!(flops >= SPLIT_FLOPS && ws > SPLIT_WS_MAX)) {
            *copies = (size_t)split * params;
            return ws;
        }
    }
    return footprint_algo_ws(a, cin, cout, side, n);
}

static size_t footprint_count(const NetParamShape *s) {
    size_t count = 1;
    for (int d = 0; d < s->ndim; d++) count *= (size_t)s->shape[d];
    return count;
}

void footprint_net(const NetConfig *c, NetMemory *out) {
    const size_t f = sizeof(float);
    NetParamShape shapes[NET_PARAMS];
    net_param_shapes(c, shapes);
    size_t params = 0, acts = 0, largest = 0, ws = 0, state = 0;
    for (int i = 0; i < NET_PARAMS; i++) params += footprint_count(&shapes[i]);
    size_t n = (size_t)c->batch;
    int side = c->resolution, cin = 3, conv = 0;
    for (int b = 0; b < 5; b++) {
        for (int k = 0; k < blocks[b]; k++, conv++) {
            int cout = (int)shapes[2 * conv].shape[0];
            size_t own =
                footprint_count(&shapes[2 * conv]) + footprint_count(&shapes[2 * conv + 1]);
            size_t act = n * cout * side * side, copies;
            size_t w = footprint_conv_ws(c, cin, cout, side, own, &copies);
            acts += act;
            state += copies * f;
            if (act > largest) largest = act;
            if (w > ws) ws = w;
            cin = cout;
        }
        if (b < 4) { /* 2x2 max pooling, stride 2, ceil mode; a byte of argmax per output */
            side = (side + 1) / 2;
            acts += n * cin * side * side;
            state += n * cin * side * side;
        }
    }
    size_t features = n * (size_t)shapes[NET_PARAMS - 2].shape[1]; /* the classifier's inputs */
    size_t logits = n * (size_t)c->num_classes;
    acts += features * (1 + (c->signed_sqrt != 0) + (c->l2_normalize != 0)) + logits;
    if (c->l2_normalize) state += n * sizeof(double); /* each sample's norm */
    if (features > largest) largest = features;
    if (logits > largest) largest = logits;
    /* backward reaches the backbone unless it is frozen; then only the classifier */
    size_t grads = 2 * (c->freeze_backbone ? logits : largest);
    *out = (NetMemory){.params = 3 * params * f,
                       .activations = acts * f,
                       .gradients = grads * f,
                       .workspace = ws * f,
                       .state = state};
}

/* The second history AdaDelta and Adam keep for each trained parameter
 * (solver_init allocates it): bytes. */
static size_t footprint_history2(const SolverConfig *s, const NetConfig *c) {
    if (solver_histories(s->type) < 2) return 0;
    NetParamShape shapes[NET_PARAMS];
    net_param_shapes(c, shapes);
    size_t trained = 0;
    for (int i = c->freeze_backbone ? NET_PARAMS - 2 : 0; i < NET_PARAMS; i++)
        trained += footprint_count(&shapes[i]);
    return trained * sizeof(float);
}

/* The backbone level a cache build holds besides the features (bytes):
 * the largest part's that the run store keeps (cachestore.h), of train
 * views and held-out images; conv5_3's side after four ceil-mode poolings. */
static size_t footprint_backbone_level(const NetConfig *c, const NetParamShape *shapes,
                                       size_t train, size_t held) {
    int side = c->resolution;
    for (int b = 0; b < 4; b++) side = (side + 1) / 2;
    size_t view = (size_t)shapes[24].shape[0] * side * side * sizeof(float); /* conv5_3 */
    size_t most = 0;
    if (train * view <= CACHESTORE_BACKBONE_MAX) most = train * view;
    if (held * view <= CACHESTORE_BACKBONE_MAX && held * view > most) most = held * view;
    return most;
}

void footprint_estimate(const Preset *p, int n_train, int n_test, int classes, Footprint *out) {
    TrainConfig tc;
    runner_config(p, NULL, &tc);
    NetConfig c = tc.net;
    c.batch = p->solver.batch_size;
    if (c.num_classes < 1) c.num_classes = classes > 0 ? classes : 200;
    NetMemory m;
    footprint_net(&c, &m);
    *out = (Footprint){.effective_batch = p->solver.batch_size * p->solver.iter_size};
    out->params = m.params + footprint_history2(&tc.solver, &c);
    out->activations = m.activations;
    out->gradients = m.gradients;
    out->workspace = m.workspace + m.state;
    size_t ring =
        (size_t)tc.train_data.prefetch * c.batch * 3 * c.resolution * c.resolution * sizeof(float);
    int cached = p->transfer.mode == TRANSFER_LAST_LAYER && p->transfer.feature_cache;
    out->loader = cached ? ring : 2 * ring;
    if (cached) {
        NetParamShape shapes[NET_PARAMS];
        net_param_shapes(&c, shapes);
        size_t features = (size_t)shapes[NET_PARAMS - 2].shape[1];
        size_t samples = (size_t)n_train * p->transfer.cache_views + (size_t)n_test;
        out->cache = samples * (features * sizeof(float) + 2 * sizeof(int));
        out->cache += footprint_backbone_level(&c, shapes, samples - (size_t)n_test, n_test);
    }
    out->total =
        out->params + out->activations + out->gradients + out->workspace + out->loader + out->cache;
}

void footprint_format(size_t bytes, char *buf, size_t cap) {
    double mib = (double)bytes / (1 << 20);
    if (bytes < 1024)
        snprintf(buf, cap, "%zu B", bytes);
    else if (mib < 1)
        snprintf(buf, cap, "%.0f KiB", mib * 1024);
    else if (mib < 1024) /* three digits: a change of the batch shows */
        snprintf(buf, cap, mib < 10 ? "%.2f MiB" : mib < 100 ? "%.1f MiB" : "%.0f MiB", mib);
    else
        snprintf(buf, cap, "%.2f GiB", mib / 1024);
}
