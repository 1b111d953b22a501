#!/usr/bin/env bash
# test_tui_plot — the lab's picture keys, driven through tmux on a store of
# a tiny 2-run sweep: e on the Monitor writes runs/plots/<run id>-curves.png,
# e on the Grid runs/plots/<sweep>-grid.png, P on Compare (whose e exports
# CSV) runs/plots/compare-<time>-curves.png; each time the status line
# names the file, which is a whole PNG at finelab plot's default size, and
# Compare's e still writes its CSV.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/lib.sh
tmux_lab tui_plot 3 6 lab
tiny_preset "$tmp/sw.ini" "$tmp/birds" 20 experiment.name=tiny_sw experiment.threads=1 || exit 1
printf '[sweep]\nsolver.base_lr = 0.01, 0.0001\n' >>"$tmp/sw.ini"
"$FINELAB" run "$tmp/sw.ini" --runs-dir "$tmp/runs" >"$tmp/sw.log" 2>&1 || { cat "$tmp/sw.log"; exit 1; }
newest=$(ls "$tmp/runs" | grep -- '-tiny_sw' | sort | tail -1)

T new-session -d -s lab -x 200 -y 40 \
    "cd $tmp && LANG=C.UTF-8 TERM=xterm-256color $FINELAB --presets $tmp/presets --runs-dir runs; sleep 30"

# is_png FILE: a PNG of finelab plot's default size, 1600 x 1000.
is_png() {
    [ "$(od -An -tx1 -j16 -N8 "$1" | tr -d ' \n')" = "00000640000003e8" ] ||
        { echo "$1: not a 1600x1000 PNG"; od -c -N32 "$1"; return 1; }
}

monitor_e_writes_the_curves() {
    wait_for "Presets:" || return 1
    keys 4
    wait_for "$newest  \[done\]" 10 || return 1
    keys e
    wait_for "wrote runs/plots/$newest-curves.png" 10 || return 1
    is_png "$tmp/runs/plots/$newest-curves.png"
}
grid_e_writes_the_grid() {
    keys 6
    wait_for "Grid: sweep of tiny_sw, 2 runs" 10 || return 1
    keys e
    wait_for "wrote runs/plots/tiny_sw-grid.png" 10 || return 1
    is_png "$tmp/runs/plots/tiny_sw-grid.png"
}
compare_p_writes_the_curves_and_e_stays_csv() {
    keys 5
    wait_for "Compare: 2 runs" 10 || return 1
    keys P
    wait_for "wrote runs/plots/compare-[0-9]*-[0-9]*-curves.png" 10 || return 1
    local f; f=$(ls "$tmp/runs/plots"/compare-*-curves.png) || return 1
    is_png "$f" || return 1
    keys e
    wait_for "wrote runs/compare-[0-9-]*\.csv" 10 || return 1
    [ -z "$(ls "$tmp/runs/plots" | grep tmp)" ] || { ls "$tmp/runs/plots"; return 1; }
}

check monitor_e_writes_the_curves monitor_e_writes_the_curves
check grid_e_writes_the_grid grid_e_writes_the_grid
check compare_p_writes_the_curves_and_e_stays_csv compare_p_writes_the_curves_and_e_stays_csv
finish
