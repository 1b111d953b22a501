#!/usr/bin/env bash
# test_conv_algo — [experiment] conv_algo from the preset to the engine: a
# run's log says which algorithm each convolution uses; auto takes Winograd
# where it fits, reference keeps every layer on im2col, and a bad value is
# refused naming the key.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
lab_init conv_algo
lab_birds 3 4
tiny_preset "$tmp/p.ini" "$tmp/birds" 2 || exit 1

log_of() { # conv_algo: the run's convolutions line
    "$FINELAB" run "$tmp/p.ini" --set "experiment.conv_algo=$1" --runs-dir "$tmp/runs_$1" \
        > "$tmp/out" || return 1
    grep 'convolutions: ' "$(sed -n 's/^run: //p' "$tmp/out")/log.txt"
}
auto_uses_winograd_where_it_fits() {
    local line
    line=$(log_of auto) || return 1
    echo "$line" | grep -q 'conv1_1 im2col' && echo "$line" | grep -q 'conv3_2 winograd' ||
        { echo "$line"; return 1; }
}
reference_is_im2col_everywhere() {
    local line
    line=$(log_of reference) || return 1
    ! echo "$line" | grep -q winograd && echo "$line" | grep -q 'conv5_3 im2col' ||
        { echo "$line"; return 1; }
}
bad_value_is_refused() {
    "$FINELAB" run "$tmp/p.ini" --set experiment.conv_algo=fft 2> "$tmp/err"
    [ $? -eq 2 ] && grep -q 'experiment.conv_algo' "$tmp/err"
}
check auto_uses_winograd_where_it_fits auto_uses_winograd_where_it_fits
check reference_is_im2col_everywhere reference_is_im2col_everywhere
check bad_value_is_refused bad_value_is_refused
finish
