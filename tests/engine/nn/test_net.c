/*
 * test_net — the VGG-16 + bilinear head network: layer and parameter names
 * (torchvision's), shapes for each pooling, frozen backbones, the feature /
 * classifier split, the parameter shapes known without building, and an
 * end-to-end finite-difference check of the loss gradient through every
 * layer kind at once; the backbone then the head on its output give
 * net_forward_features' bits for every head.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/nn/net.h"
#include "engine/nn/softmax_loss.h"
#include "tests/lib/testnet.h"
#include "tests/lib/testutil.h"

static NetConfig tiny(NetPool pool, int freeze) {
    NetConfig c = testnet_tiny();
    c.pooling = pool;
    c.pool_seed = 3;
    c.freeze_backbone = freeze;
    return c;
}

static void test_net_names_and_shapes(void **state) {
    (void)state;
    NetConfig plain = tiny(NET_POOL_TS, 0);
    plain.pool_seed = 0;
    plain.signed_sqrt = 0;
    plain.l2_normalize = 0;
    Net *net = net_create(&plain, NULL);
    assert_non_null(net);
    int n;
    Param *const *p = net_params(net, &n);
    assert_int_equal(n, 28); /* 13 convs + fc, weight and bias each */
    /* torchvision indices of VGG-16's conv layers in `features` */
    const int idx[13] = {0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28};
    for (int i = 0; i < 13; i++) {
        char name[32];
        snprintf(name, sizeof name, "features.%d.weight", idx[i]);
        assert_string_equal(p[2 * i]->name, name);
    }
    assert_string_equal(p[26]->name, "head.fc.weight");
    assert_true(p[27]->lr_mult == 2.0f && p[27]->decay_mult == 0.0f);
    assert_int_equal(p[0]->value.n, 4); /* 64 / 16 */
    assert_int_equal(p[24]->value.n, 32);
    assert_int_equal(net_backbone_channels(net), 32);
    assert_int_equal(net_feature_dim(net), 64);
    /* No pool5: conv5_3 sees 32 / 16 = 2 x 2. */
    Tensor x;
    testutil_tensor(&x, 2, 3, 32, 32);
    net_forward(net, &x);
    const Tensor *c53 = net_layer_output(net, "relu5_3");
    assert_non_null(c53);
    assert_int_equal(c53->h, 2);
    assert_int_equal(c53->c, 32);
    assert_null(net_layer_output(net, "pool5"));
    tensor_fini(&x);
    net_destroy(net);
    /* Feature length per pooling. */
    const int dims[4] = {64, 64, 32 * 32, 32};
    for (int k = 0; k < 4; k++) {
        NetConfig c = tiny((NetPool)k, 0);
        net = net_create(&c, NULL);
        assert_non_null(net);
        assert_int_equal(net_feature_dim(net), dims[k]);
        net_destroy(net);
    }
}

static double loss_of(Net *net, const Tensor *x, const int *labels, Tensor *probs) {
    const Tensor *logits = net_forward(net, x);
    return softmax_loss_forward(logits, labels, probs);
}

/* End-to-end check of the whole chain. Element-wise central differences
 * are used where the loss is smooth in the weight (the classifier and
 * conv5_3, just below the head); deeper in, one weight moves every later
 * activation across ReLU and max-pool kinks, so each conv layer is checked
 * by the derivative along its gradient direction u = g/|g|, which must
 * equal |g|. A misrouted or missing gradient is off by ~100% in either. */
static void check_net_gradients(NetPool pool) {
    NetConfig c = tiny(pool, 0);
    c.width = 1.0f / 8;
    /* No signed sqrt here: its true slope 0.5/sqrt|x| is unbounded near 0,
     * where sketch outputs often are, so finite differences through it are
     * meaningless; test_signed_sqrt checks that layer on its own. */
    c.signed_sqrt = 0;
    Net *net = testnet_create(&c, 11);
    /* A larger classifier init so the loss responds visibly. */
    Param *fcw = net_find_param(net, "head.fc.weight");
    Rng r;
    rng_seed(&r, 5);
    testutil_fill_normal(&fcw->value, &r, 0.5f);
    Tensor x, probs, dlogits;
    testnet_batch(&c, &r, &x, &probs, &dlogits);
    const int labels[2] = {1, 3};
    int n;
    Param *const *ps = net_params(net, &n);
    for (int i = 0; i < n; i++) param_zero_grad(ps[i]);
    loss_of(net, &x, labels, &probs);
    softmax_loss_backward(&probs, labels, 1.0f, &dlogits);
    net_backward(net, &x, &dlogits);
    double worst_elem = 0, worst_dir = 0;
    const char *smooth[2] = {"features.28.weight", "head.fc.weight"};
    for (int k = 0; k < 2; k++) {
        Param *p = net_find_param(net, smooth[k]);
        for (int t = 0; t < 8; t++) {
            size_t i = rng_below(&r, (uint32_t)tensor_count(&p->value));
            float saved = p->value.data[i];
            const float h = 1e-3f;
            p->value.data[i] = saved + h;
            double lp = loss_of(net, &x, labels, &probs);
            p->value.data[i] = saved - h;
            double lm = loss_of(net, &x, labels, &probs);
            p->value.data[i] = saved;
            double num = (lp - lm) / (2 * h), ana = p->grad.data[i];
            /* floor 1e-2: the loss is a float, so the slope carries ~1e-4 noise */
            double err = fabs(num - ana) / fmax(fmax(fabs(num), fabs(ana)), 1e-2);
            if (err > worst_elem) worst_elem = err;
        }
    }
    for (int k = 0; k < n - 2; k += 2) { /* every conv weight */
        Param *p = ps[k];
        size_t cnt = tensor_count(&p->value);
        double norm = 0;
        for (size_t i = 0; i < cnt; i++) norm += (double)p->grad.data[i] * p->grad.data[i];
        norm = sqrt(norm);
        if (norm < 1e-6) continue;
        float *saved = malloc(cnt * sizeof(float));
        memcpy(saved, p->value.data, cnt * sizeof(float));
        /* Kinks make the error grow with h (measured: 4.6%, 2.3%, 1.3% at
         * 1e-3, 3e-4, 1e-4 for conv1_1), as truncation error does. */
        const double h = 1e-4;
        for (size_t i = 0; i < cnt; i++)
            p->value.data[i] = saved[i] + (float)(h * p->grad.data[i] / norm);
        double lp = loss_of(net, &x, labels, &probs);
        for (size_t i = 0; i < cnt; i++)
            p->value.data[i] = saved[i] - (float)(h * p->grad.data[i] / norm);
        double lm = loss_of(net, &x, labels, &probs);
        memcpy(p->value.data, saved, cnt * sizeof(float));
        free(saved);
        double err = fabs((lp - lm) / (2 * h) - norm) / norm;
        if (err > worst_dir) worst_dir = err;
    }
    printf("net gradcheck pooling %d: element %.2e (bound 3e-2), direction %.2e (bound 3e-2)\n",
           (int)pool, worst_elem, worst_dir);
    assert_true(worst_elem < 3e-2);
    assert_true(worst_dir < 3e-2);
    tensor_fini(&x);
    tensor_fini(&probs);
    tensor_fini(&dlogits);
    net_destroy(net);
}

static void test_net_end_to_end_gradients(void **state) {
    (void)state;
    check_net_gradients(NET_POOL_TS);
    check_net_gradients(NET_POOL_RM);
    check_net_gradients(NET_POOL_BILINEAR);
    check_net_gradients(NET_POOL_AVG);
}

static void test_net_frozen_backbone_and_feature_split(void **state) {
    (void)state;
    NetConfig c = tiny(NET_POOL_TS, 1);
    Net *net = testnet_create(&c, 2);
    int n;
    Param *const *tr = net_trainable_params(net, &n);
    assert_int_equal(n, 2);
    assert_string_equal(tr[0]->name, "head.fc.weight");
    Tensor x, probs, dlogits, feats;
    Rng r;
    rng_seed(&r, 1);
    testnet_batch(&c, &r, &x, &probs, &dlogits);
    const int labels[2] = {0, 4};
    const Tensor *logits = net_forward(net, &x);
    float full[10];
    memcpy(full, logits->data, sizeof full);
    softmax_loss_forward(logits, labels, &probs);
    softmax_loss_backward(&probs, labels, 1.0f, &dlogits);
    net_backward(net, &x, &dlogits);
    Param *const *all = net_params(net, &n);
    for (int i = 0; i < n - 2; i++)
        for (size_t k = 0; k < tensor_count(&all[i]->grad); k++)
            assert_true(all[i]->grad.data[k] == 0.0f);
    float fc_grad[64 * 5];
    memcpy(fc_grad, all[n - 2]->grad.data, sizeof fc_grad);
    /* Features, then the classifier alone on a copy of them, give the same
     * logits and (from zero) the same classifier gradient. */
    const Tensor *f = net_forward_features(net, &x);
    testutil_tensor(&feats, 2, f->c, 1, 1);
    tensor_copy(&feats, f);
    logits = net_forward_classifier(net, &feats);
    testutil_assert_close(logits->data, full, 10, 1e-6, 1e-5);
    param_zero_grad(all[n - 2]);
    param_zero_grad(all[n - 1]);
    net_backward_classifier(net, &feats, &dlogits);
    testutil_assert_close(all[n - 2]->grad.data, fc_grad, 64 * 5, 1e-6, 1e-5);
    tensor_fini(&x);
    tensor_fini(&probs);
    tensor_fini(&dlogits);
    tensor_fini(&feats);
    net_destroy(net);
}

/* The backbone, then the head on a copy of its output (one sample at a
 * time, or the whole batch), give net_forward_features' bits for every
 * head: what the feature cache's backbone level relies on. */
static void check_backbone_then_head(NetPool pool, int sqrt_l2) {
    NetConfig c = tiny(pool, 1);
    c.batch = 3;
    c.signed_sqrt = c.l2_normalize = sqrt_l2;
    Net *net = testnet_create(&c, 4);
    Tensor x, out, head_in;
    testutil_tensor(&x, 3, 3, 32, 32);
    Rng r;
    rng_seed(&r, 6);
    testutil_fill_uniform(&x, &r, -1, 1);
    int ch, h, w, dim = net_feature_dim(net);
    net_backbone_shape(net, &ch, &h, &w);
    assert_int_equal(ch, 32);
    assert_true(h == 2 && w == 2);
    const Tensor *f = net_forward_features(net, &x);
    testutil_tensor(&out, 3, dim, 1, 1);
    tensor_copy(&out, f);
    const Tensor *b = net_forward_backbone(net, &x);
    assert_true(b->n == 3 && b->c == ch && b->h == h && b->w == w);
    testutil_tensor(&head_in, 3, ch, h, w);
    tensor_copy(&head_in, b);
    f = net_forward_head(net, &head_in);
    assert_int_equal(f->n, 3);
    assert_memory_equal(f->data, out.data, sizeof(float) * 3 * (size_t)dim);
    for (int i = 0; i < 3; i++) { /* one sample at a time: the same bits */
        Tensor one;
        tensor_view(&one, tensor_sample(&head_in, i), 1, ch, h, w);
        f = net_forward_head(net, &one);
        assert_int_equal(f->n, 1);
        assert_memory_equal(f->data, out.data + (size_t)i * dim, sizeof(float) * (size_t)dim);
    }
    tensor_fini(&x);
    tensor_fini(&out);
    tensor_fini(&head_in);
    net_destroy(net);
}

static void test_net_backbone_then_head_is_the_features(void **state) {
    (void)state;
    for (int sqrt_l2 = 0; sqrt_l2 < 2; sqrt_l2++) {
        check_backbone_then_head(NET_POOL_TS, sqrt_l2);
        check_backbone_then_head(NET_POOL_RM, sqrt_l2);
        check_backbone_then_head(NET_POOL_BILINEAR, sqrt_l2);
        check_backbone_then_head(NET_POOL_AVG, sqrt_l2);
    }
}

/* net_param_shapes says, without building, what net_create makes. */
static void test_net_param_shapes_match_the_built_net(void **state) {
    (void)state;
    for (int pool = NET_POOL_TS; pool <= NET_POOL_AVG; pool++) {
        NetConfig c = tiny((NetPool)pool, 0);
        c.width = 0.1f; /* channels that round: 6, 13, 26, 51 */
        Net *net = net_create(&c, NULL);
        assert_non_null(net);
        int n;
        Param *const *p = net_params(net, &n);
        NetParamShape want[NET_PARAMS];
        net_param_shapes(&c, want);
        assert_int_equal(n, NET_PARAMS);
        for (int i = 0; i < n; i++) {
            assert_string_equal(want[i].name, p[i]->name);
            size_t count = 1;
            for (int d = 0; d < want[i].ndim; d++) count *= (size_t)want[i].shape[d];
            assert_int_equal(count, tensor_count(&p[i]->value));
            assert_int_equal(want[i].shape[0], p[i]->value.n);
        }
        assert_int_equal(want[26].shape[1], net_feature_dim(net));
        net_destroy(net);
    }
}

static void test_net_rejects_bad_config(void **state) {
    (void)state;
    Error err = {0};
    NetConfig c = tiny(NET_POOL_TS, 0);
    c.num_classes = 0;
    assert_null(net_create(&c, &err));
    assert_int_equal(err.status, ST_ARG);
    c = tiny(NET_POOL_TS, 0);
    c.bilinear_dim = 0;
    assert_null(net_create(&c, &err));
    assert_non_null(strstr(err.msg, "pool"));
}

/* The default is the reference pipeline, and it builds: at full width its
 * conv5_3 has 512 channels and the classifier sees d = 8192 features. */
static void test_net_config_default_is_the_reference(void **state) {
    (void)state;
    NetConfig c = net_config_default();
    assert_true(c.width == 1.0f);
    assert_int_equal(c.resolution, 448);
    assert_int_equal(c.pooling, NET_POOL_TS);
    assert_int_equal(c.bilinear_dim, 8192);
    assert_int_equal(c.signed_sqrt, 1);
    assert_int_equal(c.l2_normalize, 1);
    assert_int_equal(c.num_classes, 200);
    assert_int_equal(c.freeze_backbone, 0);
    assert_true(c.backbone_lr_mult == 1.0f && c.bias_lr_mult == 2.0f);
    assert_true(c.weight_decay_mult == 1.0f && c.bias_decay_mult == 0.0f);
    assert_true(c.init == NET_INIT_DEFAULT && c.init_std == 0.001f);
    c.resolution = 32; /* the same network on a small input, to build it quickly */
    Net *net = net_create(&c, NULL);
    assert_non_null(net);
    assert_int_equal(net_backbone_channels(net), 512);
    assert_int_equal(net_feature_dim(net), 8192);
    net_destroy(net);
}

/* The weights finelab made before [model] init existed, written out as it
 * made them: one stream of seed over the convolutions in order, each
 * Kaiming-normal with fan_out = out x 3 x 3, then the classifier from
 * seed ^ 0xC1A551F1E5 with std 0.001; biases 0. */
static void old_init(Net *net, uint64_t seed, float **want, int *n) {
    Param *const *ps = net_params(net, n);
    Rng r;
    rng_seed(&r, seed);
    for (int i = 0; i < *n; i++) {
        const Tensor *w = &ps[i]->value;
        size_t count = tensor_count(w);
        want[i] = malloc(count * sizeof(float));
        assert_non_null(want[i]);
        int bias = (i % 2) == 1, classifier = i == *n - 2;
        if (classifier) rng_seed(&r, seed ^ 0xC1A551F1E5ULL);
        float std = classifier ? 0.001f : (float)sqrt(2.0 / ((double)w->n * w->h * w->w));
        for (size_t k = 0; k < count; k++) want[i][k] = bias ? 0.0f : std * rng_normal(&r);
    }
}

/* init = default (and init_std 0.001, or unset) gives today's weights bit
 * for bit, so every existing preset and saved run means what it meant. */
static void test_net_default_init_is_the_old_init(void **state) {
    (void)state;
    for (int variant = 0; variant < 2; variant++) {
        NetConfig c = tiny(NET_POOL_TS, 0);
        if (variant) c.init_std = 0; /* a zeroed config: the reference's 0.001 */
        assert_int_equal(c.init, NET_INIT_DEFAULT);
        Net *net = testnet_create(&c, 77);
        int n;
        float *want[NET_PARAMS];
        old_init(net, 77, want, &n);
        Param *const *ps = net_params(net, &n);
        for (int i = 0; i < n; i++) {
            assert_memory_equal(ps[i]->value.data, want[i],
                                tensor_count(&ps[i]->value) * sizeof(float));
            free(want[i]);
        }
        net_destroy(net);
    }
}

/* Sample std of t over its mean-free values. */
static double sample_std(const Tensor *t) {
    size_t n = tensor_count(t);
    double s2 = 0;
    for (size_t i = 0; i < n; i++) s2 += (double)t->data[i] * t->data[i];
    return sqrt(s2 / (double)n);
}

/* Caffe's fillers reach every layer with its own fan_in (in x 3 x 3 for a
 * convolution, the features for the classifier); biases stay 0; the
 * gaussian is init_std everywhere. The layers are small, so 15%. */
static void test_net_init_fillers_use_fan_in(void **state) {
    (void)state;
    const NetInit inits[] = {NET_INIT_MSRA, NET_INIT_XAVIER, NET_INIT_GAUSSIAN};
    for (int k = 0; k < 3; k++) {
        NetConfig c = tiny(NET_POOL_TS, 0);
        c.init = inits[k];
        c.init_std = 0.05f;
        Net *net = testnet_create(&c, 3);
        int n;
        Param *const *ps = net_params(net, &n);
        for (int i = 0; i < n; i += 2) {
            const Tensor *w = &ps[i]->value;
            double fan_in = (double)w->c * w->h * w->w;
            double want = inits[k] == NET_INIT_MSRA     ? sqrt(2.0 / fan_in)
                          : inits[k] == NET_INIT_XAVIER ? sqrt(1.0 / fan_in)
                                                        : 0.05;
            double got = sample_std(w);
            if (fabs(got - want) > 0.15 * want)
                fail_msg("init %d, %s: std %g, expected %g", k, ps[i]->name, got, want);
            if (inits[k] == NET_INIT_XAVIER)
                for (size_t e = 0; e < tensor_count(w); e++)
                    assert_true(fabsf(w->data[e]) <= (float)sqrt(3.0 / fan_in));
            for (size_t e = 0; e < tensor_count(&ps[i + 1]->value); e++)
                assert_true(ps[i + 1]->value.data[e] == 0.0f);
        }
        /* the classifier's stream is its own: re-initialising it alone
         * gives it the same weights */
        Param *fc = net_find_param(net, "head.fc.weight");
        size_t bytes = tensor_count(&fc->value) * sizeof(float);
        float *before = malloc(bytes);
        assert_non_null(before);
        memcpy(before, fc->value.data, bytes);
        net_init_classifier(net, 3);
        assert_memory_equal(before, fc->value.data, bytes);
        free(before);
        net_destroy(net);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_net_config_default_is_the_reference),
        cmocka_unit_test(test_net_names_and_shapes),
        cmocka_unit_test(test_net_end_to_end_gradients),
        cmocka_unit_test(test_net_frozen_backbone_and_feature_split),
        cmocka_unit_test(test_net_backbone_then_head_is_the_features),
        cmocka_unit_test(test_net_param_shapes_match_the_built_net),
        cmocka_unit_test(test_net_rejects_bad_config),
        cmocka_unit_test(test_net_default_init_is_the_old_init),
        cmocka_unit_test(test_net_init_fillers_use_fan_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
