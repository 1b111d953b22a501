/*
 * jpeg — libjpeg-turbo decoding and encoding with errors caught. See jpeg.h.
 *
 * Every entry point installs an error manager whose error_exit longjmps
 * back into that call, so no libjpeg error can end the process. Truncated
 * data (libjpeg's "premature end" warning, after which it would silently
 * pad the image with grey) is treated as an error too: a half image must
 * not reach training. Other warnings (e.g. extraneous bytes) are tolerated,
 * as OpenCV and PIL tolerate them, since real datasets contain such files.
 */
#include "engine/data/jpeg.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include <jerror.h>

#include "engine/io/fileio.h"

typedef struct JpegErr {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int truncated;
    char msg[JMSG_LENGTH_MAX];
} JpegErr;

static void jpeg_on_error(j_common_ptr cinfo) {
    JpegErr *e = (JpegErr *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->msg);
    longjmp(e->jump, 1);
}

static void jpeg_on_message(j_common_ptr cinfo, int level) {
    JpegErr *e = (JpegErr *)cinfo->err;
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        e->truncated = 1;
        (*cinfo->err->format_message)(cinfo, e->msg);
    }
}

static void jpeg_err_init(JpegErr *e, struct jpeg_decompress_struct *d,
                          struct jpeg_compress_struct *c) {
    memset(e, 0, sizeof *e);
    if (d) d->err = jpeg_std_error(&e->pub);
    if (c) c->err = jpeg_std_error(&e->pub);
    e->pub.error_exit = jpeg_on_error;
    e->pub.emit_message = jpeg_on_message;
}

/* Smallest n/8 (n = 1..8) keeping both sides >= min_side. */
static int jpeg_scale_num(int w, int h, int min_side) {
    if (min_side <= 0) return 8;
    for (int n = 1; n < 8; n++) {
        long sw = ((long)w * n + 7) / 8, sh = ((long)h * n + 7) / 8;
        if (sw >= min_side && sh >= min_side) return n;
    }
    return 8;
}

/* CMYK/YCCK scanline (Adobe files store inverted values) to RGB. */
static void jpeg_cmyk_to_rgb(const uint8_t *cmyk, uint8_t *rgb, int w, int inverted) {
    for (int x = 0; x < w; x++) {
        int c = cmyk[4 * x], m = cmyk[4 * x + 1], y = cmyk[4 * x + 2], k = cmyk[4 * x + 3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        rgb[3 * x] = (uint8_t)(c * k / 255);
        rgb[3 * x + 1] = (uint8_t)(m * k / 255);
        rgb[3 * x + 2] = (uint8_t)(y * k / 255);
    }
}

/* ST_FORMAT naming name when d's header declares more than JPEG_MAX_PIXELS. */
static Status jpeg_check_size(const struct jpeg_decompress_struct *d, const char *name,
                              Error *err) {
    uint64_t pixels = (uint64_t)d->image_width * d->image_height;
    if (pixels <= (uint64_t)JPEG_MAX_PIXELS) return ST_OK;
    return error_set(err, ST_FORMAT, "%s: %ux%u pixels is over the %ld-megapixel limit", name,
                     (unsigned)d->image_width, (unsigned)d->image_height,
                     JPEG_MAX_PIXELS / (1024 * 1024));
}

/* Runs the decompressor d (source already set) into img. */
static Status jpeg_run_decode(struct jpeg_decompress_struct *d, JpegErr *je, const char *name,
                              int min_side, Image *img, Error *err) {
    uint8_t *volatile cmyk_row = NULL;
    if (setjmp(je->jump)) {
        free(cmyk_row);
        return error_set(err, ST_FORMAT, "%s: not a readable JPEG: %s", name, je->msg);
    }
    jpeg_read_header(d, TRUE);
    Status big = jpeg_check_size(d, name, err);
    if (big) {
        jpeg_abort_decompress(d);
        return big;
    }
    int cmyk = d->jpeg_color_space == JCS_CMYK || d->jpeg_color_space == JCS_YCCK;
    d->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    d->scale_num = (unsigned)jpeg_scale_num((int)d->image_width, (int)d->image_height, min_side);
    d->scale_denom = 8;
    d->dct_method = JDCT_ISLOW;
    jpeg_start_decompress(d);
    int w = (int)d->output_width, h = (int)d->output_height;
    if (image_reshape(img, w, h)) {
        jpeg_abort_decompress(d);
        return error_set(err, ST_NOMEM, "%s: out of memory for %dx%d pixels", name, w, h);
    }
    if (cmyk && !(cmyk_row = malloc((size_t)w * 4))) {
        jpeg_abort_decompress(d);
        return error_set(err, ST_NOMEM, "%s: out of memory", name);
    }
    while (d->output_scanline < d->output_height) {
        uint8_t *row = img->rgb + (size_t)d->output_scanline * (size_t)w * 3;
        JSAMPROW rows[1] = {cmyk ? cmyk_row : row};
        jpeg_read_scanlines(d, rows, 1);
        if (cmyk) jpeg_cmyk_to_rgb(cmyk_row, row, w, d->saw_Adobe_marker);
        if (je->truncated) break;
    }
    free(cmyk_row);
    cmyk_row = NULL;
    if (je->truncated) {
        jpeg_abort_decompress(d);
        return error_set(err, ST_FORMAT, "%s: truncated JPEG (%s)", name, je->msg);
    }
    jpeg_finish_decompress(d);
    return ST_OK;
}

Status jpeg_decode_mem(const uint8_t *data, size_t len, const char *name, int min_side, Image *img,
                       Error *err) {
    struct jpeg_decompress_struct d;
    JpegErr je;
    jpeg_err_init(&je, &d, NULL);
    if (setjmp(je.jump)) {
        jpeg_destroy_decompress(&d);
        return error_set(err, ST_FORMAT, "%s: not a readable JPEG: %s", name, je.msg);
    }
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, data, (unsigned long)len);
    Status st = jpeg_run_decode(&d, &je, name, min_side, img, err);
    jpeg_destroy_decompress(&d);
    return st;
}

Status jpeg_decode_file(const char *path, int min_side, Image *img, Error *err) {
    uint8_t *data;
    size_t len;
    Status st = fileio_read_all(path, &data, &len, err);
    if (st) return st;
    st = jpeg_decode_mem(data, len, path, min_side, img, err);
    free(data);
    return st;
}

/* 1 when the last 4 KiB of the file hold an EOI marker (FF D9). */
static int jpeg_has_eoi(FILE *f) {
    uint8_t tail[4096];
    if (fseek(f, 0, SEEK_END) != 0) return 0;
    long size = ftell(f);
    long start = size > (long)sizeof tail ? size - (long)sizeof tail : 0;
    if (fseek(f, start, SEEK_SET) != 0) return 0;
    size_t n = fread(tail, 1, sizeof tail, f);
    for (size_t i = n; i >= 2; i--)
        if (tail[i - 2] == 0xFF && tail[i - 1] == 0xD9) return 1;
    return 0;
}

Status jpeg_probe_file(const char *path, int *w, int *h, Error *err) {
    FILE *volatile f = fopen(path, "rb");
    if (!f) return error_set(err, ST_IO, "%s: cannot open", path);
    struct jpeg_decompress_struct d;
    JpegErr je;
    jpeg_err_init(&je, &d, NULL);
    if (setjmp(je.jump)) {
        jpeg_destroy_decompress(&d);
        fclose(f);
        return error_set(err, ST_FORMAT, "%s: not a readable JPEG: %s", path, je.msg);
    }
    jpeg_create_decompress(&d);
    jpeg_stdio_src(&d, f);
    jpeg_read_header(&d, TRUE);
    if (w) *w = (int)d.image_width;
    if (h) *h = (int)d.image_height;
    Status big = jpeg_check_size(&d, path, err);
    jpeg_destroy_decompress(&d);
    if (big) {
        fclose(f);
        return big;
    }
    int complete = jpeg_has_eoi(f);
    fclose(f);
    if (!complete) return error_set(err, ST_FORMAT, "%s: truncated JPEG (no end marker)", path);
    return ST_OK;
}

Status jpeg_encode_mem(const Image *img, int quality, uint8_t **out, size_t *len, Error *err) {
    struct jpeg_compress_struct c;
    JpegErr je;
    *out = NULL;
    *len = 0;
    /* libjpeg writes the buffer pointer during the call; keeping it on the
     * heap (not in a local changed after setjmp) lets the error path free it. */
    unsigned char **dest = calloc(1, sizeof *dest);
    unsigned long *size = calloc(1, sizeof *size);
    if (!dest || !size) {
        free(dest);
        free(size);
        return error_set(err, ST_NOMEM, "JPEG encoder: out of memory");
    }
    jpeg_err_init(&je, NULL, &c);
    if (setjmp(je.jump)) {
        jpeg_destroy_compress(&c);
        free(*dest);
        free(dest);
        free(size);
        return error_set(err, ST_FORMAT, "JPEG encoder: %s", je.msg);
    }
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, dest, size);
    c.image_width = (JDIMENSION)img->w;
    c.image_height = (JDIMENSION)img->h;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality < 1 ? 1 : quality > 100 ? 100 : quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = img->rgb + (size_t)c.next_scanline * (size_t)img->w * 3;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *out = *dest;
    *len = *size;
    free(dest);
    free(size);
    return ST_OK;
}

Status jpeg_encode_file(const char *path, const Image *img, int quality, Error *err) {
    uint8_t *buf;
    size_t len;
    Error enc = {0};
    Status st = jpeg_encode_mem(img, quality, &buf, &len, &enc);
    if (st) return error_set(err, st, "%s: %s", path, enc.msg);
    st = fileio_write_atomic(path, buf, len, err);
    free(buf);
    return st;
}
