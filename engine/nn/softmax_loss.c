/*
 * softmax_loss — softmax with cross-entropy loss. See softmax_loss.h.
 *
 * Each sample subtracts its largest logit before exponentiating, so no exp
 * overflows and the largest term is exactly 1; the sum and the loss are
 * accumulated in double. A label probability that underflows to 0 is read
 * as FLT_MIN, as Caffe does, so one sample costs at most -log(FLT_MIN) ~ 87.3.
 */
#include "engine/nn/softmax_loss.h"

#include <float.h>
#include <math.h>

/* Checks what both directions need: matching sizes, room, in-range labels. */
static void softmax_loss_check(const Tensor *src, const int *labels, const Tensor *dst) {
    size_t k = tensor_sample_size(src);
    CHECK(k > 0 && tensor_sample_size(dst) == k);
    CHECK((size_t)src->n * k <= tensor_capacity(dst));
    for (int i = 0; i < src->n; i++) CHECK(labels[i] >= 0 && (size_t)labels[i] < k);
}

float softmax_loss_forward(const Tensor *logits, const int *labels, Tensor *probs) {
    softmax_loss_check(logits, labels, probs);
    size_t k = tensor_sample_size(logits);
    int n = logits->n;
    probs->n = n;
    double loss = 0.0;
    for (int i = 0; i < n; i++) {
        const float *z = logits->data + (size_t)i * k;
        float *p = probs->data + (size_t)i * k;
        float zmax = z[0];
        for (size_t j = 1; j < k; j++)
            if (z[j] > zmax) zmax = z[j];
        double sum = 0.0;
        for (size_t j = 0; j < k; j++) {
            p[j] = expf(z[j] - zmax);
            sum += p[j];
        }
        for (size_t j = 0; j < k; j++) p[j] = (float)(p[j] / sum);
        /* Caffe's std::max(prob, FLT_MIN): a NaN probability stays NaN (fmax
         * would hide it as FLT_MIN), so a diverged net shows a NaN loss. */
        double pl = p[labels[i]];
        loss -= log(pl < (double)FLT_MIN ? (double)FLT_MIN : pl);
    }
    return n > 0 ? (float)(loss / n) : 0.0f;
}

void softmax_loss_backward(const Tensor *probs, const int *labels, float loss_weight,
                           Tensor *dlogits) {
    softmax_loss_check(probs, labels, dlogits);
    size_t k = tensor_sample_size(probs);
    int n = probs->n;
    dlogits->n = n;
    if (n == 0) return;
    float scale = loss_weight / (float)n;
    for (int i = 0; i < n; i++) {
        const float *p = probs->data + (size_t)i * k;
        float *d = dlogits->data + (size_t)i * k;
        for (size_t j = 0; j < k; j++) d[j] = scale * p[j];
        d[labels[i]] -= scale;
    }
}
