/*
 * testpng — PNG files read back for the plot tests. See testpng.h.
 */
#include "tests/lib/testpng.h"

#include <cairo.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/testutil.h"

void testpng_read(TestPng *p, const char *path) {
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        fail_msg("%s: cannot read as PNG: %s", path,
                 cairo_status_to_string(cairo_surface_status(s)));
    cairo_surface_flush(s);
    p->w = cairo_image_surface_get_width(s);
    p->h = cairo_image_surface_get_height(s);
    p->rgb = malloc((size_t)p->w * (size_t)p->h * 3);
    assert_non_null(p->rgb);
    const unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x < p->w; x++) {
            uint32_t v; /* native-endian 0xAARRGGBB (RGB24 or ARGB32: written opaque) */
            memcpy(&v, data + (size_t)y * (size_t)stride + 4 * (size_t)x, 4);
            unsigned char *o = p->rgb + 3 * ((size_t)y * (size_t)p->w + (size_t)x);
            o[0] = (unsigned char)(v >> 16);
            o[1] = (unsigned char)(v >> 8);
            o[2] = (unsigned char)v;
        }
    cairo_surface_destroy(s);
}

void testpng_free(TestPng *p) {
    free(p->rgb);
    p->rgb = NULL;
}

void testpng_at(const TestPng *p, int x, int y, int rgb[3]) {
    assert_true(x >= 0 && y >= 0 && x < p->w && y < p->h);
    const unsigned char *o = p->rgb + 3 * ((size_t)y * (size_t)p->w + (size_t)x);
    for (int i = 0; i < 3; i++) rgb[i] = o[i];
}

/* Counts the pixels of the rectangle for which keep(pixel) holds. */
static int count(const TestPng *p, int x, int y, int w, int h,
                 int (*keep)(const int *, const int *), const int *arg) {
    int n = 0;
    for (int j = y < 0 ? 0 : y; j < y + h && j < p->h; j++)
        for (int i = x < 0 ? 0 : x; i < x + w && i < p->w; i++) {
            int px[3];
            testpng_at(p, i, j, px);
            n += keep(px, arg);
        }
    return n;
}

static int is_ink(const int *px, const int *arg) {
    (void)arg;
    return px[0] < 231 || px[1] < 231 || px[2] < 231;
}

static int is_near(const int *px, const int *want) {
    for (int i = 0; i < 3; i++)
        if (abs(px[i] - want[i]) > want[3]) return 0;
    return 1;
}

int testpng_ink(const TestPng *p, int x, int y, int w, int h) {
    return count(p, x, y, w, h, is_ink, NULL);
}

int testpng_color(const TestPng *p, int x, int y, int w, int h, int r, int g, int b, int tol) {
    const int want[4] = {r, g, b, tol};
    return count(p, x, y, w, h, is_near, want);
}
