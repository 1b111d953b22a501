/*
 * rng — the engine's seeded random streams (xoshiro256**, seeded by
 * splitmix64). Every random stream in finelab is its own Rng value, so
 * results never depend on call order across modules or on libc rand().
 * An Rng is caller storage; one thread at a time.
 */
#ifndef FINELAB_RNG_H
#define FINELAB_RNG_H

#include <stdint.h>

typedef struct Rng {
    uint64_t s[4];
} Rng;

/* Seeds the stream; the same seed always gives the same sequence. */
void rng_seed(Rng *r, uint64_t seed);
/* Uniform 64-bit value. */
uint64_t rng_u64(Rng *r);
/* Uniform integer in [0, n); n > 0. Unbiased (rejection sampling). */
uint32_t rng_below(Rng *r, uint32_t n);
/* Uniform float in [0, 1). */
float rng_uniform(Rng *r);
/* Uniform double in [0, 1). */
double rng_uniform_double(Rng *r);
/* Standard normal (Box-Muller; one value per call, two uniforms consumed). */
float rng_normal(Rng *r);
/* +1.0f or -1.0f with equal probability. */
float rng_sign(Rng *r);

#endif
