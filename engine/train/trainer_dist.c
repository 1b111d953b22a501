/*
 * trainer_dist — the trainer's data-parallel part (docs/DESIGN.md section
 * 10): N ranks of iter_size S train what one process of iter_size N x S
 * trains. Every iteration sums every trainable gradient, agrees on
 * failures and stops, and sums the loss and the display counts; replicas
 * are compared by checksum at the start and at every snapshot. With one
 * rank every call here is a no-op, so trainer.c has one code path.
 *
 * The gradient is summed in buckets, as PyTorch's DDP and Horovod do: runs
 * of whole parameters, top layer first (the order backward finishes
 * them), packed side by side in one buffer. A hook on the net
 * (net_set_backward_hook), armed for the last of the iter_size passes,
 * starts a bucket's non-blocking sum as soon as backward has finished its
 * lowest parameter, and calls MPI between layers so that the started sums
 * move while the layers below compute; the sums are waited for before the
 * solver. The buckets are the same on every rank (they depend on the
 * network and dist_bucket_bytes alone) and every rank starts them in the
 * same order, so they are matched collectives; a rank whose passes fail
 * still starts every bucket (trainer_dist_sum_grads) before the agreement.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/base/dist.h"
#include "engine/train/trainer_internal.h"

/* The default bucket: 4 MiB. What a bucket costs is a latency per sum
 * (2(N - 1) steps of a ring) and what it hides is bounded by the last
 * bucket, which starts only when backward ends: smaller buckets hide more
 * and pay more latency. VGG-16's gradients come in the wrong order for
 * overlap (the large conv4/conv5 and classifier weights first, the
 * expensive early layers last with little gradient), so the last bucket is
 * what matters: at 4 MiB it holds conv3_1 .. conv1_1 at full width (2.2 MB)
 * and conv4_1 .. conv1_1 at width 0.25 (0.9 MB), at most 11 buckets in
 * all; bench/mpi_model.sh models 1 to 64 MiB on measured backward times
 * (README, "Data-parallel training over MPI"). PyTorch's DDP takes 25 MB,
 * Horovod fuses up to 64 MB, both for GPUs whose backward is 10-100 times
 * shorter than a CPU's. */
#define TRAINER_DIST_BUCKET_BYTES (4L << 20)

/* Buckets of at least cap bytes over the trainable parameters, from the
 * last one down; the buffer keeps net_trainable_params' order, so a
 * bucket is one contiguous piece of it. */
static Status trainer_dist_plan(Trainer *t, long cap, Error *err) {
    int n = t->solver.n_params;
    if (!(t->dist.buckets = calloc((size_t)n + 1, sizeof *t->dist.buckets)))
        return error_set(err, ST_NOMEM, "trainer: out of memory for gradient buckets");
    size_t end = t->dist.n_grads, bytes = 0;
    int hi = n;
    for (int i = n - 1; i >= 0; i--) {
        size_t c = tensor_count(&t->solver.params[i]->grad);
        bytes += sizeof(float) * c;
        end -= c;
        if (bytes >= (size_t)cap || i == 0) {
            TrainerBucket *b = &t->dist.buckets[t->dist.n_buckets++];
            *b = (TrainerBucket){.lo = i, .hi = hi, .off = end, .n = bytes / sizeof(float)};
            hi = i;
            bytes = 0;
        }
    }
    return ST_OK;
}

Status trainer_dist_init(Trainer *t, Error *err) {
    t->dist.rank = dist_rank();
    t->dist.ranks = dist_size();
    if (t->dist.ranks == 1) return ST_OK;
    for (int i = 0; i < t->solver.n_params; i++)
        t->dist.n_grads += tensor_count(&t->solver.params[i]->grad);
    if (!(t->dist.grads = malloc(sizeof(float) * t->dist.n_grads)))
        return error_set(err, ST_NOMEM, "trainer: out of memory for %zu gradients",
                         t->dist.n_grads);
    long cap = t->cfg.dist_bucket_bytes;
    if (cap < 0) return ST_OK;
    Status s = trainer_dist_plan(t, cap ? cap : TRAINER_DIST_BUCKET_BYTES, err);
    if (s) return s;
    trainer_core_log(t,
                     "allreduce: %zu gradients in %d buckets of at least %.2f MB, each summed "
                     "as soon as backward has produced it",
                     t->dist.n_grads, t->dist.n_buckets,
                     (cap ? cap : TRAINER_DIST_BUCKET_BYTES) / 1e6);
    return ST_OK;
}

void trainer_dist_fini(Trainer *t) {
    free(t->dist.grads);
    t->dist.grads = NULL;
    free(t->dist.buckets);
    t->dist.buckets = NULL;
}

Status trainer_dist_fail(Trainer *t, Status s, const Error *local) {
    t->sticky = error_set(&t->err, s, "%s", local->msg);
    return s;
}

Status trainer_dist_agree(Trainer *t, Status s) {
    if (t->dist.ranks == 1) return s;
    int shared;
    Status a = dist_agree(s, &t->err, &shared);
    if (a) {
        t->sticky = a;
        t->dist.shared = shared;
    }
    return a;
}

/* Copies the gradients of trainable parameters [lo, hi) into the packed
 * buffer from offset off (to) or back. */
static void trainer_dist_pack(Trainer *t, int lo, int hi, size_t off, int to) {
    for (int i = lo; i < hi; i++) {
        Tensor *g = &t->solver.params[i]->grad;
        size_t n = tensor_count(g);
        if (to)
            memcpy(t->dist.grads + off, g->data, sizeof(float) * n);
        else
            memcpy(g->data, t->dist.grads + off, sizeof(float) * n);
        off += n;
    }
}

/* Packs bucket t->dist.next and starts its sum. */
static Status trainer_dist_start_next(Trainer *t, Error *err) {
    const TrainerBucket *b = &t->dist.buckets[t->dist.next++];
    trainer_dist_pack(t, b->lo, b->hi, b->off, 1);
    return dist_isum_f32(t->dist.grads + b->off, b->n, err);
}

/* The net's backward hook: the last done trainable parameters are final
 * for this iteration; start every bucket they complete, then let MPI move
 * what is in flight. */
static void trainer_dist_on_backward(void *ctx, int done) {
    Trainer *t = ctx;
    TrainerDist *d = &t->dist;
    if (d->hook_status) return;
    while (d->next < d->n_buckets && t->solver.n_params - d->buckets[d->next].lo <= done)
        if ((d->hook_status = trainer_dist_start_next(t, &d->hook_err))) return;
    d->hook_status = dist_progress(&d->hook_err);
}

void trainer_dist_arm(Trainer *t) {
    if (t->dist.ranks == 1 || !t->dist.buckets) return;
    net_set_backward_hook(t->net, trainer_dist_on_backward, t);
}

Status trainer_dist_sum_grads(Trainer *t, Status passes) {
    TrainerDist *d = &t->dist;
    if (d->ranks == 1) return passes;
    net_set_backward_hook(t->net, NULL, NULL);
    Error e = {0};
    Status s = d->hook_status;
    if (s) e = d->hook_err;
    if (!d->buckets) { /* one blocking sum */
        trainer_dist_pack(t, 0, t->solver.n_params, 0, 1);
        s = dist_sum_f32(d->grads, d->n_grads, &e);
    }
    while (!s && d->buckets && d->next < d->n_buckets) s = trainer_dist_start_next(t, &e);
    if (!s) s = dist_wait(&e);
    d->next = 0;
    d->hook_status = ST_OK;
    if (s) return trainer_dist_fail(t, s, &e);
    trainer_dist_pack(t, 0, t->solver.n_params, 0, 0);
    return passes;
}

Status trainer_dist_reduce(Trainer *t, double *loss, int64_t correct0, int64_t seen0,
                           double images0) {
    if (t->dist.ranks == 1) return ST_OK;
    TrainDisplay *d = &t->disp;
    Error e = {0};
    double v[4] = {*loss, (double)(d->correct - correct0), (double)(d->seen - seen0),
                   d->images - images0};
    if (dist_sum_f64(v, 4, &e)) return trainer_dist_fail(t, e.status, &e);
    *loss = v[0];
    d->correct = correct0 + (int64_t)v[1];
    d->seen = seen0 + (int64_t)v[2];
    d->images = images0 + v[3];
    return ST_OK;
}

/* FNV-1a over every parameter's values and solver histories. */
static uint64_t trainer_dist_checksum(Trainer *t) {
    uint64_t h = 0xCBF29CE484222325ULL;
    int n;
    Param *const *ps = net_params(t->net, &n);
    for (int i = 0; i < n; i++) {
        const Tensor *parts[3] = {&ps[i]->value, &ps[i]->history, &ps[i]->history2};
        for (int j = 0; j < 3; j++) {
            const unsigned char *b = (const unsigned char *)parts[j]->data;
            size_t len = parts[j]->data ? sizeof(float) * tensor_count(parts[j]) : 0;
            for (size_t k = 0; k < len; k++) h = (h ^ b[k]) * 0x100000001B3ULL;
        }
    }
    return h;
}

Status trainer_dist_check_replicas(Trainer *t, const char *when) {
    int ranks = t->dist.ranks;
    if (ranks == 1) return ST_OK;
    uint64_t *all = malloc(sizeof(uint64_t) * (size_t)ranks);
    if (!all) return t->sticky = error_set(&t->err, ST_NOMEM, "replica check: out of memory");
    Error e = {0};
    Status s = dist_gather_u64(trainer_dist_checksum(t), all, &e);
    if (s) trainer_dist_fail(t, s, &e);
    for (int r = 1; !s && r < ranks; r++)
        if (all[r] != all[0] && (t->dist.shared = 1)) /* every rank compares them all */
            s = t->sticky = error_set(&t->err, ST_STATE,
                                      "replicas differ %s at iteration %d: rank %d's parameters "
                                      "(checksum %016llx) are not rank 0's (%016llx)",
                                      when, t->solver.iter, r, (unsigned long long)all[r],
                                      (unsigned long long)all[0]);
    free(all);
    return s;
}

void trainer_dist_log_allreduce(Trainer *t, double span) {
    DistStats st;
    dist_take_stats(&st);
    if (t->dist.ranks == 1 || t->disp.iters < 1) return;
    double per = 1e3 / t->disp.iters, waited = st.blocking + st.waiting;
    /* Hidden: the time sums were in flight but nobody waited for them. */
    double hidden = st.in_flight > st.waiting ? st.in_flight - st.waiting : 0;
    trainer_core_log(t,
                     "allreduce: %.3f ms of %.3f ms per iteration (%.1f%%) waited for, %.3f MB "
                     "summed per iteration over %d ranks; gradient buckets: %.1f started, %.3f "
                     "ms in flight, %.3f ms waited after backward, %.1f%% hidden behind backward",
                     waited * per, span * per, 100 * waited / span, st.bytes * per / 1e9,
                     t->dist.ranks, st.started * per / 1e3, st.in_flight * per, st.waiting * per,
                     st.in_flight > 0 ? 100 * hidden / st.in_flight : 0.0);
}

Status trainer_dist_agree_stop(Trainer *t) {
    if (t->dist.ranks == 1) return ST_OK;
    Error e = {0};
    int stop = t->stopped;
    if (dist_max_int(&stop, 1, &e)) return trainer_dist_fail(t, e.status, &e);
    t->stopped = stop;
    return ST_OK;
}
