/*
 * parallel — the engine's own threads for kernels whose work splits into
 * independent tasks (channels of a transform, images of a batch, the 36
 * matrix products of a Winograd tile), where two small single-threaded
 * GEMMs side by side beat one GEMM that OpenBLAS splits itself.
 *
 * parallel_run hands tasks 0..n-1 to the calling thread and the pool's
 * workers (parallel_set_threads - 1 of them, started on first use and kept
 * for the process's life), each task to exactly one of them, and returns
 * when all are done. During a run OpenBLAS is held at one thread, so a GEMM
 * inside a task runs on the thread that calls it; the BLAS thread count is
 * restored afterwards. A parallel_run inside a task runs that inner run's
 * tasks in order on the task's thread (worker 0 for them: inner tasks
 * must not keep per-worker scratch apart from the outer task's). One
 * caller at a time: the engine thread (or a test's main thread).
 */
#ifndef FINELAB_PARALLEL_H
#define FINELAB_PARALLEL_H

/* One task: ctx is the caller's, task in [0, n), worker in
 * [0, parallel_threads()) identifies the thread (for per-thread scratch). */
typedef void (*ParallelTask)(void *ctx, int task, int worker);

/* Threads parallel_run uses, the caller's included (1..PARALLEL_MAX). */
enum { PARALLEL_MAX = 64 };
void parallel_set_threads(int n);
int parallel_threads(void);
/* Runs every task once and returns when all have finished. With one
 * thread, or one task, they run in order on the caller. */
void parallel_run(int n_tasks, ParallelTask fn, void *ctx);

#endif
