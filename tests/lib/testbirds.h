/*
 * testbirds — what the engine tests that read images share: a fresh
 * temporary directory with a generated bird dataset opened on its official
 * split (for a test file's cmocka group setup and teardown), and the tiny
 * frozen network, loader settings and training part the feature-cache
 * tests run (width 1/16 at 32 px, so a cache builds in a fraction of a
 * second). A test changes the fields it varies after taking these.
 */
#ifndef FINELAB_TESTBIRDS_H
#define FINELAB_TESTBIRDS_H

#include <stdint.h>

#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "engine/nn/net.h"
#include "engine/train/featkey.h"

typedef struct TestBirds {
    char dir[64];   /* /tmp/finelab_test_<name>_XXXXXX */
    char data[128]; /* dir/birds: the generated dataset */
    Dataset ds;     /* it, opened on the official split */
} TestBirds;

/* Makes the directory for test name, generates classes x per_class
 * images of 64 px with seed and opens them. 0, or -1 when a step fails. */
int testbirds_init(TestBirds *b, const char *name, int classes, int per_class, uint64_t seed);
/* Closes the dataset and removes the directory. 0, or -1 on failure. */
int testbirds_fini(TestBirds *b);

/* The feature-cache tests' network: VGG width 1/16 at 32 px, frozen,
 * compact Tensor Sketch of dim, 3 classes, pool seed 9, batch. */
NetConfig testbirds_net(int batch, int dim);
/* testbirds_net built and initialised (seed 1); fails the test otherwise. */
Net *testbirds_net_create(const NetConfig *c);
/* Their loader: resize 36, crop 32, mirroring, area filter, torchvision's
 * normalisation, one thread, two batches ahead. */
LoaderConfig testbirds_loader(int batch);
/* The feature-cache tests' part: b's training split through base, three
 * views per image with seed 3. Points into b, which must outlive it. */
FeatPart testbirds_train_part(const TestBirds *b, LoaderConfig base);

#endif
