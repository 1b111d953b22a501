#!/usr/bin/python3
"""torch_step -- the training step of bench/bench_step.c in PyTorch, for
`make bench`'s side-by-side figures (python3-torch from Debian; the tests
never need it).

VGG-16 (torchvision's config "D") with channels times WIDTH, truncated
after relu5_3; Tensor Sketch compact bilinear pooling of dimension DIM
(count sketches by index_add, circular convolution by rfft, summed over
locations) with signed square root and L2 normalisation, or global average
pooling; a 200-way linear classifier; cross-entropy; SGD with momentum 0.9
and weight decay 5e-4. Random inputs and labels; one warm-up step.

Usage: torch_step.py WIDTH RESOLUTION BATCH ts|avg DIM ITERS [THREADS [features]]
With `features` a step is inference of the feature part only, as the feature
cache runs it: the backbone and the pooling head (with its signed square
root and L2), in eval mode under torch.no_grad().
Prints "img/s <x> s/iter <y> peak_rss_mib <z>" like bench_step.
"""
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CFG_D = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512]


def backbone(width):
    layers, cin = [], 3
    for v in CFG_D:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2, ceil_mode=True))
        else:
            cout = max(1, int(round(v * width)))
            layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True)]
            cin = cout
    return nn.Sequential(*layers), cin


class TensorSketch(nn.Module):
    def __init__(self, c, d, seed=1):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.d = d
        for k in (1, 2):
            self.register_buffer("h%d" % k, torch.randint(0, d, (c,), generator=g))
            self.register_buffer("s%d" % k, torch.randint(0, 2, (c,), generator=g).float() * 2 - 1)

    def sketch(self, x, h, s):  # x: n x c x l -> n x d x l
        n, c, l = x.shape
        out = x.new_zeros(n, self.d, l)
        return out.index_add(1, h, x * s.view(1, c, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        x = x.reshape(n, c, -1)
        p1 = torch.fft.rfft(self.sketch(x, self.h1, self.s1), dim=1)
        p2 = torch.fft.rfft(self.sketch(x, self.h2, self.s2), dim=1)
        return torch.fft.irfft((p1 * p2).sum(dim=2), n=self.d, dim=1)


class Net(nn.Module):
    def __init__(self, width, pool, dim, classes=200):
        super().__init__()
        self.features, c = backbone(width)  # conv1_1 .. relu5_3 (no pool5)
        self.pool = pool
        if pool == "ts":
            self.ts = TensorSketch(c, dim)
            feat = dim
        else:
            feat = c
        self.fc = nn.Linear(feat, classes)

    def forward(self, x):
        return self.fc(self.pooled(x))

    def pooled(self, x):
        x = self.features(x)
        if self.pool == "ts":
            x = self.ts(x)
            x = torch.sign(x) * torch.sqrt(torch.abs(x) + 1e-12)
            x = F.normalize(x, dim=1)
        else:
            x = x.mean(dim=(2, 3))
        return x


def main():
    if len(sys.argv) < 7:
        sys.exit(__doc__)
    width, res, batch = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    pool, dim, iters = sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
    torch.set_num_threads(int(sys.argv[7]) if len(sys.argv) > 7 else 2)
    features = len(sys.argv) > 8 and sys.argv[8] == "features"
    torch.manual_seed(7)
    net = Net(width, pool, dim)
    if features:
        net.eval()
    opt = torch.optim.SGD(net.parameters(), lr=1e-4, momentum=0.9, weight_decay=5e-4)
    x = torch.rand(batch, 3, res, res) * 2 - 1
    y = torch.randint(0, 200, (batch,))
    t0 = 0.0
    for it in range(iters + 1):
        if it == 1:
            t0 = time.perf_counter()
        if features:
            with torch.no_grad():
                net.pooled(x)
            continue
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()
    per = (time.perf_counter() - t0) / iters
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("img/s %.3f s/iter %.3f peak_rss_mib %.0f" % (batch / per, per, rss))


if __name__ == "__main__":
    main()
