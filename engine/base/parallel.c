/*
 * parallel — a persistent pool with one shared task counter. See
 * parallel.h.
 *
 * A run publishes (fn, ctx, n) and bumps a generation number; every thread
 * (caller included) takes the next task number from an atomic counter
 * until none is left. The caller then waits until every worker has
 * reported the generation done, so nothing of the run's context is used
 * after parallel_run returns. Workers are never joined: they end with the
 * process.
 *
 * Waiting spins first, then sleeps: a worker done with a run watches the
 * generation for about PARALLEL_SPIN pauses (some 50-100 us) before it
 * sleeps on the condition variable, and the caller watches the count of
 * finished workers as long before it sleeps on its own. A small layer
 * makes several runs of a few hundred microseconds each (the direct
 * convolution's fills, products and unpacking), and waking a sleeping
 * thread costs tens of microseconds and two context switches a run (the
 * 32 px recipe spent a sixth of its step in the scheduler). A run's
 * generation and its thread count are one atomic word (the "ticket"), so
 * a worker that reads a generation also reads who takes part in it, and
 * a worker left out of a run (a smaller thread count) marks it seen
 * rather than joining it late; the finished count is atomic too. The lock
 * and the condition variables keep their meaning for the threads that
 * sleep (a worker's last finish is signalled under the lock, so the
 * caller's check-then-wait cannot miss it).
 */
#include "engine/base/parallel.h"

#include <pthread.h>
#include <stdatomic.h>

#include "engine/base/blas.h"

enum { PARALLEL_SPIN = 2000, TICKET_SHIFT = 7 }; /* threads <= PARALLEL_MAX < 2^7 */

/* One pause of a spin-wait loop. */
static inline void parallel_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    atomic_int threads;  /* threads wanted */
    int started;         /* workers running */
    atomic_ulong ticket; /* generation << TICKET_SHIFT | the run's threads */
    atomic_int finished; /* workers done with the current generation */
    ParallelTask fn;
    void *ctx;
    int n;
    atomic_int next;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER,
          .wake = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER,
          .threads = 1};

void parallel_set_threads(int n) {
    pthread_mutex_lock(&pool.lock);
    atomic_store(&pool.threads, n < 1 ? 1 : n > PARALLEL_MAX ? PARALLEL_MAX : n);
    pthread_mutex_unlock(&pool.lock);
}

int parallel_threads(void) {
    return atomic_load(&pool.threads);
}

/* 1 on a thread while it runs a task: a parallel_run from inside a task
 * runs inline (parallel.h). */
static _Thread_local int in_task;

static void drain(ParallelTask fn, void *ctx, int n, int worker) {
    in_task = 1;
    for (int t; (t = atomic_fetch_add(&pool.next, 1)) < n;) fn(ctx, t, worker);
    in_task = 0;
}

/* The ticket of the next run after generation *seen that worker id takes
 * part in; runs it is left out of are marked seen on the way. Spins a
 * while, then sleeps until there is one. */
static unsigned long worker_next(int id, unsigned long *seen) {
    for (int i = 0;; i++) {
        unsigned long t;
        if (i < PARALLEL_SPIN) {
            t = atomic_load_explicit(&pool.ticket, memory_order_acquire);
            if (t >> TICKET_SHIFT == *seen) {
                parallel_pause();
                continue;
            }
        } else {
            pthread_mutex_lock(&pool.lock);
            while ((t = atomic_load(&pool.ticket)) >> TICKET_SHIFT == *seen)
                pthread_cond_wait(&pool.wake, &pool.lock);
            pthread_mutex_unlock(&pool.lock);
        }
        *seen = t >> TICKET_SHIFT;
        if (id < (int)(t & ((1u << TICKET_SHIFT) - 1))) return t;
    }
}

static void *worker_main(void *arg) {
    int id = (int)(long)arg;
    unsigned long seen = 0;
    for (;;) {
        unsigned long t = worker_next(id, &seen);
        int threads = (int)(t & ((1u << TICKET_SHIFT) - 1));
        drain(pool.fn, pool.ctx, pool.n, id);
        /* the caller waits for threads - 1 finishes: the last one is
         * signalled under the lock */
        if (atomic_fetch_add(&pool.finished, 1) + 1 == threads - 1) {
            pthread_mutex_lock(&pool.lock);
            pthread_cond_signal(&pool.done);
            pthread_mutex_unlock(&pool.lock);
        }
    }
    return NULL;
}

void parallel_run(int n_tasks, ParallelTask fn, void *ctx) {
    if (in_task) { /* nested: this thread's share of the outer run does it all */
        for (int t = 0; t < n_tasks; t++) fn(ctx, t, 0);
        return;
    }
    pthread_mutex_lock(&pool.lock);
    int threads = atomic_load(&pool.threads);
    while (pool.started < threads - 1) { /* workers 1 .. threads-1 */
        pthread_t t;
        if (pthread_create(&t, NULL, worker_main, (void *)(long)(pool.started + 1)) != 0) break;
        pthread_detach(t);
        pool.started++;
    }
    if (pool.started < threads - 1) atomic_store(&pool.threads, threads = pool.started + 1);
    if (threads == 1 || n_tasks <= 1) {
        pthread_mutex_unlock(&pool.lock);
        for (int t = 0; t < n_tasks; t++) fn(ctx, t, 0);
        return;
    }
    int blas = blas_threads();
    blas_set_threads(1);
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n = n_tasks;
    atomic_store(&pool.finished, 0);
    atomic_store(&pool.next, 0);
    unsigned long gen = (atomic_load(&pool.ticket) >> TICKET_SHIFT) + 1;
    atomic_store_explicit(&pool.ticket, gen << TICKET_SHIFT | (unsigned long)threads,
                          memory_order_release);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    drain(fn, ctx, n_tasks, 0);
    for (int i = 0; i < PARALLEL_SPIN && atomic_load(&pool.finished) < threads - 1; i++)
        parallel_pause();
    if (atomic_load(&pool.finished) < threads - 1) {
        pthread_mutex_lock(&pool.lock);
        while (atomic_load(&pool.finished) < threads - 1) pthread_cond_wait(&pool.done, &pool.lock);
        pthread_mutex_unlock(&pool.lock);
    }
    blas_set_threads(blas);
}
