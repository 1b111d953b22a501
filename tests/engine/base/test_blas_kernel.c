/*
 * test_blas_kernel — the kernel table and the candidates a processor gets
 * for what the library picked (on simulated processors and kernel names),
 * and the GEMM self-check: it passes the real library and rejects a GEMM
 * that is wrong in any of the ways a bad kernel could be.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/base/blas.h"
#include "engine/base/blas_kernel.h"
#include "tests/lib/testutil.h"

static const CpuFeatures avx512_bf16 = {1, 1, 1, 1, 1, 0, "AuthenticAMD"};
static const CpuFeatures avx512 = {1, 1, 1, 1, 0, 0, "GenuineIntel"};
static const CpuFeatures avx2 = {1, 1, 1, 0, 0, 0, "GenuineIntel"};
static const CpuFeatures sse = {0, 0, 0, 0, 0, 0, "GenuineIntel"};

static void expect_candidates(const CpuFeatures *cpu, const char *picked, int cap, int n,
                              const char *const *want) {
    const char *got[BLAS_KERNEL_CANDIDATES_MAX] = {0};
    int m = blas_kernel_candidates(cpu, picked, got, cap);
    if (m != n) fail_msg("%s on %s: %d candidates, want %d", picked, cpu_level_name(cpu), m, n);
    for (int i = 0; i < n; i++) assert_string_equal(got[i], want[i]);
}

static void test_blas_kernel_levels(void **state) {
    (void)state;
    assert_int_equal(blas_kernel_level("Prescott"), BLAS_LEVEL_SSE);
    assert_int_equal(blas_kernel_level("prescott"), BLAS_LEVEL_SSE); /* case ignored */
    assert_int_equal(blas_kernel_level("Sandybridge"), BLAS_LEVEL_AVX);
    assert_int_equal(blas_kernel_level("Zen"), BLAS_LEVEL_AVX2);
    assert_int_equal(blas_kernel_level("Haswell"), BLAS_LEVEL_AVX2);
    assert_int_equal(blas_kernel_level("SkylakeX"), BLAS_LEVEL_AVX512);
    assert_int_equal(blas_kernel_level("Cooperlake"), BLAS_LEVEL_AVX512);
    assert_int_equal(blas_kernel_level("Neoverse"), BLAS_LEVEL_UNKNOWN);
    assert_int_equal(blas_kernel_level(NULL), BLAS_LEVEL_UNKNOWN);
    assert_int_equal(blas_kernel_cpu_level(&avx512), BLAS_LEVEL_AVX512);
    assert_int_equal(blas_kernel_cpu_level(&avx2), BLAS_LEVEL_AVX2);
    assert_int_equal(blas_kernel_cpu_level(&sse), BLAS_LEVEL_SSE);
}

static void test_blas_kernel_candidates(void **state) {
    (void)state;
    /* The case: Debian's 0.3.21 runs Prescott on a newer AVX-512 CPU. */
    const char *all512[] = {"SkylakeX", "Haswell", "Sandybridge"};
    expect_candidates(&avx512, "Prescott", 6, 3, all512);
    const char *bf16[] = {"Cooperlake", "SkylakeX", "Haswell", "Sandybridge"};
    expect_candidates(&avx512_bf16, "Prescott", 6, 4, bf16);
    /* Only better than what was picked. */
    expect_candidates(&avx512, "Haswell", 6, 1, all512);
    expect_candidates(&avx512, "Sandybridge", 6, 2, all512);
    const char *two[] = {"Haswell", "Sandybridge"};
    expect_candidates(&avx2, "Core2", 6, 2, two);
    /* The cap is kept. */
    expect_candidates(&avx512_bf16, "Prescott", 2, 2, bf16);
}

static void test_blas_kernel_keeps_a_fitting_or_unknown_pick(void **state) {
    (void)state;
    expect_candidates(&avx512, "SkylakeX", 6, 0, NULL);
    expect_candidates(&avx512_bf16, "Cooperlake", 6, 0, NULL);
    expect_candidates(&avx2, "Zen", 6, 0, NULL);
    expect_candidates(&avx2, "SkylakeX", 6, 0, NULL); /* already more than needed */
    expect_candidates(&sse, "Prescott", 6, 0, NULL);
    expect_candidates(&avx512, "SomeFutureCore", 6, 0, NULL);
}

static void test_blas_kernel_selfcheck_passes_the_library(void **state) {
    (void)state;
    double err = -1;
    assert_int_equal(blas_kernel_selfcheck(blas_gemm, &err), 0);
    printf("self-check of the library's kernel %s: max relative error %.2e (bound 1e-5)\n",
           blas_corename(), err);
    assert_true(err >= 0 && err <= 1e-5);
}

/* GEMMs that are wrong the ways a broken kernel could be. */
static int flaw;
static void bad_gemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                     const float *b, int ldb, float beta, float *c, int ldc) {
    blas_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, flaw == 1 ? 0.0f : beta, c, ldc);
    if (flaw == 0) c[(m - 1) * ldc + n - 1] += 1e-3f; /* one element off */
    if (flaw == 2 && ta && tb) c[0] = NAN;            /* one transpose case broken */
    if (flaw == 3) c[n] = 7.0f;                       /* writes outside the block */
}

static void test_blas_kernel_selfcheck_rejects_wrong_kernels(void **state) {
    (void)state;
    for (flaw = 0; flaw < 4; flaw++) {
        double err = 0;
        if (blas_kernel_selfcheck(bad_gemm, &err) == 0)
            fail_msg("a GEMM with flaw %d passed the self-check (error %.3g)", flaw, err);
        assert_true(err > 1e-5);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blas_kernel_levels),
        cmocka_unit_test(test_blas_kernel_candidates),
        cmocka_unit_test(test_blas_kernel_keeps_a_fitting_or_unknown_pick),
        cmocka_unit_test(test_blas_kernel_selfcheck_passes_the_library),
        cmocka_unit_test(test_blas_kernel_selfcheck_rejects_wrong_kernels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
