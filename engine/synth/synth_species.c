/*
 * synth_species — the invented species of a synth dataset and the seeds
 * of their images; declared in synth.h (the species part).
 *
 * Attribute combinations are picked greedily from a seeded stream, kept
 * when they fall in the requested half of the combination space (a fixed
 * hash bit of the small parts) and differ from every species already picked
 * in at least two small parts; names are built from the attributes. The
 * first k species of a set do not depend on how many are asked for, since
 * each pick only looks at the ones before it.
 */
#include "engine/synth/synth.h"

#include <stdio.h>
#include <string.h>

#include "engine/base/rng.h"
#include "engine/synth/seed.h"

static const uint8_t attr_count[SYNTH_ATTRS] = {3, 3, 4, 4, 5, 5, 5, 3, 3, 5};

int synth_attr_values(SynthAttr a) {
    CHECK(a >= 0 && a < SYNTH_ATTRS);
    return attr_count[a];
}

static uint64_t parts_code(const SynthClass *a) {
    uint64_t code = 0;
    for (int i = 0; i < SYNTH_PARTS; i++) code = code * attr_count[i] + a->attr[i];
    return code;
}

int synth_source_bit(const SynthClass *a) {
    /* A fixed key, independent of any seed: the halves never move. */
    return (int)(seed_mix64(parts_code(a) ^ 0x7a11ab1e5ca1e5ULL) >> 63);
}

int synth_part_distance(const SynthClass *a, const SynthClass *b) {
    int d = 0;
    for (int i = 0; i < SYNTH_PARTS; i++) d += a->attr[i] != b->attr[i];
    return d;
}

/* Name words: one adjective per present part value, nouns by family and
 * beak shape. NULL = no word (a medium bill, an absent part). */
static const char *const part_words[SYNTH_PARTS][5] = {
    [SYNTH_BEAK_LENGTH] = {"Short_billed", NULL, "Long_billed"},
    [SYNTH_BEAK_SHAPE] = {NULL, NULL, NULL},
    [SYNTH_BEAK_COLOUR] = {NULL, "Yellow_billed", "Orange_billed", "Pale_billed"},
    [SYNTH_EYE_RING] = {NULL, "White_eyed", "Yellow_eyed", "Red_eyed"},
    [SYNTH_CROWN] = {NULL, "Red_crowned", "Yellow_crowned", "Black_capped", "White_crowned"},
    [SYNTH_WING_BARS] = {NULL, "Bar_winged", "Two_barred", "Yellow_barred", "Golden_winged"},
    [SYNTH_THROAT] = {NULL, "White_throated", "Black_throated", "Yellow_throated", "Red_throated"},
    [SYNTH_TAIL_TIP] = {NULL, "White_tipped", "Black_tipped"},
    [SYNTH_STREAKS] = {NULL, "Streaked", "Rufous_streaked"},
};

static const char *const nouns[5][3] = {
    {"Sparrow", "Wren", "Shrike"},        {"Grosbeak", "Warbler", "Vireo"},
    {"Junco", "Gnatcatcher", "Kingbird"}, {"Bunting", "Flycatcher", "Jay"},
    {"Finch", "Thrush", "Kingfisher"},
};

/* Most telling first; the beak words last because they read worst. */
static const int word_order[] = {SYNTH_CROWN,       SYNTH_THROAT,     SYNTH_EYE_RING,
                                 SYNTH_WING_BARS,   SYNTH_TAIL_TIP,   SYNTH_STREAKS,
                                 SYNTH_BEAK_COLOUR, SYNTH_BEAK_LENGTH};

static int name_taken(const SynthClass *cls, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(cls[i].name, name) == 0) return 1;
    return 0;
}

/* Copies name with zeroed padding, so equal species are equal bytes. */
static void set_name(SynthClass *c, const char *name) {
    memset(c->name, 0, sizeof c->name);
    memcpy(c->name, name, strnlen(name, sizeof c->name - 1));
}

/* Gives cls[i] the shortest name of the form Word_..._Noun not used by
 * cls[0..i-1], starting at a rotating word so names do not all begin alike. */
static void name_class(SynthClass *cls, int i) {
    SynthClass *c = &cls[i];
    const char *words[8];
    int nw = 0, nword = (int)(sizeof word_order / sizeof word_order[0]);
    int start = (int)(parts_code(c) % 3);
    for (int j = 0; j < nword; j++) {
        int a = word_order[(j + start) % nword];
        const char *w = part_words[a][c->attr[a]];
        if (w) words[nw++] = w;
    }
    const char *noun = nouns[c->attr[SYNTH_FAMILY]][c->attr[SYNTH_BEAK_SHAPE]];
    char buf[sizeof c->name];
    for (int k = nw > 0 ? 1 : 0; k <= nw && k <= 3; k++) {
        size_t len = 0;
        buf[0] = '\0';
        for (int j = 0; j < k && len < sizeof buf; j++)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s_", words[j]);
        if (len >= sizeof buf) break; /* cannot happen: 3 words + noun < 64 */
        snprintf(buf + len, sizeof buf - len, "%s", noun);
        if (!name_taken(cls, i, buf)) {
            set_name(c, buf);
            return;
        }
    }
    /* Still taken: number it, as field guides do with look-alikes. */
    for (int n = 2;; n++) {
        char numbered[sizeof c->name];
        snprintf(numbered, sizeof numbered, "%.40s_%d", buf, n);
        if (!name_taken(cls, i, numbered)) {
            set_name(c, numbered);
            return;
        }
    }
}

Status synth_classes(int n, uint64_t seed, int source, SynthClass *out, Error *err) {
    if (n < 1 || n > SYNTH_MAX_CLASSES)
        return error_set(err, ST_ARG, "synth: classes %d out of range 1..%d", n, SYNTH_MAX_CLASSES);
    Rng r;
    rng_seed(&r, seed_stream(seed, source, SEED_CLASSES));
    int have = 0;
    for (long tries = 0; have < n; tries++) {
        if (tries > 50000000L)
            return error_set(err, ST_ARG, "synth: cannot find %d distinct species", n);
        SynthClass c;
        memset(&c, 0, sizeof c);
        for (int a = 0; a < SYNTH_ATTRS; a++) c.attr[a] = (uint8_t)rng_below(&r, attr_count[a]);
        if (synth_source_bit(&c) != (source != 0)) continue;
        int ok = 1;
        for (int i = 0; i < have && ok; i++) ok = synth_part_distance(&c, &out[i]) >= 2;
        if (!ok) continue;
        out[have] = c;
        name_class(out, have);
        have++;
    }
    return ST_OK;
}

/* Each image has its own stream, so any image can be drawn alone. */
uint64_t synth_image_seed(const SynthConfig *cfg, int cls, int k) {
    uint64_t h = seed_stream(cfg->seed, cfg->source, SEED_IMAGE);
    return seed_hash2(seed_hash2(h, (uint64_t)cls), (uint64_t)k);
}
