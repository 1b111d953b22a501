/*
 * test_augment — the random transforms on tiny images with hand-computed
 * values: brightness, contrast and saturation factors on known pixels,
 * rotations by 0 and 90 degrees and a known point's position at 30, the
 * mean-colour fill, random-resized crop boxes within their ranges over many
 * draws and the fallback box, and the colour jitter's determinism.
 */
#include <math.h>
#include <string.h>

#include "engine/data/augment.h"
#include "tests/lib/testutil.h"

static void make_image(Image *img, int w, int h, const uint8_t *rgb) {
    assert_int_equal(image_init(img, w, h), ST_OK);
    memcpy(img->rgb, rgb, (size_t)w * h * 3);
}

static void test_augment_brightness_scales_and_clamps(void **state) {
    (void)state;
    const uint8_t px[6] = {100, 50, 200, 0, 255, 3};
    Image img;
    make_image(&img, 2, 1, px);
    augment_brightness(&img, 1.5);
    const uint8_t want[6] = {150, 75, 255, 0, 255, 5}; /* 4.5 rounds up */
    assert_memory_equal(img.rgb, want, 6);
    augment_brightness(&img, 0);
    for (int i = 0; i < 6; i++) assert_int_equal(img.rgb[i], 0);
    image_fini(&img);
}

static void test_augment_contrast_blends_with_mean_grey(void **state) {
    (void)state;
    /* Two grey pixels 100 and 200: mean grey 150. */
    const uint8_t px[6] = {100, 100, 100, 200, 200, 200};
    Image img;
    make_image(&img, 2, 1, px);
    augment_contrast(&img, 0.5); /* 0.5 v + 75 */
    const uint8_t half[6] = {125, 125, 125, 175, 175, 175};
    assert_memory_equal(img.rgb, half, 6);
    augment_contrast(&img, 3); /* 3 v - 300: 75 and 225 */
    const uint8_t more[6] = {75, 75, 75, 225, 225, 225};
    assert_memory_equal(img.rgb, more, 6);
    augment_contrast(&img, 0); /* all the mean */
    for (int i = 0; i < 6; i++) assert_int_equal(img.rgb[i], 150);
    image_fini(&img);
}

static void test_augment_saturation_zero_is_grey(void **state) {
    (void)state;
    const uint8_t px[3] = {200, 100, 50}; /* grey 59.8 + 58.7 + 5.7 = 124.2 */
    Image img;
    make_image(&img, 1, 1, px);
    augment_saturation(&img, 1);
    assert_memory_equal(img.rgb, px, 3);
    augment_saturation(&img, 0);
    for (int k = 0; k < 3; k++) assert_int_equal(img.rgb[k], 124);
    /* Factor 2 pushes away from grey: 2 v - 124.2, clamped. */
    memcpy(img.rgb, px, 3);
    augment_saturation(&img, 2);
    const uint8_t want[3] = {255, 76, 0};
    assert_memory_equal(img.rgb, want, 3);
    image_fini(&img);
}

static void test_augment_rotate_exact_cases(void **state) {
    (void)state;
    /* A 3x3 image of distinct values; 0 degrees is the identity and 90
     * degrees counter-clockwise moves the top-right pixel to top-left. */
    uint8_t px[27];
    for (int i = 0; i < 27; i++) px[i] = (uint8_t)(10 * (i / 3) + i % 3);
    Image src, dst = {0};
    make_image(&src, 3, 3, px);
    const uint8_t fill[3] = {1, 2, 3};
    assert_int_equal(augment_rotate(&src, &dst, 0, fill), ST_OK);
    assert_memory_equal(dst.rgb, px, 27);
    assert_int_equal(augment_rotate(&src, &dst, 90, fill), ST_OK);
    /* Output (x, y) comes from source (2 - y, x). */
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 3; x++)
            assert_int_equal(dst.rgb[(y * 3 + x) * 3], px[(x * 3 + 2 - y) * 3]);
    image_fini(&src);
    image_fini(&dst);
}

static void test_augment_rotate_moves_a_point_and_fills(void **state) {
    (void)state;
    /* 41x41 black with one white pixel 10 right of the centre (20, 20):
     * 30 degrees counter-clockwise puts it at (20 + 8.66, 20 - 5). */
    enum { N = 41 };
    Image src, dst = {0};
    assert_int_equal(image_init(&src, N, N), ST_OK);
    memset(src.rgb + (20 * N + 30) * 3, 255, 3);
    const uint8_t fill[3] = {7, 8, 9};
    assert_int_equal(augment_rotate(&src, &dst, 30, fill), ST_OK);
    int best = 0, bx = -1, by = -1;
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++)
            if (dst.rgb[(y * N + x) * 3] > best) best = dst.rgb[(y * N + x) * 3], bx = x, by = y;
    assert_int_equal(bx, 29);
    assert_int_equal(by, 15);
    assert_true(best > 100);
    /* A corner maps outside the image at 30 degrees: the fill colour. */
    assert_memory_equal(dst.rgb, fill, 3);
    /* The centre stays put. */
    assert_int_equal(dst.rgb[(20 * N + 20) * 3], 0);
    image_fini(&src);
    image_fini(&dst);
}

static void test_augment_resized_crop_boxes_within_ranges(void **state) {
    (void)state;
    Augment a = {.resized_crop = 1, .area = {0.08, 1}, .ratio = {3.0 / 4, 4.0 / 3}};
    Rng r;
    rng_seed(&r, 5);
    const int W = 300, H = 200;
    int fits = 0, small = 0, large = 0;
    for (int i = 0; i < 5000; i++) {
        int b[4];
        int fit = augment_resized_crop_box(&r, W, H, &a, b);
        assert_true(b[0] >= 0 && b[1] >= 0 && b[2] >= 1 && b[3] >= 1);
        assert_true(b[0] + b[2] <= W && b[1] + b[3] <= H);
        if (!fit) continue;
        fits++;
        /* Rounding each side to whole pixels moves area and ratio a little. */
        double area = (double)b[2] * b[3] / (W * H), ratio = (double)b[2] / b[3];
        double tol = 1.0 / b[2] + 1.0 / b[3];
        assert_true(area >= 0.08 * (1 - tol) && area <= 1 + tol);
        assert_true(ratio >= 0.75 * (1 - tol) && ratio <= 4.0 / 3 * (1 + tol));
        small += area < 0.2;
        large += area > 0.8;
    }
    /* Most tries fit on a 3:2 image, and the areas spread over the range
     * (few large ones fit: above 0.8 only ratios 1.2 .. 4/3 do). */
    assert_true(fits > 4500);
    assert_true(small > 500 && large > 30);
}

static void test_augment_resized_crop_fallback(void **state) {
    (void)state;
    /* No box of area >= 0.9 with ratio 4..5 fits a square: the centre crop of
     * the whole width at ratio 4 (100 x 25, centred). */
    Augment a = {.resized_crop = 1, .area = {0.9, 1}, .ratio = {4, 5}};
    Rng r;
    rng_seed(&r, 1);
    int b[4];
    assert_int_equal(augment_resized_crop_box(&r, 100, 100, &a, b), 0);
    const int want[4] = {0, 37, 100, 25};
    assert_memory_equal(b, want, sizeof want);
    /* A ratio range holding the image's own: the whole image. */
    Augment tall = {.resized_crop = 1, .area = {1, 1}, .ratio = {0.1, 0.2}};
    assert_int_equal(augment_resized_crop_box(&r, 50, 100, &tall, b), 0);
    /* in_ratio 0.5 > 0.2: the full height at ratio 0.2 (20 x 100). */
    const int want_tall[4] = {15, 0, 20, 100};
    assert_memory_equal(b, want_tall, sizeof want_tall);
}

static void test_augment_color_deterministic_and_off(void **state) {
    (void)state;
    uint8_t px[48];
    for (int i = 0; i < 48; i++) px[i] = (uint8_t)(i * 5);
    Image a, b;
    make_image(&a, 4, 4, px);
    make_image(&b, 4, 4, px);
    Augment jit = {.brightness = 0.4, .contrast = 0.4, .saturation = 0.4};
    Rng r1, r2;
    rng_seed(&r1, 11);
    rng_seed(&r2, 11);
    augment_color(&a, &r1, &jit);
    augment_color(&b, &r2, &jit);
    assert_memory_equal(a.rgb, b.rgb, 48);
    assert_true(memcmp(a.rgb, px, 48) != 0);
    /* All factors off leaves the image as it was. */
    Augment off = {0};
    memcpy(a.rgb, px, 48);
    augment_color(&a, &r1, &off);
    assert_memory_equal(a.rgb, px, 48);
    assert_int_equal(augment_any(&off), 0);
    assert_int_equal(augment_any(&jit), 1);
    /* Over many draws the brightness factor alone spans [0.6, 1.4): a
     * single grey 100 pixel ends between 60 and 140, both halves seen. */
    Augment br = {.brightness = 0.4};
    Image g;
    const uint8_t grey[3] = {100, 100, 100};
    int lo = 0, hi = 0;
    for (int i = 0; i < 200; i++) {
        make_image(&g, 1, 1, grey);
        augment_color(&g, &r1, &br);
        assert_true(g.rgb[0] >= 60 && g.rgb[0] <= 140);
        lo += g.rgb[0] < 100;
        hi += g.rgb[0] > 100;
        image_fini(&g);
    }
    assert_true(lo > 50 && hi > 50);
    image_fini(&a);
    image_fini(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_augment_brightness_scales_and_clamps),
        cmocka_unit_test(test_augment_contrast_blends_with_mean_grey),
        cmocka_unit_test(test_augment_saturation_zero_is_grey),
        cmocka_unit_test(test_augment_rotate_exact_cases),
        cmocka_unit_test(test_augment_rotate_moves_a_point_and_fills),
        cmocka_unit_test(test_augment_resized_crop_boxes_within_ranges),
        cmocka_unit_test(test_augment_resized_crop_fallback),
        cmocka_unit_test(test_augment_color_deterministic_and_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
