/*
 * softmax_loss — softmax over each sample's K = c*h*w logits followed by the
 * cross-entropy with an integer label, as Caffe's SoftmaxWithLoss.
 *
 * Not a Layer because it also takes labels. The caller owns every tensor;
 * probs (and dlogits) must have room for logits->n samples of K values, and
 * nothing is allocated. Labels must lie in [0, K): callers validate data
 * first, so an out-of-range label is a programming error and aborts (CHECK).
 * One thread (the engine's) at a time; these calls cannot fail.
 */
#ifndef FINELAB_SOFTMAX_LOSS_H
#define FINELAB_SOFTMAX_LOSS_H

#include "engine/base/tensor.h"

/* probs = softmax(logits) per sample (max subtracted first, so large logits
 * stay finite); probs->n becomes logits->n and probs may alias logits.
 * Returns the mean over the batch of -log(max(p[label], FLT_MIN)). */
float softmax_loss_forward(const Tensor *logits, const int *labels, Tensor *probs);

/* dlogits = loss_weight * (probs - onehot(label)) / n for the probs of the
 * last forward; dlogits->n becomes probs->n and dlogits may alias probs. */
void softmax_loss_backward(const Tensor *probs, const int *labels, float loss_weight,
                           Tensor *dlogits);

#endif
