/*
 * fuzz_jpeg — the JPEG decode path (engine/data/jpeg.c over libjpeg-turbo,
 * then engine/data/image.c) on any bytes.
 *
 * The input is written to a file and probed as dataset_open probes every
 * image (the header and the end marker), decoded from memory at full size
 * (up to 4 Mpixels), and decoded from the file as the loader does, with DCT
 * downscaling to a small side; each decoded image goes through the image
 * operations of a batch (resize both ways, centre crop, mirror, normalise
 * to CHW floats). An image that decodes must have the size the probe
 * reported, and a failure must name the file.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/data/image.h"
#include "engine/data/jpeg.h"
#include "tests/fuzz/fuzz.h"

enum { SIDE = 24 }; /* the harness's network input side */

/* What the loader does with a decoded image: resize, crop, mirror, CHW. */
static void use_image(const Image *img) {
    Image sized = {0}, crop = {0};
    FUZZ_CHECK(image_resize(img, &sized, SIDE + 4, SIDE + 4, RESIZE_AREA) == ST_OK, "resize");
    FUZZ_CHECK(image_resize(img, &crop, SIDE, SIDE, RESIZE_BILINEAR) == ST_OK, "resize");
    FUZZ_CHECK(image_crop(&sized, &crop, 2, 2, SIDE, SIDE) == ST_OK, "crop");
    image_mirror(&crop);
    float chw[3 * SIDE * SIDE];
    Normalize norm = image_normalize_caffe();
    image_to_chw(&crop, &norm, chw);
    image_fini(&sized);
    image_fini(&crop);
}

/* Images decoded at full size here: larger ones (up to JPEG_MAX_PIXELS)
 * take seconds in an instrumented build, so they go through the loader's
 * downscaled decode only, which the DCT scaling keeps small. */
enum { FULL_MAX_PIXELS = 1 << 22 };

FUZZ_TARGET(fuzz_jpeg) {
    char path[256];
    fuzz_input_file(path, sizeof path, "fuzz.jpg", data, size);
    Error e = {0};
    int w = 0, h = 0;
    Status probe = jpeg_probe_file(path, &w, &h, &e);
    if (probe != ST_OK) fuzz_expect_named(path, e.msg);

    Image img = {0};
    if (probe != ST_OK || (long)w * h <= FULL_MAX_PIXELS) {
        Status full = jpeg_decode_mem(data, size, "fuzz.jpg", 0, &img, &e);
        if (full == ST_OK) {
            FUZZ_CHECK(img.w > 0 && img.h > 0 && img.rgb, "an empty image decoded");
            if (probe == ST_OK)
                FUZZ_CHECK(w == img.w && h == img.h, "the probe and the decoder disagree");
            use_image(&img);
        } else {
            FUZZ_CHECK(strncmp(e.msg, "fuzz.jpg", 8) == 0, e.msg);
        }
    }

    Image small = {0};
    if (jpeg_decode_file(path, SIDE, &small, &e) == ST_OK) {
        FUZZ_CHECK(small.w > 0 && small.h > 0, "an empty image decoded");
        use_image(&small);
    } else {
        FUZZ_CHECK(strncmp(e.msg, path, strlen(path)) == 0, e.msg);
    }
    image_fini(&small);
    image_fini(&img);
    return 0;
}
