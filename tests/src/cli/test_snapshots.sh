#!/usr/bin/env bash
# test_snapshots — bad snapshots and snapshot_keep as a user meets them:
# `finelab resume` past a truncated newest snapshot says so on stderr
# (finelab: warning: ...) and in log.txt and finishes the run; with every
# snapshot bad it exits 2 naming them and leaves the run's files as they
# were; with snapshot_keep = 1 the snapshot a resume needs survives a
# resumed process killed before its next snapshot, and the older ones go
# as new ones come; a successive-halving sweep with snapshot_keep = 1
# promotes from its rung snapshots to the same result as one without.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
lab_init snapshots
lab_birds 3 10

tiny_preset "$tmp/quick.ini" "$tmp/birds" 12 solver.snapshot=4 solver.test_interval=4
tiny_preset "$tmp/long.ini" "$tmp/birds" 100000 solver.snapshot=0 solver.snapshot_keep=1

# A finished run of quick.ini, marked stopped so that it resumes; prints
# its directory.
stopped_run() {
    "$FINELAB" run "$tmp/quick.ini" --runs-dir "$1" > "$1.out" 2>&1 || { cat "$1.out" >&2; return 1; }
    local dir
    dir=$(sed -n 's/^run: //p' "$1.out")
    sed -i 's/^state = .*/state = stopped/' "$dir/status.ini"
    echo "$dir"
}
# The run's files with their checksums, one a line.
tree_sums() { (cd "$1" && find . -type f | sort | xargs md5sum); }
snapshots() { ls "$1/snapshots" | tr '\n' ' '; }

resume_warns_and_goes_on() {
    local dir
    dir=$(stopped_run "$tmp/warn") || return 1
    cp "$dir/metrics.tsv" "$tmp/full.tsv"
    head -c 4000 "$dir/snapshots/iter_12.safetensors" > "$tmp/cut" &&
        mv "$tmp/cut" "$dir/snapshots/iter_12.safetensors"
    "$FINELAB" resume "$dir" > "$tmp/warn.stdout" 2> "$tmp/warn.stderr" ||
        { cat "$tmp/warn.stdout" "$tmp/warn.stderr"; return 1; }
    local want="warning: snapshots/iter_12.safetensors: header length [0-9]* runs past the end of the 4000-byte file (truncated?); continuing from iter_8.safetensors (kept as iter_12.safetensors.bad)"
    grep -q "^finelab: $want$" "$tmp/warn.stderr" || { cat "$tmp/warn.stderr"; return 1; }
    grep -q "Z $want$" "$dir/log.txt" || return 1
    grep -q "^state = done" "$dir/status.ini" &&
        [ "$(snapshots "$dir")" = "iter_12.safetensors iter_12.safetensors.bad iter_4.safetensors iter_8.safetensors " ] ||
        { snapshots "$dir"; return 1; }
    # The rows from iteration 8 were written again, once: the same rows.
    cmp <(cut -f1-5 "$tmp/full.tsv") <(cut -f1-5 "$dir/metrics.tsv")
}
all_bad_exits_2_and_changes_nothing() {
    local dir
    dir=$(stopped_run "$tmp/allbad") || return 1
    : > "$dir/snapshots/iter_12.safetensors"
    head -c 100 "$dir/snapshots/iter_8.safetensors" > "$tmp/cut" && mv "$tmp/cut" "$dir/snapshots/iter_8.safetensors"
    sed -i 's/"solver":"SGD"/"solver":"Ada"/' "$dir/snapshots/iter_4.safetensors"
    tree_sums "$dir" > "$tmp/before"
    "$FINELAB" resume "$dir" > "$tmp/allbad.stdout" 2> "$tmp/allbad.stderr"
    local code=$?
    [ $code -eq 2 ] || { echo "exit $code"; cat "$tmp/allbad.stderr"; return 1; }
    grep -q "every snapshot is bad (iter_12.safetensors, iter_8.safetensors, iter_4.safetensors)" "$tmp/allbad.stderr" &&
        grep -q "written by solver type Ada" "$tmp/allbad.stderr" &&
        grep -q "training again from iteration 0 would lose them" "$tmp/allbad.stderr" ||
        { cat "$tmp/allbad.stderr"; return 1; }
    tree_sums "$dir" | diff "$tmp/before" - || return 1
    ! ls "$dir/snapshots" | grep -q tmp
}

# waits until FILE has more than N lines (20 s at most).
lines_over() {
    for _ in $(seq 400); do
        [ "$(wc -l < "$1" 2>/dev/null || echo 0)" -gt "$2" ] && return 0
        sleep 0.05
    done
    return 1
}
keep_1_keeps_what_a_resume_needs() {
    "$FINELAB" run "$tmp/long.ini" --runs-dir "$tmp/keep" > "$tmp/keep.out" 2>&1 &
    local pid=$! dir=""
    for _ in $(seq 200); do
        dir=$(sed -n 's/^run: //p' "$tmp/keep.out")
        [ -n "$dir" ] && break
        sleep 0.05
    done
    lines_over "$dir/metrics.tsv" 5 || return 1
    kill -INT $pid
    wait $pid || return 1
    local first
    first=$(ls "$dir/snapshots")
    [ "$(echo "$first" | wc -w)" -eq 1 ] || { echo "after the stop: $first"; return 1; }
    # Resumed, then killed before it writes a snapshot (only at a stop or
    # the end): the one it resumed from is still there, and resumes.
    local rows
    rows=$(wc -l < "$dir/metrics.tsv")
    "$FINELAB" resume "$dir" > "$tmp/keep2.out" 2>&1 &
    pid=$!
    lines_over "$dir/metrics.tsv" $((rows + 3)) || return 1
    kill -KILL $pid
    wait $pid 2>/dev/null
    [ "$(ls "$dir/snapshots")" = "$first" ] || { echo "after the kill: $(snapshots "$dir")"; return 1; }
    "$FINELAB" runs --runs-dir "$tmp/keep" | grep -q " interrupted " || return 1
    "$FINELAB" resume "$dir" > "$tmp/keep3.out" 2>&1 &
    pid=$!
    rows=$(wc -l < "$dir/metrics.tsv")
    lines_over "$dir/metrics.tsv" $((rows + 3)) || return 1
    kill -INT $pid
    wait $pid || return 1
    grep -q "resumed from .*/$first" "$dir/log.txt" || return 1
    local second
    second=$(ls "$dir/snapshots")
    [ "$(echo "$second" | wc -w)" -eq 1 ] && [ "$second" != "$first" ] ||
        { echo "after the second stop: $second"; return 1; }
    grep -q "snapshot_keep = 1: removed $first" "$dir/log.txt"
}

halving_with_keep_1_promotes_from_rung_snapshots() {
    local f keep=0
    for f in h hk; do
        tiny_preset "$tmp/$f.ini" "$tmp/birds" 80 solver.test_interval=10 solver.snapshot=10 \
            solver.snapshot_keep=$keep experiment.threads=1
        printf '[sweep]\nstrategy = halving\nmin_iter = 20\neta = 2\nsolver.base_lr = 0.1, 0.03, 0.01, 0.003\n' \
            >> "$tmp/$f.ini"
        keep=1
    done
    "$FINELAB" run "$tmp/h.ini" --runs-dir "$tmp/h" --progress 0 > "$tmp/h.log" 2>&1 || return 1
    "$FINELAB" run "$tmp/hk.ini" --runs-dir "$tmp/hk" --progress 0 > "$tmp/hk.log" 2>&1 || return 1
    [ "$(grep "best:" "$tmp/hk.log" | sed 's/.*best: //')" = "$(grep "best:" "$tmp/h.log" | sed 's/.*best: //')" ] ||
        { grep "best:" "$tmp/h.log" "$tmp/hk.log"; return 1; }
    local d n=0
    for d in "$tmp"/hk/*/; do
        [ -f "$d/status.ini" ] || continue # the sweep's own record (halving/)
        case $(sed -n 's/^state = //p' "$d/status.ini") in
        pruned) # its rung's snapshot, the newest
            [ "$(snapshots "$d")" = "iter_$(sed -n 's/^iter = //p' "$d/status.ini").safetensors " ] ||
                { echo "$d: $(snapshots "$d")"; return 1; } ;;
        done)
            [ "$(snapshots "$d")" = "iter_80.safetensors " ] &&
                grep -q "resumed from .*iter_20.safetensors" "$d/log.txt" &&
                grep -q "resumed from .*iter_40.safetensors" "$d/log.txt" || return 1 ;;
        *) return 1 ;;
        esac
        n=$((n + 1))
    done
    [ $n -eq 4 ]
}

check resume_warns_on_stderr_and_goes_on resume_warns_and_goes_on
check resume_with_every_snapshot_bad_exits_2_and_changes_nothing all_bad_exits_2_and_changes_nothing
check snapshot_keep_1_keeps_what_a_resume_needs keep_1_keeps_what_a_resume_needs
check halving_with_snapshot_keep_1_promotes_from_rung_snapshots halving_with_keep_1_promotes_from_rung_snapshots
finish
