/*
 * testpng — PNG files read back for the tests of src/plot/: the image as
 * RGB bytes (read through cairo, the library that wrote it, so the tests
 * check the pixels and not the encoder), and counts of the pixels in a
 * rectangle that carry ink or a given colour, which is how a test tells
 * an empty plot from a drawn one. This header does not include cairo.h.
 * Any failure fails the calling test (cmocka).
 */
#ifndef FINELAB_TESTPNG_H
#define FINELAB_TESTPNG_H

typedef struct TestPng {
    int w, h;
    unsigned char *rgb; /* w x h pixels, 3 bytes each, rows top down; malloc'd */
} TestPng;

/* Reads the PNG file path into p (free with testpng_free). */
void testpng_read(TestPng *p, const char *path);
void testpng_free(TestPng *p);

/* The pixel at (x, y) into rgb[3] (0 .. 255). */
void testpng_at(const TestPng *p, int x, int y, int rgb[3]);
/* The pixels of the rectangle (clipped to the image) that are not white:
 * some channel below 255 - 24. */
int testpng_ink(const TestPng *p, int x, int y, int w, int h);
/* The pixels of the rectangle within tol of (r, g, b) in every channel. */
int testpng_color(const TestPng *p, int x, int y, int w, int h, int r, int g, int b, int tol);

#endif
