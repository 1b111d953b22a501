/*
 * cpu — what the processor can run: the vector instruction sets the BLAS
 * kernels and finelab's own kernels are chosen by. Read with cpuid, and
 * counted only when the operating system also saves the registers they use
 * (xgetbv), as a program must check before using AVX or AVX-512. On other
 * processors than x86-64 every flag is 0. Any thread; no state.
 */
#ifndef FINELAB_CPU_H
#define FINELAB_CPU_H

#include <stdint.h>

typedef struct CpuFeatures {
    int avx;         /* AVX, with the YMM state enabled */
    int avx2, fma;   /* AVX2 and FMA3 (with AVX) */
    int avx512;      /* AVX-512 F, CD, BW, DQ and VL (and AVX2, FMA), with the ZMM state on */
    int avx512_bf16; /* AVX512_BF16 (Cooper Lake and later, AMD Zen 4) */
    int amx;         /* AMX tiles (Sapphire Rapids), with the tile state enabled */
    char vendor[13]; /* "GenuineIntel", "AuthenticAMD", ... ("" when unknown) */
} CpuFeatures;

/* The raw cpuid and xgetbv words cpu_parse reads (for tests: any values). */
typedef struct CpuWords {
    uint32_t max_leaf;                        /* leaf 0 eax */
    uint32_t vendor[3];                       /* leaf 0 ebx, edx, ecx */
    uint32_t l1_ecx;                          /* leaf 1 ecx */
    uint32_t l7_ebx, l7_ecx, l7_edx, l71_eax; /* leaf 7 subleaf 0, and subleaf 1 eax */
    uint64_t xcr0;                            /* xgetbv(0); 0 when OSXSAVE is off */
} CpuWords;

/* The features the words describe. */
CpuFeatures cpu_parse(const CpuWords *w);
/* This processor's features. */
CpuFeatures cpu_detect(void);
/* The best instruction set as text: "AVX-512", "AVX2+FMA", "AVX" or "SSE". */
const char *cpu_level_name(const CpuFeatures *f);

#endif
