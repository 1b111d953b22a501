/*
 * fuzz_preset — the preset reader (src/preset/preset.c) and the schema's
 * value parsers (schema.c) on any text, with what the lab does next.
 *
 * The input is the text of a preset file, read both from memory
 * (preset_parse) and from a file (preset_load), which must agree. A preset
 * that loads is validated, written out with its sweep (what the editor
 * saves) and read back: the text must load again into the same value of
 * every key, and each key's value must survive schema_format and
 * schema_parse on its own (schema.h promises both). A few of its sweep's
 * items are expanded and validated, as `finelab run` does. The first line
 * of the input is also tried as a --set assignment on the defaults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/preset/preset.h"
#include "src/preset/schema.h"
#include "tests/fuzz/fuzz.h"

/* Every key of p must read back from its own text to the same value
 * (each key's parse sets only its own field, so one copy of the defaults
 * takes them all). */
static void check_keys_round_trip(const Preset *p, Preset *q) {
    char text[PRESET_PATH_MAX + 64], msg[sizeof text + 600];
    preset_defaults(q);
    for (int i = 0; i < schema_count(); i++) {
        const SchemaKey *k = schema_at(i);
        FUZZ_CHECK(schema_format(k, p, text, sizeof text) >= 0, k->key);
        Error e = {0};
        Status st = schema_parse(k, text, q, 0, &e);
        snprintf(msg, sizeof msg, "%s.%s = '%s': %s", k->section, k->key, text, e.msg);
        FUZZ_CHECK(st == ST_OK, msg);
        FUZZ_CHECK(schema_same(k, p, q), msg);
        (void)schema_unused(k, p); /* the editor asks it of every key */
    }
}

/* What the editor saves must load again, to the same preset. */
static void check_saved_reloads(const Preset *p, Preset *q) {
    char *saved = preset_format_sweep(p);
    FUZZ_CHECK(saved, "out of memory");
    Error e = {0};
    Status st = preset_parse(q, saved, "saved.ini", &e);
    FUZZ_CHECK(st == ST_OK, e.msg);
    for (int i = 0; i < schema_count(); i++) {
        const SchemaKey *k = schema_at(i);
        FUZZ_CHECK(schema_same(k, p, q), k->key);
    }
    char *again = preset_format_sweep(q);
    FUZZ_CHECK(again && strcmp(saved, again) == 0, "a saved preset reads back differently");
    free(again);
    free(saved);
}

/* The first, a middle and the last combination of p's sweep. */
static void check_sweep_items(const Preset *p, Preset *item) {
    int n = preset_sweep_count(p);
    FUZZ_CHECK(n >= 1 && n <= PRESET_SWEEP_ITEMS_MAX, "");
    int pick[3] = {0, n / 2, n - 1};
    for (int j = 0; j < 3; j++) {
        char label[512];
        Error e = {0};
        if (preset_sweep_item(p, pick[j], item, label, sizeof label, &e) != ST_OK) {
            FUZZ_CHECK(e.msg[0], "a sweep item failed without a message");
            continue;
        }
        FUZZ_CHECK(item->sweep.n_keys == 0, "a sweep item still sweeps");
        (void)preset_validate(item, &e);
        (void)preset_resize(item);
    }
}

/* The first line of the input as `finelab run --set` would pass it. */
static void check_set(const char *text, Preset *p) {
    char line[1024];
    size_t n = strcspn(text, "\n");
    if (n >= sizeof line) n = sizeof line - 1;
    memcpy(line, text, n);
    line[n] = '\0';
    preset_defaults(p);
    Error e = {0};
    if (preset_set(p, line, &e) != ST_OK) FUZZ_CHECK(e.msg[0], "preset_set failed silently");
}

FUZZ_TARGET(fuzz_preset) {
    char *text = fuzz_text(data, size);
    Preset *p = malloc(sizeof *p), *q = malloc(sizeof *q), *r = malloc(sizeof *r);
    FUZZ_CHECK(p && q && r, "out of memory");
    char path[256];
    fuzz_input_file(path, sizeof path, "fuzz.ini", data, size);

    Error e = {0}, fe = {0};
    Status st = preset_parse(p, text, path, &e);
    Status fst = preset_load(r, path, &fe);
    FUZZ_CHECK(st == fst && strcmp(e.msg, fe.msg) == 0, "preset_load and preset_parse disagree");
    if (st == ST_OK) {
        (void)preset_validate(p, &e);
        check_keys_round_trip(p, q);
        check_saved_reloads(p, q);
        check_sweep_items(p, q);
    } else {
        FUZZ_CHECK(e.msg[0], "a preset failed to load without a message");
    }
    check_set(text, q);

    free(p);
    free(q);
    free(r);
    free(text);
    return 0;
}
