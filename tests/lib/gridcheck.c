/*
 * gridcheck — rendered grids against expected text. See gridcheck.h.
 */
#include "tests/lib/gridcheck.h"

#include <stdlib.h>
#include <string.h>

#include "tests/lib/testutil.h"

void gridcheck_init(TextGrid *g, int w, int h) {
    assert_int_equal(textgrid_init(g, w, h), ST_OK);
}

/* The grid's text; fails the test when it cannot be made. Caller frees. */
static char *grid_text(const TextGrid *g) {
    char *text = textgrid_string(g);
    assert_non_null(text);
    return text;
}

void gridcheck_expect(const TextGrid *g, const char *what, const char *want) {
    char *got = grid_text(g);
    if (strcmp(got, want) != 0) fail_msg("%s:\n%s\nexpected:\n%s", what, got, want);
    free(got);
}

void gridcheck_expect_part(const TextGrid *g, const char *what, const char *part) {
    char *got = grid_text(g);
    if (!strstr(got, part)) fail_msg("%s:\n%s\nlacks '%s'", what, got, part);
    free(got);
}
