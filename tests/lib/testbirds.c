/*
 * testbirds — a generated dataset and the feature-cache tests' network.
 * See testbirds.h.
 */
#include "tests/lib/testbirds.h"

#include <stdio.h>

#include "engine/synth/synth.h"
#include "tests/lib/testutil.h"

int testbirds_init(TestBirds *b, const char *name, int classes, int per_class, uint64_t seed) {
    if (testutil_tmpdir(b->dir, sizeof b->dir, name)) return -1;
    snprintf(b->data, sizeof b->data, "%s/birds", b->dir);
    SynthConfig sc = {.classes = classes, .per_class = per_class, .size = 64, .seed = seed};
    if (synth_generate(&sc, b->data, NULL, NULL)) return -1;
    DatasetOptions opt = {.format = DATASET_CUB, .train_fraction = -1};
    return dataset_open(&b->ds, b->data, &opt, NULL) == ST_OK ? 0 : -1;
}

int testbirds_fini(TestBirds *b) {
    dataset_fini(&b->ds);
    return testutil_rmtree(b->dir);
}

NetConfig testbirds_net(int batch, int dim) {
    NetConfig c = net_config_default();
    c.width = 1.0f / 16;
    c.resolution = 32;
    c.batch = batch;
    c.bilinear_dim = dim;
    c.pool_seed = 9;
    c.num_classes = 3;
    c.freeze_backbone = 1;
    return c;
}

Net *testbirds_net_create(const NetConfig *c) {
    Net *net = net_create(c, NULL);
    assert_non_null(net);
    net_init_weights(net, 1);
    return net;
}

FeatPart testbirds_train_part(const TestBirds *b, LoaderConfig base) {
    return (FeatPart){.name = "train",
                      .ds = &b->ds,
                      .items = b->ds.train,
                      .n = b->ds.n_train,
                      .base = base,
                      .views = 3,
                      .seed = 3};
}

LoaderConfig testbirds_loader(int batch) {
    return (LoaderConfig){.batch_size = batch,
                          .resize = 36,
                          .resolution = 32,
                          .mirror = 1,
                          .filter = RESIZE_AREA,
                          .norm = image_normalize_torchvision(),
                          .threads = 1,
                          .prefetch = 2};
}
