#!/usr/bin/env python3
"""The expected values of tests/engine/train/test_solver.c's update-rule test, computed
independently of engine/train/solver.c: each rule written from its paper /
Caffe's documented formula in plain double-precision Python, over the
test's problem (two parameters with lr_mult / decay_mult other than 1, L2
weight decay 0.1, iter_size 2, clip_gradients 0.9 which clips the first
step only, three steps). Prints the C initialisers the test holds.

    python3 tests/lib/solver_reference.py
"""
import math

W0 = [[1.0, -2.0], [0.5]]
LR_MULT = [2.0, 1.0]
DECAY_MULT = [0.5, 0.0]
GRADS = [  # summed over iter_size = 2 passes, per step
    [[0.6, -0.2], [0.8]],
    [[0.2, 0.4], [-0.6]],
    [[-0.4, 0.6], [0.2]],
]
BASE_LR, DECAY, ITER_SIZE, CLIP = 0.1, 0.1, 2, 0.9


def prepared(g, w):
    """Clip the whole gradient to norm CLIP, then average and decay."""
    norm = math.sqrt(sum(x * x for p in g for x in p))
    scale = CLIP / norm if norm > CLIP else 1.0
    return [[x * scale / ITER_SIZE + DECAY * DECAY_MULT[i] * wk
             for x, wk in zip(p, w[i])] for i, p in enumerate(g)]


def run(rule, cfg):
    w = [list(p) for p in W0]
    h = [[0.0] * len(p) for p in W0]
    h2 = [[0.0] * len(p) for p in W0]
    steps = []
    for it, g in enumerate(GRADS):
        d = prepared(g, w)
        for i in range(len(w)):
            lr = BASE_LR * LR_MULT[i]
            for k in range(len(w[i])):
                w[i][k] -= rule(cfg, it, lr, d[i][k], h[i], h2[i], k)
        steps.append([x for p in w for x in p])
    return steps, [x for p in h for x in p], [x for p in h2 for x in p]


def sgd(c, it, lr, d, h, h2, k):
    h[k] = lr * d + c["momentum"] * h[k]
    return h[k]


def nesterov(c, it, lr, d, h, h2, k):
    mu = c["momentum"]
    old = h[k]
    h[k] = lr * d + mu * h[k]
    return h[k] + mu * (h[k] - old)  # the look-ahead step


def adagrad(c, it, lr, d, h, h2, k):
    h[k] += d * d
    return lr * d / (math.sqrt(h[k]) + c["delta"])


def rmsprop(c, it, lr, d, h, h2, k):
    h[k] = c["rms_decay"] * h[k] + (1 - c["rms_decay"]) * d * d
    return lr * d / (math.sqrt(h[k]) + c["delta"])


def adadelta(c, it, lr, d, h, h2, k):
    rho, eps = c["momentum"], c["delta"]
    h[k] = rho * h[k] + (1 - rho) * d * d
    u = d * math.sqrt(h2[k] + eps) / math.sqrt(h[k] + eps)
    h2[k] = rho * h2[k] + (1 - rho) * u * u
    return lr * u


def adam(c, it, lr, d, h, h2, k):
    b1, b2, eps, t = c["momentum"], c["momentum2"], c["delta"], it + 1
    h[k] = b1 * h[k] + (1 - b1) * d
    h2[k] = b2 * h2[k] + (1 - b2) * d * d
    return lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t) * h[k] / (math.sqrt(h2[k]) + eps)


CASES = [
    ("SGD", sgd, {"momentum": 0.9}),
    ("Nesterov", nesterov, {"momentum": 0.9}),
    ("AdaGrad", adagrad, {"delta": 1e-4}),
    ("RMSProp", rmsprop, {"rms_decay": 0.9, "delta": 1e-4}),
    ("AdaDelta", adadelta, {"momentum": 0.95, "delta": 1e-4}),
    ("Adam", adam, {"momentum": 0.9, "momentum2": 0.999, "delta": 1e-8}),
]

for name, rule, cfg in CASES:
    steps, h, h2 = run(rule, cfg)
    fmt = lambda xs: "{" + ", ".join("%.9gf" % x for x in xs) + "}"
    print("/* %s */" % name)
    print("{%s}," % ", ".join(fmt(s) for s in steps))
    print("%s, %s," % (fmt(h), fmt(h2)))
