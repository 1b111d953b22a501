/*
 * test_textgrid — the in-memory character screen (src/report/textgrid.c):
 * a fresh grid is spaces, cells take one UTF-8 character each with a style,
 * writes outside are clipped, text is written one character per cell,
 * pasting maps styles, and the string form keeps every row's full width.
 */
#include <stdlib.h>
#include <string.h>

#include "src/report/textgrid.h"
#include "tests/lib/gridcheck.h"
#include "tests/lib/testutil.h"

static void test_textgrid_init_is_blank(void **state) {
    (void)state;
    TextGrid g;
    gridcheck_init(&g, 3, 2);
    assert_int_equal(g.w, 3);
    assert_int_equal(g.h, 2);
    gridcheck_expect(&g, "blank", "   \n   ");
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 3; x++) assert_int_equal(textgrid_at(&g, x, y)->style, 0);
    textgrid_fini(&g);
    assert_null(g.cells);
    assert_int_equal(g.w, 0);
    textgrid_fini(&g); /* twice is harmless */
    textgrid_fini(NULL);
}

static void test_textgrid_init_refuses_empty(void **state) {
    (void)state;
    TextGrid g;
    assert_int_equal(textgrid_init(&g, 0, 5), ST_ARG);
    assert_null(g.cells);
    assert_int_equal(textgrid_init(&g, 5, -1), ST_ARG);
    assert_int_equal(g.w, 0);
    assert_int_equal(g.h, 0);
}

static void test_textgrid_put_and_clip(void **state) {
    (void)state;
    TextGrid g;
    gridcheck_init(&g, 4, 2);
    textgrid_put(&g, 0, 0, "a", 1);
    textgrid_put(&g, 3, 1, "\xe2\x96\x88", 2); /* U+2588 full block, 3 bytes */
    textgrid_put(&g, 1, 0, "xyz", 3);          /* only the first character */
    textgrid_put(&g, -1, 0, "!", 9);           /* all outside: ignored */
    textgrid_put(&g, 4, 0, "!", 9);
    textgrid_put(&g, 0, 2, "!", 9);
    textgrid_put(&g, 0, -1, "!", 9);
    gridcheck_expect(&g, "put", "ax  \n   \xe2\x96\x88");
    assert_int_equal(textgrid_at(&g, 0, 0)->style, 1);
    assert_int_equal(textgrid_at(&g, 1, 0)->style, 3);
    assert_string_equal(textgrid_at(&g, 3, 1)->ch, "\xe2\x96\x88");
    assert_int_equal(textgrid_at(&g, 3, 1)->style, 2);
    textgrid_clear(&g);
    gridcheck_expect(&g, "cleared", "    \n    ");
    assert_int_equal(textgrid_at(&g, 3, 1)->style, 0);
    textgrid_fini(&g);
}

static void test_textgrid_text_counts_cells(void **state) {
    (void)state;
    TextGrid g;
    gridcheck_init(&g, 6, 2);
    /* "é" is 2 bytes, "±" 2 bytes: 4 characters, 4 cells. */
    assert_int_equal(textgrid_text(&g, 1, 0, "\xc3\xa9t\xc3\xa9\xc2\xb1", 5), 4);
    /* Clipped at the right edge: from x 3, 3 of "abcdef" fit. */
    assert_int_equal(textgrid_text(&g, 3, 1, "abcdef", 0), 3);
    gridcheck_expect(&g, "text", " \xc3\xa9t\xc3\xa9\xc2\xb1 \n   abc");
    assert_int_equal(textgrid_at(&g, 2, 0)->style, 5);
    assert_int_equal(textgrid_text(&g, 6, 0, "x", 0), 0); /* at the edge: none */
    assert_int_equal(textgrid_text(&g, 0, 0, "", 0), 0);
    /* Left of the grid: the cells outside count but are not drawn. */
    assert_int_equal(textgrid_text(&g, -2, 1, "XYZ", 0), 3);
    assert_string_equal(textgrid_at(&g, 0, 1)->ch, "Z");
    assert_int_equal(textgrid_printf(&g, 0, 0, 7, "%d%%", 42), 3);
    gridcheck_expect(&g, "printf", "42%\xc3\xa9\xc2\xb1 \nZ  abc");
    assert_int_equal(textgrid_at(&g, 2, 0)->style, 7);
    textgrid_fini(&g);
}

static int plus_ten(int style) {
    return style + 10;
}

static void test_textgrid_paste(void **state) {
    (void)state;
    TextGrid src, dst;
    gridcheck_init(&src, 2, 2);
    gridcheck_init(&dst, 4, 3);
    textgrid_text(&src, 0, 0, "ab", 1);
    textgrid_text(&src, 0, 1, "cd", 2);
    textgrid_paste(&dst, 1, 1, &src, NULL);
    gridcheck_expect(&dst, "pasted", "    \n ab \n cd ");
    assert_int_equal(textgrid_at(&dst, 2, 2)->style, 2);
    /* Clipped at the bottom-right corner, styles mapped; a blank cell of
     * src is pasted too (style 0 -> 10). */
    textgrid_put(&src, 1, 1, " ", 0);
    textgrid_paste(&dst, 3, 2, &src, plus_ten);
    gridcheck_expect(&dst, "clipped", "    \n ab \n cda");
    assert_int_equal(textgrid_at(&dst, 3, 2)->style, 11);
    /* Partly left of and above dst. */
    textgrid_paste(&dst, -1, -1, &src, plus_ten);
    assert_string_equal(textgrid_at(&dst, 0, 0)->ch, " "); /* src (1, 1), the blank */
    assert_int_equal(textgrid_at(&dst, 0, 0)->style, 10);
    textgrid_fini(&src);
    textgrid_fini(&dst);
}

static void test_textgrid_string_keeps_trailing_spaces(void **state) {
    (void)state;
    TextGrid g;
    gridcheck_init(&g, 3, 3);
    textgrid_put(&g, 0, 1, "\xf0\x9f\x90\xa6", 0); /* U+1F426, 4 bytes */
    char *s = textgrid_string(&g);
    assert_non_null(s);
    /* 3 rows, 2 newlines, no newline after the last. */
    assert_string_equal(s, "   \n\xf0\x9f\x90\xa6  \n   ");
    assert_int_equal(strlen(s), 3 + 1 + 6 + 1 + 3);
    free(s);
    textgrid_fini(&g);
}

static void test_textgrid_utf8_lengths(void **state) {
    (void)state;
    static const struct {
        const char *s;
        int len;
    } cases[] = {
        {"a", 1},
        {"\xc3\xa9", 2},
        {"\xe2\x96\x88", 3},
        {"\xf0\x9f\x90\xa6", 4},
        {"\xc3", 1},         /* a lead byte cut short by the NUL */
        {"\xe2\x96x", 1},    /* a lead byte without all its continuations */
        {"\x80", 1},         /* a stray continuation byte */
        {"\xff", 1},         /* never valid */
        {"\xf0\x9f\x90", 1}, /* 4-byte lead with 2 continuations */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (textgrid_utf8_len(cases[i].s) != cases[i].len)
            fail_msg("case %zu: textgrid_utf8_len = %d, want %d", i, textgrid_utf8_len(cases[i].s),
                     cases[i].len);
    assert_int_equal(textgrid_utf8_cells(""), 0);
    assert_int_equal(textgrid_utf8_cells("abc"), 3);
    /* "é", "█", "🐦", "x" and a bad byte: 5 cells. */
    assert_int_equal(textgrid_utf8_cells("\xc3\xa9\xe2\x96\x88\xf0\x9f\x90\xa6x\xff"), 5);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_textgrid_init_is_blank),
        cmocka_unit_test(test_textgrid_init_refuses_empty),
        cmocka_unit_test(test_textgrid_put_and_clip),
        cmocka_unit_test(test_textgrid_text_counts_cells),
        cmocka_unit_test(test_textgrid_paste),
        cmocka_unit_test(test_textgrid_string_keeps_trailing_spaces),
        cmocka_unit_test(test_textgrid_utf8_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
