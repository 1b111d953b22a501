/*
 * fuzz_safetensors — the safetensors reader (engine/io/safetensors.c) on
 * any file: the 8-byte header length, the header JSON and the data
 * offsets it declares.
 *
 * The input is written to a file in the scratch folder (the reader opens
 * paths). When safetensors_open accepts it, the harness does what the
 * weight loader does: looks every tensor up by name, reads every float
 * tensor (F32, F16, BF16) with its exact count, and all of them at once
 * through safetensors_load_into; the handle's promises are checked on the
 * way (the tensors tile the data buffer, a wrong count is ST_SHAPE, a
 * non-float dtype ST_FORMAT). A rejected file must say why, naming it.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/io/safetensors.h"
#include "tests/fuzz/fuzz.h"

static int is_float(const SafeTensorsInfo *t) {
    return strcmp(t->dtype, "F32") == 0 || strcmp(t->dtype, "F16") == 0 ||
           strcmp(t->dtype, "BF16") == 0;
}

/* Reads tensor t as its caller would, and with a count one too many. */
static void check_tensor(const SafeTensors *st, const SafeTensorsInfo *t, size_t size) {
    FUZZ_CHECK(safetensors_find(st, t->name) == t, t->name);
    FUZZ_CHECK(t->end - t->begin <= size, t->name); /* it lies inside the file */
    Error e = {0};
    if (!is_float(t)) {
        float one;
        FUZZ_CHECK(safetensors_read_f32(st, t->name, &one, 1, &e) == ST_FORMAT, t->name);
        return;
    }
    size_t n = (size_t)t->count;
    float *dst = malloc((n ? n : 1) * sizeof *dst);
    FUZZ_CHECK(dst, "out of memory");
    FUZZ_CHECK(safetensors_read_f32(st, t->name, dst, n, &e) == ST_OK, e.msg);
    FUZZ_CHECK(safetensors_read_f32(st, t->name, dst, n + 1, &e) == ST_SHAPE, t->name);
    free(dst);
}

/* safetensors_load_into over every float tensor: the weight loader's call. */
static void check_load_into(const SafeTensors *st, const char *path) {
    size_t n = safetensors_count(st), k = 0;
    const char **names = calloc(n + 1, sizeof *names);
    float **dst = calloc(n + 1, sizeof *dst);
    size_t *counts = calloc(n + 1, sizeof *counts);
    FUZZ_CHECK(names && dst && counts, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const SafeTensorsInfo *t = safetensors_info(st, i);
        if (!is_float(t)) continue;
        names[k] = t->name;
        counts[k] = (size_t)t->count;
        FUZZ_CHECK(dst[k] = malloc((counts[k] ? counts[k] : 1) * sizeof(float)), "out of memory");
        k++;
    }
    Error e = {0};
    Status s = safetensors_load_into(path, names, dst, counts, (int)k, &e);
    FUZZ_CHECK(s == ST_OK, e.msg);
    for (size_t i = 0; i < k; i++) free(dst[i]);
    free(names);
    free(dst);
    free(counts);
}

FUZZ_TARGET(fuzz_safetensors) {
    char path[256];
    fuzz_input_file(path, sizeof path, "fuzz.safetensors", data, size);
    SafeTensors *st = NULL;
    Error e = {0};
    if (safetensors_open(path, &st, &e) != ST_OK) {
        FUZZ_CHECK(!st, e.msg);
        fuzz_expect_named(path, e.msg);
        return 0;
    }
    uint64_t covered = 0;
    for (size_t i = 0; i < safetensors_count(st); i++) {
        const SafeTensorsInfo *t = safetensors_info(st, i);
        FUZZ_CHECK(t->begin == covered, "the tensors do not tile the data buffer");
        covered = t->end;
        check_tensor(st, t, size);
    }
    (void)safetensors_meta(st, "format");
    (void)safetensors_meta(st, "input");
    check_load_into(st, path);
    safetensors_close(st);
    return 0;
}
