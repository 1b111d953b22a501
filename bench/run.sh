#!/usr/bin/env bash
# bench/run.sh OUT — everything `make bench` prints, in one run, so the
# ratios compare figures measured minutes apart on the same machine:
#   1. the BLAS (which kernel and why), and the machine's limits: sgemm's
#      GFLOP/s with it and the FP32 peak (bench_peak);
#   2. one training step of the same network in finelab and in PyTorch
#      (bench/torch_step.py, when Debian's python3-torch is installed) on
#      the demo's, full width, small-image and the tutorial's 448 px
#      configurations, then the feature cache's forward pass alone: images/s,
#      the ratio beside its goal, and finelab's GFLOP/s against sgemm's and
#      the peak;
#   3. every VGG-16 conv layer: the algorithm chosen, its GFLOP/s counted
#      as direct convolution against sgemm's (bench_layers);
#   4. peak RSS of both at 448 px (width 1, batch 8, Tensor Sketch 8192),
#      from the tutorial configuration's row;
#   5. the data pipeline, the feature cache and the generator
#      (bench_train, bench_synth).
# Threads: 2 for both (torch.set_num_threads). Each side's best of three
# runs, taken in turn (BENCH_ROUNDS). Read the ratios, not the absolute
# numbers: shared machines are noisy.
#
# PyTorch's allocator: glibc returns PyTorch's large tensors to the system
# when they are freed, so every step faults its activations in again
# (finelab allocates before the first step and never again). Where a page
# fault is dear, as on the 2026-12-07 development VM (an AMD EPYC, Zen 5:
# 130000 faults a step made PyTorch 5x slower), that measures the machine,
# not PyTorch; PyTorch's CPU tuning guide recommends an allocator that
# keeps memory (jemalloc, tcmalloc). So its timed runs keep freed memory in
# the process (glibc's own switches, BENCH_TORCH_MALLOC; empty: glibc's
# defaults), and its peak RSS, the memory goal's baseline, comes from one
# run with the defaults (keeping memory would raise it).
set -u
out=${1:-build/release}
cd "$(dirname "$0")/.." || exit 1
step=$out/bench/bench_step

torch_python() { # a python3 that imports torch, or nothing
    for py in /usr/bin/python3 python3; do
        command -v "$py" >/dev/null && "$py" -c 'import torch' 2>/dev/null && { echo "$py"; return; }
    done
}
py=$(torch_python)
torch_malloc=${BENCH_TORCH_MALLOC-MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_TOP_PAD_=1073741824 GLIBC_TUNABLES=glibc.malloc.hugetlb=1}
torch_step() { env $torch_malloc "$py" bench/torch_step.py "$@"; }

echo "finelab bench"
version=$("$out/finelab" version) || exit 1
echo "$version" | sed 1d
# The bench programs (and PyTorch) on the kernel finelab runs.
. bench/blas_kernel.sh
bench_kernel "$out" || exit 1
if [ -z "$py" ]; then
    echo "PyTorch: not installed; for the side-by-side figures: sudo apt-get install python3-torch"
else
    echo "PyTorch: $("$py" -c 'import torch; print(torch.__version__, "with oneDNN" if torch.backends.mkldnn.is_available() else "")') (threads 2; allocator: ${torch_malloc:-glibc defaults})"
fi

field() { # name line: the number after name
    echo "$2" | awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'
}

echo
peak=$("$out/bench/bench_peak" 2) || exit 1
sgemm=$(field sgemm_gflops "$peak")
fp32=$(field peak_gflops "$peak")
echo "== the machine's limits at 2 threads: sgemm 2048^3 $sgemm GFLOP/s; FP32 peak $fp32 GFLOP/s"
echo "   (2 threads x $(field ghz "$peak") GHz, the clock an FMA loop runs at (nominal" \
    "$(field nominal_ghz "$peak")), x $(field flops_per_cycle "$peak") FLOP/cycle: two FMA pipes" \
    "of $(field datapath "$peak") bits; bench/bench_peak.c says how)"

# Each configuration runs BENCH_ROUNDS times (default 3) on each side, the
# two sides in turn, and each side's fastest run is its figure (as
# bench_layers takes the best of its repetitions): on a machine whose
# clock moves from minute to minute, one run each put 30% of noise into
# the ratios.
rounds=${BENCH_ROUNDS:-3}
faster() { # line line: the one with more img/s (the second when the first is empty)
    if [ -z "$1" ] || awk -v a="$(field img/s "$1")" -v b="$(field img/s "$2")" \
        'BEGIN { exit !(b > a) }'; then
        echo "$2"
    else
        echo "$1"
    fi
}

# One configuration: finelab's line and PyTorch's, as a table row; the
# achieved GFLOP/s count the convolutions as direct convolution.
compare() { # label goal args...
    local label=$1 goal=$2 r line
    shift 2
    f= t=
    for ((r = 0; r < rounds; r++)); do # finelab and PyTorch in turn; each one's best run
        line=$("$step" "$@") || exit 1
        f=$(faster "$f" "$line")
        if [ -n "$py" ]; then
            line=$(torch_step "$@") || exit 1
            t=$(faster "$t" "$line")
        fi
    done
    fi=$(field img/s "$f")
    gf=$(field gflops "$f")
    share=$(printf '%5.0f%% %5.0f%%' "$(echo "100 * $gf / $sgemm" | bc -l)" \
        "$(echo "100 * $gf / $fp32" | bc -l)")
    if [ -n "$py" ]; then
        ti=$(field img/s "$t")
        printf '%-40s %9s %9s %6.2f %6s %8s %s\n' "$label" "$fi" "$ti" \
            "$(echo "$fi / $ti" | bc -l)" ">= $goal" "$gf" "$share"
    else
        printf '%-40s %9s %9s %6s %6s %8s %s\n' "$label" "$fi" - - ">= $goal" "$gf" "$share"
    fi
}
header() {
    printf '%-40s %9s %9s %6s %6s %8s %6s %6s\n' config finelab PyTorch ratio goal GFLOP/s \
        sgemm peak
}

echo
echo "== training step, finelab against PyTorch (img/s, 2 threads each, best of $rounds runs in turn)"
header
while read -r label args; do
    compare "$label" 3.0 $args 2
done <<'CONFIGS'
width_0.25_224px_batch_8_TS_8192 0.25 224 8 ts 8192 4
width_1_224px_batch_8_TS_8192 1 224 8 ts 8192 2
width_0.125_32px_batch_40_average_head 0.125 32 40 avg 8192 60
CONFIGS
# The tutorial's own configuration; its process's peak RSS is the memory line.
compare width_1_448px_batch_8_TS_8192_tutorial 3.0 1 448 8 ts 8192 1 2
f448=$f t448=$t

echo
echo "== the feature cache's forward pass (no gradients, backbone and pooling head),"
echo "   finelab against PyTorch's eval() under torch.no_grad() (img/s, 2 threads each, best of $rounds)"
header
compare width_0.25_224px_batch_8_TS_8192 3.0 0.25 224 8 ts 8192 4 2 features
compare width_1_448px_batch_8_TS_8192 3.0 1 448 8 ts 8192 1 2 features

echo
"$out/bench/bench_layers" 1 224 8 || exit 1

echo
echo "== peak RSS of the 448 px training step above (goal: finelab <= 0.7 x PyTorch)"
fr=$(field peak_rss_mib "$f448")
if [ -n "$t448" ]; then
    tr=$(field peak_rss_mib "$t448")
    if [ -n "$torch_malloc" ]; then # the defaults' RSS: one step (and the warm-up)
        t448=$("$py" bench/torch_step.py 1 448 8 ts 8192 1 2) || exit 1
        tr=$(field peak_rss_mib "$t448")
    fi
    printf 'finelab %s MiB, PyTorch %s MiB: %.2f x\n' "$fr" "$tr" "$(echo "$fr / $tr" | bc -l)"
else
    echo "finelab $fr MiB; PyTorch not installed"
fi

echo
"$out/bench/bench_synth" || exit 1
echo
"$out/bench/bench_train" || exit 1
