/*
 * test_footprint — the memory estimate: a hand count of every buffer on a
 * tiny network, the paper count equal to what built networks hold
 * (net_memory) across algorithms, heads, batches and modes, the resident
 * memory a network really takes after a training step, the README's
 * measured peak of VGG-16 at 448 px, and how the preset's keys move the
 * estimate (batch, iter_size, the feature cache).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/nn/softmax_loss.h"
#include "src/run/footprint.h"
#include "tests/lib/testnet.h"
#include "tests/lib/testpreset.h"
#include "tests/lib/testutil.h"

static NetConfig tiny(void) {
    NetConfig c = testnet_tiny();
    c.conv_algo = NET_CONV_REFERENCE;
    return c;
}

/* Counted by hand for width 1/16, 32 px, batch 2, Tensor Sketch d = 64
 * with signed sqrt and L2, 5 classes, every layer training, im2col. */
static void test_footprint_hand_count(void **state) {
    (void)state;
    NetConfig c = tiny();
    NetMemory m;
    footprint_net(&c, &m);
    /* weights + biases: conv1 112 + 148, conv2 296 + 584, conv3 1168 + 2 x 2320,
     * conv4 4640 + 2 x 9248, conv5 3 x 9248; fc 5 x 64 + 5: 58153, three times */
    assert_int_equal(m.params, 4 * 3 * 58153);
    /* per image: conv1 2 x 4 x 32^2, pool1 4 x 16^2, conv2 2 x 8 x 16^2, pool2 8 x 8^2,
     * conv3 3 x 16 x 8^2, pool3 16 x 4^2, conv4 3 x 32 x 4^2, pool4 32 x 2^2,
     * conv5 3 x 32 x 2^2 = 19200; the sketch, its square root, its normalisation
     * 3 x 64 and 5 logits; two images */
    assert_int_equal(m.activations, 4 * 2 * (19200 + 3 * 64 + 5));
    /* two buffers of the largest output, conv1's 2 x 4 x 32^2 */
    assert_int_equal(m.gradients, 4 * 2 * 8192);
    /* every layer is small, so it runs as 2 groups of one image; the largest
     * is conv1_2's columns (4 x 9) x 32^2 plus its staged output 4 x 32^2 */
    assert_int_equal(m.workspace, 4 * 2 * (36 + 4) * 1024);
    /* the groups' gradient copies of the 57828 conv weights and biases, a
     * byte of argmax per pooled output (1920 per image), two doubles of L2
     * norms */
    assert_int_equal(m.state, 4 * 2 * 57828 + 2 * 1920 + 2 * 8);
    /* frozen: backward stops at the classifier, 2 x 5 logits */
    c.freeze_backbone = 1;
    footprint_net(&c, &m);
    assert_int_equal(m.gradients, 4 * 2 * 2 * 5);
}

/* The paper count is what the engine allocates. */
static void test_footprint_matches_built_networks(void **state) {
    (void)state;
    const NetConvAlgo algos[] = {NET_CONV_REFERENCE, NET_CONV_AUTO, NET_CONV_WINOGRAD,
                                 NET_CONV_DIRECT};
    const NetPool pools[] = {NET_POOL_TS, NET_POOL_BILINEAR, NET_POOL_AVG};
    const int batches[] = {1, 2, 5}, sides[] = {32, 40, 64};
    const float widths[] = {1.0f / 16, 0.125f};
    int checked = 0;
    for (int a = 0; a < 4; a++)
        for (int p = 0; p < 3; p++)
            for (int b = 0; b < 3; b++)
                for (int s = 0; s < 3; s++)
                    for (int w = 0; w < 2; w++) {
                        NetConfig c = tiny();
                        c.conv_algo = algos[a];
                        c.pooling = pools[p];
                        c.batch = batches[b];
                        c.resolution = sides[s];
                        c.width = widths[w];
                        c.freeze_backbone = (a + b + s) % 2;
                        c.signed_sqrt = c.l2_normalize = p != 2;
                        Net *net = net_create(&c, NULL);
                        assert_non_null(net);
                        NetMemory built, paper;
                        net_memory(net, &built);
                        footprint_net(&c, &paper);
                        if (memcmp(&built, &paper, sizeof built) != 0)
                            fail_msg("%s, pool %d, batch %d, %d px, width %g: built %zu %zu %zu "
                                     "%zu %zu, paper %zu %zu %zu %zu %zu",
                                     net_conv_algo_name(algos[a]), p, c.batch, c.resolution,
                                     (double)c.width, built.params, built.activations,
                                     built.gradients, built.workspace, built.state, paper.params,
                                     paper.activations, paper.gradients, paper.workspace,
                                     paper.state);
                        net_destroy(net);
                        checked++;
                    }
    assert_int_equal(checked, 216);
}

/* Under a sanitizer every allocation carries shadow memory and red zones. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
enum { SANITIZED = 1 };
#else
enum { SANITIZED = 0 };
#endif

static size_t rss_bytes(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* After a forward and backward every buffer is touched: the process grows
 * by what net_memory says (within 10%: the Tensor Sketch's FFT plans,
 * pages of the workspace a layer never reaches, the allocator). Width 0.25 at 112 px, batch 4: some
 * 50 MiB, a quarter of a second. */
static void test_footprint_is_resident_memory(void **state) {
    (void)state;
    if (SANITIZED || rss_bytes() == 0) skip();
    NetConfig c = tiny();
    c.width = 0.25f;
    c.resolution = 112;
    c.batch = 4;
    c.bilinear_dim = 1024;
    c.conv_algo = NET_CONV_AUTO;
    Tensor x, probs, dlogits;
    Rng r;
    rng_seed(&r, 1);
    testnet_batch(&c, &r, &x, &probs, &dlogits);
    const int labels[4] = {0, 1, 2, 3};
    /* OpenBLAS's buffers and the engine's threads come with the first
     * GEMM: a small network's step first, so they are not counted */
    NetConfig warm = tiny();
    warm.batch = 4;
    Net *net = net_create(&warm, NULL);
    assert_non_null(net);
    Tensor wx;
    testutil_tensor(&wx, 4, 3, 32, 32);
    testutil_fill_uniform(&wx, &r, 0.0f, 1.0f);
    softmax_loss_forward(net_forward(net, &wx), labels, &probs);
    softmax_loss_backward(&probs, labels, 1.0f, &dlogits);
    net_backward(net, &wx, &dlogits);
    net_destroy(net);
    tensor_fini(&wx);
    /* what earlier tests freed goes back to the system, or the network
     * reuses resident pages and the process grows by less (the 216
     * networks of test_footprint_matches_built_networks left 5 MiB) */
    malloc_trim(0);
    size_t before = rss_bytes();
    net = testnet_create(&c, 1);
    int n;
    Param *const *ps = net_params(net, &n);
    for (int i = 0; i < n; i++) {
        param_zero_grad(ps[i]);
        tensor_zero(&ps[i]->history);
    }
    softmax_loss_forward(net_forward(net, &x), labels, &probs);
    softmax_loss_backward(&probs, labels, 1.0f, &dlogits);
    net_backward(net, &x, &dlogits);
    double grew = (double)(rss_bytes() - before);
    NetMemory m;
    footprint_net(&c, &m);
    double paper = (double)(m.params + m.activations + m.gradients + m.workspace + m.state);
    net_destroy(net);
    if (grew < 0.9 * paper || grew > 1.1 * paper)
        fail_msg("the network took %.1f MiB, the estimate says %.1f MiB", grew / 1048576,
                 paper / 1048576);
    tensor_fini(&x);
    tensor_fini(&probs);
    tensor_fini(&dlogits);
}

/* README's "peak RSS, width 1, 448 px, batch 8, d = 8192" from make bench
 * (bench_step: the network, a batch of input and a step, no loader) was
 * 2988 MiB; the estimate's network part plus that input batch is 2977 MiB:
 * what it leaves out (the program, the BLAS buffers, FFT plans) is small. */
static void test_footprint_against_the_measured_peak(void **state) {
    (void)state;
    NetConfig c = net_config_default();
    c.batch = 8;
    c.num_classes = 200;
    NetMemory m;
    footprint_net(&c, &m);
    double mib = (double)(m.params + m.activations + m.gradients + m.workspace + m.state +
                          4 * 8 * 3 * 448 * 448) /
                 1048576;
    if (mib > 2988 || mib < 2988 - 60) fail_msg("%.0f MiB against the measured 2988 MiB", mib);
}

/* The preset's keys: the effective batch is batch x iter_size, memory
 * grows with the batch and not with iter_size; last_layer adds the cache
 * (train x views + test features, and the backbone level of a part while it
 * is built when the store keeps it) and drops the training loader; Adam and
 * AdaDelta add a second history. */
static void test_footprint_follows_the_preset(void **state) {
    (void)state;
    Preset *p = malloc(sizeof *p);
    assert_non_null(p);
    preset_defaults(p);
    testpreset_set(p, "transfer.mode=all");
    testpreset_set(p, "solver.batch_size=8");
    testpreset_set(p, "solver.iter_size=4");
    Footprint a, b, c;
    footprint_estimate(p, 100, 10, 200, &a);
    assert_int_equal(a.effective_batch, 32);
    assert_int_equal(a.cache, 0);
    /* 5 batches ahead (2 x 2 loader threads + 1) in each of two rings */
    assert_int_equal(a.loader, 2 * 5 * 8 * 3 * 448 * 448 * 4);
    assert_int_equal(a.total, a.params + a.activations + a.gradients + a.workspace + a.loader);
    NetConfig vgg = net_config_default();
    vgg.batch = 8;
    NetMemory m;
    footprint_net(&vgg, &m);
    assert_int_equal(a.params, m.params);
    assert_int_equal(a.activations, m.activations);
    assert_int_equal(a.workspace, m.workspace + m.state);
    testpreset_set(p, "solver.iter_size=1");
    footprint_estimate(p, 100, 10, 200, &b);
    assert_int_equal(b.effective_batch, 8);
    assert_int_equal(b.total, a.total);
    testpreset_set(p, "solver.batch_size=16");
    footprint_estimate(p, 100, 10, 200, &b);
    assert_int_equal(b.activations, 2 * a.activations);
    assert_int_equal(b.params, a.params);
    assert_true(b.total > a.total);
    /* a quarter of the pixels, about a quarter of the activations */
    testpreset_set(p, "data.resolution=224");
    footprint_estimate(p, 100, 10, 200, &c);
    assert_true(c.activations * 4 < b.activations + b.activations / 50 &&
                c.activations * 4 > b.activations - b.activations / 50);
    testpreset_set(p, "transfer.mode=last_layer");
    testpreset_set(p, "transfer.cache_views=2");
    footprint_estimate(p, 100, 10, 200, &c);
    /* and the train part's backbone level while it is built: 200 views of
     * 512 x 14 x 14 (224 px), under the store's 1 GiB */
    assert_int_equal(c.cache, (100 * 2 + 10) * (8192 * 4 + 8) + 200 * 512 * 14 * 14 * 4);
    Footprint big; /* CUB's 10597 x 2 views at 448 px: 34 GB, not kept; its test part neither */
    testpreset_set(p, "data.resolution=448");
    footprint_estimate(p, 10597, 1192, 200, &big);
    assert_int_equal(big.cache, (10597 * 2 + 1192) * (8192 * 4 + 8));
    testpreset_set(p, "data.resolution=224");
    assert_int_equal(c.loader, 5 * 16 * 3 * 224 * 224 * 4);
    /* Adam keeps a second history of what trains: here the classifier alone */
    Footprint adam;
    testpreset_set(p, "solver.type=Adam");
    footprint_estimate(p, 100, 10, 200, &adam);
    assert_int_equal(adam.params, c.params + (200 * 8192 + 200) * 4);
    testpreset_set(p, "solver.type=SGD");
    testpreset_set(p, "transfer.feature_cache=off");
    footprint_estimate(p, 100, 10, 200, &c);
    assert_int_equal(c.cache, 0);
    free(p);
}

static void test_footprint_format(void **state) {
    (void)state;
    char buf[32];
    footprint_format(640, buf, sizeof buf);
    assert_string_equal(buf, "640 B");
    footprint_format(80u << 10, buf, sizeof buf);
    assert_string_equal(buf, "80 KiB");
    footprint_format((2u << 20) + (200u << 10), buf, sizeof buf);
    assert_string_equal(buf, "2.20 MiB");
    footprint_format((15u << 20) + (300u << 10), buf, sizeof buf);
    assert_string_equal(buf, "15.3 MiB");
    footprint_format(812u << 20, buf, sizeof buf);
    assert_string_equal(buf, "812 MiB");
    footprint_format((size_t)2988 << 20, buf, sizeof buf);
    assert_string_equal(buf, "2.92 GiB");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_footprint_hand_count),
        cmocka_unit_test(test_footprint_matches_built_networks),
        cmocka_unit_test(test_footprint_is_resident_memory),
        cmocka_unit_test(test_footprint_against_the_measured_peak),
        cmocka_unit_test(test_footprint_follows_the_preset),
        cmocka_unit_test(test_footprint_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
