/*
 * dist — MPI collectives, or one rank without MPI. See dist.h.
 *
 * The launchers are recognised by the environment they set for their
 * processes (Open MPI's OMPI_COMM_WORLD_SIZE, PMIx's PMIX_RANK, MPICH's
 * PMI_SIZE / PMI_RANK, Slurm's srun PMI), so a plain `finelab run` never
 * calls MPI_Init: a singleton MPI_Init would work too, but Open MPI then
 * starts helper processes and needs the root variables for nothing.
 */
#include "engine/base/dist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/timer.h"

#ifdef FINELAB_MPI
#include <mpi.h>
#endif

static int dist_joined, dist_the_rank, dist_the_size = 1;
static DistStats dist_stats;

int dist_built(void) {
#ifdef FINELAB_MPI
    return 1;
#else
    return 0;
#endif
}

int dist_rank(void) {
    return dist_the_rank;
}

int dist_size(void) {
    return dist_the_size;
}

void dist_take_stats(DistStats *out) {
    *out = dist_stats;
    dist_stats = (DistStats){0};
}

#ifdef FINELAB_MPI

void dist_describe(char *buf, size_t cap) {
    char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(v, &len);
    v[len < (int)sizeof v ? len : (int)sizeof v - 1] = '\0';
    char *nl = strchr(v, '\n');
    if (nl) *nl = '\0';
    char *comma = strchr(v, ',');
    if (comma) *comma = '\0';
    snprintf(buf, cap, "MPI: %s", v);
}

static int dist_launched(void) {
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK",
                                       "MPI_LOCALNRANKS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i])) return 1;
    return 0;
}

static Status dist_fail(Error *err, int rc, const char *what) {
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, msg, &len) != MPI_SUCCESS) len = 0;
    msg[len] = '\0';
    return error_set(err, ST_STATE, "MPI: %s failed on rank %d: %s", what, dist_the_rank, msg);
}

Status dist_init(Error *err) {
    int inited = 0;
    MPI_Initialized(&inited);
    if (dist_joined || inited || !dist_launched()) return ST_OK;
    int provided;
    int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) return error_set(err, ST_STATE, "MPI: MPI_Init failed (code %d)", rc);
    /* Errors come back as codes, so a failure is reported with the rank. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &dist_the_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &dist_the_size);
    dist_joined = 1;
    return ST_OK;
}

void dist_finalize(void) {
    if (!dist_joined) return;
    MPI_Finalize();
    dist_joined = 0;
    dist_the_rank = 0;
    dist_the_size = 1;
}

void dist_abort(int code) {
    if (dist_joined && dist_the_size > 1) MPI_Abort(MPI_COMM_WORLD, code);
}

static Status dist_sum(void *buf, size_t n, MPI_Datatype type, size_t elem, Error *err) {
    if (dist_the_size == 1) return ST_OK;
    double t0 = timer_now();
    /* MPI counts are int: large buffers go in pieces. */
    const size_t chunk = (size_t)1 << 30;
    for (size_t off = 0; off < n; off += chunk) {
        int count = (int)(n - off < chunk ? n - off : chunk);
        int rc = MPI_Allreduce(MPI_IN_PLACE, (char *)buf + off * elem, count, type, MPI_SUM,
                               MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return dist_fail(err, rc, "MPI_Allreduce");
    }
    dist_stats.blocking += timer_now() - t0;
    dist_stats.bytes += (double)n * (double)elem;
    return ST_OK;
}

/* The started non-blocking sums, oldest first, and when the first of
 * them started (the in-flight interval runs while any is pending). */
static MPI_Request dist_pending[DIST_MAX_PENDING];
/* Never read; MPICH's MPI_STATUSES_IGNORE, (MPI_Status *)1, trips GCC's
 * -Wstringop-overflow. */
static MPI_Status dist_statuses[DIST_MAX_PENDING];
static int dist_n_pending;
static double dist_flight_t0;

/* The pending sums are over (done) or abandoned (an error). */
static void dist_settle(void) {
    if (dist_n_pending) dist_stats.in_flight += timer_now() - dist_flight_t0;
    dist_n_pending = 0;
}

Status dist_wait(Error *err) {
    if (!dist_n_pending) return ST_OK;
    double t0 = timer_now();
    int rc = MPI_Waitall(dist_n_pending, dist_pending, dist_statuses);
    dist_stats.waiting += timer_now() - t0;
    dist_settle();
    return rc == MPI_SUCCESS ? ST_OK : dist_fail(err, rc, "MPI_Waitall");
}

Status dist_progress(Error *err) {
    if (!dist_n_pending) return ST_OK;
    int done = 0;
    int rc = MPI_Testall(dist_n_pending, dist_pending, &done, dist_statuses);
    if (rc != MPI_SUCCESS || done) dist_settle();
    return rc == MPI_SUCCESS ? ST_OK : dist_fail(err, rc, "MPI_Testall");
}

Status dist_isum_f32(float *buf, size_t n, Error *err) {
    if (dist_the_size == 1) return ST_OK;
    const size_t chunk = (size_t)1 << 30; /* MPI counts are int */
    for (size_t off = 0; off < n; off += chunk) {
        Status s = dist_n_pending == DIST_MAX_PENDING ? dist_wait(err) : ST_OK;
        if (s) return s;
        if (!dist_n_pending) dist_flight_t0 = timer_now();
        int count = (int)(n - off < chunk ? n - off : chunk);
        int rc = MPI_Iallreduce(MPI_IN_PLACE, buf + off, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
                                &dist_pending[dist_n_pending]);
        if (rc != MPI_SUCCESS) {
            dist_settle();
            return dist_fail(err, rc, "MPI_Iallreduce");
        }
        dist_n_pending++;
        dist_stats.started++;
    }
    dist_stats.bytes += (double)n * sizeof(float);
    return ST_OK;
}

Status dist_sum_f32(float *buf, size_t n, Error *err) {
    return dist_sum(buf, n, MPI_FLOAT, sizeof(float), err);
}

Status dist_sum_f64(double *buf, int n, Error *err) {
    return dist_sum(buf, (size_t)n, MPI_DOUBLE, sizeof(double), err);
}

static Status dist_int_op(int *buf, int n, MPI_Op op, Error *err) {
    if (dist_the_size == 1) return ST_OK;
    int rc = MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_INT, op, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? ST_OK : dist_fail(err, rc, "MPI_Allreduce");
}

Status dist_min_int(int *buf, int n, Error *err) {
    return dist_int_op(buf, n, MPI_MIN, err);
}

Status dist_max_int(int *buf, int n, Error *err) {
    return dist_int_op(buf, n, MPI_MAX, err);
}

Status dist_gather_u64(uint64_t x, uint64_t *all, Error *err) {
    all[dist_the_rank] = x;
    if (dist_the_size == 1) return ST_OK;
    int rc = MPI_Allgather(&x, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? ST_OK : dist_fail(err, rc, "MPI_Allgather");
}

Status dist_gather_f32(float *buf, const int *counts, const int *displs, Error *err) {
    if (dist_the_size == 1) return ST_OK;
    int rc = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, counts, displs, MPI_FLOAT,
                            MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? ST_OK : dist_fail(err, rc, "MPI_Allgatherv");
}

Status dist_bcast(void *buf, int len, int root, Error *err) {
    if (dist_the_size == 1) return ST_OK;
    int rc = MPI_Bcast(buf, len, MPI_BYTE, root, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? ST_OK : dist_fail(err, rc, "MPI_Bcast");
}

Status dist_barrier(Error *err) {
    if (dist_the_size == 1) return ST_OK;
    int rc = MPI_Barrier(MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? ST_OK : dist_fail(err, rc, "MPI_Barrier");
}

#else /* one rank */

void dist_describe(char *buf, size_t cap) {
    snprintf(buf, cap, "MPI: not built (make MPI=1 after make deps MPI=1)");
}

Status dist_init(Error *err) {
    (void)err;
    dist_joined = 1;
    return ST_OK;
}

void dist_finalize(void) {
    dist_joined = 0;
}

void dist_abort(int code) {
    (void)code;
}

Status dist_sum_f32(float *buf, size_t n, Error *err) {
    (void)buf, (void)n, (void)err;
    return ST_OK;
}

Status dist_sum_f64(double *buf, int n, Error *err) {
    (void)buf, (void)n, (void)err;
    return ST_OK;
}

Status dist_isum_f32(float *buf, size_t n, Error *err) {
    (void)buf, (void)n, (void)err;
    return ST_OK;
}

Status dist_progress(Error *err) {
    (void)err;
    return ST_OK;
}

Status dist_wait(Error *err) {
    (void)err;
    return ST_OK;
}

Status dist_min_int(int *buf, int n, Error *err) {
    (void)buf, (void)n, (void)err;
    return ST_OK;
}

Status dist_max_int(int *buf, int n, Error *err) {
    (void)buf, (void)n, (void)err;
    return ST_OK;
}

Status dist_gather_u64(uint64_t x, uint64_t *all, Error *err) {
    (void)err;
    all[0] = x;
    return ST_OK;
}

Status dist_gather_f32(float *buf, const int *counts, const int *displs, Error *err) {
    (void)buf, (void)counts, (void)displs, (void)err;
    return ST_OK;
}

Status dist_bcast(void *buf, int len, int root, Error *err) {
    (void)buf, (void)len, (void)root, (void)err;
    return ST_OK;
}

Status dist_barrier(Error *err) {
    (void)err;
    return ST_OK;
}

#endif

/* Built on the collectives above, so the same with or without MPI. */
Status dist_agree(Status s, Error *err, int *shared) {
    *shared = 0;
    if (dist_size() == 1) return s;
    Error e = {0};
    int first = s ? dist_rank() : dist_size();
    if (dist_min_int(&first, 1, &e)) return error_set(err, e.status, "%s", e.msg);
    if (first == dist_size()) return ST_OK;
    struct {
        int status;
        char msg[sizeof e.msg];
    } what = {0};
    if (first == dist_rank()) {
        what.status = (int)s;
        snprintf(what.msg, sizeof what.msg, "%s", err ? err->msg : error_status_name(s));
    }
    if (dist_bcast(&what, (int)sizeof what, first, &e))
        return error_set(err, e.status, "%s", e.msg);
    *shared = 1;
    /* An agreed message names its rank once, however often it is agreed. */
    if (strncmp(what.msg, "rank ", 5) == 0)
        return error_set(err, (Status)what.status, "%s", what.msg);
    return error_set(err, (Status)what.status, "rank %d: %s", first, what.msg);
}
