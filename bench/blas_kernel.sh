# bench/blas_kernel.sh — sourced by the bench scripts: the bench programs
# link the same OpenBLAS as finelab but not finelab's start-up, which may
# switch the library's kernel (src/run/blas_setup.c). bench_kernel OUT
# exports OPENBLAS_CORETYPE as `OUT/finelab version` reports it (unless
# the user set it) and prints what it did, so that they (and PyTorch,
# whose BLAS calls go to the same library) measure the kernel finelab runs.
bench_kernel() {
    local version kernel
    version=$("$1/finelab" version) || return 1
    kernel=$(echo "$version" | sed -n 's/.*; kernel \([A-Za-z0-9_]*\),.*/\1/p')
    if [ -n "$kernel" ] && [ -z "${OPENBLAS_CORETYPE:-}" ]; then
        export OPENBLAS_CORETYPE=$kernel
        echo "bench programs: OPENBLAS_CORETYPE=$kernel, as finelab runs"
    fi
}
