/*
 * lrplot — the learning-rate range test (engine/train/lr_range.h) as the
 * CLI and the lab show it: the loss against the rate on a log axis, raw as
 * points and smoothed as a line, each found suggestion marked on the
 * smoothed line with its letter (S steepest, V valley, M min/10); a legend;
 * the suggestions as lines of text with their rules; how the test ended.
 * The loss axis ends at the highest smoothed loss, so the blow-up that
 * stopped the test does not squash the curve (raw points above it are left
 * out). Pure functions drawing into a TextGrid or a buffer; any thread.
 */
#ifndef FINELAB_LRPLOT_H
#define FINELAB_LRPLOT_H

#include <stddef.h>

#include "engine/train/lr_range.h"
#include "src/report/chart.h"
#include "src/report/textgrid.h"

/* The letter a suggestion is marked with: "S", "V", "M". */
const char *lrplot_letter(LrSuggestKind kind);

/* Draws the curve c with the suggestions s (LR_RANGE_SUGGESTIONS of them;
 * the unfound are not drawn) into the w x h area of g at (x0, y0), the
 * legend on its first row. Styles: raw 7, smoothed 1, marks 3. */
void lrplot_render(TextGrid *g, int x0, int y0, int w, int h, ChartGlyphs glyphs, const LrRange *c,
                   const LrSuggestion *s);

/* One suggestion as a line: "S steepest  6.6    where the smoothed loss
 * falls fastest ..." (without the letter when letter is 0), or "... none
 * (why)" when not found. */
void lrplot_suggestion(const LrSuggestion *s, int letter, char *buf, size_t cap);
/* How the test ended, one line: "stopped at iteration 92 (lr 231): the
 * smoothed loss passed 4x its best (2.79)"; "running: 40 of 100 iterations". */
void lrplot_ending(const LrRange *c, char *buf, size_t cap);
/* Which points the suggestions read, one line: "read on the smoothed loss
 * of iterations 10 .. 87 (the first 10 and the last 5, where the loss blew
 * up, left out)"; brief: "iterations 10 .. 87 of the smoothed loss". */
void lrplot_window(const LrRange *c, int brief, char *buf, size_t cap);

/* When the curve has no descent to read (lr_range_fall below
 * LR_RANGE_FLAT, once the test has ended), a line that says so and where
 * the loss began to rise, and 1; else 0 with buf "". */
int lrplot_note(const LrRange *c, char *buf, size_t cap);

#endif
