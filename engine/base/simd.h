/*
 * simd — the vector types and the per-CPU compilation the engine's
 * hand-vectorised loops share (Winograd's transforms, max pooling, the
 * convolution's bias and ReLU pass).
 *
 * F16 / I16 are GCC vector extensions of 16 floats / ints (one AVX-512
 * register; two AVX2 or four SSE registers elsewhere), loaded and stored
 * with memcpy so that no alignment is assumed. SIMD_CLONES compiles a
 * function for AVX-512, AVX2 and the baseline, the one for the CPU picked
 * when the program loads (an ifunc); ThreadSanitizer's runtime is not up
 * yet when ifunc resolvers run, so its builds use the baseline only.
 */
#ifndef FINELAB_SIMD_H
#define FINELAB_SIMD_H

typedef float F16 __attribute__((vector_size(64)));
typedef int I16 __attribute__((vector_size(64)));

#if defined(__SANITIZE_THREAD__)
#define SIMD_CLONES
#else
#define SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif

#endif
