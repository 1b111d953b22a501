#!/usr/bin/env bash
# test_many_writers — one run store, four writers and two kinds of reader
# at once: two labs (tmux) and two headless `finelab run`s start runs of the
# same preset in the same second; meanwhile a reader in another process
# (tests/lib/store_poller.py) reads every run's status.ini and metrics.tsv as
# they are replaced and appended, a few hundred rounds, and `finelab runs` /
# `finelab show` read the store between. No reader ever sees a torn file,
# the four runs get four directories and all end done, and both labs list
# all four.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
tmux_lab many_writers 3 10 lab1
# Runs long enough for the poller's hundred rounds while they train on a
# fast machine (600 iterations took 0.7 s on a Zen 5 core; a sanitizer
# build trains 30 times slower).
iters=3000
sanitized && iters=120
tiny_preset "$tmp/presets/demo/same.ini" "$tmp/birds" $iters experiment.threads=1 \
    solver.snapshot=200 solver.display=1 solver.test_interval=50
runs="$tmp/runs"

for s in lab1 lab2; do
    T new-session -d -s $s -x 110 -y 30 \
        "cd $tmp && LANG=C.UTF-8 TERM=xterm-256color $FINELAB --presets $tmp/presets --runs-dir $runs; sleep 60"
done
# done_count: how many runs the store lists as done.
done_count() { "$FINELAB" runs --runs-dir "$runs" 2>/dev/null | grep -c ' done '; }

four_writers_start_in_the_same_second() {
    session=lab1 wait_for "Presets:" || return 1
    session=lab2 wait_for "Presets:" || return 1
    python3 tests/lib/store_poller.py "$runs" "$tmp/poller.stop" "$tmp/poller.ready" \
        > "$tmp/poller.out" 2>&1 &
    poller=$!
    for _ in $(seq 100); do [ -e "$tmp/poller.ready" ] && break; sleep 0.1; done
    session=lab1 keys r
    session=lab2 keys r
    "$FINELAB" run "$tmp/presets/demo/same.ini" --runs-dir "$runs" > "$tmp/h1.out" 2>&1 &
    local h1=$!
    "$FINELAB" run "$tmp/presets/demo/same.ini" --runs-dir "$runs" > "$tmp/h2.out" 2>&1 &
    local h2=$!
    # The store's own readers, between the poller's rounds.
    local reads=0
    for _ in $(seq 600); do
        "$FINELAB" runs --runs-dir "$runs" > "$tmp/runs.out" 2> "$tmp/runs.err" ||
            { cat "$tmp/runs.err"; return 1; }
        [ -s "$tmp/runs.err" ] && { cat "$tmp/runs.err"; return 1; }
        for d in "$runs"/*/; do
            [ -f "$d/status.ini" ] || continue
            "$FINELAB" show "$d" > /dev/null 2> "$tmp/show.err" || { cat "$tmp/show.err"; return 1; }
        done
        reads=$((reads + 1))
        [ "$(done_count)" -eq 4 ] && break
        sleep 0.1
    done
    wait $h1 || { cat "$tmp/h1.out"; return 1; }
    wait $h2 || { cat "$tmp/h2.out"; return 1; }
    touch "$tmp/poller.stop"
    wait $poller || { cat "$tmp/poller.out"; return 1; }
    cat "$tmp/poller.out"
    echo "finelab runs / show read the store $reads times"
    [ "$(done_count)" -eq 4 ] || { "$FINELAB" runs --runs-dir "$runs"; return 1; }
}
four_runs_four_directories() {
    local dirs
    dirs=$(find "$runs" -mindepth 1 -maxdepth 1 -type d | wc -l)
    [ "$dirs" -eq 4 ] || { ls "$runs"; return 1; }
    # Each its own: every status names a different process, every
    # metrics.tsv has its one header and all its iterations' rows.
    [ "$(cat "$runs"/*/status.ini | sed -n 's/^pid = //p' | sort -u | wc -l)" -eq 4 ] || return 1
    for d in "$runs"/*/; do
        [ "$(grep -c '^iter' "$d/metrics.tsv")" -eq 1 ] || return 1
        [ "$(awk '$2 == "train"' "$d/metrics.tsv" | wc -l)" -eq $iters ] || { cat "$d/metrics.tsv"; return 1; }
    done
    ! ls "$runs"/*/*.tmp.* "$runs"/*/snapshots/*.tmp.* 2>/dev/null | grep -q .
}
# listed_done SESSION: the runs that lab's Runs screen lists as done.
listed_done() { session=$1 screen | awk '$1 ~ /-same/ && $2 == "done"' | wc -l; }
both_labs_list_all_four() {
    for s in lab1 lab2; do
        session=$s keys 3
        session=$s wait_for "same" || return 1
        for _ in $(seq 50); do
            [ "$(listed_done $s)" -eq 4 ] && break
            sleep 0.1
        done
        [ "$(listed_done $s)" -eq 4 ] || { session=$s screen; return 1; }
    done
}

check four_writers_start_in_the_same_second four_writers_start_in_the_same_second
check four_runs_four_directories four_runs_four_directories
check both_labs_list_all_four both_labs_list_all_four
finish
