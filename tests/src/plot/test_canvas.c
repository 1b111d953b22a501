/*
 * test_canvas — a figure's surface (src/plot/canvas.c): the format from
 * the extension, the file written whole at the size asked for (the PNG
 * read back: shapes where they were drawn, scaled from canvas units, the
 * rest white; SVG and PDF by their first bytes), and written whole or not
 * at all: an unknown extension, a bad size or a folder that is not there
 * fail before drawing, a canvas given up leaves an existing file as it was,
 * and no temporary file stays. Text measures and fits; the palette's
 * series differ in dash and marker as well as colour.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "src/plot/canvas.h"
#include "tests/lib/testpng.h"
#include "tests/lib/testutil.h"

static char dir[256];

static int setup(void **state) {
    (void)state;
    return testutil_tmpdir(dir, sizeof dir, "canvas");
}

static int teardown(void **state) {
    (void)state;
    return testutil_rmtree(dir);
}

/* The number of entries in dir (temporary files included). */
static int files_in(const char *d) {
    DIR *h = opendir(d);
    int n = 0;
    for (struct dirent *e; h && (e = readdir(h));) n += e->d_name[0] != '.';
    if (h) closedir(h);
    return n;
}

static void path_of(char *path, size_t cap, const char *name) {
    snprintf(path, cap, "%s/%s", dir, name);
}

static void test_canvas_format_of_extension(void **state) {
    (void)state;
    CanvasFormat f;
    Error err = {0};
    assert_int_equal(canvas_format_of("a/b.png", &f, &err), ST_OK);
    assert_int_equal(f, CANVAS_PNG);
    assert_int_equal(canvas_format_of("B.SVG", &f, &err), ST_OK);
    assert_int_equal(f, CANVAS_SVG);
    assert_int_equal(canvas_format_of("c.pdf", &f, &err), ST_OK);
    assert_int_equal(f, CANVAS_PDF);
    assert_int_equal(canvas_format_of("plot.gif", &f, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "plot.gif"));
    assert_non_null(strstr(err.msg, "'.gif'"));
    assert_int_equal(canvas_format_of("plots.png/x", &f, &err), ST_ARG); /* a folder's dot */
}

/* A 400 x 250 PNG is the 800 x 500 layout at half scale: a rectangle at
 * (100, 100) 200 x 100 units fills (50, 50) .. (150, 100) in pixels. */
static void test_canvas_png_shapes_where_drawn(void **state) {
    (void)state;
    char path[512];
    Canvas *c;
    Error err = {0};
    path_of(path, sizeof path, "shapes.png");
    assert_int_equal(canvas_create(&c, path, 400, 250, &err), ST_OK);
    assert_near(canvas_width(c), 800, 1e-9);
    assert_near(canvas_height(c), 500, 1e-9);
    canvas_fill_rect(c, 100, 100, 200, 100, (CanvasColor){1, 0, 0});
    CanvasStyle blue = {.color = {0, 0, 1}, .width = 4};
    canvas_line(c, 400, 300, 700, 300, &blue);
    canvas_clip(c, 0, 0, 500, 500); /* cuts the line's right part */
    canvas_line(c, 400, 400, 700, 400, &blue);
    canvas_unclip(c);
    assert_false(fileio_exists(path)); /* nothing at the target before finish */
    assert_int_equal(canvas_finish(c, &err), ST_OK);
    canvas_destroy(c);
    TestPng png;
    testpng_read(&png, path);
    assert_int_equal(png.w, 400);
    assert_int_equal(png.h, 250);
    int px[3];
    testpng_at(&png, 100, 75, px);
    assert_true(px[0] > 240 && px[1] < 15 && px[2] < 15);
    testpng_at(&png, 10, 10, px);
    assert_true(px[0] == 255 && px[1] == 255 && px[2] == 255);
    assert_int_equal(testpng_color(&png, 50, 50, 100, 50, 255, 0, 0, 10), 100 * 50);
    assert_true(testpng_color(&png, 200, 148, 150, 4, 0, 0, 255, 30) >= 140 * 2);
    assert_int_equal(testpng_color(&png, 251, 195, 100, 10, 0, 0, 255, 100), 0); /* clipped */
    assert_true(testpng_color(&png, 200, 195, 50, 10, 0, 0, 255, 30) > 0);
    testpng_free(&png);
    assert_int_equal(files_in(dir), 1);
}

/* Reads the first n bytes of path into buf. */
static void head(const char *path, char *buf, size_t n) {
    uint8_t *data;
    size_t len;
    Error err = {0};
    if (fileio_read_all(path, &data, &len, &err)) fail_msg("%s", err.msg);
    assert_true(len > n);
    memcpy(buf, data, n);
    buf[n] = '\0';
    free(data);
}

static void test_canvas_svg_and_pdf(void **state) {
    (void)state;
    const char *names[2] = {"a.svg", "a.pdf"}, *magic[2] = {"<?xml", "%PDF-"};
    for (int i = 0; i < 2; i++) {
        char path[512], buf[8];
        Canvas *c;
        Error err = {0};
        path_of(path, sizeof path, names[i]);
        assert_int_equal(canvas_create(&c, path, 0, 0, &err), ST_OK);
        assert_near(canvas_width(c), CANVAS_BASE_W, 1e-9); /* default: the base size in points */
        canvas_text(c, 10, 10, "legend text", NULL);
        assert_int_equal(canvas_finish(c, &err), ST_OK);
        canvas_destroy(c);
        head(path, buf, 5);
        assert_string_equal(buf, magic[i]);
    }
    assert_int_equal(files_in(dir), 2);
}

static void test_canvas_whole_or_nothing(void **state) {
    (void)state;
    char path[512], missing[512];
    Canvas *c = NULL;
    Error err = {0};
    path_of(path, sizeof path, "kept.png");
    assert_int_equal(fileio_write_atomic(path, "old", 3, &err), ST_OK);
    /* given up: the old file stays, no temporary file */
    assert_int_equal(canvas_create(&c, path, 0, 0, &err), ST_OK);
    canvas_fill_rect(c, 0, 0, 10, 10, CANVAS_BLACK);
    assert_int_equal(files_in(dir), 2); /* the temporary file, beside the target */
    canvas_destroy(c);
    char buf[4];
    head(path, buf, 2);
    assert_string_equal(buf, "ol");
    assert_int_equal(files_in(dir), 1);
    /* a folder that is not there: fails at creation, naming the path */
    path_of(missing, sizeof missing, "no/such/dir/x.pdf");
    assert_int_equal(canvas_create(&c, missing, 0, 0, &err), ST_IO);
    assert_null(c);
    assert_non_null(strstr(err.msg, "no/such/dir/x.pdf"));
    /* an unknown type or size: ST_ARG, nothing made */
    assert_int_equal(canvas_create(&c, "x.jpg", 0, 0, &err), ST_ARG);
    path_of(missing, sizeof missing, "big.png");
    assert_int_equal(canvas_create(&c, missing, 20000, 100, &err), ST_ARG);
    assert_int_equal(canvas_create(&c, missing, 8, 100, &err), ST_ARG);
    assert_int_equal(files_in(dir), 1);
    canvas_destroy(NULL);
}

static void test_canvas_text(void **state) {
    (void)state;
    char path[512], buf[64];
    Canvas *c;
    Error err = {0};
    path_of(path, sizeof path, "text.png");
    assert_int_equal(canvas_create(&c, path, 800, 500, &err), ST_OK);
    CanvasText big = {.size = 22}, bold = {.bold = 1};
    double w = canvas_text_width(c, "iteration", NULL);
    assert_true(w > 20 && w < 80);
    assert_true(canvas_text_width(c, "iteration", &big) > 1.8 * w);
    assert_true(canvas_text_width(c, "iteration", &bold) > w);
    assert_true(canvas_text_height(c, 22) > canvas_text_height(c, 11));
    canvas_text_fit(c, "iteration", NULL, 1000, buf, sizeof buf); /* fits: whole */
    assert_string_equal(buf, "iteration");
    canvas_text_fit(c, "a rather long run name", NULL, 40, buf, sizeof buf);
    assert_true(canvas_text_width(c, buf, NULL) <= 40);
    assert_non_null(strstr(buf, "\xE2\x80\xA6"));
    CanvasText right = {.size = 20, .anchor = CANVAS_RIGHT};
    assert_near(canvas_text(c, 400, 250, "MMMM", &right), canvas_text_width(c, "MMMM", &right),
                1e-9);
    CanvasText up = {.size = 20, .upright = 1, .anchor = CANVAS_CENTER};
    canvas_text(c, 100, 250, "MMMMMMMM", &up);
    assert_int_equal(canvas_finish(c, &err), ST_OK);
    canvas_destroy(c);
    TestPng png;
    testpng_read(&png, path);
    assert_true(testpng_ink(&png, 300, 235, 100, 30) > 100);   /* left of x = 400 ... */
    assert_int_equal(testpng_ink(&png, 402, 230, 100, 40), 0); /* ... nothing right of it */
    assert_true(testpng_ink(&png, 85, 200, 30, 100) > 200);    /* upright: tall, narrow */
    assert_int_equal(testpng_ink(&png, 130, 200, 60, 100), 0);
    testpng_free(&png);
}

static void test_canvas_palette(void **state) {
    (void)state;
    for (int i = 0; i < 35; i++)
        for (int j = 0; j < i; j++) {
            CanvasStyle a = canvas_series_style(i), b = canvas_series_style(j);
            assert_false(a.dash == b.dash && a.marker == b.marker); /* apart without colour */
        }
    CanvasColor lo = canvas_heat(0), hi = canvas_heat(1), mid = canvas_heat(0.5);
    double l0 = lo.r + lo.g + lo.b, l1 = hi.r + hi.g + hi.b, lm = mid.r + mid.g + mid.b;
    assert_true(l0 < lm && lm < l1); /* brightness rises: a grey ramp in print */
    assert_true(canvas_ink_on(lo).r == 1 && canvas_ink_on(hi).r == 0);
    CanvasColor t = canvas_tint((CanvasColor){0, 0, 0}, 0.5);
    assert_near(t.g, 0.5, 1e-12);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canvas_format_of_extension),
        cmocka_unit_test_setup_teardown(test_canvas_png_shapes_where_drawn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_canvas_svg_and_pdf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_canvas_whole_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_canvas_text, setup, teardown),
        cmocka_unit_test(test_canvas_palette),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
