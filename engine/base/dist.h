/*
 * dist — the processes of a data-parallel run, behind MPI: the one engine
 * file that includes mpi.h. Built without MPI (no FINELAB_MPI), it is a
 * single-rank stub: rank 0 of 1, every collective a copy or a no-op, so the
 * trainer calls the same functions either way.
 *
 * dist_init starts MPI only when a launcher (mpirun, srun) started this
 * process, so the MPI-linked binary still runs alone without one. State is
 * this file's statics (MPI's world is process-wide anyway). Call every
 * function from the one thread that trains (MPI is initialised with
 * MPI_THREAD_FUNNELED). Every collective must be called by every rank in the
 * same order; a failed collective returns ST_STATE with MPI's message.
 */
#ifndef FINELAB_DIST_H
#define FINELAB_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/error.h"

/* 1 when this binary was built with MPI. */
int dist_built(void);
/* "Open MPI v4.1.4, ..." (the library's version string) or "not built"
 * into buf (cap bytes). */
void dist_describe(char *buf, size_t cap);

/* Joins the job when a launcher started this process (MPI_Init); else, or
 * without MPI, a job of one. Idempotent. ST_STATE when MPI_Init fails. */
Status dist_init(Error *err);
/* Leaves the job (MPI_Finalize); harmless when not joined. */
void dist_finalize(void);
/* Ends every process of the job with code (MPI_Abort); returns only when
 * this process is alone (then the caller exits as usual). */
void dist_abort(int code);

int dist_rank(void); /* 0..size-1; 0 alone */
int dist_size(void); /* processes in the job; 1 alone */

/* In-place sums over ranks of n floats / doubles. */
Status dist_sum_f32(float *buf, size_t n, Error *err);
Status dist_sum_f64(double *buf, int n, Error *err);
/* In-place minimum / maximum over ranks of n ints. */
Status dist_min_int(int *buf, int n, Error *err);
Status dist_max_int(int *buf, int n, Error *err);
/* Every rank's value of x, rank order, into all[size]. */
Status dist_gather_u64(uint64_t x, uint64_t *all, Error *err);
/* Rank r holds counts[r] floats at buf + displs[r] (its own filled in);
 * afterwards every rank holds all of them. */
Status dist_gather_f32(float *buf, const int *counts, const int *displs, Error *err);
/* Rank root's len bytes of buf to every rank. */
Status dist_bcast(void *buf, int len, int root, Error *err);
/* Waits for every rank. */
Status dist_barrier(Error *err);

/* Every rank learns whether any rank failed: s is this rank's outcome, its
 * message in err (which may be NULL). ST_OK when no rank failed; else every
 * rank returns the lowest failing rank's status with its message, prefixed
 * "rank R: " (once), in err, and *shared is 1: every rank has this error and
 * none waits for another. A failed collective returns its own error with
 * *shared 0. Alone: s, *shared 0. */
Status dist_agree(Status s, Error *err, int *shared);

/* Non-blocking in-place sums (MPI_Iallreduce), for a gradient summed in
 * buckets while backward still runs. dist_isum_f32 starts one over n
 * floats of buf, which must stay untouched until dist_wait returns; every
 * rank starts the same sums in the same order (they are collectives).
 * Open MPI moves a started sum only inside MPI calls, so a caller with
 * other work calls dist_progress between pieces of it (MPI_Testall: never
 * blocks). dist_wait blocks until every started sum is complete. Alone:
 * no-ops. A failed call returns ST_STATE with MPI's message; the sums it
 * leaves pending are abandoned (the job is failing). At most
 * DIST_MAX_PENDING sums are pending; one more first waits for those. */
enum { DIST_MAX_PENDING = 64 };
Status dist_isum_f32(float *buf, size_t n, Error *err);
Status dist_progress(Error *err);
Status dist_wait(Error *err);

/* What the sums cost since the last dist_take_stats (which resets it). */
typedef struct DistStats {
    double blocking;  /* seconds inside the blocking sums (dist_sum_*) */
    double waiting;   /* seconds inside dist_wait (and in a full queue's wait) */
    double in_flight; /* seconds during which a non-blocking sum was pending, from its
                         start to the call that saw it complete (dist_progress or
                         dist_wait): an upper bound on its transfer */
    double bytes;     /* bytes summed, blocking and not (this process's buffers) */
    long started;     /* non-blocking sums started */
} DistStats;
void dist_take_stats(DistStats *out);

#endif
