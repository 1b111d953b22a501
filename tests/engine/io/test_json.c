/*
 * test_json — the JSON cursor reader on its own: strings with every escape
 * and \u surrogate pairs, numbers at the edges of uint64_t, skipping mixed
 * values, the nesting limit, iteration, the exact failure messages (byte
 * offsets included), the string literal writer (and a round trip through
 * the reader), and the UTF-8 check on valid and invalid sequences.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/io/json.h"
#include "tests/lib/testutil.h"

/* A cursor over the NUL-terminated text, named like a safetensors header. */
static Json cursor(const char *text, Error *err) {
    return (Json){.s = text, .n = strlen(text), .path = "t.json", .what = "header", .err = err};
}

/* The string at the start of text, decoded; pos is where the cursor ends. */
static char *string_ok(const char *text, size_t *pos) {
    Error err = {0};
    Json j = cursor(text, &err);
    char *out = NULL;
    if (json_string(&j, &out) != ST_OK) fail_msg("'%s': %s", text, err.msg);
    assert_non_null(out);
    if (pos) *pos = j.pos;
    return out;
}

/* json_string on text fails with exactly msg, and stores no copy. */
static void string_fails(const char *text, const char *msg) {
    Error err = {0};
    Json j = cursor(text, &err);
    char dummy, *out = &dummy; /* must be reset to NULL */
    assert_int_equal(json_string(&j, &out), ST_FORMAT);
    assert_null(out);
    assert_int_equal(err.status, ST_FORMAT);
    assert_string_equal(err.msg, msg);
    /* validating only fails the same way */
    Error err2 = {0};
    Json j2 = cursor(text, &err2);
    assert_int_equal(json_string(&j2, NULL), ST_FORMAT);
    assert_string_equal(err2.msg, msg);
}

/* --- strings --------------------------------------------------------------- */

static void test_json_string_every_escape(void **state) {
    (void)state;
    size_t pos;
    char *s = string_ok("\"q\\\"b\\\\s\\/n\\nr\\rt\\tb\\bf\\f.\" tail", &pos);
    assert_string_equal(s, "q\"b\\s/n\nr\rt\tb\bf\f.");
    assert_int_equal(pos, strlen("\"q\\\"b\\\\s\\/n\\nr\\rt\\tb\\bf\\f.\""));
    free(s);
    s = string_ok("\"\"", &pos);
    assert_string_equal(s, "");
    assert_int_equal(pos, 2);
    free(s);
    /* whitespace before the string is skipped */
    s = string_ok(" \t\r\n\"x\"", &pos);
    assert_string_equal(s, "x");
    assert_int_equal(pos, 7);
    free(s);
}

static void test_json_string_unicode_escapes(void **state) {
    (void)state;
    /* one to four UTF-8 bytes, lower- and upper-case hex */
    char *s = string_ok("\"\\u0041\\u00e9\\u00E9\\u07ff\\u0800\\u20AC\\uffff\"", NULL);
    assert_string_equal(s, "A\xc3\xa9\xc3\xa9\xdf\xbf\xe0\xa0\x80\xe2\x82\xac\xef\xbf\xbf");
    free(s);
    /* surrogate pairs: U+1F600, the first (U+10000) and the last (U+10FFFF) */
    s = string_ok("\"\\ud83d\\ude00|\\uD800\\uDC00|\\udbff\\udfff\"", NULL);
    assert_string_equal(s, "\xf0\x9f\x98\x80|\xf0\x90\x80\x80|\xf4\x8f\xbf\xbf");
    free(s);
    /* raw UTF-8 passes through untouched */
    s = string_ok("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", NULL);
    assert_string_equal(s, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    free(s);
}

static void test_json_string_failures(void **state) {
    (void)state;
    string_fails("\"ab", "t.json: bad JSON header at byte 3: unterminated string");
    string_fails("\"a\\", "t.json: bad JSON header at byte 3: unterminated string");
    string_fails("\"a\tb\"", "t.json: bad JSON header at byte 2: control character 0x09 in a "
                             "string must be escaped");
    string_fails("\"\x1f\"", "t.json: bad JSON header at byte 1: control character 0x1F in a "
                             "string must be escaped");
    string_fails("\"a\\x\"", "t.json: bad JSON header at byte 3: invalid escape sequence in a "
                             "string");
    string_fails("\"a\\U0041\"", "t.json: bad JSON header at byte 3: invalid escape sequence in "
                                 "a string");
    string_fails("\"\\u12\"",
                 "t.json: bad JSON header at byte 2: \\u must be followed by 4 hex digits");
    string_fails("\"\\u12g4\"",
                 "t.json: bad JSON header at byte 2: \\u must be followed by 4 hex digits");
    string_fails("\"\\udc00\"", "t.json: bad JSON header at byte 7: unpaired low surrogate "
                                "\\uDC00");
    string_fails("\"\\ud800x\"", "t.json: bad JSON header at byte 7: unpaired high surrogate "
                                 "\\uD800");
    string_fails("\"\\ud800\"", "t.json: bad JSON header at byte 7: unpaired high surrogate "
                                "\\uD800");
    string_fails("\"\\ud800\\ud800\"", "t.json: bad JSON header at byte 7: unpaired high "
                                       "surrogate \\uD800");
    string_fails("\"\\ud800\\u0041\"", "t.json: bad JSON header at byte 7: unpaired high "
                                       "surrogate \\uD800");
    string_fails("\"a\\u0000\"", "t.json: bad JSON header at byte 3: \\u0000 (a NUL character) "
                                 "in a string is not supported");
    string_fails("  42", "t.json: bad JSON header at byte 2: expected a string, found '4'");
    string_fails("", "t.json: bad JSON header at byte 0: expected a string, found the end of "
                     "the header");
    string_fails("\x01", "t.json: bad JSON header at byte 0: expected a string, found byte 0x01");
}

static void test_json_string_respects_length(void **state) {
    (void)state;
    /* n ends the text even when the bytes after it would close the string */
    Error err = {0};
    const char text[] = "\"abc\"";
    Json j = {.s = text, .n = 3, .path = "t.json", .what = "header", .err = &err};
    char *out = NULL;
    assert_int_equal(json_string(&j, &out), ST_FORMAT);
    assert_string_equal(err.msg, "t.json: bad JSON header at byte 3: unterminated string");
    /* validating only moves the cursor past the string too */
    Json v = cursor("\"a\\u00e9\\ud83d\\ude00\\\"b\" rest", &err);
    assert_int_equal(json_string(&v, NULL), ST_OK);
    assert_int_equal(v.pos, strlen("\"a\\u00e9\\ud83d\\ude00\\\"b\""));
}

/* --- numbers --------------------------------------------------------------- */

static void number_is(const char *text, JsonNumKind kind, uint64_t val, size_t pos) {
    Error err = {0};
    Json j = cursor(text, &err);
    uint64_t v = 12345;
    JsonNumKind k = JSON_HUGE;
    if (json_number(&j, &v, &k) != ST_OK) fail_msg("'%s': %s", text, err.msg);
    if (k != kind) fail_msg("'%s': kind %d, want %d", text, (int)k, (int)kind);
    if (kind == JSON_UINT) assert_true(v == val);
    assert_int_equal(j.pos, pos);
}

static void number_fails(const char *text, const char *msg) {
    Error err = {0};
    Json j = cursor(text, &err);
    uint64_t v;
    JsonNumKind k;
    assert_int_equal(json_number(&j, &v, &k), ST_FORMAT);
    assert_string_equal(err.msg, msg);
}

static void test_json_number_edges(void **state) {
    (void)state;
    /* Whole numbers that fit: their value, and the cursor past white space
     * before them and on what follows. */
    number_is("0", JSON_UINT, 0, 1);
    number_is("-0", JSON_UINT, 0, 2);
    number_is("7]", JSON_UINT, 7, 1);
    number_is(" \t\n\r42,", JSON_UINT, 42, 6);
    number_is("18446744073709551615", JSON_UINT, UINT64_MAX, 20);
    /* Each other kind, on texts read whole. */
    static const struct {
        JsonNumKind kind;
        const char *texts[8];
    } kinds[] = {
        {JSON_HUGE, {"18446744073709551616", "99999999999999999999999"}},
        {JSON_NEGATIVE, {"-1", "-18446744073709551615", "-18446744073709551616"}},
        {JSON_FRACTION, {"0.0", "-0.0", "1.5", "1e3", "1E+3", "2e-07", "18446744073709551616.5e1"}},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (const char *const *t = kinds[k].texts; *t; t++)
            number_is(*t, kinds[k].kind, 0, strlen(*t));
}

static void test_json_number_failures(void **state) {
    (void)state;
    number_fails("-", "t.json: bad JSON header at byte 1: invalid number");
    number_fails("-x", "t.json: bad JSON header at byte 1: invalid number");
    number_fails("+1", "t.json: bad JSON header at byte 0: invalid number");
    number_fails(".5", "t.json: bad JSON header at byte 0: invalid number");
    number_fails("", "t.json: bad JSON header at byte 0: invalid number");
    number_fails("01", "t.json: bad JSON header at byte 1: numbers must not have leading zeros");
    number_fails("-007", "t.json: bad JSON header at byte 2: numbers must not have leading zeros");
    number_fails("1.", "t.json: bad JSON header at byte 2: digit expected after '.'");
    number_fails("1.e5", "t.json: bad JSON header at byte 2: digit expected after '.'");
    number_fails("1e", "t.json: bad JSON header at byte 2: digit expected in the exponent");
    number_fails("1e+", "t.json: bad JSON header at byte 3: digit expected in the exponent");
    number_fails("1.5E-x", "t.json: bad JSON header at byte 5: digit expected in the exponent");
}

/* --- skipping and nesting -------------------------------------------------- */

static void skip_fails(const char *text, const char *msg) {
    Error err = {0};
    Json j = cursor(text, &err);
    assert_int_equal(json_skip(&j, 1), ST_FORMAT);
    assert_string_equal(err.msg, msg);
}

static void test_json_skip_values(void **state) {
    (void)state;
    const char *value = "{\"a\" : [1, -2.5e3, \"x\\\"y]\", true, false, null, {}, []],\n"
                        " \"b\": {\"c\": [[]], \"\\u00e9\": \"}\"}}";
    char *text = malloc(strlen(value) + 4);
    assert_non_null(text);
    strcpy(text, value);
    strcat(text, " ,x");
    Error err = {0};
    Json j = cursor(text, &err);
    assert_int_equal(json_skip(&j, 1), ST_OK);
    assert_int_equal(j.pos, strlen(value));
    assert_int_equal(json_peek(&j), ',');
    free(text);
    /* every kind of value on its own */
    static const char *const alone[] = {"true",  "false", "null", "0",    "-1.5e-3",
                                        "\"s\"", "[]",    "{}",   " [ ]", "[1,[2,[3]]]"};
    for (size_t i = 0; i < sizeof alone / sizeof alone[0]; i++) {
        Json a = cursor(alone[i], &err);
        if (json_skip(&a, 1) != ST_OK) fail_msg("'%s': %s", alone[i], err.msg);
        assert_true(json_at_end(&a));
    }
}

static void test_json_skip_failures(void **state) {
    (void)state;
    skip_fails("[1,]", "t.json: bad JSON header at byte 3: expected a value, found ']'");
    skip_fails("{\"a\" 1}", "t.json: bad JSON header at byte 5: expected ':', found '1'");
    skip_fails("{1:2}", "t.json: bad JSON header at byte 1: expected a string, found '1'");
    skip_fails("{\"a\":1,}", "t.json: bad JSON header at byte 7: expected a string, found '}'");
    skip_fails("[1 2]", "t.json: bad JSON header at byte 3: expected ',' or ']', found '2'");
    skip_fails("{\"a\":1]", "t.json: bad JSON header at byte 6: expected ',' or '}', found ']'");
    skip_fails("[1", "t.json: bad JSON header at byte 2: expected ',' or ']', found the end of "
                     "the header");
    skip_fails("nul", "t.json: bad JSON header at byte 0: expected a value, found 'n'");
    skip_fails("NaN", "t.json: bad JSON header at byte 0: expected a value, found 'N'");
    skip_fails("  ", "t.json: bad JSON header at byte 2: expected a value, found the end of the "
                     "header");
    skip_fails("[\"a\\q\"]", "t.json: bad JSON header at byte 4: invalid escape sequence in a "
                             "string");
    skip_fails("[01]", "t.json: bad JSON header at byte 2: numbers must not have leading zeros");
}

/* k arrays nested in each other: "[[[...]]]". */
static char *nested_arrays(int k) {
    char *s = malloc(2 * (size_t)k + 1);
    assert_non_null(s);
    memset(s, '[', (size_t)k);
    memset(s + k, ']', (size_t)k);
    s[2 * k] = '\0';
    return s;
}

static void test_json_nesting_depth(void **state) {
    (void)state;
    Error err = {0};
    char *ok = nested_arrays(JSON_MAX_DEPTH), *deep = nested_arrays(JSON_MAX_DEPTH + 1);
    Json j = cursor(ok, &err);
    assert_int_equal(json_skip(&j, 1), ST_OK);
    assert_true(json_at_end(&j));
    j = cursor(deep, &err);
    assert_int_equal(json_skip(&j, 1), ST_FORMAT);
    assert_string_equal(err.msg, "t.json: bad JSON header at byte 127: nested deeper than 127 "
                                 "levels");
    /* depth says where the value sits: two levels down, two fewer fit */
    j = cursor(ok + 2, &err); /* 125 arrays */
    j.n -= 2;
    assert_int_equal(json_skip(&j, 3), ST_OK);
    assert_true(json_at_end(&j));
    j = cursor(ok + 1, &err); /* 126 arrays */
    j.n -= 1;
    assert_int_equal(json_skip(&j, 3), ST_FORMAT);
    assert_string_equal(err.msg, "t.json: bad JSON header at byte 125: nested deeper than 127 "
                                 "levels");
    free(ok);
    free(deep);
    /* objects count the same way */
    char *obj = malloc(5 * (JSON_MAX_DEPTH + 1) + 1 + (JSON_MAX_DEPTH + 1) + 1);
    assert_non_null(obj);
    for (int depth = JSON_MAX_DEPTH; depth <= JSON_MAX_DEPTH + 1; depth++) {
        size_t n = 0;
        for (int i = 0; i < depth; i++) {
            memcpy(obj + n, "{\"a\":", 5);
            n += 5;
        }
        obj[n++] = '1';
        for (int i = 0; i < depth; i++) obj[n++] = '}';
        obj[n] = '\0';
        j = cursor(obj, &err);
        Status s = json_skip(&j, 1);
        if (depth == JSON_MAX_DEPTH) {
            assert_int_equal(s, ST_OK);
        } else {
            assert_int_equal(s, ST_FORMAT);
            assert_string_equal(err.msg, "t.json: bad JSON header at byte 635: nested deeper "
                                         "than 127 levels");
        }
    }
    free(obj);
}

/* --- cursor and iteration -------------------------------------------------- */

static void test_json_iterate_array_and_object(void **state) {
    (void)state;
    Error err = {0};
    Json j = cursor(" [ 1 , 2 ,3 ] x", &err);
    assert_true(json_accept(&j, '['));
    assert_false(json_accept(&j, ']'));
    uint64_t v[4];
    int k = 0;
    Status s = ST_OK;
    do {
        JsonNumKind kind;
        assert_true(k < 4);
        assert_int_equal(json_number(&j, &v[k++], &kind), ST_OK);
        assert_int_equal(kind, JSON_UINT);
    } while (json_next(&j, ']', &s));
    assert_int_equal(s, ST_OK);
    assert_int_equal(k, 3);
    assert_true(v[0] == 1 && v[1] == 2 && v[2] == 3);
    assert_int_equal(json_peek(&j), 'x');
    assert_false(json_at_end(&j));

    /* an empty container: the close is consumed by json_accept */
    j = cursor("{ }", &err);
    assert_int_equal(json_expect(&j, '{'), ST_OK);
    assert_true(json_accept(&j, '}'));
    assert_true(json_at_end(&j));

    /* keys and values of an object */
    j = cursor("{\"k\": \"v\", \"n\": null}", &err);
    assert_int_equal(json_expect(&j, '{'), ST_OK);
    assert_false(json_accept(&j, '}'));
    int members = 0;
    do {
        char *key;
        assert_int_equal(json_string(&j, &key), ST_OK);
        assert_int_equal(json_expect(&j, ':'), ST_OK);
        if (strcmp(key, "n") == 0) {
            assert_true(json_accept_word(&j, "null"));
        } else {
            char *value;
            assert_string_equal(key, "k");
            assert_int_equal(json_string(&j, &value), ST_OK);
            assert_string_equal(value, "v");
            free(value);
        }
        free(key);
        members++;
    } while (json_next(&j, '}', &s));
    assert_int_equal(s, ST_OK);
    assert_int_equal(members, 2);
    assert_true(json_at_end(&j));

    /* a bad separator ends the loop with the failure in s */
    j = cursor("[1;2]", &err);
    assert_true(json_accept(&j, '['));
    do {
        uint64_t x;
        JsonNumKind kind;
        assert_int_equal(json_number(&j, &x, &kind), ST_OK);
    } while (json_next(&j, ']', &s));
    assert_int_equal(s, ST_FORMAT);
    assert_string_equal(err.msg, "t.json: bad JSON header at byte 2: expected ',' or ']', found "
                                 "';'");
}

static void test_json_cursor_primitives(void **state) {
    (void)state;
    Error err = {0};
    Json j = cursor(" \t\r\n:x", &err);
    assert_int_equal(json_peek(&j), ':');
    assert_int_equal(j.pos, 4);
    assert_int_equal(json_expect(&j, ':'), ST_OK);
    assert_int_equal(json_expect(&j, ':'), ST_FORMAT);
    assert_string_equal(err.msg, "t.json: bad JSON header at byte 5: expected ':', found 'x'");
    assert_false(json_accept(&j, 'y'));
    assert_int_equal(j.pos, 5);
    assert_true(json_accept(&j, 'x'));
    assert_int_equal(json_peek(&j), '\0');
    assert_true(json_at_end(&j));
    assert_int_equal(json_expect(&j, '}'), ST_FORMAT);
    assert_string_equal(err.msg, "t.json: bad JSON header at byte 6: expected '}', found the end "
                                 "of the header");

    j = cursor("  null,", &err);
    assert_false(json_accept_word(&j, "true"));
    assert_int_equal(j.pos, 2);
    assert_true(json_accept_word(&j, "null"));
    assert_int_equal(j.pos, 6);
    j = cursor("nul", &err);
    assert_false(json_accept_word(&j, "null"));
    assert_int_equal(j.pos, 0);

    /* json_fail: the common message shape, at the cursor */
    j = cursor("abcdef", &err);
    j.pos = 4;
    assert_int_equal(json_fail(&j, "custom %d", 7), ST_FORMAT);
    assert_string_equal(err.msg, "t.json: bad JSON header at byte 4: custom 7");

    /* without what the text is "text"; without err nothing is written */
    j = (Json){.s = "", .n = 0, .path = "p", .err = &err};
    assert_int_equal(json_string(&j, NULL), ST_FORMAT);
    assert_string_equal(err.msg, "p: bad JSON text at byte 0: expected a string, found the end "
                                 "of the text");
    j = (Json){.s = "[", .n = 1, .path = "p"};
    assert_int_equal(json_skip(&j, 1), ST_FORMAT);
}

/* --- writing --------------------------------------------------------------- */

static void test_json_put_string_escapes(void **state) {
    (void)state;
    StrBuf b = {0};
    json_put_string(&b, "q\"b\\s/n\nr\rt\tb\bf\f\x01\x1f\x7f \xc3\xa9\xe2\x82\xac");
    assert_false(b.failed);
    assert_string_equal(b.s, "\"q\\\"b\\\\s/n\\nr\\rt\\tb\\bf\\f\\u0001\\u001f\x7f "
                             "\xc3\xa9\xe2\x82\xac\"");
    strbuf_fini(&b);
    json_put_string(&b, "");
    assert_string_equal(b.s, "\"\"");
    strbuf_fini(&b);
}

static void test_json_put_string_round_trip(void **state) {
    (void)state;
    /* every byte 1..127, then UTF-8 of two, three and four bytes */
    char text[128 + 16];
    size_t n = 0;
    for (int c = 1; c < 128; c++) text[n++] = (char)c;
    memcpy(text + n, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10); /* with the NUL */
    StrBuf b = {0};
    json_put_string(&b, text);
    assert_false(b.failed);
    assert_true(json_utf8_valid(b.s));
    Error err = {0};
    Json j = {.s = b.s, .n = b.len, .path = "t.json", .what = "header", .err = &err};
    char *back = NULL;
    if (json_string(&j, &back) != ST_OK) fail_msg("%s", err.msg);
    assert_string_equal(back, text);
    assert_true(json_at_end(&j));
    free(back);
    strbuf_fini(&b);
}

/* --- UTF-8 ----------------------------------------------------------------- */

static void utf8_at(const char *s, size_t n, size_t want) {
    size_t got = json_utf8_invalid_at(s, n);
    if (got != want) fail_msg("invalid_at of %zu bytes: %zu, want %zu", n, got, want);
}

static void test_json_utf8_valid_sequences(void **state) {
    (void)state;
    utf8_at("", 0, 0);
    utf8_at("abc", 3, 3);
    utf8_at("a\0b", 3, 3);             /* NUL is a character like any other */
    utf8_at("\xc2\x80", 2, 2);         /* U+0080, the first of two bytes */
    utf8_at("a\xc3\xa9", 3, 3);        /* U+00E9 */
    utf8_at("\xdf\xbf", 2, 2);         /* U+07FF */
    utf8_at("\xe0\xa0\x80", 3, 3);     /* U+0800, the first of three */
    utf8_at("\xe2\x82\xac", 3, 3);     /* U+20AC */
    utf8_at("\xed\x9f\xbf", 3, 3);     /* U+D7FF, just below the surrogates */
    utf8_at("\xee\x80\x80", 3, 3);     /* U+E000, just above them */
    utf8_at("\xef\xbf\xbf", 3, 3);     /* U+FFFF */
    utf8_at("\xf0\x90\x80\x80", 4, 4); /* U+10000, the first of four */
    utf8_at("\xf0\x9f\x98\x80", 4, 4); /* U+1F600 */
    utf8_at("\xf4\x8f\xbf\xbf", 4, 4); /* U+10FFFF, the last code point */
    assert_true(json_utf8_valid("caf\xc3\xa9"));
    assert_true(json_utf8_valid(""));
}

static void test_json_utf8_invalid_sequences(void **state) {
    (void)state;
    utf8_at("ab\x80", 3, 2); /* a lone continuation byte */
    utf8_at("\xbf", 1, 0);
    utf8_at("\xc0\xaf", 2, 0);             /* overlong '/' */
    utf8_at("\xc1\xbf", 2, 0);             /* overlong U+007F */
    utf8_at("x\xe0\x80\x80", 4, 1);        /* overlong U+0000 in three bytes */
    utf8_at("\xe0\x9f\xbf", 3, 0);         /* overlong U+07FF */
    utf8_at("\xed\xa0\x80", 3, 0);         /* the surrogate U+D800 encoded */
    utf8_at("\xed\xbf\xbf", 3, 0);         /* the surrogate U+DFFF encoded */
    utf8_at("\xf0\x8f\xbf\xbf", 4, 0);     /* overlong U+FFFF in four bytes */
    utf8_at("\xf4\x90\x80\x80", 4, 0);     /* U+110000, above the last code point */
    utf8_at("\xf5\x80\x80\x80", 4, 0);     /* no such lead byte */
    utf8_at("\xf8\x88\x80\x80\x80", 5, 0); /* five-byte forms are gone */
    utf8_at("\xfe", 1, 0);
    utf8_at("\xff", 1, 0);
    utf8_at("ab\xc3", 3, 2); /* cut short at the end */
    utf8_at("\xe2\x82", 2, 0);
    utf8_at("\xf0\x9f\x98", 3, 0);
    utf8_at("\xe2\x82\xac", 2, 0);     /* n, not the NUL, ends the text */
    utf8_at("\xe2\x28\xa1", 3, 0);     /* a bad second byte */
    utf8_at("\xe2\x82\x28", 3, 0);     /* a bad third byte */
    utf8_at("\xf0\x9f\x98\x28", 4, 0); /* a bad fourth byte */
    utf8_at("ok\xc3\xa9\xff", 5, 4);   /* the first bad byte, after good ones */
    assert_false(json_utf8_valid("\xff"));
    assert_false(json_utf8_valid("caf\xc3"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_string_every_escape),
        cmocka_unit_test(test_json_string_unicode_escapes),
        cmocka_unit_test(test_json_string_failures),
        cmocka_unit_test(test_json_string_respects_length),
        cmocka_unit_test(test_json_number_edges),
        cmocka_unit_test(test_json_number_failures),
        cmocka_unit_test(test_json_skip_values),
        cmocka_unit_test(test_json_skip_failures),
        cmocka_unit_test(test_json_nesting_depth),
        cmocka_unit_test(test_json_iterate_array_and_object),
        cmocka_unit_test(test_json_cursor_primitives),
        cmocka_unit_test(test_json_put_string_escapes),
        cmocka_unit_test(test_json_put_string_round_trip),
        cmocka_unit_test(test_json_utf8_valid_sequences),
        cmocka_unit_test(test_json_utf8_invalid_sequences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
