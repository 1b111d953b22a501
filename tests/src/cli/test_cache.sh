#!/usr/bin/env bash
# test_cache — the run store's shared feature cache through `finelab`:
# a last_layer run writes the same metrics.tsv rows (timing columns aside)
# whether it built its cache, read it from the store, or pooled it from
# the stored backbone level; a sweep's members and a resumed run read what
# the first built; two `finelab run`s started at once on one store build
# it once (the other waits for the builder, or reads it); a damaged cache
# file is named on stderr, set aside as .bad and built again; `finelab
# cache` lists the caches with the runs that used them, prune keeps what a
# stopped run needs and removes the rest, rm removes by key prefix.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
lab_init cache
lab_birds 3 10

# Stage 1 on a random frozen backbone, cached with three views; the same
# with another head (bilinear_dim 32).
tiny_preset "$tmp/c.ini" "$tmp/birds" 30 model.weights=none transfer.mode=last_layer \
    transfer.cache_views=3 solver.base_lr=0.1
tiny_preset "$tmp/c32.ini" "$tmp/birds" 30 model.weights=none transfer.mode=last_layer \
    transfer.cache_views=3 solver.base_lr=0.1 model.bilinear_dim=32
# The same, slow to build (128 px at width 1/4, sixteen views), for the race.
tiny_preset "$tmp/slow.ini" "$tmp/birds" 10 model.weights=none transfer.mode=last_layer \
    data.resize=144 data.resolution=128 model.width=0.25 transfer.cache_views=16

run_dir() { sed -n 's/^run: //p' "$1"; }
# rows RUN_DIR: metrics.tsv without the timing columns.
rows() { cut -f1-5 "$1/metrics.tsv"; }
# run_in STORE PRESET NAME [ARGS...]: runs PRESET into STORE, output in $tmp/NAME.out,
# stderr in $tmp/NAME.err; fails with both shown.
run_in() {
    local store=$1 preset=$2 name=$3
    shift 3
    "$FINELAB" run "$preset" --runs-dir "$store" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" ||
        { cat "$tmp/$name.out" "$tmp/$name.err" >&2; return 1; }
}
# says RUN_DIR PART HOW: log.txt says the part's cache was HOW (built, loaded, pooled).
says() { grep -q "feature cache $2: $3 " "$1/log.txt" || { grep "feature cache" "$1/log.txt" >&2; return 1; }; }

built_read_and_pooled_write_the_same_rows() {
    run_in "$tmp/a" "$tmp/c.ini" built || return 1
    run_in "$tmp/a" "$tmp/c.ini" loaded || return 1
    local built loaded
    built=$(run_dir "$tmp/built.out") loaded=$(run_dir "$tmp/loaded.out")
    says "$built" train built && says "$built" test built && says "$loaded" train loaded &&
        says "$loaded" test loaded || return 1
    diff <(rows "$built") <(rows "$loaded") >&2 || return 1
    # Another head: pooled from the stored backbone level, the rows of a build.
    run_in "$tmp/a" "$tmp/c32.ini" pooled || return 1
    run_in "$tmp/b" "$tmp/c32.ini" fresh || return 1
    local pooled fresh
    pooled=$(run_dir "$tmp/pooled.out") fresh=$(run_dir "$tmp/fresh.out")
    says "$pooled" train pooled && says "$fresh" train built || return 1
    diff <(rows "$pooled") <(rows "$fresh") >&2 || return 1
    # status.ini names the caches each run used.
    grep -q "^cache = [0-9a-f]\{32\}\.pooled [0-9a-f]\{32\}\.backbone " "$built/status.ini" &&
        grep -q "^cache = [0-9a-f]\{32\}\.pooled [0-9a-f]\{32\}\.pooled$" "$loaded/status.ini" ||
        { grep '^cache' "$built/status.ini" "$loaded/status.ini" >&2; return 1; }
}

sweep_members_and_resumes_read_it() {
    cp "$tmp/c.ini" "$tmp/sweep.ini"
    printf '[sweep]\nsolver.base_lr = 0.1, 0.05\n' >> "$tmp/sweep.ini"
    run_in "$tmp/s" "$tmp/sweep.ini" sweep || return 1
    local first second
    first=$(run_dir "$tmp/sweep.out" | sed -n 1p) second=$(run_dir "$tmp/sweep.out" | sed -n 2p)
    says "$first" train built && says "$second" train loaded || return 1
    # A stopped run resumes on the cache it built.
    tiny_preset "$tmp/long.ini" "$tmp/birds" 100000 model.weights=none transfer.mode=last_layer \
        transfer.cache_views=3 solver.snapshot=50 solver.test_interval=1000
    "$FINELAB" run "$tmp/long.ini" --runs-dir "$tmp/r" > "$tmp/long.out" 2>&1 &
    local pid=$! dir=""
    for _ in $(seq 600); do
        dir=$(run_dir "$tmp/long.out")
        [ -n "$dir" ] && [ "$(sed -n 's/^iter = //p' "$dir/status.ini" 2>/dev/null)" -ge 60 ] 2>/dev/null &&
            break
        sleep 0.05
    done
    kill -INT $pid
    wait $pid
    grep -q '^state = stopped' "$dir/status.ini" || { cat "$tmp/long.out" >&2; return 1; }
    local at
    at=$(sed -n 's/^iter = //p' "$dir/status.ini")
    sed -i "s/^max_iter = .*/max_iter = $((at + 20))/" "$dir/preset.ini"
    "$FINELAB" resume "$dir" --runs-dir "$tmp/r" > "$tmp/resume.out" 2>&1 ||
        { cat "$tmp/resume.out" >&2; return 1; }
    [ "$(grep -c 'feature cache train: loaded ' "$dir/log.txt")" -eq 1 ] &&
        [ "$(grep -c 'feature cache train: built ' "$dir/log.txt")" -eq 1 ] ||
        { grep "feature cache" "$dir/log.txt" >&2; return 1; }
}

two_runs_at_once_build_it_once() {
    "$FINELAB" run "$tmp/slow.ini" --runs-dir "$tmp/race" > "$tmp/race1.out" 2>&1 &
    local p1=$!
    "$FINELAB" run "$tmp/slow.ini" --runs-dir "$tmp/race" > "$tmp/race2.out" 2>&1 &
    local p2=$!
    wait $p1 && wait $p2 || { cat "$tmp/race1.out" "$tmp/race2.out" >&2; return 1; }
    local one two
    one=$(run_dir "$tmp/race1.out") two=$(run_dir "$tmp/race2.out")
    local built
    built=$(cat "$one/log.txt" "$two/log.txt" | grep -c 'feature cache train: built ')
    [ "$built" -eq 1 ] || { grep -h "feature cache" "$one/log.txt" "$two/log.txt" >&2; return 1; }
    cat "$one/log.txt" "$two/log.txt" | grep -q 'feature cache train: loaded ' || return 1
    # When they overlapped, the reader said whom it waited for.
    if cat "$one/log.txt" "$two/log.txt" | grep -q 'waiting for pid'; then
        cat "$one/log.txt" "$two/log.txt" | grep -q 'of it waiting for another process' || return 1
    fi
    diff <(rows "$one") <(rows "$two") >&2 || return 1
    [ "$(ls "$tmp/race/cache" | grep -c '\.safetensors$')" -eq 4 ] &&
        [ -z "$(ls "$tmp/race/cache" | grep '\.tmp\.')" ] || { ls "$tmp/race/cache" >&2; return 1; }
}

damage_is_named_set_aside_and_rebuilt() {
    local built file
    built=$(run_dir "$tmp/built.out")
    # the train part's pooled level, the first the run names
    file=$tmp/a/cache/$(sed -n 's/^cache = \([0-9a-f]*\.pooled\) .*/\1/p' "$built/status.ini").safetensors
    head -c 500 "$file" > "$file.cut" && mv "$file.cut" "$file"
    run_in "$tmp/a" "$tmp/c.ini" again || return 1
    grep -q "^finelab: warning: $file: .*; building it again (kept as $file.bad)" "$tmp/again.err" ||
        { cat "$tmp/again.err" >&2; return 1; }
    [ -f "$file.bad" ] && [ -f "$file" ] || return 1
    diff <(rows "$built") <(rows "$(run_dir "$tmp/again.out")") >&2
}

cache_lists_prunes_and_removes() {
    "$FINELAB" cache --runs-dir "$tmp/a" > "$tmp/list.out" || return 1
    grep -q "feature cache files in $tmp/a/cache" "$tmp/list.out" &&
        grep -q "^[0-9a-f]\{32\}  pooled    train  15 x 3 " "$tmp/list.out" &&
        grep -q "    views: centre, mirrored centre, 1 random (seed 1; mirrored)" "$tmp/list.out" &&
        grep -q "    head: compact_ts d 32 " "$tmp/list.out" &&
        grep -q "used by 3 runs: " "$tmp/list.out" &&
        grep -q "damaged, set aside" "$tmp/list.out" || { cat "$tmp/list.out" >&2; return 1; }
    # A stopped run needs its caches; done runs do not.
    local keep
    keep=$(run_dir "$tmp/pooled.out")
    sed -i 's/^state = .*/state = stopped/' "$keep/status.ini"
    echo mine > "$tmp/a/cache/notes.txt"
    "$FINELAB" cache prune --runs-dir "$tmp/a" > "$tmp/prune.out" || return 1
    grep -q "^pruned $tmp/a/cache: " "$tmp/prune.out" && grep -q '\.bad ' "$tmp/prune.out" ||
        { cat "$tmp/prune.out" >&2; return 1; }
    local k
    for k in $(sed -n 's/^cache = //p' "$keep/status.ini"); do
        [ -f "$tmp/a/cache/$k.safetensors" ] || { echo "pruned $k, which a stopped run needs" >&2; return 1; }
    done
    # its two pooled levels and the two backbone levels it pooled them from
    [ "$(ls "$tmp/a/cache" | grep -c '\.safetensors$')" -eq 4 ] && [ -f "$tmp/a/cache/notes.txt" ] ||
        { ls "$tmp/a/cache" >&2; return 1; }
    # rm by a prefix of eight digits; an unknown one is bad input.
    k=$(ls "$tmp/a/cache" | grep '\.pooled\.safetensors$' | head -1)
    "$FINELAB" cache rm "${k:0:8}" --runs-dir "$tmp/a" > "$tmp/rm.out" || return 1
    grep -q "^removed $tmp/a/cache/${k}" "$tmp/rm.out" && [ ! -e "$tmp/a/cache/$k" ] || return 1
    "$FINELAB" cache rm 0123456789 --runs-dir "$tmp/a" 2> "$tmp/rm.err"
    [ $? -eq 2 ] && grep -q "no such cache" "$tmp/rm.err"
}

check built_read_and_pooled_write_the_same_rows built_read_and_pooled_write_the_same_rows
check sweep_members_and_resumes_read_it sweep_members_and_resumes_read_it
check two_runs_at_once_build_it_once two_runs_at_once_build_it_once
check damage_is_named_set_aside_and_rebuilt damage_is_named_set_aside_and_rebuilt
check cache_lists_prunes_and_removes cache_lists_prunes_and_removes
finish
