/*
 * blas_setup — the OpenBLAS kernel this process runs, settled once when it
 * starts, before any work (main calls blas_setup_start first).
 *
 * OpenBLAS fixes its kernel when it loads, from cpuid or from
 * OPENBLAS_CORETYPE. When the user set that variable, it is respected.
 * Otherwise, when the library picked a kernel for a weaker instruction set
 * than the processor has (engine/base/blas_kernel.h), each better kernel is
 * tried in a child process of this program (the same binary with
 * OPENBLAS_CORETYPE set and FINELAB_BLAS_SELFCHECK=1, which runs the GEMM
 * self-check and nothing else); the best that passes is chosen and the
 * program starts again with it (execv of /proc/self/exe, same arguments).
 * Why the kernel is what it is travels in FINELAB_BLAS_WHY, so the process
 * that trains can say it: `finelab version` and the first lines of every
 * run's log. FINELAB_BLAS_SIMULATE_PICKED=NAME makes the choice as if the
 * library had picked NAME (for tests; the self-checks still run for real).
 * Main thread, at start; never exits the process itself.
 */
#ifndef FINELAB_BLAS_SETUP_H
#define FINELAB_BLAS_SETUP_H

#include <stddef.h>

/* Settles the kernel: may start the program again (and then not return).
 * Returns 1 when this process is a self-check child, with its exit status
 * in *exit_code (0: the kernel passed); main exits with it. Else 0. */
int blas_setup_start(char **argv, int *exit_code);
/* One line: which BLAS, with how many threads (threads > 0: the number a
 * run is about to set; else the library's now), which kernel, and why
 * ("picked by the library", "chosen by finelab ...", "set by the user ..."). */
void blas_setup_describe(int threads, char *buf, size_t cap);

#endif
