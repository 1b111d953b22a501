/*
 * cpu — cpuid and xgetbv. See cpu.h. The bit positions are Intel's SDM
 * (CPUID leaves 1 and 7, XCR0), which AMD follows for these features.
 */
#include "engine/base/cpu.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

enum {
    L1_ECX_FMA = 1u << 12,
    L1_ECX_OSXSAVE = 1u << 27,
    L1_ECX_AVX = 1u << 28,
    L7_EBX_AVX2 = 1u << 5,
    L7_EBX_AVX512F = 1u << 16,
    L7_EBX_AVX512DQ = 1u << 17,
    L7_EBX_AVX512CD = 1u << 28,
    L7_EBX_AVX512BW = 1u << 30,
    L7_EBX_AVX512VL = 1u << 31,
    L7_EDX_AMX_TILE = 1u << 24,
    L71_EAX_AVX512BF16 = 1u << 5,
};
/* XCR0: SSE and AVX (bits 1, 2); opmask, ZMM_Hi256, Hi16_ZMM (5-7); tiles (17, 18). */
#define XCR0_YMM  0x6u
#define XCR0_ZMM  0xe6u
#define XCR0_TILE 0x60000u

CpuFeatures cpu_parse(const CpuWords *w) {
    CpuFeatures f;
    memset(&f, 0, sizeof f);
    memcpy(f.vendor, w->vendor, 12);
    f.vendor[12] = '\0';
    if (w->max_leaf < 1 || !(w->l1_ecx & L1_ECX_OSXSAVE)) return f;
    int ymm = (w->xcr0 & XCR0_YMM) == XCR0_YMM, zmm = (w->xcr0 & XCR0_ZMM) == XCR0_ZMM;
    f.avx = ymm && (w->l1_ecx & L1_ECX_AVX);
    if (!f.avx) return f;
    f.fma = (w->l1_ecx & L1_ECX_FMA) != 0;
    if (w->max_leaf < 7) return f;
    f.avx2 = (w->l7_ebx & L7_EBX_AVX2) != 0;
    const uint32_t need =
        L7_EBX_AVX512F | L7_EBX_AVX512DQ | L7_EBX_AVX512CD | L7_EBX_AVX512BW | L7_EBX_AVX512VL;
    f.avx512 = zmm && f.avx2 && f.fma && (w->l7_ebx & need) == need;
    f.avx512_bf16 = f.avx512 && (w->l71_eax & L71_EAX_AVX512BF16);
    f.amx = (w->l7_edx & L7_EDX_AMX_TILE) && (w->xcr0 & XCR0_TILE) == XCR0_TILE;
    return f;
}

CpuFeatures cpu_detect(void) {
    CpuWords w;
    memset(&w, 0, sizeof w);
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid(0, &a, &b, &c, &d)) {
        w.max_leaf = a;
        w.vendor[0] = b;
        w.vendor[1] = d;
        w.vendor[2] = c;
    }
    if (w.max_leaf >= 1 && __get_cpuid(1, &a, &b, &c, &d)) w.l1_ecx = c;
    if (w.max_leaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        w.l7_ebx = b;
        w.l7_ecx = c;
        w.l7_edx = d;
        if (a >= 1) {
            __cpuid_count(7, 1, a, b, c, d);
            w.l71_eax = a;
        }
    }
    if (w.l1_ecx & L1_ECX_OSXSAVE) {
        uint32_t lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        w.xcr0 = ((uint64_t)hi << 32) | lo;
    }
#endif
    return cpu_parse(&w);
}

const char *cpu_level_name(const CpuFeatures *f) {
    return f->avx512 ? "AVX-512" : f->avx2 && f->fma ? "AVX2+FMA" : f->avx ? "AVX" : "SSE";
}
