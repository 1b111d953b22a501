#!/usr/bin/env bash
# test_progress — every phase of a run shows that it is alive: a run whose
# feature cache takes several seconds (a frozen width-0.5 backbone at
# 192 px) shows the cache's progress on the Monitor within 2 s of pressing
# r, then on the Runs screen with its count; status.ini reads running with
# phase cache; pause and stop take effect during the cache; at 80x24 the
# Runs screen keeps its phase and accuracy columns. Headless, the
# same run prints [cache] progress lines at the --progress rate and
# `finelab runs` shows the phase while it runs.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
tmux_lab progress 5 20 lab
# 50 training images x 2 views + 50 test images = 150 cached samples.
tiny_preset "$tmp/presets/demo/slow_cache.ini" "$tmp/birds" 40 \
    experiment.name=slow_cache experiment.threads=2 data.resize=200 data.resolution=192 \
    model.width=0.5 model.weights=none transfer.mode=last_layer transfer.cache_views=2 \
    solver.test_interval=20

status() { cat "$tmp"/runs/*slow_cache*/status.ini 2>/dev/null; }

lab_shows_the_cache_within_2s() {
    T new-session -d -s lab -x 100 -y 30 \
        "cd $tmp && LANG=C.UTF-8 TERM=xterm-256color $FINELAB --presets $tmp/presets --runs-dir $tmp/runs; sleep 30"
    wait_for "slow_cache" || return 1
    keys r
    wait_for "now: building the feature cache" 2 || return 1
    wait_for "cache [0-9]*/150" 2
}
runs_screen_shows_the_phase() {
    keys 3
    wait_for "running .* cache [0-9]*/150" 3 || return 1
    status | grep -q "state = running" && status | grep -q "phase = cache"
}
pause_and_stop_act_during_the_cache() {
    keys p
    wait_for "paused" 10 || return 1 # the next batch of the cache: seconds under ASan on a busy machine
    local a b
    a=$(status | sed -n 's/^phase_done = //p')
    sleep 1.5
    b=$(status | sed -n 's/^phase_done = //p')
    [ "$a" = "$b" ] || { echo "cache went on while paused: $a -> $b"; return 1; }
    keys p s
    for _ in $(seq 100); do
        status | grep -q "state = stopped" && break
        sleep 0.1
    done
    status | grep -q "state = stopped" || { echo "not stopped 10 s after s:"; status; return 1; }
    # Stopped inside the cache: no metrics row, and the log says so.
    grep -q "feature cache: stopped" "$tmp"/runs/*slow_cache*/log.txt ||
        { echo "the cache was not stopped:"; cat "$tmp"/runs/*slow_cache*/log.txt; return 1; }
    [ "$(wc -l < "$tmp"/runs/*slow_cache*/metrics.tsv)" -eq 1 ] || return 1
    # At 80 columns the Runs screen still shows the phase column and the best accuracy's.
    T resize-window -t lab -x 80 -y 24
    wait_for "stopped .* iter 0/40 .* -" 3 || return 1
    keys q
    T kill-server 2>/dev/null
    return 0
}
headless_prints_progress_and_runs_shows_the_phase() {
    rm -rf "$tmp/runs2"
    "$FINELAB" run "$tmp/presets/demo/slow_cache.ini" --runs-dir "$tmp/runs2" --progress 0.5 \
        > "$tmp/out.txt" 2>&1 &
    local pid=$! seen=""
    for _ in $(seq 100); do
        if "$FINELAB" runs --runs-dir "$tmp/runs2" 2>/dev/null | grep -q "running .*cache [0-9]*/150"; then
            seen=1
            break
        fi
        sleep 0.1
    done
    wait "$pid" || { echo "run failed:"; cat "$tmp/out.txt"; return 1; }
    [ -n "$seen" ] || { echo "finelab runs never showed the cache phase"; return 1; }
    local lines
    lines=$(grep -c '^  \[cache\] [0-9]*/150 ([0-9]*%)  ETA' "$tmp/out.txt")
    [ "$lines" -ge 2 ] || { echo "expected [cache] progress lines:"; cat "$tmp/out.txt"; return 1; }
    "$FINELAB" runs --runs-dir "$tmp/runs2" | grep -q "done"
}

check lab_shows_the_cache_within_2s lab_shows_the_cache_within_2s
check runs_screen_shows_the_phase runs_screen_shows_the_phase
check pause_and_stop_act_during_the_cache pause_and_stop_act_during_the_cache
check headless_prints_progress_and_runs_shows_the_phase headless_prints_progress_and_runs_shows_the_phase
finish
