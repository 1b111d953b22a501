#!/usr/bin/env bash
# test_blas_setup — the OpenBLAS kernel a finelab process runs, end to end:
# `finelab version` says which kernel and why; a kernel the user set in
# OPENBLAS_CORETYPE is kept; when the library picks a weaker kernel than the
# CPU has (simulated: FINELAB_BLAS_SIMULATE_PICKED), finelab checks the
# better ones in child processes and starts again with the best that
# passes; and every run's log opens with the BLAS line.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
lab_init blas_setup
lab_birds 3 4

# The machine's own OPENBLAS_CORETYPE (some set one for every process) is
# the user's choice, which finelab keeps: the tests of its own choice run
# without it.
version_names_kernel_and_why() {
    env -u OPENBLAS_CORETYPE "$FINELAB" version > "$tmp/out" || return 1
    grep -qE '^BLAS: .*kernel [A-Za-z0-9]+, (picked by the library|chosen by finelab)' "$tmp/out" ||
        { cat "$tmp/out"; return 1; }
}
user_kernel_is_respected() {
    OPENBLAS_CORETYPE=Sandybridge FINELAB_BLAS_SIMULATE_PICKED=Prescott "$FINELAB" version \
        > "$tmp/out" || return 1
    grep -q 'kernel Sandybridge, set by the user (OPENBLAS_CORETYPE=Sandybridge)' "$tmp/out" ||
        { cat "$tmp/out"; return 1; }
}
weaker_pick_is_replaced() {
    env -u OPENBLAS_CORETYPE FINELAB_BLAS_SIMULATE_PICKED=Prescott "$FINELAB" version \
        > "$tmp/out" || return 1
    if grep -q 'the CPU has SSE' "$tmp/out"; then return 0; fi # nothing better to choose
    grep -q 'chosen by finelab (the library picked Prescott; the CPU has' "$tmp/out" &&
        ! grep -q 'kernel Prescott' "$tmp/out" || { cat "$tmp/out"; return 1; }
}
run_log_opens_with_blas() {
    tiny_preset "$tmp/p.ini" "$tmp/birds" 2 || return 1
    "$FINELAB" run "$tmp/p.ini" --runs-dir "$tmp/runs" > "$tmp/out" || return 1
    local run
    run=$(sed -n 's/^run: //p' "$tmp/out")
    head -3 "$run/log.txt" | grep -q 'BLAS: .*kernel ' || { head -3 "$run/log.txt"; return 1; }
}

check version_names_kernel_and_why version_names_kernel_and_why
check user_kernel_is_respected user_kernel_is_respected
check weaker_pick_is_replaced weaker_pick_is_replaced
check run_log_opens_with_blas run_log_opens_with_blas
finish
