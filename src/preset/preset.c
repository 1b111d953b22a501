/*
 * preset — reading, checking, writing and expanding experiment presets.
 * See preset.h; every key's type, default and range lives in schema.c.
 *
 * Files are read by engine/io/ini in its loose syntax (inih's reading: key:
 * value, inline comments, continuation lines joined to their key's value),
 * which numbers every line, takes lines of any length and hands each
 * section header to on_header (to catch unknown sections and text after
 * ']'). Processing never stops at an error: each is recorded with its line
 * and the one on the earliest line is reported, which is the first problem
 * in the file whatever order the reader and the checks find them in.
 */
#include "src/preset/preset.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/base/strbuf.h"
#include "engine/data/dataset.h"
#include "engine/io/fileio.h"
#include "engine/io/ini.h"
#include "src/preset/schema.h"
#include "src/preset/sweep.h"
#include "src/preset/text.h"

enum { NAME_MAX_ = 256, KEYS_MAX = 128 };

typedef struct Parse {
    Preset p;       /* what is being read */
    Preset scratch; /* checks [sweep] values without touching p */
    const char *name;
    int seen[KEYS_MAX];                    /* line of each key's first setting */
    int sweep_line[PRESET_SWEEP_KEYS_MAX]; /* line of each swept key */
    int setting_line[SWEEP_SETTINGS];      /* line of each [sweep] setting (strategy, ...) */
    int err_line;                          /* 0: no error yet */
    Status err_status;
    char err_msg[sizeof(((Error *)NULL)->msg)];
} Parse;

/* Records "name:line: <message>" unless an error on an earlier line is known. */
__attribute__((format(printf, 4, 5))) static void fail(Parse *ps, int line, Status st,
                                                       const char *fmt, ...) {
    if (ps->err_line && ps->err_line <= line) return;
    ps->err_line = line;
    ps->err_status = st;
    int n = snprintf(ps->err_msg, sizeof ps->err_msg, "%s:%d: ", ps->name, line);
    if (n < 0 || (size_t)n >= sizeof ps->err_msg) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err_msg + n, sizeof ps->err_msg - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Writes "(did you mean section.key?)" for a misspelt key, or "". */
static void suggest_key(const char *section, const char *key, char *buf, size_t cap) {
    const SchemaKey *k = schema_closest(section, key);
    if (k)
        snprintf(buf, cap, " (did you mean %s.%s?)", k->section, k->key);
    else
        buf[0] = '\0';
}

static void suggest_dotted(const char *dotted, char *buf, size_t cap) {
    char section[NAME_MAX_];
    const char *dot = strchr(dotted, '.');
    text_copy(section, sizeof section, dotted, dot ? (size_t)(dot - dotted) : 0);
    suggest_key(section, dot ? dot + 1 : dotted, buf, cap);
}

static void sweep_setting(Parse *ps, int i, const char *value, int line) {
    char msg[300];
    if (ps->setting_line[i]) {
        fail(ps, line, ST_FORMAT, "sweep.%s: given twice (first on line %d)", sweep_setting_name(i),
             ps->setting_line[i]);
        return;
    }
    ps->setting_line[i] = line;
    if (sweep_setting_set(&ps->p.sweep, i, value, msg, sizeof msg))
        fail(ps, line, ST_FORMAT, "sweep.%s: %s", sweep_setting_name(i), msg);
}

/* After the whole file: the settings against each other, at the line of
 * the key at fault (a missing setting: at the strategy's, else the first key's). */
static void sweep_finish(Parse *ps) {
    char msg[400];
    int which = 0;
    if (!sweep_check(&ps->p.sweep, &which, msg, sizeof msg)) return;
    int line = which >= 0 ? ps->sweep_line[which] : ps->setting_line[-1 - which];
    if (!line) line = ps->sweep_line[0] ? ps->sweep_line[0] : 1;
    fail(ps, line, ST_FORMAT, "%s", msg);
}

static void sweep_key(Parse *ps, const char *key, const char *value, int line) {
    char msg[400];
    int setting = sweep_setting_find(key);
    if (setting >= 0) {
        sweep_setting(ps, setting, value, line);
        return;
    }
    const SchemaKey *k = schema_find_dotted(key);
    if (!k) {
        suggest_dotted(key, msg, sizeof msg);
        if (!strchr(key, '.') && !msg[0])
            snprintf(msg, sizeof msg, " (settings: strategy, samples, seed, min_iter, eta)");
        fail(ps, line, ST_FORMAT, "sweep.%s: unknown key%s", key, msg);
        return;
    }
    PresetSweep *sw = &ps->p.sweep;
    int j = sweep_find(sw, schema_index(k));
    if (j >= 0) {
        fail(ps, line, ST_FORMAT, "sweep.%s: given twice (first on line %d)", key,
             ps->sweep_line[j]);
        return;
    }
    const char *why = sweep_add(sw, k, value, &ps->scratch, msg, sizeof msg);
    if (why) {
        fail(ps, line, ST_FORMAT, "sweep.%s: %s", key, why);
        return;
    }
    ps->sweep_line[sw->n_keys - 1] = line;
}

/* --- one key ---------------------------------------------------------------- */

static void process_key(Parse *ps, const char *section, const char *key, const char *value,
                        int line) {
    char hint[200];
    if (!section[0]) {
        const SchemaKey *k = schema_closest("", key);
        if (k && strcmp(k->key, key) == 0)
            snprintf(hint, sizeof hint, " (it belongs in [%s])", k->section);
        else
            snprintf(hint, sizeof hint, " (put a [section] header above it)");
        fail(ps, line, ST_FORMAT, "%s: key outside any section%s", key, hint);
        return;
    }
    if (strcmp(section, "sweep") == 0) {
        sweep_key(ps, key, value, line);
        return;
    }
    if (!schema_is_section(section)) return; /* reported at its header */
    const SchemaKey *k = schema_find(section, key);
    if (!k) {
        suggest_key(section, key, hint, sizeof hint);
        fail(ps, line, ST_FORMAT, "%s.%s: unknown key%s", section, key, hint);
        return;
    }
    int i = schema_index(k);
    if (ps->seen[i] && !(k->flags & SCHEMA_REPEATABLE)) {
        fail(ps, line, ST_FORMAT, "%s.%s: given twice (first on line %d)", section, key,
             ps->seen[i]);
        return;
    }
    Error e = {0};
    if (schema_parse(k, value, &ps->p, ps->seen[i] != 0, &e))
        fail(ps, line, ST_FORMAT, "%s.%s: %s", section, key, e.msg);
    if (!ps->seen[i]) ps->seen[i] = line;
}

/* The reader's handler: every pair, its continuation lines joined. */
static int on_pair(void *ctx, const char *section, const char *key, const char *value, int line) {
    Parse *ps = ctx;
    size_t n = strlen(value);
    if (n >= PRESET_VALUE_MAX)
        fail(ps, line, ST_FORMAT, "%s.%s: a value of %zu characters (at most %d)", section, key, n,
             PRESET_VALUE_MAX - 1);
    else
        process_key(ps, section, key, value, line);
    return 1; /* errors are kept in ps: the reader's own count only means malformed lines */
}

/* The reader's header callback: text after the ']' and unknown sections. */
static int on_header(void *ctx, const char *section, const char *rest, int line) {
    Parse *ps = ctx;
    if (*rest && *rest != ';' && *rest != '#') {
        size_t n = strlen(rest);
        fail(ps, line, ST_FORMAT, "[%s]: text after the section header (got '%.*s')", section,
             (int)(n > 60 ? 60 : n), rest);
        return 1;
    }
    if (schema_is_section(section) || strcmp(section, "sweep") == 0) return 1;
    const char *near = schema_closest_section(section);
    char hint[96];
    if (near)
        snprintf(hint, sizeof hint, "did you mean [%s]?", near);
    else
        snprintf(hint, sizeof hint, "sections: experiment, data, model, transfer, solver, sweep");
    fail(ps, line, ST_FORMAT, "[%s]: unknown section (%s)", section, hint);
    return 1;
}

/* The text of line number line (1-based) of text, cut to cap - 1. */
static void line_text(const char *text, int line, char *buf, size_t cap) {
    for (int i = 1; i < line && text; i++) {
        text = strchr(text, '\n');
        if (text) text++;
    }
    if (!text) text = "";
    size_t n = strcspn(text, "\r\n");
    text_copy(buf, cap, text, n);
    text_trim(buf);
}

/* --- public ----------------------------------------------------------------- */

void preset_defaults(Preset *p) {
    memset(p, 0, sizeof *p);
    sweep_defaults(&p->sweep);
    for (int i = 0; i < schema_count(); i++) {
        Error e = {0};
        /* A default that does not parse is a bug in the table, caught by any test. */
        CHECK(schema_parse(schema_at(i), schema_at(i)->def, p, 0, &e) == ST_OK);
    }
}

/* The file name of path without its directory and ".ini". */
static void name_from_path(const char *path, char *out, size_t cap) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".ini") == 0) n -= 4;
    text_copy(out, cap, base, n);
}

Status preset_parse(Preset *p, const char *text, const char *name, Error *err) {
    Parse *ps = calloc(1, sizeof *ps);
    if (!ps) {
        preset_defaults(p);
        return error_set(err, ST_NOMEM, "%s: out of memory reading the preset", name);
    }
    CHECK(schema_count() <= KEYS_MAX);
    preset_defaults(&ps->p);
    snprintf(ps->p.source, sizeof ps->p.source, "%s", name);
    name_from_path(name, ps->p.experiment.name, sizeof ps->p.experiment.name);
    ps->name = name;
    size_t len = strlen(text);
    char *copy = malloc(len + 1); /* the reader cuts and joins lines in place */
    int bad = -1;
    if (copy) {
        memcpy(copy, text, len + 1);
        bad = ini_parse_syntax(copy, len, INI_LOOSE, on_pair, on_header, ps);
        free(copy);
    }
    sweep_finish(ps);
    if (bad > 0) {
        char got[96];
        line_text(text, bad, got, sizeof got);
        if (got[0] == '[')
            fail(ps, bad, ST_FORMAT, "malformed section header '%s' (expected [section])", got);
        else
            fail(ps, bad, ST_FORMAT,
                 "malformed line '%s' (expected key = value, a [section] or a ; comment)", got);
    } else if (bad < 0) {
        fail(ps, 1, ST_NOMEM, "out of memory reading the preset");
    }
    Status st = ST_OK;
    if (ps->err_line) {
        st = error_set(err, ps->err_status, "%s", ps->err_msg);
        preset_defaults(p);
    } else {
        *p = ps->p;
        error_clear(err);
    }
    free(ps);
    return st;
}

Status preset_load(Preset *p, const char *path, Error *err) {
    uint8_t *data;
    size_t len;
    Status st = fileio_read_all(path, &data, &len, err);
    if (st) {
        preset_defaults(p);
        return st;
    }
    st = preset_parse(p, (const char *)data, path, err);
    free(data);
    return st;
}

/* "section.key=value" in --set; sweep.section.key=v1, v2 sets a sweep
 * ("sweep.section.key=" removes it). */
Status preset_set(Preset *p, const char *assignment, Error *err) {
    const char *eq = strchr(assignment, '=');
    char key[NAME_MAX_], hint[200];
    if (!eq || eq == assignment)
        return error_set(err, ST_ARG, "'%.200s': expected section.key=value", assignment);
    text_copy(key, sizeof key, assignment, (size_t)(eq - assignment));
    text_trim(key);
    const char *value = eq + 1;
    int sweep = strncmp(key, "sweep.", 6) == 0;
    int setting = sweep ? sweep_setting_find(key + 6) : -1;
    if (setting >= 0) { /* checked against the rest by preset_validate */
        char text[PRESET_VALUE_MAX];
        text_copy(text, sizeof text, value, strlen(value));
        text_trim(text);
        if (sweep_setting_set(&p->sweep, setting, text, hint, sizeof hint))
            return error_set(err, ST_ARG, "%s=%.100s: %s", key, text, hint);
        return ST_OK;
    }
    const SchemaKey *k = schema_find_dotted(sweep ? key + 6 : key);
    if (!k) {
        suggest_dotted(sweep ? key + 6 : key, hint, sizeof hint);
        return error_set(err, ST_ARG, "%s: unknown key%s", key, hint);
    }
    int j = sweep_find(&p->sweep, schema_index(k));
    if (sweep) {
        char list[PRESET_VALUE_MAX];
        text_copy(list, sizeof list, value, strlen(value));
        text_trim(list);
        PresetSweep *sw = malloc(sizeof *sw);
        Preset *scratch = malloc(sizeof *scratch);
        const char *why = NULL;
        if (!sw || !scratch) {
            why = "out of memory";
        } else if (list[0]) {
            *sw = p->sweep;
            if (j >= 0) sweep_remove(sw, j);
            why = sweep_add(sw, k, list, scratch, hint, sizeof hint);
            if (!why) p->sweep = *sw;
        } else if (j >= 0) {
            sweep_remove(&p->sweep, j);
        }
        free(sw);
        free(scratch);
        if (why) return error_set(err, ST_ARG, "%s=%.100s: %s", key, list, why);
        return ST_OK;
    }
    Error e = {0};
    if (schema_parse(k, value, p, 0, &e))
        return error_set(err, ST_ARG, "%s=%.100s: %s", key, value, e.msg);
    /* A key set explicitly is fixed: it no longer varies in the sweep. */
    if (j >= 0) sweep_remove(&p->sweep, j);
    return ST_OK;
}

/* --- cross-key rules -------------------------------------------------------- */

static Status invalid(const Preset *p, Error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static Status invalid(const Preset *p, Error *err, const char *fmt, ...) {
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* A very long path keeps its end (the file's name), so the message
     * still fits the Error after it. */
    size_t n = strlen(p->source);
    if (n > 160) return error_set(err, ST_ARG, "...%s: %s", p->source + n - 157, msg);
    if (p->source[0]) return error_set(err, ST_ARG, "%s: %s", p->source, msg);
    return error_set(err, ST_ARG, "%s", msg);
}

static const char *policy_name(int policy) {
    static const char *const names[] = {"fixed",     "step", "exp",    "inv",
                                        "multistep", "poly", "sigmoid"};
    return policy >= 0 && policy <= SOLVER_SIGMOID ? names[policy] : "?";
}

static Status validate_solver(const Preset *p, Error *err) {
    const char *pol = policy_name(p->solver.lr_policy);
    int lp = p->solver.lr_policy;
    double gamma = p->solver.gamma, power = p->solver.power;
    if (lp == SOLVER_STEP && p->solver.stepsize < 1)
        return invalid(p, err, "solver.stepsize: lr_policy step needs stepsize >= 1 (got %d)",
                       p->solver.stepsize);
    if (lp == SOLVER_MULTISTEP) {
        if (p->solver.n_stepvalue < 1)
            return invalid(p, err,
                           "solver.stepvalue: lr_policy multistep needs at least one "
                           "stepvalue");
        for (int i = 1; i < p->solver.n_stepvalue; i++)
            if (p->solver.stepvalue[i] < p->solver.stepvalue[i - 1])
                return invalid(p, err,
                               "solver.stepvalue: stepvalues must not decrease (%d comes after "
                               "%d)",
                               p->solver.stepvalue[i], p->solver.stepvalue[i - 1]);
    }
    if ((lp == SOLVER_STEP || lp == SOLVER_MULTISTEP || lp == SOLVER_EXP || lp == SOLVER_INV) &&
        !(gamma > 0))
        return invalid(p, err, "solver.gamma: lr_policy %s needs gamma > 0 (got %g)", pol, gamma);
    /* Caffe's sigmoid rises for gamma > 0 and decays for gamma < 0. */
    if (lp == SOLVER_SIGMOID && gamma == 0)
        return invalid(p, err, "solver.gamma: lr_policy sigmoid needs gamma != 0");
    if (lp == SOLVER_EXP && gamma > 1)
        return invalid(p, err,
                       "solver.gamma: lr_policy exp needs gamma <= 1, or the rate grows every "
                       "iteration (got %g)",
                       gamma);
    if ((lp == SOLVER_INV || lp == SOLVER_POLY) && !(power > 0))
        return invalid(p, err, "solver.power: lr_policy %s needs power > 0 (got %g)", pol, power);
    if (p->solver.test_interval > 0 && p->solver.test_iter < 1)
        return invalid(p, err,
                       "solver.test_iter: test_interval %d needs test_iter >= 1 (or "
                       "test_interval = 0 to never test)",
                       p->solver.test_interval);
    if (p->solver.average_loss < 1)
        return invalid(p, err, "solver.average_loss: must be >= 1 (got %d)",
                       p->solver.average_loss);
    return ST_OK;
}

int preset_resize(const Preset *p) {
    if (p->data.resize >= 0) return p->data.resize;
    return (p->data.resolution * 8 + 3) / 7;
}

/* The name is part of every run id (runstore_create: <date-time>-<name>,
 * one file name of at most 255 bytes) and a line of status.ini. */
static Status validate_name(const Preset *p, Error *err) {
    const char *name = p->experiment.name;
    size_t n = strlen(name);
    if (n > PRESET_NAME_MAX)
        return invalid(p, err,
                       "experiment.name: '%.40s...' is %zu bytes long; run ids (date-time-name, "
                       "one file name) hold names of up to %d bytes: shorten the file name or "
                       "set experiment.name",
                       name, n, PRESET_NAME_MAX);
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        if (*c == '/' || *c < 0x20 || *c == 0x7f)
            return invalid(p, err,
                           "experiment.name: '%s' holds a %s, which a run id cannot (it is a "
                           "directory name and a line of status.ini)",
                           name, *c == '/' ? "'/'" : "control character");
    return ST_OK;
}

static Status validate_one(const Preset *p, Error *err) {
    if (p->data.resize > 0 && p->data.resize < p->data.resolution)
        return invalid(p, err,
                       "data.resize: %d is smaller than data.resolution %d (make resize >= "
                       "resolution, auto for 8/7 of it, or 0 to resize straight to the "
                       "resolution)",
                       p->data.resize, p->data.resolution);
    if (p->data.crop_area_min > p->data.crop_area_max)
        return invalid(p, err, "data.crop_area_min: %g is larger than data.crop_area_max %g",
                       p->data.crop_area_min, p->data.crop_area_max);
    if (p->data.crop_ratio_min > p->data.crop_ratio_max)
        return invalid(p, err, "data.crop_ratio_min: %g is larger than data.crop_ratio_max %g",
                       p->data.crop_ratio_min, p->data.crop_ratio_max);
    if (p->data.train_fraction < 0 && p->data.format != DATASET_AUTO &&
        p->data.format != DATASET_CUB)
        return invalid(p, err,
                       "data.split: official needs data.format cub or auto (got %s; use "
                       "random:<fraction>)",
                       dataset_format_name((DatasetFormat)p->data.format));
    return validate_solver(p, err);
}

/* A halving or asha sweep's rungs against the solver: each rung is one of
 * the run's own test passes, short of max_iter. */
static Status validate_halving(const Preset *p, Error *err) {
    const PresetSweep *sw = &p->sweep;
    if (sw->strategy != SWEEP_HALVING && sw->strategy != SWEEP_ASHA) return ST_OK;
    if (p->solver.test_iter < 1 || p->solver.test_interval < 1)
        return invalid(p, err,
                       "sweep.strategy: %s ranks candidates by their test passes: it needs "
                       "solver.test_iter and solver.test_interval above 0",
                       preset_sweep_strategy_name(sw->strategy));
    if (sw->min_iter % p->solver.test_interval)
        return invalid(p, err,
                       "sweep.min_iter: %d is not a multiple of solver.test_interval %d (each "
                       "rung is one of the run's own test passes)",
                       sw->min_iter, p->solver.test_interval);
    /* asha with min_iter = max_iter is one rung: every trial runs in full,
     * drawn one after another (a plain TPE or random search). */
    if (sw->min_iter > p->solver.max_iter ||
        (sw->min_iter == p->solver.max_iter && sw->strategy != SWEEP_ASHA))
        return invalid(p, err, "sweep.min_iter: %d is not below solver.max_iter %d%s", sw->min_iter,
                       p->solver.max_iter,
                       sw->strategy == SWEEP_ASHA ? " (asha: or equal to it)" : "");
    return ST_OK;
}

Status preset_validate(const Preset *p, Error *err) {
    char msg[400];
    int which;
    if (sweep_check(&p->sweep, &which, msg, sizeof msg)) return invalid(p, err, "%s", msg);
    Status hs = validate_halving(p, err);
    if (!hs) hs = validate_name(p, err);
    if (hs) return hs;
    if (p->sweep.n_keys == 0) return validate_one(p, err);
    int n = preset_sweep_count(p);
    Preset *item = malloc(sizeof *item);
    if (!item) return error_set(err, ST_NOMEM, "out of memory checking the sweep");
    Status st = ST_OK;
    for (int i = 0; i < n && !st; i++) {
        char label[512];
        Error e = {0};
        st = preset_sweep_item(p, i, item, label, sizeof label, err);
        if (!st && (st = validate_one(item, &e)))
            error_set(err, st, "%s (sweep item %d: %s)", e.msg, i + 1, label);
    }
    free(item);
    return st;
}

/* --- writing ---------------------------------------------------------------- */

static void text_line(StrBuf *t, const char *key, const char *value) {
    strbuf_printf(t, "%s%s%s\n", key, value[0] ? " = " : " =", value);
}

static char *format(const Preset *p, int with_sweep) {
    StrBuf t = {0};
    char value[2048];
    for (int s = 0; schema_section(s); s++) {
        const char *section = schema_section(s);
        strbuf_puts(&t, s ? "\n[" : "[");
        strbuf_puts(&t, section);
        strbuf_puts(&t, "]\n");
        for (const SchemaKey *k = schema_next(section, NULL); k; k = schema_next(section, k)) {
            if (schema_format(k, p, value, sizeof value) < 0) t.failed = 1;
            text_line(&t, k->key, value);
        }
    }
    if (with_sweep) sweep_format(&p->sweep, &t);
    return strbuf_take(&t);
}

char *preset_format(const Preset *p) {
    return format(p, 0);
}

char *preset_format_sweep(const Preset *p) {
    return format(p, 1);
}

Status preset_write(const Preset *p, const char *path, Error *err) {
    char *text = preset_format(p);
    if (!text) return error_set(err, ST_NOMEM, "%s: out of memory writing the preset", path);
    Status st = fileio_write_atomic(path, text, strlen(text), err);
    free(text);
    return st;
}
