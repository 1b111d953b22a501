/*
 * bench_dnnl — `make bench-dnnl`: finelab's convolutions against oneDNN's
 * on every VGG-16 conv layer, the measurement that decides where oneDNN may
 * be used (only where it beats finelab's kernels, as an optional build).
 *
 * Two configurations: width 0.125 at 32 px, batch 40 (the small recipe) and
 * full width at 224 px, batch 8 (bench_layers' table). Every layer is 3x3,
 * stride 1, pad 1, with a bias and the fused ReLU the network uses
 * (net.c). Per layer, these are timed in turn (Config says how often),
 * best of the repetitions after a warm-up round:
 *   finelab   the conv layer through the layer interface, algorithm auto:
 *             forward, then backward (ReLU mask, input and weight gradients);
 *   blocked   oneDNN's primitives with every tensor already in the layout
 *             they prefer (format any): forward_training with the bias and
 *             a ReLU post-op; backward = ReLU backward on the output, then
 *             backward_data and backward_weights (with bias), plus any
 *             reorder between them (the weights into backward_data's
 *             layout, the gradient into each one's): what a network kept in
 *             oneDNN's layouts would pay;
 *   reorders  the same with the reorders from and to finelab's NCHW / OIHW:
 *             x and W in, y out; dy in, dx out and dW added into the
 *             gradient (finelab accumulates). The blocked x and y of the
 *             forward are kept for the backward, as a oneDNN-backed layer
 *             would (memory for time): what finelab would pay per layer.
 * oneDNN's two ways run with its direct and its Winograd convolution, and
 * the faster with reorders is oneDNN's figure for the layer: oneDNN 2.6's
 * convolution_auto chose Winograd on every layer here, where its direct
 * convolution was up to 4x faster on the small planes.
 * The ratios finelab / oneDNN are what to read on a loaded machine.
 *
 * Correctness: one more forward and backward of each, oneDNN's backward on
 * finelab's y (so that the ReLU masks agree: a y within rounding of 0 may
 * have either sign), relative L2 error of y, dx, dW and db against
 * finelab's; the program fails above 1e-4.
 *
 * Threads: finelab's pool and OpenBLAS at 2; oneDNN's OpenMP at 2
 * (omp_set_num_threads; OMP_NUM_THREADS=2 from the Makefile as well).
 * Not part of `make bench`: this file is outside bench/'s glob so that
 * nothing else needs libdnnl-dev, and only its own rule links -ldnnl.
 * Exits with a message on any oneDNN error or when out of memory.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

#include "tests/lib/relerr.h"
#include "tests/lib/vgg16_shapes.h"
#include "engine/base/blas.h"
#include "engine/base/parallel.h"
#include "engine/base/rng.h"
#include "engine/base/timer.h"
#include "engine/nn/layer.h"

enum { N_LAYERS = VGG16_CONVS };

/* One configuration: the VGG-16 shapes at a width and input side; reps
 * timed rounds per layer (after a warm-up round), each running every way
 * burst times in a row, so that one runtime's idle threads (libgomp's
 * spin for milliseconds unless OMP_WAIT_POLICY=PASSIVE, which `make
 * bench-dnnl` sets) compete less with the other's. */
typedef struct Config {
    const char *key, *label;
    float width;
    int res, batch, reps, burst;
} Config;

static const Config configs[] = {
    {"small", "VGG-16 width 0.125, 32 px, batch 40", 0.125f, 32, 40, 8, 3},
    {"224", "VGG-16 full width, 224 px, batch 8", 1.0f, 224, 8, 2, 1},
};

#define MAX_REL_ERR 1e-4

#define DNNL_OK(call) dnnl_ok((call), #call, __LINE__)
static void dnnl_ok(dnnl_status_t st, const char *what, int line) {
    if (st == dnnl_success) return;
    fprintf(stderr, "bench_dnnl:%d: %s: %s\n", line, what, dnnl_status2str(st));
    exit(1);
}

static void *xmalloc(size_t bytes) {
    void *p = malloc(bytes);
    if (!p) {
        fprintf(stderr, "bench_dnnl: out of memory\n");
        exit(1);
    }
    return p;
}

/* ---- finelab's layer ------------------------------------------------------ */

/* A conv layer with its input, output, their gradients and its workspace. */
typedef struct FineConv {
    Layer l;
    Tensor x, y, dy, dx;
    float *ws;
} FineConv;

static void fill(float *p, size_t n, Rng *r) {
    for (size_t i = 0; i < n; i++) p[i] = rng_uniform(r) - 0.5f;
}

/* The layer as net.c builds it (bias, fused ReLU, algorithm auto), with x,
 * dy, the weights and the bias filled from r. Exits when the layer refuses
 * the shape or memory runs out. */
static void fine_init(FineConv *f, const ConvShape *cs, int batch, Rng *r) {
    Error err = {0};
    LayerSpec spec = vgg16_conv_spec(cs, NULL, 1);
    if (layer_init(&f->l, &spec, (Shape){batch, cs->cin, cs->size, cs->size}, &err)) {
        fprintf(stderr, "bench_dnnl: %s\n", err.msg);
        exit(1);
    }
    if (tensor_init(&f->x, batch, cs->cin, cs->size, cs->size) ||
        tensor_init_shape(&f->y, f->l.out) || tensor_init_shape(&f->dy, f->l.out) ||
        tensor_init(&f->dx, batch, cs->cin, cs->size, cs->size)) {
        fprintf(stderr, "bench_dnnl: out of memory\n");
        exit(1);
    }
    size_t wsn = layer_workspace(&f->l);
    f->ws = wsn ? xmalloc(wsn * sizeof(float)) : NULL;
    fill(f->x.data, tensor_count(&f->x), r);
    fill(f->dy.data, tensor_count(&f->dy), r);
    for (int i = 0; i < f->l.n_params; i++)
        fill(f->l.params[i].value.data, tensor_count(&f->l.params[i].value), r);
}

static void fine_fini(FineConv *f) {
    free(f->ws);
    tensor_fini(&f->x);
    tensor_fini(&f->y);
    tensor_fini(&f->dy);
    tensor_fini(&f->dx);
    layer_fini(&f->l);
}

static void fine_fwd(FineConv *f) {
    layer_forward(&f->l, &f->x, &f->y, f->ws);
}

static void fine_bwd(FineConv *f) {
    layer_backward(&f->l, &f->x, &f->y, &f->dy, &f->dx, f->ws);
}

/* ---- oneDNN's layer --------------------------------------------------------- */

typedef struct Dnnl {
    dnnl_engine_t eng;
    dnnl_stream_t strm;
} Dnnl;

/* The memories of one layer. Plain ones (finelab's NCHW / OIHW): x, w, b,
 * dy and fl_y are finelab's tensors; y, dx, dw, db are oneDNN's results.
 * The others are in the layouts the primitives chose; one whose layout is
 * the plain one shares the plain buffer (no reorder). */
enum {
    M_X,
    M_W,
    M_B,
    M_DY,
    M_FLY,
    M_Y,
    M_DX,
    M_DW,
    M_DB,   /* plain */
    M_SRC,  /* forward's x */
    M_WEI,  /* forward's W */
    M_DST,  /* forward's y */
    M_DD,   /* dy in forward's y layout */
    M_DDR,  /* dy after the ReLU backward */
    M_DDD,  /* that in backward_data's layout */
    M_WEID, /* W in backward_data's layout */
    M_DS,   /* backward_data's dx */
    M_SRCW, /* x in backward_weights' layout */
    M_DDW,  /* the masked dy in backward_weights' layout */
    M_DWB,  /* backward_weights' dW */
    M_DBB,  /* backward_weights' db */
    N_MEM
};
enum { P_FWD, P_RELU_BWD, P_BWD_DATA, P_BWD_WEIGHTS, N_PRIM };

/* Each reorder: from, to, and 1 to add into `to` (finelab's gradients
 * accumulate) rather than overwrite it. */
enum {
    R_X_SRC,
    R_W_WEI,
    R_DST_Y,
    R_DY_DD,
    R_DDR_DDD,
    R_WEI_WEID,
    R_SRC_SRCW,
    R_DDR_DDW,
    R_DS_DX,
    R_DWB_DW,
    R_FLY_DST,
    N_REORDER
};
static const struct {
    int from, to, add;
} reorder_plan[N_REORDER] = {
    [R_X_SRC] = {M_X, M_SRC, 0},       [R_W_WEI] = {M_W, M_WEI, 0},
    [R_DST_Y] = {M_DST, M_Y, 0},       [R_DY_DD] = {M_DY, M_DD, 0},
    [R_DDR_DDD] = {M_DDR, M_DDD, 0},   [R_WEI_WEID] = {M_WEI, M_WEID, 0},
    [R_SRC_SRCW] = {M_SRC, M_SRCW, 0}, [R_DDR_DDW] = {M_DDR, M_DDW, 0},
    [R_DS_DX] = {M_DS, M_DX, 0},       [R_DWB_DW] = {M_DWB, M_DW, 1},
    [R_FLY_DST] = {M_FLY, M_DST, 0},
};

/* The execution arguments of each primitive. */
typedef struct Arg {
    int arg, mem;
} Arg;
enum { MAX_ARGS = 4 };
static const Arg prim_args[N_PRIM][MAX_ARGS] = {
    [P_FWD] = {{DNNL_ARG_SRC, M_SRC},
               {DNNL_ARG_WEIGHTS, M_WEI},
               {DNNL_ARG_BIAS, M_B},
               {DNNL_ARG_DST, M_DST}},
    [P_RELU_BWD] = {{DNNL_ARG_DST, M_DST}, {DNNL_ARG_DIFF_DST, M_DD}, {DNNL_ARG_DIFF_SRC, M_DDR}},
    [P_BWD_DATA] = {{DNNL_ARG_DIFF_DST, M_DDD},
                    {DNNL_ARG_WEIGHTS, M_WEID},
                    {DNNL_ARG_DIFF_SRC, M_DS}},
    [P_BWD_WEIGHTS] = {{DNNL_ARG_SRC, M_SRCW},
                       {DNNL_ARG_DIFF_DST, M_DDW},
                       {DNNL_ARG_DIFF_WEIGHTS, M_DWB},
                       {DNNL_ARG_DIFF_BIAS, M_DBB}},
};

typedef struct DnnlConv {
    const Dnnl *d;
    int ok; /* 0: oneDNN has no such convolution */
    int cout;
    dnnl_memory_t mem[N_MEM];
    dnnl_primitive_t prim[N_PRIM];
    dnnl_primitive_t reorder[N_REORDER]; /* NULL: from and to are one buffer */
    char impl[N_PRIM][32];               /* the implementation each primitive runs */
} DnnlConv;

static dnnl_memory_desc_t md_plain(int ndims, const dnnl_dims_t dims, dnnl_format_tag_t tag) {
    dnnl_memory_desc_t md;
    DNNL_OK(dnnl_memory_desc_init_by_tag(&md, ndims, dims, dnnl_f32, tag));
    return md;
}

static const dnnl_memory_desc_t *mem_md(dnnl_memory_t m) {
    const dnnl_memory_desc_t *md;
    DNNL_OK(dnnl_memory_get_memory_desc(m, &md));
    return md;
}

static float *mem_data(dnnl_memory_t m) {
    void *p;
    DNNL_OK(dnnl_memory_get_data_handle(m, &p));
    return p;
}

/* A memory of md over data, or over a buffer of its own when data is NULL. */
static dnnl_memory_t mem_new(const Dnnl *d, const dnnl_memory_desc_t *md, void *data) {
    dnnl_memory_t m;
    DNNL_OK(dnnl_memory_create(&m, md, d->eng, data ? data : DNNL_MEMORY_ALLOCATE));
    return m;
}

/* A memory of md: like's buffer when like has that very layout, else new. */
static dnnl_memory_t mem_like(const Dnnl *d, const dnnl_memory_desc_t *md, dnnl_memory_t like) {
    return mem_new(d, md, dnnl_memory_desc_equal(md, mem_md(like)) ? mem_data(like) : NULL);
}

static const dnnl_memory_desc_t *pd_md(const_dnnl_primitive_desc_t pd, dnnl_query_t what,
                                       int index) {
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, what, index);
    if (!md) {
        fprintf(stderr, "bench_dnnl: oneDNN query %d of a primitive failed\n", (int)what);
        exit(1);
    }
    return md;
}

/* NULL when oneDNN has no implementation of op (Winograd on a shape it
 * does not take); exits on any other error. */
static dnnl_primitive_desc_t pd_new(const Dnnl *d, const_dnnl_op_desc_t op,
                                    const_dnnl_primitive_attr_t attr,
                                    const_dnnl_primitive_desc_t hint) {
    dnnl_primitive_desc_t pd;
    dnnl_status_t st = dnnl_primitive_desc_create(&pd, op, attr, d->eng, hint);
    if (st == dnnl_unimplemented) return NULL;
    DNNL_OK(st);
    return pd;
}

/* Makes c->prim[p] from pd and records its implementation's name. */
static void prim_make(DnnlConv *c, int p, const_dnnl_primitive_desc_t pd) {
    const char *impl = "?";
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
    snprintf(c->impl[p], sizeof c->impl[p], "%s", impl);
    DNNL_OK(dnnl_primitive_create(&c->prim[p], pd));
}

static void prim_run(const DnnlConv *c, int p) {
    dnnl_exec_arg_t args[MAX_ARGS];
    int n = 0;
    for (; n < MAX_ARGS && prim_args[p][n].arg; n++)
        args[n] = (dnnl_exec_arg_t){prim_args[p][n].arg, c->mem[prim_args[p][n].mem]};
    DNNL_OK(dnnl_primitive_execute(c->prim[p], c->d->strm, n, args));
}

static void reorder_make(DnnlConv *c, int r) {
    dnnl_memory_t from = c->mem[reorder_plan[r].from], to = c->mem[reorder_plan[r].to];
    if (!reorder_plan[r].add && mem_data(from) == mem_data(to)) return;
    dnnl_primitive_attr_t attr = NULL;
    if (reorder_plan[r].add) {
        dnnl_post_ops_t po;
        DNNL_OK(dnnl_post_ops_create(&po));
        DNNL_OK(dnnl_post_ops_append_sum(po, 1.0f));
        DNNL_OK(dnnl_primitive_attr_create(&attr));
        DNNL_OK(dnnl_primitive_attr_set_post_ops(attr, po));
        dnnl_post_ops_destroy(po);
    }
    dnnl_primitive_desc_t pd;
    DNNL_OK(dnnl_reorder_primitive_desc_create(&pd, mem_md(from), c->d->eng, mem_md(to), c->d->eng,
                                               attr));
    DNNL_OK(dnnl_primitive_create(&c->reorder[r], pd));
    dnnl_primitive_desc_destroy(pd);
    dnnl_primitive_attr_destroy(attr);
}

static void reorder_run(const DnnlConv *c, int r) {
    if (!c->reorder[r]) return;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, c->mem[reorder_plan[r].from]},
                              {DNNL_ARG_TO, c->mem[reorder_plan[r].to]}};
    DNNL_OK(dnnl_primitive_execute(c->reorder[r], c->d->strm, 2, args));
}

/* The plain memories: finelab's tensors, and oneDNN's plain results. */
static void dnnl_conv_plain(DnnlConv *c, FineConv *f) {
    const Tensor *x = &f->x, *w = &f->l.params[0].value;
    dnnl_dims_t xd = {x->n, x->c, x->h, x->w}, yd = {f->y.n, f->y.c, f->y.h, f->y.w};
    dnnl_dims_t wd = {w->n, w->c, w->h, w->w}, bd = {c->cout};
    dnnl_memory_desc_t xm = md_plain(4, xd, dnnl_nchw), ym = md_plain(4, yd, dnnl_nchw);
    dnnl_memory_desc_t wm = md_plain(4, wd, dnnl_oihw), bm = md_plain(1, bd, dnnl_a);
    const Dnnl *d = c->d;
    c->mem[M_X] = mem_new(d, &xm, x->data);
    c->mem[M_W] = mem_new(d, &wm, w->data);
    c->mem[M_B] = mem_new(d, &bm, f->l.params[1].value.data);
    c->mem[M_DY] = mem_new(d, &ym, f->dy.data);
    c->mem[M_FLY] = mem_new(d, &ym, f->y.data);
    c->mem[M_Y] = mem_new(d, &ym, NULL);
    c->mem[M_DX] = mem_new(d, &xm, NULL);
    c->mem[M_DW] = mem_new(d, &wm, NULL);
    c->mem[M_DB] = mem_new(d, &bm, NULL);
}

/* x, w and y of c with their layouts left to oneDNN (format any). */
static void any_layouts(const DnnlConv *c, dnnl_memory_desc_t *x, dnnl_memory_desc_t *w,
                        dnnl_memory_desc_t *y) {
    const dnnl_memory_desc_t *from[3] = {mem_md(c->mem[M_X]), mem_md(c->mem[M_W]),
                                         mem_md(c->mem[M_Y])};
    dnnl_memory_desc_t *to[3] = {x, w, y};
    for (int i = 0; i < 3; i++)
        DNNL_OK(
            dnnl_memory_desc_init_by_tag(to[i], 4, from[i]->dims, dnnl_f32, dnnl_format_tag_any));
}

/* The forward primitive (bias, ReLU post-op, layouts any) and its
 * memories; returns its descriptor, the backward ones' hint, or NULL when
 * oneDNN has no such convolution. */
static dnnl_primitive_desc_t dnnl_conv_forward(DnnlConv *c, dnnl_alg_kind_t alg) {
    const dnnl_dims_t one = {1, 1};
    dnnl_memory_desc_t x, w, y;
    any_layouts(c, &x, &w, &y);
    dnnl_convolution_desc_t cd;
    DNNL_OK(dnnl_convolution_forward_desc_init(&cd, dnnl_forward_training, alg, &x, &w,
                                               mem_md(c->mem[M_B]), &y, one, one, one));
    dnnl_post_ops_t po;
    dnnl_primitive_attr_t attr;
    DNNL_OK(dnnl_post_ops_create(&po));
    DNNL_OK(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f));
    DNNL_OK(dnnl_primitive_attr_create(&attr));
    DNNL_OK(dnnl_primitive_attr_set_post_ops(attr, po));
    dnnl_primitive_desc_t pd = pd_new(c->d, &cd, attr, NULL);
    dnnl_post_ops_destroy(po);
    dnnl_primitive_attr_destroy(attr);
    if (!pd) return NULL;
    prim_make(c, P_FWD, pd);
    c->mem[M_SRC] = mem_like(c->d, pd_md(pd, dnnl_query_src_md, 0), c->mem[M_X]);
    c->mem[M_WEI] = mem_like(c->d, pd_md(pd, dnnl_query_weights_md, 0), c->mem[M_W]);
    c->mem[M_DST] = mem_like(c->d, pd_md(pd, dnnl_query_dst_md, 0), c->mem[M_Y]);
    c->mem[M_DD] = mem_like(c->d, mem_md(c->mem[M_DST]), c->mem[M_DY]);
    return pd;
}

/* The ReLU backward on y's layout, from y (relu_use_dst_for_bwd: dy where
 * y > 0, as finelab's mask). */
static void dnnl_conv_relu_backward(DnnlConv *c) {
    const dnnl_memory_desc_t *y = mem_md(c->mem[M_DST]);
    dnnl_eltwise_desc_t fd, bd;
    DNNL_OK(dnnl_eltwise_forward_desc_init(&fd, dnnl_forward_training,
                                           dnnl_eltwise_relu_use_dst_for_bwd, y, 0.0f, 0.0f));
    DNNL_OK(
        dnnl_eltwise_backward_desc_init(&bd, dnnl_eltwise_relu_use_dst_for_bwd, y, y, 0.0f, 0.0f));
    dnnl_primitive_desc_t hint = pd_new(c->d, &fd, NULL, NULL);
    dnnl_primitive_desc_t pd = pd_new(c->d, &bd, NULL, hint);
    prim_make(c, P_RELU_BWD, pd);
    c->mem[M_DDR] = mem_new(c->d, pd_md(pd, dnnl_query_diff_src_md, 0), NULL);
    dnnl_primitive_desc_destroy(pd);
    dnnl_primitive_desc_destroy(hint);
}

/* backward_data and backward_weights (with bias), layouts any, and their
 * memories. Returns -1 when oneDNN has no such convolution. */
static int dnnl_conv_backward(DnnlConv *c, dnnl_alg_kind_t alg, const_dnnl_primitive_desc_t fwd) {
    const dnnl_dims_t one = {1, 1};
    dnnl_memory_desc_t x, w, y;
    any_layouts(c, &x, &w, &y);
    dnnl_convolution_desc_t dd, wd;
    DNNL_OK(dnnl_convolution_backward_data_desc_init(&dd, alg, &x, &w, &y, one, one, one));
    dnnl_primitive_desc_t pd = pd_new(c->d, &dd, NULL, fwd);
    if (!pd) return -1;
    prim_make(c, P_BWD_DATA, pd);
    c->mem[M_DDD] = mem_like(c->d, pd_md(pd, dnnl_query_diff_dst_md, 0), c->mem[M_DDR]);
    c->mem[M_WEID] = mem_like(c->d, pd_md(pd, dnnl_query_weights_md, 0), c->mem[M_WEI]);
    c->mem[M_DS] = mem_like(c->d, pd_md(pd, dnnl_query_diff_src_md, 0), c->mem[M_DX]);
    dnnl_primitive_desc_destroy(pd);

    DNNL_OK(dnnl_convolution_backward_weights_desc_init(&wd, alg, &x, &w, mem_md(c->mem[M_B]), &y,
                                                        one, one, one));
    pd = pd_new(c->d, &wd, NULL, fwd);
    if (!pd) return -1;
    prim_make(c, P_BWD_WEIGHTS, pd);
    c->mem[M_SRCW] = mem_like(c->d, pd_md(pd, dnnl_query_src_md, 0), c->mem[M_SRC]);
    c->mem[M_DDW] = mem_like(c->d, pd_md(pd, dnnl_query_diff_dst_md, 0), c->mem[M_DDR]);
    c->mem[M_DWB] = mem_new(c->d, pd_md(pd, dnnl_query_diff_weights_md, 0), NULL);
    c->mem[M_DBB] = mem_new(c->d, pd_md(pd, dnnl_query_diff_weights_md, 1), NULL);
    dnnl_primitive_desc_destroy(pd);
    return 0;
}

/* oneDNN's version of f's layer with algorithm alg, on f's tensors;
 * c->ok = 0 when oneDNN has no such convolution (dnnl_conv_fini frees it
 * either way). Exits on any other oneDNN error. */
static void dnnl_conv_init(DnnlConv *c, const Dnnl *d, FineConv *f, dnnl_alg_kind_t alg) {
    memset(c, 0, sizeof *c);
    c->d = d;
    c->cout = f->y.c;
    dnnl_conv_plain(c, f);
    dnnl_primitive_desc_t fwd = dnnl_conv_forward(c, alg);
    if (!fwd) return;
    dnnl_conv_relu_backward(c);
    int st = dnnl_conv_backward(c, alg, fwd);
    dnnl_primitive_desc_destroy(fwd);
    if (st) return;
    for (int r = 0; r < N_REORDER; r++) reorder_make(c, r);
    c->ok = 1;
}

static void dnnl_conv_fini(DnnlConv *c) {
    for (int i = 0; i < N_PRIM; i++)
        if (c->prim[i]) dnnl_primitive_destroy(c->prim[i]);
    for (int i = 0; i < N_REORDER; i++)
        if (c->reorder[i]) dnnl_primitive_destroy(c->reorder[i]);
    for (int i = 0; i < N_MEM; i++)
        if (c->mem[i]) dnnl_memory_destroy(c->mem[i]);
}

static void dnnl_conv_wait(const DnnlConv *c) {
    DNNL_OK(dnnl_stream_wait(c->d->strm));
}

static void dnnl_fwd_blocked(const DnnlConv *c) {
    prim_run(c, P_FWD);
    dnnl_conv_wait(c);
}

static void dnnl_bwd_blocked(const DnnlConv *c) {
    prim_run(c, P_RELU_BWD);
    reorder_run(c, R_DDR_DDD);
    reorder_run(c, R_WEI_WEID);
    prim_run(c, P_BWD_DATA);
    reorder_run(c, R_SRC_SRCW);
    reorder_run(c, R_DDR_DDW);
    prim_run(c, P_BWD_WEIGHTS);
    dnnl_conv_wait(c);
}

static void dnnl_fwd_plain(const DnnlConv *c) {
    reorder_run(c, R_X_SRC);
    reorder_run(c, R_W_WEI);
    prim_run(c, P_FWD);
    reorder_run(c, R_DST_Y);
    dnnl_conv_wait(c);
}

/* The bias gradient is a vector: a loop adds it into finelab's layout. */
static void dnnl_bwd_plain(const DnnlConv *c) {
    reorder_run(c, R_DY_DD);
    dnnl_bwd_blocked(c);
    reorder_run(c, R_DS_DX);
    reorder_run(c, R_DWB_DW);
    dnnl_conv_wait(c);
    float *db = mem_data(c->mem[M_DB]);
    const float *dbb = mem_data(c->mem[M_DBB]);
    for (int i = 0; i < c->cout; i++) db[i] += dbb[i];
}

/* ---- the comparison ------------------------------------------------------- */

/* oneDNN's algorithms a run compares; oneDNN's figure on a layer is the
 * faster one's (with reorders), as a user of oneDNN would choose. */
enum { MAX_ALGS = 2 };
typedef struct AlgSet {
    int n;
    dnnl_alg_kind_t alg[MAX_ALGS];
    const char *name[MAX_ALGS];
} AlgSet;

enum { BLOCKED, PLAIN };
/* Best seconds of one layer, [0] forward and [1] backward; INFINITY where
 * oneDNN has no such algorithm for the shape. */
typedef struct LayerTimes {
    double fine[2];
    double dnnl[MAX_ALGS][2][2]; /* [algorithm][BLOCKED or PLAIN] */
    double err[MAX_ALGS][4];     /* relative L2 errors of y, dx, dW, db */
    int pick;                    /* the algorithm with the least fwd + bwd with reorders */
} LayerTimes;

typedef void (*DnnlPass)(const DnnlConv *c);
static const DnnlPass dnnl_passes[2][2] = {{dnnl_fwd_blocked, dnnl_bwd_blocked},
                                           {dnnl_fwd_plain, dnnl_bwd_plain}};

static double sum2(const double s[2]) {
    return s[0] + s[1];
}

/* Way 0 is finelab, way 1 + 2a + p oneDNN's algorithm a, BLOCKED or
 * PLAIN: one forward and one backward, their seconds into s. */
static void run_way(FineConv *f, const DnnlConv *c, int way, double s[2]) {
    double t0 = timer_now();
    if (way == 0)
        fine_fwd(f);
    else
        dnnl_passes[(way - 1) % 2][0](&c[(way - 1) / 2]);
    double t1 = timer_now();
    if (way == 0)
        fine_bwd(f);
    else
        dnnl_passes[(way - 1) % 2][1](&c[(way - 1) / 2]);
    s[0] = t1 - t0;
    s[1] = timer_now() - t1;
}

/* Every way in turn, burst times each, cfg->reps + 1 rounds (the first a
 * warm-up, not counted), each round starting one way further so that none
 * always follows the same one; the best of each into t. */
static void time_layer(FineConv *f, const DnnlConv *c, int n_algs, const Config *cfg,
                       LayerTimes *t) {
    double *best[1 + 2 * MAX_ALGS] = {t->fine};
    int n_ways = 1 + 2 * n_algs;
    for (int a = 0; a < n_algs; a++)
        for (int p = 0; p < 2; p++) best[1 + 2 * a + p] = t->dnnl[a][p];
    for (int w = 0; w < n_ways; w++) best[w][0] = best[w][1] = INFINITY;
    for (int i = 0; i <= cfg->reps; i++) {
        for (int k = 0; k < n_ways * cfg->burst; k++) {
            int w = (i + k / cfg->burst) % n_ways;
            if (w > 0 && !c[(w - 1) / 2].ok) continue;
            double s[2];
            run_way(f, c, w, s);
            for (int j = 0; i > 0 && j < 2; j++)
                if (s[j] < best[w][j]) best[w][j] = s[j];
        }
    }
    t->pick = 0;
    for (int a = 1; a < n_algs; a++)
        if (sum2(t->dnnl[a][PLAIN]) < sum2(t->dnnl[t->pick][PLAIN])) t->pick = a;
}

/* One forward and backward of each on zeroed gradients; oneDNN's
 * backward runs on finelab's y (the ReLU masks must agree). */
static void check_layer(FineConv *f, const DnnlConv *c, double err[4]) {
    Param *p = f->l.params;
    tensor_zero(&p[0].grad);
    tensor_zero(&p[1].grad);
    fine_fwd(f);
    fine_bwd(f);
    memset(mem_data(c->mem[M_DW]), 0, tensor_count(&p[0].grad) * sizeof(float));
    memset(mem_data(c->mem[M_DB]), 0, tensor_count(&p[1].grad) * sizeof(float));
    dnnl_fwd_plain(c);
    err[0] = relerr_l2(mem_data(c->mem[M_Y]), f->y.data, tensor_count(&f->y));
    reorder_run(c, R_FLY_DST);
    dnnl_bwd_plain(c);
    err[1] = relerr_l2(mem_data(c->mem[M_DX]), f->dx.data, tensor_count(&f->dx));
    err[2] = relerr_l2(mem_data(c->mem[M_DW]), p[0].grad.data, tensor_count(&p[0].grad));
    err[3] = relerr_l2(mem_data(c->mem[M_DB]), p[1].grad.data, tensor_count(&p[1].grad));
}

static double max_err(const double e[4]) {
    double m = e[0];
    for (int i = 1; i < 4; i++) m = e[i] > m ? e[i] : m;
    return m;
}

static void print_header(void) {
    printf("%-8s %-9s %-7s %-8s %-8s %8s %8s  %8s %8s  %8s %8s  %5s %5s %5s %5s\n", "layer",
           "channels", "size", "finelab", "oneDNN", "fl fwd", "fl bwd", "blk fwd", "blk bwd",
           "+r fwd", "+r bwd", "blk", "+r fw", "+r bw", "+r");
}

/* ms of finelab, oneDNN blocked, oneDNN with reorders, then the ratios. */
static void print_times(const double fl[2], const double blk[2], const double plain[2]) {
    printf("%8.2f %8.2f  %8.2f %8.2f  %8.2f %8.2f  %5.2f %5.2f %5.2f %5.2f\n", fl[0] * 1e3,
           fl[1] * 1e3, blk[0] * 1e3, blk[1] * 1e3, plain[0] * 1e3, plain[1] * 1e3,
           sum2(fl) / sum2(blk), fl[0] / plain[0], fl[1] / plain[1], sum2(fl) / sum2(plain));
}

static void print_row(const ConvShape *cs, const char *algo, const AlgSet *algs,
                      const LayerTimes *t) {
    printf("%-8s %4d->%-4d %3dx%-3d %-8s %-8s ", cs->name, cs->cin, cs->cout, cs->size, cs->size,
           algo, algs->name[t->pick]);
    print_times(t->fine, t->dnnl[t->pick][BLOCKED], t->dnnl[t->pick][PLAIN]);
}

/* The totals (oneDNN's with its faster algorithm on each layer, then with
 * one algorithm throughout), and the network's time if each layer ran the
 * faster of finelab and oneDNN with reorders. */
static void print_totals(const LayerTimes *t, const ConvShape *cs, const AlgSet *algs) {
    double fl[2] = {0}, dn[2][2] = {{0}}, one[MAX_ALGS] = {0}, best = 0;
    char won[320] = "";
    for (int i = 0; i < N_LAYERS; i++) {
        const double(*d)[2] = t[i].dnnl[t[i].pick];
        for (int j = 0; j < 2; j++) {
            fl[j] += t[i].fine[j];
            dn[BLOCKED][j] += d[BLOCKED][j];
            dn[PLAIN][j] += d[PLAIN][j];
        }
        for (int a = 0; a < algs->n; a++) one[a] += sum2(t[i].dnnl[a][PLAIN]);
        double f = sum2(t[i].fine), p = sum2(d[PLAIN]);
        best += f < p ? f : p;
        if (p < f)
            snprintf(won + strlen(won), sizeof won - strlen(won), " %s (%.2fx)", cs[i].name, f / p);
    }
    printf("%-44s", "total");
    print_times(fl, dn[BLOCKED], dn[PLAIN]);
    printf("fwd + bwd: finelab %.1f ms; oneDNN blocked %.1f ms, with reorders %.1f ms",
           sum2(fl) * 1e3, sum2(dn[BLOCKED]) * 1e3, sum2(dn[PLAIN]) * 1e3);
    for (int a = 0; a < algs->n && algs->n > 1; a++)
        printf("%s %s alone %.1f ms", a ? "," : " (with reorders:", algs->name[a], one[a] * 1e3);
    printf("%s\n", algs->n > 1 ? ")" : "");
    printf("best of each layer (finelab or oneDNN with reorders): %.1f ms = %.0f%% of finelab's; "
           "oneDNN wins on:%s\n",
           best * 1e3, 100.0 * best / sum2(fl), won[0] ? won : " none");
}

/* What oneDNN's algorithm a ran on a layer, its fwd+bwd ms and its
 * relative errors, into buf. */
static void format_details(char *buf, size_t cap, const ConvShape *cs, const AlgSet *algs, int a,
                           const DnnlConv *c, const LayerTimes *t) {
    if (!c->ok) {
        snprintf(buf, cap, "  %-8s %-8s not implemented for this shape\n", cs->name, algs->name[a]);
        return;
    }
    snprintf(buf, cap,
             "  %-8s %-8s blk %8.2f +r %8.2f ms  fwd %s, bwd data %s, bwd weights %s, relu bwd "
             "%s; rel err y %.1e dx %.1e dW %.1e db %.1e\n",
             cs->name, algs->name[a], sum2(t->dnnl[a][BLOCKED]) * 1e3,
             sum2(t->dnnl[a][PLAIN]) * 1e3, c->impl[P_FWD], c->impl[P_BWD_DATA],
             c->impl[P_BWD_WEIGHTS], c->impl[P_RELU_BWD], t->err[a][0], t->err[a][1], t->err[a][2],
             t->err[a][3]);
}

/* One layer of cfg: finelab's and oneDNN's versions timed, checked and
 * printed as a table row; the details line of each algorithm into
 * details. Returns the largest relative error. */
static double run_layer(const Config *cfg, const ConvShape *cs, const Dnnl *d, const AlgSet *algs,
                        Rng *r, LayerTimes *t, char (*details)[320]) {
    FineConv f;
    DnnlConv c[MAX_ALGS];
    double worst = 0;
    fine_init(&f, cs, cfg->batch, r);
    for (int a = 0; a < algs->n; a++) dnnl_conv_init(&c[a], d, &f, algs->alg[a]);
    time_layer(&f, c, algs->n, cfg, t);
    for (int a = 0; a < algs->n; a++) {
        if (c[a].ok) check_layer(&f, &c[a], t->err[a]);
        if (c[a].ok && max_err(t->err[a]) > worst) worst = max_err(t->err[a]);
        format_details(details[a], sizeof details[a], cs, algs, a, &c[a], t);
        dnnl_conv_fini(&c[a]);
    }
    print_row(cs, layer_variant(&f.l), algs, t);
    fflush(stdout);
    fine_fini(&f);
    return worst;
}

/* Runs one configuration; returns the largest relative error. */
static double run_config(const Config *cfg, const Dnnl *d, const AlgSet *algs, Rng *r) {
    ConvShape cs[N_LAYERS];
    LayerTimes t[N_LAYERS];
    char details[N_LAYERS][MAX_ALGS][320];
    double worst = 0;
    printf("\n== %s, 3x3 pad 1 + bias + fused ReLU; best of %d rounds x %d; ms\n", cfg->label,
           cfg->reps, cfg->burst);
    print_header();
    for (int i = 0; i < N_LAYERS; i++) {
        cs[i] = vgg16_224[i];
        if (cs[i].cin > 3) cs[i].cin = (int)lroundf(cs[i].cin * cfg->width);
        cs[i].cout = (int)lroundf(cs[i].cout * cfg->width);
        cs[i].size = cs[i].size * cfg->res / 224;
        double e = run_layer(cfg, &cs[i], d, algs, r, &t[i], details[i]);
        if (e > worst) worst = e;
    }
    print_totals(t, cs, algs);
    printf("oneDNN per algorithm: fwd+bwd ms, implementations, relative L2 errors against "
           "finelab:\n");
    for (int i = 0; i < N_LAYERS; i++)
        for (int a = 0; a < algs->n; a++) fputs(details[i][a], stdout);
    return worst;
}

/* "both" (direct and winograd, the faster per layer), or one of auto,
 * direct, winograd. Returns -1 for anything else. */
static int parse_algs(const char *s, AlgSet *algs) {
    static const struct {
        const char *name;
        dnnl_alg_kind_t alg;
    } known[] = {{"direct", dnnl_convolution_direct},
                 {"winograd", dnnl_convolution_winograd},
                 {"auto", dnnl_convolution_auto}};
    algs->n = 0;
    for (int i = 0; i < 3; i++) {
        if (strcmp(s, known[i].name) && (strcmp(s, "both") || i >= MAX_ALGS)) continue;
        algs->alg[algs->n] = known[i].alg;
        algs->name[algs->n++] = known[i].name;
    }
    return algs->n > 0 ? 0 : -1;
}

/* bench_dnnl [small|224|all [both|direct|winograd|auto]]: the
 * configurations (all by default) against oneDNN's algorithms (both). */
int main(int argc, char **argv) {
    const char *which = argc > 1 ? argv[1] : "all";
    AlgSet algs;
    if (argc > 3 || parse_algs(argc > 2 ? argv[2] : "both", &algs) ||
        (strcmp(which, "all") && strcmp(which, "small") && strcmp(which, "224"))) {
        fprintf(stderr, "usage: bench_dnnl [small|224|all [both|direct|winograd|auto]]\n");
        return 2;
    }
    blas_set_threads(2);
    parallel_set_threads(2);
    omp_set_num_threads(2);
    Dnnl d;
    DNNL_OK(dnnl_engine_create(&d.eng, dnnl_cpu, 0));
    DNNL_OK(dnnl_stream_create(&d.strm, d.eng, dnnl_stream_default_flags));
    const dnnl_version_t *v = dnnl_version();
    printf("finelab bench: conv layers, finelab against oneDNN %d.%d.%d (%s), 2 threads each\n",
           v->major, v->minor, v->patch, argc > 2 ? argv[2] : "direct and winograd");
    printf("finelab: OpenBLAS %d threads (%s), pool %d; oneDNN: OpenMP %d threads\n",
           blas_threads(), blas_config(), parallel_threads(), omp_get_max_threads());
    printf("ms of finelab (algorithm auto), oneDNN in its own layouts (blk) and with the reorders "
           "from/to NCHW (+r),\noneDNN's algorithm the faster with reorders; ratios finelab / "
           "oneDNN (> 1: oneDNN faster) of fwd+bwd (blk, +r) and per direction (+r fw, +r bw)\n");
    Rng r;
    rng_seed(&r, 2016);
    double worst = 0;
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
        if (strcmp(which, "all") && strcmp(which, configs[i].key)) continue;
        double e = run_config(&configs[i], &d, &algs, &r);
        if (e > worst) worst = e;
    }
    dnnl_stream_destroy(d.strm);
    dnnl_engine_destroy(d.eng);
    printf("\nlargest relative L2 error against finelab: %.1e (limit %.0e): %s\n", worst,
           MAX_REL_ERR, worst <= MAX_REL_ERR ? "ok" : "FAILED");
    return worst <= MAX_REL_ERR ? 0 : 1;
}
