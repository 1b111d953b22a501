/*
 * submission — what the run store knows of a sweep handed to Slurm before
 * its tasks have made run directories: one record per `finelab submit`,
 * runs_dir/slurm/<stamp>-<name>.job beside its .sbatch script (the job id,
 * the array size, the preset and each task's sweep label), so `finelab
 * runs` and the lab on any node of the shared file system can show a task
 * that has not started as queued with its job id, and one Slurm cancelled
 * or failed with that state.
 *
 * A task's run is the run whose status names the task (status.ini's
 * slurm = <job>_<task>, from the environment sbatch gives the task), or,
 * for a run without one, whose preset name and sweep label are the task's
 * and which started at or after the submission (submission_task_of; the
 * latest such submission claims it). Slurm's side comes from squeue,
 * then sacct (submission_query), read by pure parsers tested on text;
 * where neither answers (no Slurm on this node, the job long forgotten),
 * a task's state is "" and reads as submitted, state unknown.
 *
 * Records are written atomically and read by any process; a Submission is
 * caller storage freed with submission_fini. Errors name the file.
 */
#ifndef FINELAB_SUBMISSION_H
#define FINELAB_SUBMISSION_H

#include <stddef.h>

#include "engine/base/error.h"
#include "src/run/runstore.h"

typedef struct Submission {
    char job_id[32];    /* Slurm's array job id */
    char name[256];     /* the preset's experiment.name */
    char preset[4096];  /* the preset file submitted */
    char submitted[32]; /* ISO 8601 UTC, as status.ini's started */
    char script[4096];  /* the .sbatch file */
    int tasks;          /* array size */
    int ranks;          /* MPI ranks per task (0: one process) */
    char **labels;      /* tasks sweep labels, malloc'd ("" outside a sweep) */
} Submission;

/* The directory of the records and scripts: runs_dir/slurm, into out. */
void submission_dir(const char *runs_dir, char *out, size_t cap);
/* The current time as a record's submitted field, and its file stamp
 * (YYYYmmdd-HHMMSS), either may be NULL. */
void submission_now(char *iso, size_t iso_cap, char *stamp, size_t stamp_cap);
/* Writes s as path (atomically). ST_IO naming path. */
Status submission_write(const Submission *s, const char *path, Error *err);
/* Reads the record at path into s (labels malloc'd). ST_IO / ST_FORMAT
 * naming path and line. */
Status submission_read(const char *path, Submission *s, Error *err);
void submission_fini(Submission *s);
/* Every record under runs_dir/slurm, oldest first, into a malloc'd array
 * (none: *n = 0; no directory is no error); a record that cannot be read
 * is left out. Free with submission_free_list. */
Status submission_list(const char *runs_dir, Submission **subs, int *n, Error *err);
void submission_free_list(Submission *subs, int n);

/* The task of s whose run st is (its index), or -1. */
int submission_task_of(const Submission *s, const RunStatus *st);

/* A task of a submission that has no run directory yet. */
typedef struct SubmissionTask {
    char job_id[32];
    int task;        /* array index = sweep combination */
    char name[256];  /* the preset's name */
    char label[512]; /* its sweep label */
    char slurm[32];  /* Slurm's state ("": not asked, or Slurm did not say) */
} SubmissionTask;

/* The tasks of runs_dir's submissions that none of the n runs (their
 * statuses) is, oldest submission first, into a malloc'd array (*tasks,
 * *n_tasks; free() it). With query set, each has its Slurm state
 * (submission_query, one call per submission with such a task). Records
 * that cannot be read are left out; ST_NOMEM is the only failure. */
Status submission_open_tasks(const char *runs_dir, const RunStatus *const *runs, int n, int query,
                             SubmissionTask **tasks, int *n_tasks, Error *err);

/* Whether Slurm state slurm is one a task's process lives in (pending,
 * running, configuring, completing, suspended, requeued); 1 for "". */
int submission_state_alive(const char *slurm);
/* Each of the n runs that reads running, was made by a Slurm array task
 * (status slurm) and was written on another host (where its pid cannot be
 * checked) is set to interrupted when Slurm says its task has ended
 * (cancelled, failed, timed out, node failure, or completed while the run
 * still said running). Slurm is asked once per job; no answer changes
 * nothing. Returns how many runs changed. Runs processes. */
int submission_settle(RunStatus *const *runs, int n);

/* Fills states[k] (tasks entries of cap bytes each, "" first) with each
 * task's Slurm state from lines "JOBID_TASK STATE" or "JOBID_TASK|STATE"
 * (squeue -r -o '%i %T', sacct -P -o JobID,State) for job_id; a range
 * "JOBID_[2-3%2]" fills every task in it. Lines of other jobs, job steps
 * and a state already set are left alone. */
void submission_parse_states(const char *text, const char *job_id, int tasks, char *states,
                             size_t cap);
/* Asks squeue, then sacct for tasks it does not know, into states as
 * submission_parse_states. Tasks neither knows stay "". Never fails: no
 * Slurm leaves every state "". Runs processes; not for a drawing loop. */
void submission_query(const char *job_id, int tasks, char *states, size_t cap);
/* Slurm's state of the one array task "<job>_<task>" into state (cap
 * bytes), as submission_query; "" when Slurm does not know it or task is
 * not that form. Runs processes. */
void submission_task_state(const char *task, char *state, size_t cap);
/* What finelab shows for Slurm state slurm of a task without a run:
 * PENDING "queued", RUNNING and the like "starting", CANCELLED
 * "cancelled", COMPLETED "completed", TIMEOUT "timeout", FAILED and the
 * other ends "failed", "" (Slurm does not know) "submitted". */
const char *submission_state_name(const char *slurm);

#endif
