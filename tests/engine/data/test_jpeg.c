/*
 * test_jpeg — decoding (RGB, grayscale, CMYK, DCT-domain downscaling),
 * truncated and foreign files, the probe, and atomic encoding. The
 * grayscale and CMYK fixtures are written here with libjpeg directly, since
 * finelab itself only ever encodes RGB.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>

#include "engine/data/jpeg.h"
#include "engine/io/fileio.h"
#include "tests/lib/testutil.h"

static char dir[64];

static int setup_dir(void **state) {
    (void)state;
    return testutil_tmpdir(dir, sizeof dir, "jpeg");
}

static int remove_dir(void **state) {
    (void)state;
    return testutil_rmtree(dir);
}

static void gradient(Image *img, int w, int h) {
    assert_int_equal(image_init(img, w, h), ST_OK);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = img->rgb + ((size_t)y * w + x) * 3;
            p[0] = (uint8_t)(255 * x / (w - 1));
            p[1] = (uint8_t)(255 * y / (h - 1));
            p[2] = 128;
        }
}

static double mean_abs_diff(const Image *a, const Image *b) {
    double sum = 0;
    size_t n = (size_t)a->w * a->h * 3;
    for (size_t i = 0; i < n; i++) sum += abs((int)a->rgb[i] - (int)b->rgb[i]);
    return sum / n;
}

static void path_of(char *out, size_t cap, const char *name) {
    snprintf(out, cap, "%s/%s", dir, name);
}

static void test_jpeg_roundtrip_rgb(void **state) {
    (void)state;
    Image src, back = {0};
    gradient(&src, 64, 48);
    char path[128];
    path_of(path, sizeof path, "rgb.jpg");
    assert_int_equal(jpeg_encode_file(path, &src, 95, NULL), ST_OK);
    int w = 0, h = 0;
    assert_int_equal(jpeg_probe_file(path, &w, &h, NULL), ST_OK);
    assert_int_equal(w, 64);
    assert_int_equal(h, 48);
    assert_int_equal(jpeg_decode_file(path, 0, &back, NULL), ST_OK);
    assert_int_equal(back.w, 64);
    assert_int_equal(back.h, 48);
    assert_true(mean_abs_diff(&src, &back) < 2.0);
    /* No temporary file is left beside the output. */
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp")) fail_msg("left behind: %s", e->d_name);
    closedir(d);
    image_fini(&src);
    image_fini(&back);
}

static void test_jpeg_dct_scaling_picks_smallest_sufficient_scale(void **state) {
    (void)state;
    Image src, out = {0};
    gradient(&src, 400, 300);
    uint8_t *buf;
    size_t len;
    assert_int_equal(jpeg_encode_mem(&src, 90, &buf, &len, NULL), ST_OK);
    /* 3/8 gives 150x113 >= 100 on both sides; 2/8 would give 100x75. */
    assert_int_equal(jpeg_decode_mem(buf, len, "mem", 100, &out, NULL), ST_OK);
    assert_int_equal(out.w, 150);
    assert_int_equal(out.h, 113);
    /* Exactly reachable: 1/2 scale gives 200x150 for min side 150. */
    assert_int_equal(jpeg_decode_mem(buf, len, "mem", 150, &out, NULL), ST_OK);
    assert_int_equal(out.w, 200);
    assert_int_equal(out.h, 150);
    /* A target above the image decodes at full size (never upsampled here). */
    assert_int_equal(jpeg_decode_mem(buf, len, "mem", 512, &out, NULL), ST_OK);
    assert_int_equal(out.w, 400);
    free(buf);
    image_fini(&src);
    image_fini(&out);
}

/* Writes a 1- or 4-component JPEG with libjpeg; for CMYK, inverted as Adobe writes it. */
static void write_components(const char *path, int comps, int w, int h) {
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = comps;
    c.in_color_space = comps == 1 ? JCS_GRAYSCALE : JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 95, TRUE);
    if (comps == 4) jpeg_set_colorspace(&c, JCS_YCCK);
    jpeg_start_compress(&c, TRUE);
    uint8_t *row = malloc((size_t)w * comps);
    while (c.next_scanline < c.image_height) {
        for (int x = 0; x < w; x++)
            for (int k = 0; k < comps; k++)
                /* gray 90; CMYK stored inverted: C=M=Y=0, K=50% -> 255, 255, 255, 128 */
                row[x * comps + k] = comps == 1 ? 90 : (uint8_t)(k < 3 ? 255 : 128);
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);
    free(row);
}

static void test_jpeg_grayscale_and_cmyk_become_rgb(void **state) {
    (void)state;
    char path[128];
    Image out = {0};
    path_of(path, sizeof path, "gray.jpg");
    write_components(path, 1, 16, 16);
    assert_int_equal(jpeg_decode_file(path, 0, &out, NULL), ST_OK);
    for (int i = 0; i < 16 * 16 * 3; i++) assert_in_range(out.rgb[i], 88, 92);
    path_of(path, sizeof path, "cmyk.jpg");
    write_components(path, 4, 16, 16);
    assert_int_equal(jpeg_decode_file(path, 0, &out, NULL), ST_OK);
    /* No ink with 50% black: a mid grey around 128 in every channel. */
    for (int i = 0; i < 16 * 16 * 3; i++) assert_in_range(out.rgb[i], 120, 136);
    image_fini(&out);
}

static void test_jpeg_truncated_foreign_and_missing_files(void **state) {
    (void)state;
    Image src, out = {0};
    gradient(&src, 128, 96);
    uint8_t *buf;
    size_t len;
    assert_int_equal(jpeg_encode_mem(&src, 90, &buf, &len, NULL), ST_OK);
    char path[128];
    path_of(path, sizeof path, "half.jpg");
    assert_int_equal(fileio_write_atomic(path, buf, len / 2, NULL), ST_OK);
    Error err = {0};
    assert_int_equal(jpeg_decode_file(path, 0, &out, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "truncated"));
    assert_int_equal(jpeg_probe_file(path, NULL, NULL, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "truncated"));

    path_of(path, sizeof path, "notes.jpg");
    assert_int_equal(fileio_write_atomic(path, "hello, not a jpeg\n", 18, NULL), ST_OK);
    assert_int_equal(jpeg_decode_file(path, 0, &out, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "notes.jpg"));
    assert_int_equal(jpeg_probe_file(path, NULL, NULL, &err), ST_FORMAT);

    path_of(path, sizeof path, "missing.jpg");
    assert_int_equal(jpeg_decode_file(path, 0, &out, &err), ST_IO);
    assert_non_null(strstr(err.msg, "missing.jpg"));
    assert_int_equal(jpeg_probe_file(path, NULL, NULL, &err), ST_IO);
    /* An empty file is neither readable nor a crash. */
    assert_int_equal(jpeg_decode_mem(buf, 0, "empty", 0, &out, &err), ST_FORMAT);
    free(buf);
    image_fini(&src);
    image_fini(&out);
}

/* A small file whose header declares a huge image is refused before any
 * pixel memory is allocated (found by fuzz_jpeg: 1 KB asked for 2.7 GB). */
static void test_jpeg_huge_header_is_refused(void **state) {
    (void)state;
    Image src, out = {0};
    gradient(&src, 40, 30);
    uint8_t *buf;
    size_t len;
    assert_int_equal(jpeg_encode_mem(&src, 75, &buf, &len, NULL), ST_OK);
    size_t sof = 0;
    while (sof + 9 < len && !(buf[sof] == 0xFF && buf[sof + 1] == 0xC0)) sof++;
    assert_true(sof + 9 < len);
    buf[sof + 5] = 30000 >> 8, buf[sof + 6] = 30000 & 0xFF; /* height */
    buf[sof + 7] = 8193 >> 8, buf[sof + 8] = 8193 & 0xFF;   /* width: 8193 x 8192 is over */
    Error err = {0};
    assert_int_equal(jpeg_decode_mem(buf, len, "huge.jpg", 0, &out, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "huge.jpg: 8193x30000 pixels is over the 64-megapixel limit"));
    assert_null(out.rgb);
    char path[128];
    path_of(path, sizeof path, "huge.jpg");
    assert_int_equal(fileio_write_atomic(path, buf, len, NULL), ST_OK);
    int w = 0, h = 0;
    assert_int_equal(jpeg_probe_file(path, &w, &h, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "pixels is over"));
    assert_int_equal(w, 8193);
    free(buf);
    image_fini(&src);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jpeg_roundtrip_rgb),
        cmocka_unit_test(test_jpeg_dct_scaling_picks_smallest_sufficient_scale),
        cmocka_unit_test(test_jpeg_grayscale_and_cmyk_become_rgb),
        cmocka_unit_test(test_jpeg_truncated_foreign_and_missing_files),
        cmocka_unit_test(test_jpeg_huge_header_is_refused),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
