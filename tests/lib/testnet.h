/*
 * testnet — the small networks and training runs the tests build, so that
 * a test states only what it varies: testnet_tiny is the network of the
 * network and memory tests (test_net, test_footprint), testnet_train the
 * run of the trainer tests (test_trainer, test_trainer_dist, test_snapshot)
 * on a dataset of generated birds. Values are returned by copy; a test
 * changes the fields it varies after taking one.
 */
#ifndef FINELAB_TESTNET_H
#define FINELAB_TESTNET_H

#include <stdint.h>

#include "engine/base/rng.h"
#include "engine/data/dataset.h"
#include "engine/nn/net.h"
#include "engine/train/trainer.h"

/* net_config_default at width 1/16 (channels 4, 8, 16, 32, 32) on 32 px,
 * batch 2, Tensor Sketch d = 64, 5 classes. */
NetConfig testnet_tiny(void);

/* net_create(c) with net_init_weights(seed); fails the test when it
 * cannot build. The caller destroys the network. */
Net *testnet_create(const NetConfig *c, uint64_t seed);
/* Tensors for a batch through a network of c: x of c->batch x 3 x
 * resolution x resolution, uniform in [0, 1) from r, and probs and dlogits
 * of c->batch x num_classes for the softmax loss. The caller finis them. */
void testnet_batch(const NetConfig *c, Rng *r, Tensor *x, Tensor *probs, Tensor *dlogits);

/* trainer_config_default on ds with VGG-16 at width and Tensor Sketch of
 * dim, on 32 px crops of images resized to 36, two batches prefetched. The
 * test split's loader stays trainer_config_default's until
 * testnet_test_like_train. */
TrainConfig testnet_train(const Dataset *ds, float width, int dim);
/* Makes c's test split load as its training split does, without the
 * random crop and the mirror (after the test's changes to train_data). */
void testnet_test_like_train(TrainConfig *c);

#endif
