/*
 * snapshot — the file a run resumes from, snapshots/iter_<N>.safetensors:
 * written, named and checked here and nowhere else.
 *
 * A snapshot is a safetensors file holding every parameter (`<name>`) and
 * its solver history (`<name>.history`, and `<name>.history2` for the
 * trained parameters of a solver that keeps two), and in a run with a
 * validation split the trained parameters' values at the best validation
 * pass (`<name>.best`, once there was one), as F32 tensors in PyTorch's
 * shapes; its metadata holds format = finelab-snapshot-1, the
 * solver type, the input convention and the trainer's state
 * (SnapshotState) as numbers in text.
 *
 * snapshot_check reads a file's header, never its tensor data, and checks
 * everything a restore takes from it against the run's configuration, so
 * that a caller can tell a usable snapshot from a truncated or damaged one
 * before it changes anything: the safetensors reader's own checks (the
 * header length, the JSON, data offsets that tile a data buffer reaching
 * exactly to the end of the file, which a cut anywhere breaks), then the
 * format, the solver type, every state value in its range and the name's
 * iteration, and every tensor present with the exact shape and a float
 * dtype. What it cannot see is a byte of tensor data changed in place:
 * snapshots carry no checksum. Reentrant; errors name the file.
 */
#ifndef FINELAB_SNAPSHOT_H
#define FINELAB_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/error.h"
#include "engine/base/param.h"
#include "engine/nn/net.h"
#include "engine/train/solver.h"

/* What a trainer needs besides the tensors to go on as if it had never
 * stopped. */
typedef struct SnapshotState {
    int iter;                              /* iterations done */
    int current_step;                      /* multistep: steps passed */
    double smoothed_loss;                  /* the displayed loss's running value */
    double *window;                        /* the last window_n losses (average_loss's window) */
    int window_n;                          /* 0..min(iter, average_loss) */
    int64_t display_correct, display_seen; /* since the last display row */
    double seconds;                        /* training wall time so far */
    double best_accuracy;                  /* best held-out accuracy, -1 before any pass */
    double best_loss;                      /* that pass's loss (-1 before any; older files) */
    int best_iter;                         /* its iteration (-1 before any; older files) */
    int last_test_iter;                    /* the last held-out pass, -1 before any */
    int64_t batches_done;                  /* sub-batches of the data sequence used */
} SnapshotState;

/* "dir/iter_<iter>.safetensors" into out (cap bytes). */
void snapshot_path(char *out, size_t cap, const char *dir, int iter);
/* N when name (a file name, no directory) is exactly iter_<N>.safetensors
 * as snapshot_path writes it (decimal, no sign or leading zero), else -1:
 * a temporary file being written or anything else is not a snapshot. */
int snapshot_name_iter(const char *name);

/* What a snapshot is checked against (trainer_snapshot_spec makes it for
 * a run's configuration). */
typedef struct SnapshotSpec {
    NetConfig net;   /* the run's network; num_classes > 0 */
    SolverType type; /* the solver type that may resume it */
    int n_stepvalue; /* multistep's steps (current_step's range) */
    int iter_size;   /* sub-batches an iteration took, for older files */
    int average_loss;
    int best; /* the run keeps its best validation weights (<name>.best) */
} SnapshotSpec;

/* Writes the n params with their histories (history2 where allocated),
 * best (NULL, or n entries: best[i] the values kept for ps[i] as
 * `<name>.best`, NULL where none), solver type, input (the convention the
 * weights expect) and st to path, atomically (safetensors_writer_write).
 * st->window is only read. */
Status snapshot_write(const char *path, Param *const *ps, int n, const float *const *best,
                      SolverType type, const char *input, const SnapshotState *st, Error *err);

/* Checks the snapshot at path against spec, reading only its header
 * (with spec->best and a best pass recorded, the trained parameters'
 * `.best` tensors too), and on success fills *st (free with
 * snapshot_state_fini). On failure *st needs no fini and err says what is
 * wrong: ST_IO unreadable, ST_FORMAT malformed or not this run's (another
 * solver type, a missing tensor, a value out of range), ST_SHAPE a tensor
 * of the wrong shape. Nothing else is touched either way. */
Status snapshot_check(const char *path, const SnapshotSpec *spec, SnapshotState *st, Error *err);
/* Frees what snapshot_check allocated in st; st may be zeroed. */
void snapshot_state_fini(SnapshotState *st);

#endif
