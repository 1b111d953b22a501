/*
 * sgemm_rate — the BLAS's sgemm rate on a square product, the yardstick the
 * bench programs set their own GFLOP/s against (bench_layers per layer,
 * bench_peak for the machine). Linked into every bench program.
 */
#ifndef FINELAB_BENCH_SGEMM_RATE_H
#define FINELAB_BENCH_SGEMM_RATE_H

/* Best-of-reps GFLOP/s of an n x n x n sgemm (row-major, through
 * blas_gemm) after one warm-up product, on seeded uniform data. Exits with
 * a message when the matrices do not fit in memory. */
double sgemm_rate(int n, int reps);

#endif
