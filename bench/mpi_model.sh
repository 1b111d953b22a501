#!/usr/bin/env bash
# bench/mpi_model.sh OUT — data-parallel scaling on paper, from measured
# inputs (`make bench-mpi` runs it after bench/mpi_scaling.sh): for the
# demo's stage 2 (width 0.25, 224 px, batch 8, Tensor Sketch 8192, 20
# classes) and the tutorial's (VGG-16, 448 px, batch 8, TS 8192, 200
# classes), bench_backward measures one process's step on this machine
# (forward, backward layer by layer, solver; 2 BLAS threads) and the bytes
# of gradient each layer completes; the model then gives the scaling
# efficiency of N ranks of batch 8 each (global batch 8N) at N = 8, 32, 128
# on 10 and 100 Gbit/s links:
#
#   ring allreduce of B bytes: T(B) = 2(N-1)/N x B / rate + 2(N-1) x alpha
#   one blocking sum after backward:  exposed = T(all)
#   buckets (trainer_dist.c's plan): bucket k is ready when the layer that
#     completes it ends; the link sums one bucket at a time, in order
#     (start = max(ready, previous end)); exposed = max(0, last end - backward)
#   plus three small sums an iteration (failure agreement, loss, stop):
#     log2(N) x alpha each (recursive doubling)
#   efficiency = step / (step + exposed), step = forward + backward + solver
#
# Assumed, not measured: the link's rate is all payload; alpha = 20 us a
# step at 10 Gbit/s (TCP over Ethernet), 5 us at 100 Gbit/s (RDMA); MPI
# moves a started sum while backward computes (an asynchronous progress
# thread or a NIC that offloads it: finelab calls MPI_Testall between
# layers, so without one a sum moves at layer boundaries, see README); the
# node is this machine (column "node x1") or 16 times faster at the same
# per-layer proportions ("x16", e.g. 32 cores of the same kind). Horovod's
# published figure for VGG-16 is 68% at 512 GPUs (Sergeev & Del Balso 2018).
set -u
out=${1:-build/release}
cd "$(dirname "$0")/.." || exit 1
bb=$out/bench/bench_backward
[ -x "$bb" ] || { echo "no $bb: make $bb"; exit 1; }
. bench/blas_kernel.sh # bench_backward on the kernel finelab runs
bench_kernel "$out" || exit 1
tmp=$(mktemp -d /tmp/finelab_mpi_model_XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# model FILE TITLE: the tables for one measured configuration.
model() {
    awk -v title="$2" '
    $1 == "step" { fwd = $3; bwd = $5; upd = $7 }
    $1 == "layer" { n++; name[n] = $2; ms[n] = $4; bytes[n] = $6; total += $6 }
    # The buckets of at least cap bytes over the layers, top first: nb,
    # bb[k] (bytes), br[k] (ready, ms after backward starts, / speed).
    function plan(cap, speed,    k, t, acc) {
        nb = 0; t = 0; acc = 0
        for (k = 1; k <= n; k++) {
            t += ms[k] / speed; acc += bytes[k]
            if (acc > 0 && (acc >= cap || k == n)) { nb++; bb[nb] = acc; br[nb] = t; acc = 0 }
        }
    }
    function ring(b, N, rate, alpha) { # ms
        return 1e3 * (2 * (N - 1) / N * b / rate + 2 * (N - 1) * alpha)
    }
    # Exposed ms of an iteration on N ranks; cap < 0: one blocking sum.
    function exposed(cap, N, gbit, speed,    rate, alpha, k, end, small) {
        rate = gbit * 1e9 / 8; alpha = gbit >= 100 ? 5e-6 : 20e-6
        small = 3 * 1e3 * log(N) / log(2) * alpha
        if (cap < 0) return ring(total, N, rate, alpha) + small
        plan(cap, speed); end = 0
        for (k = 1; k <= nb; k++) end = (br[k] > end ? br[k] : end) + ring(bb[k], N, rate, alpha)
        return (end > bwd / speed ? end - bwd / speed : 0) + small
    }
    function eff(cap, N, gbit, speed,    step) {
        step = (fwd + bwd + upd) / speed
        return 100 * step / (step + exposed(cap, N, gbit, speed))
    }
    END {
        cap = 4 * 1048576
        plan(cap, 1)
        printf "%s: step %.0f ms (forward %.0f, backward %.0f, solver %.0f) on this machine, %.2f MB of gradients, %d buckets of >= 4 MiB\n",
            title, fwd + bwd + upd, fwd, bwd, upd, total / 1e6, nb
        printf "| nodes | node | 10 Gbit/s, one sum after backward | 10 Gbit/s, 4 MiB buckets | 100 Gbit/s, one sum | 100 Gbit/s, 4 MiB buckets |\n"
        printf "|---|---|---|---|---|---|\n"
        split("8 32 128", Ns, " ")
        for (s = 1; s <= 2; s++) for (i = 1; i <= 3; i++) {
            speed = s == 1 ? 1 : 16; N = Ns[i]
            printf "| %d | x%d | %.1f%% | %.1f%% | %.1f%% | %.1f%% |\n", N, speed,
                eff(-1, N, 10, speed), eff(cap, N, 10, speed), eff(-1, N, 100, speed), eff(cap, N, 100, speed)
        }
        printf "bucket size at 32 nodes (x16 node), efficiency at 10 / 100 Gbit/s:"
        split("1 2 4 8 16 25 64", caps, " ")
        for (i = 1; i <= 7; i++)
            printf "  %s MiB %.1f/%.1f%%", caps[i], eff(caps[i] * 1048576, 32, 10, 16), eff(caps[i] * 1048576, 32, 100, 16)
        printf "\n"
    }' "$1"
}

echo "finelab bench-mpi model: scaling efficiency on paper (bench/mpi_model.sh)"
"$bb" 0.25 224 8 8192 20 4 > "$tmp/demo" || { echo "bench_backward failed"; exit 1; }
model "$tmp/demo" "demo stage 2 (width 0.25, 224 px, batch 8, TS 8192, 20 classes)"
"$bb" 1 448 8 8192 200 2 > "$tmp/tutorial" || { echo "bench_backward failed"; exit 1; }
model "$tmp/tutorial" "tutorial (VGG-16, 448 px, batch 8, TS 8192, 200 classes)"
echo "per-layer backward (ms, tutorial then demo; bytes of gradient completed):"
paste "$tmp/tutorial" "$tmp/demo" | awk '$1 == "layer" { printf "  %-12s %8.1f ms %10.0f B   %7.1f ms %9.0f B\n", $2, $4, $6, $10, $12 }'
echo "Horovod, published: VGG-16 at 68% scaling efficiency on 512 GPUs (Sergeev & Del Balso 2018)"
