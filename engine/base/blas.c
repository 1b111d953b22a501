/*
 * blas — thin wrapper over cblas so the rest of the engine never includes
 * cblas.h (make lint-deps keeps it that way). See blas.h.
 */
#include "engine/base/blas.h"

#include <cblas.h>

void blas_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc) {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
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
