/*
 * test_schema_value — reading, writing and describing one value of any key
 * type (src/preset/schema_value.c), on a table of this file's own keys
 * (every SchemaType, open and closed ranges, auto, choices, a capped
 * repeatable list) that point at ordinary Preset fields, so the cases do
 * not change when the real schema's ranges do: parsed values, the exact
 * "expects ..." messages, the shortest text that reads back to the same
 * bits, suggestions and schema_same.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/preset/schema.h"
#include "tests/lib/testutil.h"

static const SchemaChoice formats[] = {{"folder", 0}, {"list", 7}, {NULL, 0}};
static const SchemaChoice backbones[] = {{"vgg16", 0}, {NULL, 0}};
static const char *const sizes[] = {"224", "448", NULL};

#define FIELD(f) .offset = offsetof(Preset, f), .size = sizeof(((Preset *)0)->f)

/* The keys; by index in the enum below. */
enum {
    K_INT,
    K_AUTO,
    K_WIDTH,
    K_LR,
    K_CLIP,
    K_BELOW,
    K_BOOL,
    K_ENUM,
    K_NAME,
    K_BACKBONE,
    K_PATH,
    K_STEPS,
    K_STEPS_ONCE,
    K_MEAN,
    K_SPLIT,
    K_COUNT
};
static const SchemaKey keys[K_COUNT] = {
    [K_INT] = {"t", "threads", SCHEMA_INT, .lo = 1, .hi = 64, .suggest = sizes,
               FIELD(experiment.threads)},
    [K_AUTO] = {"t", "resize", SCHEMA_INT, .lo = 0, .hi = 4096, .flags = SCHEMA_AUTO,
                FIELD(data.resize)},
    [K_WIDTH] = {"t", "width", SCHEMA_FLOAT, .lo = 0, .hi = 1, .flags = SCHEMA_LO_OPEN,
                 FIELD(model.width)},
    [K_LR] = {"t", "base_lr", SCHEMA_DOUBLE, .lo = 0, .hi = INFINITY, .flags = SCHEMA_LO_OPEN,
              FIELD(solver.base_lr)},
    [K_CLIP] = {"t", "clip", SCHEMA_DOUBLE, .lo = -INFINITY, .hi = INFINITY,
                FIELD(solver.clip_gradients)},
    [K_BELOW] = {"t", "below", SCHEMA_DOUBLE, .lo = -INFINITY, .hi = 100, .flags = SCHEMA_HI_OPEN,
                 FIELD(data.rotate)},
    [K_BOOL] = {"t", "mirror", SCHEMA_BOOL, FIELD(data.mirror)},
    [K_ENUM] = {"t", "format", SCHEMA_ENUM, .choices = formats, FIELD(data.format)},
    [K_NAME] = {"t", "name", SCHEMA_STRING, .flags = SCHEMA_NONEMPTY, FIELD(experiment.name)},
    [K_BACKBONE] = {"t", "backbone", SCHEMA_STRING, .choices = backbones, FIELD(model.backbone)},
    [K_PATH] = {"t", "weights", SCHEMA_PATH, FIELD(model.weights)},
    [K_STEPS] = {"t", "stepvalue", SCHEMA_INT_LIST, .lo = 1, .hi = INFINITY,
                 .flags = SCHEMA_REPEATABLE, FIELD(solver.stepvalue),
                 .count_offset = offsetof(Preset, solver.n_stepvalue), .max_items = 4},
    [K_STEPS_ONCE] = {"t", "stepvalue", SCHEMA_INT_LIST, .lo = 1, .hi = INFINITY,
                      FIELD(solver.stepvalue), .count_offset = offsetof(Preset, solver.n_stepvalue),
                      .max_items = 4},
    [K_MEAN] = {"t", "mean", SCHEMA_FLOAT3, .lo = -INFINITY, .hi = INFINITY, FIELD(data.mean)},
    [K_SPLIT] = {"t", "split", SCHEMA_SPLIT, .lo = 0, .hi = 1,
                 .flags = SCHEMA_LO_OPEN | SCHEMA_HI_OPEN, FIELD(data.train_fraction)},
};

/* A zeroed preset on the heap (it is large); freed by the caller. */
static Preset *blank(void) {
    Preset *p = calloc(1, sizeof *p);
    assert_non_null(p);
    return p;
}

/* k's value in p as schema_format writes it. */
static const char *formatted(int k, const Preset *p) {
    static char buf[2048];
    assert_true(schema_format(&keys[k], p, buf, sizeof buf) >= 0);
    return buf;
}

/* One parse: key, text, and either the value it formats back to or the
 * exact error message. */
typedef struct ParseCase {
    int key;
    const char *text;
    const char *value; /* NULL: an error */
    const char *error;
} ParseCase;

static void run_cases(const ParseCase *cases, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const ParseCase *c = &cases[i];
        Preset *p = blank();
        Error err = {0};
        Status s = schema_parse(&keys[c->key], c->text, p, 0, &err);
        if (c->value) {
            if (s) fail_msg("'%s' as %s: %s", c->text, keys[c->key].key, err.msg);
            if (strcmp(formatted(c->key, p), c->value) != 0)
                fail_msg("'%s' as %s formats as '%s', want '%s'", c->text, keys[c->key].key,
                         formatted(c->key, p), c->value);
        } else {
            if (s != ST_ARG)
                fail_msg("'%s' as %s: status %d, want ST_ARG", c->text, keys[c->key].key, (int)s);
            if (strcmp(err.msg, c->error) != 0)
                fail_msg("'%s' as %s: '%s', want '%s'", c->text, keys[c->key].key, err.msg,
                         c->error);
        }
        free(p);
    }
}

static void test_schema_value_scalars(void **state) {
    (void)state;
    static const ParseCase cases[] = {
        {K_INT, "  12 ", "12", NULL},
        {K_INT, "1", "1", NULL}, /* both ends of a closed range */
        {K_INT, "64", "64", NULL},
        {K_INT, "65", NULL, "expects a whole number from 1 to 64 (got '65')"},
        {K_INT, "0", NULL, "expects a whole number from 1 to 64 (got '0')"},
        {K_INT, "1.5", NULL, "expects a whole number from 1 to 64 (got '1.5')"},
        {K_INT, "12abc", NULL, "expects a whole number from 1 to 64 (got '12abc')"},
        {K_INT, "", NULL, "expects a whole number from 1 to 64 (got '')"},
        {K_INT, "auto", NULL, "expects a whole number from 1 to 64 (got 'auto')"},
        {K_INT, "1, 2", NULL,
         "expects one value, not a list (lists belong in [sweep]; got '1, 2')"},
        {K_AUTO, "AUTO", "auto", NULL},
        {K_AUTO, "0", "0", NULL},
        {K_AUTO, "2147483648", NULL,
         "expects auto or a whole number from 0 to 4096 (got '2147483648')"},
        {K_WIDTH, "0.25", "0.25", NULL},
        {K_WIDTH, "1", "1", NULL},
        {K_WIDTH, "0", NULL, "expects a number > 0 and <= 1 (got '0')"},
        {K_WIDTH, "1.0000001", NULL, "expects a number > 0 and <= 1 (got '1.0000001')"},
        {K_LR, "1e-3", "0.001", NULL},
        {K_LR, "0", NULL, "expects a number > 0 (got '0')"},
        {K_LR, "nan", NULL, "expects a number > 0 (got 'nan')"},
        {K_LR, "inf", NULL, "expects a number > 0 (got 'inf')"},
        {K_LR, "1e400", NULL, "expects a number > 0 (got '1e400')"}, /* overflows a double */
        {K_CLIP, "-1", "-1", NULL},
        {K_CLIP, "1e-400", "0", NULL}, /* underflow reads as 0, which this key allows */
        {K_CLIP, "x", NULL, "expects a number (got 'x')"},
        {K_BELOW, "99.5", "99.5", NULL},
        {K_BELOW, "100", NULL, "expects a number < 100 (got '100')"},

        /* words */
        {K_BOOL, "yes", "true", NULL},
        {K_BOOL, "On", "true", NULL},
        {K_BOOL, "1", "true", NULL},
        {K_BOOL, "TRUE", "true", NULL},
        {K_BOOL, "no", "false", NULL},
        {K_BOOL, "OFF", "false", NULL},
        {K_BOOL, "0", "false", NULL},
        {K_BOOL, "maybe", NULL, "expects true or false (got 'maybe')"},
        {K_BOOL, "2", NULL, "expects true or false (got '2')"},
        {K_ENUM, "LIST", "list", NULL},
        {K_ENUM, "tree", NULL, "expects one of folder, list (got 'tree')"},
        {K_NAME, " cub res 448 ", "cub res 448", NULL},
        {K_NAME, "a;b", "a;b", NULL}, /* ';' after a non-space is no comment */
        {K_NAME, "", NULL, "expects a non-empty line of text (at most 255 characters) (got '')"},
        {K_NAME, ";x", NULL, "may not start with ';' or contain ' ;' (it starts an INI comment)"},
        {K_NAME, "a ;b", NULL, "may not start with ';' or contain ' ;' (it starts an INI comment)"},
        {K_NAME, "a\tb", NULL, "expects one line of printable text"},
        {K_NAME, "a\x7f", NULL, "expects one line of printable text"},
        {K_BACKBONE, "VGG16", "vgg16", NULL}, /* the choice's own spelling is stored */
        {K_BACKBONE, "resnet", NULL, "expects one of vgg16 (got 'resnet')"},
        {K_BACKBONE, "0123456789012345678901234567890", NULL, /* 31 characters, size 32 */
         "expects one of vgg16 (got '0123456789012345678901234567890')"},
        {K_BACKBONE, "01234567890123456789012345678901", NULL,
         "is 32 characters long (at most 31)"},
        {K_PATH, "", "", NULL}, /* may be empty */
        {K_PATH, "/data/cub 200/", "/data/cub 200/", NULL},
        {K_SPLIT, "official", "official", NULL},
        {K_SPLIT, "Random:0.8", "random:0.8", NULL},
        {K_SPLIT, "random:1", NULL,
         "expects official or random:<fraction> with 0 < fraction < 1 (got 'random:1')"},
        {K_SPLIT, "random:", NULL,
         "expects official or random:<fraction> with 0 < fraction < 1 (got 'random:')"},
        {K_SPLIT, "0.8", NULL,
         "expects official or random:<fraction> with 0 < fraction < 1 (got '0.8')"},
    };
    run_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_schema_value_lists(void **state) {
    (void)state;
    static const ParseCase cases[] = {
        {K_STEPS, "100, 200 300", "100, 200, 300", NULL}, /* commas or spaces */
        {K_STEPS, "100,200", "100, 200", NULL},
        {K_STEPS, "none", "none", NULL},
        {K_STEPS, "", "none", NULL},
        {K_STEPS, "1,,2", NULL,
         "expects whole numbers >= 1 separated by commas (at most 4 in all), or none "
         "(got '1,,2')"},
        {K_STEPS, "1,", NULL,
         "expects whole numbers >= 1 separated by commas (at most 4 in all), or none (got '1,')"},
        {K_STEPS, "0 1", NULL,
         "expects whole numbers >= 1 separated by commas (at most 4 in all), or none "
         "(got '0 1')"},
        {K_STEPS, "1 2 3 4 5", NULL, "takes at most 4 values in all (this makes 5)"},
        {K_MEAN, "104.0, 117 123.5", "104, 117, 123.5", NULL},
        {K_MEAN, "1, 2", NULL, "expects three numbers separated by commas (got '1, 2')"},
        {K_MEAN, "1, 2, 3, 4", NULL,
         "expects three numbers separated by commas (got '1, 2, 3, 4')"},
        {K_MEAN, "1, x, 3", NULL, "expects three numbers separated by commas (got '1, x, 3')"},
        {K_MEAN, "1, 1e39, 3", NULL, /* past a float */
         "expects three numbers separated by commas (got '1, 1e39, 3')"},
    };
    run_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_schema_value_stored_values(void **state) {
    (void)state;
    Preset *p = blank();
    assert_int_equal(schema_parse(&keys[K_AUTO], "auto", p, 0, NULL), ST_OK);
    assert_int_equal(p->data.resize, -1);
    assert_int_equal(schema_parse(&keys[K_SPLIT], "official", p, 0, NULL), ST_OK);
    assert_true(p->data.train_fraction == -1);
    assert_int_equal(schema_parse(&keys[K_SPLIT], "random:0.25", p, 0, NULL), ST_OK);
    assert_true(p->data.train_fraction == 0.25);
    assert_int_equal(schema_parse(&keys[K_ENUM], "list", p, 0, NULL), ST_OK);
    assert_int_equal(p->data.format, 7);
    assert_int_equal(schema_parse(&keys[K_BOOL], "on", p, 0, NULL), ST_OK);
    assert_int_equal(p->data.mirror, 1);
    assert_int_equal(schema_parse(&keys[K_MEAN], "104 117 123.5", p, 0, NULL), ST_OK);
    assert_true(p->data.mean[0] == 104.0f && p->data.mean[1] == 117.0f &&
                p->data.mean[2] == 123.5f);
    assert_int_equal(schema_parse(&keys[K_WIDTH], "0.1", p, 0, NULL), ST_OK);
    assert_true(p->model.width == 0.1f);
    free(p);
}

/* One schema_parse on a preset that keeps the earlier steps' values:
 * what it returns, then what the key formats as (error or not). */
typedef struct Step {
    int key;
    const char *text;
    int append;
    Status status;
    const char *after;
} Step;

static void run_steps(const Step *steps, size_t n) {
    Preset *p = blank();
    for (size_t i = 0; i < n; i++) {
        const Step *st = &steps[i];
        Error err = {0};
        Status got = schema_parse(&keys[st->key], st->text, p, st->append, &err);
        if (got != st->status)
            fail_msg("step %zu ('%s'): status %d (%s), want %d", i, st->text, (int)got, err.msg,
                     (int)st->status);
        if (strcmp(formatted(st->key, p), st->after) != 0)
            fail_msg("step %zu ('%s'): '%s' after, want '%s'", i, st->text, formatted(st->key, p),
                     st->after);
    }
    free(p);
}

static void test_schema_value_error_leaves_the_preset(void **state) {
    (void)state;
    static const Step steps[] = {
        {K_MEAN, "1 2 3", 0, ST_OK, "1, 2, 3"},
        {K_MEAN, "4 5 nan", 0, ST_ARG, "1, 2, 3"},
        {K_INT, "8", 0, ST_OK, "8"},
        {K_INT, "99", 0, ST_ARG, "8"},
        {K_STEPS, "10 20", 0, ST_OK, "10, 20"},
        {K_STEPS, "30 x", 1, ST_ARG, "10, 20"},
        {K_NAME, "run", 0, ST_OK, "run"},
        {K_NAME, "", 0, ST_ARG, "run"},
    };
    run_steps(steps, sizeof steps / sizeof steps[0]);
}

static void test_schema_value_list_append(void **state) {
    (void)state;
    static const Step steps[] = {
        {K_STEPS, "100, 200", 0, ST_OK, "100, 200"},
        {K_STEPS, "300", 1, ST_OK, "100, 200, 300"},      /* 2 + 1 */
        {K_STEPS, "400 500", 1, ST_ARG, "100, 200, 300"}, /* 3 + 2 > 4: the three stay */
        {K_STEPS, "none", 1, ST_OK, "100, 200, 300"},     /* appending nothing */
        {K_STEPS, "7", 0, ST_OK, "7"},                    /* without append: replaced */
        {K_STEPS_ONCE, "8", 1, ST_OK, "8"},               /* not repeatable: replaced too */
    };
    run_steps(steps, sizeof steps / sizeof steps[0]);
    /* The message of the one refused above. */
    Preset *p = blank();
    Error err = {0};
    assert_int_equal(schema_parse(&keys[K_STEPS], "1 2 3", p, 0, &err), ST_OK);
    assert_int_equal(p->solver.n_stepvalue, 3);
    assert_int_equal(p->solver.stepvalue[2], 3);
    assert_int_equal(schema_parse(&keys[K_STEPS], "4 5", p, 1, &err), ST_ARG);
    assert_string_equal(err.msg, "takes at most 4 values in all (this makes 5)");
    free(p);
}

static void test_schema_value_long_text(void **state) {
    (void)state;
    Preset *p = blank();
    Error err = {0};
    char text[2001];
    memset(text, '7', 2000);
    text[2000] = '\0';
    /* Longer than any value: only its length is told. */
    assert_int_equal(schema_parse(&keys[K_INT], text, p, 0, &err), ST_ARG);
    assert_string_equal(err.msg, "expects a whole number from 1 to 64 (got 2000 characters)");
    /* Past 80 characters the text is cut to 72 and "...". */
    text[100] = '\0';
    assert_int_equal(schema_parse(&keys[K_INT], text, p, 0, &err), ST_ARG);
    char want[200];
    snprintf(want, sizeof want, "expects a whole number from 1 to 64 (got '%.72s...')", text);
    assert_string_equal(err.msg, want);
    free(p);
}

/* The fewest digits that read back to the same bits. */
static void test_schema_value_shortest_numbers(void **state) {
    (void)state;
    Preset *p = blank();
    p->solver.base_lr = 0.1; /* 15 digits suffice */
    assert_string_equal(formatted(K_LR, p), "0.1");
    p->solver.base_lr = 1.0 / 3; /* 16: 0.333333333333333 (15) is another double */
    assert_string_equal(formatted(K_LR, p), "0.3333333333333333");
    p->solver.base_lr = 0.1 + 0.2; /* 17: 0.30000000000000004 */
    assert_string_equal(formatted(K_LR, p), "0.30000000000000004");
    p->model.width = 1.0f / 3; /* float: 0.333333 and 0.3333333 are other floats */
    assert_string_equal(formatted(K_WIDTH, p), "0.33333334");
    p->model.width = 0.1f; /* 6 digits for a float */
    assert_string_equal(formatted(K_WIDTH, p), "0.1");
    p->data.train_fraction = 0.7;
    assert_string_equal(formatted(K_SPLIT, p), "random:0.7");
    /* Whatever the value, it reads back to the same bits. */
    static const double doubles[] = {1e-300, 123456.789, 2.0 / 7, -0.0625, 6.02214076e23};
    for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++) {
        Preset *q = blank();
        p->solver.clip_gradients = doubles[i];
        assert_int_equal(schema_parse(&keys[K_CLIP], formatted(K_CLIP, p), q, 0, NULL), ST_OK);
        assert_memory_equal(&q->solver.clip_gradients, &p->solver.clip_gradients, sizeof(double));
        free(q);
    }
    free(p);
}

static void test_schema_value_format_too_small(void **state) {
    (void)state;
    Preset *p = blank();
    char buf[8];
    p->experiment.threads = 123;
    assert_int_equal(schema_format(&keys[K_INT], p, buf, 4), 3); /* "123" and the NUL */
    assert_string_equal(buf, "123");
    assert_int_equal(schema_format(&keys[K_INT], p, buf, 3), -1);
    assert_int_equal(schema_format(&keys[K_INT], p, buf, 0), -1);
    p->solver.n_stepvalue = 2;
    p->solver.stepvalue[0] = 100;
    p->solver.stepvalue[1] = 200;
    assert_int_equal(schema_format(&keys[K_STEPS], p, buf, sizeof buf), -1); /* 9 bytes */
    p->solver.n_stepvalue = 0;
    assert_int_equal(schema_format(&keys[K_STEPS], p, buf, sizeof buf), 4);
    assert_string_equal(buf, "none");
    p->data.format = 3; /* no choice stores 3 */
    assert_int_equal(schema_format(&keys[K_ENUM], p, buf, sizeof buf), -1);
    free(p);
}

static void test_schema_value_describe(void **state) {
    (void)state;
    static const struct {
        int key;
        const char *want;
    } cases[] = {
        {K_INT, "a whole number from 1 to 64"},
        {K_AUTO, "auto or a whole number from 0 to 4096"},
        {K_WIDTH, "a number > 0 and <= 1"},
        {K_LR, "a number > 0"},
        {K_CLIP, "a number"},
        {K_BELOW, "a number < 100"},
        {K_BOOL, "true or false"},
        {K_ENUM, "one of folder, list"},
        {K_NAME, "a non-empty line of text (at most 255 characters)"},
        {K_BACKBONE, "one of vgg16"},
        {K_PATH, "a path (at most 1023 characters)"},
        {K_STEPS, "whole numbers >= 1 separated by commas (at most 4 in all), or none"},
        {K_MEAN, "three numbers separated by commas"},
        {K_SPLIT, "official or random:<fraction> with 0 < fraction < 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[256];
        schema_describe(&keys[cases[i].key], buf, sizeof buf);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("%s: '%s', want '%s'", keys[cases[i].key].key, buf, cases[i].want);
    }
    SchemaKey lo_only = keys[K_INT];
    lo_only.hi = INFINITY;
    char buf[64];
    schema_describe(&lo_only, buf, sizeof buf);
    assert_string_equal(buf, "a whole number >= 1");
    SchemaKey hi_closed = keys[K_BELOW];
    hi_closed.flags = 0;
    schema_describe(&hi_closed, buf, sizeof buf);
    assert_string_equal(buf, "a number <= 100");
}

static void test_schema_value_suggestions(void **state) {
    (void)state;
    assert_string_equal(schema_suggestion(&keys[K_INT], 0), "224"); /* its own list */
    assert_string_equal(schema_suggestion(&keys[K_INT], 1), "448");
    assert_null(schema_suggestion(&keys[K_INT], 2));
    assert_null(schema_suggestion(&keys[K_INT], 5)); /* past the end, not past the NULL */
    assert_null(schema_suggestion(&keys[K_INT], -1));
    assert_string_equal(schema_suggestion(&keys[K_BOOL], 0), "true");
    assert_string_equal(schema_suggestion(&keys[K_BOOL], 1), "false");
    assert_null(schema_suggestion(&keys[K_BOOL], 2));
    assert_string_equal(schema_suggestion(&keys[K_ENUM], 1), "list");
    assert_null(schema_suggestion(&keys[K_ENUM], 9));
    assert_null(schema_suggestion(&keys[K_LR], 0)); /* a number without suggestions */
}

static void test_schema_value_same(void **state) {
    (void)state;
    Preset *a = blank(), *b = blank();
    a->data.mean[1] = 117;
    b->data.mean[1] = 117;
    assert_int_equal(schema_same(&keys[K_MEAN], a, b), 1);
    b->data.mean[2] = 0.5f;
    assert_int_equal(schema_same(&keys[K_MEAN], a, b), 0);
    a->solver.base_lr = 0.0;
    b->solver.base_lr = -0.0; /* written "0" and "-0": not the same */
    assert_int_equal(schema_same(&keys[K_LR], a, b), 0);
    snprintf(a->experiment.name, sizeof a->experiment.name, "x");
    snprintf(b->experiment.name, sizeof b->experiment.name, "x");
    assert_int_equal(schema_same(&keys[K_NAME], a, b), 1);
    free(a);
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_value_scalars),
        cmocka_unit_test(test_schema_value_lists),
        cmocka_unit_test(test_schema_value_stored_values),
        cmocka_unit_test(test_schema_value_error_leaves_the_preset),
        cmocka_unit_test(test_schema_value_list_append),
        cmocka_unit_test(test_schema_value_long_text),
        cmocka_unit_test(test_schema_value_shortest_numbers),
        cmocka_unit_test(test_schema_value_format_too_small),
        cmocka_unit_test(test_schema_value_describe),
        cmocka_unit_test(test_schema_value_suggestions),
        cmocka_unit_test(test_schema_value_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
