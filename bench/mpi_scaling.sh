#!/usr/bin/env bash
# bench/mpi_scaling.sh OUT [WIDTH RES BATCH ITERS DIM CLASSES] — data-parallel
# scaling on this machine (`make bench-mpi`): the same training run (from
# scratch, global batch 2 x BATCH) as 1 process x 2 BLAS threads with
# iter_size 2, and as mpirun -np 2 x 1 BLAS thread with iter_size 1. Prints
# each one's images/s (median of the display rows after the first) and,
# from rank 0's "allreduce:" log lines (after the first, which holds
# start-up): the time per iteration spent waiting for sums, the bytes
# summed, and of the gradient buckets' time in flight the share hidden
# behind backward (in flight and not waited for after it). Default: the
# demo's stage 2 network, width 0.25, 224 px, batch 8, Tensor Sketch 8192,
# 20 classes, 24 iterations.
set -u
out=${1:-build/release}
width=${2:-0.25} res=${3:-224} batch=${4:-8} iters=${5:-24} dim=${6:-8192} classes=${7:-20}
cd "$(dirname "$0")/.." || exit 1
fl=$(realpath "$out/finelab")
"$fl" version | grep -q '^MPI: not built' && { echo "MPI not built: make MPI=1 after make deps MPI=1"; exit 1; }
command -v mpirun >/dev/null || { echo "no mpirun: make deps MPI=1"; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
tmp=$(mktemp -d /tmp/finelab_bench_mpi_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$fl" synth "$tmp/birds" --classes "$classes" --per-class 10 --size $((res + res / 8)) >/dev/null 2>&1 ||
    { echo "cannot make the dataset"; exit 1; }
preset() { # FILE THREADS ITER_SIZE
    cat > "$1" <<INI
[experiment]
threads = $2
[data]
dataset = $tmp/birds
split = official
resize = $((res + res / 8))
resolution = $res
loader_threads = 1
[model]
width = $width
bilinear_dim = $dim
[transfer]
mode = scratch
[solver]
max_iter = $iters
batch_size = $batch
iter_size = $3
test_iter = 0
test_interval = 0
display = $(( iters / 8 > 0 ? iters / 8 : 1 ))
snapshot = 0
INI
}
median_ips() { # RUN_DIR: median images/s of the train rows after the first
    awk -F'\t' '$2 == "train" && ++n > 1 { print $7 }' "$1/metrics.tsv" | sort -g |
        awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'
}
preset "$tmp/one.ini" 2 2
preset "$tmp/two.ini" 1 1
echo "finelab bench-mpi: width $width, $res px, Tensor Sketch $dim, $classes classes, global batch $((2 * batch)), $iters iterations"
"$fl" version | sed 1d
"$fl" run "$tmp/one.ini" --runs-dir "$tmp/one" --progress 0 >/dev/null 2>&1 || { echo "1 rank failed"; exit 1; }
mpirun -np 2 --oversubscribe "$fl" run "$tmp/two.ini" --runs-dir "$tmp/two" --progress 0 \
    >/dev/null 2>&1 || { echo "2 ranks failed"; exit 1; }
one=$(ls -d "$tmp"/one/*/) two=$(ls -d "$tmp"/two/*/)
a=$(median_ips "$one") b=$(median_ips "$two")
printf '1 rank  x 2 BLAS threads (iter_size 2): %8.1f images/s\n' "$a"
printf '2 ranks x 1 BLAS thread  (iter_size 1): %8.1f images/s  (%.2fx)\n' "$b" \
    "$(awk -v a="$a" -v b="$b" 'BEGIN { print (a > 0 ? b / a : 0) }')"
# The allreduce lines after the first display row (which holds start-up):
# rank 0's time waiting for sums, and the gradient buckets' time in flight
# and waited for after backward as the rank that finished backward last saw
# them (the others' waits hold their wait for it, not the sums).
grep 'allreduce: .* per iteration' "$two/log.txt" | sed 1d | awk '
    { for (i = 1; i <= NF; i++) { if ($i == "ms" && $(i + 1) == "of") ar += $(i - 1)
                                  if ($i == "ms" && $(i + 1) == "per") it += $(i - 1)
                                  if ($i == "MB") mb = $(i - 1)
                                  if ($i == "started,") nb = $(i - 1)
                                  if ($i == "last") { fl = wa = bl = 0 }
                                  if ($i == "ms" && $(i + 1) == "in" && $(i + 2) == "flight,") fl = $(i - 1)
                                  if ($i == "ms" && $(i + 1) == "waited" && $(i + 2) == "after") wa = $(i - 1)
                                  if ($i == "ms" && $(i + 1) == "in" && $(i + 2) == "blocking") bl = $(i - 1) }
      FL += fl; WA += wa; BL += bl; n++ }
    END { if (!n) exit
          printf "allreduce (2 ranks): rank 0 waited %.3f ms of %.2f ms per iteration (%.1f%%), %.3f MB summed per iteration\n", ar / n, it / n, 100 * ar / it, mb
          printf "the rank last out of backward: %.3f ms in blocking sums; gradient buckets (%s per iteration) %.3f ms in flight, %.3f ms waited for after backward: %.1f%% hidden behind backward\n", BL / n, nb, FL / n, WA / n, (FL > 0 ? 100 * (FL - WA) / FL : 0) }'
