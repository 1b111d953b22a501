/*
 * seed — the seed mixing of the generated bird dataset. See seed.h.
 *
 * A boost-style hash combine over the splitmix64 finaliser. The constants
 * are part of the dataset's definition: changing any of them changes every
 * generated image.
 */
#include "engine/synth/seed.h"

uint64_t seed_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t seed_hash2(uint64_t h, uint64_t v) {
    return seed_mix64(h ^ seed_mix64(v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
}

uint64_t seed_stream(uint64_t seed, int source, uint64_t tag) {
    return seed_hash2(seed_hash2(seed_hash2(0xf1e1ab, seed), (uint64_t)(source != 0)), tag);
}
