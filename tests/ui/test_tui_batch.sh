#!/usr/bin/env bash
# test_tui_batch — the editor's batch trade-off, driven through tmux: above
# the form it shows the effective batch (batch_size x iter_size, per
# process) and the estimated peak memory with its parts (src/run/footprint),
# and both follow the values live: batch_size cycled to the next suggestion
# doubles the effective batch and the activations, iter_size typed changes
# the effective batch (while it is typed) but not the memory, a smaller
# resolution shrinks the memory, and last_layer mode counts the feature
# cache of the dataset's images.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/lib.sh
lab_init tui_batch
tmux_init batch

lab_birds 3 10 || { echo "cannot generate the birds"; exit 1; }
mkdir -p "$tmp/lab/presets"
tiny_preset "$tmp/lab/presets/batch.ini" "$tmp/birds" 2 data.resize=auto data.resolution=64 \
    solver.batch_size=8 solver.iter_size=4 transfer.mode=all || exit 1

# The lab in a directory of its own: batch.ini is the only preset.
T new-session -d -s batch -x 110 -y 32 \
    "cd $tmp/lab && LANG=C.UTF-8 TERM=xterm-256color $FINELAB --runs-dir $tmp/runs; sleep 30"

# The summary's two lines; a figure of them in KiB: the peak, or a part's.
summary() { screen | grep -A1 "^effective batch"; }
kib() { awk '{ m = $2 == "G" ? 1048576 : $2 == "M" ? 1024 : 1; printf "%d\n", $1 * m }'; }
peak() { summary | sed -n 's/.*peak memory ~\([0-9.]*\) \([KMG]\)iB.*/\1 \2/p' | kib; }
figure() { summary | sed -n "s/.*  $1 \([0-9.]*\) \([KMG]\)iB.*/\1 \2/p" | kib; }

opens_with_the_effective_batch_and_the_estimate() {
    wait_for "^batch " || return 1
    keys Enter
    wait_for "Editing presets/batch.ini" || return 1
    wait_for "^effective batch 32 = batch_size 8 x iter_size 4 per process   peak memory ~" &&
        wait_for "^  params .* activations .* act. grads .* workspace .* loader " &&
        ! screen | grep -q "  cache " || { screen; return 1; }
    before_peak=$(peak) && before_act=$(figure activations) || { screen; return 1; }
    [ "$before_peak" -gt 0 ] && [ "$before_act" -gt 0 ]
}
batch_size_doubles_the_batch_and_the_activations() {
    select_key solver.batch_size || return 1
    keys Right # 8 -> 16, the next suggestion
    wait_for "^effective batch 64 = batch_size 16 x iter_size 4 per process" || return 1
    local act peak_now
    act=$(figure activations) && peak_now=$(peak) || { screen; return 1; }
    # twice the images, twice the activations (give or take the rounding)
    [ $((act * 100)) -ge $((before_act * 195)) ] && [ $((act * 100)) -le $((before_act * 205)) ] &&
        [ "$peak_now" -gt "$before_peak" ] ||
        { echo "activations $before_act -> $act KiB, peak $before_peak -> $peak_now KiB"; screen
          return 1; }
    batch16_peak=$peak_now
}
iter_size_changes_the_batch_not_the_memory() {
    select_key solver.iter_size || return 1
    keys Enter BSpace 2 # typing: the summary follows the text before Enter
    wait_for "^effective batch 32 = batch_size 16 x iter_size 2 per process" || return 1
    keys Enter
    wait_for "iter_size  *= 2$" && [ "$(peak)" = "$batch16_peak" ] ||
        { echo "peak $(peak), expected $batch16_peak"; screen; return 1; }
}
resolution_shrinks_the_memory() {
    select_key data.resolution || return 1
    keys Enter BSpace BSpace 3 2 Enter # 64 -> 32 px
    wait_for "^\*+ data.resolution  *= 32$" || return 1
    local now
    now=$(peak)
    [ "$now" -lt "$batch16_peak" ] || { echo "peak $batch16_peak -> $now KiB"; screen; return 1; }
    small_peak=$now
}
last_layer_counts_the_feature_cache() {
    select_key transfer.mode || return 1
    keys Left # all -> last_layer
    wait_for "^ + transfer.mode  *= last_layer$" || return 1
    # the dataset (3 species x 10 images, official split) is read: the cache has a size
    wait_for "  cache [0-9]" || return 1
    ! summary | grep -q "+ cache"
}

check opens_with_the_effective_batch_and_the_estimate opens_with_the_effective_batch_and_the_estimate
check batch_size_doubles_the_batch_and_the_activations batch_size_doubles_the_batch_and_the_activations
check iter_size_changes_the_batch_not_the_memory iter_size_changes_the_batch_not_the_memory
check resolution_shrinks_the_memory resolution_shrinks_the_memory
check last_layer_counts_the_feature_cache last_layer_counts_the_feature_cache
finish
