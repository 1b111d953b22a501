#!/usr/bin/env bash
# test_odd_paths — presets, datasets and run stores whose paths hold
# spaces, non-ASCII letters and a '#', and very long names: what works
# works through every command (run, runs, show, compare --csv, export,
# resume), and what cannot work (a name too long for a run id, a '/' in a
# name, a run store path too long for its files) is refused with a message
# that says why, before anything is written. A list file of 100000 entries
# opens (the time it took is printed, not judged: make bench is for speed).
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
lab_init odd_paths
tmux_init odd
lab_birds 3 10

odd="$tmp/dir with spaces #1 é ü データ"
mkdir -p "$odd/presets ü" && cp -r "$tmp/birds" "$odd/birds é" || exit 1
preset="$odd/presets ü/préset – two.ini"
runs="$odd/runs ü"
tiny_preset "$preset" "$odd/birds é" 6 solver.snapshot=3 solver.test_interval=3 || exit 1

# Spaces, '#' and non-ASCII letters in every path, and in the run id.
every_command_takes_odd_paths() {
    "$FINELAB" run "$preset" --runs-dir "$runs" > "$tmp/run.out" 2>&1 || { cat "$tmp/run.out"; return 1; }
    local id
    id=$(ls "$runs" | grep -- "-préset – two$") || { ls "$runs"; return 1; }
    "$FINELAB" runs --runs-dir "$runs" > "$tmp/runs.out" && grep -q "^$id  *done " "$tmp/runs.out" ||
        { cat "$tmp/runs.out"; return 1; }
    # Its columns line up under the header's, counted in letters, not bytes.
    python3 -c 'import sys; l = open(sys.argv[1], encoding="utf-8").read().splitlines()
sys.exit(l[0].index("state") != l[1].index("done"))' "$tmp/runs.out" || { cat "$tmp/runs.out"; return 1; }
    "$FINELAB" show "$id" --runs-dir "$runs" | grep -q "^dataset = $odd/birds é$" || return 1
    "$FINELAB" compare "$id" "$runs/$id" --runs-dir "$runs" --csv > "$tmp/cmp.csv" &&
        head -1 "$tmp/cmp.csv" | grep -qF "key,$id,$id" || { cat "$tmp/cmp.csv"; return 1; }
    "$FINELAB" export "$id" "$odd/w é.safetensors" --runs-dir "$runs" > /dev/null &&
        [ -s "$odd/w é.safetensors" ] || return 1
    # Stopped at its second snapshot's iteration, as a stop would leave it.
    sed -i 's/^state = done/state = stopped/' "$runs/$id/status.ini"
    "$FINELAB" resume "$id" --runs-dir "$runs" > "$tmp/resume.out" 2>&1 &&
        grep -q '^state = done' "$runs/$id/status.ini" || { cat "$tmp/resume.out"; return 1; }
}

# The lab lists the preset and its run under their names, runs it again
# (r) and shows the new run's curves.
the_lab_takes_odd_paths() {
    mkdir -p "$odd/presets ü/demo" && cp "$preset" "$odd/presets ü/demo/" || return 1
    T new-session -d -s odd -x 110 -y 30 \
        "cd '$tmp' && LANG=C.UTF-8 TERM=xterm-256color '$FINELAB' --presets '$odd/presets ü' --runs-dir '$runs'; sleep 30"
    wait_for "préset – two" || return 1
    keys r
    wait_for "préset – two\(-2\)\?  \[done\]" 30 || return 1
    keys 3
    wait_for "préset – two-\?[0-9]*  *done" || return 1
    [ "$(ls "$runs" | grep -c -- "-préset – two")" -eq 2 ] || { ls "$runs"; return 1; }
}

# refused_before_writing EXPECTED COMMAND...: COMMAND fails, its message
# says EXPECTED, and the run store it was given ($tmp/empty) stays empty.
refused_before_writing() {
    local want=$1; shift
    rm -rf "$tmp/empty"; mkdir -p "$tmp/empty"
    if "$@" > "$tmp/refused.out" 2>&1; then
        echo "--- expected a refusal, got success:"; cat "$tmp/refused.out"; return 1
    fi
    grep -qF -- "$want" "$tmp/refused.out" || { cat "$tmp/refused.out"; return 1; }
    [ -z "$(ls -A "$tmp/empty" | grep -v '^\.')" ] || { ls -la "$tmp/empty"; return 1; }
}

# A 240-byte file name is a 240-byte experiment.name, too long for a run
# id (<date-time>-<name> in one 255-byte file name); earlier, the id was cut
# silently and a second run of the preset in the same second failed.
long_names_refused() {
    local long
    long=$(printf 'n%.0s' $(seq 240))
    cp "$preset" "$tmp/$long.ini"
    refused_before_writing "experiment.name: 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...' is 240 bytes long; run ids" \
        "$FINELAB" run "$tmp/$long.ini" --runs-dir "$tmp/empty" || return 1
    # 200 bytes is the limit, and works.
    long=$(printf 'm%.0s' $(seq 200))
    cp "$preset" "$tmp/$long.ini"
    "$FINELAB" run "$tmp/$long.ini" --runs-dir "$tmp/long_ok" > "$tmp/long.out" 2>&1 ||
        { cat "$tmp/long.out"; return 1; }
    ls "$tmp/long_ok" | grep -q -- "-$long$"
}
slash_in_name_refused() {
    refused_before_writing "experiment.name: 'a/b' holds a '/', which a run id cannot" \
        "$FINELAB" run "$preset" --set experiment.name=a/b --runs-dir "$tmp/empty"
}
# A run store path so long that its files' paths would not fit: refused,
# where the directory's path was cut short before (a run of it trained
# into a directory named "20261202-0").
long_run_store_refused() {
    local seg deep
    seg=$(printf 'd%.0s' $(seq 200))
    deep="$tmp/empty/$seg/$seg/$seg/$seg/$seg"
    refused_before_writing "the run store's path is " \
        "$FINELAB" run "$preset" --runs-dir "$deep" || return 1
}
# A dataset path over data.dataset's limit is named by line and key.
long_dataset_path_refused() {
    local seg
    seg=$(printf 'd%.0s' $(seq 200))
    tiny_preset "$tmp/longds.ini" "$tmp/$seg/$seg/$seg/$seg/$seg/$seg/birds" 2
    refused_before_writing "longds.ini:2: data.dataset: is " \
        "$FINELAB" run "$tmp/longds.ini" --runs-dir "$tmp/empty"
}

# 100000 entries in a list file (hard links to the 30 generated images,
# in 100 folders), 200 labels: the index reads and every image is probed.
hundred_thousand_entries_open() {
    mkdir -p "$tmp/big" || return 1
    python3 - "$tmp/birds" "$tmp/big" <<'EOF' || return 1
import glob, os, sys
src, big = sys.argv[1], sys.argv[2]
imgs = sorted(glob.glob(os.path.join(src, "images", "*", "*.jpg")))
with open(os.path.join(big, "list.txt"), "w") as f:
    for i in range(100000):
        d = os.path.join(big, "img", str(i % 100))
        if i < 100:
            os.makedirs(d)
        dst = os.path.join(d, "%06d.jpg" % i)
        os.link(imgs[i % len(imgs)], dst)
        f.write("img/%d/%06d.jpg %d\n" % (i % 100, i, i % 200))
EOF
    "$FINELAB" bench data "$tmp/big/list.txt" --images 4 --set data.split=random:0.8 \
        > "$tmp/big.out" 2>&1 || { cat "$tmp/big.out"; return 1; }
    grep "^dataset " "$tmp/big.out"
    grep -q "100000 images, 200 classes (list format), indexed and probed in" "$tmp/big.out"
}

check every_command_takes_odd_paths every_command_takes_odd_paths
check the_lab_takes_odd_paths the_lab_takes_odd_paths
check long_names_refused long_names_refused
check slash_in_name_refused slash_in_name_refused
check long_run_store_refused long_run_store_refused
check long_dataset_path_refused long_dataset_path_refused
check hundred_thousand_entries_open hundred_thousand_entries_open
finish
