/*
 * testsnap — damaged snapshot files. See testsnap.h.
 *
 * A file is read whole, split into its 8-byte header length, the header
 * text and the data, edited, and written back whole (through
 * fileio_write_atomic, so an in-place edit is as safe as a copy).
 */
#include "tests/lib/testsnap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "tests/lib/testutil.h"

typedef struct SnapFile {
    uint8_t *bytes;
    size_t len;
    uint64_t header; /* the header's length, from the first 8 bytes */
} SnapFile;

static void snapfile_read(const char *path, SnapFile *f) {
    if (fileio_read_all(path, &f->bytes, &f->len, NULL)) fail_msg("%s: cannot read", path);
    if (f->len < 8) fail_msg("%s: not a safetensors file", path);
    f->header = 0;
    for (int i = 7; i >= 0; i--) f->header = f->header << 8 | f->bytes[i];
    if (f->header > f->len - 8) fail_msg("%s: not a safetensors file", path);
}

static void write_bytes(const char *path, const void *data, size_t len) {
    if (fileio_write_atomic(path, data, len, NULL)) fail_msg("%s: cannot write", path);
}

/* Writes the length prefix n, then header (hlen bytes), then data. */
static void write_parts(const char *path, uint64_t n, const char *header, size_t hlen,
                        const uint8_t *data, size_t dlen) {
    uint8_t *out = malloc(8 + hlen + dlen);
    assert_non_null(out);
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(n >> (8 * i));
    memcpy(out + 8, header, hlen);
    memcpy(out + 8 + hlen, data, dlen);
    write_bytes(path, out, 8 + hlen + dlen);
    free(out);
}

void testsnap_cut(const char *src, const char *dst, size_t len) {
    SnapFile f;
    snapfile_read(src, &f);
    assert_true(len <= f.len);
    write_bytes(dst, f.bytes, len);
    free(f.bytes);
}

/* The header as a NUL-terminated string (malloc'd). */
static char *snapfile_header(const SnapFile *f) {
    char *h = malloc(f->header + 1);
    assert_non_null(h);
    memcpy(h, f->bytes + 8, f->header);
    h[f->header] = '\0';
    return h;
}

/* Writes dst from f with header text h (its length fixed up). */
static void snapfile_write(const char *dst, const SnapFile *f, const char *h) {
    size_t n = strlen(h);
    write_parts(dst, n, h, n, f->bytes + 8 + f->header, f->len - 8 - f->header);
}

void testsnap_replace(const char *src, const char *dst, const char *from, const char *to) {
    SnapFile f;
    snapfile_read(src, &f);
    char *h = snapfile_header(&f), *at = strstr(h, from);
    if (!at) fail_msg("%s: the header has no '%s'", src, from);
    size_t a = (size_t)(at - h), nf = strlen(from), nt = strlen(to), n = strlen(h);
    char *out = malloc(n - nf + nt + 1);
    assert_non_null(out);
    memcpy(out, h, a);
    memcpy(out + a, to, nt);
    memcpy(out + a + nt, at + nf, n - a - nf + 1);
    snapfile_write(dst, &f, out);
    free(out);
    free(h);
    free(f.bytes);
}

void testsnap_meta(const char *src, const char *dst, const char *key, const char *value) {
    SnapFile f;
    snapfile_read(src, &f);
    char *h = snapfile_header(&f), want[96];
    snprintf(want, sizeof want, "\"%s\":\"", key);
    char *at = strstr(h, want);
    if (!at) fail_msg("%s: no metadata %s", src, key);
    char *end = strchr(at + strlen(want), '"');
    assert_non_null(end);
    end++; /* past the value's closing quote */
    char pair[1200] = "";
    if (value)
        snprintf(pair, sizeof pair, "\"%s\":\"%s\"", key, value);
    else if (*end == ',')
        end++; /* drop the pair and its comma */
    else if (at[-1] == ',')
        at--;
    size_t n = strlen(h), a = (size_t)(at - h), np = strlen(pair);
    char *out = malloc(n + np + 1);
    assert_non_null(out);
    memcpy(out, h, a);
    memcpy(out + a, pair, np);
    strcpy(out + a + np, end);
    snapfile_write(dst, &f, out);
    free(out);
    free(h);
    free(f.bytes);
}

/* --- the damages ------------------------------------------------------------------ */

static size_t file_len(const char *path, size_t *header) {
    SnapFile f;
    snapfile_read(path, &f);
    free(f.bytes);
    if (header) *header = (size_t)f.header;
    return f.len;
}

static void empty(const char *s, const char *d) {
    testsnap_cut(s, d, 0);
}
static void cut_in_length(const char *s, const char *d) {
    testsnap_cut(s, d, 5);
}
static void cut_after_length(const char *s, const char *d) {
    testsnap_cut(s, d, 8);
}
static void cut_in_header(const char *s, const char *d) {
    size_t h;
    file_len(s, &h);
    testsnap_cut(s, d, 8 + h / 2);
}
static void cut_after_header(const char *s, const char *d) {
    size_t h;
    file_len(s, &h);
    testsnap_cut(s, d, 8 + h);
}
static void cut_in_data(const char *s, const char *d) {
    size_t h, len = file_len(s, &h);
    testsnap_cut(s, d, 8 + h + (len - 8 - h) / 2);
}
static void one_byte_short(const char *s, const char *d) {
    testsnap_cut(s, d, file_len(s, NULL) - 1);
}
static void one_byte_more(const char *s, const char *d) {
    SnapFile f;
    snapfile_read(s, &f);
    uint8_t *more = realloc(f.bytes, f.len + 1);
    assert_non_null(more);
    more[f.len] = 0;
    write_bytes(d, more, f.len + 1);
    free(more);
}
/* The header length changed, the bytes left as they are. */
static void set_length(const char *s, const char *d, int64_t delta, uint64_t absolute) {
    SnapFile f;
    snapfile_read(s, &f);
    uint64_t n = absolute ? absolute : (uint64_t)((int64_t)f.header + delta);
    for (int i = 0; i < 8; i++) f.bytes[i] = (uint8_t)(n >> (8 * i));
    write_bytes(d, f.bytes, f.len);
    free(f.bytes);
}
static void length_huge(const char *s, const char *d) {
    set_length(s, d, 0, (uint64_t)1 << 40);
}
static void length_one_more(const char *s, const char *d) {
    set_length(s, d, 1, 0);
}
static void length_one_less(const char *s, const char *d) {
    set_length(s, d, -1, 0);
}
static void json_no_colon(const char *s, const char *d) {
    testsnap_replace(s, d, "{\"__metadata__\":", "{\"__metadata__\"");
}
static void json_bare_word(const char *s, const char *d) {
    testsnap_replace(s, d, "\"dtype\":\"F32\"", "\"dtype\":F32");
}
static void json_not_object(const char *s, const char *d) {
    testsnap_replace(s, d, "{\"__metadata__\":", "[\"__metadata__\",");
}
/* The second tensor's data 4 bytes early, inside the first's. */
static void offsets_overlap(const char *s, const char *d) {
    SnapFile f;
    snapfile_read(s, &f);
    char *h = snapfile_header(&f), *at = h, from[64], to[64];
    unsigned long long a = 0, b = 0;
    while ((at = strstr(at, "\"data_offsets\":[")) &&
           (sscanf(at, "\"data_offsets\":[%llu,%llu]", &a, &b) != 2 || a == 0))
        at++;
    assert_non_null(at);
    snprintf(from, sizeof from, "\"data_offsets\":[%llu,%llu]", a, b);
    snprintf(to, sizeof to, "\"data_offsets\":[%llu,%llu]", a - 4, b - 4);
    free(h);
    free(f.bytes);
    testsnap_replace(s, d, from, to);
}
/* The first tensor claims 4 bytes more than its shape holds. */
static void offsets_too_long(const char *s, const char *d) {
    SnapFile f;
    snapfile_read(s, &f);
    char *h = snapfile_header(&f), *at = strstr(h, "\"data_offsets\":[0,"), from[64], to[64];
    unsigned long long b = 0;
    assert_true(at && sscanf(at, "\"data_offsets\":[0,%llu]", &b) == 1);
    snprintf(from, sizeof from, "\"data_offsets\":[0,%llu]", b);
    snprintf(to, sizeof to, "\"data_offsets\":[0,%llu]", b + 4);
    free(h);
    free(f.bytes);
    testsnap_replace(s, d, from, to);
}
static void no_classifier_bias(const char *s, const char *d) {
    testsnap_replace(s, d, "\"head.fc.bias\":", "\"head.fc.bia5\":");
}
static void no_history(const char *s, const char *d) {
    testsnap_replace(s, d, "\"features.0.weight.history\":", "\"features.0.weight.h1story\":");
}
/* The classifier's weight [K, D] written as [D, K]: as many floats. */
static void classifier_transposed(const char *s, const char *d) {
    static const char key[] = "\"head.fc.weight\":{\"dtype\":\"F32\",\"shape\":[";
    SnapFile f;
    snapfile_read(s, &f);
    char *h = snapfile_header(&f), *at = strstr(h, key), from[128], to[128];
    long k = 0, dim = 0;
    assert_true(at && sscanf(at + strlen(key), "%ld,%ld]", &k, &dim) == 2 && k != dim);
    snprintf(from, sizeof from, "%s%ld,%ld]", key, k, dim);
    snprintf(to, sizeof to, "%s%ld,%ld]", key, dim, k);
    free(h);
    free(f.bytes);
    testsnap_replace(s, d, from, to);
}
#define META(fn, key, value)                                                                       \
    static void fn(const char *s, const char *d) {                                                 \
        testsnap_meta(s, d, key, value);                                                           \
    }
META(iter_word, "iter", "four")
META(iter_negative, "iter", "-6")
META(iter_fraction, "iter", "6.5")
META(iter_other, "iter", "3")
META(iter_missing, "iter", NULL)
META(solver_adam, "solver", "Adam")
META(format_other, "format", "finelab-snapshot-9")
META(step_far, "current_step", "99")
META(accuracy_over_1, "best_accuracy", "1.5")
META(window_long, "loss_window", "1,2,3,4,5,6,7,8,9,10,11,12")
META(window_holes, "loss_window", "1,,2")
META(test_iter_late, "last_test_iter", "999")
META(seen_negative, "display_seen", "-1")
META(batches_negative, "batches_done", "-3")
#undef META

static const TestSnapDamage damages[] = {
    {"empty", empty, "too short"},
    {"cut in the header length", cut_in_length, "too short"},
    {"cut after the header length", cut_after_length, "truncated"},
    {"cut in the header", cut_in_header, "truncated"},
    {"cut after the header", cut_after_header, "truncated"},
    {"cut in the data", cut_in_data, "truncated"},
    {"one byte short", one_byte_short, "truncated"},
    {"one byte more", one_byte_more, "belong to no tensor"},
    {"header length over the limit", length_huge, "100 MiB"},
    {"header length one more", length_one_more, NULL},
    {"header length one less", length_one_less, NULL},
    {"JSON without a colon", json_no_colon, NULL},
    {"JSON with a bare word", json_bare_word, NULL},
    {"JSON not an object", json_not_object, NULL},
    {"data offsets that overlap", offsets_overlap, "overlap"},
    {"data offsets longer than the shape", offsets_too_long, "bytes but shape"},
    {"a missing tensor", no_classifier_bias, "tensor head.fc.bias is missing"},
    {"a missing history", no_history, "tensor features.0.weight.history is missing"},
    {"a tensor of another shape", classifier_transposed, "tensor head.fc.weight has shape"},
    {"an iteration that is not a number", iter_word, "iter = 'four' is not a number"},
    {"a negative iteration", iter_negative, "iter = -6"},
    {"a fractional iteration", iter_fraction, "iter = 6.5"},
    {"an iteration its name does not say", iter_other, "its metadata says iteration 3"},
    {"no iteration", iter_missing, "no iter in its metadata"},
    {"another solver type", solver_adam, "written by solver type Adam"},
    {"another format", format_other, "not a finelab snapshot"},
    {"a multistep position past the steps", step_far, "current_step = 99"},
    {"an accuracy over 1", accuracy_over_1, "best_accuracy = 1.5"},
    {"a loss window too long", window_long, "loss_window holds more"},
    {"a loss window with holes", window_holes, "loss_window is not a list"},
    {"a test after the snapshot", test_iter_late, "last_test_iter = 999"},
    {"a negative count", seen_negative, "display_seen = -1"},
    {"a negative data position", batches_negative, "batches_done = -3"},
};

const TestSnapDamage *testsnap_damages(int *n) {
    *n = (int)(sizeof damages / sizeof damages[0]);
    return damages;
}
