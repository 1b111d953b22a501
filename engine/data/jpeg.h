/*
 * jpeg — the engine's single doorway to libjpeg-turbo (the only engine file
 * that includes jpeglib.h): decoding with DCT-domain downscaling, a cheap
 * validity probe, and encoding.
 *
 * libjpeg reports errors by calling a function that must not return; this
 * module catches them with setjmp/longjmp inside each call, so a corrupt
 * file becomes an ST_FORMAT Error naming the file, never a process exit.
 * All functions are reentrant (each call has its own decompressor).
 *
 * A header of a few bytes may declare up to 65500 x 65500 pixels (12 GB of
 * RGB), so images of more than JPEG_MAX_PIXELS are refused as ST_FORMAT by
 * the decoders and the probe alike, before any pixel memory is allocated.
 */
#ifndef FINELAB_JPEG_H
#define FINELAB_JPEG_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/error.h"
#include "engine/data/image.h"

/* Largest width x height decoded or probed: 64 Mpixels (8192 x 8192), far
 * above any photograph a classifier is trained on. */
#define JPEG_MAX_PIXELS (64L * 1024 * 1024)

/* Decodes the JPEG file at path into img as RGB (grayscale and CMYK/YCCK
 * converted). With min_side > 0 libjpeg's DCT scaling picks the smallest
 * scale n/8 whose output is still at least min_side pixels on both sides
 * (so a later resize to min_side never upsamples); 0 decodes at full size.
 * Errors: ST_IO (cannot open/read), ST_FORMAT (not a JPEG, corrupt or
 * truncated), ST_NOMEM; err names path. */
Status jpeg_decode_file(const char *path, int min_side, Image *img, Error *err);
/* The same for a JPEG held in memory; name is used in messages. */
Status jpeg_decode_mem(const uint8_t *data, size_t len, const char *name, int min_side, Image *img,
                       Error *err);

/* Checks that path is a readable, complete JPEG without decoding it: the
 * header parses and the file ends with the EOI marker. Fills *w, *h (may be
 * NULL). Errors as jpeg_decode_file. */
Status jpeg_probe_file(const char *path, int *w, int *h, Error *err);

/* Encodes img at quality 1..100 into a new malloc'd buffer (*out, *len);
 * the caller frees *out. */
Status jpeg_encode_mem(const Image *img, int quality, uint8_t **out, size_t *len, Error *err);
/* Encodes img into path atomically: written to a temporary file in the same
 * directory, then renamed, so path is never left half-written. */
Status jpeg_encode_file(const char *path, const Image *img, int quality, Error *err);

#endif
