/*
 * rankwatch — rank 0's last word on an MPI run its launcher ends. When a
 * rank dies (killed, out of memory), the survivors wait in a collective
 * until mpirun terminates them with SIGTERM; rank 0 then cannot return
 * through the runner to record how the run ended. rankwatch catches that
 * SIGTERM on rank 0 (the handler only writes a byte to a pipe), and its
 * thread marks the run failed in status.ini, naming the rank whose process
 * is gone when it ran on this host (every rank's pid and host are gathered
 * at the start), and ends the process. The last snapshot is untouched.
 * Main thread calls only; nothing happens in a job of one.
 */
#ifndef FINELAB_RANKWATCH_H
#define FINELAB_RANKWATCH_H

/* After dist_init, on every rank (it gathers): rank 0 starts watching. */
void rankwatch_start(void);
/* The run rank 0 writes now (run_dir copied; NULL: none). */
void rankwatch_set_run(const char *run_dir);

#endif
