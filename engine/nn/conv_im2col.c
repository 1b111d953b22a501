/*
 * conv_im2col — the reference convolution: any kernel, stride and padding.
 *
 * Samples are unrolled by im2col into a (cin*k*k) x (g*hout*wout) matrix
 * in the shared workspace and multiplied by the cout x (cin*k*k) weight
 * matrix with one sgemm. g images share one GEMM when the output is small
 * (VGG's conv5 at 224 has 14x14 = 196 columns per image, where sgemm runs
 * at ~85% of its square-matrix speed; with g*hw >= CONV_MIN_COLUMNS it
 * reaches full speed). Grouped outputs and gradients pass through a cout x
 * (g*hw) staging block after the columns. Backward reuses the workspace:
 * first the columns for dW, then dcol = W^T dy, folded back by col2im. A
 * 1x1, stride 1, unpadded convolution skips the unrolling. Weight layout is
 * PyTorch's: cout x cin x k x k. This is the baseline of docs/DESIGN.md
 * section 4 that the faster algorithms are tested against.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/blas.h"
#include "engine/base/simd.h"
#include "engine/nn/conv_algo.h"

enum { CONV_MIN_COLUMNS = 1024 };

static int im2col_is_pointwise(const Layer *l) {
    const Conv *cv = l->priv;
    return cv->k == 1 && cv->stride == 1 && cv->pad == 0;
}

/* First and one-past-last output index whose input index o*s - p + kk lies in [0, size). */
static void im2col_valid_range(int size, int s, int p, int kk, int out, int *first, int *last) {
    int lo = p - kk > 0 ? (p - kk + s - 1) / s : 0;
    int span = size + p - kk;
    int hi = span > 0 ? (span + s - 1) / s : 0;
    if (hi > out) hi = out;
    if (lo > hi) lo = hi;
    *first = lo;
    *last = hi;
}

/* Between one sample x and the columns of col whose rows are ld floats
 * apart: unrolls x into col, or (fold) adds col folded back into x, the
 * adjoint (x must be zeroed first). One walk serves both so that the two
 * agree on every index. */
static void im2col_walk(const Layer *l, float *x, float *col, size_t ld, int fold) {
    const Conv *cv = l->priv;
    int C = l->in.c, H = l->in.h, W = l->in.w, Ho = l->out.h, Wo = l->out.w;
    int k = cv->k, s = cv->stride, p = cv->pad;
    for (int c = 0; c < C; c++)
        for (int kh = 0; kh < k; kh++)
            for (int kw = 0; kw < k; kw++) {
                float *row = col + (size_t)((c * k + kh) * k + kw) * ld;
                int ow0, ow1;
                im2col_valid_range(W, s, p, kw, Wo, &ow0, &ow1);
                for (int oh = 0; oh < Ho; oh++) {
                    int ih = oh * s - p + kh;
                    float *r = row + (size_t)oh * Wo;
                    float *img = ih < 0 || ih >= H ? NULL : x + ((size_t)c * H + ih) * W;
                    if (fold) {
                        if (img)
                            for (int ow = ow0; ow < ow1; ow++) img[ow * s - p + kw] += r[ow];
                        continue;
                    }
                    if (!img) {
                        memset(r, 0, sizeof(float) * (size_t)Wo);
                        continue;
                    }
                    memset(r, 0, sizeof(float) * (size_t)ow0);
                    if (s == 1)
                        memcpy(r + ow0, img + ow0 - p + kw, sizeof(float) * (size_t)(ow1 - ow0));
                    else
                        for (int ow = ow0; ow < ow1; ow++) r[ow] = img[ow * s - p + kw];
                    memset(r + ow1, 0, sizeof(float) * (size_t)(Wo - ow1));
                }
            }
}

static int im2col_fits(const Layer *l) {
    (void)l;
    return 1;
}

static Status im2col_setup(Layer *l, Error *err) {
    (void)err;
    Conv *cv = l->priv;
    int hw = l->out.h * l->out.w,
        group = hw >= CONV_MIN_COLUMNS ? 1 : (CONV_MIN_COLUMNS + hw - 1) / hw;
    if (group > l->in.n) group = l->in.n;
    if (im2col_is_pointwise(l)) group = 1; /* pointwise: no unrolling at all */
    cv->group = group;
    return ST_OK;
}

/* dy is staged (as cout x (g*hw), masked by the fused ReLU) when images
 * share a GEMM or the ReLU is fused. */
static int im2col_stages(const Layer *l) {
    const Conv *cv = l->priv;
    return cv->group > 1 || cv->relu;
}

static size_t im2col_workspace(const Layer *l) {
    const Conv *cv = l->priv;
    size_t cols = (size_t)cv->group * l->out.h * l->out.w;
    size_t staging = im2col_stages(l) ? (size_t)l->out.c * cols : 0;
    if (im2col_is_pointwise(l)) return staging;
    return (size_t)l->in.c * cv->k * cv->k * cols + staging;
}

/* The staged dy of samples [i, i + g) at stage: cout x (g*hw), zero where
 * the fused ReLU's output is not positive. */
static void im2col_stage(const Layer *l, const Tensor *y, const Tensor *dy, int i, int g,
                         float *stage) {
    const Conv *cv = l->priv;
    int hw = l->out.h * l->out.w, cout = l->out.c;
    size_t ld = (size_t)g * hw;
    for (int j = 0; j < g; j++)
        for (int o = 0; o < cout; o++) {
            const float *src = tensor_sample(dy, i + j) + (size_t)o * hw;
            float *dst = stage + (size_t)o * ld + (size_t)j * hw;
            if (!cv->relu) {
                memcpy(dst, src, sizeof(float) * hw);
                continue;
            }
            const float *out = tensor_sample(y, i + j) + (size_t)o * hw;
            for (int q = 0; q < hw; q++) dst[q] = out[q] > 0.0f ? src[q] : 0.0f;
        }
}

/* Forward for samples [i, i + g) through the workspace. */
/* Adds the bias of output channel o to the hw values at dst, and applies
 * the fused ReLU. */
SIMD_CLONES static void im2col_finish(const Layer *l, float *dst, int o, int hw) {
    const Conv *cv = l->priv;
    float b = l->n_params > 1 ? l->params[1].value.data[o] : 0.0f;
    if (!cv->relu && l->n_params < 2) return;
    int q = 0;
    /* Blocks of 16 as vectors (conv1_1's pass over its output, one float
     * at a time, was 9% of a forward). */
    if (cv->relu) {
        for (; q + 16 <= hw; q += 16) { /* keep the bits where v > 0 (mask all ones) */
            F16 v, zero = {0};
            memcpy(&v, dst + q, sizeof v);
            v += b;
            v = (F16)((I16)v & (v > zero));
            memcpy(dst + q, &v, sizeof v);
        }
        for (; q < hw; q++) {
            float v = dst[q] + b;
            dst[q] = v > 0.0f ? v : 0.0f;
        }
        return;
    }
    for (; q + 16 <= hw; q += 16)
        for (int j = 0; j < 16; j++) dst[q + j] += b;
    for (; q < hw; q++) dst[q] += b;
}

static void im2col_forward_group(Layer *l, const Tensor *x, Tensor *y, int i, int g, float *ws) {
    const Conv *cv = l->priv;
    int kdim = l->in.c * cv->k * cv->k, hw = l->out.h * l->out.w, cout = l->out.c;
    size_t ld = (size_t)g * hw;
    const float *w = l->params[0].value.data;
    for (int j = 0; j < g; j++) im2col_walk(l, tensor_sample(x, i + j), ws + (size_t)j * hw, ld, 0);
    float *out = g == 1 ? tensor_sample(y, i) : ws + (size_t)kdim * ld;
    blas_gemm(0, 0, cout, (int)ld, kdim, 1.0f, w, kdim, ws, (int)ld, 0.0f, out, (int)ld);
    for (int j = 0; j < g; j++) {
        float *yi = tensor_sample(y, i + j);
        for (int o = 0; o < cout; o++) {
            float *dst = yi + (size_t)o * hw;
            if (g > 1) memcpy(dst, out + (size_t)o * ld + (size_t)j * hw, sizeof(float) * hw);
            im2col_finish(l, dst, o, hw);
        }
    }
}

static void im2col_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    const Conv *cv = l->priv;
    if (im2col_is_pointwise(l)) {
        int hw = l->out.h * l->out.w, cout = l->out.c;
        for (int i = 0; i < x->n; i++) {
            float *yi = tensor_sample(y, i);
            blas_gemm(0, 0, cout, hw, l->in.c, 1.0f, l->params[0].value.data, l->in.c,
                      tensor_sample(x, i), hw, 0.0f, yi, hw);
            for (int o = 0; o < cout; o++) im2col_finish(l, yi + (size_t)o * hw, o, hw);
        }
        return;
    }
    for (int i = 0; i < x->n; i += cv->group)
        im2col_forward_group(l, x, y, i, x->n - i < cv->group ? x->n - i : cv->group, ws);
}

/* Backward for samples [i, i + g): dW from the columns, then dx. */
static void im2col_backward_group(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy,
                                  Tensor *dx, int i, int g, float *ws) {
    const Conv *cv = l->priv;
    int kdim = l->in.c * cv->k * cv->k, hw = l->out.h * l->out.w, cout = l->out.c;
    size_t ld = (size_t)g * hw;
    const float *w = l->params[0].value.data;
    const float *dyg = tensor_sample(dy, i);
    if (im2col_stages(l)) {
        float *stage = ws + (size_t)kdim * ld;
        im2col_stage(l, y, dy, i, g, stage);
        dyg = stage;
    }
    if (!l->frozen) {
        for (int j = 0; j < g; j++)
            im2col_walk(l, tensor_sample(x, i + j), ws + (size_t)j * hw, ld, 0);
        blas_gemm(0, 1, cout, kdim, (int)ld, 1.0f, dyg, (int)ld, ws, (int)ld, 1.0f,
                  l->params[0].grad.data, kdim);
        if (l->n_params > 1) {
            float *db = l->params[1].grad.data;
            for (int o = 0; o < cout; o++) {
                float sum = 0.0f;
                for (size_t q = 0; q < ld; q++) sum += dyg[(size_t)o * ld + q];
                db[o] += sum;
            }
        }
    }
    if (dx) {
        blas_gemm(1, 0, kdim, (int)ld, cout, 1.0f, w, kdim, dyg, (int)ld, 0.0f, ws, (int)ld);
        for (int j = 0; j < g; j++) {
            float *dxi = tensor_sample(dx, i + j);
            memset(dxi, 0, sizeof(float) * tensor_sample_size(dx));
            im2col_walk(l, dxi, ws + (size_t)j * hw, ld, 1);
        }
    }
}

static void im2col_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy,
                            Tensor *dx, float *ws) {
    const Conv *cv = l->priv;
    if (!im2col_is_pointwise(l)) {
        for (int i = 0; i < x->n; i += cv->group)
            im2col_backward_group(l, x, y, dy, dx, i, x->n - i < cv->group ? x->n - i : cv->group,
                                  ws);
        return;
    }
    int hw = l->out.h * l->out.w, cout = l->out.c, cin = l->in.c;
    for (int i = 0; i < x->n; i++) {
        const float *dyi = tensor_sample(dy, i);
        if (cv->relu) {
            im2col_stage(l, y, dy, i, 1, ws);
            dyi = ws;
        }
        if (!l->frozen) {
            blas_gemm(0, 1, cout, cin, hw, 1.0f, dyi, hw, tensor_sample(x, i), hw, 1.0f,
                      l->params[0].grad.data, cin);
            if (l->n_params > 1)
                for (int o = 0; o < cout; o++) {
                    float sum = 0.0f;
                    for (int q = 0; q < hw; q++) sum += dyi[(size_t)o * hw + q];
                    l->params[1].grad.data[o] += sum;
                }
        }
        if (dx)
            blas_gemm(1, 0, cin, hw, cout, 1.0f, l->params[0].value.data, cin, dyi, hw, 0.0f,
                      tensor_sample(dx, i), hw);
    }
}

const ConvAlgo conv_im2col_algo = {
    .name = "im2col",
    .fits = im2col_fits,
    .setup = im2col_setup,
    .workspace = im2col_workspace,
    .forward = im2col_forward,
    .backward = im2col_backward,
};
