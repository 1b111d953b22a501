/*
 * testweights — weights files for the tests that check them before a
 * network exists (test_weights, test_preflight): every tensor a network of
 * a NetConfig has, under its name and shape, as F32 zeros.
 */
#ifndef FINELAB_TESTWEIGHTS_H
#define FINELAB_TESTWEIGHTS_H

#include "engine/nn/net.h"

/* Writes the tensors of a network of cfg to path (backbone_only: the
 * features.* tensors alone, without the classifier); fails the test on any
 * error. */
void testweights_write(const char *path, const NetConfig *cfg, int backbone_only);

#endif
