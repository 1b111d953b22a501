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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/dist.h"
#include "engine/train/trainer_internal.h"

/* The default bucket: 4 MiB. A bucket costs a latency per sum (2(N - 1)
 * steps of a ring) and the last bucket, which starts only when backward
 * ends, is never hidden: smaller buckets hide more and pay more latency.
 * VGG-16 gives its gradients in the wrong order for overlap (the large
 * classifier and conv4/conv5 weights first, the expensive early layers
 * last with little gradient), so the buckets need not be small to start
 * early, only the last one small: at 4 MiB the tutorial's network (65 MB)
 * sums in 9 buckets, the last conv3_1 .. conv1_1 (2.2 MB), and the demo's
 * (width 0.25, 4.3 MB) in 2, the first ready after conv3_2, the last
 * 0.14 MB. bench/mpi_model.sh sweeps 1 to 64 MiB on measured backward
 * times: 4 MiB is the best or within half a point of it for both at 32 nodes,
 * where 8 MiB and more leave the demo's whole gradient to the end (one
 * bucket) and 64 MiB the tutorial's. PyTorch's DDP takes 25 MB and
 * Horovod fuses up to 64 MB: on GPUs backward is 10-100 times shorter, so
 * fewer, larger sums pay less latency where there is less to hide behind. */
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
    int n = t->dist.ranks;
    t->dist.each = malloc(sizeof(float) * 3 * (size_t)n);
    t->dist.counts = malloc(sizeof(int) * (size_t)n);
    t->dist.displs = malloc(sizeof(int) * (size_t)n);
    if (!t->dist.each || !t->dist.counts || !t->dist.displs)
        return error_set(err, ST_NOMEM, "trainer: out of memory for %d ranks", n);
    for (int r = 0; r < n; r++) t->dist.counts[r] = 3, t->dist.displs[r] = 3 * r;
    long cap = t->cfg.dist_bucket_bytes;
    if (cap < 0) return ST_OK;
    Status s = trainer_dist_plan(t, cap ? cap : TRAINER_DIST_BUCKET_BYTES, err);
    if (s) return s;
    trainer_core_log_as(t, TRAIN_LOG_DETAIL,
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
    free(t->dist.each);
    free(t->dist.counts);
    free(t->dist.displs);
    t->dist.each = NULL;
    t->dist.counts = t->dist.displs = NULL;
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

Status trainer_dist_take_stats(Trainer *t) {
    TrainerDist *d = &t->dist;
    dist_take_stats(&d->stats);
    if (d->ranks == 1) return ST_OK;
    float *mine = d->each + 3 * d->rank;
    mine[0] = (float)d->stats.waiting;
    mine[1] = (float)d->stats.in_flight;
    mine[2] = (float)d->stats.blocking;
    Error e = {0};
    Status s = dist_gather_f32(d->each, d->counts, d->displs, &e);
    return s ? trainer_dist_fail(t, s, &e) : ST_OK;
}

/* "F ms in flight, W ms waited after backward, H% hidden behind backward"
 * of in flight f and waited w (seconds), per iteration (per: ms / s). */
static void trainer_dist_hidden(char *buf, size_t cap, double f, double w, double per) {
    double hidden = f > w ? f - w : 0; /* in flight, and no one waited */
    snprintf(buf, cap,
             "%.3f ms in flight, %.3f ms waited after backward, %.1f%% hidden behind "
             "backward",
             f * per, w * per, f > 0 ? 100 * hidden / f : 0.0);
}

void trainer_dist_log_allreduce(Trainer *t, double span) {
    const TrainerDist *d = &t->dist;
    const DistStats *st = &d->stats;
    if (d->ranks == 1 || t->disp.iters < 1) return;
    double per = 1e3 / t->disp.iters, waited = st->blocking + st->waiting;
    /* The rank that waited least after backward finished it last: its wait
     * is the sums' alone, where the others' holds their wait for it. */
    int last = 0;
    for (int r = 1; r < d->ranks; r++)
        if (d->each[3 * r] + d->each[3 * r + 2] < d->each[3 * last] + d->each[3 * last + 2])
            last = r;
    char mine[160], theirs[160];
    trainer_dist_hidden(mine, sizeof mine, st->in_flight, st->waiting, per);
    trainer_dist_hidden(theirs, sizeof theirs, d->each[3 * last + 1], d->each[3 * last], per);
    trainer_core_log_as(t, TRAIN_LOG_DETAIL,
                        "allreduce: %.3f ms of %.3f ms per iteration (%.1f%%) waited for, %.3f MB "
                        "summed per iteration over %d ranks; gradient buckets: %.1f started, %s; "
                        "rank %d, last out of backward: %.3f ms in blocking sums, %s",
                        waited * per, span * per, 100 * waited / span, st->bytes * per / 1e9,
                        d->ranks, st->started * per / 1e3, mine, last, d->each[3 * last + 2] * per,
                        theirs);
}

Status trainer_dist_agree_stop(Trainer *t) {
    if (t->dist.ranks == 1) return ST_OK;
    Error e = {0};
    int stop = t->stopped;
    if (dist_max_int(&stop, 1, &e)) return trainer_dist_fail(t, e.status, &e);
    t->stopped = stop;
    return ST_OK;
}
