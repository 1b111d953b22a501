/*
 * study — a search study on the run store: runs_dir/studies/<id>/ holds
 * the preset with its [sweep] (preset.ini), the journal of every event
 * (journal.tsv, src/search/journal.h) and the lock that orders the
 * workers' decisions (journal.lock, cachelock.h: fcntl locks, which the
 * kernel or NFS's lock manager drops when the holder dies).
 *
 * A worker takes the lock, reads the journal, decides, appends what it
 * decided and lets go; it trains with the lock released, and appends the
 * result under the lock again. So any number of workers (processes on one
 * machine, Slurm array tasks on several sharing the store) run one study,
 * and a new process rebuilds the whole state from the journal alone.
 * A worker holds a lock on runs_dir/studies/<id>/workers/<host:pid>.lock
 * for as long as it works on the study (study_join): the kernel, or NFS's
 * lock manager, drops it when the process dies, on any machine, so a
 * trial whose worker's lock is free is that of a dead worker. A node that
 * fails can leave its locks held on an NFS server that never hears from
 * it again: a worker that is a Slurm array task is also asked after in
 * Slurm (at most every STUDY_SLURM_EVERY seconds), and a task Slurm says
 * has ended is dead whatever its lock says.
 *
 * Errors name the file (and line). A Study belongs to one thread.
 */
#ifndef FINELAB_STUDY_H
#define FINELAB_STUDY_H

#include <stddef.h>

#include "engine/base/error.h"
#include "src/preset/preset.h"
#include "src/search/journal.h"

enum { STUDY_TRIALS_MAX = ASHA_TRIALS_MAX, STUDY_SLURM_EVERY = 30 };

typedef struct CacheLock CacheLock;

typedef struct Study {
    char dir[1024];
    char worker[128]; /* "host:pid" of this process */
    char slurm[48];   /* its Slurm array task ("" outside Slurm) */
    CacheLock *lock;
    CacheLock *alive;   /* held while this process works on the study */
    double slurm_asked; /* when Slurm was last asked after a worker (timer_now) */
    StudyTrial *trials; /* what the journal says, after study_read */
    int n;
} Study;

/* Records p (with its [sweep]) as runs_dir/folder/<prefix>-<time>-<name>/
 * preset.ini, the id (the folder's name) into id: how a study and a
 * halving sweep are made. ST_IO when the store cannot be written; nothing
 * is left half-made. */
Status study_record(const Preset *p, const char *runs_dir, const char *folder, const char *prefix,
                    char *id, size_t cap, Error *err);
/* Records p as a new study under runs_dir; its id ("study-<time>-<name>")
 * goes to id. ST_IO when the store cannot be written. */
Status study_create(const Preset *p, const char *runs_dir, char *id, size_t cap, Error *err);
/* Opens study id under runs_dir and reads its preset into p. ST_IO when
 * there is no such study. */
Status study_open(Study *s, const char *runs_dir, const char *id, Preset *p, Error *err);
/* Lets go of the study (and of the worker's lock, study_join). */
void study_close(Study *s);
/* This process becomes one of the study's workers: it takes its lock
 * under workers/. ST_IO when the store refuses it. */
Status study_join(Study *s, Error *err);

/* Takes the study's lock, waiting; gives up (ST_OK, s->lock NULL) when
 * stop(ctx) returns nonzero while it waits (stop may be NULL). */
Status study_lock(Study *s, int (*stop)(void *ctx), void *ctx, Error *err);
void study_unlock(Study *s);

/* Reads the journal into s->trials / s->n. ST_FORMAT naming the line
 * when a line does not parse or does not follow from the ones before. */
Status study_read(Study *s, Error *err);
/* Appends records (n of them, one write) and applies them to s->trials.
 * Their worker and time are filled in here. */
Status study_append(Study *s, JournalRecord *r, int n, Error *err);

/* Releases the trials whose worker is gone (appends a release record for
 * each, saying why): its lock under workers/ is free, Slurm says its task
 * has ended, or (a worker of an older finelab, without a lock) its process
 * on this machine is gone. Returns how many, or -1 with err set. Call with
 * the lock held, after study_read. May run squeue / sacct. */
int study_release_dead(Study *s, Error *err);
/* Removes the lock files of workers that are gone (a study that is over). */
void study_tidy(Study *s);

#endif
