/*
 * test_fig — the figures (src/plot/fig.c, fig_curves.c, fig_grid.c) drawn
 * from a run store written the way the store writes it (tests/lib/
 * testfamily.h: the demo's res x dim sweep with train and test rows, and
 * a run of another preset), read back: each file at its size and format,
 * each panel with its series in their colours (the curves of one run, of
 * several overlaid), the grid with its best and worst cells in the heat
 * scale's ends and the best one framed; a sweep found by its preset name;
 * and the errors: a run that is not there, a bad type, a folder that is
 * not there, each naming what is wrong and leaving nothing written.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "src/plot/canvas.h"
#include "src/plot/fig.h"
#include "src/plot/fig_curves.h"
#include "src/plot/fig_grid.h"
#include "tests/lib/testfamily.h"
#include "tests/lib/testpng.h"
#include "tests/lib/testutil.h"

enum { SWEEP_RUNS = 6 };

typedef struct Store {
    char root[256], runs[300], out[300];
    char sweep[SWEEP_RUNS][1400]; /* the sweep's run directories */
    char other[1400];             /* a run of another preset */
} Store;

/* The sweep's accuracies: 224 px x 8192 .. 1024, then 168 px x 8192, 4096. */
static const double sweep_acc[SWEEP_RUNS] = {0.80, 0.78, 0.77, 0.75, 0.70, 0.60};

static int store_setup(void **state) {
    Store *s = calloc(1, sizeof *s);
    if (!s || testutil_tmpdir(s->root, sizeof s->root, "fig")) return -1;
    snprintf(s->runs, sizeof s->runs, "%s/runs", s->root);
    snprintf(s->out, sizeof s->out, "%s/out", s->root);
    fileio_mkdirs(s->out, NULL);
    for (int k = 0; k < SWEEP_RUNS; k++) {
        char stamp[32];
        TestFamilyResult r = testfamily_done(sweep_acc[k]);
        r.train = 0.9;
        snprintf(stamp, sizeof stamp, "20261201-0000%02d", k);
        testfamily_add(s->runs, stamp, "presets/demo/res_dim_sweep.ini", k, NULL, &r, s->sweep[k],
                       sizeof s->sweep[k]);
    }
    TestFamilyResult r = testfamily_done(0.5);
    r.train = 0.6;
    testfamily_add(s->runs, "20261201-000100", "presets/demo/ft_last_layer.ini", 0, NULL, &r,
                   s->other, sizeof s->other);
    *state = s;
    return 0;
}

/* The files in d whose names contain part ("" for all). */
static int files_in(const char *d, const char *part) {
    DIR *h = opendir(d);
    int n = 0;
    for (struct dirent *e; h && (e = readdir(h));)
        n += e->d_name[0] != '.' && strstr(e->d_name, part) != NULL;
    if (h) closedir(h);
    return n;
}

/* Pixels of canvas_color(k) in the left or right half of png. */
static int series_pixels(const TestPng *png, int k, int right) {
    CanvasColor c = canvas_color(k);
    return testpng_color(png, right ? png->w / 2 : 0, 0, png->w / 2, png->h, (int)(255 * c.r + 0.5),
                         (int)(255 * c.g + 0.5), (int)(255 * c.b + 0.5), 12);
}

static void test_fig_curves_of_one_run(void **state) {
    Store *s = *state;
    char path[400], *dirs[1] = {s->sweep[0]};
    Error err = {0};
    snprintf(path, sizeof path, "%s/one.png", s->out);
    FigCurvesOptions o = fig_curves_defaults();
    if (fig_curves_write(path, dirs, 1, &o, &err)) fail_msg("%s", err.msg);
    TestPng png;
    testpng_read(&png, path);
    assert_int_equal(png.w, CANVAS_PNG_W);
    assert_int_equal(png.h, CANVAS_PNG_H);
    /* both panels drawn: the smoothed train curve (colour 0) and the
     * held-out passes (colour 1) in the loss panel and in the accuracy one */
    for (int right = 0; right < 2; right++) {
        assert_true(series_pixels(&png, 0, right) > 500);
        assert_true(series_pixels(&png, 1, right) > 100);
    }
    testpng_free(&png);
}

static void test_fig_curves_overlaid_every_format(void **state) {
    Store *s = *state;
    char *dirs[3] = {s->sweep[0], s->sweep[4], s->other};
    const char *names[3] = {"three.png", "three.svg", "three.pdf"},
               *magic[3] = {"\x89PNG", "<?xm", "%PDF"};
    for (int f = 0; f < 3; f++) {
        char path[400];
        Error err = {0};
        uint8_t *data;
        size_t len;
        snprintf(path, sizeof path, "%s/%s", s->out, names[f]);
        FigCurvesOptions o = fig_curves_defaults();
        o.width = f == 0 ? 1200 : 0;
        o.height = f == 0 ? 600 : 0;
        if (fig_curves_write(path, dirs, 3, &o, &err)) fail_msg("%s", err.msg);
        assert_int_equal(fileio_read_all(path, &data, &len, &err), ST_OK);
        assert_true(len > 2000);
        assert_memory_equal(data, magic[f], 4);
        free(data);
    }
    TestPng png;
    char path[400];
    snprintf(path, sizeof path, "%s/three.png", s->out);
    testpng_read(&png, path);
    assert_int_equal(png.w, 1200);
    assert_int_equal(png.h, 600);
    /* each run in its colour among the accuracies (right); the fixture's
     * train rows are alike, so on the left the best run, drawn last, hides
     * the others */
    for (int k = 0; k < 3; k++) assert_true(series_pixels(&png, k, 1) > 40);
    assert_true(series_pixels(&png, 0, 0) > 200);
    testpng_free(&png);
    assert_int_equal(files_in(s->out, "three."), 3);
    assert_int_equal(files_in(s->out, ".tmp."), 0);
}

static void test_fig_grid_of_a_sweep(void **state) {
    Store *s = *state;
    char **dirs, path[400];
    int n;
    Error err = {0};
    assert_int_equal(fig_grid_sweep_runs(s->runs, "demo_res_dim", &dirs, &n, &err), ST_OK);
    assert_int_equal(n, SWEEP_RUNS); /* the other preset's run is not the sweep's */
    for (int i = 0; i < n; i++) assert_string_equal(dirs[i], s->sweep[i]);
    snprintf(path, sizeof path, "%s/grid.png", s->out);
    FigGridOptions o = fig_grid_defaults();
    o.name = "demo_res_dim";
    if (fig_grid_write(path, dirs, n, &o, &err)) fail_msg("%s", err.msg);
    fig_grid_free_runs(dirs, n);
    TestPng png;
    testpng_read(&png, path);
    assert_int_equal(png.w, CANVAS_PNG_W);
    /* 2 rows x 4 columns, 6 filled: a cell is some 1/10 of the page; the
     * best (80%) in the scale's top colour, the worst (60%) in its bottom */
    CanvasColor hi = canvas_heat(1), lo = canvas_heat(0);
    int page = png.w * png.h;
    int n_hi = testpng_color(&png, 0, 0, png.w, png.h, (int)(255 * hi.r + 0.5),
                             (int)(255 * hi.g + 0.5), (int)(255 * hi.b + 0.5), 6);
    int n_lo = testpng_color(&png, 0, 0, png.w, png.h, (int)(255 * lo.r + 0.5),
                             (int)(255 * lo.g + 0.5), (int)(255 * lo.b + 0.5), 6);
    assert_true(n_hi > page / 30 && n_lo > page / 30);
    assert_true(testpng_color(&png, 0, 0, png.w, png.h, 0, 0, 0, 10) > 2000); /* the frame */
    testpng_free(&png);
    assert_int_equal(fig_grid_sweep_runs(s->runs, "no_such", &dirs, &n, &err), ST_OK);
    assert_int_equal(n, 0);
    fig_grid_free_runs(dirs, n);
}

static void test_fig_errors_write_nothing(void **state) {
    Store *s = *state;
    char out[320], path[400], missing[400], *dirs[2] = {s->sweep[0], missing};
    Error err = {0};
    snprintf(out, sizeof out, "%s/err", s->root);
    assert_int_equal(fileio_mkdirs(out, &err), ST_OK);
    snprintf(missing, sizeof missing, "%s/20990101-000000-gone", s->runs);
    snprintf(path, sizeof path, "%s/kept.png", out);
    assert_int_equal(fileio_write_atomic(path, "old", 3, &err), ST_OK);
    assert_int_equal(fig_curves_write(path, dirs, 2, NULL, &err), ST_IO);
    assert_non_null(strstr(err.msg, "20990101-000000-gone"));
    assert_int_equal(fig_grid_write(path, dirs, 2, NULL, &err), ST_IO);
    assert_non_null(strstr(err.msg, "20990101-000000-gone"));
    uint8_t *data;
    size_t len;
    assert_int_equal(fileio_read_all(path, &data, &len, &err), ST_OK);
    assert_int_equal(len, 3); /* as it was */
    free(data);
    snprintf(path, sizeof path, "%s/x.bmp", out);
    assert_int_equal(fig_curves_write(path, dirs, 1, NULL, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "x.bmp"));
    snprintf(path, sizeof path, "%s/no/dir/x.svg", out);
    assert_int_equal(fig_grid_write(path, dirs, 1, NULL, &err), ST_IO);
    assert_non_null(strstr(err.msg, "no/dir/x.svg"));
    assert_int_equal(fig_curves_write(path, dirs, 0, NULL, &err), ST_ARG);
    assert_int_equal(files_in(out, ""), 1); /* kept.png alone: no temporary file */
}

static void test_fig_run_id(void **state) {
    (void)state;
    char buf[64];
    assert_string_equal(fig_run_id("runs/20261201-000000-a", buf, sizeof buf), "20261201-000000-a");
    assert_string_equal(fig_run_id("runs/x/", buf, sizeof buf), "x");
    assert_string_equal(fig_run_id("x", buf, sizeof buf), "x");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fig_curves_of_one_run),
        cmocka_unit_test(test_fig_curves_overlaid_every_format),
        cmocka_unit_test(test_fig_grid_of_a_sweep),
        cmocka_unit_test(test_fig_errors_write_nothing),
        cmocka_unit_test(test_fig_run_id),
    };
    return cmocka_run_group_tests(tests, store_setup, testutil_teardown_tmp);
}
