/*
 * test_safetensors — round trips through the writer and reader, F16/BF16
 * conversion, every malformed-file case (each must fail with the file and
 * tensor named and no handle), all-or-nothing load_into, atomic writes.
 *
 * Malformed and odd files are written byte by byte here. When python3 is
 * available, tests/lib/safetensors_check.py (the reference library's rules)
 * must accept every file finelab accepts and reject the malformed ones,
 * except the few where finelab is stricter on purpose.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/io/safetensors.h"
#include "tests/lib/testutil.h"

#define CHECKER "tests/lib/safetensors_check.py"

static char dir[64];
static int have_checker;

static int setup_dir(void **state) {
    (void)state;
    if (testutil_tmpdir(dir, sizeof dir, "safetensors")) return -1;
    have_checker = system("command -v python3 >/dev/null 2>&1") == 0;
    if (have_checker && access(CHECKER, R_OK) != 0) {
        print_message("note: python3 found but %s is not (run from the repository root); "
                      "skipping the reference checks\n",
                      CHECKER);
        have_checker = 0;
    }
    return 0;
}

static int remove_dir(void **state) {
    (void)state;
    return testutil_rmtree(dir);
}

static void path_in_dir(char *buf, size_t size, const char *name) {
    snprintf(buf, size, "%s/%s", dir, name);
}

/* Runs the reference checker on n files and returns its output (malloc'd,
 * one "PATH: ok" or "PATH: invalid: why" line per file), or NULL without
 * python3. One run checks many files: interpreter start-up is the cost. */
static char *checker_run(const char *const *paths, size_t n) {
    if (!have_checker) return NULL;
    size_t cap = 64 + strlen(CHECKER);
    for (size_t i = 0; i < n; i++) cap += strlen(paths[i]) + 3;
    char *cmd = malloc(cap);
    assert_non_null(cmd);
    size_t len = (size_t)snprintf(cmd, cap, "python3 %s", CHECKER);
    for (size_t i = 0; i < n; i++) len += (size_t)snprintf(cmd + len, cap - len, " '%s'", paths[i]);
    snprintf(cmd + len, cap - len, " 2>&1");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t got = 0, size = 4096;
    char *out = malloc(size);
    assert_non_null(out);
    for (size_t r; (r = fread(out + got, 1, size - got - 1, p)) > 0;) {
        got += r;
        if (got + 1 == size) assert_non_null(out = realloc(out, size *= 2));
    }
    out[got] = '\0';
    int rc = pclose(p);
    assert_true(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) <= 1);
    free(cmd);
    return out;
}

/* 1 when the checker's output says path is valid, 0 when invalid. */
static int checker_verdict(const char *out, const char *path) {
    size_t n = strlen(path);
    for (const char *line = out; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        if (strncmp(line, path, n) != 0 || strncmp(line + n, ": ", 2) != 0) continue;
        if (strncmp(line + n + 2, "ok", 2) == 0) return 1;
        if (strncmp(line + n + 2, "invalid", 7) == 0) return 0;
    }
    fail_msg("%s says nothing about %s:\n%s", CHECKER, path, out);
    return -1;
}

/* Asserts the checker's verdict (1 valid, 0 invalid) on each of n files. */
static void checker_expect(const char *const *paths, const int *valid, size_t n) {
    char *out = checker_run(paths, n);
    if (!out) return;
    for (size_t i = 0; i < n; i++) {
        int v = checker_verdict(out, paths[i]);
        if (v != valid[i])
            fail_msg("%s calls %s %s; finelab expects it %s:\n%s", CHECKER, paths[i],
                     v ? "valid" : "invalid", valid[i] ? "valid" : "invalid", out);
    }
    free(out);
}

static void assert_checker_accepts(const char *path) {
    const int yes = 1;
    checker_expect(&path, &yes, 1);
}

static void write_bytes(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* A file whose length prefix says hlen, then json, then data_len bytes of
 * data (from data when given, else a byte pattern). */
static void write_raw(const char *path, uint64_t hlen, const char *json, const void *data,
                      size_t data_len) {
    size_t jlen = strlen(json), n = 8 + jlen + data_len;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    for (int k = 0; k < 8; k++) buf[k] = (uint8_t)(hlen >> (8 * k));
    memcpy(buf + 8, json, jlen);
    for (size_t i = 0; i < data_len; i++)
        buf[8 + jlen + i] = data ? ((const uint8_t *)data)[i] : (uint8_t)(i * 37 + 1);
    write_bytes(path, buf, n);
    free(buf);
}

static void write_st(const char *path, const char *json, const void *data, size_t data_len) {
    write_raw(path, strlen(json), json, data, data_len);
}

#define F32(shape, b, e) "{\"dtype\":\"F32\",\"shape\":" shape ",\"data_offsets\":[" b "," e "]}"

/* --- round trip ------------------------------------------------------------ */

static void test_safetensors_round_trip(void **state) {
    (void)state;
    char path[128];
    path_in_dir(path, sizeof path, "round.safetensors");
    float conv[2 * 3 * 3 * 3], scalar = 42.5f, one = -1.25f, bias[5];
    for (int i = 0; i < 54; i++) conv[i] = (float)i * 0.5f - 7.0f;
    for (int i = 0; i < 5; i++) bias[i] = 1.0f / (float)(i + 1);
    conv[3] = -0.0f;
    conv[4] = 1e-40f; /* a float subnormal survives */
    const char *odd = "we\"ird\\name\t\x01 caf\xc3\xa9";
    int64_t s4[4] = {2, 3, 3, 3}, s1[1] = {1}, s5[1] = {5}, s0[2] = {4, 0};

    SafeTensorsWriter *w = safetensors_writer_create();
    assert_non_null(w);
    assert_int_equal(safetensors_writer_add(w, "features.0.weight", s4, 4, conv), ST_OK);
    assert_int_equal(safetensors_writer_add(w, "scalar", NULL, 0, &scalar), ST_OK);
    assert_int_equal(safetensors_writer_add(w, "one", s1, 1, &one), ST_OK);
    assert_int_equal(safetensors_writer_add(w, "empty", s0, 2, NULL), ST_OK);
    assert_int_equal(safetensors_writer_add(w, odd, s5, 1, bias), ST_OK);
    assert_int_equal(safetensors_writer_meta(w, "format", "pt"), ST_OK);
    assert_int_equal(safetensors_writer_meta(w, "iter", "1"), ST_OK);
    assert_int_equal(safetensors_writer_meta(w, "iter", "100"), ST_OK); /* replaces */
    assert_int_equal(safetensors_writer_meta(w, "note", "a \"quoted\"\nline\\"), ST_OK);
    Error err = {0};
    assert_int_equal(safetensors_writer_write(w, path, &err), ST_OK);
    safetensors_writer_destroy(w);

    /* Header padded to a multiple of 8; file is exactly prefix+header+data. */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t prefix[8];
    assert_int_equal(fread(prefix, 1, 8, f), 8);
    fclose(f);
    uint64_t hlen = 0;
    for (int k = 7; k >= 0; k--) hlen = hlen << 8 | prefix[k];
    assert_int_equal(hlen % 8, 0);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal((uint64_t)sb.st_size, 8 + hlen + 4 * (54 + 1 + 1 + 0 + 5));
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    assert_false(access(tmp, F_OK) == 0);

    SafeTensors *st;
    assert_int_equal(safetensors_open(path, &st, &err), ST_OK);
    assert_int_equal(safetensors_count(st), 5);
    const char *order[5] = {"features.0.weight", "scalar", "one", "empty", odd};
    for (size_t i = 0; i < 5; i++) {
        const SafeTensorsInfo *t = safetensors_info(st, i);
        assert_string_equal(t->name, order[i]);
        assert_string_equal(t->dtype, "F32");
        assert_ptr_equal(safetensors_find(st, order[i]), t);
    }
    const SafeTensorsInfo *t = safetensors_find(st, "features.0.weight");
    assert_int_equal(t->ndim, 4);
    for (int d = 0; d < 4; d++) assert_int_equal(t->shape[d], s4[d]);
    assert_int_equal(t->count, 54);
    assert_int_equal(t->begin, 0);
    assert_int_equal(t->end, 216);
    assert_int_equal(t->file_offset, 8 + hlen);
    t = safetensors_find(st, "scalar");
    assert_int_equal(t->ndim, 0);
    assert_int_equal(t->count, 1);
    t = safetensors_find(st, "empty");
    assert_int_equal(t->ndim, 2);
    assert_int_equal(t->count, 0);
    assert_int_equal(t->begin, t->end);
    assert_null(safetensors_find(st, "features.0"));
    assert_null(safetensors_find(st, "zzz"));

    float got[54];
    assert_int_equal(safetensors_read_f32(st, "features.0.weight", got, 54, &err), ST_OK);
    assert_memory_equal(got, conv, sizeof conv);
    assert_int_equal(safetensors_read_f32(st, "scalar", got, 1, &err), ST_OK);
    assert_true(got[0] == 42.5f);
    assert_int_equal(safetensors_read_f32(st, "one", got, 1, &err), ST_OK);
    assert_true(got[0] == -1.25f);
    assert_int_equal(safetensors_read_f32(st, "empty", NULL, 0, &err), ST_OK);
    assert_int_equal(safetensors_read_f32(st, odd, got, 5, &err), ST_OK);
    assert_memory_equal(got, bias, sizeof bias);

    assert_string_equal(safetensors_meta(st, "format"), "pt");
    assert_string_equal(safetensors_meta(st, "iter"), "100");
    assert_string_equal(safetensors_meta(st, "note"), "a \"quoted\"\nline\\");
    assert_null(safetensors_meta(st, "missing"));
    assert_string_equal(safetensors_path(st), path);
    safetensors_close(st);
    safetensors_close(NULL);
    safetensors_writer_destroy(NULL);
    assert_checker_accepts(path);
}

static void test_safetensors_empty_file_round_trip(void **state) {
    (void)state;
    char path[128];
    path_in_dir(path, sizeof path, "none.safetensors");
    SafeTensorsWriter *w = safetensors_writer_create();
    assert_int_equal(safetensors_writer_write(w, path, NULL), ST_OK);
    safetensors_writer_destroy(w);
    SafeTensors *st;
    assert_int_equal(safetensors_open(path, &st, NULL), ST_OK);
    assert_int_equal(safetensors_count(st), 0);
    assert_null(safetensors_find(st, "a"));
    assert_null(safetensors_meta(st, "a"));
    safetensors_close(st);
    assert_checker_accepts(path);
}

/* --- half precision -------------------------------------------------------- */

static float bits_to_float(uint32_t b) {
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static void test_safetensors_f16_bf16(void **state) {
    (void)state;
    static const uint16_t h[] = {0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0400, 0x0001,
                                 0x03FF, 0x8001, 0x8000, 0x7C00, 0xFC00, 0x7E00};
    const float hv[] = {1.0f,
                        -2.0f,
                        0.333251953125f,
                        65504.0f,
                        ldexpf(1.0f, -14),
                        ldexpf(1.0f, -24),
                        ldexpf(1023.0f, -24),
                        -ldexpf(1.0f, -24),
                        -0.0f,
                        INFINITY,
                        -INFINITY,
                        NAN};
    static const uint16_t b[] = {0x3F80, 0xC040, 0x4049, 0x0001, 0x8080, 0x7F80, 0xFF80, 0x7FC0};
    const float bv[] = {
        1.0f,     -3.0f,     3.140625f, bits_to_float(0x00010000), -ldexpf(1.0f, -126),
        INFINITY, -INFINITY, NAN};
    enum { NH = sizeof h / sizeof h[0], NB = sizeof b / sizeof b[0] };
    uint8_t data[2 * (NH + NB)];
    for (int i = 0; i < NH; i++)
        data[2 * i] = (uint8_t)h[i], data[2 * i + 1] = (uint8_t)(h[i] >> 8);
    for (int i = 0; i < NB; i++)
        data[2 * NH + 2 * i] = (uint8_t)b[i], data[2 * NH + 2 * i + 1] = (uint8_t)(b[i] >> 8);
    char json[256], path[128];
    snprintf(json, sizeof json,
             "{\"b\":{\"dtype\":\"BF16\",\"shape\":[2,%d],\"data_offsets\":[%d,%d]},"
             "\"h\":{\"dtype\":\"F16\",\"shape\":[%d],\"data_offsets\":[0,%d]}}",
             NB / 2, 2 * NH, 2 * (NH + NB), NH, 2 * NH);
    path_in_dir(path, sizeof path, "half.safetensors");
    write_st(path, json, data, sizeof data);
    assert_checker_accepts(path);

    SafeTensors *st;
    Error err = {0};
    assert_int_equal(safetensors_open(path, &st, &err), ST_OK);
    assert_string_equal(safetensors_info(st, 0)->name, "h"); /* file order, not header order */
    float got[NH];
    assert_int_equal(safetensors_read_f32(st, "h", got, NH, &err), ST_OK);
    for (int i = 0; i < NH; i++) {
        if (isnan(hv[i])) {
            assert_true(isnan(got[i]));
        } else {
            if (got[i] != hv[i]) fail_msg("F16 0x%04X: got %.9g, want %.9g", h[i], got[i], hv[i]);
            assert_int_equal(!!signbit(got[i]), !!signbit(hv[i]));
        }
    }
    assert_int_equal(safetensors_read_f32(st, "b", got, NB, &err), ST_OK);
    for (int i = 0; i < NB; i++) {
        if (isnan(bv[i]))
            assert_true(isnan(got[i]));
        else if (got[i] != bv[i])
            fail_msg("BF16 0x%04X: got %.9g, want %.9g", b[i], got[i], bv[i]);
    }
    safetensors_close(st);
}

/* --- malformed files ------------------------------------------------------- */

typedef struct BadCase {
    const char *json;   /* header text */
    size_t data_len;    /* bytes of data after it */
    const char *tensor; /* name the message must contain, or NULL */
    const char *needle; /* another substring the message must contain */
    int checker_ok;     /* 1 where the reference (and the checker) accept it: finelab is stricter */
} BadCase;

static const BadCase bad_cases[] = {
    /* bad JSON: the message gives the byte offset */
    {"{\"a\":" F32("[1]", "0", "4"), 4, NULL, "at byte", 0},
    {"{\"a\":" F32("[1]", "0", "4") ",}", 4, NULL, "at byte", 0},
    {"{a:1}", 0, NULL, "at byte 1", 0},
    {"", 0, NULL, "at byte 0", 0},
    {"[]", 0, NULL, "expected '{'", 0},
    {"{\"a\\x\":" F32("[1]", "0", "4") "}", 4, NULL, "escape", 0},
    {"{\"\\ud800\":" F32("[1]", "0", "4") "}", 4, NULL, "surrogate", 0},
    {"{\"\\udc00x\":" F32("[1]", "0", "4") "}", 4, NULL, "surrogate", 0},
    {"{\"a\tb\":" F32("[1]", "0", "4") "}", 4, NULL, "control character", 0},
    {"{\"a\":" F32("[1]", "0", "4") "} x", 4, NULL, "after the JSON object", 0},
    {"{\"a\":" F32("[1]", "00", "4") "}", 4, NULL, "leading zeros", 0},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":NaN}}", 4, NULL,
     "expected a value", 0},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":[1,]}}", 4, NULL,
     "at byte", 0},
    {"{\"\xff\":1}", 0, NULL, "UTF-8", 0},
    {"{\"\xc0\xaf\":1}", 0, NULL, "UTF-8", 0},     /* overlong '/' */
    {"{\"\xed\xa0\x80\":1}", 0, NULL, "UTF-8", 0}, /* encoded surrogate */
    /* incomplete entries */
    {"{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "w", "missing 'dtype'", 0},
    {"{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "w", "missing 'shape'", 0},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "w", "missing 'data_offsets'", 0},
    {"{\"w\":5}", 0, "w", "not a JSON object", 0},
    {"{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "w",
     "duplicate field", 0},
    {"{\"w\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "w", "unknown dtype",
     0},
    {"{\"w\":{\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "w", "not a string", 0},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8, "w", "not an array", 0},
    /* bad dimensions */
    {"{\"w\":" F32("[-1]", "0", "4") "}", 4, "w", "negative", 0},
    {"{\"w\":" F32("[1.5]", "0", "4") "}", 4, "w", "not an integer", 0},
    {"{\"w\":" F32("[1e0]", "0", "4") "}", 4, "w", "not an integer", 0},
    {"{\"w\":" F32("[\"1\"]", "0", "4") "}", 4, "w", "not an integer", 0},
    {"{\"w\":" F32("[true]", "0", "4") "}", 4, "w", "not an integer", 0},
    {"{\"w\":" F32("[1,1,1,1,1,1,1,1,1]", "0", "4") "}", 4, "w", "dimensions", 1},
    {"{\"w\":" F32("[4294967296,4294967296,16]", "0", "4") "}", 4, "w", "too many", 0},
    {"{\"w\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2, "w", "whole number", 0},
    /* bad offsets */
    {"{\"w\" " F32("[1]", "0", "4") "}", 4, NULL, "expected ':'", 0},
    {"{\"w\":" F32("[1]", "0.0", "4") "}", 4, "w", "not an integer", 0},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8, "w", "more than 2",
     0},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}}", 4, "w", "[begin, end]", 0},
    {"{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4, "w", "before", 0},
    {"{\"w\":" F32("[4]", "0", "16") "}", 8, "w", "outside", 0}, /* truncated */
    {"{\"w\":" F32("[1]", "0", "18446744073709551616") "}", 4, "w", "too large", 0},
    {"{\"w\":" F32("[3]", "0", "8") "}", 8, "w", "needs 12", 0},
    {"{\"a\":" F32("[2]", "0", "8") ",\"b\":" F32("[2]", "4", "12") "}", 12, "b", "overlap", 0},
    {"{\"a\":" F32("[1]", "0", "4") ",\"b\":" F32("[1]", "8", "12") "}", 12, "b", "gap", 0},
    {"{\"a\":" F32("[1]", "4", "8") "}", 8, "a", "begin at 0", 0},
    {"{\"a\":" F32("[1]", "0", "4") "}", 8, NULL, "belong to no tensor", 0},
    {"{}", 4, NULL, "belong to no tensor", 0},
    {"{\"a\":" F32("[1]", "0", "4") ",\"a\":" F32("[1]", "4", "8") "}", 8, "a", "more than once",
     0},
    /* 64-bit offsets must not wrap: 4 GiB + 4 is not 4 */
    {"{\"w\":" F32("[1073741825]", "0", "4294967300") "}", 4, "w", "outside", 0},
    {"{\"w\":" F32("[1]", "4294967296", "4294967300") "}", 4, "w", "outside", 0},
    {"{\"w\":" F32("[1]", "18446744073709551612", "18446744073709551615") "}", 4, "w", "outside",
     0},
    /* metadata */
    {"{\"__metadata__\":{\"k\":1}}", 0, NULL, "not a string", 0},
    {"{\"__metadata__\":[\"k\"]}", 0, NULL, "not an object", 0},
    {"{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}", 0, NULL, "duplicate", 0},
    {"{\"__metadata__\":{},\"__metadata__\":{}}", 0, NULL, "duplicate", 0},
    /* names finelab cannot hold in a C string */
    {"{\"a\\u0000b\":" F32("[1]", "0", "4") "}", 4, NULL, "NUL", 1},
};

#define N_BAD (sizeof bad_cases / sizeof bad_cases[0])

static void test_safetensors_malformed_headers(void **state) {
    (void)state;
    static char paths[N_BAD][128];
    const char *path_list[N_BAD];
    int checker_ok[N_BAD];
    for (size_t i = 0; i < N_BAD; i++) {
        const BadCase *c = &bad_cases[i];
        char name[64], *path = paths[i];
        snprintf(name, sizeof name, "bad_%02zu.safetensors", i);
        path_in_dir(path, sizeof paths[i], name);
        path_list[i] = path;
        checker_ok[i] = c->checker_ok;
        write_st(path, c->json, NULL, c->data_len);
        static char poison;
        SafeTensors *st = (SafeTensors *)(void *)&poison; /* open must reset it to NULL */
        Error err = {0};
        Status s = safetensors_open(path, &st, &err);
        if (s != ST_FORMAT) fail_msg("case %zu (%s): status %d: %s", i, c->json, s, err.msg);
        assert_null(st);
        if (!strstr(err.msg, name) || (c->tensor && !strstr(err.msg, c->tensor)) ||
            !strstr(err.msg, c->needle))
            fail_msg("case %zu (%s): message \"%s\" lacks the file, '%s' or '%s'", i, c->json,
                     err.msg, c->tensor ? c->tensor : "", c->needle);
    }
    checker_expect(path_list, checker_ok, N_BAD);
}

/* Writes bytes to file name in the test directory (its path into path) and
 * expects open to fail with ST_FORMAT, no handle and needle in the message. */
static void expect_bad_file(char *path, size_t size, const char *name, const void *bytes,
                            size_t len, const char *needle) {
    path_in_dir(path, size, name);
    write_bytes(path, bytes, len);
    SafeTensors *st;
    Error err = {0};
    assert_int_equal(safetensors_open(path, &st, &err), ST_FORMAT);
    assert_null(st);
    if (!strstr(err.msg, name) || !strstr(err.msg, needle))
        fail_msg("%s: message \"%s\" lacks '%s'", name, err.msg, needle);
}

static void test_safetensors_bad_lengths(void **state) {
    (void)state;
    char paths[5][128];
    expect_bad_file(paths[0], 128, "empty.safetensors", "", 0, "too short");
    expect_bad_file(paths[1], 128, "five.safetensors", "\x02\0\0\0\0", 5, "too short");
    uint8_t big[16] = {0};
    uint64_t over = 100u * 1024 * 1024 + 1;
    for (int k = 0; k < 8; k++) big[k] = (uint8_t)(over >> (8 * k));
    memcpy(big + 8, "{}      ", 8);
    expect_bad_file(paths[2], 128, "huge.safetensors", big, sizeof big, "100 MiB");
    uint8_t past[16] = {200, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '};
    expect_bad_file(paths[3], 128, "past.safetensors", past, sizeof past, "past the end");
    uint8_t wrap[16] = {0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, '{', '}'};
    expect_bad_file(paths[4], 128, "wrap.safetensors", wrap, sizeof wrap, "100 MiB");
    const char *path_list[5] = {paths[0], paths[1], paths[2], paths[3], paths[4]};
    const int valid[5] = {0, 0, 0, 0, 0};
    checker_expect(path_list, valid, 5);

    char path[128];
    path_in_dir(path, sizeof path, "missing.safetensors");
    SafeTensors *st;
    Error err = {0};
    assert_int_equal(safetensors_open(path, &st, &err), ST_IO);
    assert_null(st);
    assert_non_null(strstr(err.msg, "missing.safetensors"));
    assert_int_equal(safetensors_open(dir, &st, &err), ST_IO); /* a directory */
    assert_null(st);
}

/* Files the reference accepts that a naive parser might not. */
static void test_safetensors_lenient_but_valid(void **state) {
    (void)state;
    static const char *const jsons[] = {
        " \n\t{ \"a\" :\r\n" F32("[ 1 ]", " 0 ", " 4 ") " }        ",
        "{\"a\":{\"data_offsets\":[0,4],\"x\":{\"y\":[1.5,-2e3,true,false,null,\"s\",{}]},"
        "\"shape\":[1],\"dtype\":\"F32\",\"z\":[]},\"__metadata__\":null}",
        "{\"e\":{\"dtype\":\"F32\",\"shape\":[2,0],\"data_offsets\":[4,4]},\"a\":" F32(
            "[1]", "0", "4") ",\"z\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}",
        "{\"caf\\u00e9\\ud83d\\ude00\\n\\/\":" F32("[1]", "0", "4") "}",
        "{\"\\u005f_metadata__\":{\"k\":\"v\"},\"a\":" F32("[1]", "0", "4") "}",
        "{\"\":" F32("[1]", "-0", "4") "}",
    };
    enum { N = sizeof jsons / sizeof jsons[0] };
    char paths[N][128];
    const char *path_list[N];
    int valid[N];
    for (size_t i = 0; i < N; i++) {
        char name[64], *path = paths[i];
        snprintf(name, sizeof name, "ok_%zu.safetensors", i);
        path_in_dir(path, sizeof paths[i], name);
        path_list[i] = path;
        valid[i] = 1;
        write_st(path, jsons[i], NULL, 4);
        SafeTensors *st;
        Error err = {0};
        if (safetensors_open(path, &st, &err) != ST_OK)
            fail_msg("case %zu (%s): %s", i, jsons[i], err.msg);
        if (i == 2) {
            assert_int_equal(safetensors_count(st), 3);
            assert_string_equal(safetensors_info(st, 0)->name, "z"); /* [0,0] before [0,4] */
            assert_string_equal(safetensors_info(st, 1)->name, "a");
            assert_string_equal(safetensors_info(st, 2)->name, "e");
        }
        if (i == 3) assert_non_null(safetensors_find(st, "caf\xc3\xa9\xf0\x9f\x98\x80\n/"));
        if (i == 4) assert_string_equal(safetensors_meta(st, "k"), "v");
        if (i == 5) assert_non_null(safetensors_find(st, ""));
        safetensors_close(st);
    }
    checker_expect(path_list, valid, N);
}

static void test_safetensors_other_dtypes(void **state) {
    (void)state;
    char path[128];
    path_in_dir(path, sizeof path, "dtypes.safetensors");
    write_st(path,
             "{\"i\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
             "\"u\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[16,19]},"
             "\"q\":{\"dtype\":\"F4\",\"shape\":[2,3],\"data_offsets\":[19,22]},"
             "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[22,30]}}",
             NULL, 30);
    assert_checker_accepts(path);
    SafeTensors *st;
    Error err = {0};
    assert_int_equal(safetensors_open(path, &st, &err), ST_OK);
    assert_int_equal(safetensors_count(st), 4);
    const SafeTensorsInfo *t = safetensors_find(st, "q");
    assert_string_equal(t->dtype, "F4");
    assert_int_equal(t->dtype_bits, 4);
    assert_int_equal(t->count, 6);
    assert_int_equal(safetensors_find(st, "d")->ndim, 0);
    float dst[2] = {7, 7};
    assert_int_equal(safetensors_read_f32(st, "i", dst, 2, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "dtypes.safetensors"));
    assert_non_null(strstr(err.msg, "'i'"));
    assert_non_null(strstr(err.msg, "I64"));
    assert_true(dst[0] == 7 && dst[1] == 7);
    assert_int_equal(safetensors_read_f32(st, "nope", dst, 2, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "nope"));
    safetensors_close(st);
}

/* --- load_into ------------------------------------------------------------- */

static void test_safetensors_load_into_all_or_nothing(void **state) {
    (void)state;
    char path[128];
    path_in_dir(path, sizeof path, "load.safetensors");
    float a[6] = {1, 2, 3, 4, 5, 6}, b[4] = {-1, -2, -3, -4};
    int64_t sa[2] = {2, 3}, sb[1] = {4};
    SafeTensorsWriter *w = safetensors_writer_create();
    assert_int_equal(safetensors_writer_add(w, "a", sa, 2, a), ST_OK);
    assert_int_equal(safetensors_writer_add(w, "b", sb, 1, b), ST_OK);
    assert_int_equal(safetensors_writer_write(w, path, NULL), ST_OK);
    safetensors_writer_destroy(w);

    float da[6], db[4];
    float *dst[2] = {da, db};
    const char *names[2] = {"a", "b"}, *missing[2] = {"a", "c"};
    size_t counts[2] = {6, 4}, wrong[2] = {6, 5};
    Error err = {0};
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 6; i++) da[i] = 99;
        for (int i = 0; i < 4; i++) db[i] = 99;
        Status want = round == 0 ? ST_FORMAT : ST_SHAPE;
        Status got = safetensors_load_into(path, round == 0 ? missing : names, dst,
                                           round == 0 ? counts : wrong, 2, &err);
        assert_int_equal(got, want);
        assert_non_null(strstr(err.msg, "load.safetensors"));
        assert_non_null(strstr(err.msg, round == 0 ? "'c'" : "'b'"));
        for (int i = 0; i < 6; i++) assert_true(da[i] == 99); /* "a" was fine but untouched */
        for (int i = 0; i < 4; i++) assert_true(db[i] == 99);
    }
    assert_int_equal(safetensors_load_into(path, names, dst, counts, 2, &err), ST_OK);
    assert_memory_equal(da, a, sizeof a);
    assert_memory_equal(db, b, sizeof b);
    /* A single read with the wrong count leaves dst untouched too. */
    SafeTensors *st;
    assert_int_equal(safetensors_open(path, &st, &err), ST_OK);
    db[0] = 99;
    assert_int_equal(safetensors_read_f32(st, "b", db, 3, &err), ST_SHAPE);
    assert_true(db[0] == 99);
    safetensors_close(st);
    assert_int_equal(
        safetensors_load_into("/nonexistent/x.safetensors", names, dst, counts, 2, &err), ST_IO);
}

/* --- writing ----------------------------------------------------------------- */

static void test_safetensors_failed_write_keeps_old_file(void **state) {
    (void)state;
    char path[128], blocker[160];
    path_in_dir(path, sizeof path, "keep.safetensors");
    float v1[3] = {1, 2, 3}, v2[3] = {4, 5, 6};
    int64_t s[1] = {3};
    SafeTensorsWriter *w = safetensors_writer_create();
    assert_int_equal(safetensors_writer_add(w, "v", s, 1, v1), ST_OK);
    assert_int_equal(safetensors_writer_write(w, path, NULL), ST_OK);
    safetensors_writer_destroy(w);

    /* A directory where the temporary file would go makes the write fail
     * (for root too, unlike permissions). */
    snprintf(blocker, sizeof blocker, "%s.tmp.%ld", path, (long)getpid());
    assert_int_equal(mkdir(blocker, 0700), 0);
    w = safetensors_writer_create();
    assert_int_equal(safetensors_writer_add(w, "v", s, 1, v2), ST_OK);
    Error err = {0};
    assert_int_equal(safetensors_writer_write(w, path, &err), ST_IO);
    assert_non_null(strstr(err.msg, "keep.safetensors"));
    struct stat sb;
    assert_int_equal(stat(blocker, &sb), 0); /* not removed: it was not ours */
    assert_true(S_ISDIR(sb.st_mode));
    rmdir(blocker);
    safetensors_writer_destroy(w);

    float got[3];
    assert_int_equal(safetensors_load_into(path, (const char *const[]){"v"}, (float *const[]){got},
                                           (const size_t[]){3}, 1, &err),
                     ST_OK);
    assert_memory_equal(got, v1, sizeof v1);

    /* A missing directory fails without leaving anything behind. */
    w = safetensors_writer_create();
    assert_int_equal(safetensors_writer_write(w, "/nonexistent/dir/x.safetensors", &err), ST_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/dir/x.safetensors"));
    safetensors_writer_destroy(w);
}

static void test_safetensors_writer_errors_are_sticky(void **state) {
    (void)state;
    char path[128];
    path_in_dir(path, sizeof path, "never.safetensors");
    float v[2] = {1, 2};
    int64_t s[1] = {2}, neg[2] = {2, -1}, nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 2};
    Error err = {0};

    SafeTensorsWriter *w = safetensors_writer_create();
    assert_int_equal(safetensors_writer_add(w, "v", s, 1, v), ST_OK);
    assert_int_equal(safetensors_writer_add(w, "v", s, 1, v), ST_ARG);
    assert_int_equal(safetensors_writer_add(w, "w", s, 1, v), ST_ARG); /* sticky */
    assert_int_equal(safetensors_writer_write(w, path, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "never.safetensors"));
    assert_non_null(strstr(err.msg, "'v'"));
    assert_false(access(path, F_OK) == 0);
    safetensors_writer_destroy(w);

    struct {
        const char *name;
        const int64_t *shape;
        int ndim;
        const float *data;
    } bad[] = {
        {"n", neg, 2, v},  {"x", nine, 9, v},    {"__metadata__", s, 1, v},
        {"z", s, 1, NULL}, {"bad\xff", s, 1, v}, {"m", s, -1, v},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        w = safetensors_writer_create();
        assert_int_equal(
            safetensors_writer_add(w, bad[i].name, bad[i].shape, bad[i].ndim, bad[i].data), ST_ARG);
        assert_int_equal(safetensors_writer_meta(w, "k", "v"), ST_ARG);
        assert_int_equal(safetensors_writer_write(w, path, &err), ST_ARG);
        safetensors_writer_destroy(w);
    }
    w = safetensors_writer_create();
    assert_int_equal(safetensors_writer_meta(w, "k", "\xc3"), ST_ARG);
    safetensors_writer_destroy(w);
    assert_false(access(path, F_OK) == 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_safetensors_round_trip),
        cmocka_unit_test(test_safetensors_empty_file_round_trip),
        cmocka_unit_test(test_safetensors_f16_bf16),
        cmocka_unit_test(test_safetensors_malformed_headers),
        cmocka_unit_test(test_safetensors_bad_lengths),
        cmocka_unit_test(test_safetensors_lenient_but_valid),
        cmocka_unit_test(test_safetensors_other_dtypes),
        cmocka_unit_test(test_safetensors_load_into_all_or_nothing),
        cmocka_unit_test(test_safetensors_failed_write_keeps_old_file),
        cmocka_unit_test(test_safetensors_writer_errors_are_sticky),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
