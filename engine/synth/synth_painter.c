/*
 * synth_painter — draws one image of a species; declared in synth.h (the
 * rendering part).
 *
 * One body plan drawn in "bird units" (body length ~0.8, head to +x, y
 * down) through a similarity transform, the Frame (scale, rotation, mirror,
 * placement). The background is painted at quarter resolution (it is out of
 * focus anyway) and upscaled, which keeps a 448 px image to a few
 * milliseconds. Telling parts are painted with mark = 1, so the canvas mask
 * measures their visible area after everything in front of them; the bird
 * is painted with box = 1, which yields the true bounding box. Every random
 * choice comes from the one Rng of the image, drawn in a fixed order, so
 * the order of the draw_* calls in synth_render is part of the dataset.
 */
#include "engine/synth/synth.h"

#include <math.h>
#include <string.h>

#include "engine/base/rng.h"
#include "engine/synth/raster.h"

#define PI_F 3.14159265f

/* A uniform value in [lo, hi) from r. */
static float uni(Rng *r, float lo, float hi) {
    return lo + (hi - lo) * rng_uniform(r);
}

/* -------------------------------------------------------------- colours */

typedef struct Family {
    float back[3], belly[3], wing[3], head[3], legs[3];
} Family;

static const Family families[5] = {
    /* brown */
    {{0.47f, 0.34f, 0.22f},
     {0.86f, 0.79f, 0.66f},
     {0.36f, 0.26f, 0.17f},
     {0.50f, 0.37f, 0.25f},
     {0.74f, 0.58f, 0.52f}},
    /* olive */
    {{0.44f, 0.47f, 0.22f},
     {0.85f, 0.84f, 0.56f},
     {0.33f, 0.36f, 0.19f},
     {0.46f, 0.49f, 0.24f},
     {0.36f, 0.36f, 0.38f}},
    /* grey */
    {{0.50f, 0.52f, 0.55f},
     {0.88f, 0.88f, 0.87f},
     {0.35f, 0.36f, 0.40f},
     {0.45f, 0.46f, 0.50f},
     {0.20f, 0.20f, 0.22f}},
    /* blue */
    {{0.24f, 0.38f, 0.66f},
     {0.80f, 0.82f, 0.86f},
     {0.18f, 0.27f, 0.52f},
     {0.26f, 0.42f, 0.72f},
     {0.22f, 0.22f, 0.25f}},
    /* chestnut */
    {{0.58f, 0.31f, 0.17f},
     {0.92f, 0.73f, 0.56f},
     {0.42f, 0.22f, 0.14f},
     {0.56f, 0.30f, 0.18f},
     {0.60f, 0.50f, 0.45f}},
};

static const float WHITE[3] = {0.96f, 0.96f, 0.94f}, BLACK[3] = {0.08f, 0.08f, 0.09f};
static const float YELLOW[3] = {0.97f, 0.84f, 0.16f}, RED[3] = {0.84f, 0.12f, 0.10f};
static const float ORANGE[3] = {0.95f, 0.50f, 0.12f}, HORN[3] = {0.80f, 0.74f, 0.60f};
static const float RUFOUS[3] = {0.62f, 0.28f, 0.12f}, DARK[3] = {0.20f, 0.14f, 0.10f};

static const float *const beak_colours[4] = {BLACK, YELLOW, ORANGE, HORN};
static const float *const ring_colours[4] = {NULL, WHITE, YELLOW, RED};
static const float *const crown_colours[5] = {NULL, RED, YELLOW, BLACK, WHITE};
static const float *const throat_colours[5] = {NULL, WHITE, BLACK, YELLOW, RED};
static const float *const tip_colours[3] = {NULL, WHITE, BLACK};
static const float *const streak_colours[3] = {NULL, DARK, RUFOUS};

/* c = base with a per-individual brightness and per-channel jitter. */
static void jitter_colour(Rng *r, const float base[3], float amount, float out[3]) {
    float b = 1.0f + uni(r, -amount, amount);
    for (int k = 0; k < 3; k++) {
        float v = base[k] * b * (1.0f + uni(r, -0.5f * amount, 0.5f * amount));
        out[k] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
    }
}

static void mix(const float a[3], const float b[3], float t, float out[3]) {
    for (int k = 0; k < 3; k++) out[k] = a[k] + t * (b[k] - a[k]);
}

/* ------------------------------------------------------- drawing frame */

/* Bird units -> canvas pixels: p = t + s * R(angle) * (flip * x, y). */
typedef struct Frame {
    RasterCanvas *c;
    float m00, m01, m10, m11, tx, ty, s;
} Frame;

static Frame frame_make(RasterCanvas *c, float s, float angle, int mirror, float tx, float ty) {
    float cs = cosf(angle), sn = sinf(angle), f = mirror ? -1.0f : 1.0f;
    return (Frame){c, s * cs * f, -s * sn, s * sn * f, s * cs, tx, ty, s};
}

static void fpt(const Frame *f, float x, float y, float *ox, float *oy) {
    *ox = f->tx + f->m00 * x + f->m01 * y;
    *oy = f->ty + f->m10 * x + f->m11 * y;
}

static void fpts(const Frame *f, const float *in, int n, float *out) {
    for (int i = 0; i < n; i++) fpt(f, in[2 * i], in[2 * i + 1], &out[2 * i], &out[2 * i + 1]);
}

static void f_ellipse(const Frame *f, float x, float y, float rx, float ry, float ang,
                      const RasterPaint *p) {
    float cx, cy;
    fpt(f, x, y, &cx, &cy);
    float ax = f->m00 * cosf(ang) + f->m01 * sinf(ang);
    float ay = f->m10 * cosf(ang) + f->m11 * sinf(ang);
    raster_ellipse(f->c, cx, cy, rx * f->s, ry * f->s, atan2f(ay, ax), p);
}

enum { MAX_PTS = 48 };

static void f_polygon(const Frame *f, const float *xy, int n, const RasterPaint *p) {
    float t[2 * MAX_PTS];
    CHECK(n <= MAX_PTS);
    fpts(f, xy, n, t);
    raster_polygon(f->c, t, n, p);
}

static void f_stroke(const Frame *f, const float *xy, int n, float width, const RasterPaint *p) {
    float t[2 * MAX_PTS];
    CHECK(n <= MAX_PTS);
    fpts(f, xy, n, t);
    raster_stroke(f->c, t, n, width * f->s, p);
}

static void f_ring(const Frame *f, float x, float y, float r_in, float r_out,
                   const RasterPaint *p) {
    float cx, cy;
    fpt(f, x, y, &cx, &cy);
    raster_ring(f->c, cx, cy, r_in * f->s, r_out * f->s, p);
}

/* A paint in bird units: flat when b is NULL, else a gradient a -> b from
 * (x0, y0) to (x1, y1). kind: 0 scenery, 1 bird, 2 telling part. */
static RasterPaint f_paint(const Frame *f, const float a[3], const float b[3], float x0, float y0,
                           float x1, float y1, int kind) {
    RasterPaint p = raster_flat(a[0], a[1], a[2], 1.0f);
    if (b && f) {
        float px0, py0, px1, py1;
        fpt(f, x0, y0, &px0, &py0);
        fpt(f, x1, y1, &px1, &py1);
        p = raster_gradient(a, b, px0, py0, px1, py1, 1.0f);
    }
    p.box = kind >= 1;
    p.mark = kind == 2;
    return p;
}

/* Appends nseg points of the quadratic Bezier p0 -> p2 (control p1),
 * excluding p0, to xy at *n. */
static void bezier(float *xy, int *n, const float p0[2], const float p1[2], const float p2[2],
                   int nseg) {
    for (int i = 1; i <= nseg; i++) {
        float t = (float)i / (float)nseg, u = 1.0f - t;
        CHECK(*n < MAX_PTS);
        xy[2 * *n] = u * u * p0[0] + 2 * u * t * p1[0] + t * t * p2[0];
        xy[2 * *n + 1] = u * u * p0[1] + 2 * u * t * p1[1] + t * t * p2[1];
        (*n)++;
    }
}

static void bezier_at(const float p0[2], const float p1[2], const float p2[2], float t,
                      float o[2]) {
    float u = 1.0f - t;
    o[0] = u * u * p0[0] + 2 * u * t * p1[0] + t * t * p2[0];
    o[1] = u * u * p0[1] + 2 * u * t * p1[1] + t * t * p2[1];
}

/* ----------------------------------------------------------------- bird */

/* One individual: the species' attributes plus this image's jitter. All
 * lengths in bird units. */
typedef struct Bird {
    const uint8_t *attr;
    float back[3], belly[3], wing[3], head_col[3], legs[3];
    float body_rx, body_ry, body_ang;
    float head[2], head_r;
    float tail_root[2], tail_ang, tail_len, tail_w0, tail_w1;
    float shoulder[2], wing_tip[2], wing_top[2], wing_bot[2];
    float beak_len, beak_depth, beak_ang;
    float bar_u[2], crown_w, throat_r, ring_w, tip_frac;
    int streaks;
    float foot_y, perch_r;
} Bird;

static void bird_make(Bird *b, const uint8_t *attr, Rng *r) {
    const Family *fam = &families[attr[SYNTH_FAMILY]];
    b->attr = attr;
    jitter_colour(r, fam->back, 0.08f, b->back);
    jitter_colour(r, fam->belly, 0.05f, b->belly);
    jitter_colour(r, fam->wing, 0.08f, b->wing);
    jitter_colour(r, fam->head, 0.08f, b->head_col);
    jitter_colour(r, fam->legs, 0.08f, b->legs);
    b->body_rx = 0.40f * uni(r, 0.95f, 1.05f);
    b->body_ry = 0.25f * uni(r, 0.94f, 1.06f);
    b->body_ang = -0.42f + uni(r, -0.08f, 0.08f);
    b->head[0] = 0.36f + uni(r, -0.02f, 0.02f);
    b->head[1] = -0.31f + uni(r, -0.02f, 0.02f);
    b->head_r = 0.16f * uni(r, 0.95f, 1.05f);
    b->tail_root[0] = -0.27f;
    b->tail_root[1] = 0.10f;
    b->tail_ang = 2.55f + uni(r, -0.15f, 0.15f);
    b->tail_len = 0.50f * uni(r, 0.9f, 1.1f);
    b->tail_w0 = 0.11f;
    b->tail_w1 = 0.16f * uni(r, 0.9f, 1.1f);
    b->shoulder[0] = 0.20f;
    b->shoulder[1] = -0.15f;
    b->wing_tip[0] = -0.58f + uni(r, -0.04f, 0.04f);
    b->wing_tip[1] = 0.22f + uni(r, -0.03f, 0.03f);
    b->wing_top[0] = -0.12f;
    b->wing_top[1] = -0.26f;
    b->wing_bot[0] = -0.04f;
    b->wing_bot[1] = 0.22f;
    static const float lengths[3] = {0.11f, 0.17f, 0.25f};
    static const float depths[3] = {0.115f, 0.055f, 0.08f};
    b->beak_len = lengths[attr[SYNTH_BEAK_LENGTH]] * uni(r, 0.93f, 1.07f);
    b->beak_depth = depths[attr[SYNTH_BEAK_SHAPE]] * uni(r, 0.92f, 1.08f);
    b->beak_ang = 0.12f + uni(r, -0.08f, 0.08f);
    b->bar_u[0] = 0.30f + uni(r, -0.02f, 0.02f);
    b->bar_u[1] = 0.45f + uni(r, -0.02f, 0.02f);
    b->crown_w = 0.06f * uni(r, 0.9f, 1.1f);
    b->throat_r = 0.09f * uni(r, 0.9f, 1.1f);
    b->ring_w = 0.024f * uni(r, 0.9f, 1.1f);
    b->tip_frac = 0.28f * uni(r, 0.9f, 1.1f);
    b->streaks = 5 + (int)rng_below(r, 4);
    b->foot_y = 0.47f;
    b->perch_r = 0.045f * uni(r, 0.8f, 1.6f);
}

/* Silhouette points (bird units) whose bounding box is the bird's. */
static int bird_outline(const Bird *b, float *xy) {
    int n = 0;
    for (int i = 0; i < 12; i++) {
        float t = 2.0f * PI_F * (float)i / 12.0f, cs = cosf(b->body_ang), sn = sinf(b->body_ang);
        float u = b->body_rx * cosf(t), v = b->body_ry * sinf(t);
        xy[2 * n] = u * cs - v * sn;
        xy[2 * n + 1] = u * sn + v * cs;
        n++;
    }
    for (int i = 0; i < 8; i++) {
        float t = 2.0f * PI_F * (float)i / 8.0f;
        xy[2 * n] = b->head[0] + b->head_r * cosf(t);
        xy[2 * n + 1] = b->head[1] + b->head_r * sinf(t);
        n++;
    }
    float dx = cosf(b->tail_ang), dy = sinf(b->tail_ang);
    float ex = b->tail_root[0] + dx * b->tail_len, ey = b->tail_root[1] + dy * b->tail_len;
    xy[2 * n] = ex - dy * b->tail_w1 * 0.5f;
    xy[2 * n + 1] = ey + dx * b->tail_w1 * 0.5f;
    n++;
    xy[2 * n] = ex + dy * b->tail_w1 * 0.5f;
    xy[2 * n + 1] = ey - dx * b->tail_w1 * 0.5f;
    n++;
    xy[2 * n] = b->head[0] + 0.13f + b->beak_len * cosf(b->beak_ang);
    xy[2 * n + 1] = b->head[1] + 0.035f + b->beak_len * sinf(b->beak_ang);
    n++;
    xy[2 * n] = 0.10f;
    xy[2 * n + 1] = b->foot_y;
    n++;
    xy[2 * n] = -0.08f;
    xy[2 * n + 1] = b->foot_y;
    n++;
    return n;
}

static void draw_tail(const Frame *f, const Bird *b) {
    float dx = cosf(b->tail_ang), dy = sinf(b->tail_ang), nx = -dy, ny = dx;
    const float *R = b->tail_root;
    float L = b->tail_len;
    /* Half-width along the tail, then the rounded end. */
    float pts[2 * 8];
    float hw0 = 0.5f * b->tail_w0, hw1 = 0.5f * b->tail_w1, ex = R[0] + dx * L, ey = R[1] + dy * L;
    float quad[8][2] = {
        {R[0] + nx * hw0, R[1] + ny * hw0},
        {ex + nx * hw1, ey + ny * hw1},
        {ex + dx * 0.02f + nx * hw1 * 0.5f, ey + dy * 0.02f + ny * hw1 * 0.5f},
        {ex + dx * 0.03f, ey + dy * 0.03f},
        {ex + dx * 0.02f - nx * hw1 * 0.5f, ey + dy * 0.02f - ny * hw1 * 0.5f},
        {ex - nx * hw1, ey - ny * hw1},
        {R[0] - nx * hw0, R[1] - ny * hw0},
        {R[0] - dx * 0.05f, R[1] - dy * 0.05f},
    };
    memcpy(pts, quad, sizeof pts);
    RasterPaint p = f_paint(f, b->wing, b->back, R[0], R[1], ex, ey, 1);
    f_polygon(f, pts, 8, &p);
    /* Feather edges: thin darker lines along the tail. */
    RasterPaint line = f_paint(f, b->wing, NULL, 0, 0, 0, 0, 1);
    for (int k = 0; k < 3; k++) line.rgb[k] *= 0.7f;
    line.alpha = 0.6f;
    for (int i = -1; i <= 1; i += 2) {
        float o = 0.3f * (float)i;
        float seg[4] = {R[0] + dx * 0.1f + nx * hw0 * o, R[1] + dy * 0.1f + ny * hw0 * o,
                        ex + nx * hw1 * o, ey + ny * hw1 * o};
        f_stroke(f, seg, 2, 0.008f, &line);
    }
    const float *tip = tip_colours[b->attr[SYNTH_TAIL_TIP]];
    if (!tip) return;
    float t0 = 1.0f - b->tip_frac, hwt = hw0 + (hw1 - hw0) * t0;
    float sx = R[0] + dx * L * t0, sy = R[1] + dy * L * t0;
    float tq[6][2] = {
        {sx + nx * hwt, sy + ny * hwt}, {ex + nx * hw1, ey + ny * hw1},
        {quad[2][0], quad[2][1]},       {quad[3][0], quad[3][1]},
        {quad[4][0], quad[4][1]},       {ex - nx * hw1, ey - ny * hw1},
    };
    float tp[2 * 7];
    memcpy(tp, tq, sizeof tq);
    tp[12] = sx - nx * hwt;
    tp[13] = sy - ny * hwt;
    RasterPaint tpaint = f_paint(f, tip, NULL, 0, 0, 0, 0, 2);
    f_polygon(f, tp, 7, &tpaint);
}

static void draw_legs(const Frame *f, const Bird *b) {
    RasterPaint p = f_paint(f, b->legs, NULL, 0, 0, 0, 0, 1);
    for (int i = 0; i < 2; i++) {
        float x = i == 0 ? 0.05f : -0.07f, fy = b->foot_y;
        float leg[6] = {x, 0.18f, x + 0.015f, 0.33f, x + 0.03f, fy};
        f_stroke(f, leg, 3, 0.026f, &p);
        float toes[6] = {x + 0.11f, fy + 0.005f, x + 0.03f, fy, x - 0.04f, fy + 0.005f};
        f_stroke(f, toes, 3, 0.02f, &p);
    }
}

static void draw_body(const Frame *f, const Bird *b) {
    RasterPaint body = f_paint(f, b->back, b->belly, 0.04f, -0.22f, -0.04f, 0.20f, 1);
    f_ellipse(f, 0.0f, 0.0f, b->body_rx, b->body_ry, b->body_ang, &body);
    /* Chest and neck join the body to the head. */
    RasterPaint chest = f_paint(f, b->back, b->belly, 0.22f, -0.30f, 0.34f, -0.05f, 1);
    f_ellipse(f, 0.27f, -0.14f, 0.15f, 0.13f, -0.7f, &chest);
    f_ellipse(f, b->head[0] - 0.08f, b->head[1] + 0.08f, 0.15f, 0.12f, -0.8f, &chest);
    f_ellipse(f, b->head[0] - 0.15f, b->head[1] + 0.07f, 0.13f, 0.09f, -0.5f, &chest);
    /* The chin and throat, under the bill: pale like the underparts. */
    RasterPaint chin = f_paint(f, b->head_col, b->belly, b->head[0], b->head[1] - 0.02f,
                               b->head[0] + 0.02f, b->head[1] + 0.12f, 1);
    f_ellipse(f, b->head[0] + 0.03f, b->head[1] + 0.09f, 0.12f, 0.10f, -0.4f, &chin);
}

static void draw_streaks(const Frame *f, const Bird *b, Rng *r) {
    /* Always draw the same number of random values, present or not, so
     * that other choices of the image do not depend on this attribute. */
    float pos[16][2];
    for (int i = 0; i < 16; i++) {
        pos[i][0] = uni(r, 0.06f, 0.38f);
        pos[i][1] = uni(r, -0.10f, 0.18f);
    }
    const float *col = streak_colours[b->attr[SYNTH_STREAKS]];
    if (!col) return;
    RasterPaint p = f_paint(f, col, NULL, 0, 0, 0, 0, 2);
    float cs = cosf(b->body_ang), sn = sinf(b->body_ang);
    int drawn = 0;
    for (int i = 0; i < 16 && drawn < b->streaks; i++) {
        float x = pos[i][0], y = pos[i][1];
        /* Keep the whole streak inside the body or the chest. */
        float u = x * cs + y * sn, v = -x * sn + y * cs;
        float eb = (u / (b->body_rx - 0.05f)) * (u / (b->body_rx - 0.05f)) +
                   (v / (b->body_ry - 0.07f)) * (v / (b->body_ry - 0.07f));
        if (eb > 1.0f || y < -0.02f + (x - 0.06f) * -0.5f) continue;
        float seg[4] = {x, y, x + 0.018f, y + 0.07f};
        f_stroke(f, seg, 2, 0.026f, &p);
        drawn++;
    }
}

static void draw_wing(const Frame *f, const Bird *b) {
    float pts[2 * MAX_PTS];
    int n = 1;
    pts[0] = b->shoulder[0];
    pts[1] = b->shoulder[1];
    bezier(pts, &n, b->shoulder, b->wing_top, b->wing_tip, 10);
    bezier(pts, &n, b->wing_tip, b->wing_bot, b->shoulder, 10);
    n--; /* the last point repeats the shoulder */
    float darker[3];
    mix(b->wing, BLACK, 0.25f, darker);
    RasterPaint p = f_paint(f, b->wing, darker, b->shoulder[0], b->shoulder[1], b->wing_tip[0],
                            b->wing_tip[1], 1);
    f_polygon(f, pts, n, &p);
    /* Flight-feather edges: lengthwise pale lines near the tip. */
    float pale[3];
    mix(b->wing, WHITE, 0.35f, pale);
    RasterPaint edge = f_paint(f, pale, NULL, 0, 0, 0, 0, 1);
    edge.alpha = 0.55f;
    for (int i = 0; i < 3; i++) {
        float a[2], c[2], w = 0.3f + 0.2f * (float)i;
        float top[2], bot[2];
        bezier_at(b->shoulder, b->wing_top, b->wing_tip, 0.62f, top);
        bezier_at(b->shoulder, b->wing_bot, b->wing_tip, 0.62f, bot);
        a[0] = top[0] + w * (bot[0] - top[0]);
        a[1] = top[1] + w * (bot[1] - top[1]);
        c[0] = a[0] + 0.75f * (b->wing_tip[0] - a[0]);
        c[1] = a[1] + 0.75f * (b->wing_tip[1] - a[1]);
        float seg[4] = {a[0], a[1], c[0], c[1]};
        f_stroke(f, seg, 2, 0.008f, &edge);
    }
    int bars = b->attr[SYNTH_WING_BARS];
    if (bars == 0) return;
    const float *col = bars <= 2 ? WHITE : YELLOW;
    int count = bars == 1 || bars == 3 ? 1 : 2;
    RasterPaint bp = f_paint(f, col, NULL, 0, 0, 0, 0, 2);
    for (int i = 0; i < count; i++) {
        float u = count == 1 ? 0.5f * (b->bar_u[0] + b->bar_u[1]) : b->bar_u[i];
        float top[2], bot[2];
        bezier_at(b->shoulder, b->wing_top, b->wing_tip, u, top);
        bezier_at(b->shoulder, b->wing_bot, b->wing_tip, u, bot);
        float seg[6] = {top[0] + 0.15f * (bot[0] - top[0]), top[1] + 0.15f * (bot[1] - top[1]),
                        0.5f * (top[0] + bot[0]) - 0.01f,   0.5f * (top[1] + bot[1]),
                        top[0] + 0.85f * (bot[0] - top[0]), top[1] + 0.85f * (bot[1] - top[1])};
        f_stroke(f, seg, 3, 0.045f, &bp);
    }
}

static void draw_head(const Frame *f, const Bird *b) {
    const float *h = b->head;
    float r = b->head_r;
    RasterPaint p = f_paint(f, b->head_col, b->belly, h[0] - 0.03f, h[1] - 0.2f * r, h[0] + 0.06f,
                            h[1] + 0.95f * r, 1);
    f_ring(f, h[0], h[1], 0.0f, r, &p);
    const float *crown = crown_colours[b->attr[SYNTH_CROWN]];
    if (crown) {
        float arc[2 * 9], rc = r - 0.6f * b->crown_w;
        for (int i = 0; i < 9; i++) {
            float t = (-2.75f + 2.15f * (float)i / 8.0f);
            arc[2 * i] = h[0] + rc * cosf(t);
            arc[2 * i + 1] = h[1] + rc * sinf(t);
        }
        RasterPaint cp = f_paint(f, crown, NULL, 0, 0, 0, 0, 2);
        f_stroke(f, arc, 9, b->crown_w, &cp);
    }
    const float *throat = throat_colours[b->attr[SYNTH_THROAT]];
    if (throat) {
        RasterPaint tp = f_paint(f, throat, NULL, 0, 0, 0, 0, 2);
        f_ellipse(f, h[0] + 0.05f, h[1] + 0.105f, b->throat_r, 0.75f * b->throat_r, 0.5f, &tp);
    }
    float ex = h[0] + 0.065f, ey = h[1] - 0.02f, er = 0.029f;
    const float *ring = ring_colours[b->attr[SYNTH_EYE_RING]];
    if (ring) {
        RasterPaint rp = f_paint(f, ring, NULL, 0, 0, 0, 0, 2);
        f_ring(f, ex, ey, er, er + b->ring_w, &rp);
    }
    RasterPaint eye = f_paint(f, (const float[3]){0.04f, 0.03f, 0.03f}, NULL, 0, 0, 0, 0, 1);
    f_ring(f, ex, ey, 0.0f, er, &eye);
    RasterPaint glint = f_paint(f, WHITE, NULL, 0, 0, 0, 0, 1);
    glint.alpha = 0.85f;
    f_ring(f, ex + 0.009f, ey - 0.009f, 0.0f, 0.008f, &glint);
}

/* The bill's own axes: a base point, the direction it points and its
 * normal towards the chin side. */
typedef struct BeakAxes {
    float base[2], ca, sa;
} BeakAxes;

static void beak_pt(const BeakAxes *a, float along, float across, float out[2]) {
    out[0] = a->base[0] + along * a->ca - across * a->sa;
    out[1] = a->base[1] + along * a->sa + across * a->ca;
}

/* Two mandibles, each a Bezier outline closed back to the gape; the hooked
 * bill's upper mandible overhangs the lower one and curls down. */
static void draw_beak(const Frame *f, const Bird *b) {
    int shape = b->attr[SYNTH_BEAK_SHAPE];
    float L = b->beak_len, D = b->beak_depth;
    BeakAxes ax = {{b->head[0] + 0.13f, b->head[1] + 0.035f}, cosf(b->beak_ang), sinf(b->beak_ang)};
    float top0[2], ctrl[2], tip[2], gape[2], lo_tip[2], lo_ctrl[2], bot0[2], hook[2];
    beak_pt(&ax, -0.03f, -0.5f * D, top0);
    beak_pt(&ax, -0.03f, 0.0f, gape);
    beak_pt(&ax, -0.03f, 0.5f * D, bot0);
    beak_pt(&ax, 0.4f * L, 0.42f * D, lo_ctrl);
    if (shape == 2) {
        beak_pt(&ax, 0.75f * L, -0.55f * D, ctrl);
        beak_pt(&ax, L, 0.35f * D, tip);
        beak_pt(&ax, 0.86f * L, 0.02f * D, hook);
        beak_pt(&ax, 0.82f * L, 0.04f * D, lo_tip);
    } else {
        beak_pt(&ax, 0.45f * L, shape == 0 ? -0.40f * D : -0.50f * D, ctrl);
        beak_pt(&ax, L, 0.0f, tip);
        beak_pt(&ax, 0.5f * L, 0.0f, hook);
        beak_pt(&ax, 0.95f * L, 0.03f * D, lo_tip);
    }
    const float *col = beak_colours[b->attr[SYNTH_BEAK_COLOUR]];
    float shade[3];
    mix(col, BLACK, 0.3f, shade);
    RasterPaint p = f_paint(f, col, shade, top0[0], top0[1], bot0[0], bot0[1], 2);
    float lo[2 * MAX_PTS] = {gape[0], gape[1], lo_tip[0], lo_tip[1]};
    int m = 2;
    bezier(lo, &m, lo_tip, lo_ctrl, bot0, 6);
    f_polygon(f, lo, m, &p);
    float up[2 * MAX_PTS] = {top0[0], top0[1]};
    int n = 1;
    bezier(up, &n, top0, ctrl, tip, 8);
    memcpy(&up[2 * n], hook, sizeof hook);
    memcpy(&up[2 * n + 2], gape, sizeof gape);
    f_polygon(f, up, n + 2, &p);
    RasterPaint line = f_paint(f, shade, NULL, 0, 0, 0, 0, 2);
    line.alpha = 0.7f;
    float seg[4] = {gape[0], gape[1], hook[0], hook[1]};
    f_stroke(f, seg, 2, 0.008f, &line);
}

/* ------------------------------------------------------------- scenery */

static void leaf_shape(float *xy, int n, float cx, float cy, float len, float wid, float ang) {
    float cs = cosf(ang), sn = sinf(ang);
    int half = n / 2;
    for (int i = 0; i < n; i++) {
        int j = i < half ? i : n - i;
        float t = (float)j / (float)half; /* 0 at the stem, 1 at the point */
        float side = i < half ? 1.0f : -1.0f;
        float u = (t - 0.5f) * len, v = side * 0.5f * wid * powf(sinf(PI_F * t), 0.8f);
        xy[2 * i] = cx + u * cs - v * sn;
        xy[2 * i + 1] = cy + u * sn + v * cs;
    }
}

static void draw_leaf(RasterCanvas *c, Rng *r, float cx, float cy, float len, float ang) {
    float xy[2 * 16], g[3] = {uni(r, 0.12f, 0.35f), uni(r, 0.30f, 0.55f), uni(r, 0.08f, 0.20f)};
    leaf_shape(xy, 16, cx, cy, len, len * uni(r, 0.3f, 0.45f), ang);
    float light[3];
    mix(g, (const float[3]){0.8f, 0.9f, 0.5f}, 0.3f, light);
    RasterPaint p = raster_gradient(g, light, xy[0], xy[1], xy[16], xy[17], 1.0f);
    raster_polygon(c, xy, 16, &p);
    RasterPaint rib = raster_flat(light[0], light[1], light[2], 0.6f);
    float seg[4] = {xy[0], xy[1], xy[16], xy[17]};
    raster_stroke(c, seg, 2, fmaxf(0.6f, len * 0.02f), &rib);
}

/* The out-of-focus background, painted into a small canvas. */
static void draw_background(RasterCanvas *bg, Rng *r) {
    int kind = (int)rng_below(r, 5);
    static const float tops[5][3] = {{0.30f, 0.52f, 0.85f},
                                     {0.76f, 0.78f, 0.80f},
                                     {0.10f, 0.22f, 0.09f},
                                     {0.52f, 0.44f, 0.62f},
                                     {0.50f, 0.46f, 0.34f}};
    static const float bottoms[5][3] = {{0.72f, 0.83f, 0.95f},
                                        {0.92f, 0.92f, 0.91f},
                                        {0.30f, 0.42f, 0.16f},
                                        {0.95f, 0.70f, 0.45f},
                                        {0.76f, 0.69f, 0.50f}};
    float top[3], bot[3];
    jitter_colour(r, tops[kind], 0.12f, top);
    jitter_colour(r, bottoms[kind], 0.08f, bot);
    float w = (float)bg->w, h = (float)bg->h, diag = sqrtf(w * w + h * h);
    float slant = uni(r, -0.3f, 0.3f) * w;
    RasterPaint sky = raster_gradient(top, bot, 0.5f * w - slant, 0.0f, 0.5f * w + slant, h, 1.0f);
    raster_fill(bg, &sky);
    int clouds = kind == 0 ? (int)rng_below(r, 6) : 0;
    for (int i = 0; i < clouds; i++) {
        RasterPaint p = raster_flat(0.97f, 0.97f, 0.98f, uni(r, 0.25f, 0.6f));
        raster_blob(bg, uni(r, 0, w), uni(r, 0, h), uni(r, 0.1f, 0.3f) * diag, 0.2f, &p);
    }
    int foliage = kind == 2   ? 25 + (int)rng_below(r, 35)
                  : kind == 4 ? 8 + (int)rng_below(r, 15)
                              : (rng_below(r, 10) < 6 ? 4 + (int)rng_below(r, 20) : 0);
    for (int i = 0; i < foliage; i++) {
        float g[3] = {uni(r, 0.05f, 0.45f), uni(r, 0.18f, 0.60f), uni(r, 0.04f, 0.25f)};
        if (kind == 4) mix(g, (const float[3]){0.55f, 0.45f, 0.25f}, 0.5f, g);
        RasterPaint p = raster_flat(g[0], g[1], g[2], uni(r, 0.35f, 0.9f));
        float y = kind == 2 ? uni(r, 0, h) : uni(r, 0.35f * h, 1.1f * h);
        raster_blob(bg, uni(r, -0.1f * w, 1.1f * w), y, uni(r, 0.03f, 0.18f) * diag,
                    uni(r, 0.2f, 0.8f), &p);
    }
    int branches = (int)rng_below(r, 3);
    for (int i = 0; i < branches; i++) {
        float c0 = uni(r, 0.15f, 0.35f);
        RasterPaint p = raster_flat(c0, c0 * 0.8f, c0 * 0.6f, uni(r, 0.3f, 0.7f));
        float seg[4] = {uni(r, -0.2f, 1.2f) * w, uni(r, 0, h), uni(r, -0.2f, 1.2f) * w,
                        uni(r, 0, h)};
        raster_stroke(bg, seg, 2, uni(r, 0.01f, 0.04f) * diag, &p);
    }
}

/* The branch the bird stands on, through the feet, slightly sloped. */
static void draw_perch(const Frame *f, const Bird *b, Rng *r) {
    /* Along the bird's body axis, pointing right whether mirrored or not,
     * so that (dy, -dx) is "up" for the light and the twigs. */
    float fx, fy, dx = f->m00 < 0 ? -f->m00 : f->m00, dy = f->m00 < 0 ? -f->m10 : f->m10;
    float len = sqrtf(dx * dx + dy * dy);
    float ang = atan2f(dy, dx) + uni(r, -0.08f, 0.08f);
    dx = cosf(ang);
    dy = sinf(ang);
    fpt(f, 0.0f, b->foot_y + b->perch_r, &fx, &fy);
    float reach = (float)(f->c->w + f->c->h);
    float a = uni(r, 0.3f, 1.0f) * reach, c = uni(r, 0.3f, 1.0f) * reach;
    float seg[4] = {fx - dx * a, fy - dy * a, fx + dx * c, fy + dy * c};
    float base = uni(r, 0.25f, 0.45f);
    float dark[3] = {base, base * 0.78f, base * 0.58f}, light[3];
    mix(dark, (const float[3]){0.85f, 0.80f, 0.70f}, 0.35f, light);
    float wpx = 2.0f * b->perch_r * len;
    /* Lit from above: the gradient runs across the branch. */
    RasterPaint p = raster_gradient(light, dark, fx + dy * wpx * 0.5f, fy - dx * wpx * 0.5f,
                                    fx - dy * wpx * 0.5f, fy + dx * wpx * 0.5f, 1.0f);
    raster_stroke(f->c, seg, 2, wpx, &p);
    int twigs = (int)rng_below(r, 3);
    for (int i = 0; i < twigs; i++) {
        float t = uni(r, -0.9f, 0.9f) * reach * 0.3f;
        float sx = fx + dx * t, sy = fy + dy * t, ta = ang + uni(r, -2.2f, -0.9f);
        float tl = uni(r, 0.15f, 0.4f) * len;
        float tw[4] = {sx, sy, sx + cosf(ta) * tl, sy + sinf(ta) * tl};
        raster_stroke(f->c, tw, 2, wpx * 0.4f, &p);
        draw_leaf(f->c, r, tw[2] + cosf(ta) * 0.08f * len, tw[3] + sinf(ta) * 0.08f * len,
                  uni(r, 0.18f, 0.3f) * len, ta + uni(r, -0.5f, 0.5f));
    }
}

/* Leaves in front of the bird, sometimes hiding part of it. */
static void draw_occluders(RasterCanvas *c, const Frame *f, Rng *r) {
    int n = rng_below(r, 100) < 30 ? 1 + (int)rng_below(r, 3) : 0;
    for (int i = 0; i < n; i++) {
        float x, y;
        fpt(f, uni(r, -0.6f, 0.6f), uni(r, -0.4f, 0.5f), &x, &y);
        draw_leaf(c, r, x, y, uni(r, 0.2f, 0.4f) * f->s, uni(r, 0.0f, 2.0f * PI_F));
    }
}

/* ------------------------------------------------------------- render */

void synth_renderer_init(SynthRenderer *r) {
    memset(r, 0, sizeof *r);
}

void synth_renderer_fini(SynthRenderer *r) {
    if (!r) return;
    raster_fini(&r->scene);
    raster_fini(&r->background);
}

/* Image size: longer side 0.75..1.1 x nominal, mostly landscape as in CUB. */
static void pick_size(Rng *r, int size, int *w, int *h) {
    float longer = (float)size * uni(r, 0.75f, 1.1f);
    unsigned k = rng_below(r, 20);
    float ratio = k < 13 ? uni(r, 1.25f, 1.55f) : k < 16 ? uni(r, 1.0f, 1.15f) : uni(r, 1.2f, 1.5f);
    int a = (int)lroundf(longer), bb = (int)lroundf(longer / ratio);
    if (k < 16) {
        *w = a;
        *h = bb;
    } else {
        *w = bb;
        *h = a;
    }
}

/* Scale and place the bird: bird width 35-80% of the image width (less if
 * it would not fit in height), rotation +-20 degrees, random mirror. */
static Frame place_bird(RasterCanvas *c, const Bird *b, Rng *r) {
    float angle = uni(r, -0.35f, 0.35f);
    int mirror = (int)rng_below(r, 2);
    float frac = uni(r, 0.35f, 0.80f);
    float pts[2 * 32];
    int n = bird_outline(b, pts);
    Frame unit = frame_make(c, 1.0f, angle, mirror, 0.0f, 0.0f);
    float minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (int i = 0; i < n; i++) {
        float x, y;
        fpt(&unit, pts[2 * i], pts[2 * i + 1], &x, &y);
        minx = fminf(minx, x);
        maxx = fmaxf(maxx, x);
        miny = fminf(miny, y);
        maxy = fmaxf(maxy, y);
    }
    float W = (float)c->w, H = (float)c->h;
    float s = frac * W / (maxx - minx);
    if (s * (maxy - miny) > 0.9f * H) s = 0.9f * H / (maxy - miny);
    float bw = s * (maxx - minx), bh = s * (maxy - miny);
    float left = uni(r, 0.03f * W, fmaxf(0.03f * W, 0.97f * W - bw));
    float top = uni(r, 0.04f * H, fmaxf(0.04f * H, 0.96f * H - bh));
    return frame_make(c, s, angle, mirror, left - s * minx, top - s * miny);
}

/* Lighting, colour temperature, haze and sensor noise of the whole photo. */
static void develop(RasterCanvas *c, Rng *r) {
    float bright = uni(r, 0.75f, 1.15f), temp = uni(r, -0.08f, 0.08f);
    float tint = uni(r, -0.03f, 0.03f), haze = uni(r, 0.0f, 0.06f);
    float gain[3] = {bright * (1.0f + temp), bright * (1.0f + tint), bright * (1.0f - temp)};
    float bias[3] = {haze, haze, haze};
    raster_adjust(c, gain, bias);
    raster_noise(c, r, uni(r, 0.004f, 0.025f), 0.5f);
}

Status synth_render(SynthRenderer *rd, const SynthClass *cls, uint64_t image_seed, int size,
                    Image *img, SynthSample *sample, Error *err) {
    Rng r;
    rng_seed(&r, image_seed);
    int w, h;
    pick_size(&r, size, &w, &h);
    int bw = (w + 3) / 4, bh = (h + 3) / 4;
    if (raster_reshape(&rd->scene, w, h) || raster_reshape(&rd->background, bw, bh))
        return error_set(err, ST_NOMEM, "synth: out of memory for a %d x %d canvas", w, h);
    Bird bird;
    bird_make(&bird, cls->attr, &r);
    draw_background(&rd->background, &r);
    raster_upscale(&rd->background, &rd->scene);
    Frame f = place_bird(&rd->scene, &bird, &r);
    draw_perch(&f, &bird, &r);
    draw_tail(&f, &bird);
    draw_legs(&f, &bird);
    draw_body(&f, &bird);
    draw_streaks(&f, &bird, &r);
    draw_wing(&f, &bird);
    draw_head(&f, &bird);
    draw_beak(&f, &bird);
    draw_occluders(&rd->scene, &f, &r);
    develop(&rd->scene, &r);
    int quality = 70 + (int)rng_below(&r, 26);
    if (raster_to_image(&rd->scene, img))
        return error_set(err, ST_NOMEM, "synth: out of memory for a %d x %d image", w, h);
    if (sample) {
        const int *box = rd->scene.box;
        if (box[2] < box[0]) { /* cannot happen: the bird is always in view */
            sample->bbox[0] = sample->bbox[1] = 0.0f;
            sample->bbox[2] = (float)w;
            sample->bbox[3] = (float)h;
        } else {
            sample->bbox[0] = (float)box[0];
            sample->bbox[1] = (float)box[1];
            sample->bbox[2] = (float)(box[2] - box[0] + 1);
            sample->bbox[3] = (float)(box[3] - box[1] + 1);
        }
        sample->part_fraction = raster_mask_area(&rd->scene) / ((double)w * h);
        sample->quality = quality;
    }
    return ST_OK;
}
