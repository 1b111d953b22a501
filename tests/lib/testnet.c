/*
 * testnet — small networks and training runs for the tests. See testnet.h.
 */
#include "tests/lib/testnet.h"

#include "tests/lib/testutil.h"

NetConfig testnet_tiny(void) {
    NetConfig c = net_config_default();
    c.width = 1.0f / 16;
    c.resolution = 32;
    c.batch = 2;
    c.bilinear_dim = 64;
    c.num_classes = 5;
    return c;
}

Net *testnet_create(const NetConfig *c, uint64_t seed) {
    Net *net = net_create(c, NULL);
    assert_non_null(net);
    net_init_weights(net, seed);
    return net;
}

void testnet_batch(const NetConfig *c, Rng *r, Tensor *x, Tensor *probs, Tensor *dlogits) {
    testutil_tensor(x, c->batch, 3, c->resolution, c->resolution);
    testutil_tensor(probs, c->batch, c->num_classes, 1, 1);
    testutil_tensor(dlogits, c->batch, c->num_classes, 1, 1);
    testutil_fill_uniform(x, r, 0.0f, 1.0f);
}

TrainConfig testnet_train(const Dataset *ds, float width, int dim) {
    TrainConfig c = trainer_config_default();
    c.ds = ds;
    c.net.width = width;
    c.net.resolution = 32;
    c.net.bilinear_dim = dim;
    c.train_data.resize = 36;
    c.train_data.resolution = 32;
    c.train_data.prefetch = 2;
    return c;
}

void testnet_test_like_train(TrainConfig *c) {
    c->test_data = c->train_data;
    c->test_data.random_crop = 0;
    c->test_data.mirror = 0;
}
