/*
 * test_raster — drawing primitives by value: covered areas against the
 * analytic areas, exact coverage of straight anti-aliased edges, the fast
 * polygon path against the reference path, thin strokes, gradients and
 * alpha, the mark mask and bounding box, noise statistics, conversion to
 * 8 bits, and clipping at the canvas border (ASan catches a stray write).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/synth/raster.h"
#include "tests/lib/testutil.h"

#define PI 3.14159265358979

static void canvas(RasterCanvas *c, int w, int h) {
    assert_int_equal(raster_init(c, w, h), ST_OK);
}

/* A marking paint: the mask then holds exactly the coverage of the shape. */
static RasterPaint marker(void) {
    RasterPaint p = raster_flat(1.0f, 1.0f, 1.0f, 1.0f);
    p.mark = 1;
    return p;
}

static float mask_at(const RasterCanvas *c, int x, int y) {
    return c->mask[(size_t)y * (size_t)c->w + (size_t)x];
}

static void assert_rel(double got, double want, double rel) {
    if (fabs(got - want) > rel * fabs(want))
        fail_msg("got %.6g, expected %.6g within %.2g%%", got, want, 100.0 * rel);
}

static void test_ellipse_area(void **state) {
    (void)state;
    RasterCanvas c;
    canvas(&c, 120, 100);
    RasterPaint p = marker();
    /* A box-filtered ramp across a curved edge adds ~pi/12 px^2 whatever
     * the size, so the smallest ellipse here is ~65 px^2. */
    const float rx[3] = {30.0f, 12.5f, 6.0f}, ry[3] = {12.0f, 11.0f, 3.5f};
    for (int i = 0; i < 3; i++) {
        raster_clear(&c, (const float[3]){0, 0, 0});
        raster_ellipse(&c, 60.3f, 49.7f, rx[i], ry[i], 0.6f, &p);
        assert_rel(raster_mask_area(&c), PI * rx[i] * ry[i], 0.01);
    }
    /* Inside is fully covered, outside untouched. */
    assert_float_equal(mask_at(&c, 60, 49), 1.0f, 1e-6f);
    assert_float_equal(mask_at(&c, 5, 5), 0.0f, 0.0f);
    raster_fini(&c);
}

static void test_edges_are_antialiased(void **state) {
    (void)state;
    RasterCanvas c;
    canvas(&c, 40, 40);
    RasterPaint p = marker();
    /* Rectangle [10.25, 30.5] x [5, 25]: column 10 is 75% covered, column
     * 30 half, whatever the distance-based corners do. */
    float rect[8] = {10.25f, 5.0f, 30.5f, 5.0f, 30.5f, 25.0f, 10.25f, 25.0f};
    raster_polygon(&c, rect, 4, &p);
    assert_float_equal(mask_at(&c, 10, 15), 0.75f, 1e-5f);
    assert_float_equal(mask_at(&c, 30, 15), 0.5f, 1e-5f);
    assert_float_equal(mask_at(&c, 20, 15), 1.0f, 1e-6f);
    assert_float_equal(mask_at(&c, 9, 15), 0.0f, 0.0f);
    assert_rel(raster_mask_area(&c), 20.25 * 20.0, 0.002);
    /* A circle has a ring of partial pixels around a full interior. */
    raster_clear(&c, (const float[3]){0, 0, 0});
    raster_ring(&c, 20.0f, 20.0f, 0.0f, 10.3f, &p);
    int partial = 0;
    for (int i = 0; i < 40 * 40; i++) partial += c.mask[i] > 0.02f && c.mask[i] < 0.98f;
    assert_true(partial > 30);
    assert_rel(raster_mask_area(&c), PI * 10.3 * 10.3, 0.01);
    raster_fini(&c);
}

static void test_polygon_area_and_paths(void **state) {
    (void)state;
    RasterCanvas c;
    canvas(&c, 100, 100);
    RasterPaint p = marker();
    float tri[6] = {12.3f, 8.9f, 88.1f, 30.2f, 40.7f, 91.4f};
    double area =
        0.5 * fabs((tri[2] - tri[0]) * (tri[5] - tri[1]) - (tri[4] - tri[0]) * (tri[3] - tri[1]));
    raster_polygon(&c, tri, 3, &p);
    assert_rel(raster_mask_area(&c), area, 0.01);
    float *fast = malloc(sizeof(float) * 100 * 100);
    assert_non_null(fast);
    memcpy(fast, c.mask, sizeof(float) * 100 * 100);
    /* The same triangle with collinear points added, 66 vertices: past the
     * row-wise fast path's limit, so the reference path must agree. */
    float many[2 * 66];
    int n = 0;
    for (int e = 0; e < 3; e++)
        for (int k = 0; k < 22; k++) {
            const float *a = &tri[2 * e], *b = &tri[2 * ((e + 1) % 3)];
            float t = (float)k / 22.0f;
            many[2 * n] = a[0] + t * (b[0] - a[0]);
            many[2 * n + 1] = a[1] + t * (b[1] - a[1]);
            n++;
        }
    raster_clear(&c, (const float[3]){0, 0, 0});
    raster_polygon(&c, many, n, &p);
    testutil_assert_close(c.mask, fast, 100 * 100, 1e-4, 0.0);
    free(fast);
    /* Even-odd rule: a bow tie's two lobes, no hole filled. */
    raster_clear(&c, (const float[3]){0, 0, 0});
    float bow[8] = {10, 10, 90, 90, 90, 10, 10, 90};
    raster_polygon(&c, bow, 4, &p);
    assert_rel(raster_mask_area(&c), 2.0 * 0.5 * 80.0 * 40.0, 0.01);
    assert_float_equal(mask_at(&c, 50, 20), 0.0f, 1e-6f);
    raster_fini(&c);
}

static void test_stroke_area(void **state) {
    (void)state;
    RasterCanvas c;
    canvas(&c, 100, 60);
    RasterPaint p = marker();
    /* A capsule: length * width + the two round caps. */
    float seg[4] = {20.2f, 30.4f, 75.8f, 41.1f};
    double len = hypot(seg[2] - seg[0], seg[3] - seg[1]);
    raster_stroke(&c, seg, 2, 8.0f, &p);
    assert_rel(raster_mask_area(&c), len * 8.0 + PI * 16.0, 0.01);
    /* A hairline keeps its true area instead of a full pixel per step. */
    raster_clear(&c, (const float[3]){0, 0, 0});
    float hair[4] = {10.0f, 20.5f, 90.0f, 20.5f};
    raster_stroke(&c, hair, 2, 0.3f, &p);
    assert_rel(raster_mask_area(&c), 80.0 * 0.3, 0.02);
    assert_float_equal(mask_at(&c, 50, 20), 0.3f, 1e-5f);
    /* A polyline folding back on itself paints the overlap once. */
    raster_clear(&c, (const float[3]){0, 0, 0});
    float fold[6] = {20.0f, 30.0f, 80.0f, 30.0f, 20.0f, 30.0f};
    raster_stroke(&c, fold, 3, 6.0f, &p);
    assert_rel(raster_mask_area(&c), 60.0 * 6.0 + PI * 9.0, 0.01);
    /* A single point is a dot. */
    raster_clear(&c, (const float[3]){0, 0, 0});
    raster_stroke(&c, seg, 1, 10.0f, &p);
    assert_rel(raster_mask_area(&c), PI * 25.0, 0.01);
    raster_fini(&c);
}

static void test_ring_area(void **state) {
    (void)state;
    RasterCanvas c;
    canvas(&c, 60, 60);
    RasterPaint p = marker();
    raster_ring(&c, 30.3f, 29.6f, 8.0f, 14.0f, &p);
    assert_rel(raster_mask_area(&c), PI * (14.0 * 14.0 - 8.0 * 8.0), 0.01);
    assert_float_equal(mask_at(&c, 30, 29), 0.0f, 0.0f); /* the hole */
    raster_fini(&c);
}

static void test_gradient_alpha_and_blob(void **state) {
    (void)state;
    RasterCanvas c;
    canvas(&c, 101, 10);
    const float red[3] = {1, 0, 0}, blue[3] = {0, 0, 1};
    RasterPaint g = raster_gradient(red, blue, 0.5f, 0.0f, 100.5f, 0.0f, 1.0f);
    raster_fill(&c, &g);
    const float *mid = c.rgb + 3 * (5 * 101 + 50);
    assert_float_equal(mid[0], 0.5f, 1e-5f);
    assert_float_equal(mid[2], 0.5f, 1e-5f);
    assert_float_equal(c.rgb[3 * (5 * 101)], 1.0f, 1e-6f);           /* left end: red */
    assert_float_equal(c.rgb[3 * (5 * 101 + 100) + 2], 1.0f, 1e-6f); /* right end: blue */
    /* Half-transparent white over black gives grey. */
    raster_clear(&c, (const float[3]){0, 0, 0});
    RasterPaint half = raster_flat(1, 1, 1, 0.5f);
    raster_fill(&c, &half);
    assert_float_equal(c.rgb[0], 0.5f, 1e-6f);
    /* A soft blob: opaque core, fading edge, nothing outside its radius. */
    RasterCanvas b;
    canvas(&b, 60, 60);
    RasterPaint w = marker();
    raster_blob(&b, 30.0f, 30.0f, 20.0f, 0.5f, &w);
    assert_float_equal(mask_at(&b, 30, 30), 1.0f, 1e-6f);
    assert_float_equal(mask_at(&b, 30 + 7, 30), 1.0f, 1e-6f);
    float edge = mask_at(&b, 30 + 15, 30);
    assert_true(edge > 0.05f && edge < 0.95f);
    assert_float_equal(mask_at(&b, 30 + 21, 30), 0.0f, 0.0f);
    raster_fini(&b);
    raster_fini(&c);
}

static void test_mask_and_box(void **state) {
    (void)state;
    RasterCanvas c;
    canvas(&c, 80, 60);
    RasterPaint part = marker();
    part.box = 1;
    float sq[8] = {20, 10, 40, 10, 40, 30, 20, 30};
    raster_polygon(&c, sq, 4, &part);
    assert_int_equal(c.box[0], 20);
    assert_int_equal(c.box[1], 10);
    assert_int_equal(c.box[2], 39);
    assert_int_equal(c.box[3], 29);
    /* An unmarked shape over the left half hides that half of the mark,
     * and a shape without box leaves the box alone. */
    RasterPaint cover = raster_flat(0, 1, 0, 1.0f);
    float left[8] = {0, 0, 30, 0, 30, 60, 0, 60};
    raster_polygon(&c, left, 4, &cover);
    assert_rel(raster_mask_area(&c), 200.0, 1e-4);
    assert_int_equal(c.box[0], 20);
    assert_int_equal(c.box[2], 39);
    raster_clear(&c, (const float[3]){0, 0, 0});
    assert_true(c.box[2] < c.box[0]);
    assert_float_equal(raster_mask_area(&c), 0.0, 0.0);
    raster_fini(&c);
}

static void test_noise_statistics(void **state) {
    (void)state;
    RasterCanvas c;
    canvas(&c, 200, 200);
    raster_clear(&c, (const float[3]){0.5f, 0.5f, 0.5f});
    Rng r;
    rng_seed(&r, 7);
    raster_noise(&c, &r, 0.1f, 0.0f);
    double sum = 0.0, sq = 0.0;
    size_t n = 200 * 200;
    for (size_t i = 0; i < n; i++) {
        double v = c.rgb[3 * i] - 0.5;
        sum += v;
        sq += v * v;
        /* chroma 0: the three channels move together */
        assert_float_equal(c.rgb[3 * i], c.rgb[3 * i + 2], 1e-6f);
    }
    assert_true(fabs(sum / n) < 0.002);
    assert_rel(sqrt(sq / n), 0.1, 0.03);
    raster_fini(&c);
}

static void test_adjust_upscale_and_to_image(void **state) {
    (void)state;
    RasterCanvas small, big;
    canvas(&small, 4, 3);
    canvas(&big, 16, 12);
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 4; x++)
            for (int k = 0; k < 3; k++) small.rgb[3 * (y * 4 + x) + k] = 0.2f * (float)x;
    raster_upscale(&small, &big);
    /* The ramp is linear inside, clamped at the ends. */
    assert_float_equal(big.rgb[3 * (5 * 16 + 0)], 0.0f, 1e-6f);
    assert_float_equal(big.rgb[3 * (5 * 16 + 6)], 0.2f * (6.5f / 4.0f - 0.5f), 1e-5f);
    assert_float_equal(big.rgb[3 * (5 * 16 + 15)], 0.6f, 1e-6f);
    raster_adjust(&big, (const float[3]){2.0f, 1.0f, 1.0f}, (const float[3]){0.0f, 0.1f, 0.0f});
    assert_float_equal(big.rgb[3 * (5 * 16 + 15)], 1.2f, 1e-5f);
    assert_float_equal(big.rgb[3 * (5 * 16 + 15) + 1], 0.7f, 1e-5f);
    big.rgb[0] = -0.5f;
    big.rgb[1] = 0.5f;
    Image img = {0};
    assert_int_equal(raster_to_image(&big, &img), ST_OK);
    assert_int_equal(img.w, 16);
    assert_int_equal(img.h, 12);
    assert_int_equal(img.rgb[0], 0);
    assert_int_equal(img.rgb[1], 128);
    assert_int_equal(img.rgb[3 * (5 * 16 + 15)], 255);
    image_fini(&img);
    raster_fini(&small);
    raster_fini(&big);
}

static void test_clipping_at_the_border(void **state) {
    (void)state;
    RasterCanvas c;
    canvas(&c, 30, 20);
    RasterPaint p = marker();
    p.box = 1;
    /* A disc centred on the corner: only its quarter is in the canvas. */
    raster_ring(&c, 0.0f, 0.0f, 0.0f, 10.0f, &p);
    assert_rel(raster_mask_area(&c), PI * 100.0 / 4.0, 0.02);
    assert_int_equal(c.box[0], 0);
    assert_int_equal(c.box[1], 0);
    /* Shapes hanging over every side, far away, huge, or not numbers. */
    float big[6] = {-50, -50, 80, 5, 10, 70};
    raster_polygon(&c, big, 3, &p);
    raster_ellipse(&c, 29.0f, 19.0f, 40.0f, 3.0f, 1.0f, &p);
    raster_ellipse(&c, -1e30f, 1e30f, 5.0f, 5.0f, 0.0f, &p);
    raster_ellipse(&c, 10.0f, 10.0f, 1e30f, 1e30f, 0.3f, &p);
    raster_ellipse(&c, NAN, 10.0f, 5.0f, 5.0f, 0.0f, &p);
    float line[4] = {-100, 10, 130, 15};
    raster_stroke(&c, line, 2, 5.0f, &p);
    float far[4] = {1e20f, -1e20f, 2e20f, 3e20f};
    raster_stroke(&c, far, 2, 5.0f, &p);
    float bad[6] = {NAN, 0, 5, 5, 0, 5};
    raster_polygon(&c, bad, 3, &p);
    raster_blob(&c, 31.0f, 21.0f, 8.0f, 0.2f, &p);
    raster_ring(&c, 15.0f, 10.0f, 2.0f, 1e9f, &p);
    for (int i = 0; i < 30 * 20; i++) assert_true(c.mask[i] >= 0.0f && c.mask[i] <= 1.0f);
    assert_true(c.box[0] >= 0 && c.box[1] >= 0 && c.box[2] <= 29 && c.box[3] <= 19);
    raster_fini(&c);
    raster_fini(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ellipse_area),
        cmocka_unit_test(test_edges_are_antialiased),
        cmocka_unit_test(test_polygon_area_and_paths),
        cmocka_unit_test(test_stroke_area),
        cmocka_unit_test(test_ring_area),
        cmocka_unit_test(test_gradient_alpha_and_blob),
        cmocka_unit_test(test_mask_and_box),
        cmocka_unit_test(test_noise_statistics),
        cmocka_unit_test(test_adjust_upscale_and_to_image),
        cmocka_unit_test(test_clipping_at_the_border),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
