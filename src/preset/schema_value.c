/*
 * schema_value — reading, writing and describing one value of any preset
 * key, from the key's row of the table (schema.c). See schema.h.
 *
 * Numbers are written with the fewest digits that read back to the same
 * bits, so a written preset loads to an identical Preset.
 */
#include "src/preset/schema.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const SchemaChoice bools[] = {{"true", 1}, {"false", 0}, {NULL, 0}};

/* --- reading values ------------------------------------------------------- */

/* Copies text without surrounding whitespace into buf (cut to cap - 1). */
static void trim_copy(char *buf, size_t cap, const char *text) {
    while (isspace((unsigned char)*text)) text++;
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1])) n--;
    if (n >= cap) n = cap - 1;
    memcpy(buf, text, n);
    buf[n] = '\0';
}

static void *field(Preset *p, size_t offset) {
    return (char *)p + offset;
}

static const void *cfield(const Preset *p, size_t offset) {
    return (const char *)p + offset;
}

/* Sets err to "expects <description> (got '<text>')", with a long text cut. */
static Status expected(const SchemaKey *k, const char *text, const char *extra, Error *err) {
    char what[256];
    schema_describe(k, what, sizeof what);
    int n = (int)strlen(text);
    if (n > 80) return error_set(err, ST_ARG, "expects %s%s (got '%.72s...')", what, extra, text);
    return error_set(err, ST_ARG, "expects %s%s (got '%s')", what, extra, text);
}

/* A whole number that fits an int. */
static int parse_whole(const char *s, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno || v < INT_MIN || v > INT_MAX) return -1;
    *out = v;
    return 0;
}

static int parse_number(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || (errno && fabs(v) > 1)) return -1;
    *out = v;
    return 0;
}

static int in_range(const SchemaKey *k, double v) {
    if (k->flags & SCHEMA_LO_OPEN ? v <= k->lo : v < k->lo) return 0;
    if (k->flags & SCHEMA_HI_OPEN ? v >= k->hi : v > k->hi) return 0;
    return 1;
}

static const SchemaChoice *find_choice(const SchemaChoice *c, const char *text) {
    for (; c && c->text; c++)
        if (strcasecmp(c->text, text) == 0) return c;
    return NULL;
}

/* Splits s at commas and whitespace into at most max words; returns the
 * count, or -1 when there are more (or an empty item between commas). */
static int split_items(char *s, char **items, int max) {
    int n = 0;
    char *p = s;
    for (;;) {
        while (isspace((unsigned char)*p)) p++;
        if (!*p) break;
        if (*p == ',') return -1;
        if (n == max) return -1;
        items[n++] = p;
        while (*p && *p != ',' && !isspace((unsigned char)*p)) p++;
        char *end = p;
        while (isspace((unsigned char)*p)) p++;
        int comma = *p == ',';
        if (comma) p++;
        *end = '\0';
        if (comma) {
            while (isspace((unsigned char)*p)) p++;
            if (!*p) return -1;
        }
    }
    return n;
}

static Status parse_text(const SchemaKey *k, const char *v, Preset *p, Error *err) {
    for (const char *c = v; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return error_set(err, ST_ARG, "expects one line of printable text");
        /* A saved preset writes "key = value", so a leading ';' follows a
         * space there too and would read back as a comment. */
        if (*c == ';' && (c == v || isspace((unsigned char)c[-1])))
            return error_set(err, ST_ARG,
                             "may not start with ';' or contain ' ;' (it starts an INI comment)");
    }
    if (!*v && (k->flags & SCHEMA_NONEMPTY)) return expected(k, v, "", err);
    if (k->choices) {
        const SchemaChoice *c = find_choice(k->choices, v);
        if (!c) return expected(k, v, "", err);
        v = c->text;
    }
    memcpy(field(p, k->offset), v, strlen(v) + 1);
    return ST_OK;
}

static Status parse_list(const SchemaKey *k, const char *v, Preset *p, int append, Error *err) {
    int *count = field(p, k->count_offset), *items = field(p, k->offset);
    int have = append ? *count : 0;
    char *words[PRESET_STEPS_MAX + 1], copy[PRESET_PATH_MAX + 64];
    long long vals[PRESET_STEPS_MAX + 1];
    snprintf(copy, sizeof copy, "%s", v);
    int n = strcasecmp(v, "none") == 0 ? 0 : split_items(copy, words, PRESET_STEPS_MAX + 1);
    if (n < 0) return expected(k, v, "", err);
    for (int i = 0; i < n; i++)
        if (parse_whole(words[i], &vals[i]) || !in_range(k, (double)vals[i]))
            return expected(k, v, "", err);
    if (have + n > k->max_items)
        return error_set(err, ST_ARG, "takes at most %d values in all (this makes %d)",
                         k->max_items, have + n);
    for (int i = 0; i < n; i++) items[have + i] = (int)vals[i];
    *count = have + n;
    return ST_OK;
}

static Status parse_float3(const SchemaKey *k, const char *v, Preset *p, Error *err) {
    char *words[4], copy[PRESET_PATH_MAX + 64];
    float f[3];
    snprintf(copy, sizeof copy, "%s", v);
    if (split_items(copy, words, 4) != 3) return expected(k, v, "", err);
    for (int i = 0; i < 3; i++) {
        double d;
        if (parse_number(words[i], &d)) return expected(k, v, "", err);
        f[i] = (float)d;
        if (!isfinite(f[i]) || !in_range(k, f[i])) return expected(k, v, "", err);
    }
    memcpy(field(p, k->offset), f, sizeof f);
    return ST_OK;
}

static Status parse_scalar(const SchemaKey *k, const char *v, Preset *p, Error *err) {
    long long whole;
    double num;
    const SchemaChoice *c;
    switch (k->type) {
    case SCHEMA_INT:
        if ((k->flags & SCHEMA_AUTO) && strcasecmp(v, "auto") == 0) {
            *(int *)field(p, k->offset) = -1;
            return ST_OK;
        }
        if (parse_whole(v, &whole) || !in_range(k, (double)whole)) break;
        *(int *)field(p, k->offset) = (int)whole;
        return ST_OK;
    case SCHEMA_FLOAT:
        if (parse_number(v, &num) || !isfinite((float)num) || !in_range(k, (float)num)) break;
        *(float *)field(p, k->offset) = (float)num;
        return ST_OK;
    case SCHEMA_DOUBLE:
        if (parse_number(v, &num) || !in_range(k, num)) break;
        *(double *)field(p, k->offset) = num;
        return ST_OK;
    case SCHEMA_BOOL:
        if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0 || strcmp(v, "1") == 0)
            v = "true";
        if (strcasecmp(v, "no") == 0 || strcasecmp(v, "off") == 0 || strcmp(v, "0") == 0)
            v = "false";
        if (!(c = find_choice(bools, v))) break;
        *(int *)field(p, k->offset) = c->value;
        return ST_OK;
    case SCHEMA_ENUM:
        if (!(c = find_choice(k->choices, v))) break;
        *(int *)field(p, k->offset) = c->value;
        return ST_OK;
    case SCHEMA_SPLIT:
        if (strcasecmp(v, "official") == 0) {
            num = -1;
        } else if (strncasecmp(v, "random:", 7) != 0 || parse_number(v + 7, &num) ||
                   !in_range(k, num)) {
            break;
        }
        *(double *)field(p, k->offset) = num;
        return ST_OK;
    default:
        CHECK(!"not a scalar type");
    }
    return expected(k, v, "", err);
}

Status schema_parse(const SchemaKey *k, const char *text, Preset *p, int append, Error *err) {
    char v[PRESET_PATH_MAX + 64];
    while (isspace((unsigned char)*text)) text++;
    size_t len = strlen(text);
    while (len && isspace((unsigned char)text[len - 1])) len--;
    if ((k->type == SCHEMA_STRING || k->type == SCHEMA_PATH) && len >= k->size)
        return error_set(err, ST_ARG, "is %zu characters long (at most %zu)", len, k->size - 1);
    if (len >= sizeof v) {
        char what[256];
        schema_describe(k, what, sizeof what);
        return error_set(err, ST_ARG, "expects %s (got %zu characters)", what, len);
    }
    trim_copy(v, sizeof v, text);
    switch (k->type) {
    case SCHEMA_STRING:
    case SCHEMA_PATH:
        return parse_text(k, v, p, err);
    case SCHEMA_INT_LIST:
        return parse_list(k, v, p, append && (k->flags & SCHEMA_REPEATABLE), err);
    case SCHEMA_FLOAT3:
        return parse_float3(k, v, p, err);
    default:
        if (strchr(v, ','))
            return error_set(err, ST_ARG,
                             "expects one value, not a list (lists belong in [sweep]; got '%.80s')",
                             v);
        return parse_scalar(k, v, p, err);
    }
}

/* --- writing values ------------------------------------------------------- */

/* The shortest %g form of v that reads back as the same float (single) or
 * double; digits tried from lo to hi. */
static void format_number(char *buf, size_t cap, double v, int single) {
    for (int digits = single ? 6 : 15; digits <= 17; digits++) {
        snprintf(buf, cap, "%.*g", digits, v);
        double back = strtod(buf, NULL);
        if (single ? (float)back == (float)v : back == v) return;
    }
}

static int put(char *buf, size_t cap, size_t *len, const char *s) {
    size_t n = strlen(s);
    if (*len + n >= cap) return -1;
    memcpy(buf + *len, s, n + 1);
    *len += n;
    return 0;
}

int schema_format(const SchemaKey *k, const Preset *p, char *buf, size_t cap) {
    char num[64];
    size_t len = 0;
    const void *f = cfield(p, k->offset);
    if (!cap) return -1;
    buf[0] = '\0';
    switch (k->type) {
    case SCHEMA_STRING:
    case SCHEMA_PATH:
        return put(buf, cap, &len, f) ? -1 : (int)len;
    case SCHEMA_INT:
        if ((k->flags & SCHEMA_AUTO) && *(const int *)f == -1)
            snprintf(num, sizeof num, "auto");
        else
            snprintf(num, sizeof num, "%d", *(const int *)f);
        break;
    case SCHEMA_FLOAT:
        format_number(num, sizeof num, *(const float *)f, 1);
        break;
    case SCHEMA_DOUBLE:
        format_number(num, sizeof num, *(const double *)f, 0);
        break;
    case SCHEMA_BOOL:
        snprintf(num, sizeof num, "%s", *(const int *)f ? "true" : "false");
        break;
    case SCHEMA_ENUM:
        for (const SchemaChoice *c = k->choices;; c++) {
            if (!c->text) return -1;
            if (c->value == *(const int *)f) {
                snprintf(num, sizeof num, "%s", c->text);
                break;
            }
        }
        break;
    case SCHEMA_SPLIT: {
        double fr = *(const double *)f;
        if (fr < 0) {
            snprintf(num, sizeof num, "official");
        } else {
            char g[48];
            format_number(g, sizeof g, fr, 0);
            snprintf(num, sizeof num, "random:%s", g);
        }
        break;
    }
    case SCHEMA_FLOAT3:
        for (int i = 0; i < 3; i++) {
            format_number(num, sizeof num, ((const float *)f)[i], 1);
            if ((i && put(buf, cap, &len, ", ")) || put(buf, cap, &len, num)) return -1;
        }
        return (int)len;
    case SCHEMA_INT_LIST: {
        int n = *(const int *)cfield(p, k->count_offset);
        if (n == 0) return put(buf, cap, &len, "none") ? -1 : (int)len;
        for (int i = 0; i < n; i++) {
            snprintf(num, sizeof num, "%d", ((const int *)f)[i]);
            if ((i && put(buf, cap, &len, ", ")) || put(buf, cap, &len, num)) return -1;
        }
        return (int)len;
    }
    }
    return put(buf, cap, &len, num) ? -1 : (int)len;
}

/* --- describing values ---------------------------------------------------- */

/* "from 1 to 64", "> 0 and <= 100", ">= 1", or "" without bounds. */
static void describe_range(const SchemaKey *k, char *buf, size_t cap) {
    char lo[32], hi[32];
    snprintf(lo, sizeof lo, "%.10g", k->lo);
    snprintf(hi, sizeof hi, "%.10g", k->hi);
    int has_lo = isfinite(k->lo), has_hi = isfinite(k->hi);
    int lo_open = (k->flags & SCHEMA_LO_OPEN) != 0, hi_open = (k->flags & SCHEMA_HI_OPEN) != 0;
    if (has_lo && has_hi && !lo_open && !hi_open)
        snprintf(buf, cap, " from %s to %s", lo, hi);
    else if (has_lo && has_hi)
        snprintf(buf, cap, " %s %s and %s %s", lo_open ? ">" : ">=", lo, hi_open ? "<" : "<=", hi);
    else if (has_lo)
        snprintf(buf, cap, " %s %s", lo_open ? ">" : ">=", lo);
    else if (has_hi)
        snprintf(buf, cap, " %s %s", hi_open ? "<" : "<=", hi);
    else
        buf[0] = '\0';
}

static void describe_choices(const SchemaChoice *c, char *buf, size_t cap) {
    size_t len = 0;
    buf[0] = '\0';
    put(buf, cap, &len, "one of ");
    for (int i = 0; c[i].text; i++) {
        if (i) put(buf, cap, &len, ", ");
        put(buf, cap, &len, c[i].text);
    }
}

void schema_describe(const SchemaKey *k, char *buf, size_t cap) {
    char range[96];
    describe_range(k, range, sizeof range);
    switch (k->type) {
    case SCHEMA_STRING:
    case SCHEMA_PATH:
        if (k->choices)
            describe_choices(k->choices, buf, cap);
        else
            snprintf(buf, cap, "%s%s (at most %zu characters)",
                     k->flags & SCHEMA_NONEMPTY ? "a non-empty " : "a ",
                     k->type == SCHEMA_PATH ? "path" : "line of text", k->size - 1);
        break;
    case SCHEMA_INT:
        snprintf(buf, cap, "%sa whole number%s", k->flags & SCHEMA_AUTO ? "auto or " : "", range);
        break;
    case SCHEMA_FLOAT:
    case SCHEMA_DOUBLE:
        snprintf(buf, cap, "a number%s", range);
        break;
    case SCHEMA_BOOL:
        snprintf(buf, cap, "true or false");
        break;
    case SCHEMA_ENUM:
        describe_choices(k->choices, buf, cap);
        break;
    case SCHEMA_INT_LIST:
        snprintf(buf, cap, "whole numbers%s separated by commas (at most %d in all), or none",
                 range, k->max_items);
        break;
    case SCHEMA_FLOAT3:
        snprintf(buf, cap, "three numbers%s separated by commas", range);
        break;
    case SCHEMA_SPLIT:
        snprintf(buf, cap, "official or random:<fraction> with 0 < fraction < 1");
        break;
    }
}

const char *schema_suggestion(const SchemaKey *k, int i) {
    if (i < 0) return NULL;
    if (k->suggest) {
        for (int j = 0; j < i; j++)
            if (!k->suggest[j]) return NULL;
        return k->suggest[i];
    }
    const SchemaChoice *c = k->type == SCHEMA_BOOL ? bools : k->choices;
    if (!c) return NULL;
    for (int j = 0; j < i; j++)
        if (!c[j].text) return NULL;
    return c[i].text;
}

int schema_same(const SchemaKey *k, const Preset *a, const Preset *b) {
    char ta[PRESET_PATH_MAX + 64], tb[PRESET_PATH_MAX + 64];
    int na = schema_format(k, a, ta, sizeof ta), nb = schema_format(k, b, tb, sizeof tb);
    return na == nb && strcmp(ta, tb) == 0;
}
