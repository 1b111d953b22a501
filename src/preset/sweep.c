/*
 * sweep — a preset's [sweep]: keys, settings, checks, text and expansion.
 * See sweep.h.
 */
#include "src/preset/sweep.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/preset/sampler.h"
#include "src/preset/text.h"

static const char *const strategy_names[] = {"grid", "random", "halving", "asha"};
static const char *const sampler_names[] = {"random", "tpe"};

void sweep_defaults(PresetSweep *sw) {
    memset(sw, 0, sizeof *sw);
    sw->strategy = SWEEP_GRID;
    sw->seed = 1;
    sw->eta = 3;
}

/* --- keys ---------------------------------------------------------------------- */

/* Splits a [sweep] list at the commas outside parentheses into items (each
 * trimmed, one outer pair of parentheses removed). Returns the count (items
 * beyond max are counted, not stored), or -1 with *why set for an empty item
 * or unbalanced parentheses. *too_long: an item did not fit. */
static int sweep_split(const char *list, char items[][PRESET_TEXT_MAX], int max, int *too_long,
                       const char **why) {
    int n = 0, depth = 0;
    const char *start = list;
    *too_long = 0;
    for (const char *c = list;; c++) {
        if (*c == '(') depth++;
        if (*c == ')') depth--;
        if (depth < 0) {
            *why = "a ')' without its '('";
            return -1;
        }
        if (*c && (*c != ',' || depth > 0)) continue;
        if (depth > 0) {
            *why = "a '(' without its ')'";
            return -1;
        }
        char item[PRESET_VALUE_MAX];
        text_copy(item, sizeof item, start, (size_t)(c - start));
        text_trim(item);
        size_t len = strlen(item);
        if (len >= 2 && item[0] == '(' && item[len - 1] == ')') {
            item[len - 1] = '\0';
            memmove(item, item + 1, len - 1);
            text_trim(item);
        }
        if (!item[0]) {
            *why = "an empty value in the list";
            return -1;
        }
        if (n < max) {
            if (strlen(item) >= PRESET_TEXT_MAX) *too_long = 1;
            text_copy(items[n], PRESET_TEXT_MAX, item, strlen(item));
        }
        n++;
        if (!*c) return n;
        start = c + 1;
    }
}

/* Number of combinations of sw, or -1 when above PRESET_SWEEP_ITEMS_MAX. */
static int sweep_combinations(const PresetSweep *sw) {
    long long total = 1;
    for (int j = 0; j < sw->n_keys; j++) {
        total *= sw->keys[j].n_values;
        if (total > PRESET_SWEEP_ITEMS_MAX) return -1;
    }
    return (int)total;
}

/* Appends the range dist(lo, hi) for key k (text: as written) to sw. */
static const char *sweep_add_range(PresetSweep *sw, const SchemaKey *k, const char *text, int dist,
                                   double lo, double hi, Preset *scratch, char *msg, size_t cap) {
    if (k->type != SCHEMA_INT && k->type != SCHEMA_FLOAT && k->type != SCHEMA_DOUBLE)
        return text_say(msg, cap, "a range needs a number key (this one takes %s)",
                        k->type == SCHEMA_ENUM ? "words: use choice(...)" : "no single number");
    if (strlen(text) >= PRESET_TEXT_MAX)
        return text_say(msg, cap, "a value is longer than %d characters", PRESET_TEXT_MAX - 1);
    char end[64];
    for (int e = 0; e < 2; e++) { /* both ends within the key's range (whole for an int) */
        Error err = {0};
        snprintf(end, sizeof end, "%.17g", e ? hi : lo);
        if (schema_parse(k, end, scratch, 0, &err))
            return text_say(msg, cap, "the range's %s end: %s", e ? "high" : "low", err.msg);
    }
    SweepKey *key = &sw->keys[sw->n_keys++];
    *key = (SweepKey){
        .key = schema_index(k), .dist = (SweepDist)dist, .n_values = 1, .lo = lo, .hi = hi};
    text_copy(key->values[0], PRESET_TEXT_MAX, text, strlen(text));
    return NULL;
}

/* Checks a [sweep] list for key k and appends it to sw. Returns NULL, or
 * what is wrong (in msg, without file and key); sw's keys are unchanged then. */
const char *sweep_add(PresetSweep *sw, const SchemaKey *k, const char *list, Preset *scratch,
                      char *msg, size_t cap) {
    const char *why;
    int too_long, j = sw->n_keys;
    if (j == PRESET_SWEEP_KEYS_MAX)
        return text_say(msg, cap, "a sweep takes at most %d keys", PRESET_SWEEP_KEYS_MAX);
    int dist;
    double lo, hi;
    int range = sampler_parse_range(list, &dist, &lo, &hi, &why);
    if (range < 0) return text_say(msg, cap, "%s (got '%.80s')", why, list);
    if (range > 0) return sweep_add_range(sw, k, list, dist, lo, hi, scratch, msg, cap);
    char inner[PRESET_VALUE_MAX];
    size_t len;
    const char *choice = sampler_choice(list, &len);
    if (choice) { /* choice(a, b) is the list a, b */
        text_copy(inner, sizeof inner, choice, len);
        list = inner;
    }
    SweepKey *key = &sw->keys[j];
    key->dist = SWEEP_LIST;
    int n = sweep_split(list, key->values, PRESET_SWEEP_VALUES_MAX, &too_long, &why);
    if (n < 0) return text_say(msg, cap, "%s (got '%.80s')", why, list);
    if (n > PRESET_SWEEP_VALUES_MAX)
        return text_say(msg, cap, "%d values; a sweep takes at most %d per key", n,
                        PRESET_SWEEP_VALUES_MAX);
    if (too_long)
        return text_say(msg, cap, "a value is longer than %d characters", PRESET_TEXT_MAX - 1);
    for (int i = 0; i < n; i++) {
        Error e = {0};
        if (schema_parse(k, key->values[i], scratch, 0, &e)) return text_say(msg, cap, "%s", e.msg);
    }
    key->key = schema_index(k);
    key->n_values = n;
    key->lo = key->hi = 0;
    sw->n_keys++;
    if (sweep_combinations(sw) < 0) {
        sw->n_keys--;
        return text_say(msg, cap, "the sweep would expand to more than %d presets",
                        PRESET_SWEEP_ITEMS_MAX);
    }
    return NULL;
}

int sweep_find(const PresetSweep *sw, int key) {
    for (int j = 0; j < sw->n_keys; j++)
        if (sw->keys[j].key == key) return j;
    return -1;
}

int sweep_key_integer(const SweepKey *k) {
    const SchemaKey *sk = schema_at(k->key);
    return sk && sk->type == SCHEMA_INT;
}

void sweep_remove(PresetSweep *sw, int j) {
    memmove(&sw->keys[j], &sw->keys[j + 1], sizeof sw->keys[0] * (size_t)(sw->n_keys - j - 1));
    sw->n_keys--;
}

/* --- settings ---------------------------------------------------------------- */

static const char *const setting_names[SWEEP_SETTINGS] = {"strategy", "samples", "seed",
                                                          "min_iter", "eta",     "sampler"};

const char *preset_sweep_strategy_name(int strategy) {
    return strategy >= 0 && strategy <= SWEEP_ASHA ? strategy_names[strategy] : "unknown";
}

const char *preset_sweep_sampler_name(int sampler) {
    return sampler >= 0 && sampler <= SAMPLER_TPE ? sampler_names[sampler] : "unknown";
}

int sweep_setting_find(const char *name) {
    for (int i = 0; i < SWEEP_SETTINGS; i++)
        if (strcmp(name, setting_names[i]) == 0) return i;
    return -1;
}

const char *sweep_setting_name(int setting) {
    return setting >= 0 && setting < SWEEP_SETTINGS ? setting_names[setting] : "?";
}

/* Sets setting i of sw from text; NULL, or what is wrong (in msg). */
const char *sweep_setting_set(PresetSweep *sw, int i, const char *text, char *msg, size_t cap) {
    if (i == SWEEP_SET_STRATEGY || i == SWEEP_SET_SAMPLER) { /* a word of its list */
        int strategy = i == SWEEP_SET_STRATEGY, n = strategy ? SWEEP_ASHA + 1 : SAMPLER_TPE + 1;
        const char *const *names = strategy ? strategy_names : sampler_names;
        for (int w = 0; w < n; w++)
            if (strcasecmp(text, names[w]) == 0) {
                if (strategy)
                    sw->strategy = w;
                else
                    sw->sampler = w;
                return NULL;
            }
        return text_say(msg, cap, "expects %s (got '%.60s')",
                        strategy ? "grid, random, halving or asha" : "random or tpe", text);
    }
    static const long lo[SWEEP_SETTINGS] = {0, 1, 0, 1, 2, 0};
    static const long hi[SWEEP_SETTINGS] = {0, PRESET_SWEEP_ITEMS_MAX, 2147483647L, 100000000L, 100,
                                            0};
    char *end;
    long v = strtol(text, &end, 10);
    while (isspace((unsigned char)*end)) end++;
    if (end == text || *end || v < lo[i] || v > hi[i])
        return text_say(msg, cap, "expects a whole number from %ld to %ld (got '%.60s')", lo[i],
                        hi[i], text);
    int *field[SWEEP_SETTINGS] = {NULL, &sw->samples, &sw->seed, &sw->min_iter, &sw->eta, NULL};
    *field[i] = (int)v;
    return NULL;
}

/* The [sweep] settings that contradict each other or the keys. Returns
 * NULL, or what is wrong with the key in msg (which: the swept key j, or
 * -1 - the setting). */
const char *sweep_check(const PresetSweep *sw, int *which, char *msg, size_t cap) {
    int rungs = sw->strategy == SWEEP_HALVING || sw->strategy == SWEEP_ASHA;
    int drawn = sw->strategy == SWEEP_RANDOM || sw->strategy == SWEEP_ASHA ||
                (sw->strategy == SWEEP_HALVING && sw->samples);
    if ((sw->strategy == SWEEP_RANDOM || sw->strategy == SWEEP_ASHA) && !sw->samples) {
        *which = -1 - SWEEP_SET_STRATEGY;
        return text_say(msg, cap, "sweep.strategy: %s needs samples (how many %s)",
                        strategy_names[sw->strategy],
                        sw->strategy == SWEEP_ASHA ? "trials at most" : "draws");
    }
    if (sw->strategy == SWEEP_GRID && sw->samples) {
        *which = -1 - SWEEP_SET_SAMPLES;
        return text_say(msg, cap,
                        "sweep.samples: only strategy random, halving or asha draws samples");
    }
    if (sw->sampler == SAMPLER_TPE && sw->strategy != SWEEP_ASHA) {
        *which = -1 - SWEEP_SET_SAMPLER;
        return text_say(msg, cap,
                        "sweep.sampler: tpe draws each trial from the ones before it: it needs "
                        "strategy = asha");
    }
    for (int i = SWEEP_SET_MIN_ITER; i <= SWEEP_SET_ETA; i++)
        if (!rungs && (i == SWEEP_SET_MIN_ITER ? sw->min_iter : sw->eta != 3)) {
            *which = -1 - i;
            return text_say(msg, cap, "sweep.%s: only strategy = halving or asha uses it",
                            setting_names[i]);
        }
    if (rungs && !sw->min_iter) {
        *which = -1 - SWEEP_SET_STRATEGY;
        return text_say(msg, cap, "sweep.min_iter: strategy = %s needs min_iter (the first rung)",
                        strategy_names[sw->strategy]);
    }
    for (int j = 0; j < sw->n_keys && !drawn; j++)
        if (sw->keys[j].dist != SWEEP_LIST) {
            const SchemaKey *k = schema_at(sw->keys[j].key);
            *which = j;
            return text_say(
                msg, cap,
                "sweep.%s.%s: a range (%s) is drawn from: it needs strategy = random or "
                "asha, or halving with samples",
                k->section, k->key, sw->keys[j].values[0]);
        }
    return NULL;
}

/* --- text --------------------------------------------------------------------- */

void sweep_format(const PresetSweep *sw, StrBuf *t) {
    if (!sw->n_keys && sw->strategy == SWEEP_GRID) return;
    {
        strbuf_puts(t, "\n[sweep]\n");
        if (sw->strategy != SWEEP_GRID)
            strbuf_printf(t, "strategy = %s\n", strategy_names[sw->strategy]);
        if (sw->samples) strbuf_printf(t, "samples = %d\n", sw->samples);
        if (sw->samples || sw->seed != 1) strbuf_printf(t, "seed = %d\n", sw->seed);
        if (sw->strategy == SWEEP_HALVING || sw->strategy == SWEEP_ASHA)
            strbuf_printf(t, "min_iter = %d\neta = %d\n", sw->min_iter, sw->eta);
        if (sw->sampler != SAMPLER_RANDOM)
            strbuf_printf(t, "sampler = %s\n", sampler_names[sw->sampler]);
        for (int j = 0; j < sw->n_keys; j++) {
            const SchemaKey *k = schema_at(sw->keys[j].key);
            if (!k) {
                t->failed = 1;
                break;
            }
            char name[128];
            snprintf(name, sizeof name, "%s.%s", k->section, k->key);
            strbuf_puts(t, name);
            strbuf_puts(t, " =");
            for (int i = 0; i < sw->keys[j].n_values; i++) {
                const char *v = sw->keys[j].values[i];
                int group = strchr(v, ',') != NULL && sw->keys[j].dist == SWEEP_LIST;
                strbuf_puts(t, i ? ", " : " ");
                strbuf_puts(t, group ? "(" : "");
                strbuf_puts(t, v);
                strbuf_puts(t, group ? ")" : "");
            }
            strbuf_puts(t, "\n");
        }
    }
}

/* --- the presets a sweep expands to ----------------------------------------- */

int preset_sweep_drawn(const Preset *p) {
    const PresetSweep *sw = &p->sweep;
    return sw->strategy == SWEEP_RANDOM || sw->strategy == SWEEP_ASHA ||
           (sw->strategy == SWEEP_HALVING && sw->samples > 0);
}

int preset_sweep_count(const Preset *p) {
    if (preset_sweep_drawn(p) && p->sweep.samples > 0) return p->sweep.samples;
    int n = sweep_combinations(&p->sweep);
    return n < 0 ? PRESET_SWEEP_ITEMS_MAX : n;
}

Status preset_sweep_item(const Preset *p, int i, Preset *out, char *label, size_t label_cap,
                         Error *err) {
    int n = preset_sweep_count(p);
    if (i < 0 || i >= n)
        return error_set(err, ST_ARG, "sweep item %d does not exist (the sweep has %d)", i, n);
    double x[PRESET_SWEEP_KEYS_MAX];
    preset_sweep_item_point(p, i, x);
    return preset_sweep_point(p, x, out, label, label_cap, err);
}

void preset_sweep_item_point(const Preset *p, int i, double *x) {
    const PresetSweep *sw = &p->sweep;
    int drawn = preset_sweep_drawn(p), draw = i;
    for (int j = sw->n_keys - 1; j >= 0; j--) { /* the last key varies fastest */
        x[j] = i % sw->keys[j].n_values;
        i /= sw->keys[j].n_values;
    }
    for (int j = 0; j < sw->n_keys && drawn; j++)
        x[j] = sampler_draw(sw, draw, j, sweep_key_integer(&sw->keys[j]));
}

Status preset_sweep_point(const Preset *p, const double *x, Preset *out, char *label,
                          size_t label_cap, Error *err) {
    if (out != p) *out = *p;
    PresetSweep sw = p->sweep;
    sweep_defaults(&out->sweep); /* an item is a concrete preset */
    size_t len = 0;
    if (label && label_cap) label[0] = '\0';
    for (int j = 0; j < sw.n_keys; j++) {
        const SchemaKey *k = schema_at(sw.keys[j].key);
        if (!k) return error_set(err, ST_ARG, "sweep key %d is not a preset key", sw.keys[j].key);
        Error e = {0};
        char v[PRESET_TEXT_MAX];
        if (sampler_text(&sw.keys[j], x[j], k->type == SCHEMA_INT, v, sizeof v) < 0)
            return error_set(err, ST_ARG, "sweep.%s.%s: value %g is not one of the sweep's",
                             k->section, k->key, x[j]);
        if (schema_parse(k, v, out, 0, &e))
            return error_set(err, ST_ARG, "sweep.%s.%s: %s", k->section, k->key, e.msg);
        if (!label || !label_cap) continue;
        char value[1024];
        schema_format(k, out, value, sizeof value);
        int group = strchr(value, ',') != NULL;
        int w = snprintf(label + len, label_cap - len, "%s%s.%s=%s%s%s", j ? ", " : "", k->section,
                         k->key, group ? "(" : "", value, group ? ")" : "");
        if (w > 0) len += (size_t)w;
        if (len >= label_cap) len = label_cap - 1;
    }
    return ST_OK;
}
