/*
 * test_dist — a process that no launcher started is a job of one, with or
 * without MPI built in: rank 0 of 1, the collectives leave buffers as they
 * are (a sum over one rank, blocking or not), gathers put this rank's
 * value in place, and the sum statistics count nothing. (The collectives over two ranks are
 * tested by tests/src/cli/test_mpi.sh under mpirun.)
 */
#include <stdlib.h>
#include <string.h>

#include "engine/base/dist.h"
#include "tests/lib/testutil.h"

static void test_dist_alone_is_one_rank(void **state) {
    (void)state;
    /* A launcher's variables would make dist_init join a job. */
    unsetenv("OMPI_COMM_WORLD_SIZE");
    unsetenv("PMIX_RANK");
    unsetenv("PMI_SIZE");
    unsetenv("PMI_RANK");
    Error err = {0};
    assert_int_equal(dist_init(&err), ST_OK);
    assert_int_equal(dist_rank(), 0);
    assert_int_equal(dist_size(), 1);
    float f[3] = {1.5f, -2, 3};
    double d[2] = {0.25, 7};
    int i[2] = {4, -1};
    assert_int_equal(dist_sum_f32(f, 3, &err), ST_OK);
    assert_int_equal(dist_sum_f64(d, 2, &err), ST_OK);
    assert_int_equal(dist_min_int(i, 2, &err), ST_OK);
    assert_true(f[0] == 1.5f && f[1] == -2 && f[2] == 3);
    assert_true(d[0] == 0.25 && d[1] == 7);
    assert_true(i[0] == 4 && i[1] == -1);
    uint64_t all[1] = {0};
    assert_int_equal(dist_gather_u64(0xABCDu, all, &err), ST_OK);
    assert_true(all[0] == 0xABCDu);
    int counts[1] = {2}, displs[1] = {0};
    assert_int_equal(dist_gather_f32(f, counts, displs, &err), ST_OK);
    assert_true(f[0] == 1.5f);
    assert_int_equal(dist_barrier(&err), ST_OK);
    assert_int_equal(dist_isum_f32(f, 3, &err), ST_OK);
    assert_int_equal(dist_progress(&err), ST_OK);
    assert_int_equal(dist_wait(&err), ST_OK);
    assert_true(f[0] == 1.5f && f[1] == -2 && f[2] == 3);
    DistStats st = {.blocking = -1, .bytes = -1};
    dist_take_stats(&st);
    assert_true(st.blocking == 0 && st.waiting == 0 && st.in_flight == 0 && st.bytes == 0 &&
                st.started == 0);
    dist_abort(1); /* alone: returns */
    dist_finalize();
}

static void test_dist_describes_the_build(void **state) {
    (void)state;
    char buf[320];
    dist_describe(buf, sizeof buf);
    assert_true(strncmp(buf, "MPI: ", 5) == 0);
    assert_int_equal(strstr(buf, "not built") == NULL, dist_built());
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dist_alone_is_one_rank),
        cmocka_unit_test(test_dist_describes_the_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
