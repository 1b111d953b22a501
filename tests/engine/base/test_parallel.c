/*
 * test_parallel — every task runs exactly once, on a worker id in range;
 * two threads really share the work; thread counts may change from run to
 * run; one thread runs the tasks in order on
 * the caller; GEMMs inside tasks give the serial results; and the BLAS
 * thread count comes back.
 */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "engine/base/blas.h"
#include "engine/base/parallel.h"
#include "tests/lib/testutil.h"

enum { TASKS = 1000 };

typedef struct Count {
    atomic_int runs[TASKS];
    atomic_int by_worker[PARALLEL_MAX];
    int order[TASKS], n_order;
} Count;

static void count_task(void *ctx, int task, int worker) {
    Count *c = ctx;
    atomic_fetch_add(&c->runs[task], 1);
    atomic_fetch_add(&c->by_worker[worker], 1);
    if (worker == 0 && c->n_order < TASKS) c->order[c->n_order++] = task;
    struct timespec ts = {0, 20000}; /* long enough for the other thread to take some */
    if (task % 50 == 0) nanosleep(&ts, NULL);
}

static void test_parallel_each_task_once(void **state) {
    (void)state;
    parallel_set_threads(2);
    assert_int_equal(parallel_threads(), 2);
    for (int round = 0; round < 20; round++) { /* the pool is reused run after run */
        static Count c;
        memset(&c, 0, sizeof c);
        parallel_run(TASKS, count_task, &c);
        for (int t = 0; t < TASKS; t++) assert_int_equal(atomic_load(&c.runs[t]), 1);
        int total = 0;
        for (int w = 0; w < PARALLEL_MAX; w++) {
            int n = atomic_load(&c.by_worker[w]);
            if (w >= 2) assert_int_equal(n, 0);
            total += n;
        }
        assert_int_equal(total, TASKS);
        if (round == 19) assert_true(atomic_load(&c.by_worker[1]) > 0); /* both worked */
    }
}

static void test_parallel_one_thread_runs_in_order(void **state) {
    (void)state;
    parallel_set_threads(1);
    static Count c;
    memset(&c, 0, sizeof c);
    parallel_run(TASKS, count_task, &c);
    assert_int_equal(c.n_order, TASKS);
    for (int t = 0; t < TASKS; t++) assert_int_equal(c.order[t], t);
    parallel_set_threads(0); /* clamped */
    assert_int_equal(parallel_threads(), 1);
}

typedef struct Gemms {
    float a[8][32 * 32], b[8][32 * 32], c[8][32 * 32];
} Gemms;

static void gemm_task(void *ctx, int task, int worker) {
    (void)worker;
    Gemms *g = ctx;
    blas_gemm(0, 1, 32, 32, 32, 1.0f, g->a[task], 32, g->b[task], 32, 0.0f, g->c[task], 32);
}

static void test_parallel_gemms_match_serial(void **state) {
    (void)state;
    static Gemms g;
    float want[8][32 * 32];
    for (int t = 0; t < 8; t++)
        for (int i = 0; i < 32 * 32; i++) {
            g.a[t][i] = (float)((i * 7 + t) % 13) - 6.0f;
            g.b[t][i] = (float)((i * 5 + 3 * t) % 11) - 5.0f;
        }
    for (int t = 0; t < 8; t++) {
        gemm_task(&g, t, 0);
        memcpy(want[t], g.c[t], sizeof want[t]);
    }
    blas_set_threads(2);
    parallel_set_threads(2);
    memset(g.c, 0, sizeof g.c);
    parallel_run(8, gemm_task, &g);
    for (int t = 0; t < 8; t++) testutil_assert_close(g.c[t], want[t], 32 * 32, 0.0, 0.0);
    assert_int_equal(blas_threads(), 2); /* held at 1 during the run, then restored */
    parallel_set_threads(1);
}

/* Thread counts that change between runs, each run back to back (the
 * workers still spinning from the last one): a worker left out of a run
 * never joins it late, and every task runs once on a worker in range. */
static void test_parallel_thread_count_changes(void **state) {
    (void)state;
    static const int counts[] = {3, 2, 3, 1, 4, 2, 2, 3};
    for (int round = 0; round < 40; round++) {
        int threads = counts[round % 8];
        parallel_set_threads(threads);
        static Count c;
        memset(&c, 0, sizeof c);
        parallel_run(200, count_task, &c);
        int total = 0;
        for (int t = 0; t < 200; t++) assert_int_equal(atomic_load(&c.runs[t]), 1);
        for (int w = 0; w < PARALLEL_MAX; w++) {
            int n = atomic_load(&c.by_worker[w]);
            if (w >= threads && n != 0)
                fail_msg("round %d: worker %d ran %d tasks of a run of %d threads", round, w, n,
                         threads);
            total += n;
        }
        assert_int_equal(total, 200);
    }
    parallel_set_threads(1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parallel_each_task_once),
        cmocka_unit_test(test_parallel_thread_count_changes),
        cmocka_unit_test(test_parallel_one_thread_runs_in_order),
        cmocka_unit_test(test_parallel_gemms_match_serial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
