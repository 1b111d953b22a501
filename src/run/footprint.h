/*
 * footprint — what a preset's batch costs: the effective batch (images per
 * update) and an estimate of the training's peak memory, computed on paper
 * from the preset alone, without building anything, so the editor can show
 * it live as batch_size, iter_size, resolution or width change.
 *
 * The estimate counts what finelab allocates for a run (docs/DESIGN.md
 * section 4): parameters with their gradients and the solver's histories, every
 * layer's activations at batch_size, the two buffers of activation
 * gradients backward uses, the convolutions' shared workspace, the batches
 * the loader decodes ahead, and the feature cache in last_layer mode. The
 * network's part is net_memory's count of a built network (footprint_net
 * mirrors how net.c and the convolution algorithms size their buffers, and
 * tests/src/run/test_footprint.c checks the two agree). Not counted: the program,
 * the BLAS library's buffers, the compact poolings' hashes and FFT plans,
 * the dataset's index, the loader threads' decoding buffers: README's
 * measured peak of VGG-16 at 448 px, batch 8 (2988 MiB) is 11 MiB above
 * the network's estimate.
 *
 * Pure functions of their arguments; any thread; nothing fails.
 */
#ifndef FINELAB_FOOTPRINT_H
#define FINELAB_FOOTPRINT_H

#include <stddef.h>

#include "engine/nn/net.h"
#include "src/preset/preset.h"

typedef struct Footprint {
    int effective_batch; /* batch_size x iter_size: images per update, per process */
    /* bytes: */
    size_t params;      /* weights and biases, their gradients and the solver's histories
                           (momentum; AdaDelta and Adam keep a second for what trains) */
    size_t activations; /* every layer's output at batch_size */
    size_t gradients;   /* two buffers of the largest output gradient backward reaches */
    size_t workspace;   /* the convolutions' shared scratch and the layers' own buffers
                           (NetMemory.workspace + state) */
    size_t loader;      /* batches decoded ahead: the training and test rings, or the
                           cache build's one */
    size_t cache;       /* the feature cache: train images x views + validation and test
                           images, and while a part is built, its backbone level when the
                           run store keeps it (at most 1 GiB, cachestore.h) */
    size_t total;       /* the sum: the estimated peak */
} Footprint;

/* NetMemory (bytes) of the network net_create(c) would build, without
 * building it. */
void footprint_net(const NetConfig *c, NetMemory *out);

/* The estimate for the concrete preset p on a dataset of n_train training
 * images and n_test held-out ones (validation and test: one cached view
 * each; 0 when unknown) and classes classes
 * (used when model.num_classes is 0; 0 when unknown: CUB's 200). */
void footprint_estimate(const Preset *p, int n_train, int n_test, int classes, Footprint *out);

/* bytes in three digits, "640 B", "80 KiB", "2.19 MiB", "15.3 MiB", "812 MiB" or
 * "2.92 GiB", into buf (cap bytes). */
void footprint_format(size_t bytes, char *buf, size_t cap);

#endif
