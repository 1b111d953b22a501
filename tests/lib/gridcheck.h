/*
 * gridcheck — comparing what a renderer drew into a TextGrid with the text
 * a test expects, for the chart, pivot and table tests. A mismatch fails
 * the test and prints both texts, so the difference is read off the log;
 * the grid stays the caller's, for checking styles afterwards.
 */
#ifndef FINELAB_GRIDCHECK_H
#define FINELAB_GRIDCHECK_H

#include "src/report/textgrid.h"

/* A blank w x h grid (textgrid_init); fails the test on ST_NOMEM. */
void gridcheck_init(TextGrid *g, int w, int h);
/* Fails the test unless g reads exactly want (textgrid_string), naming
 * what was drawn ("chart", "table", ...). */
void gridcheck_expect(const TextGrid *g, const char *what, const char *want);
/* Fails the test unless the text of g contains part. */
void gridcheck_expect_part(const TextGrid *g, const char *what, const char *part);

/* Calls render(g, x, y, w, h, model, view) -- pivot_render, table_render
 * or any renderer of that form -- on a fresh grid_w x grid_h grid and
 * fails the test unless the grid then reads want. A macro so that each
 * renderer is called with its own argument types. */
#define GRIDCHECK_EXPECT_RENDER(grid_w, grid_h, x, y, w, h, render, model, view, what, want)       \
    do {                                                                                           \
        TextGrid gridcheck_g_;                                                                     \
        gridcheck_init(&gridcheck_g_, (grid_w), (grid_h));                                         \
        render(&gridcheck_g_, (x), (y), (w), (h), (model), (view));                                \
        gridcheck_expect(&gridcheck_g_, (what), (want));                                           \
        textgrid_fini(&gridcheck_g_);                                                              \
    } while (0)

#endif
