/*
 * cmd_run — `finelab run PRESET [--set section.key=value]... [--sweep-index K]
 * [--runs-dir DIR]` (K: only that combination of the [sweep], 0-based)
 * and `finelab resume RUN [--runs-dir DIR]`, and the lab's headless
 * fallback: headless training with one
 * progress line per display interval and per test pass. Ctrl-C stops
 * cleanly (final snapshot, state stopped). Exit 0 done, 1 failed or
 * diverged, 2 bad input. Main thread only.
 */
#ifndef FINELAB_CMD_RUN_H
#define FINELAB_CMD_RUN_H

int cmd_run(int argc, char **argv);
int cmd_resume(int argc, char **argv);
/* What `finelab` does with no terminal to open the lab on: says why (on
 * stderr) and runs the embedded default preset headless into runs_dir, as
 * `finelab run` would. A missing generated dataset is refused (exit 2) with
 * the command that makes it. */
int cmd_run_default(const char *runs_dir, const char *why);

#endif
