/*
 * accuracy — top-1 accuracy of a batch of scores against integer labels.
 *
 * Not a Layer: it has no backward and takes labels. A sample counts as
 * correct when the index of its largest score (the FIRST one on ties, so a
 * constant score vector predicts class 0) equals its label. Scores are
 * n x K with K = c*h*w; logits and softmax probabilities give the same
 * answer. Labels must lie in [0, K): callers validate data first, so an
 * out-of-range label is a programming error and aborts (CHECK). Pure
 * functions of their arguments; any thread.
 */
#ifndef FINELAB_ACCURACY_H
#define FINELAB_ACCURACY_H

#include "engine/base/tensor.h"

/* Index of the first largest of the K scores of sample i (i < scores->n). */
int accuracy_argmax(const Tensor *scores, int i);

/* Number of the scores->n samples whose argmax equals labels[i]. */
int accuracy_count(const Tensor *scores, const int *labels);

/* accuracy_count / scores->n, in [0, 1]; 0 for an empty batch. */
double accuracy_top1(const Tensor *scores, const int *labels);

#endif
