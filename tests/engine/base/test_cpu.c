/*
 * test_cpu — cpuid words to features: each instruction set counts only with
 * its own bits and the operating system's register state; and this
 * processor's features are consistent.
 */
#include <string.h>

#include "engine/base/cpu.h"
#include "tests/lib/testutil.h"

/* A processor with everything up to AVX-512, BF16 and AMX, enabled by the OS. */
static CpuWords everything(void) {
    CpuWords w = {.max_leaf = 0x1f,
                  .l1_ecx = (1u << 12) | (1u << 27) | (1u << 28),
                  .l7_ebx =
                      (1u << 5) | (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31),
                  .l7_edx = 1u << 24,
                  .l71_eax = 1u << 5,
                  .xcr0 = 0x600e7};
    memcpy(w.vendor, "GenuineIntel", 12); /* ebx, edx, ecx: "Genu" "ineI" "ntel" */
    return w;
}

static void test_cpu_parse_everything(void **state) {
    (void)state;
    CpuWords w = everything();
    CpuFeatures f = cpu_parse(&w);
    assert_true(f.avx && f.avx2 && f.fma && f.avx512 && f.avx512_bf16 && f.amx);
    assert_string_equal(f.vendor, "GenuineIntel");
    assert_string_equal(cpu_level_name(&f), "AVX-512");
}

static void test_cpu_parse_needs_the_os_state(void **state) {
    (void)state;
    CpuWords w = everything();
    w.xcr0 = 0x7; /* YMM saved, ZMM and tiles not: AVX2 at most */
    CpuFeatures f = cpu_parse(&w);
    assert_true(f.avx && f.avx2 && f.fma);
    assert_false(f.avx512 || f.avx512_bf16 || f.amx);
    assert_string_equal(cpu_level_name(&f), "AVX2+FMA");
    w.l1_ecx &= ~(1u << 27); /* no OSXSAVE: nothing beyond SSE */
    f = cpu_parse(&w);
    assert_false(f.avx || f.avx2 || f.avx512);
    assert_string_equal(cpu_level_name(&f), "SSE");
}

static void test_cpu_parse_each_bit(void **state) {
    (void)state;
    CpuWords w = everything();
    w.l7_ebx &= ~(1u << 30); /* no AVX512BW: not the AVX-512 the kernels need */
    CpuFeatures f = cpu_parse(&w);
    assert_false(f.avx512);
    assert_false(f.avx512_bf16);
    assert_true(f.avx2);
    w = everything();
    w.l1_ecx &= ~(1u << 12); /* AVX2 without FMA */
    f = cpu_parse(&w);
    assert_true(f.avx2 && !f.fma);
    assert_string_equal(cpu_level_name(&f), "AVX");
    w = everything();
    w.l71_eax = 0;
    w.l7_edx = 0;
    f = cpu_parse(&w);
    assert_true(f.avx512 && !f.avx512_bf16 && !f.amx);
    w = everything();
    w.max_leaf = 1; /* no leaf 7: AVX from leaf 1 only */
    f = cpu_parse(&w);
    assert_true(f.avx && f.fma && !f.avx2 && !f.avx512);
}

static void test_cpu_detect_is_consistent(void **state) {
    (void)state;
    CpuFeatures f = cpu_detect();
    if (f.avx512) assert_true(f.avx2 && f.fma);
    if (f.avx2) assert_true(f.avx);
    if (f.avx512_bf16 || f.amx) assert_true(f.avx512);
    assert_non_null(cpu_level_name(&f));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_parse_everything),
        cmocka_unit_test(test_cpu_parse_needs_the_os_state),
        cmocka_unit_test(test_cpu_parse_each_bit),
        cmocka_unit_test(test_cpu_detect_is_consistent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
