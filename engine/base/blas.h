/*
 * blas — the engine's single doorway to OpenBLAS (the only engine file that
 * includes cblas.h). Matrices are row-major float32.
 *
 * The calls are thread-safe in the sense OpenBLAS is: the engine thread is
 * the only caller in finelab. blas_set_threads changes a process-wide
 * setting and should be called before training starts.
 */
#ifndef FINELAB_BLAS_H
#define FINELAB_BLAS_H

/* C (m x n) = alpha * op(A) * op(B) + beta * C, row-major, where op(A) is
 * m x k (A itself k x m when trans_a) and op(B) is k x n (n x k when trans_b).
 * Small products (under 2^26 multiply-adds) run on the calling thread only,
 * whatever blas_set_threads says (blas.c says why), so their bits do not
 * depend on it. */
void blas_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc);

/* y (m) = alpha * op(A) x + beta * y for row-major A (m x n, or n x m when trans). */
void blas_gemv(int trans, int m, int n, float alpha, const float *a, int lda, const float *x,
               float beta, float *y);

/* Dot product of two float vectors, accumulated by OpenBLAS. */
float blas_dot(int n, const float *x, const float *y);

/* Sets / reads the number of threads OpenBLAS uses (n >= 1). */
void blas_set_threads(int n);
int blas_threads(void);

/* OpenBLAS's build description, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Haswell". */
const char *blas_config(void);
/* The name of the kernel the library runs ("Haswell", "SkylakeX", ...),
 * as OPENBLAS_CORETYPE takes it. */
const char *blas_corename(void);

#endif
