/*
 * accuracy — top-1 accuracy. See accuracy.h.
 *
 * The scan keeps the first maximum (strict >), as torch.argmax does. This
 * differs from Caffe's AccuracyLayer only on exact ties: Caffe counts a
 * sample wrong when any other class ties with the label's score, we count it
 * right when the label is the first of the tied classes. A NaN score never
 * compares greater, so it is chosen only when it is the first score.
 */
#include "engine/nn/accuracy.h"

int accuracy_argmax(const Tensor *scores, int i) {
    size_t k = tensor_sample_size(scores);
    CHECK(k > 0);
    const float *s = tensor_sample(scores, i);
    size_t best = 0;
    for (size_t j = 1; j < k; j++)
        if (s[j] > s[best]) best = j;
    return (int)best;
}

int accuracy_count(const Tensor *scores, const int *labels) {
    size_t k = tensor_sample_size(scores);
    int correct = 0;
    for (int i = 0; i < scores->n; i++) {
        CHECK(labels[i] >= 0 && (size_t)labels[i] < k);
        if (accuracy_argmax(scores, i) == labels[i]) correct++;
    }
    return correct;
}

double accuracy_top1(const Tensor *scores, const int *labels) {
    if (scores->n <= 0) return 0.0;
    return (double)accuracy_count(scores, labels) / scores->n;
}
