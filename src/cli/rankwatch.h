/*
 * rankwatch — the last word on an MPI run whose launcher ends it. When a
 * rank dies (killed, out of memory) or fails alone, the launcher ends the
 * others: Open MPI with SIGTERM, MPICH's hydra with SIGKILL, so rank 0 may
 * never return through the runner to record how the run ended.
 *
 * Rank 0 therefore starts a watcher: this same program re-executed
 * (RANKWATCH_ARG), in a session of its own so the launcher's kill does not
 * reach it, to which every rank on rank 0's host holds a connection (its
 * end closes it). Rank 0 tells it which run it is writing; a rank about to
 * end the job alone tells it why; rank 0's SIGTERM handler tells it the
 * launcher ended the job. When rank 0's connection closes and the run
 * still reads running with rank 0's pid, the watcher marks it failed with
 * the cause: that rank's message, else a rank that ended before rank 0
 * (named with its pid), else the launcher's SIGTERM, else rank 0's own
 * death (or both at once, when the watcher saw them end together). The
 * last snapshot is untouched; a run that rank 0 recorded itself is left
 * alone. Ranks on other hosts have no watcher to tell: there rank 0's
 * SIGTERM stands for them.
 *
 * Main thread calls only; nothing happens in a job of one.
 */
#ifndef FINELAB_RANKWATCH_H
#define FINELAB_RANKWATCH_H

/* argv[1] of the watcher process (main hands it to rankwatch_main). */
#define RANKWATCH_ARG "--rankwatch-process"

/* After dist_init, on every rank (it gathers): rank 0 starts the watcher. */
void rankwatch_start(void);
/* Rank 0: the run it writes now (NULL: none). */
void rankwatch_set_run(const char *run_dir);
/* This rank is about to end the job alone (MPI_Abort) for this reason:
 * the watcher on this host records it as the run's error ("rank R: "
 * prefixed unless msg already names a rank). */
void rankwatch_say(const char *msg);

/* The watcher process (argv {prog, RANKWATCH_ARG}), the listening socket
 * on fd 0. Returns the exit code. */
int rankwatch_main(int argc, char **argv);

#endif
