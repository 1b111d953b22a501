#!/usr/bin/env bash
# test_conv_algo — [experiment] conv_algo from the preset to the engine: a
# run's log says which algorithm each convolution uses; auto takes Winograd
# on the wide layers of large planes and the direct convolution on the
# rest (where the CPU has AVX2 and FMA; else Winograd and im2col), each
# named value forces its algorithm, reference keeps every layer on im2col,
# and a bad value is refused naming the key.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
lab_init conv_algo
lab_birds 3 4
# Width 0.5 at 64 px: conv2_2 has 64 input channels on 32x32, conv4_1 128
# on 8x8.
tiny_preset "$tmp/p.ini" "$tmp/birds" 2 model.width=0.5 data.resize=64 data.resolution=64 || exit 1
direct=1
grep -q -E '^flags.* avx2( |$)' /proc/cpuinfo && grep -q -E '^flags.* fma( |$)' /proc/cpuinfo ||
    direct=0

log_of() { # conv_algo: the run's convolutions line
    "$FINELAB" run "$tmp/p.ini" --set "experiment.conv_algo=$1" --runs-dir "$tmp/runs_$1" \
        > "$tmp/out" || return 1
    grep 'convolutions: ' "$(sed -n 's/^run: //p' "$tmp/out")/log.txt"
}
auto_takes_each_where_it_is_fastest() {
    local line small=direct first=direct
    [ "$direct" = 1 ] || { small=winograd first=im2col; }
    line=$(log_of auto) || return 1
    echo "$line" | grep -q "conv1_1 $first" && echo "$line" | grep -q 'conv2_2 winograd' &&
        echo "$line" | grep -q "conv4_1 $small" || { echo "$line"; return 1; }
}
direct_is_direct_where_the_cpu_runs_it() {
    local line
    line=$(log_of direct) || return 1
    if [ "$direct" = 1 ]; then
        ! echo "$line" | grep -q -E 'winograd|im2col' || { echo "$line"; return 1; }
    else
        ! echo "$line" | grep -q direct || { echo "$line"; return 1; }
    fi
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
check auto_takes_each_where_it_is_fastest auto_takes_each_where_it_is_fastest
check direct_is_direct_where_the_cpu_runs_it direct_is_direct_where_the_cpu_runs_it
check reference_is_im2col_everywhere reference_is_im2col_everywhere
check bad_value_is_refused bad_value_is_refused
finish
