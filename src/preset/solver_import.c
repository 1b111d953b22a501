/*
 * solver_import — Caffe solver.prototxt to a finelab [solver] section. See
 * solver_import.h.
 *
 * The prototxt is read one line at a time: `key: value` (value a number, a
 * word or a quoted string, or a [a, b] list for stepvalue), `#` comments,
 * and `name { ... }` blocks, which only Caffe's net and state fields use and
 * which are kept as comments. A field name that is not one of Caffe's
 * SolverParameter fields is an error (most likely a typo). The solver's
 * type, as the `type` string or the old `solver_type` enum (by name or
 * number), becomes `type`. The finished text is read back by preset_parse
 * as a last check, so what this returns always loads.
 */
#include "src/preset/solver_import.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/strbuf.h"
#include "src/preset/preset.h"
#include "src/preset/schema.h"

enum { FIELD_MAX = 1024, KEYS_MAX = 128 };

/* Every field of Caffe's SolverParameter (caffe.proto). */
static const char *const caffe_fields[] = {"net",
                                           "net_param",
                                           "train_net",
                                           "test_net",
                                           "train_net_param",
                                           "test_net_param",
                                           "train_state",
                                           "test_state",
                                           "test_iter",
                                           "test_interval",
                                           "test_compute_loss",
                                           "test_initialization",
                                           "base_lr",
                                           "display",
                                           "average_loss",
                                           "max_iter",
                                           "iter_size",
                                           "lr_policy",
                                           "gamma",
                                           "power",
                                           "momentum",
                                           "weight_decay",
                                           "regularization_type",
                                           "stepsize",
                                           "stepvalue",
                                           "clip_gradients",
                                           "snapshot",
                                           "snapshot_prefix",
                                           "snapshot_diff",
                                           "snapshot_format",
                                           "solver_mode",
                                           "device_id",
                                           "random_seed",
                                           "type",
                                           "delta",
                                           "momentum2",
                                           "rms_decay",
                                           "debug_info",
                                           "snapshot_after_train",
                                           "solver_type",
                                           "layer_wise_reduce",
                                           "weights",
                                           NULL};

/* Caffe's defaults that differ from finelab's, for fields a file leaves out. */
static const struct {
    const char *key, *value;
} caffe_defaults[] = {
    {"momentum", "0"}, {"weight_decay", "0"}, {"test_interval", "0"}, {"display", "0"}};

static int is_caffe_field(const char *key) {
    for (int i = 0; caffe_fields[i]; i++)
        if (strcmp(caffe_fields[i], key) == 0) return 1;
    return 0;
}

/* The [solver] key a Caffe field maps to, or NULL when finelab does not use it. */
static const SchemaKey *mapped(const char *key) {
    if (strcmp(key, "solver_type") == 0) return schema_find("solver", "type");
    return strcmp(key, "batch_size") == 0 ? NULL : schema_find("solver", key);
}

/* The old solver_type enum's number (SGD = 0 ... ADAM = 5) as the type's
 * name; its names (NESTEROV, ADAM) match the type strings ignoring case,
 * which schema_parse does. Anything else is left for schema_parse to
 * reject. */
static const char *solver_type_text(const char *value) {
    static const char *const names[] = {"SGD",     "Nesterov", "AdaGrad",
                                        "RMSProp", "AdaDelta", "Adam"};
    char *end;
    long v = strtol(value, &end, 10);
    if (end != value && !*end && v >= 0 && v < (long)(sizeof names / sizeof names[0]))
        return names[v];
    return value;
}

/* One prototxt line, split up. */
typedef struct Line {
    const char *code; /* the line without its comment, trimmed */
    size_t code_len;
    const char *comment; /* text after '#', trimmed; NULL if none */
    size_t comment_len;
    int braces; /* '{' minus '}' outside quotes */
} Line;

/* Splits s[0..n) at its comment and counts braces, minding quotes; -1 on an
 * unterminated quote. */
static int split_line(const char *s, size_t n, Line *l) {
    char quote = 0;
    size_t i, end = n;
    l->braces = 0;
    l->comment = NULL;
    l->comment_len = 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (quote) {
            if (c == '\\' && i + 1 < n)
                i++;
            else if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '{') {
            l->braces++;
        } else if (c == '}') {
            l->braces--;
        } else if (c == '#') {
            end = i;
            break;
        }
    }
    if (quote) return -1;
    size_t a = 0;
    while (a < end && isspace((unsigned char)s[a])) a++;
    while (end > a && isspace((unsigned char)s[end - 1])) end--;
    l->code = s + a;
    l->code_len = end - a;
    if (i < n) {
        size_t c0 = i + 1, c1 = n;
        while (c0 < c1 && isspace((unsigned char)s[c0])) c0++;
        while (c1 > c0 && isspace((unsigned char)s[c1 - 1])) c1--;
        l->comment = s + c0;
        l->comment_len = c1 - c0;
    }
    return 0;
}

/* Reads a quoted string at *p into buf (escapes resolved); advances *p. */
static int read_quoted(const char **p, const char *end, char *buf, size_t cap) {
    char quote = **p;
    size_t n = 0;
    const char *s = *p + 1;
    for (; s < end && *s != quote; s++) {
        char c = *s;
        if (c == '\\' && s + 1 < end) {
            c = *++s;
            if (c == 'n') c = '\n';
            if (c == 't') c = '\t';
        }
        if (n + 1 >= cap) return -1;
        buf[n++] = c;
    }
    if (s >= end) return -1;
    buf[n] = '\0';
    *p = s + 1;
    return 0;
}

/* Parses "key: value" (value a word, a quoted string or a [list]) from
 * code; returns NULL or what is malformed. *block: the line opens a block. */
static const char *parse_field(const Line *l, char *key, size_t key_cap, char *value,
                               size_t value_cap, int *list, int *block) {
    const char *p = l->code, *end = l->code + l->code_len;
    size_t k = 0;
    *list = *block = 0;
    if (p == end || !(isalpha((unsigned char)*p) || *p == '_'))
        return "expected a field name at the start";
    while (p < end && (isalnum((unsigned char)*p) || *p == '_')) {
        if (k + 1 >= key_cap) return "field name too long";
        key[k++] = *p++;
    }
    key[k] = '\0';
    while (p < end && isspace((unsigned char)*p)) p++;
    int colon = p < end && *p == ':';
    if (colon) p++;
    while (p < end && isspace((unsigned char)*p)) p++;
    if (p < end && *p == '{') {
        *block = 1;
        return NULL;
    }
    if (!colon) return "expected 'key: value'";
    if (p == end) return "a value is missing after ':'";
    if (*p == '"' || *p == '\'') {
        if (read_quoted(&p, end, value, value_cap)) return "a quoted value is not closed";
    } else {
        const char *v = p;
        if (*p == '[') {
            while (p < end && *p != ']') p++;
            if (p == end) return "a '[' list is not closed";
            v++;
            *list = 1;
        } else {
            while (p < end && !isspace((unsigned char)*p) && *p != ';' && *p != ',') p++;
        }
        size_t n = (size_t)(p - v);
        if (n >= value_cap) return "value too long";
        memcpy(value, v, n);
        value[n] = '\0';
        if (*list) p++;
    }
    while (p < end && isspace((unsigned char)*p)) p++;
    if (p < end && (*p == ';' || *p == ',')) p++;
    while (p < end && isspace((unsigned char)*p)) p++;
    if (p != end) return "unexpected text after the value (one 'key: value' per line)";
    return NULL;
}

typedef struct Import {
    const char *name;
    StrBuf out;
    Preset scratch;
    int seen[KEYS_MAX]; /* line of each key's first setting, by schema index */
    Error *err;
} Import;

/* Keeps a line finelab does not use as a comment, with note and its own comment. */
static void unused(Import *im, const Line *l, const char *note) {
    strbuf_printf(&im->out, "; not used: %.*s%s", (int)l->code_len, l->code, note);
    if (l->comment && l->comment_len)
        strbuf_printf(&im->out, "  # %.*s", (int)l->comment_len, l->comment);
    strbuf_puts(&im->out, "\n");
}

/* Writes one field; returns non-zero after setting an error. */
static int import_field(Import *im, int line, const Line *l, const char *key, const char *value,
                        int list) {
    if (!is_caffe_field(key)) {
        error_set(im->err, ST_FORMAT, "%s:%d: %s: not a field of Caffe's solver", im->name, line,
                  key);
        return 1;
    }
    const SchemaKey *k = mapped(key);
    if (list && (!k || !(k->flags & SCHEMA_REPEATABLE))) {
        error_set(im->err, ST_FORMAT, "%s:%d: %s: a [list] is only allowed for stepvalue", im->name,
                  line, key);
        return 1;
    }
    if (strcmp(key, "solver_type") == 0) value = solver_type_text(value);
    if (!k) {
        unused(im, l, "");
        return 0;
    }
    if (strcmp(key, "random_seed") == 0 && value[0] == '-') {
        unused(im, l, " (a new seed every run; finelab seeds with random_seed >= 0)");
        return 0;
    }
    int i = schema_index(k);
    if (im->seen[i] && !(k->flags & SCHEMA_REPEATABLE)) {
        error_set(im->err, ST_FORMAT, "%s:%d: %s: given twice (first on line %d%s)", im->name, line,
                  key, im->seen[i], k != schema_find("solver", key) ? " as type" : "");
        return 1;
    }
    Error e = {0};
    if (schema_parse(k, value, &im->scratch, im->seen[i] != 0, &e)) {
        error_set(im->err, ST_FORMAT, "%s:%d: %s: %s", im->name, line, key, e.msg);
        return 1;
    }
    if (!im->seen[i]) im->seen[i] = line;
    if (k->type == SCHEMA_ENUM) { /* Caffe's spelling of a choice may differ in case */
        char text[64];
        schema_format(k, &im->scratch, text, sizeof text);
        strbuf_printf(&im->out, "%s = %s", k->key, text);
    } else {
        strbuf_printf(&im->out, "%s = %s", k->key, value);
    }
    if (l->comment && l->comment_len)
        strbuf_printf(&im->out, " ; %.*s", (int)l->comment_len, l->comment);
    strbuf_puts(&im->out, "\n");
    return 0;
}

/* Converts every line; returns non-zero after setting an error. */
static int import_lines(Import *im, const char *text) {
    int line = 0, depth = 0;
    for (const char *s = text; *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        const char *next = nl ? nl + 1 : s + n;
        if (n && s[n - 1] == '\r') n--;
        line++;
        Line l;
        if (split_line(s, n, &l)) {
            error_set(im->err, ST_FORMAT, "%s:%d: a quoted value is not closed", im->name, line);
            return 1;
        }
        s = next;
        if (depth > 0 || (l.code_len && l.code[0] == '}')) {
            depth += l.braces;
            if (depth < 0) {
                error_set(im->err, ST_FORMAT, "%s:%d: a '}' without its '{'", im->name, line);
                return 1;
            }
            unused(im, &l, "");
            continue;
        }
        if (!l.code_len) {
            if (l.comment)
                strbuf_printf(&im->out, ";%s%.*s\n", l.comment_len ? " " : "", (int)l.comment_len,
                              l.comment);
            else
                strbuf_puts(&im->out, "\n");
            continue;
        }
        char key[64], value[FIELD_MAX];
        int list, block;
        const char *why = parse_field(&l, key, sizeof key, value, sizeof value, &list, &block);
        if (why) {
            error_set(im->err, ST_FORMAT, "%s:%d: malformed line '%.*s' (%s)", im->name, line,
                      (int)(l.code_len > 80 ? 80 : l.code_len), l.code, why);
            return 1;
        }
        if (block) {
            if (!is_caffe_field(key) || mapped(key)) {
                error_set(im->err, ST_FORMAT, "%s:%d: %s: not a block field of Caffe's solver",
                          im->name, line, key);
                return 1;
            }
            depth += l.braces;
            unused(im, &l, "");
            continue;
        }
        if (import_field(im, line, &l, key, value, list)) return 1;
    }
    if (depth > 0) {
        error_set(im->err, ST_FORMAT, "%s:%d: a '{' block is not closed", im->name, line);
        return 1;
    }
    return 0;
}

char *solver_import(const char *text, const char *name, Error *err) {
    Import *im = calloc(1, sizeof *im);
    if (!im) {
        error_set(err, ST_NOMEM, "%s: out of memory importing the solver", name);
        return NULL;
    }
    CHECK(schema_count() <= KEYS_MAX);
    im->name = name;
    im->err = err;
    strbuf_printf(&im->out, "[solver]\n; imported from %s (a Caffe solver)\n", name);
    char *result = NULL;
    if (import_lines(im, text)) goto done;
    int header = 0;
    for (size_t i = 0; i < sizeof caffe_defaults / sizeof caffe_defaults[0]; i++) {
        const SchemaKey *k = schema_find("solver", caffe_defaults[i].key);
        if (im->seen[schema_index(k)]) continue;
        if (!header++)
            strbuf_printf(&im->out, "; Caffe's defaults for fields the file leaves out, where "
                                    "finelab's differ:\n");
        strbuf_printf(&im->out, "%s = %s\n", k->key, caffe_defaults[i].value);
    }
    if (im->out.failed) {
        error_set(err, ST_NOMEM, "%s: out of memory importing the solver", name);
        goto done;
    }
    /* The output must load: a last check that the two sides agree. */
    Error e = {0};
    if (preset_parse(&im->scratch, im->out.s, name, &e)) {
        error_set(err, ST_FORMAT, "%s: the imported section does not load: %s", name, e.msg);
        goto done;
    }
    result = strbuf_take(&im->out);
    error_clear(err);
done:
    strbuf_fini(&im->out);
    free(im);
    return result;
}
