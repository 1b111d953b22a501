/*
 * test_image — resize (area and bilinear), crop, mirror and CHW
 * normalisation on small images with hand-computed values.
 */
#include <string.h>

#include "engine/data/image.h"
#include "tests/lib/testutil.h"

static void make_image(Image *img, int w, int h, const uint8_t *rgb) {
    assert_int_equal(image_init(img, w, h), ST_OK);
    memcpy(img->rgb, rgb, (size_t)w * h * 3);
}

static void test_image_area_downscale_averages(void **state) {
    (void)state;
    /* 4x2 grey image (R=G=B): halving each side averages 2x2 blocks. */
    const uint8_t v[8] = {0, 100, 200, 40, 20, 60, 10, 30};
    uint8_t rgb[24];
    for (int i = 0; i < 8; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = v[i];
    Image src, dst = {0};
    make_image(&src, 4, 2, rgb);
    assert_int_equal(image_resize(&src, &dst, 2, 1, RESIZE_AREA), ST_OK);
    assert_int_equal(dst.w, 2);
    assert_int_equal(dst.h, 1);
    assert_int_equal(dst.rgb[0], 45); /* (0+100+20+60)/4 */
    assert_int_equal(dst.rgb[3], 70); /* (200+40+10+30)/4 */
    assert_int_equal(dst.rgb[4], 70);
    /* A non-integer factor: 3 -> 2 weighs the middle pixel half to each side. */
    const uint8_t row3[9] = {30, 30, 30, 90, 90, 90, 150, 150, 150};
    Image s3;
    make_image(&s3, 3, 1, row3);
    assert_int_equal(image_resize(&s3, &dst, 2, 1, RESIZE_AREA), ST_OK);
    assert_int_equal(dst.rgb[0], 50);  /* (30*1 + 90*0.5) / 1.5 */
    assert_int_equal(dst.rgb[3], 130); /* (90*0.5 + 150*1) / 1.5 */
    image_fini(&s3);
    image_fini(&src);
    image_fini(&dst);
}

static void test_image_bilinear_upscale(void **state) {
    (void)state;
    const uint8_t rgb[6] = {0, 0, 0, 200, 100, 40};
    Image src, dst = {0};
    make_image(&src, 2, 1, rgb);
    assert_int_equal(image_resize(&src, &dst, 4, 1, RESIZE_BILINEAR), ST_OK);
    /* Output centres map to input x = -0.25, 0.25, 0.75, 1.25 -> clamped. */
    const int expect_r[4] = {0, 50, 150, 200};
    for (int x = 0; x < 4; x++) assert_int_equal(dst.rgb[3 * x], expect_r[x]);
    assert_int_equal(dst.rgb[3 * 2 + 1], 75);
    /* Area resize of a growing side is bilinear too. */
    Image area = {0};
    assert_int_equal(image_resize(&src, &area, 4, 1, RESIZE_AREA), ST_OK);
    assert_memory_equal(area.rgb, dst.rgb, 12);
    /* A constant image stays constant whatever the factor. */
    Image flat;
    assert_int_equal(image_init(&flat, 7, 5), ST_OK);
    memset(flat.rgb, 77, 7 * 5 * 3);
    assert_int_equal(image_resize(&flat, &area, 3, 11, RESIZE_AREA), ST_OK);
    for (int i = 0; i < 3 * 11 * 3; i++) assert_int_equal(area.rgb[i], 77);
    image_fini(&flat);
    image_fini(&area);
    image_fini(&src);
    image_fini(&dst);
}

static void test_image_crop_and_mirror(void **state) {
    (void)state;
    uint8_t rgb[3 * 3 * 3];
    for (int i = 0; i < 27; i++) rgb[i] = (uint8_t)i;
    Image src, dst = {0};
    make_image(&src, 3, 3, rgb);
    assert_int_equal(image_crop(&src, &dst, 1, 1, 2, 2), ST_OK);
    const uint8_t expect[12] = {12, 13, 14, 15, 16, 17, 21, 22, 23, 24, 25, 26};
    assert_memory_equal(dst.rgb, expect, 12);
    image_mirror(&dst);
    const uint8_t mirrored[12] = {15, 16, 17, 12, 13, 14, 24, 25, 26, 21, 22, 23};
    assert_memory_equal(dst.rgb, mirrored, 12);
    image_fini(&src);
    image_fini(&dst);
}

static void test_image_to_chw_orders_and_normalises(void **state) {
    (void)state;
    const uint8_t rgb[6] = {10, 20, 30, 40, 50, 60};
    Image img;
    make_image(&img, 2, 1, rgb);
    float out[6];
    /* Caffe: BGR order, 0-255, mean subtraction. */
    Normalize caffe = {.bgr = 1, .scale = 1.0f, .mean = {1, 2, 3}, .std = {1, 1, 1}};
    image_to_chw(&img, &caffe, out);
    const float expect_caffe[6] = {29, 59, 18, 48, 7, 37};
    testutil_assert_close(out, expect_caffe, 6, 1e-5, 0);
    /* torchvision: RGB order, [0,1], mean and std. */
    Normalize tv = {
        .bgr = 0, .scale = 1.0f / 255, .mean = {0.5f, 0.5f, 0.5f}, .std = {0.5f, 0.25f, 1.0f}};
    image_to_chw(&img, &tv, out);
    const float expect_tv[6] = {(10 / 255.f - .5f) / .5f,  (40 / 255.f - .5f) / .5f,
                                (20 / 255.f - .5f) / .25f, (50 / 255.f - .5f) / .25f,
                                30 / 255.f - .5f,          60 / 255.f - .5f};
    testutil_assert_close(out, expect_tv, 6, 1e-5, 1e-5);
    image_fini(&img);
}

static void test_image_normalize_conventions_round_trip(void **state) {
    (void)state;
    char text[200];
    Normalize caffe = image_normalize_caffe(), tv = image_normalize_torchvision(), back;
    image_normalize_describe(&caffe, text, sizeof text);
    assert_string_equal(text, "bgr255");
    image_normalize_describe(&tv, text, sizeof text);
    assert_string_equal(text, "rgb01std");
    assert_int_equal(image_normalize_parse("rgb01std", &back), 0);
    assert_int_equal(back.bgr, 0);
    assert_true(back.std[2] == 0.225f && back.mean[0] == 0.485f);
    Normalize custom = {
        .bgr = 0, .scale = 1.0f / 255, .mean = {0.45f, 0.45f, 0.45f}, .std = {0.25f, 0.25f, 0.25f}};
    image_normalize_describe(&custom, text, sizeof text);
    assert_non_null(strstr(text, "custom:bgr=0,"));
    assert_int_equal(image_normalize_parse(text, &back), 0);
    assert_memory_equal(&back, &custom, sizeof custom);
    assert_int_equal(image_normalize_parse("custom:bgr=0,scale=1", &back), -1);
    assert_int_equal(image_normalize_parse("bgr256", &back), -1);
    assert_int_equal(image_normalize_parse("custom:bgr=1,scale=1,mean=0/0/0,std=0/1/1", &back), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_area_downscale_averages),
        cmocka_unit_test(test_image_bilinear_upscale),
        cmocka_unit_test(test_image_crop_and_mirror),
        cmocka_unit_test(test_image_to_chw_orders_and_normalises),
        cmocka_unit_test(test_image_normalize_conventions_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
