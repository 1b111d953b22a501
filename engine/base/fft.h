/*
 * fft — the engine's single doorway to FFTW3 single precision (the only
 * engine file that includes fftw3.h). Real-to-complex transforms of length d
 * and their complex-to-real inverses, planned once per shape and executed
 * many times on caller buffers.
 *
 * An FftPlan covers a batch of up to `howmany` transforms. Rows are padded so
 * that every row starts 64-byte aligned: real row i starts at
 * in + i * fft_real_stride(p) floats, complex row i at out + i *
 * fft_complex_stride(p) floats. A complex row holds d/2 + 1 complex numbers
 * as interleaved (re, im) float pairs, FFTW's non-redundant half spectrum.
 * Buffers passed to fft_forward / fft_inverse must be 64-byte aligned (from
 * fft_alloc, or carved from it at multiples of 16 floats).
 *
 * Threads: creating and destroying plans is not thread-safe in FFTW, so all
 * fft_plan_create / fft_plan_destroy calls must happen on one thread (the
 * engine's). Executing a plan is thread-safe on distinct buffers.
 * Errors come back as a Status with an Error naming "fft"; misuse of buffers
 * (misalignment, too many rows) is a programming error caught by CHECK.
 */
#ifndef FINELAB_FFT_H
#define FINELAB_FFT_H

#include <stddef.h>

#include "engine/base/error.h"

typedef struct FftPlan FftPlan;

/* Plans forward and inverse transforms of length d (d >= 1) for batches of
 * 1..howmany rows. Returns NULL with err set (ST_ARG, ST_NOMEM) on failure. */
FftPlan *fft_plan_create(int d, int howmany, Error *err);
/* Frees the plan; p may be NULL. Same thread rule as fft_plan_create. */
void fft_plan_destroy(FftPlan *p);

/* Transform length d and largest batch of the plan. */
int fft_plan_length(const FftPlan *p);
int fft_plan_howmany(const FftPlan *p);
/* Floats between consecutive real rows (>= d, a multiple of 16). */
size_t fft_real_stride(const FftPlan *p);
/* Floats between consecutive complex rows (>= 2 * (d/2 + 1), a multiple of 16). */
size_t fft_complex_stride(const FftPlan *p);

/* out[k] = sum_n in[n] exp(-2 pi i k n / d) for k = 0..d/2, for rows
 * 0..count-1 (1 <= count <= howmany). in is not modified. */
void fft_forward(const FftPlan *p, int count, float *in, float *out);
/* out[n] = sum_k in[k] exp(+2 pi i k n / d) over the full Hermitian
 * spectrum, unnormalised: fft_inverse(fft_forward(x)) == d * x. Overwrites
 * in (FFTW's complex-to-real transforms destroy their input). */
void fft_inverse(const FftPlan *p, int count, float *in, float *out);

/* n floats, 64-byte aligned, uninitialised; NULL when out of memory. */
float *fft_alloc(size_t n);
/* Frees a buffer from fft_alloc; p may be NULL. */
void fft_free(float *p);

#endif
