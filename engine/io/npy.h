/*
 * npy — writing NumPy .npy files (format version 1.0) of float32 arrays,
 * so features computed here load with numpy.load() unchanged.
 *
 * Layout: the magic "\x93NUMPY", version bytes 1 and 0, a little-endian
 * uint16 header length, then a Python dict literal
 * {'descr': '<f4', 'fortran_order': False, 'shape': (N, ...), } padded
 * with spaces and ended by '\n' so that magic + length + header is a
 * multiple of 64 bytes (NumPy's alignment), then the C-order data.
 * Files are replaced atomically (atomic_file.h), so a reader never
 * sees half an array. Reentrant; errors come back as a Status naming the
 * path. Never prints.
 */
#ifndef FINELAB_NPY_H
#define FINELAB_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/error.h"

enum { NPY_MAX_DIMS = 8, NPY_ALIGN = 64 };

/* Writes the complete header (magic through the '\n') for a float32 array
 * of ndim (0..NPY_MAX_DIMS) dimensions into buf and returns its length, a
 * multiple of NPY_ALIGN; returns 0 when a dimension is negative, ndim is
 * out of range or the header does not fit cap (or v1.0's 65535 bytes). */
size_t npy_header(char *buf, size_t cap, const int64_t *shape, int ndim);

/* Writes data (the product of shape floats, C order) as path, atomically.
 * ST_ARG for a bad shape, ST_NOMEM, ST_IO naming path. */
Status npy_write_f32(const char *path, const float *data, const int64_t *shape, int ndim,
                     Error *err);

#endif
