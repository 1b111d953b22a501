/*
 * tensor — the engine's one data type: a dense float32 NCHW array.
 *
 * A Tensor is a plain struct; whoever calls tensor_init owns the data and
 * frees it with tensor_fini. A Tensor may also be a view (owns == 0) onto
 * memory owned elsewhere, made with tensor_view; tensor_fini on a view only
 * forgets it. The batch size n of a tensor may shrink below what was
 * allocated (cap) for a short last batch. Not thread-safe; a tensor belongs
 * to one thread at a time.
 */
#ifndef FINELAB_TENSOR_H
#define FINELAB_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/error.h"

/* Dimensions of an NCHW tensor; a vector of K features is K x 1 x 1. */
typedef struct Shape {
    int n, c, h, w;
} Shape;

typedef struct Tensor {
    float *data; /* n*c*h*w floats, row-major NCHW */
    int n;       /* batch size in use */
    int c, h, w; /* channels, height, width */
    size_t cap;  /* floats allocated (0 for a view) */
    int owns;    /* 1 when tensor_fini must free data */
} Tensor;

/* Allocates a zero-filled tensor. Returns ST_NOMEM (t left empty) when the
 * allocation fails or the element count overflows size_t. */
Status tensor_init(Tensor *t, int n, int c, int h, int w);
/* tensor_init from a Shape. */
Status tensor_init_shape(Tensor *t, Shape s);
/* Makes t a non-owning view of data with the given dimensions. */
void tensor_view(Tensor *t, float *data, int n, int c, int h, int w);
/* Frees an owned tensor's data and empties it; t may be NULL or empty. */
void tensor_fini(Tensor *t);

/* Number of floats in use: n*c*h*w. */
size_t tensor_count(const Tensor *t);
/* Floats the tensor may hold: cap when owned, the count in use for a view. */
size_t tensor_capacity(const Tensor *t);
/* Floats per sample: c*h*w. */
size_t tensor_sample_size(const Tensor *t);
/* Pointer to sample i's first float. */
float *tensor_sample(const Tensor *t, int i);
Shape tensor_shape(const Tensor *t);
size_t shape_count(Shape s);
int shape_equal(Shape a, Shape b);

void tensor_zero(Tensor *t);
void tensor_fill(Tensor *t, float v);
/* Copies src's values into dst; both must hold the same count. */
void tensor_copy(Tensor *dst, const Tensor *src);

/* Writes "[2, 3, 3]" (ndim dims; "[]" for 0) into buf, cut to cap bytes,
 * for messages about the shape of a tensor in a file. Returns buf. */
const char *tensor_shape_text(const int64_t *shape, int ndim, char *buf, size_t cap);

#endif
