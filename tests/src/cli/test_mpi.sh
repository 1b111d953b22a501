#!/usr/bin/env bash
# test_mpi — data-parallel training under `mpirun -np 2` (issue 13): two
# ranks of batch_size B write the metrics.tsv rows one process with
# iter_size 2 writes (iteration, phase, learning rate and accuracy exactly;
# loss within a relative 1e-5, for the order floats are summed in), from
# scratch and in last_layer mode with the feature cache built in parallel;
# status.ini records ranks = 2; an N=2 run stopped part-way and resumed
# with N=2 writes the rows of a run that never stopped, and with N=1 keeps
# and continues its rows and its data sequence; both ranks resume past a
# bad snapshot from the same good one, or both refuse; a rank killed (rank 0 too),
# or an image that breaks on one rank, fails the whole job cleanly naming
# the rank; the run store's feature cache that two ranks built one process
# reads, and the other way round, to the same rows, and a damaged one is
# named once and built again; an asha study under mpirun is one worker of
# two ranks (rank 0 decides, both train each trial) and decides as one
# process of iter_size 2 does. Skips when the binary
# has no MPI or mpirun is missing, and under ThreadSanitizer.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
skip() {
    echo "[  SKIPPED ] test_mpi: $1"
    exit 0
}
# Under ASan the ranks run without leak checks: Open MPI keeps its
# allocations to the end (everything else is checked as usual).
mpi_env=()
case $FINELAB in
*/tsan/*) skip "not under ThreadSanitizer (Open MPI's threads are not instrumented)" ;;
*/asan/*) mpi_env=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0") ;;
esac
"$FINELAB" version | grep -q '^MPI: not built' && skip "MPI not built: make MPI=1 after make deps MPI=1"
command -v mpirun >/dev/null || skip "no mpirun (make deps MPI=1 installs openmpi-bin)"
lab_init mpi
lab_birds 3 10
# As root Open MPI wants these; a 2-core machine needs --oversubscribe for
# two ranks beside other work, and shared memory is the only transport.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader \
    OMPI_MCA_rmaps_base_oversubscribe=1
# MPIRUN picks the launcher (default mpirun, Open MPI's here): for MPICH,
# build with `make MPI=1 MPI_PC=mpich OUT=build/mpich` and run this with
# FINELAB_BIN=build/mpich/finelab MPIRUN=mpirun.mpich.
MPIRUN=${MPIRUN:-mpirun}
oversubscribe=(--oversubscribe)
"$MPIRUN" --version 2>&1 | grep -qi "open mpi\|open-mpi\|openrte" || oversubscribe=()
mpi2() { "${mpi_env[@]}" "$MPIRUN" -np 2 "${oversubscribe[@]}" "$FINELAB" "$@"; }

# Few iterations at a small rate: the two sum the same gradients in another
# order (GEMM accumulates a second batch's into the first's), and training
# amplifies such differences over many iterations.
tiny_preset "$tmp/scratch1.ini" "$tmp/birds" 12 solver.snapshot=4
tiny_preset "$tmp/scratch2.ini" "$tmp/birds" 12 solver.snapshot=4 solver.iter_size=2
# iter_size is per rank: 2 ranks of iter_size 2 are one process of 4.
tiny_preset "$tmp/accum1.ini" "$tmp/birds" 10 solver.snapshot=0 solver.iter_size=2
tiny_preset "$tmp/accum2.ini" "$tmp/birds" 10 solver.snapshot=0 solver.iter_size=4
tiny_preset "$tmp/cached1.ini" "$tmp/birds" 12 solver.base_lr=0.1 transfer.mode=last_layer \
    transfer.cache_views=3 solver.snapshot=0
tiny_preset "$tmp/cached2.ini" "$tmp/birds" 12 solver.base_lr=0.1 transfer.mode=last_layer \
    transfer.cache_views=3 solver.snapshot=0 solver.iter_size=2

# same_rows A B: the runs' metrics.tsv agree but for the timing columns.
same_rows() {
    awk -F'\t' 'NR == FNR { a[FNR] = $0; n = FNR; next }
        { split(a[FNR], x, "\t")
          if (x[1] != $1 || x[2] != $2 || x[4] != $4 || x[5] != $5) { bad = 1; print "row " FNR ": " a[FNR] " | " $0 }
          if (FNR > 1) { d = x[3] - $3; d = d < 0 ? -d : d; m = $3 < 0 ? -$3 : $3
                         if (d > 1e-5 * m + 1e-9) { bad = 1; print "row " FNR " loss: " x[3] " vs " $3 } } }
        END { if (FNR != n) { bad = 1; print "rows: " n " vs " FNR }; exit bad }' \
        "$1/metrics.tsv" "$2/metrics.tsv" >&2
}
run_dir() { sed -n 's/^run: //p' "$1"; }
# The trainer's gradient buckets, started from inside backward, end where
# one blocking sum of the whole gradient after backward ends, to the bit
# (tests/engine/train/test_trainer_dist.c, on both ranks: a bucket per parameter, with
# iter_size 2, and the default buckets).
buckets_sum_to_the_bits_of_one_blocking_sum() {
    local bin
    bin=$(dirname "$FINELAB")/tests/engine/train/test_trainer_dist
    [ -x "$bin" ] || { echo "$bin is not built" >&2; return 1; }
    "${mpi_env[@]}" "$MPIRUN" -np 2 "${oversubscribe[@]}" "$bin" > "$tmp/buckets.out" 2>&1
    local code=$?
    [ $code -eq 0 ] && [ "$(grep -c '^\[  PASSED  \] 4 test(s)\.' "$tmp/buckets.out")" -eq 2 ] ||
        { cat "$tmp/buckets.out" >&2; return 1; }
}
check buckets_sum_to_the_bits_of_one_blocking_sum buckets_sum_to_the_bits_of_one_blocking_sum

# reach RUNS ITER: waits (30 s at most) until the run in directory RUNS has
# reached iteration ITER; sets dir (the run's directory) and pid (rank 0's).
reach() {
    dir="" pid=""
    for _ in $(seq 600); do
        dir=$(ls -d "$1"/*/ 2>/dev/null | head -1)
        [ -n "$dir" ] && [ "$(sed -n 's/^iter = //p' "$dir/status.ini" 2>/dev/null)" -ge "$2" ] 2>/dev/null &&
            pid=$(sed -n 's/^pid = //p' "$dir/status.ini") && return 0
        sleep 0.05
    done
    return 1
}
# failed_within SECONDS DIR: the run reads failed within that time.
failed_within() {
    local i
    for i in $(seq $(($1 * 20))); do
        grep -q '^state = failed' "$2/status.ini" && return 0
        sleep 0.05
    done
    return 1
}

two_ranks_write_the_rows_of_iter_size_2() {
    local kind=$1
    "$FINELAB" run "$tmp/${kind}2.ini" --runs-dir "$tmp/one_$kind" > "$tmp/one_$kind.out" 2>&1 ||
        { cat "$tmp/one_$kind.out" >&2; return 1; }
    mpi2 run "$tmp/${kind}1.ini" --runs-dir "$tmp/two_$kind" > "$tmp/two_$kind.out" 2>&1 ||
        { cat "$tmp/two_$kind.out" >&2; return 1; }
    local one two
    one=$(run_dir "$tmp/one_$kind.out") two=$(run_dir "$tmp/two_$kind.out")
    [ "$(grep -c '^run: ' "$tmp/two_$kind.out")" -eq 1 ] || { echo "more than one rank printed" >&2; return 1; }
    [ "$(ls "$tmp/two_$kind" | grep -cvx cache)" -eq 1 ] || { echo "not one run directory" >&2; return 1; }
    grep -q '^state = done' "$two/status.ini" && grep -q '^ranks = 2' "$two/status.ini" &&
        grep -q '^ranks = 1' "$one/status.ini" || { cat "$two/status.ini" >&2; return 1; }
    [ "$(wc -l < "$two/metrics.tsv")" -ge 7 ] || { echo "too few rows" >&2; return 1; }
    same_rows "$one" "$two"
}
check two_ranks_from_scratch_equal_iter_size_2 two_ranks_write_the_rows_of_iter_size_2 scratch
check two_ranks_of_iter_size_2_equal_iter_size_4 two_ranks_write_the_rows_of_iter_size_2 accum
check two_ranks_with_feature_cache_equal_iter_size_2 two_ranks_write_the_rows_of_iter_size_2 cached

# The run store's shared feature cache under two ranks: what the two built
# (rank 0 stored it) one process reads, to the rows of one that built its
# own; what one process stored two ranks read (each rank the file), to the
# same rows.
two_ranks_share_the_store_cache() {
    local two one
    two=$(run_dir "$tmp/two_cached.out") one=$(run_dir "$tmp/one_cached.out")
    grep -q 'feature cache train: built ' "$two/log.txt" &&
        [ "$(ls "$tmp/two_cached/cache" | grep -c '\.safetensors$')" -eq 4 ] ||
        { grep "feature cache" "$two/log.txt" >&2; ls "$tmp/two_cached/cache" >&2; return 1; }
    "$FINELAB" run "$tmp/cached2.ini" --runs-dir "$tmp/two_cached" > "$tmp/read1.out" 2>&1 ||
        { cat "$tmp/read1.out" >&2; return 1; }
    local r1
    r1=$(run_dir "$tmp/read1.out")
    grep -q 'feature cache train: loaded ' "$r1/log.txt" &&
        grep -q 'feature cache test: loaded ' "$r1/log.txt" || { cat "$r1/log.txt" >&2; return 1; }
    same_rows "$one" "$r1" || return 1
    mpi2 run "$tmp/cached1.ini" --runs-dir "$tmp/one_cached" > "$tmp/read2.out" 2>&1 ||
        { cat "$tmp/read2.out" >&2; return 1; }
    [ "$(grep -c '^run: ' "$tmp/read2.out")" -eq 1 ] || return 1
    local r2
    r2=$(run_dir "$tmp/read2.out")
    grep -q 'feature cache train: loaded ' "$r2/log.txt" && grep -q '^ranks = 2' "$r2/status.ini" ||
        { cat "$r2/log.txt" >&2; return 1; }
    same_rows "$one" "$r2" || return 1
    # A damaged cache file: rank 0 names it once and sets it aside, both
    # ranks build again, to the same rows.
    local f
    f=$(grep -o "[^ ]*/cache/[0-9a-f]*\.pooled\.safetensors" "$r2/log.txt" | head -1)
    head -c 400 "$f" > "$tmp/cut" && mv "$tmp/cut" "$f"
    mpi2 run "$tmp/cached1.ini" --runs-dir "$tmp/one_cached" > "$tmp/read3.out" 2>&1 ||
        { cat "$tmp/read3.out" >&2; return 1; }
    [ "$(grep -c "warning: $f: .*; building it again (kept as $f.bad)" "$tmp/read3.out")" -eq 1 ] &&
        [ -f "$f.bad" ] && [ -f "$f" ] || { cat "$tmp/read3.out" >&2; return 1; }
    same_rows "$one" "$(run_dir "$tmp/read3.out")"
}
check two_ranks_share_the_store_cache two_ranks_share_the_store_cache

# The data-sequence position in a snapshot's metadata.
batches_done() { grep -a -o '"batches_done":"[0-9]*"' "$1" | grep -o '[0-9][0-9]*'; }

# stop_at RUNS_DIR PRESET ITER: starts an N=2 run of PRESET, stops it (SIGINT
# to rank 0, whose pid status.ini holds) once it passed ITER, waits; prints
# the run directory.
stop_at() {
    mpi2 run "$2" --runs-dir "$1" > "$1.out" 2>&1 &
    local job=$! dir="" pid=""
    reach "$1" "$3"
    [ -n "$pid" ] && kill -INT "$pid"
    wait $job
    echo "$dir"
}

# Stopped and resumed with the same two ranks, a run writes the rows of one
# that never stopped.
resume_with_two_ranks_equals_no_stop() {
    tiny_preset "$tmp/again.ini" "$tmp/birds" 200 solver.snapshot=0 solver.test_interval=50
    local dir
    dir=$(stop_at "$tmp/again" "$tmp/again.ini" 20)
    grep -q '^state = stopped' "$dir/status.ini" || { cat "$tmp/again.out" >&2; return 1; }
    mpi2 resume "$dir" --runs-dir "$tmp/again" > "$tmp/again2.out" 2>&1 ||
        { cat "$tmp/again2.out" >&2; return 1; }
    grep -q '^state = done' "$dir/status.ini" && grep -q '^ranks = 2' "$dir/status.ini" || return 1
    mpi2 run "$tmp/again.ini" --runs-dir "$tmp/nostop" > "$tmp/nostop.out" 2>&1 || return 1
    same_rows "$(run_dir "$tmp/nostop.out")" "$dir"
}
check resume_with_two_ranks_equals_no_stop resume_with_two_ranks_equals_no_stop

# An N=2 run stopped (SIGINT to rank 0, whose pid status.ini holds) after
# its first rows and resumed by one process keeps the rows up to its last
# snapshot and continues them to max_iter. (The preset's iter_size is per
# rank: one process resuming trains with a global batch of B x iter_size.)
resume_with_one_rank_continues_the_rows() {
    tiny_preset "$tmp/long.ini" "$tmp/birds" 300 solver.snapshot=0 solver.test_interval=100
    local dir
    dir=$(stop_at "$tmp/stopped" "$tmp/long.ini" 20)
    grep -q '^state = stopped' "$dir/status.ini" && grep -q '^ranks = 2' "$dir/status.ini" ||
        { cat "$tmp/stopped.out" "$dir/status.ini" >&2; return 1; }
    local at
    at=$(sed -n 's/^iter = //p' "$dir/status.ini")
    [ "$at" -lt 300 ] || { echo "never stopped part-way" >&2; return 1; }
    cp "$dir/metrics.tsv" "$tmp/before.tsv"
    # The data sequence goes on where the two ranks left it: 2 sub-batches
    # an iteration so far, then 1.
    [ "$(batches_done "$dir/snapshots/iter_$at.safetensors")" = $((2 * at)) ] ||
        { echo "batches_done $(batches_done "$dir/snapshots/iter_$at.safetensors") at $at" >&2; return 1; }
    "$FINELAB" resume "$dir" --runs-dir "$tmp/stopped" > "$tmp/resumed.out" 2>&1 ||
        { cat "$tmp/resumed.out" >&2; return 1; }
    grep -q '^ranks = 1' "$dir/status.ini" && grep -q '^state = done' "$dir/status.ini" || return 1
    [ "$(batches_done "$dir/snapshots/iter_300.safetensors")" = $((2 * at + 300 - at)) ] ||
        { echo "batches_done at the end: $(batches_done "$dir/snapshots/iter_300.safetensors")" >&2; return 1; }
    # Every row before the stop is still there, unchanged, and the rows go on
    # every `display` iterations to the end.
    local kept
    kept=$(awk -F'\t' -v at="$at" 'NR > 1 && $1 < at' "$tmp/before.tsv" | wc -l)
    [ "$kept" -ge 10 ] || { echo "only $kept rows before the stop" >&2; return 1; }
    head -n $((kept + 1)) "$tmp/before.tsv" | cmp - <(head -n $((kept + 1)) "$dir/metrics.tsv") || return 1
    awk -F'\t' '$2 == "train" { if (seen && $1 != last + 2) { print "gap after " last; bad = 1 }
                                  last = $1; seen = 1 }
                 END { if (last != 298) { print "last train row " last; bad = 1 }; exit bad }' \
        "$dir/metrics.tsv" >&2
}
check resume_with_one_rank_continues_the_rows resume_with_one_rank_continues_the_rows

# Both ranks check the snapshots and agree on the one they continue from:
# past a truncated newest one (said once, by rank 0), to the rows the run
# had; with none good, both ranks leave with exit 2 and the run as it was.
two_ranks_resume_past_a_bad_snapshot() {
    mpi2 run "$tmp/scratch1.ini" --runs-dir "$tmp/badsnap" > "$tmp/badsnap.out" 2>&1 ||
        { cat "$tmp/badsnap.out" >&2; return 1; }
    local dir
    dir=$(run_dir "$tmp/badsnap.out")
    cp -r "$dir" "$tmp/badsnap_done"
    sed -i 's/^state = .*/state = stopped/' "$dir/status.ini"
    head -c 3000 "$dir/snapshots/iter_12.safetensors" > "$tmp/cut" && mv "$tmp/cut" "$dir/snapshots/iter_12.safetensors"
    mpi2 resume "$dir" > "$tmp/badsnap2.out" 2>&1 || { cat "$tmp/badsnap2.out" >&2; return 1; }
    [ "$(grep -c 'warning: snapshots/iter_12.safetensors: .*; continuing from iter_8.safetensors' "$tmp/badsnap2.out")" -eq 1 ] ||
        { cat "$tmp/badsnap2.out" >&2; return 1; }
    grep -q '^state = done' "$dir/status.ini" && grep -q 'resumed from .*iter_8.safetensors' "$dir/log.txt" ||
        return 1
    same_rows "$tmp/badsnap_done" "$dir" || return 1
    sed -i 's/^state = .*/state = stopped/' "$dir/status.ini"
    local f
    for f in "$dir"/snapshots/iter_*.safetensors; do : > "$f"; done
    local before
    before=$(cd "$dir" && find . -type f | sort | xargs md5sum)
    local t0=$SECONDS
    timeout 60 "${mpi_env[@]}" "$MPIRUN" -np 2 "${oversubscribe[@]}" "$FINELAB" resume "$dir" \
        > "$tmp/badsnap3.out" 2>&1
    local code=$?
    [ $code -eq 2 ] && [ $((SECONDS - t0)) -le 30 ] || { echo "exit $code" >&2; cat "$tmp/badsnap3.out" >&2; return 1; }
    grep -q 'every snapshot is bad (iter_12.safetensors, iter_8.safetensors, iter_4.safetensors)' \
        "$tmp/badsnap3.out" || { cat "$tmp/badsnap3.out" >&2; return 1; }
    [ "$(cd "$dir" && find . -type f | sort | xargs md5sum)" = "$before" ]
}
check two_ranks_resume_past_a_bad_snapshot two_ranks_resume_past_a_bad_snapshot

# A rank killed (SIGKILL) mid-run ends the whole job within seconds, the run
# reads failed with an error naming that rank, and its last snapshot
# resumes (with one process) to the end.
a_killed_rank_fails_the_job_cleanly() {
    tiny_preset "$tmp/kill.ini" "$tmp/birds" 4000 solver.snapshot=50 solver.test_interval=0
    mpi2 run "$tmp/kill.ini" --runs-dir "$tmp/killed" > "$tmp/killed.out" 2>&1 &
    local job=$! dir="" rank0="" victim=""
    reach "$tmp/killed" 120
    rank0=$pid
    victim=$(pgrep -f "^$FINELAB run $tmp/kill.ini" | grep -vx "$rank0" | head -1)
    [ -n "$victim" ] || { echo "no second rank found" >&2; kill $job; return 1; }
    kill -KILL "$victim"
    local t0=$SECONDS
    wait $job
    local took=$((SECONDS - t0))
    [ $took -le 10 ] || { echo "the job took ${took}s to end" >&2; return 1; }
    # rank 0's watcher writes the epitaph as the launcher's kill lands.
    failed_within 5 "$dir" && grep -q '^error = rank 1 (pid [0-9]*) died' "$dir/status.ini" ||
        { cat "$tmp/killed.out" "$dir/status.ini" >&2; return 1; }
    # Resumed from its last snapshot (one process), then stopped: it trains on.
    # (--foreground: timeout passes our SIGINT on once, to finelab alone; by
    # default it sends it to finelab and again to the process group, and a
    # second SIGINT ends finelab at once, as a second Ctrl-C does.)
    timeout --foreground 120 "$FINELAB" resume "$dir" --runs-dir "$tmp/killed" > "$tmp/after.out" 2>&1 &
    local resumed=$!
    for _ in $(seq 200); do
        grep -q 'resumed from .*iter_' "$dir/log.txt" 2>/dev/null && break
        sleep 0.05
    done
    kill -INT $resumed
    wait $resumed
    grep -q 'resumed from .*iter_[0-9]*\.safetensors' "$dir/log.txt" &&
        grep -q '^state = stopped' "$dir/status.ini" || { cat "$tmp/after.out" >&2; return 1; }
}
check a_killed_rank_fails_the_job_cleanly a_killed_rank_fails_the_job_cleanly

# Rank 0 itself killed: its watcher (another process) records that.
a_killed_rank_0_is_named() {
    tiny_preset "$tmp/kill0.ini" "$tmp/birds" 4000 solver.snapshot=0 solver.test_interval=0
    mpi2 run "$tmp/kill0.ini" --runs-dir "$tmp/killed0" > "$tmp/killed0.out" 2>&1 &
    local job=$! dir="" rank0=""
    reach "$tmp/killed0" 20
    rank0=$pid
    [ -n "$rank0" ] || { kill $job; return 1; }
    kill -KILL "$rank0"
    wait $job
    # MPICH's hydra kills rank 1 at once (SIGKILL): on a fast machine the
    # watcher may see both connections close in one wakeup, and says so
    # (rankwatch.h), naming rank 0 still.
    failed_within 5 "$dir" &&
        grep -q "^error = rank 0 (pid $rank0) \(died\|and rank 1 (pid [0-9]*) ended together\)" \
            "$dir/status.ini" ||
        { cat "$tmp/killed0.out" "$dir/status.ini" >&2; return 1; }
}
check a_killed_rank_0_is_named a_killed_rank_0_is_named

# An image that stops decoding mid-run (truncated once training runs, after
# the checks) fails the run on every rank with the rank and the file named.
a_bad_image_on_one_rank_fails_every_rank() {
    cp -r "$tmp/birds" "$tmp/badbirds"
    tiny_preset "$tmp/bad.ini" "$tmp/badbirds" 4000 solver.snapshot=0 solver.test_interval=0
    mpi2 run "$tmp/bad.ini" --runs-dir "$tmp/bad" > "$tmp/bad.out" 2>&1 &
    local job=$! dir=""
    reach "$tmp/bad" 10
    local img
    img=$tmp/badbirds/images/$(awk 'NR == FNR { if ($2 == 1 && !id) id = $1; next } $1 == id { print $2 }' \
        "$tmp/badbirds/train_test_split.txt" "$tmp/badbirds/images.txt") # a training image
    head -c $(($(stat -c %s "$img") / 2)) "$img" > "$tmp/half.jpg" && mv "$tmp/half.jpg" "$img"
    local t0=$SECONDS
    wait $job
    [ $((SECONDS - t0)) -le 20 ] || { echo "the job took too long to end" >&2; return 1; }
    failed_within 5 "$dir" &&
        grep -q "^error = rank [01]: $img: truncated JPEG" "$dir/status.ini" ||
        { cat "$tmp/bad.out" "$dir/status.ini" >&2; return 1; }
}
check a_bad_image_on_one_rank_fails_every_rank a_bad_image_on_one_rank_fails_every_rank

# reports DIR: each journal report's trial, rung and accuracy, in order.
reports() {
    awk -F'\t' '$1 == "kind=report" { print $2, $3, $5 }' "$1"/studies/*/journal.tsv
}

# An asha study under mpirun is one worker of two ranks: rank 0 alone
# writes the journal and speaks, both ranks train each trial (ranks = 2 in
# every run), and the reports are those of one process of iter_size 2.
an_asha_study_on_two_ranks() {
    local sweep
    sweep=$(printf '[sweep]\nstrategy = asha\nsamples = 4\nmin_iter = 4\neta = 2\n%s\n' \
        'solver.base_lr = loguniform(0.001, 0.03)')
    tiny_preset "$tmp/asha2.ini" "$tmp/birds" 8 solver.test_interval=4 solver.snapshot=4
    tiny_preset "$tmp/asha1.ini" "$tmp/birds" 8 solver.test_interval=4 solver.snapshot=4 \
        solver.iter_size=2
    echo "$sweep" >>"$tmp/asha2.ini"
    echo "$sweep" >>"$tmp/asha1.ini"
    mpi2 run "$tmp/asha2.ini" --runs-dir "$tmp/asha2" --progress 0 >"$tmp/asha2.log" 2>&1 ||
        { cat "$tmp/asha2.log"; return 1; }
    "$FINELAB" run "$tmp/asha1.ini" --runs-dir "$tmp/asha1" --progress 0 >"$tmp/asha1.log" 2>&1 ||
        { cat "$tmp/asha1.log"; return 1; }
    [ "$(grep -c '^asha study .*: 4 trials, ' "$tmp/asha2.log")" -eq 1 ] &&
        grep -q '^asha study .*: worker [0-9]* (rank 0 of 2)$' "$tmp/asha2.log" ||
        { cat "$tmp/asha2.log"; return 1; }
    [ "$(grep -l '^ranks = 2$' "$tmp"/asha2/*/status.ini | wc -l)" -eq \
        "$(ls -d "$tmp"/asha2/2*/ | wc -l)" ] || { grep -h '^ranks' "$tmp"/asha2/*/status.ini; return 1; }
    diff <(reports "$tmp/asha2") <(reports "$tmp/asha1")
}
check an_asha_study_on_two_ranks an_asha_study_on_two_ranks
finish
