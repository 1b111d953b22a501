/*
 * blas_kernel — kernel levels, candidates and the GEMM self-check. See
 * blas_kernel.h. The names are those of OpenBLAS's DYNAMIC_ARCH x86-64
 * build (driver/others/dynamic.c), as openblas_get_corename returns them.
 */
#include "engine/base/blas_kernel.h"

#include <math.h>
#include <stdlib.h>
#include <strings.h>

typedef struct KernelLevel {
    const char *name;
    BlasLevel level;
} KernelLevel;

static const KernelLevel kernels[] = {
    {"Katmai", BLAS_LEVEL_SSE},        {"Coppermine", BLAS_LEVEL_SSE},
    {"Northwood", BLAS_LEVEL_SSE},     {"Prescott", BLAS_LEVEL_SSE},
    {"Banias", BLAS_LEVEL_SSE},        {"Atom", BLAS_LEVEL_SSE},
    {"Core2", BLAS_LEVEL_SSE},         {"Penryn", BLAS_LEVEL_SSE},
    {"Dunnington", BLAS_LEVEL_SSE},    {"Nehalem", BLAS_LEVEL_SSE},
    {"Athlon", BLAS_LEVEL_SSE},        {"Opteron", BLAS_LEVEL_SSE},
    {"Opteron(SSE3)", BLAS_LEVEL_SSE}, {"Barcelona", BLAS_LEVEL_SSE},
    {"Nano", BLAS_LEVEL_SSE},          {"Bobcat", BLAS_LEVEL_SSE},
    {"Sandybridge", BLAS_LEVEL_AVX},   {"Bulldozer", BLAS_LEVEL_AVX},
    {"Piledriver", BLAS_LEVEL_AVX},    {"Steamroller", BLAS_LEVEL_AVX},
    {"Haswell", BLAS_LEVEL_AVX2},      {"Excavator", BLAS_LEVEL_AVX2},
    {"Zen", BLAS_LEVEL_AVX2},          {"SkylakeX", BLAS_LEVEL_AVX512},
    {"Cooperlake", BLAS_LEVEL_AVX512}, {"SapphireRapids", BLAS_LEVEL_AVX512},
};

BlasLevel blas_kernel_level(const char *corename) {
    for (size_t i = 0; corename && i < sizeof kernels / sizeof kernels[0]; i++)
        if (strcasecmp(kernels[i].name, corename) == 0) return kernels[i].level;
    return BLAS_LEVEL_UNKNOWN;
}

BlasLevel blas_kernel_cpu_level(const CpuFeatures *cpu) {
    return cpu->avx512             ? BLAS_LEVEL_AVX512
           : cpu->avx2 && cpu->fma ? BLAS_LEVEL_AVX2
           : cpu->avx              ? BLAS_LEVEL_AVX
                                   : BLAS_LEVEL_SSE;
}

int blas_kernel_candidates(const CpuFeatures *cpu, const char *picked, const char **out, int cap) {
    BlasLevel have = blas_kernel_level(picked), can = blas_kernel_cpu_level(cpu);
    if (have == BLAS_LEVEL_UNKNOWN || have >= can) return 0;
    /* Best first: each level's newest kernel the processor runs, then the
     * level below, down to just above what the library picked. */
    const char *order[BLAS_KERNEL_CANDIDATES_MAX];
    int n = 0;
    if (can >= BLAS_LEVEL_AVX512) {
        if (cpu->amx && cpu->avx512_bf16) order[n++] = "SapphireRapids";
        if (cpu->avx512_bf16) order[n++] = "Cooperlake";
        order[n++] = "SkylakeX";
    }
    if (can >= BLAS_LEVEL_AVX2) order[n++] = "Haswell";
    if (can >= BLAS_LEVEL_AVX) order[n++] = "Sandybridge";
    int m = 0;
    for (int i = 0; i < n && m < cap; i++)
        if (blas_kernel_level(order[i]) > have) out[m++] = order[i];
    return m;
}

/* C = alpha op(A) op(B) + beta C in double, for the self-check. */
static void reference(int ta, int tb, int m, int n, int k, double alpha, const float *a, int lda,
                      const float *b, int ldb, double beta, const float *c0, double *c,
                      double *scale, int ldc) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double sum = 0.0, mag = 0.0;
            for (int p = 0; p < k; p++) {
                double x = ta ? a[p * lda + i] : a[i * lda + p];
                double y = tb ? b[j * ldb + p] : b[p * ldb + j];
                sum += x * y;
                mag += fabs(x * y);
            }
            double old = c0[i * ldc + j];
            c[i * ldc + j] = alpha * sum + beta * old;
            scale[i * ldc + j] = fabs(alpha) * mag + fabs(beta * old) + 1e-30;
        }
}

int blas_kernel_selfcheck(BlasGemmFn gemm, double *max_err) {
    enum { M = 67, N = 53, K = 71, LD = 80 };
    float *a = malloc(sizeof(float) * LD * LD), *b = malloc(sizeof(float) * LD * LD);
    float *c = malloc(sizeof(float) * LD * LD), *c0 = malloc(sizeof(float) * LD * LD);
    double *ref = malloc(sizeof(double) * LD * LD), *scale = malloc(sizeof(double) * LD * LD);
    double worst = INFINITY;
    if (a && b && c && c0 && ref && scale) {
        uint32_t x = 12345;
        for (int i = 0; i < LD * LD; i++) {
            /* xorshift32: values in [-1, 1), a fixed pattern on every run */
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            a[i] = (float)((x >> 8) * (1.0 / 8388608.0) - 1.0);
            b[i] = a[i] * 0.5f - 0.25f;
            c0[i] = a[(i * 7) % (LD * LD)];
        }
        worst = 0.0;
        for (int t = 0; t < 4; t++) {
            int ta = t & 1, tb = t >> 1;
            for (int i = 0; i < LD * LD; i++) c[i] = c0[i];
            gemm(ta, tb, M, N, K, 0.75f, a, LD, b, LD, -0.5f, c, LD);
            reference(ta, tb, M, N, K, 0.75, a, LD, b, LD, -0.5, c0, ref, scale, LD);
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++) {
                    double e = fabs(c[i * LD + j] - ref[i * LD + j]) / scale[i * LD + j];
                    if (isnan(e)) e = INFINITY;
                    if (e > worst) worst = e;
                }
            for (int i = 0; i < LD * LD; i++) /* outside the M x N block: untouched */
                if ((i % LD >= N || i / LD >= M) && c[i] != c0[i]) worst = INFINITY;
        }
    }
    free(a);
    free(b);
    free(c);
    free(c0);
    free(ref);
    free(scale);
    if (max_err) *max_err = worst;
    return worst <= 1e-5 ? 0 : -1;
}
