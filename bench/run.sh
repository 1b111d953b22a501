#!/usr/bin/env bash
# bench/run.sh OUT — everything `make bench` prints, in one run, so the
# ratios compare figures measured minutes apart on the same machine:
#   1. the BLAS (which kernel and why) and sgemm's GFLOP/s with it;
#   2. one training step of the same network in finelab and in PyTorch
#      (bench/torch_step.py, when Debian's python3-torch is installed) on
#      the three configurations of issue 11, images/s and the ratio;
#   3. every VGG-16 conv layer: the algorithm chosen, its GFLOP/s counted
#      as direct convolution against sgemm's (bench_layers);
#   4. peak RSS of both at 448 px (width 1, batch 8, Tensor Sketch 8192);
#   5. the data pipeline, the feature cache and the generator
#      (bench_train, bench_synth).
# Threads: 2 for both (torch.set_num_threads). Read the ratios, not the
# absolute numbers: shared machines are noisy.
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

echo "finelab bench"
"$out/finelab" version | sed 1d
if [ -z "$py" ]; then
    echo "PyTorch: not installed; for the side-by-side figures: sudo apt-get install python3-torch"
else
    echo "PyTorch: $("$py" -c 'import torch; print(torch.__version__, "with oneDNN" if torch.backends.mkldnn.is_available() else "")') (threads 2)"
fi

field() { # name line: the number after name
    echo "$2" | awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'
}

echo
echo "== training step, finelab against PyTorch (img/s, 2 threads; goal: ratio >= 2.0)"
printf '%-44s %10s %10s %7s\n' config finelab PyTorch ratio
while read -r label args; do
    f=$("$step" $args 2) || exit 1
    fi=$(field img/s "$f")
    if [ -n "$py" ]; then
        t=$("$py" bench/torch_step.py $args 2) || exit 1
        ti=$(field img/s "$t")
        printf '%-44s %10s %10s %7.2f\n' "$label" "$fi" "$ti" "$(echo "$fi / $ti" | bc -l)"
    else
        printf '%-44s %10s %10s %7s\n' "$label" "$fi" - -
    fi
done <<'CONFIGS'
width_0.25_224px_batch_8_TS_8192 0.25 224 8 ts 8192 4
width_1_224px_batch_8_TS_8192 1 224 8 ts 8192 2
width_0.125_32px_batch_40_average_head 0.125 32 40 avg 8192 60
CONFIGS

echo
"$out/bench/bench_layers" 1 224 8 || exit 1

echo
echo "== peak RSS at 448 px, width 1, batch 8, TS d = 8192 (goal: finelab <= 0.8 x PyTorch)"
f=$("$step" 1 448 8 ts 8192 1 2) || exit 1
fr=$(field peak_rss_mib "$f")
if [ -n "$py" ]; then
    t=$("$py" bench/torch_step.py 1 448 8 ts 8192 1 2) || exit 1
    tr=$(field peak_rss_mib "$t")
    printf 'finelab %s MiB (%s img/s), PyTorch %s MiB (%s img/s): %.2f x\n' "$fr" \
        "$(field img/s "$f")" "$tr" "$(field img/s "$t")" "$(echo "$fr / $tr" | bc -l)"
else
    echo "finelab $fr MiB ($(field img/s "$f") img/s); PyTorch not installed"
fi

echo
"$out/bench/bench_synth" || exit 1
echo
"$out/bench/bench_train" || exit 1
