/*
 * safetensors — reading and writing .safetensors files (weights, snapshots).
 *
 * Format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * mapping tensor names to {"dtype", "shape", "data_offsets"} (plus an
 * optional "__metadata__" object of strings), then the data buffer; offsets
 * are relative to the data buffer, data is row-major little-endian.
 *
 * Reader: safetensors_open parses and validates the whole header with the
 * rules of the reference library (huggingface/safetensors) without reading
 * any tensor data; it returns a fully valid handle or nothing. Tensors are
 * read later with pread, so a handle is immutable after open and any number
 * of threads may read from it at once. Names and dtype strings returned are
 * owned by the handle and live until safetensors_close.
 *
 * Writer: collects tensor references (F32 only; the data is not copied) and
 * string metadata, then writes the file atomically (temporary file in the
 * same directory, fsync, rename). Argument errors from _add/_meta are sticky
 * and reported again by _write. A writer belongs to one thread.
 *
 * Errors come back as a Status with a message naming the file and, where
 * there is one, the tensor. Malformed files are ST_FORMAT, a missing tensor
 * is ST_FORMAT, a wrong element count is ST_SHAPE, system failures ST_IO.
 *
 * The reader is safetensors.c (its header JSON is read with json.h), the
 * writer safetensors_writer.c; safetensors_internal.h holds what the two
 * share.
 */
#ifndef FINELAB_SAFETENSORS_H
#define FINELAB_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/error.h"

#define SAFETENSORS_MAX_DIMS   8
#define SAFETENSORS_MAX_HEADER (100u * 1024u * 1024u) /* bytes of JSON accepted */

/* One tensor as the header describes it. */
typedef struct SafeTensorsInfo {
    const char *name;                    /* UTF-8, NUL-terminated, owned by the handle */
    const char *dtype;                   /* "F32", "F16", "BF16", "I64", "U8", ... */
    int dtype_bits;                      /* bits per element (4 for F4, 32 for F32) */
    int ndim;                            /* 0..SAFETENSORS_MAX_DIMS; 0 is a scalar */
    int64_t shape[SAFETENSORS_MAX_DIMS]; /* row-major dimensions, each >= 0 */
    uint64_t count;                      /* elements: product of shape (1 when ndim is 0) */
    uint64_t begin, end;                 /* data_offsets: bytes from the data buffer's start */
    uint64_t file_offset;                /* absolute file offset of the first byte */
} SafeTensorsInfo;

typedef struct SafeTensors SafeTensors;
typedef struct SafeTensorsWriter SafeTensorsWriter;

/* --- reading --------------------------------------------------------------- */

/* Opens path and validates its header (no tensor data is read). On success
 * *out is a handle to close with safetensors_close; on failure *out is NULL
 * and err names the file (and tensor), ST_IO or ST_FORMAT or ST_NOMEM. */
Status safetensors_open(const char *path, SafeTensors **out, Error *err);
/* Closes the file and frees the handle; st may be NULL. */
void safetensors_close(SafeTensors *st);

/* The path given to safetensors_open. */
const char *safetensors_path(const SafeTensors *st);
/* Number of tensors in the file. */
size_t safetensors_count(const SafeTensors *st);
/* Tensor i (0 <= i < count), in the order their data lies in the file. */
const SafeTensorsInfo *safetensors_info(const SafeTensors *st, size_t i);
/* The tensor called name, or NULL when there is none. O(log count). */
const SafeTensorsInfo *safetensors_find(const SafeTensors *st, const char *name);
/* The "__metadata__" value for key, or NULL when absent. Owned by the handle. */
const char *safetensors_meta(const SafeTensors *st, const char *key);

/* Reads tensor name into dst[0..count), converting F32, F16 or BF16 to
 * float. Fails (dst untouched) when the tensor is missing (ST_FORMAT), has
 * another dtype (ST_FORMAT) or not exactly count elements (ST_SHAPE); an
 * I/O error while reading (ST_IO) may leave dst partly written. */
Status safetensors_read_f32(const SafeTensors *st, const char *name, float *dst, size_t count,
                            Error *err);

/* Opens path and reads tensor names[i] into dst[i] (counts[i] floats) for
 * each i < n. Every tensor is checked to exist, be convertible and have the
 * right count before any is read, so on those failures no dst is touched;
 * only an I/O error during the reads can leave destinations partly written. */
Status safetensors_load_into(const char *path, const char *const *names, float *const *dst,
                             const size_t *counts, int n, Error *err);

/* --- writing --------------------------------------------------------------- */

/* A new empty writer, or NULL when out of memory. */
SafeTensorsWriter *safetensors_writer_create(void);
/* Adds an F32 tensor of ndim (0..SAFETENSORS_MAX_DIMS) dimensions. name and
 * shape are copied; data (product of shape floats, row-major) is only
 * referenced and must stay valid until safetensors_writer_write. ST_ARG for
 * a duplicate, reserved ("__metadata__") or non-UTF-8 name, a negative
 * dimension, too many elements or NULL data for a non-empty tensor; ST_NOMEM.
 * Errors are sticky: once one happened, every later call returns it. */
Status safetensors_writer_add(SafeTensorsWriter *w, const char *name, const int64_t *shape,
                              int ndim, const float *data);
/* Sets metadata key to value (both UTF-8, copied); a repeated key replaces
 * the earlier value. ST_ARG / ST_NOMEM, sticky like _add. */
Status safetensors_writer_meta(SafeTensorsWriter *w, const char *key, const char *value);
/* Writes every tensor, in insertion order, to path atomically: streamed to
 * path + ".tmp.<pid>", fsynced, renamed over path. On failure the temporary
 * file is removed and an existing path is left untouched; err names path.
 * Returns the first sticky error from _add/_meta without writing. */
Status safetensors_writer_write(SafeTensorsWriter *w, const char *path, Error *err);
/* Frees the writer (not the referenced data); w may be NULL. */
void safetensors_writer_destroy(SafeTensorsWriter *w);

#endif
