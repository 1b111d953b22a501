/*
 * trainer_dist — the trainer's data-parallel part (docs/DESIGN.md section
 * 10): N ranks of iter_size S train what one process of iter_size N x S
 * trains. Every iteration agrees on failures and stops, sums the loss,
 * the display counts and every trainable gradient (one packed buffer, one
 * allreduce); replicas are compared by checksum at the start and at every
 * snapshot. With one rank every call here is a no-op, so trainer.c has one
 * code path.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/base/dist.h"
#include "engine/train/trainer_internal.h"

Status trainer_dist_init(Trainer *t, Error *err) {
    t->dist.rank = dist_rank();
    t->dist.ranks = dist_size();
    if (t->dist.ranks == 1) return ST_OK;
    for (int i = 0; i < t->solver.n_params; i++)
        t->dist.n_grads += tensor_count(&t->solver.params[i]->grad);
    if (!(t->dist.grads = malloc(sizeof(float) * t->dist.n_grads)))
        return error_set(err, ST_NOMEM, "trainer: out of memory for %zu gradients",
                         t->dist.n_grads);
    return ST_OK;
}

void trainer_dist_fini(Trainer *t) {
    free(t->dist.grads);
    t->dist.grads = NULL;
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

/* Copies every trainable gradient into the packed buffer (to) or back. */
static void trainer_dist_pack(Trainer *t, int to) {
    size_t off = 0;
    for (int i = 0; i < t->solver.n_params; i++) {
        Tensor *g = &t->solver.params[i]->grad;
        size_t n = tensor_count(g);
        if (to)
            memcpy(t->dist.grads + off, g->data, sizeof(float) * n);
        else
            memcpy(g->data, t->dist.grads + off, sizeof(float) * n);
        off += n;
    }
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
    trainer_dist_pack(t, 1);
    if (dist_sum_f32(t->dist.grads, t->dist.n_grads, &e)) return trainer_dist_fail(t, e.status, &e);
    trainer_dist_pack(t, 0);
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
    double secs, bytes;
    dist_take_stats(&secs, &bytes);
    if (t->dist.ranks == 1 || t->disp.iters < 1) return;
    double per = 1.0 / t->disp.iters;
    trainer_core_log(t,
                     "allreduce: %.3f ms of %.3f ms per iteration (%.1f%%), %.3f MB summed per "
                     "iteration over %d ranks",
                     1e3 * secs * per, 1e3 * span * per, 100 * secs / span, bytes * per / 1e6,
                     t->dist.ranks);
}

Status trainer_dist_agree_stop(Trainer *t) {
    if (t->dist.ranks == 1) return ST_OK;
    Error e = {0};
    int stop = t->stopped;
    if (dist_max_int(&stop, 1, &e)) return trainer_dist_fail(t, e.status, &e);
    t->stopped = stop;
    return ST_OK;
}
