/*
 * featkey — the feature cache's keys. See featkey.h.
 *
 * Every value goes through hash.h's framed helpers in one fixed order, and
 * the order starts with a format tag: a change to what the features mean
 * (a new input, another view rule) bumps the tag, so old files are never
 * taken for new ones. A view that draws nothing (the centre views, the
 * test images) leaves its seed out, so runs with other random_seed values
 * share those parts.
 */
#include "engine/train/featkey.h"

#include <stdio.h>
#include <string.h>

#include "engine/train/featcache.h"

#define FEATKEY_FORMAT "finelab-featcache-1"

static const char *const featkey_levels[FEAT_LEVELS] = {"backbone", "pooled"};

const char *featkey_level_name(FeatLevel l) {
    return l >= 0 && l < FEAT_LEVELS ? featkey_levels[l] : "?";
}

int featkey_level_parse(const char *s, FeatLevel *out) {
    for (int l = 0; l < FEAT_LEVELS; l++)
        if (strcmp(s, featkey_levels[l]) == 0) {
            *out = (FeatLevel)l;
            return 0;
        }
    return -1;
}

/* 1 when loader settings c draw anything from their seed. */
static int featkey_draws(const LoaderConfig *c) {
    return c->random_crop || c->mirror == 1 || augment_any(&c->aug);
}

static void featkey_add_view(Hash *h, const LoaderConfig *c) {
    hash_add_u64(h, (uint64_t)c->resize);
    hash_add_u64(h, (uint64_t)c->resolution);
    hash_add_u64(h, (uint64_t)c->filter);
    hash_add_u64(h, (uint64_t)c->random_crop);
    hash_add_u64(h, (uint64_t)c->mirror);
    hash_add_u64(h, (uint64_t)c->crop_to_bbox);
    hash_add_f64(h, c->crop_to_bbox ? c->bbox_margin : 0);
    const Normalize *m = &c->norm;
    hash_add_u64(h, (uint64_t)m->bgr);
    hash_add_f32s(h, &m->scale, 1);
    hash_add_f32s(h, m->mean, 3);
    hash_add_f32s(h, m->std, 3);
    const Augment *a = &c->aug;
    hash_add_u64(h, (uint64_t)a->resized_crop);
    const double nums[] = {a->area[0], a->area[1],    a->ratio[0], a->ratio[1],
                           a->rotate,  a->brightness, a->contrast, a->saturation};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) hash_add_f64(h, nums[i]);
    hash_add_u64(h, featkey_draws(c) ? c->seed : 0);
}

static void featkey_add_items(Hash *h, const FeatPart *p) {
    int boxes = p->base.crop_to_bbox;
    hash_add_u64(h, (uint64_t)p->n);
    for (int i = 0; i < p->n; i++) {
        const DatasetItem *it = &p->ds->items[p->items[i]];
        hash_add_str(h, it->path);
        hash_add_u64(h, (uint64_t)it->label);
        hash_add_u64(h, (uint64_t)it->size);
        hash_add_u64(h, (uint64_t)it->mtime_ns);
        if (boxes) {
            hash_add_u64(h, (uint64_t)it->has_bbox);
            hash_add_f32s(h, it->bbox, 4);
        }
    }
}

static void featkey_add_backbone(Hash *h, const Net *net) {
    int n;
    Param *const *ps = net_params(net, &n);
    hash_add_u64(h, (uint64_t)n - 2);
    for (int i = 0; i < n - 2; i++) { /* all but the classifier's two */
        const Tensor *v = &ps[i]->value;
        hash_add_str(h, ps[i]->name);
        hash_add_u64(h, (uint64_t)v->n), hash_add_u64(h, (uint64_t)v->c);
        hash_add_u64(h, (uint64_t)v->h), hash_add_u64(h, (uint64_t)v->w);
        hash_add_f32s(h, v->data, tensor_count(v));
    }
    char algos[1024];
    net_describe_algos(net, algos, sizeof algos);
    hash_add_str(h, algos);
    int c, bh, bw;
    net_backbone_shape(net, &c, &bh, &bw);
    hash_add_u64(h, (uint64_t)c), hash_add_u64(h, (uint64_t)bh), hash_add_u64(h, (uint64_t)bw);
}

/* 1 for the compact poolings, whose dimension and hashes matter. */
static int featkey_compact(NetPool p) {
    return p == NET_POOL_TS || p == NET_POOL_RM;
}

void featkey_compute(const Net *net, const FeatPart *part, FeatKeys *out) {
    Hash h;
    hash_init(&h);
    hash_add_str(&h, FEATKEY_FORMAT);
    hash_add_str(&h, featkey_levels[FEAT_BACKBONE]);
    featkey_add_backbone(&h, net);
    featkey_add_items(&h, part);
    hash_add_u64(&h, (uint64_t)part->views);
    for (int v = 0; v < part->views; v++) {
        LoaderConfig c = featcache_view(&part->base, v, part->seed);
        featkey_add_view(&h, &c);
    }
    out->key[FEAT_BACKBONE] = hash_final(&h);
    const NetConfig *nc = net_config(net);
    hash_init(&h);
    hash_add_str(&h, FEATKEY_FORMAT);
    hash_add_str(&h, featkey_levels[FEAT_POOLED]);
    hash_add(&h, out->key[FEAT_BACKBONE].b, sizeof out->key[FEAT_BACKBONE].b);
    hash_add_u64(&h, (uint64_t)nc->pooling);
    int compact = featkey_compact(nc->pooling);
    hash_add_u64(&h, compact ? (uint64_t)nc->bilinear_dim : 0);
    hash_add_u64(&h, compact ? nc->pool_seed : 0);
    hash_add_u64(&h, (uint64_t)nc->signed_sqrt);
    hash_add_u64(&h, (uint64_t)nc->l2_normalize);
    out->key[FEAT_POOLED] = hash_final(&h);
}

/* --- in words ------------------------------------------------------------------------ */

static void featkey_words_views(const FeatPart *p, char *buf, size_t cap) {
    const char *names[2] = {"centre", "mirrored centre"};
    int plain = p->base.mirror ? 2 : 1, fixed = p->views < plain ? p->views : plain;
    size_t n = 0;
    buf[0] = '\0';
    for (int v = 0; v < fixed && n < cap; v++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", v ? ", " : "", names[v]);
    LoaderConfig c = featcache_view(&p->base, p->views - 1, p->seed);
    if (p->views > fixed && n < cap) {
        const Augment *a = &c.aug;
        n += (size_t)snprintf(buf + n, cap - n, "%s%d random (seed %llu%s%s", fixed ? ", " : "",
                              p->views - fixed, (unsigned long long)p->seed,
                              a->resized_crop ? "; resized crops" : "",
                              c.mirror == 1 ? "; mirrored" : "");
        if (a->rotate > 0 && n < cap)
            n += (size_t)snprintf(buf + n, cap - n, "; rotate %g", a->rotate);
        if ((a->brightness > 0 || a->contrast > 0 || a->saturation > 0) && n < cap)
            n += (size_t)snprintf(buf + n, cap - n, "; colour %g/%g/%g", a->brightness, a->contrast,
                                  a->saturation);
        if (n < cap) snprintf(buf + n, cap - n, ")");
    }
}

void featkey_inputs(const Net *net, const FeatPart *part, FeatLevel level, const char *weights,
                    FeatInputs *in) {
    static const char *const pools[] = {"compact_ts", "compact_rm", "bilinear", "avg"};
    const LoaderConfig *b = &part->base;
    char norm[160];
    image_normalize_describe(&b->norm, norm, sizeof norm);
    snprintf(in->dataset, sizeof in->dataset, "%s", part->ds->root);
    snprintf(in->image, sizeof in->image, "%d px from %d (%s), %s%s", b->resolution,
             b->resize > 0 ? b->resize : b->resolution,
             b->filter == RESIZE_AREA ? "area" : "bilinear", norm,
             b->crop_to_bbox ? ", cut to the box" : "");
    featkey_words_views(part, in->views, sizeof in->views);
    int c, h, w;
    net_backbone_shape(net, &c, &h, &w);
    snprintf(in->backbone, sizeof in->backbone, "%s, width %g, conv5_3 %d x %d x %d", weights,
             (double)net_config(net)->width, c, h, w);
    in->head[0] = '\0';
    if (level != FEAT_POOLED) return;
    const NetConfig *nc = net_config(net);
    const char *kind = (unsigned)nc->pooling < 4 ? pools[nc->pooling] : "?";
    if (featkey_compact(nc->pooling))
        snprintf(in->head, sizeof in->head, "%s d %d (seed %llu)%s%s", kind, nc->bilinear_dim,
                 (unsigned long long)nc->pool_seed, nc->signed_sqrt ? ", signed sqrt" : "",
                 nc->l2_normalize ? ", l2" : "");
    else
        snprintf(in->head, sizeof in->head, "%s%s%s", kind, nc->signed_sqrt ? ", signed sqrt" : "",
                 nc->l2_normalize ? ", l2" : "");
}
