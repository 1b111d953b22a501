/*
 * bench_peak — the machine's limits, for `make bench` to set each
 * configuration's achieved GFLOP/s against: the measured sgemm rate of the
 * BLAS finelab links (best of a few square products) and the FP32 peak,
 * threads x clock x FP32 FLOPs a core retires per cycle (two FMA pipes of
 * the vector datapath, two FLOPs per lane).
 *
 * The datapath: 512 bits with AVX-512, except on AMD family 0x19 (Zen 4),
 * which runs AVX-512 as two 256-bit halves; 256 with AVX2 and FMA; else
 * 128. The clock: cpufreq's maximum when the kernel exposes it, else
 * /proc/cpuinfo's "cpu MHz" (a VM's nominal clock). Both are stated in the
 * output, so a reader can redo the product.
 *
 * Usage: bench_peak [THREADS [N]]   (default 2 threads, N = 2048)
 * Prints one line: "sgemm_gflops <x> peak_gflops <y> ghz <z> flops_per_cycle
 * <f> datapath <bits>".
 */
#include <cpuid.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/sgemm_rate.h"
#include "engine/base/blas.h"
#include "engine/base/timer.h"

enum { REPS = 5 };

/* The vector datapath in bits, from cpuid. */
static int datapath_bits(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return 128;
    int amd = b == 0x68747541; /* "Auth" of AuthenticAMD */
    unsigned max = a;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 128;
    unsigned family = (a >> 8) & 0xf;
    if (family == 0xf) family += (a >> 20) & 0xff;
    int fma = (c >> 12) & 1;
    int avx2 = 0, avx512 = 0;
    if (max >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        avx2 = (b >> 5) & 1;
        avx512 = (b >> 16) & 1;
    }
    if (avx512) return amd && family == 0x19 ? 256 : 512;
    return avx2 && fma ? 256 : 128;
}

enum { CHAINS = 12, FMA_ITERS = 40000000 };

/* CHAINS independent chains of FMA_ITERS vector FMAs each, written out so
 * that each chain stays in a register; returns a sum so the compiler keeps
 * them. */
#define FMA_LOOP(V, FMADD, ADD, SET1)                                                              \
    V m = SET1(0.999999f), a = SET1(1e-7f);                                                        \
    V c0 = SET1(0), c1 = SET1(1), c2 = SET1(2), c3 = SET1(3), c4 = SET1(4), c5 = SET1(5);          \
    V c6 = SET1(6), c7 = SET1(7), c8 = SET1(8), c9 = SET1(9), c10 = SET1(10), c11 = SET1(11);      \
    for (long i = 0; i < FMA_ITERS; i++) {                                                         \
        c0 = FMADD(c0, m, a), c1 = FMADD(c1, m, a), c2 = FMADD(c2, m, a);                          \
        c3 = FMADD(c3, m, a), c4 = FMADD(c4, m, a), c5 = FMADD(c5, m, a);                          \
        c6 = FMADD(c6, m, a), c7 = FMADD(c7, m, a), c8 = FMADD(c8, m, a);                          \
        c9 = FMADD(c9, m, a), c10 = FMADD(c10, m, a), c11 = FMADD(c11, m, a);                      \
    }                                                                                              \
    V s = ADD(ADD(ADD(c0, c1), ADD(c2, c3)), ADD(ADD(c4, c5), ADD(c6, c7)));                       \
    s = ADD(s, ADD(ADD(c8, c9), ADD(c10, c11)))

__attribute__((target("avx512f"))) static float fma_loop_512(void) {
    FMA_LOOP(__m512, _mm512_fmadd_ps, _mm512_add_ps, _mm512_set1_ps);
    return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) static float fma_loop_256(void) {
    FMA_LOOP(__m256, _mm256_fmadd_ps, _mm256_add_ps, _mm256_set1_ps);
    float out[8], sum = 0;
    _mm256_storeu_ps(out, s);
    for (int k = 0; k < 8; k++) sum += out[k];
    return sum;
}

static int loop_bits; /* 512 or 256: which loop the threads run */
static volatile float sink;

static void *fma_thread(void *arg) {
    (void)arg;
    sink = loop_bits == 512 ? fma_loop_512() : fma_loop_256();
    return NULL;
}

/* The FMA loops' GFLOP/s over `threads` threads; 0 without AVX2 and FMA. */
static double fma_gflops(int threads, int bits) {
    if (bits < 256 || threads > 64) return 0;
    loop_bits = bits >= 512 && __builtin_cpu_supports("avx512f") ? 512 : 256;
    pthread_t t[64];
    double t0 = timer_now();
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, fma_thread, NULL);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    double sec = timer_now() - t0;
    return threads * (double)FMA_ITERS * CHAINS * (loop_bits / 32) * 2 / sec * 1e-9;
}

/* The nominal clock in GHz: cpufreq's maximum, else /proc/cpuinfo's first "cpu MHz". */
static double clock_ghz(void) {
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "r");
    double v = 0;
    if (f) {
        double khz;
        if (fscanf(f, "%lf", &khz) == 1) v = khz * 1e-6;
        fclose(f);
        if (v > 0) return v;
    }
    f = fopen("/proc/cpuinfo", "r");
    if (!f) return 0;
    char line[256];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "cpu MHz", 7) == 0) {
            const char *colon = strchr(line, ':');
            if (colon) v = atof(colon + 1) * 1e-3;
            break;
        }
    fclose(f);
    return v;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2, n = argc > 2 ? atoi(argv[2]) : 2048;
    if (threads < 1 || n < 64) {
        fprintf(stderr, "usage: bench_peak [THREADS [N]]\n");
        return 2;
    }
    blas_set_threads(threads);
    int bits = datapath_bits();
    int per_cycle = 2 /* pipes */ * (bits / 32) /* lanes */ * 2 /* FMA */;
    double nominal = clock_ghz(), sgemm = sgemm_rate(n, REPS);
    /* The loops retire per_cycle FLOPs a cycle on a core; two pipes are
     * assumed, so a part with one would read here at half its clock. */
    double fma = fma_gflops(threads, bits);
    double ghz = fma > 0 ? fma / threads / per_cycle : nominal;
    printf("sgemm_gflops %.1f peak_gflops %.1f ghz %.2f nominal_ghz %.2f flops_per_cycle %d "
           "datapath %d\n",
           sgemm, threads * ghz * per_cycle, ghz, nominal, per_cycle, bits);
    return 0;
}
