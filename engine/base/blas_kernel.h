/*
 * blas_kernel — which OpenBLAS kernel fits this processor. A DYNAMIC_ARCH
 * OpenBLAS picks its kernel ("core") from cpuid when it loads, and a build
 * older than the processor picks a generic one: Debian 12's 0.3.21 runs
 * "Prescott" (SSE3) on CPUs it does not know, at a sixth of the speed of
 * its AVX-512 kernel. This module ranks the kernels by the instruction set
 * they need, lists the better ones the processor can run, and checks a
 * candidate's GEMM against a reference, so that a kernel that computes
 * wrong results here is never used. Choosing and switching (a kernel is
 * fixed when the library loads, so switching means starting the program
 * again with OPENBLAS_CORETYPE) is src/run/blas_setup.c's. Pure functions,
 * any thread.
 */
#ifndef FINELAB_BLAS_KERNEL_H
#define FINELAB_BLAS_KERNEL_H

#include "engine/base/cpu.h"

/* Instruction-set levels of the kernels, in order. */
typedef enum BlasLevel {
    BLAS_LEVEL_UNKNOWN = -1,
    BLAS_LEVEL_SSE,
    BLAS_LEVEL_AVX,
    BLAS_LEVEL_AVX2,
    BLAS_LEVEL_AVX512,
} BlasLevel;

enum { BLAS_KERNEL_CANDIDATES_MAX = 6 };

/* The level a kernel named corename needs (case ignored), or
 * BLAS_LEVEL_UNKNOWN for a name this table does not know. */
BlasLevel blas_kernel_level(const char *corename);
/* The level cpu can run. */
BlasLevel blas_kernel_cpu_level(const CpuFeatures *cpu);
/* The kernels better than picked that cpu can run, best first, into out
 * (at most cap); returns how many. 0 when picked is already the best level
 * the processor has, or a kernel this table does not know (the library is
 * then trusted). */
int blas_kernel_candidates(const CpuFeatures *cpu, const char *picked, const char **out, int cap);

/* A row-major single-precision GEMM with cblas_sgemm's meaning:
 * C = alpha op(A) op(B) + beta C, op(X) = X or X^T. */
typedef void (*BlasGemmFn)(int trans_a, int trans_b, int m, int n, int k, float alpha,
                           const float *a, int lda, const float *b, int ldb, float beta, float *c,
                           int ldc);

/* Runs gemm on odd-sized problems (every transpose combination, alpha and
 * beta not 1) against a double-precision reference. Returns 0 when every
 * element is within 1e-5 of the reference, relative to the sum of the
 * magnitudes it adds up; else -1. *max_err (may be NULL) gets the largest
 * such error. */
int blas_kernel_selfcheck(BlasGemmFn gemm, double *max_err);

#endif
