#!/usr/bin/env bash
# test_full_disk — a full disk at every write finelab makes (issue 16), on
# small tmpfs mounts of its own (root only; skips, saying why, otherwise):
#
#   a  a tmpfs that holds two of the run's snapshots but not a third
#   b  a filler file that takes the rest of the disk while a run trains
#      (the run is held with SIGSTOP meanwhile, so the next write it makes,
#      a status, row or log line, is the one that finds the disk full)
#   b2 the same with the room the run keeps for its last status taken
#      too: that status cannot be written either
#   b3 the same, stopped with Ctrl-C (SIGINT) on the full disk
#   c  finelab export onto a full disk
#   d  a CSV (finelab compare --csv) and a listing redirected to a full disk
#   e  a run, and a halving sweep, created on a full disk (out of space,
#      and out of inodes)
#   f  the lab on a full disk: the editor's save (F2), Compare's CSV
#      export (e), a run started with r
#
# Each: the exit status is nonzero and the message names the path and "No
# space left on device"; a run that exists reads failed and says so in
# status.ini (b2: its old status.ini stays byte for byte and reads
# interrupted); no *.tmp.* file is left; what was written before is
# intact (snapshots, the metrics.tsv rows up to the failure, an earlier
# export or preset) and `finelab show` / `finelab runs` read it; and once
# the disk has room again `finelab resume` finishes the run done, with
# the rows of a run that never failed.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
skip() {
    echo "[  SKIPPED ] test_full_disk: $*"
    exit 0
}
[ "$(id -u)" -eq 0 ] || skip "mounting a tmpfs needs root"
lab_init full_disk
mnt="$tmp/mnt"
pids=()
# stop_bg: ends the runs this script started in the background (a check
# that failed half-way may leave one held by SIGSTOP) and waits for them.
stop_bg() {
    local p
    for p in "${pids[@]}"; do
        kill -CONT "$p" 2>/dev/null
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    pids=()
}
cleanup() {
    stop_bg
    # tmux_end, not only kill-server: a lab still running (an ASan build's
    # leak check has hung at exit) would hold the mount and go on alone.
    [ -S "$tmp/tmux.sock" ] && tmux_end
    # A lab tmux was just told to end may still hold the mount a moment.
    for _ in $(seq 50); do
        mountpoint -q "$mnt" || break
        umount "$mnt" 2>/dev/null || sleep 0.1
    done
    mountpoint -q "$mnt" && { echo "cannot unmount $mnt"; return; }
    rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$mnt"
mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null ||
    skip "cannot mount a tmpfs here (no CAP_SYS_ADMIN in this container?)"
umount "$mnt"
lab_birds 3 10 || exit 1

# fresh OPTIONS: an empty tmpfs on $mnt (size=..., nr_inodes=...).
fresh() {
    stop_bg
    mountpoint -q "$mnt" && umount "$mnt"
    mount -t tmpfs -o "mode=0755,$1" tmpfs "$mnt"
}
# fill: a filler file takes whatever room is left.
fill() {
    dd if=/dev/zero of="$mnt/filler" bs=4k status=none 2>/dev/null
    [ "$(df --output=avail "$mnt" | tail -1)" -eq 0 ] || { echo "the filler left room"; return 1; }
}
unfill() { rm -f "$mnt/filler"; }
# says_full FILE PATH: FILE has the line of a write to PATH on a full disk.
says_full() {
    grep -qF "$2: cannot write: No space left on device" "$1" ||
        { echo "--- $1 does not say '$2: cannot write: No space left on device':"; cat "$1"; return 1; }
}
# no_tmp DIR: no temporary file of an atomic write is left under DIR.
no_tmp() {
    local left
    left=$(find "$1" -name '*.tmp.*')
    [ -z "$left" ] || { echo "temporary files left: $left"; return 1; }
}
# reads RUN_DIR STATE: `finelab runs` lists the run in STATE, `finelab show` reads it.
reads() {
    local runs_dir id
    runs_dir=$(dirname "$1") id=$(basename "$1")
    "$FINELAB" runs --runs-dir "$runs_dir" > "$tmp/runs.out" 2>&1 &&
        grep -q "^$id \+$2 " "$tmp/runs.out" ||
        { echo "--- finelab runs does not list $id as $2:"; cat "$tmp/runs.out"; return 1; }
    "$FINELAB" show "$1" > "$tmp/show.out" 2>&1 && grep -q "^state $2 " "$tmp/show.out" ||
        { echo "--- finelab show $1 does not read $2:"; cat "$tmp/show.out"; return 1; }
}
# failed_with RUN_DIR ERRFILE: status.ini says failed with the error the
# process printed (a path in the run and the cause), and it printed it.
failed_with() {
    local error
    error=$(sed -n 's/^error = //p' "$1/status.ini")
    grep -q "^state = failed$" "$1/status.ini" || { echo "not failed:"; cat "$1/status.ini"; return 1; }
    case $error in
        "$1/"*": cannot write: No space left on device") ;;
        *) echo "status.ini's error: '$error'"; return 1 ;;
    esac
    grep -qF "finelab: $error" "$2" || { echo "--- stderr lacks '$error':"; cat "$2"; return 1; }
}
# rows FILE: metrics.tsv without its timing columns (what a resume reproduces).
rows() { cut -f1-5 "$1"; }
# whole_lines FILE: every metrics.tsv line has its 8 fields and its newline.
whole_lines() {
    [ -z "$(tail -c1 "$1")" ] || { echo "$1 ends in a partial line"; return 1; }
    awk -F'\t' 'NF != 8 { print FILENAME ": line " NR ": " $0; bad = 1 } END { exit bad }' "$1"
}
# run_bg OUT PRESET RUNS_DIR: starts finelab run in the background (pid in $bg).
run_bg() {
    "$FINELAB" run "$2" --runs-dir "$3" > "$1.out" 2> "$1.err" &
    bg=$!
    pids+=("$bg")
}
# wait_exit PID SECONDS: its exit status, or 124 after killing it when it
# outlives SECONDS.
wait_exit() {
    local rc
    for _ in $(seq $(($2 * 20))); do
        kill -0 "$1" 2>/dev/null || { wait "$1"; return; }
        sleep 0.05
    done
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    echo "still running after $2 s"
    return 124
}

# The tiny run of case a, once off the tmpfs: its snapshot size sizes the
# tmpfs, its rows are what a failed and resumed run must end with.
tiny_preset "$tmp/a.ini" "$tmp/birds" 20 solver.snapshot=5
"$FINELAB" run "$tmp/a.ini" --runs-dir "$tmp/ref" > "$tmp/ref.out" 2>&1 || { cat "$tmp/ref.out"; exit 1; }
ref=$(ls -d "$tmp"/ref/*/)
ref=${ref%/}
snap_pages=$(( ($(stat -c %s "$ref/snapshots/iter_5.safetensors") + 4095) / 4096 ))
# Long enough to be caught training (b); resumed with a max_iter near
# where it failed.
tiny_preset "$tmp/long.ini" "$tmp/birds" 100000 solver.snapshot=100 solver.test_interval=100

# --- a: the third snapshot does not fit ---------------------------------------
a_third_snapshot_does_not_fit() {
    # Two snapshots, the run's small files and half a snapshot more.
    fresh "size=$((snap_pages * 4 * 5 / 2 + 64))k"
    "$FINELAB" run "$tmp/a.ini" --runs-dir "$mnt/runs" > "$tmp/a.out" 2> "$tmp/a.err"
    local rc=$? run
    run=$(sed -n 's/^run: //p' "$tmp/a.out")
    [ "$rc" -eq 1 ] || { echo "exit $rc"; cat "$tmp/a.err"; return 1; }
    says_full "$tmp/a.err" "$run/snapshots/iter_15.safetensors" && failed_with "$run" "$tmp/a.err" &&
        no_tmp "$mnt" && reads "$run" failed || return 1
    [ ! -e "$run/status.reserve" ] || { echo "the reserve outlived the run"; return 1; }
    # Snapshots 5 and 10 whole (they load), the rows up to iteration 14 the
    # reference run's.
    [ "$(ls "$run/snapshots")" = "$(printf 'iter_10.safetensors\niter_5.safetensors')" ] ||
        { ls "$run/snapshots"; return 1; }
    local s
    for s in 5 10; do
        "$FINELAB" export "$run/snapshots/iter_$s.safetensors" "$tmp/a$s.safetensors" > /dev/null ||
            return 1
    done
    md5sum "$run"/snapshots/* > "$tmp/a.md5"
    diff <(rows "$run/metrics.tsv") <(rows "$ref/metrics.tsv" | awk 'NR == 1 || $1 < 15') || return 1
    # Room again: resume goes on from iteration 10 and ends as the reference.
    mount -o remount,size=8m "$mnt"
    "$FINELAB" resume "$run" > "$tmp/a2.out" 2>&1 || { cat "$tmp/a2.out"; return 1; }
    grep -q "^state = done$" "$run/status.ini" && grep -q "resumed from .*iter_10" "$run/log.txt" &&
        md5sum -c --quiet "$tmp/a.md5" && diff <(rows "$run/metrics.tsv") <(rows "$ref/metrics.tsv") &&
        no_tmp "$mnt" && [ ! -e "$run/status.reserve" ]
}

# --- b: the disk fills while the run trains -----------------------------------
# caught_training RUNS_DIR: starts the long run and holds it (SIGSTOP) once
# its snapshot at 100 and a row after it are written and no file is being
# written; the run in $run, its pid in $bg, its files then in $tmp/before/.
past_100() { # RUN_DIR: a train row after iteration 100 is written
    awk -F'\t' '$2 == "train" && $1 > 100 { found = 1 } END { exit !found }' "$1/metrics.tsv"
}
caught_training() {
    run_bg "$tmp/b" "$tmp/long.ini" "$1"
    run=""
    # Past the snapshot at 100 and a row after it, so that a stop now has
    # a snapshot of its own to write (on a loaded machine, caught just
    # after the snapshot, it had none).
    for _ in $(seq 600); do
        run=$(sed -n 's/^run: //p' "$tmp/b.out")
        [ -n "$run" ] && [ -e "$run/snapshots/iter_100.safetensors" ] && past_100 "$run" && break
        sleep 0.05
    done
    [ -n "$run" ] && [ -e "$run/snapshots/iter_100.safetensors" ] && past_100 "$run" ||
        { echo "never saw the snapshot at 100"; cat "$tmp/b.out" "$tmp/b.err"; return 1; }
    for _ in $(seq 50); do
        kill -STOP "$bg"
        [ -z "$(find "$run" -name '*.tmp.*')" ] && break
        kill -CONT "$bg" # caught writing a file: a little further
        sleep 0.01
    done
    rm -rf "$tmp/before" && mkdir "$tmp/before" && cp -a "$run"/. "$tmp/before/"
}
# resumes_to_done RUN_DIR: with room again, resume (to 50 iterations past
# its last snapshot) ends done with whole rows, none twice and none
# missing: train rows every 2 iterations, test rows every 100 and at the end.
resumes_to_done() {
    local last end
    last=$(ls "$1/snapshots" | sed 's/iter_\([0-9]*\).*/\1/' | sort -n | tail -1)
    end=$((last + 50))
    sed -i "s/^max_iter = .*/max_iter = $end/" "$1/preset.ini"
    "$FINELAB" resume "$1" > "$tmp/resume.out" 2>&1 || { cat "$tmp/resume.out"; return 1; }
    grep -q "^state = done$" "$1/status.ini" && whole_lines "$1/metrics.tsv" && no_tmp "$mnt" ||
        return 1
    diff <(awk -F'\t' '$2 == "train" { print $1 }' "$1/metrics.tsv") <(seq 0 2 $((end - 2))) &&
        diff <(awk -F'\t' '$2 == "test" { print $1 }' "$1/metrics.tsv") \
            <(seq 0 100 $((end - 1)); echo "$end")
}
# last_row METRICS: the iteration of the last whole row.
last_row() {
    { if [ -z "$(tail -c1 "$1")" ]; then cat "$1"; else sed '$d' "$1"; fi; } |
        awk -F'\t' 'NR > 1 { r = $1 } END { print r }'
}
b_disk_fills_while_training() {
    fresh size=8m
    caught_training "$mnt/runs" || return 1
    fill || return 1
    kill -CONT "$bg"
    wait_exit "$bg" 30
    local rc=$?
    [ "$rc" -eq 1 ] || { echo "exit $rc"; cat "$tmp/b.err"; return 1; }
    echo "the write that found the disk full: $(sed -n 's/^error = //p' "$run/status.ini")"
    failed_with "$run" "$tmp/b.err" && no_tmp "$mnt" && reads "$run" failed || return 1
    # What was written stays: every snapshot, metrics.tsv's rows (a row
    # appended since may follow, and a line the disk cut short, which
    # readers ignore).
    local f
    for f in "$tmp"/before/snapshots/*; do cmp "$f" "$run/snapshots/$(basename "$f")" || return 1; done
    cmp -n "$(stat -c %s "$tmp/before/metrics.tsv")" "$tmp/before/metrics.tsv" "$run/metrics.tsv" ||
        return 1
    # It failed at that write, not one snapshot later with the rows between lost.
    local iter row
    iter=$(sed -n 's/^iter = //p' "$run/status.ini")
    row=$(last_row "$run/metrics.tsv")
    [ "$iter" -le $((row + 4)) ] || { echo "failed at iteration $iter, its last row at $row"; return 1; }
    unfill
    resumes_to_done "$run"
}
b2_last_status_cannot_be_written() {
    fresh size=8m
    caught_training "$mnt/runs" || return 1
    rm "$run/status.reserve" || return 1 # as if another writer had taken that room
    fill || return 1
    kill -CONT "$bg"
    wait_exit "$bg" 30
    local rc=$?
    [ "$rc" -eq 1 ] || { echo "exit $rc"; cat "$tmp/b.err"; return 1; }
    says_full "$tmp/b.err" "$run/status.ini" || return 1
    grep -q "status.ini keeps its old content, so the run reads interrupted" "$tmp/b.err" ||
        { cat "$tmp/b.err"; return 1; }
    # The old status, byte for byte: running, with a pid that is gone.
    cmp "$tmp/before/status.ini" "$run/status.ini" && no_tmp "$mnt" && reads "$run" interrupted ||
        return 1
    unfill
    resumes_to_done "$run"
}

b3_stopped_on_a_full_disk() {
    # Ctrl-C while the disk is full: the stop's snapshot (or the status
    # before it) cannot be written, so the run fails instead of stopping.
    # Caught just after a snapshot, the stop can come before anything else
    # needs writing: the run then stops, rightly, with its last status in
    # the reserve; that catch is tried again.
    local rc try
    for try in 1 2 3; do
        fresh size=8m
        caught_training "$mnt/runs" || return 1
        fill || return 1
        kill -INT "$bg"
        kill -CONT "$bg"
        wait_exit "$bg" 30
        rc=$?
        [ "$rc" -eq 0 ] && grep -q "^state = stopped" "$run/status.ini" &&
            [ -e "$run/snapshots/iter_$(sed -n 's/^iter = //p' "$run/status.ini").safetensors" ] ||
            break
        echo "try $try: stopped at a snapshot it already had, before any write; again"
    done
    [ "$rc" -eq 1 ] || { echo "exit $rc"; cat "$tmp/b.err"; return 1; }
    failed_with "$run" "$tmp/b.err" && no_tmp "$mnt" && reads "$run" failed || return 1
    unfill
    resumes_to_done "$run"
}

# --- c: export ------------------------------------------------------------------
c_export_to_a_full_disk() {
    fresh size=2m
    "$FINELAB" export "$ref" "$mnt/backbone.safetensors" > /dev/null || return 1
    md5sum "$mnt/backbone.safetensors" > "$tmp/c.md5"
    fill || return 1
    local out
    for out in backbone new; do
        "$FINELAB" export "$ref" "$mnt/$out.safetensors" > "$tmp/c.out" 2>&1
        [ $? -eq 1 ] || { echo "export to $out: exit not 1"; cat "$tmp/c.out"; return 1; }
        says_full "$tmp/c.out" "$mnt/$out.safetensors" || return 1
    done
    # The earlier export is whole, the new one was never made.
    md5sum -c --quiet "$tmp/c.md5" && [ ! -e "$mnt/new.safetensors" ] && no_tmp "$mnt" || return 1
    unfill
    "$FINELAB" export "$ref" "$mnt/new.safetensors" > /dev/null && no_tmp "$mnt"
}

# --- d: a CSV and a listing -----------------------------------------------------
d_csv_to_a_full_disk() {
    fresh size=1m
    fill || return 1
    "$FINELAB" compare "$ref" --csv --runs-dir "$tmp/ref" > "$mnt/compare.csv" 2> "$tmp/d.err"
    [ $? -eq 1 ] || { echo "compare --csv: exit not 1"; cat "$tmp/d.err"; return 1; }
    says_full "$tmp/d.err" "$mnt/compare.csv" || return 1
    "$FINELAB" runs --runs-dir "$tmp/ref" > "$mnt/runs.txt" 2> "$tmp/d.err"
    [ $? -eq 1 ] || { echo "runs: exit not 1"; cat "$tmp/d.err"; return 1; }
    says_full "$tmp/d.err" "$mnt/runs.txt" || return 1
    unfill
    "$FINELAB" compare "$ref" --csv --runs-dir "$tmp/ref" > "$mnt/compare.csv" &&
        grep -q "^key," "$mnt/compare.csv" && no_tmp "$mnt"
}

# --- e: creating a run ------------------------------------------------------------
e_run_created_on_a_full_disk() {
    fresh size=4m
    mkdir "$mnt/runs"
    fill || return 1
    "$FINELAB" run "$tmp/a.ini" --runs-dir "$mnt/runs" > "$tmp/e.out" 2> "$tmp/e.err"
    [ $? -eq 1 ] || { echo "exit not 1"; cat "$tmp/e.out" "$tmp/e.err"; return 1; }
    grep -q "^finelab: $mnt/runs/[^/]*-a/preset.ini: cannot write: No space left on device$" \
        "$tmp/e.err" || { cat "$tmp/e.err"; return 1; }
    # No half-made run: nothing in the store.
    [ -z "$(ls -A "$mnt/runs")" ] || { echo "left in the store:"; ls -laR "$mnt/runs"; return 1; }
    "$FINELAB" runs --runs-dir "$mnt/runs" | grep -q "^no runs in " || return 1
    # A halving sweep's record likewise.
    { cat "$tmp/a.ini"; printf '[sweep]\nstrategy = halving\nmin_iter = 10\neta = 2\n'
      printf 'solver.base_lr = 0.1, 0.01\n'; } > "$tmp/h.ini"
    "$FINELAB" run "$tmp/h.ini" --runs-dir "$mnt/runs" > "$tmp/e.out" 2> "$tmp/e.err"
    [ $? -eq 1 ] || { echo "halving: exit not 1"; cat "$tmp/e.out" "$tmp/e.err"; return 1; }
    grep -q "^finelab: $mnt/runs/halving/halving-[^/]*-h/preset.ini: cannot write: No space left on device$" \
        "$tmp/e.err" || { cat "$tmp/e.err"; return 1; }
    [ -z "$(ls -A "$mnt/runs/halving")" ] || { ls -laR "$mnt/runs"; return 1; }
    no_tmp "$mnt" || return 1
    unfill
    "$FINELAB" run "$tmp/a.ini" --runs-dir "$mnt/runs" > "$tmp/e.out" 2>&1 &&
        grep -q "^state = done$" "$mnt"/runs/*-a/status.ini || { cat "$tmp/e.out"; return 1; }
}
e_run_created_without_inodes() {
    # Room for bytes but for no more files: the root, runs/, the run and
    # its snapshots/ take the four inodes.
    fresh size=1m,nr_inodes=4
    mkdir "$mnt/runs"
    "$FINELAB" run "$tmp/a.ini" --runs-dir "$mnt/runs" > "$tmp/e.out" 2> "$tmp/e.err"
    [ $? -eq 1 ] || { echo "exit not 1"; cat "$tmp/e.out" "$tmp/e.err"; return 1; }
    grep -q "^finelab: $mnt/runs/[^ ]*: cannot create .*: No space left on device$" "$tmp/e.err" ||
        { cat "$tmp/e.err"; return 1; }
    [ -z "$(ls -A "$mnt/runs")" ] || { ls -laR "$mnt/runs"; return 1; }
    no_tmp "$mnt"
}

# --- f: the lab -------------------------------------------------------------------
f_lab_on_a_full_disk() {
    command -v tmux > /dev/null || { echo "(no tmux: the lab's part is not checked)"; return 0; }
    tmux_init lab
    trap cleanup EXIT # tmux_init's trap would leave the mount behind
    fresh size=2m
    mkdir -p "$mnt/presets" "$mnt/runs"
    tiny_preset "$mnt/presets/fulldisk.ini" "$tmp/birds" 20 "experiment.description=before"
    cp -a "$ref" "$mnt/runs/"
    md5sum "$mnt/presets/fulldisk.ini" > "$tmp/f.md5"
    fill || return 1
    T new-session -d -s lab -x 200 -y 40 \
        "cd $tmp && LANG=C.UTF-8 TERM=xterm-256color $FINELAB --presets $mnt/presets --runs-dir $mnt/runs; sleep 30"
    wait_for "fulldisk" 20 || return 1
    keys Enter
    wait_for "Editing .*fulldisk.ini" || return 1
    edit_key experiment.description after || return 1
    keys F2
    wait_for "not saved: $mnt/presets/fulldisk.ini: cannot write: No space left on device" ||
        return 1
    md5sum -c --quiet "$tmp/f.md5" && no_tmp "$mnt" || return 1
    keys Escape
    wait_for "discard" 5 && keys y
    keys 5
    wait_for "5 Compare" || return 1
    keys e
    wait_for "not exported: $mnt/runs/compare-.*csv: cannot write: No space left on device" ||
        return 1
    no_tmp "$mnt" || return 1
    keys 1
    wait_for "Presets:" || return 1
    keys r
    wait_for "preset.ini: cannot write: No space left on device" 20 || return 1
    [ "$(ls "$mnt/runs")" = "$(basename "$ref")" ] || { ls -la "$mnt/runs"; return 1; }
    no_tmp "$mnt" || return 1
    keys F10
}

check a_third_snapshot_does_not_fit a_third_snapshot_does_not_fit
check b_disk_fills_while_training b_disk_fills_while_training
check b2_last_status_cannot_be_written b2_last_status_cannot_be_written
check b3_stopped_on_a_full_disk b3_stopped_on_a_full_disk
check c_export_to_a_full_disk c_export_to_a_full_disk
check d_csv_to_a_full_disk d_csv_to_a_full_disk
check e_run_created_on_a_full_disk e_run_created_on_a_full_disk
check e_run_created_without_inodes e_run_created_without_inodes
check f_lab_on_a_full_disk f_lab_on_a_full_disk
finish
