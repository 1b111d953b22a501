/*
 * synth — the generated fine-grained bird dataset: images of invented
 * species that share one body plan and differ only in small parts, written
 * in exactly the CUB-200-2011 layout so the CUB loader reads it unchanged.
 *
 * A species (SynthClass) is a combination of small-part attributes (beak
 * length, shape and colour, eye-ring, crown stripe, wing bars, throat patch,
 * tail tip, breast streaks) plus a body-colour family shared by many
 * species. Any two species of one set differ in at least two small parts.
 * The combination space is split in two by a fixed hash: target sets
 * (source = 0) and source sets (source = 1, for pretraining a backbone to
 * transfer) never share a combination, whatever the seeds.
 *
 * Everything is a pure function of the config: each image draws from its
 * own Rng seeded by (seed, source, class, index), so the same config gives
 * the same bytes and any image can be rendered alone. No global state; one
 * SynthRenderer per thread. Errors come back as Status + Error; nothing
 * here prints or exits.
 *
 * One header, three files, one section each below: synth_species.c picks
 * and names the species and seeds their images, synth_painter.c draws one
 * image, and synth_writer.c writes the dataset with both (seed.h holds the
 * seed mixing they share; raster.h the drawing primitives).
 */
#ifndef FINELAB_SYNTH_H
#define FINELAB_SYNTH_H

#include <stdint.h>

#include "engine/base/error.h"
#include "engine/data/image.h"
#include "engine/synth/raster.h"

enum {
    SYNTH_MAX_CLASSES = 999,
    SYNTH_MAX_PER_CLASS = 9999,
    SYNTH_MIN_SIZE = 64,
    SYNTH_MAX_SIZE = 2048,
};

/* The attributes of a species, in SynthClass.attr order. The first
 * SYNTH_PARTS are the small telling parts; value 0 of the optional parts
 * (eye-ring .. streaks) means "absent". */
typedef enum SynthAttr {
    SYNTH_BEAK_LENGTH,          /* short, medium, long */
    SYNTH_BEAK_SHAPE,           /* conical, slender, hooked */
    SYNTH_BEAK_COLOUR,          /* black, yellow, orange, pale horn */
    SYNTH_EYE_RING,             /* none, white, yellow, red */
    SYNTH_CROWN,                /* none, red, yellow, black, white */
    SYNTH_WING_BARS,            /* none, 1 white, 2 white, 1 yellow, 2 yellow */
    SYNTH_THROAT,               /* none, white, black, yellow, red */
    SYNTH_TAIL_TIP,             /* none, white, black */
    SYNTH_STREAKS,              /* none, dark, rufous */
    SYNTH_PARTS,                /* count of small-part attributes */
    SYNTH_FAMILY = SYNTH_PARTS, /* body colours: brown, olive, grey, blue, chestnut */
    SYNTH_ATTRS,
} SynthAttr;

typedef struct SynthClass {
    uint8_t attr[SYNTH_ATTRS];
    char name[64]; /* CUB style, e.g. "Red_crowned_Warbler" */
} SynthClass;

/* Called after each image; a non-zero return stops generation (ST_STATE). */
typedef int (*SynthProgressFn)(void *user, int done, int total);

typedef struct SynthConfig {
    int classes;   /* 1 .. SYNTH_MAX_CLASSES */
    int per_class; /* 1 .. SYNTH_MAX_PER_CLASS */
    int size;      /* nominal longer image side, SYNTH_MIN_SIZE .. SYNTH_MAX_SIZE px */
    uint64_t seed;
    int source;               /* 0: target species; 1: the disjoint source species */
    SynthProgressFn progress; /* may be NULL */
    void *progress_user;
} SynthConfig;

/* -------------------------------------------------- species (synth_species.c) */

/* Number of values attribute a can take. */
int synth_attr_values(SynthAttr a);

/* Fills out[0..n-1] with the species of a set: distinct combinations at
 * small-part distance >= 2, the same for the same (seed, source), and the
 * first k of n the same for every n >= k. ST_ARG when n is out of range. */
Status synth_classes(int n, uint64_t seed, int source, SynthClass *out, Error *err);
/* Number of small-part attributes in which a and b differ. */
int synth_part_distance(const SynthClass *a, const SynthClass *b);
/* 0 or 1: the half of the combination space a's small parts belong to
 * (source sets only hold 1, target sets only 0). */
int synth_source_bit(const SynthClass *a);

/* The seed of image k of class index cls (0-based) under cfg. */
uint64_t synth_image_seed(const SynthConfig *cfg, int cls, int k);

/* ------------------------------------------------ one image (synth_painter.c) */

/* What one rendered image holds besides its pixels. */
typedef struct SynthSample {
    float bbox[4];        /* x, y, w, h of the bird in pixels, inside the image */
    double part_fraction; /* visible telling-part area / image area */
    int quality;          /* the JPEG quality drawn for this image, 70..95 */
} SynthSample;

/* Scratch canvases for rendering, reused across images. Zero-initialise or
 * synth_renderer_init; synth_renderer_fini frees (accepts NULL). */
typedef struct SynthRenderer {
    RasterCanvas scene, background;
} SynthRenderer;

void synth_renderer_init(SynthRenderer *r);
void synth_renderer_fini(SynthRenderer *r);

/* Draws one image of species cls into img (reshaped) with the image's own
 * random choices from image_seed; size is the nominal longer side. Fills
 * *sample (may be NULL). ST_NOMEM on allocation failure. */
Status synth_render(SynthRenderer *r, const SynthClass *cls, uint64_t image_seed, int size,
                    Image *img, SynthSample *sample, Error *err);

/* --------------------------------------- the dataset on disk (synth_writer.c) */

typedef struct SynthReport {
    int images, classes, train;
    double part_fraction; /* mean visible telling-part area / image area */
    double seconds;       /* wall time of synth_generate */
    double draw_seconds;  /* of which drawing */
    double write_seconds; /* of which JPEG encoding and writing files */
} SynthReport;

/* Checks every field's range; ST_ARG names the field and the allowed range. */
Status synth_validate(const SynthConfig *cfg, Error *err);

/* Generates the whole dataset under out_dir (created when missing): the
 * CUB-200-2011 files, the images, and synth.txt (the config; written first
 * with "complete = 0" and last with "complete = 1"). Existing files of the
 * same names are replaced atomically; nothing else in out_dir is touched.
 * Fills *report (may be NULL). Errors name the file at fault. */
Status synth_generate(const SynthConfig *cfg, const char *out_dir, SynthReport *report, Error *err);

#endif
