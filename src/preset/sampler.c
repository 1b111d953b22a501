/*
 * sampler — seeded draws of a random sweep. See sampler.h.
 *
 * Each (seed, draw, key) gets its own stream, seeded from a splitmix-style
 * mix of the three, so adding a key or a sample leaves the other draws'
 * values unchanged (draw k is the same with samples = 8 or 80).
 */
#include "src/preset/sampler.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/rng.h"

static uint64_t sampler_mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

double sampler_draw(const PresetSweep *sw, int k, int j, int integer_key) {
    Rng r;
    uint64_t seed = sampler_mix((uint64_t)(uint32_t)sw->seed);
    seed = sampler_mix(seed ^ (uint64_t)(uint32_t)k);
    seed = sampler_mix(seed ^ ((uint64_t)(uint32_t)j << 32));
    rng_seed(&r, seed);
    const SweepKey *key = &sw->keys[j];
    if (key->dist == SWEEP_LIST) return rng_below(&r, (uint32_t)key->n_values);
    double u = rng_uniform_double(&r), lo = key->lo, hi = key->hi, v;
    if (key->dist == SWEEP_LOGUNIFORM)
        v = exp(log(lo) + u * (log(hi) - log(lo)));
    else
        v = lo + u * (hi - lo);
    return sampler_round(key, v, integer_key);
}

double sampler_round(const SweepKey *key, double v, int integer_key) {
    if (integer_key) return fmin(fmax(round(v), ceil(key->lo)), floor(key->hi));
    char text[64];
    snprintf(text, sizeof text, "%.4g", v);
    return strtod(text, NULL);
}

int sampler_text(const SweepKey *key, double x, int integer_key, char *buf, size_t cap) {
    int n;
    if (key->dist == SWEEP_LIST) {
        int i = (int)x;
        if (i < 0 || i >= key->n_values) return -1;
        n = snprintf(buf, cap, "%s", key->values[i]);
    } else if (integer_key) {
        n = snprintf(buf, cap, "%.0f", x);
    } else {
        n = snprintf(buf, cap, "%.4g", x);
    }
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

int sampler_value(const PresetSweep *sw, int k, int j, int integer_key, char *buf, size_t cap) {
    return sampler_text(&sw->keys[j], sampler_draw(sw, k, j, integer_key), integer_key, buf, cap);
}

/* The inside of "name(...)" when text is exactly that, else NULL. */
static const char *sampler_call(const char *text, const char *name, size_t *len) {
    size_t n = strlen(name), t = strlen(text);
    if (strncmp(text, name, n) != 0) return NULL;
    const char *c = text + n;
    while (isspace((unsigned char)*c)) c++;
    if (*c != '(' || t < 2 || text[t - 1] != ')') return NULL;
    *len = (size_t)(text + t - 1 - (c + 1));
    return c + 1;
}

const char *sampler_choice(const char *text, size_t *len) {
    return sampler_call(text, "choice", len);
}

int sampler_parse_range(const char *text, int *dist, double *lo, double *hi, const char **why) {
    size_t len;
    const char *in = sampler_call(text, "loguniform", &len);
    *dist = SWEEP_LOGUNIFORM;
    if (!in) {
        in = sampler_call(text, "uniform", &len);
        *dist = SWEEP_UNIFORM;
    }
    if (!in) return 0;
    char args[256];
    if (len >= sizeof args) len = sizeof args - 1;
    memcpy(args, in, len);
    args[len] = '\0';
    char *end, *comma = strchr(args, ',');
    if (!comma) {
        *why = "a range takes two numbers: uniform(lo, hi) or loguniform(lo, hi)";
        return -1;
    }
    *comma = '\0';
    *lo = strtod(args, &end);
    while (isspace((unsigned char)*end)) end++;
    if (end == args || *end) {
        *why = "a range's low end is not a number";
        return -1;
    }
    *hi = strtod(comma + 1, &end);
    while (isspace((unsigned char)*end)) end++;
    if (end == comma + 1 || *end) {
        *why = "a range's high end is not a number (or there are more than two)";
        return -1;
    }
    if (!isfinite(*lo) || !isfinite(*hi) || !(*lo < *hi)) {
        *why = "a range needs low < high";
        return -1;
    }
    if (*dist == SWEEP_LOGUNIFORM && !(*lo > 0)) {
        *why = "loguniform needs a low end above 0";
        return -1;
    }
    return 1;
}
