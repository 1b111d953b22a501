/*
 * trainer_core — what every part of the trainer uses (trainer_internal.h):
 * its log lines and progress reports, the sticky error, the questions to
 * the caller (still recording? stop?), the run's clock, and one batch's
 * forward, loss and backward pass. It calls no other part, so the parts
 * stand in one order: trainer -> heldout, cache -> dist -> core.
 */
#include <stdarg.h>
#include <stdio.h>

#include "engine/base/timer.h"
#include "engine/nn/accuracy.h"
#include "engine/nn/softmax_loss.h"
#include "engine/train/trainer_internal.h"

__attribute__((format(printf, 3, 0))) static void trainer_core_vlog(Trainer *t, TrainLogKind kind,
                                                                    const char *fmt, va_list ap) {
    if (!t->cb.on_log) return;
    char line[640];
    vsnprintf(line, sizeof line, fmt, ap);
    t->cb.on_log(t->cb.ctx, kind, line);
}

void trainer_core_log(Trainer *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    trainer_core_vlog(t, TRAIN_LOG_EVENT, fmt, ap);
    va_end(ap);
}

void trainer_core_log_as(Trainer *t, TrainLogKind kind, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    trainer_core_vlog(t, kind, fmt, ap);
    va_end(ap);
}

void trainer_core_progress(Trainer *t, TrainPhase phase, long done, long total) {
    if (!t->cb.on_progress) return;
    TrainProgress p = {.phase = phase, .done = done, .total = total};
    t->cb.on_progress(t->cb.ctx, &p);
}

Status trainer_core_fail(Trainer *t, Status s, Error *err) {
    t->sticky = s;
    return error_set(err, s, "%s", t->err.msg);
}

/* The stop is taken as a stop would be, but trainer_finish writes no
 * snapshot: it returns the error. */
int trainer_core_unrecorded(Trainer *t) {
    if (t->sticky || !t->cb.recorded) return 0;
    Error e = {0};
    Status s = t->cb.recorded(t->cb.ctx, &e);
    if (!s) return 0;
    t->sticky = error_set(&t->err, s, "%s", e.msg);
    t->stopped = 1;
    return 1;
}

int trainer_core_ask_stop(Trainer *t) {
    if (trainer_core_unrecorded(t)) return 1;
    if (!t->stopped && t->cb.should_stop && t->cb.should_stop(t->cb.ctx)) t->stopped = 1;
    return t->stopped;
}

int trainer_core_ask_stop_inside(Trainer *t) {
    return t->dist.ranks > 1 ? 0 : trainer_core_ask_stop(t);
}

double trainer_core_seconds(const Trainer *t) {
    return t->seconds0 + timer_now() - t->t0;
}

double trainer_core_pass(Trainer *t, const Tensor *x, const int *labels, int train,
                         int64_t *correct) {
    const Tensor *logits =
        t->cache.use ? net_forward_classifier(t->net, x) : net_forward(t->net, x);
    double loss = softmax_loss_forward(logits, labels, &t->probs);
    *correct += accuracy_count(logits, labels);
    if (train) {
        softmax_loss_backward(&t->probs, labels, 1.0f, &t->dlogits);
        if (t->cache.use)
            net_backward_classifier(t->net, x, &t->dlogits);
        else
            net_backward(t->net, x, &t->dlogits);
    }
    return loss;
}
