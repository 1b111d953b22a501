/*
 * parallel — a persistent pool with one shared task counter. See
 * parallel.h.
 *
 * A run publishes (fn, ctx, n) under the lock and bumps a generation
 * number; workers waiting on the condition variable wake, and every thread
 * (caller included) takes the next task number from an atomic counter
 * until none is left. The caller then waits until every worker has
 * reported the generation done, so nothing of the run's context is used
 * after parallel_run returns. Workers are never joined: they sleep between
 * runs and end with the process.
 */
#include "engine/base/parallel.h"

#include <pthread.h>
#include <stdatomic.h>

#include "engine/base/blas.h"

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    int threads, started; /* threads wanted; workers running */
    unsigned long generation;
    int finished; /* workers done with the current generation */
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
    pool.threads = n < 1 ? 1 : n > PARALLEL_MAX ? PARALLEL_MAX : n;
    pthread_mutex_unlock(&pool.lock);
}

int parallel_threads(void) {
    pthread_mutex_lock(&pool.lock);
    int n = pool.threads;
    pthread_mutex_unlock(&pool.lock);
    return n;
}

/* 1 on a thread while it runs a task: a parallel_run from inside a task
 * runs its tasks in order on that thread. */
static _Thread_local int in_task;

static void drain(ParallelTask fn, void *ctx, int n, int worker) {
    in_task = 1;
    for (int t; (t = atomic_fetch_add(&pool.next, 1)) < n;) fn(ctx, t, worker);
    in_task = 0;
}

static void *worker_main(void *arg) {
    int id = (int)(long)arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (pool.generation == seen || id >= pool.threads)
            pthread_cond_wait(&pool.wake, &pool.lock);
        seen = pool.generation;
        ParallelTask fn = pool.fn;
        void *ctx = pool.ctx;
        int n = pool.n;
        pthread_mutex_unlock(&pool.lock);
        drain(fn, ctx, n, id);
        pthread_mutex_lock(&pool.lock);
        if (++pool.finished == pool.threads - 1) pthread_cond_signal(&pool.done);
    }
    return NULL;
}

void parallel_run(int n_tasks, ParallelTask fn, void *ctx) {
    if (in_task) { /* nested: this thread's share of the outer run does it all */
        for (int t = 0; t < n_tasks; t++) fn(ctx, t, 0);
        return;
    }
    pthread_mutex_lock(&pool.lock);
    int threads = pool.threads;
    while (pool.started < threads - 1) { /* workers 1 .. threads-1 */
        pthread_t t;
        if (pthread_create(&t, NULL, worker_main, (void *)(long)(pool.started + 1)) != 0) break;
        pthread_detach(t);
        pool.started++;
    }
    if (pool.started < threads - 1) threads = pool.threads = pool.started + 1;
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
    pool.finished = 0;
    atomic_store(&pool.next, 0);
    pool.generation++;
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    drain(fn, ctx, n_tasks, 0);
    pthread_mutex_lock(&pool.lock);
    while (pool.finished < threads - 1) pthread_cond_wait(&pool.done, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
    blas_set_threads(blas);
}
