/*
 * npy — NumPy .npy writer. See npy.h.
 *
 * The data is streamed from the caller's buffer through atomic_file.h
 * rather than copied behind the header in memory: a features file of many
 * conv5_3 maps can be as large as the array itself.
 */
#include "engine/io/npy.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "engine/io/atomic_file.h"

enum { NPY_PREAMBLE = 10, NPY_V1_MAX_HEADER = 65535 };

/* '<' on a little-endian host, '>' on a big-endian one: the data is
 * written as it lies in memory. */
static char npy_byte_order(void) {
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first ? '<' : '>';
}

size_t npy_header(char *buf, size_t cap, const int64_t *shape, int ndim) {
    if (ndim < 0 || ndim > NPY_MAX_DIMS) return 0;
    char dict[512];
    int n = snprintf(dict, sizeof dict, "{'descr': '%cf4', 'fortran_order': False, 'shape': (",
                     npy_byte_order());
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) return 0;
        /* A 1-tuple needs its trailing comma: (5,) */
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%s%" PRId64 "%s", i ? ", " : "", shape[i],
                      ndim == 1 ? "," : "");
    }
    n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
    if (n < 0 || (size_t)n >= sizeof dict) return 0;
    /* Spaces, then '\n', up to the next multiple of NPY_ALIGN. */
    size_t total = (NPY_PREAMBLE + (size_t)n + 1 + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    size_t header_len = total - NPY_PREAMBLE;
    if (total > cap || header_len > NPY_V1_MAX_HEADER) return 0;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)(header_len & 0xff);
    buf[9] = (char)(header_len >> 8);
    memcpy(buf + NPY_PREAMBLE, dict, (size_t)n);
    memset(buf + NPY_PREAMBLE + n, ' ', header_len - (size_t)n - 1);
    buf[total - 1] = '\n';
    return total;
}

Status npy_write_f32(const char *path, const float *data, const int64_t *shape, int ndim,
                     Error *err) {
    char header[1024];
    size_t hlen = npy_header(header, sizeof header, shape, ndim);
    if (!hlen) return error_set(err, ST_ARG, "%s: cannot describe this array shape", path);
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] > 0 && count > SIZE_MAX / sizeof(float) / (size_t)shape[i])
            return error_set(err, ST_ARG, "%s: the array is too large", path);
        count *= (size_t)shape[i];
    }
    AtomicFile f;
    Status st = atomic_file_open(&f, path, err);
    if (st) return st;
    atomic_file_write(&f, header, hlen);
    atomic_file_write(&f, data, count * sizeof(float));
    return atomic_file_commit(&f, err);
}
