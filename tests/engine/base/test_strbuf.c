/*
 * test_strbuf — appends of every kind, long formatted text, take and the
 * empty buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/base/strbuf.h"
#include "tests/lib/testutil.h"

static void test_strbuf_appends_in_order(void **state) {
    (void)state;
    StrBuf b = {0};
    strbuf_puts(&b, "key");
    strbuf_add(&b, " = ", 3);
    strbuf_printf(&b, "%d/%s", 42, "x");
    assert_int_equal(b.len, strlen("key = 42/x"));
    assert_string_equal(b.s, "key = 42/x");
    char *s = strbuf_take(&b);
    assert_string_equal(s, "key = 42/x");
    assert_null(b.s);
    assert_int_equal(b.len, 0);
    free(s);
}

static void test_strbuf_grows_past_any_line_length(void **state) {
    (void)state;
    StrBuf b = {0};
    char *long_word = malloc(100001);
    memset(long_word, 'w', 100000);
    long_word[100000] = '\0';
    for (int i = 0; i < 3; i++) strbuf_printf(&b, "%d:%s\n", i, long_word);
    assert_int_equal(b.len, 3 * (2 + 100000 + 1));
    assert_int_equal(b.s[b.len], '\0');
    assert_memory_equal(b.s + 2 * 100003, "2:www", 5);
    assert_int_equal(b.s[b.len - 1], '\n');
    free(long_word);
    strbuf_fini(&b);
    assert_null(b.s);
}

static void test_strbuf_bytes_with_nul_and_empty_take(void **state) {
    (void)state;
    StrBuf b = {0};
    strbuf_add(&b, "a\0b", 3);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.s, "a\0b", 4); /* and the terminating NUL */
    strbuf_fini(&b);
    char *empty = strbuf_take(&b); /* nothing appended: "" */
    assert_non_null(empty);
    assert_string_equal(empty, "");
    free(empty);
}

static void test_strbuf_failed_stays_failed(void **state) {
    (void)state;
    StrBuf b = {0};
    strbuf_puts(&b, "kept until the end");
    b.failed = 1; /* as after an allocation failure */
    strbuf_puts(&b, " never added");
    strbuf_printf(&b, "%d", 1);
    assert_int_equal(b.len, strlen("kept until the end"));
    assert_null(strbuf_take(&b)); /* and the memory is freed */
    assert_null(b.s);
    assert_int_equal(b.failed, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strbuf_appends_in_order),
        cmocka_unit_test(test_strbuf_grows_past_any_line_length),
        cmocka_unit_test(test_strbuf_bytes_with_nul_and_empty_take),
        cmocka_unit_test(test_strbuf_failed_stays_failed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
