/*
 * runstore — the run store of docs/DESIGN.md section 7: one directory per run,
 * readable by other processes while it is written.
 *
 *   runs/<id>/preset.ini    the fully resolved preset
 *   runs/<id>/status.ini    state, pid, times, iteration, accuracies, error;
 *                           replaced atomically (temp file, fsync, rename)
 *   runs/<id>/metrics.tsv   header, then one row per display and per test
 *   runs/<id>/log.txt       the human-readable log
 *   runs/<id>/snapshots/    iter_<N>.safetensors
 *   runs/<id>/status.reserve  room kept for the last status.ini while the
 *                           run is written (removed when its writer closes)
 *
 * A RunWriter is the writing side, owned by the thread that trains; reading
 * functions (runstore_read_status, runstore_list, runstore_read_metrics)
 * may be called from any thread or process at any time. A run directory is
 * made when its run starts and reads running from then on (with the phase
 * it is in); a run whose status says queued (older stores) or running but
 * whose process is gone is reported as interrupted (the finished states
 * done, failed, stopped and diverged stay).
 *
 * Writes fail loudly: a status, row or log line that does not reach the
 * disk whole (ENOSPC, EIO) returns ST_IO naming the file and the cause,
 * and the writer keeps its first such error (RunWriter.failed) so the
 * runner can fail the run with it. A failed append closes that file, so a
 * partial last line stays the last (readers ignore it, runstore_reopen
 * drops it). A run that cannot be created leaves nothing behind.
 */
#ifndef FINELAB_RUNSTORE_H
#define FINELAB_RUNSTORE_H

#include <stdio.h>

#include "engine/base/error.h"
#include "engine/train/trainer.h"
#include "src/run/runstatus.h"
#include "src/search/halving.h"

/* One metrics.tsv row as read back. */
typedef struct RunRow {
    int iter;
    /* 1 a held-out pass (phase val or test), 0 a train row (phase train):
     * a run's held-out curve is all on one split (runstatus.h, heldout). */
    int heldout;
    int val; /* 1 when the held-out pass was on the validation split */
    double loss, accuracy, lr, seconds, images_per_s, data_wait;
} RunRow;

/* --- reading ------------------------------------------------------------------ */

/* Reads run_dir/status.ini; a queued or running state whose pid is gone
 * (on this host: status.ini names the writer's) reads as RUN_INTERRUPTED. err names the file and
 * line on malformed content. */
Status runstore_read_status(const char *run_dir, RunStatus *st, Error *err);
/* Reads all rows of run_dir/metrics.tsv into a malloc'd array (*rows, *n);
 * a partly written last line is ignored. */
Status runstore_read_metrics(const char *run_dir, RunRow **rows, int *n, Error *err);
/* The held-out pass of run_dir at iteration iter (validation, or test in
 * runs without a validation split); scored 0 when there is none. */
HalvingScore runstore_heldout_score(const char *run_dir, int iter);
/* "<array job id>_<task id>" into out when this process is a Slurm array
 * task (the environment sbatch gives it), else "": status.ini's slurm. */
void runstore_slurm_task(char *out, size_t cap);
/* Run ids under runs_dir in the order they were made (oldest first,
 * runstore_id_cmp), malloc'd; free with runstore_free_list. A directory
 * without status.ini is not a run. */
Status runstore_list(const char *runs_dir, char ***ids, int *n, Error *err);
/* qsort's order of two run ids (char * each) as they were made: as text,
 * but a run of digits by its value, so that one second's "<time>-g-2"
 * comes before its "<time>-g-10". */
int runstore_id_cmp(const void *a, const void *b);
void runstore_free_list(char **ids, int n);
/* The latest run of each candidate 0..n-1 of sweep id (status.ini's
 * halving and candidate: a halving sweep's or an asha study's) into
 * dir[c], "" for a candidate that has none. */
Status runstore_sweep_runs(const char *runs_dir, const char *id, int n, char (*dir)[1024],
                           Error *err);
/* The run store a run directory is in (its parent folder; "." for a bare
 * id) into out (cap bytes). */
void runstore_store_of(const char *run_dir, char *out, size_t cap);
/* Resolves RUN (an id under runs_dir, or a path to a run directory) into
 * dir (cap bytes). ST_IO naming RUN when there is no such run. */
Status runstore_resolve(const char *runs_dir, const char *run, char *dir, size_t cap, Error *err);

/* --- snapshots ------------------------------------------------------------------ */

/* The iterations of run_dir's snapshots (the files named exactly
 * iter_<N>.safetensors in snapshots/), newest first, malloc'd into *iters
 * (*n of them; none without a snapshots/ directory). */
Status runstore_snapshots(const char *run_dir, int **iters, int *n, Error *err);
/* The snapshot with the highest iteration in run_dir/snapshots (path in
 * out), or ST_IO when there is none. */
Status runstore_last_snapshot(const char *run_dir, char *out, size_t cap, int *iter, Error *err);
/* Renames run_dir's iter_<iter>.safetensors to iter_<iter>.safetensors.bad:
 * a snapshot a resume found unusable, kept to look at but no longer a
 * snapshot of the run (nothing lists, picks or prunes it). */
Status runstore_set_aside_snapshot(const char *run_dir, int iter, Error *err);
/* [solver] snapshot_keep: once the snapshot at iteration newest is
 * complete, keeps it and the keep - 1 newest snapshots before it and
 * removes the older ones (keep 0: keeps all). Snapshots after newest and
 * files not named iter_<N>.safetensors are never touched; the directory is
 * synced first, so the new snapshot's name is durable before an old one
 * goes. The names removed go to removed ("iter_20.safetensors, ...", cap
 * bytes; may be NULL). ST_STATE when there is no snapshot at newest (then
 * nothing is removed); ST_IO naming the first file that would not go (the
 * others are still removed). */
Status runstore_prune_snapshots(const char *run_dir, int keep, int newest, char *removed,
                                size_t cap, Error *err);

/* --- writing ------------------------------------------------------------------- */

/* Zeroed (memset) is a writer of no files with no reserve, which only
 * runstore_write_status may use once dir is set. */
typedef struct RunWriter {
    char dir[1024];
    char id[256];
    FILE *metrics, *log;
    RunStatus status;
    int reserved; /* 1 while dir/status.reserve holds room for the last status */
    /* The first write of this writer that failed (status ST_OK while none);
     * later writes still try. */
    Error failed;
} RunWriter;

/* Creates runs_dir/<UTC time>-<name> (with -2, -3 ... on collision), its
 * snapshots/ directory, metrics.tsv with its header and log.txt, writes
 * preset_text as preset.ini and a running status, and reserves room for
 * the last status. On failure (ST_IO naming the file and the cause, e.g.
 * "No space left on device") it removes what it made: no run is left. */
Status runstore_create(RunWriter *w, const char *runs_dir, const char *name,
                       const char *preset_text, Error *err);
/* Reopens an existing run for appending (resume): drops metrics rows at or
 * after from_iter (they will be written again) and a partial last line of
 * metrics.tsv and log.txt, removes temporary files a dead writer left
 * (*.tmp.<pid>), reserves room for the last status and reopens the files.
 * ST_IO naming the file when the disk is still full. */
Status runstore_reopen(RunWriter *w, const char *run_dir, int from_iter, Error *err);
/* Writes w->status (updated time and pid refreshed) atomically. ST_IO
 * naming status.ini (also kept in w->failed): the old file stays whole. */
Status runstore_write_status(RunWriter *w, Error *err);
/* The status a run ends with: runstore_write_status, and when that fails,
 * once more after giving back the room reserved for it (a full disk). */
Status runstore_write_end(RunWriter *w, Error *err);
/* Appends a metrics row (flushed, so readers see it at once). ST_IO when
 * it did not reach the file whole (kept in w->failed; the file is closed,
 * later rows are dropped). */
Status runstore_append_row(RunWriter *w, const TrainRow *row, Error *err);
/* Appends a timestamped log line (flushed); failures as for rows. */
Status runstore_log(RunWriter *w, const char *line, Error *err);
/* Rewrites run_dir's status.ini with state (and rung, when >= 0), the rest
 * as it reads: how successive halving prunes a run that waits at a rung. */
Status runstore_set_state(const char *run_dir, RunState state, int rung, Error *err);
/* A writer that writes nothing (dir ""): the other ranks of an MPI run,
 * whose rank 0 writes the run store. */
void runstore_null(RunWriter *w);
/* Closes the files and removes the reserve. */
void runstore_close(RunWriter *w);

#endif
