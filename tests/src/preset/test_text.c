/*
 * test_text — the preset reader's two string helpers (src/preset/text.c):
 * text_copy takes the first n bytes and cuts to the buffer, text_trim drops
 * white space at both ends in place and keeps it inside.
 */
#include <string.h>

#include "src/preset/text.h"
#include "tests/lib/testutil.h"

static void test_text_copy_takes_n_bytes(void **state) {
    (void)state;
    char dst[16];
    memset(dst, 'x', sizeof dst);
    text_copy(dst, sizeof dst, "base_lr=0.1", 7); /* "base_lr" */
    assert_string_equal(dst, "base_lr");
    text_copy(dst, sizeof dst, "abc", 0); /* nothing: just the terminator */
    assert_string_equal(dst, "");
    /* n may run past a NUL the caller knows is not there: exactly n bytes. */
    text_copy(dst, sizeof dst, "a\0bc", 4);
    assert_memory_equal(dst, "a\0bc\0", 5);
}

static void test_text_copy_cuts_to_the_buffer(void **state) {
    (void)state;
    char dst[5];
    memset(dst, 'x', sizeof dst);
    text_copy(dst, sizeof dst, "abcdefgh", 8); /* cap 5: 4 bytes and the NUL */
    assert_string_equal(dst, "abcd");
    text_copy(dst, sizeof dst, "abcde", 5); /* n == cap is cut too */
    assert_string_equal(dst, "abcd");
    text_copy(dst, sizeof dst, "abcd", 4); /* n == cap - 1 fits whole */
    assert_string_equal(dst, "abcd");
    char one[1] = {'x'};
    text_copy(one, sizeof one, "abc", 3); /* cap 1: only the terminator */
    assert_int_equal(one[0], '\0');
    char guard[2] = {'x', 'y'};
    text_copy(guard, 0, "abc", 3); /* cap 0: nothing written, not even the NUL */
    assert_true(guard[0] == 'x' && guard[1] == 'y');
}

static void test_text_trim(void **state) {
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"  solver.base_lr \t", "solver.base_lr"},
        {"\t\n x y \r\n", "x y"}, /* inner space stays */
        {"none", "none"},
        {"   ", ""},
        {"", ""},
        {"\v\fa", "a"}, /* every isspace character */
        {"a\v\f", "a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        strcpy(buf, cases[i].in);
        text_trim(buf);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("text_trim('%s') = '%s', want '%s'", cases[i].in, buf, cases[i].want);
    }
}

static void test_text_trim_high_bytes_are_not_space(void **state) {
    (void)state;
    /* UTF-8 bytes are >= 0x80: read as unsigned they are no white space
     * (as plain char they would be negative, undefined for isspace). */
    char buf[16];
    strcpy(buf, " \xc3\xa9t\xc3\xa9 ");
    text_trim(buf);
    assert_string_equal(buf, "\xc3\xa9t\xc3\xa9");
}

/* text_say formats into the caller's buffer, cut to it, and returns it. */
static void test_text_say(void **state) {
    (void)state;
    char msg[16];
    assert_ptr_equal(text_say(msg, sizeof msg, "%s %d", "eta", 3), msg);
    assert_string_equal(msg, "eta 3");
    text_say(msg, sizeof msg, "expects %s", "random or tpe");
    assert_string_equal(msg, "expects random ");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_copy_takes_n_bytes),
        cmocka_unit_test(test_text_copy_cuts_to_the_buffer),
        cmocka_unit_test(test_text_trim),
        cmocka_unit_test(test_text_trim_high_bytes_are_not_space),
        cmocka_unit_test(test_text_say),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
