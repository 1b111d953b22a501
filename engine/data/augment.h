/*
 * augment — the random training-time transforms of fine-grained work, as
 * torchvision defines them: RandomResizedCrop's box, small rotations and
 * ColorJitter's brightness, contrast and saturation, on 8-bit RGB images.
 *
 * Every draw comes from a caller's Rng (the loader seeds one per sample and
 * transform from (seed, sequence position)), so a transform is a pure
 * function of its stream and its image. Functions are reentrant; images are
 * caller storage. Allocation failures return ST_NOMEM; a box or factor
 * outside its documented range is a programming error (CHECK).
 */
#ifndef FINELAB_AUGMENT_H
#define FINELAB_AUGMENT_H

#include <stdint.h>

#include "engine/base/error.h"
#include "engine/base/rng.h"
#include "engine/data/image.h"

/* What a training sample goes through besides crop and mirror; all zero is
 * off. */
typedef struct Augment {
    int resized_crop;  /* 1: RandomResizedCrop instead of resize + crop */
    double area[2];    /* its box area as a fraction of the image, 0 < lo <= hi <= 1 */
    double ratio[2];   /* its box aspect ratio w/h, 0 < lo <= hi (log-uniform) */
    double rotate;     /* max degrees: angle uniform in [-rotate, rotate]; 0 off */
    double brightness; /* ColorJitter factors: uniform in [max(0, 1-x), 1+x]; 0 off */
    double contrast;   /* blend with the mean grey of the image */
    double saturation; /* blend with the image's greyscale */
} Augment;

/* 1 when a draws anything (a non-zero Augment). */
int augment_any(const Augment *a);

/* torchvision's RandomResizedCrop.get_params on a w x h image: up to 10
 * tries of area fraction uniform in a->area and log-uniform aspect ratio in
 * a->ratio, a box that fits placed uniformly; else the centre crop of the
 * largest box with its ratio clamped to a->ratio. Writes x, y, width,
 * height (integers, inside the image) into box; returns 1 when a try fit,
 * 0 for the fallback. */
int augment_resized_crop_box(Rng *r, int w, int h, const Augment *a, int box[4]);

/* dst = src turned `degrees` counter-clockwise about its centre (same
 * size), bilinear; points from outside src take the colour fill (RGB). */
Status augment_rotate(const Image *src, Image *dst, double degrees, const uint8_t fill[3]);

/* In place, rounding to 8 bits after each (as PIL's ImageEnhance does):
 * brightness scales every value by f; contrast blends with the image's
 * mean grey, v' = f v + (1 - f) mean; saturation blends each pixel with its
 * own grey. Grey is 0.299 R + 0.587 G + 0.114 B (unrounded). f >= 0;
 * results clamp to 0..255. */
void augment_brightness(Image *img, double f);
void augment_contrast(Image *img, double f);
void augment_saturation(Image *img, double f);

/* ColorJitter: draws the three factors (of those on) and applies them in a
 * random order, torchvision's randperm; a factor whose range is 0 draws
 * nothing. */
void augment_color(Image *img, Rng *r, const Augment *a);

#endif
