/*
 * cmd_submit — `finelab submit PRESET [--runs-dir DIR] [--max-parallel K]
 * [--ranks N] [--sbatch ARG]... [--dry-run] [--wait]`: a sweep as one Slurm
 * job array. Checks the preset and every combination as `finelab run`
 * does, writes runs_dir/slurm/<stamp>-<name>.sbatch (src/run/sbatch.h),
 * submits it with `sbatch --parsable` (--wait: until every task ended),
 * records the submission beside it (src/run/submission.h) and prints the
 * job id. --dry-run prints the script and writes and submits nothing.
 * Exit 0 submitted (with --wait: every task succeeded), 1 sbatch or a
 * task failed, 2 bad input. Main thread only.
 */
#ifndef FINELAB_CMD_SUBMIT_H
#define FINELAB_CMD_SUBMIT_H

int cmd_submit(int argc, char **argv);

#endif
