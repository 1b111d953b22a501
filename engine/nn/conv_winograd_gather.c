/*
 * conv_winograd_gather — the Winograd convolution's tiles for small planes:
 * when a tile row holds fewer tiles than a run pays for (images of 28 px or
 * less), runs along rows would leave most lanes empty; here all 16 lanes
 * take consecutive tiles across rows and images, each tile's values
 * gathered and scattered one by one. Same values as conv_winograd_strip.c,
 * other speed.
 */
#include <string.h>

#include "engine/nn/conv_winograd.h"

/* The tiles of one lane group: image and top-left input position (-1:
 * the padding row or column) of lanes 0..n-1. */
typedef struct TileGroup {
    int n;
    int img[WINO_LANES], y0[WINO_LANES], x0[WINO_LANES];
} TileGroup;

/* The group of tiles t0 + g .. of the block (fewer than WINO_LANES at the
 * block's end): one division for the first, then a walk along the rows. */
static void wino_group(const Wino *w, int g, TileGroup *tg) {
    int t = w->t0 + g, per = w->th * w->tw;
    tg->n = w->tb - g < WINO_LANES ? w->tb - g : WINO_LANES;
    int img = t / per, ty = t % per / w->tw, tx = t % w->tw;
    for (int q = 0; q < tg->n; q++) {
        tg->img[q] = img;
        tg->y0[q] = 4 * ty - 1;
        tg->x0[q] = 4 * tx - 1;
        if (++tx == w->tw) {
            tx = 0;
            if (++ty == w->th) ty = 0, img++;
        }
    }
}

/* V[.][c][.] of the block for input channel c (task): V = B^T d B. Patches
 * inside the image are copied row by row; those at its edges read zeros
 * outside. */
WINO_CLONES static void wino_gather_input(void *ctx, int c, int worker) {
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int H = l->in.h, W = l->in.w, cin = l->in.c;
    for (int g = 0; g < w->ld; g += WINO_LANES) {
        Lanes d[WINO_POS], v[WINO_POS];
        TileGroup tg = {0};
        if (g < w->tb) wino_group(w, g, &tg);
        for (int q = tg.n; q < WINO_LANES; q++)
            for (int e = 0; e < WINO_POS; e++) d[e][q] = 0;
        for (int q = 0; q < tg.n; q++) {
            int y0 = tg.y0[q], x0 = tg.x0[q];
            const float *src = tensor_sample(w->x, tg.img[q]) + (size_t)c * H * W;
            if (y0 >= 0 && x0 >= 0 && y0 + 6 <= H && x0 + 6 <= W) {
                for (int i = 0; i < 6; i++) {
                    const float *row = src + (size_t)(y0 + i) * W + x0;
                    for (int j = 0; j < 6; j++) d[i * 6 + j][q] = row[j];
                }
                continue;
            }
            for (int i = 0; i < 6; i++) {
                int yy = y0 + i;
                for (int j = 0; j < 6; j++) {
                    int xx = x0 + j;
                    d[i * 6 + j][q] =
                        yy >= 0 && yy < H && xx >= 0 && xx < W ? src[(size_t)yy * W + xx] : 0;
                }
            }
        }
        WINO_2D(wino_bt, 6, 6, 6, 6, d, v);
        for (int xi = 0; xi < WINO_POS; xi++)
            memcpy(w->V + ((size_t)xi * cin + c) * w->ld + g, v[xi], sizeof(Lanes));
    }
}

/* dX[.][c] += B dV B^T over the block's tiles, for input channel c (task). */
WINO_CLONES static void wino_gather_input_grad(void *ctx, int c, int worker) {
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int H = l->in.h, W = l->in.w, cin = l->in.c;
    if (w->t0 == 0) wino_zero_planes(w->dx, c);
    for (int g = 0; g < w->ld && g < w->tb; g += WINO_LANES) {
        Lanes dv[WINO_POS], dd[WINO_POS];
        for (int xi = 0; xi < WINO_POS; xi++)
            memcpy(dv[xi], w->V + ((size_t)xi * cin + c) * w->ld + g, sizeof(Lanes));
        WINO_2D(wino_b, 6, 6, 6, 6, dv, dd);
        TileGroup tg;
        wino_group(w, g, &tg);
        for (int q = 0; q < tg.n; q++) {
            int y0 = tg.y0[q], x0 = tg.x0[q];
            float *dst = tensor_sample(w->dx, tg.img[q]) + (size_t)c * H * W;
            for (int i = 0; i < 6; i++) {
                int yy = y0 + i;
                if (yy < 0 || yy >= H) continue;
                for (int j = 0; j < 6; j++) {
                    int xx = x0 + j;
                    if (xx >= 0 && xx < W) dst[(size_t)yy * W + xx] += dd[i * 6 + j][q];
                }
            }
        }
    }
}

/* y[.][o] of the block's tiles from M, plus the bias, for output channel o. */
WINO_CLONES static void wino_gather_output(void *ctx, int o, int worker) {
    (void)worker;
    Wino *w = ctx;
    int H = w->l->out.h, W = w->l->out.w, relu = ((const Conv *)w->l->priv)->relu;
    float bias = wino_bias(w->l, o);
    for (int g = 0; g < w->ld && g < w->tb; g += WINO_LANES) {
        Lanes y[16];
        wino_output_tiles(w, o, g, y);
        TileGroup tg;
        wino_group(w, g, &tg);
        for (int q = 0; q < tg.n; q++) {
            int y0 = tg.y0[q] + 1, x0 = tg.x0[q] + 1; /* the output tile: 1 past the patch */
            float *dst = tensor_sample(w->y, tg.img[q]) + (size_t)o * H * W + (size_t)y0 * W + x0;
            int rows = H - y0 < 4 ? H - y0 : 4, cols = W - x0 < 4 ? W - x0 : 4;
            if (relu) {
                for (int i = 0; i < rows; i++, dst += W)
                    for (int j = 0; j < cols; j++) {
                        float v = y[i * 4 + j][q] + bias;
                        dst[j] = v > 0.0f ? v : 0.0f;
                    }
            } else if (rows == 4 && cols == 4) {
                for (int i = 0; i < 4; i++, dst += W)
                    for (int j = 0; j < 4; j++) dst[j] = y[i * 4 + j][q] + bias;
            } else {
                for (int i = 0; i < rows; i++, dst += W)
                    for (int j = 0; j < cols; j++) dst[j] = y[i * 4 + j][q] + bias;
            }
        }
    }
}

/* M[.][o] of the block = A dY A^T (dM), for output channel o (task). */
WINO_CLONES static void wino_gather_output_grad(void *ctx, int o, int worker) {
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int H = l->out.h, W = l->out.w, cout = l->out.c;
    int relu = ((const Conv *)l->priv)->relu;
    for (int g = 0; g < w->ld; g += WINO_LANES) {
        Lanes dy[16], dm[WINO_POS];
        TileGroup tg = {0};
        if (g < w->tb) wino_group(w, g, &tg);
        for (int q = tg.n; q < WINO_LANES; q++)
            for (int e = 0; e < 16; e++) dy[e][q] = 0;
        for (int q = 0; q < tg.n; q++) {
            int y0 = tg.y0[q] + 1, x0 = tg.x0[q] + 1;
            size_t plane = (size_t)o * H * W;
            const float *src = tensor_sample(w->dy, tg.img[q]) + plane;
            const float *out = relu ? tensor_sample(w->y_in, tg.img[q]) + plane : NULL;
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) {
                    size_t at = (size_t)(y0 + i) * W + x0 + j;
                    int in = y0 + i < H && x0 + j < W;
                    dy[i * 4 + j][q] = in && (!out || out[at] > 0.0f) ? src[at] : 0;
                }
        }
        WINO_2D(wino_a, 4, 4, 6, 6, dy, dm);
        for (int xi = 0; xi < WINO_POS; xi++)
            memcpy(w->M + ((size_t)xi * cout + o) * w->ld + g, dm[xi], sizeof(Lanes));
    }
}

const WinoTiles wino_gather = {
    .name = "gather",
    .input = wino_gather_input,
    .input_grad = wino_gather_input_grad,
    .output = wino_gather_output,
    .output_grad = wino_gather_output_grad,
};
