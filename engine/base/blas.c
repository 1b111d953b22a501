/*
 * blas — thin wrapper over cblas so the rest of the engine never includes
 * cblas.h (make lint-deps keeps it that way). See blas.h.
 */
#include "engine/base/blas.h"

#include <cblas.h>

/* Products of fewer multiply-adds than this run on the calling thread
 * alone (about a millisecond of one core). OpenBLAS would split them over
 * its threads, and a woken OpenBLAS thread then spins for some 2^28 cycles
 * (its THREAD_TIMEOUT, read only from the environment at load) before it
 * sleeps: a classifier's small product each step kept one spinning beside
 * the engine's own pool, on the same two cores. A small product's bits are
 * now the same at any thread count (OpenBLAS's threaded path and its
 * one-thread path may add in different orders; a large product's bits can
 * still depend on the thread count). */
enum { BLAS_SERIAL_MNK = 1 << 26 };

void blas_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc) {
    int threads = (double)m * n * k < BLAS_SERIAL_MNK ? openblas_get_num_threads() : 1;
    if (threads > 1) openblas_set_num_threads(1);
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (threads > 1) openblas_set_num_threads(threads);
}

void blas_gemv(int trans, int m, int n, float alpha, const float *a, int lda, const float *x,
               float beta, float *y) {
    /* cblas takes A's stored dimensions; for trans, A is stored n x m. */
    if (trans)
        cblas_sgemv(CblasRowMajor, CblasTrans, n, m, alpha, a, lda, x, 1, beta, y, 1);
    else
        cblas_sgemv(CblasRowMajor, CblasNoTrans, m, n, alpha, a, lda, x, 1, beta, y, 1);
}

float blas_dot(int n, const float *x, const float *y) {
    return cblas_sdot(n, x, 1, y, 1);
}

void blas_set_threads(int n) {
    openblas_set_num_threads(n < 1 ? 1 : n);
}

int blas_threads(void) {
    return openblas_get_num_threads();
}

const char *blas_config(void) {
    return openblas_get_config();
}

const char *blas_corename(void) {
    return openblas_get_corename();
}
