/*
 * fft — thin wrapper over FFTW3 single precision. See fft.h.
 *
 * Each FftPlan holds four FFTW plans: forward and inverse for one row and
 * for a full batch of howmany rows (FFTW's advanced interface with padded
 * row distances). A call with count == howmany runs the batch plan; a
 * shorter count (the tail of a loop over locations) runs the one-row plan
 * per row. Plans are made with FFTW_ESTIMATE on scratch buffers of the
 * padded layout, so planning never measures or touches caller data, and
 * executed with the new-array functions, which FFTW allows on any buffers
 * with the same alignment as the planning ones: every row start is 64-byte
 * aligned, which covers every SIMD width FFTW is built for.
 */
#include "engine/base/fft.h"

#include <fftw3.h>
#include <stdint.h>
#include <stdlib.h>

enum { FFT_ALIGN_BYTES = 64, FFT_ALIGN_FLOATS = FFT_ALIGN_BYTES / sizeof(float) };

struct FftPlan {
    int d, howmany;
    size_t rstride, cstride; /* floats between rows */
    fftwf_plan fwd_one, inv_one;
    fftwf_plan fwd_many, inv_many; /* NULL when howmany == 1 */
};

static size_t fft_round_up(size_t n) {
    return (n + FFT_ALIGN_FLOATS - 1) / FFT_ALIGN_FLOATS * FFT_ALIGN_FLOATS;
}

static int fft_aligned(const float *p) {
    return ((uintptr_t)p & (FFT_ALIGN_BYTES - 1)) == 0;
}

float *fft_alloc(size_t n) {
    if (n > (SIZE_MAX - FFT_ALIGN_BYTES) / sizeof(float)) return NULL;
    size_t bytes = fft_round_up(n ? n : 1) * sizeof(float);
    return aligned_alloc(FFT_ALIGN_BYTES, bytes);
}

void fft_free(float *p) {
    free(p);
}

/* Plans `rows` forward and inverse transforms over the padded layout of p. */
static int fft_make_plans(FftPlan *p, int rows, float *re, float *cx, fftwf_plan *fwd,
                          fftwf_plan *inv) {
    int n = p->d;
    int idist = (int)p->rstride, odist = (int)(p->cstride / 2);
    *fwd = fftwf_plan_many_dft_r2c(1, &n, rows, re, NULL, 1, idist, (fftwf_complex *)cx, NULL, 1,
                                   odist, FFTW_ESTIMATE | FFTW_PRESERVE_INPUT);
    *inv = fftwf_plan_many_dft_c2r(1, &n, rows, (fftwf_complex *)cx, NULL, 1, odist, re, NULL, 1,
                                   idist, FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
    return *fwd && *inv;
}

FftPlan *fft_plan_create(int d, int howmany, Error *err) {
    /* The int limit keeps FFTW's int strides and distances from overflowing. */
    if (d < 1 || howmany < 1 || d > (1 << 28) ||
        fft_round_up((size_t)d + 2) * (size_t)howmany > (size_t)INT32_MAX) {
        error_set(err, ST_ARG, "fft: bad plan shape (length %d, batch %d)", d, howmany);
        return NULL;
    }
    FftPlan *p = calloc(1, sizeof *p);
    float *re = NULL, *cx = NULL;
    if (!p) goto nomem;
    p->d = d;
    p->howmany = howmany;
    p->rstride = fft_round_up((size_t)d);
    p->cstride = fft_round_up(2 * ((size_t)d / 2 + 1));
    re = fft_alloc(p->rstride * (size_t)howmany);
    cx = fft_alloc(p->cstride * (size_t)howmany);
    if (!re || !cx) goto nomem;
    if (!fft_make_plans(p, 1, re, cx, &p->fwd_one, &p->inv_one)) goto noplan;
    if (howmany > 1 && !fft_make_plans(p, howmany, re, cx, &p->fwd_many, &p->inv_many)) goto noplan;
    fft_free(re);
    fft_free(cx);
    return p;
noplan:
    error_set(err, ST_NOMEM, "fft: FFTW could not plan length %d, batch %d", d, howmany);
    goto fail;
nomem:
    error_set(err, ST_NOMEM, "fft: out of memory planning length %d, batch %d", d, howmany);
fail:
    fft_free(re);
    fft_free(cx);
    fft_plan_destroy(p);
    return NULL;
}

void fft_plan_destroy(FftPlan *p) {
    if (!p) return;
    fftwf_plan plans[4] = {p->fwd_one, p->inv_one, p->fwd_many, p->inv_many};
    for (int i = 0; i < 4; i++)
        if (plans[i]) fftwf_destroy_plan(plans[i]);
    free(p);
}

int fft_plan_length(const FftPlan *p) {
    return p->d;
}

int fft_plan_howmany(const FftPlan *p) {
    return p->howmany;
}

size_t fft_real_stride(const FftPlan *p) {
    return p->rstride;
}

size_t fft_complex_stride(const FftPlan *p) {
    return p->cstride;
}

void fft_forward(const FftPlan *p, int count, float *in, float *out) {
    CHECK(count >= 1 && count <= p->howmany && fft_aligned(in) && fft_aligned(out));
    if (count == p->howmany && p->fwd_many) {
        fftwf_execute_dft_r2c(p->fwd_many, in, (fftwf_complex *)out);
        return;
    }
    for (int i = 0; i < count; i++)
        fftwf_execute_dft_r2c(p->fwd_one, in + (size_t)i * p->rstride,
                              (fftwf_complex *)(out + (size_t)i * p->cstride));
}

void fft_inverse(const FftPlan *p, int count, float *in, float *out) {
    CHECK(count >= 1 && count <= p->howmany && fft_aligned(in) && fft_aligned(out));
    if (count == p->howmany && p->inv_many) {
        fftwf_execute_dft_c2r(p->inv_many, (fftwf_complex *)in, out);
        return;
    }
    for (int i = 0; i < count; i++)
        fftwf_execute_dft_c2r(p->inv_one, (fftwf_complex *)(in + (size_t)i * p->cstride),
                              out + (size_t)i * p->rstride);
}
