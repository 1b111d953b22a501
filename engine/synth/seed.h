/*
 * seed — the seed mixing of the generated bird dataset, private to
 * engine/synth/. Every random stream of a dataset (its species, each class's
 * train/test split, each image) is an Rng seeded by hashing the config's
 * seed and source with a domain tag, so the streams never overlap and each
 * can be drawn alone, in any order. Pure functions, any thread.
 */
#ifndef FINELAB_SYNTH_SEED_H
#define FINELAB_SYNTH_SEED_H

#include <stdint.h>

/* Domain tags keep the streams for species, splits and images apart. */
enum { SEED_CLASSES = 0x5c1a55e5, SEED_SPLIT = 0x5b117, SEED_IMAGE = 0x1a6e };

/* The splitmix64 finaliser: a bijection of 64-bit values that mixes every bit. */
uint64_t seed_mix64(uint64_t z);
/* Folds value v into hash h; different orders of values give different hashes. */
uint64_t seed_hash2(uint64_t h, uint64_t v);
/* The root seed of the stream named by tag (SEED_*) for a config's seed and
 * source (any non-zero source counts as 1). */
uint64_t seed_stream(uint64_t seed, int source, uint64_t tag);

#endif
