/*
 * test_ini — the INI line reader (engine/io/ini.c): sections, comments,
 * trimming and line numbers, lines far longer than inih's 200-byte buffer,
 * and the line reported for every malformed line, a NUL byte inside the
 * text and a pair the handler refuses; the loose syntax presets are read
 * in: key: value, inline comments, continuation lines joined in place,
 * empty keys, text after a header's ']', a byte order mark, and reading on
 * past malformed lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/ini.h"
#include "tests/lib/testutil.h"

typedef struct Seen {
    char text[4096];
    int refuse_line; /* the handler refuses the pair on this line (0: none) */
} Seen;

static int seen_pair(void *ctx, const char *section, const char *key, const char *value, int line) {
    Seen *s = ctx;
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof s->text - n, "%d [%s] %s=%s;", line, section, key, value);
    return line != s->refuse_line;
}

/* Parses a copy of text; returns ini_parse's line, what the handler saw in out. */
static int parse(const char *text, size_t len, int refuse_line, char *out, size_t cap) {
    char *copy = malloc(len + 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    copy[len] = '\0';
    Seen s = {.refuse_line = refuse_line};
    int line = ini_parse(copy, len, seen_pair, &s);
    snprintf(out, cap, "%s", s.text);
    free(copy);
    return line;
}

static void test_ini_pairs_sections_and_lines(void **state) {
    (void)state;
    static const char text[] = "; a comment\n"
                               "top = 1\n"
                               "\n"
                               "[run]\r\n"
                               "  state =  done  \r\n"
                               "# another\n"
                               "error = a = b\n"
                               "empty =\n"
                               "[other]\n"
                               "x=y";
    char out[4096];
    assert_int_equal(parse(text, strlen(text), 0, out, sizeof out), 0);
    assert_string_equal(out, "2 [] top=1;5 [run] state=done;7 [run] error=a = b;8 [run] empty=;"
                             "10 [other] x=y;");
}

static void test_ini_long_lines(void **state) {
    (void)state;
    size_t n = 3000;
    char *text = malloc(n + 64);
    assert_non_null(text);
    int len = sprintf(text, "[run]\nerror = ");
    memset(text + len, 'e', n);
    strcpy(text + len + n, "\nnext = 2\n");
    Seen s = {0};
    assert_int_equal(ini_parse(text, strlen(text), seen_pair, &s), 0);
    /* the whole value came through, and the line after it is line 3 */
    assert_non_null(strstr(s.text, "3 [run] next=2;"));
    free(text);
}

static void test_ini_malformed_lines(void **state) {
    (void)state;
    static const struct {
        const char *text;
        int line;
    } cases[] = {
        {"a = 1\n[run\nb = 2\n", 2},    /* a header without its ] */
        {"[run]x\n", 1},                /* text after the ] */
        {"a = 1\nno equals sign\n", 2}, /* a line without = */
        {"a = 1\n = 2\n", 2},           /* an empty key */
    };
    char out[4096];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(parse(cases[i].text, strlen(cases[i].text), 0, out, sizeof out),
                         cases[i].line);
}

static void test_ini_nul_byte_and_refusal(void **state) {
    (void)state;
    static const char text[] = "a = 1\nb = 2\nc = x\0y\nd = 4\n";
    char out[4096];
    assert_int_equal(parse(text, sizeof text - 1, 0, out, sizeof out), 3);
    assert_string_equal(out, "1 [] a=1;2 [] b=2;");
    static const char ok[] = "a = 1\nb = 2\nc = 3\n";
    assert_int_equal(parse(ok, strlen(ok), 2, out, sizeof out), 2);
    assert_string_equal(out, "1 [] a=1;2 [] b=2;");
}

static int seen_header(void *ctx, const char *section, const char *rest, int line) {
    Seen *s = ctx;
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof s->text - n, "%d <%s|%s>;", line, section, rest);
    return 1;
}

static int parse_loose(const char *text, char *out, size_t cap) {
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    assert_non_null(copy);
    memcpy(copy, text, len + 1);
    Seen s = {0};
    int line = ini_parse_syntax(copy, len, INI_LOOSE, seen_pair, seen_header, &s);
    snprintf(out, cap, "%s", s.text);
    free(copy);
    return line;
}

static void test_ini_loose_syntax(void **state) {
    (void)state;
    char out[4096];
    static const char text[] = "\xEF\xBB\xBF; comment\r\n"
                               "[a] ; a comment after the header\n"
                               "  name: indented ; inline comment\r\n"
                               "list = 1,\n"
                               "    2, ; continues\n"
                               "\n"
                               "\t3\n"
                               "  next = x;y\n"
                               "= empty key\n"
                               "[b] junk\n"
                               "  not a continuation\n"
                               "k = v\n";
    assert_int_equal(parse_loose(text, out, sizeof out), 11);
    assert_string_equal(out, "2 <a|; a comment after the header>;3 [a] name=indented;"
                             "4 [a] list=1, 2, 3;8 [a] next=x;y;9 [a] =empty key;10 <b|junk>;"
                             "12 [b] k=v;");
    /* the first malformed line is returned; later ones and pairs still read */
    assert_int_equal(parse_loose("[a\nx = 1\nno pair\n", out, sizeof out), 1);
    assert_string_equal(out, "2 [] x=1;");
    /* a key's line is its own, its continuation lines included */
    assert_int_equal(parse_loose("[s]\nk = a\n  b\n  c\nj = d\n", out, sizeof out), 0);
    assert_string_equal(out, "1 <s|>;2 [s] k=a b c;5 [s] j=d;");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ini_pairs_sections_and_lines),
        cmocka_unit_test(test_ini_long_lines),
        cmocka_unit_test(test_ini_malformed_lines),
        cmocka_unit_test(test_ini_nul_byte_and_refusal),
        cmocka_unit_test(test_ini_loose_syntax),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
