/*
 * image — 8-bit RGB images in memory and the geometric operations of the
 * data pipeline: resize (area or bilinear), crop, mirror, and conversion
 * into a normalised float CHW sample.
 *
 * An Image owns its pixels (image_init / image_fini). Every function here is
 * reentrant: loader threads call them concurrently on their own images.
 * Allocation failures come back as ST_NOMEM; geometry outside the image is
 * a programming error (CHECK).
 */
#ifndef FINELAB_IMAGE_H
#define FINELAB_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/error.h"

typedef struct Image {
    uint8_t *rgb; /* w*h*3 bytes, rows top to bottom, pixels R,G,B */
    int w, h;
    size_t cap; /* bytes allocated */
} Image;

typedef enum ResizeFilter {
    RESIZE_AREA,     /* box filter: each output pixel averages the input area it covers */
    RESIZE_BILINEAR, /* bilinear interpolation at pixel centres */
} ResizeFilter;

/* Allocates a w x h black image. ST_NOMEM leaves img empty. */
Status image_init(Image *img, int w, int h);
/* Resizes img's buffer for w x h (contents undefined), reusing memory when
 * it is large enough, so a loader thread allocates only while warming up. */
Status image_reshape(Image *img, int w, int h);
void image_fini(Image *img);

/* dst = src resized to w x h with the filter (dst is reshaped). */
Status image_resize(const Image *src, Image *dst, int w, int h, ResizeFilter filter);
/* dst = the w x h window of src whose top-left corner is (x, y). */
Status image_crop(const Image *src, Image *dst, int x, int y, int w, int h);
/* Flips img left-right in place. */
void image_mirror(Image *img);

/* How an image becomes network input. */
typedef struct Normalize {
    int bgr;       /* 1: channel order B,G,R (Caffe); 0: R,G,B (torchvision) */
    float scale;   /* pixel values are first multiplied by this (1 or 1/255) */
    float mean[3]; /* subtracted after scaling, in the output channel order */
    float std[3];  /* divided after subtracting; 1 for none */
} Normalize;

/* Caffe's VGG convention: BGR, 0-255, minus (103.939, 116.779, 123.68). */
Normalize image_normalize_caffe(void);
/* torchvision's: RGB scaled to [0, 1], minus (0.485, 0.456, 0.406), divided
 * by (0.229, 0.224, 0.225). */
Normalize image_normalize_torchvision(void);
/* Describes n as text for file metadata: "bgr255" (Caffe's), "rgb01std"
 * (torchvision's) or "custom:bgr=B,scale=S,mean=M0/M1/M2,std=S0/S1/S2". */
void image_normalize_describe(const Normalize *n, char *buf, size_t cap);
/* Parses image_normalize_describe's text; 0 on success, -1 otherwise. */
int image_normalize_parse(const char *text, Normalize *n);

/* Writes img as 3 x h x w floats into out: ((v * scale) - mean) / std. */
void image_to_chw(const Image *img, const Normalize *norm, float *out);

#endif
