#!/usr/bin/env bash
# test_interrupted — a run whose process died reads `interrupted` whatever
# it was doing: killed while it builds its feature cache (before its first
# snapshot), it shows so in `finelab runs` and on the lab's Runs screen,
# `finelab resume` trains it again from iteration 0 in the same directory
# (there is no snapshot to continue from), and the lab deletes it; a
# queued run (as older versions wrote one not yet training) whose process
# lives stays queued, and reads interrupted once it is gone.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
lab_init interrupted
tmux_init
lab_birds 3 10

# Stage 1 with a feature cache slow enough to be killed in: 64 views of
# every training image at 128 px, through a backbone of width 1/4.
tiny_preset "$tmp/cached.ini" "$tmp/birds" 6 data.resize=144 data.resolution=128 \
    model.width=0.25 transfer.mode=last_layer transfer.cache_views=64 solver.snapshot=0

# killed_in_cache RUNS_DIR: starts `finelab run` of cached.ini and kills it
# (SIGKILL) as soon as its status says it builds the feature cache; prints
# the run directory.
killed_in_cache() {
    local out="$1.out" pid run_dir=""
    "$FINELAB" run "$tmp/cached.ini" --runs-dir "$1" > "$out" 2>&1 &
    pid=$!
    for _ in $(seq 600); do
        run_dir=$(sed -n 's/^run: //p' "$out")
        [ -n "$run_dir" ] && grep -q "^phase = cache" "$run_dir/status.ini" 2>/dev/null && break
        run_dir=""
        sleep 0.05
    done
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    [ -n "$run_dir" ] || { echo "never saw the run build its cache: $(cat "$out")" >&2; return 1; }
    echo "$run_dir"
}

runs_shows_a_killed_run_interrupted() {
    local run_dir
    run_dir=$(killed_in_cache "$tmp/runs") || return 1
    grep -q "^state = running" "$run_dir/status.ini" || return 1
    "$FINELAB" runs --runs-dir "$tmp/runs" > "$tmp/runs.out" || return 1
    grep -q "^$(basename "$run_dir") \+interrupted " "$tmp/runs.out" ||
        { cat "$tmp/runs.out"; return 1; }
}
a_live_queued_run_stays_queued() {
    # The status a queued run writes, with the pid of a process that lives.
    local run_dir
    run_dir=$(ls -d "$tmp"/runs/*cached* | head -1)
    mkdir -p "$tmp/live/r1"
    sed "s/^state = .*/state = queued/; s/^pid = .*/pid = $$/" "$run_dir/status.ini" \
        > "$tmp/live/r1/status.ini"
    "$FINELAB" runs --runs-dir "$tmp/live" | grep -q "^r1 \+queued " || return 1
    sed -i "s/^pid = .*/pid = 999999999/" "$tmp/live/r1/status.ini" # gone
    "$FINELAB" runs --runs-dir "$tmp/live" | grep -q "^r1 \+interrupted "
}
resume_trains_it_again_from_the_start() {
    local run_dir
    run_dir=$(ls -d "$tmp"/runs/*cached* | head -1)
    # Quicker from here on: one view per image.
    sed -i 's/^cache_views = .*/cache_views = 1/' "$run_dir/preset.ini"
    "$FINELAB" resume "$run_dir" > "$tmp/resume.out" 2>&1 || { cat "$tmp/resume.out"; return 1; }
    grep -q "^run: $run_dir$" "$tmp/resume.out" &&
        grep -q "training again from iteration 0" "$tmp/resume.out" &&
        grep -q "^state = done" "$run_dir/status.ini" &&
        grep -q "^iter = 6" "$run_dir/status.ini" &&
        [ "$(ls "$tmp/runs" | grep -cvx cache)" -eq 1 ] # one run (cache/: the store's caches)
}
runs_screen_shows_it_and_deletes_it() {
    local run_dir
    run_dir=$(killed_in_cache "$tmp/runs2") || return 1
    mkdir -p "$tmp/presets"
    T new-session -d -s lab -x 100 -y 30 \
        "cd $tmp && LANG=C.UTF-8 TERM=xterm-256color $FINELAB --presets $tmp/presets --runs-dir $tmp/runs2; sleep 30"
    wait_for "1 Presets" || return 1
    keys 3
    wait_for "$(basename "$run_dir") .*interrupted" || return 1
    keys d
    wait_for "delete run" || return 1
    keys y
    wait_for "deleted " || return 1
    [ ! -e "$run_dir" ] || { echo "$run_dir is still there"; return 1; }
    keys F10
}

check runs_shows_a_killed_run_interrupted runs_shows_a_killed_run_interrupted
check a_live_queued_run_stays_queued a_live_queued_run_stays_queued
check resume_trains_it_again_from_the_start resume_trains_it_again_from_the_start
check runs_screen_shows_it_and_deletes_it runs_screen_shows_it_and_deletes_it
finish
