/*
 * tensor — allocation and small helpers for NCHW float tensors. See tensor.h.
 */
#include "engine/base/tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Status tensor_init(Tensor *t, int n, int c, int h, int w) {
    CHECK(n >= 0 && c >= 0 && h >= 0 && w >= 0);
    memset(t, 0, sizeof *t);
    size_t count, bytes;
    if (__builtin_mul_overflow((size_t)n, (size_t)c, &count) ||
        __builtin_mul_overflow(count, (size_t)h, &count) ||
        __builtin_mul_overflow(count, (size_t)w, &count) ||
        __builtin_mul_overflow(count, sizeof(float), &bytes))
        return ST_NOMEM;
    /* calloc(0) may return NULL; keep one float so data is always valid. */
    float *data = calloc(bytes ? count : 1, sizeof(float));
    if (!data) return ST_NOMEM;
    tensor_view(t, data, n, c, h, w);
    t->cap = count;
    t->owns = 1;
    return ST_OK;
}

Status tensor_init_shape(Tensor *t, Shape s) {
    return tensor_init(t, s.n, s.c, s.h, s.w);
}

void tensor_view(Tensor *t, float *data, int n, int c, int h, int w) {
    t->data = data;
    t->n = n;
    t->c = c;
    t->h = h;
    t->w = w;
    t->cap = 0;
    t->owns = 0;
}

void tensor_fini(Tensor *t) {
    if (!t) return;
    if (t->owns) free(t->data);
    memset(t, 0, sizeof *t);
}

size_t tensor_count(const Tensor *t) {
    return (size_t)t->n * tensor_sample_size(t);
}

size_t tensor_capacity(const Tensor *t) {
    return t->owns ? t->cap : tensor_count(t);
}

size_t tensor_sample_size(const Tensor *t) {
    return (size_t)t->c * (size_t)t->h * (size_t)t->w;
}

float *tensor_sample(const Tensor *t, int i) {
    CHECK(i >= 0 && i < t->n);
    return t->data + (size_t)i * tensor_sample_size(t);
}

Shape tensor_shape(const Tensor *t) {
    return (Shape){t->n, t->c, t->h, t->w};
}

size_t shape_count(Shape s) {
    return (size_t)s.n * (size_t)s.c * (size_t)s.h * (size_t)s.w;
}

int shape_equal(Shape a, Shape b) {
    return a.n == b.n && a.c == b.c && a.h == b.h && a.w == b.w;
}

void tensor_zero(Tensor *t) {
    memset(t->data, 0, tensor_count(t) * sizeof(float));
}

void tensor_fill(Tensor *t, float v) {
    size_t count = tensor_count(t);
    for (size_t i = 0; i < count; i++) t->data[i] = v;
}

void tensor_copy(Tensor *dst, const Tensor *src) {
    CHECK(tensor_count(dst) == tensor_count(src));
    memmove(dst->data, src->data, tensor_count(src) * sizeof(float));
}

const char *tensor_shape_text(const int64_t *shape, int ndim, char *buf, size_t cap) {
    size_t n = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < ndim && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (n < cap) snprintf(buf + n, cap - n, "]");
    return buf;
}
