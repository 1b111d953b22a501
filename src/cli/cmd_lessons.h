/*
 * cmd_lessons — `finelab lessons [--md] [--dataset PATH] [--runs-dir DIR]
 * [--presets DIR]`: the tutorial's lessons checked on the run store
 * (src/report/lessons.h): for each, in the tutorial's order, the rule, the
 * tutorial's figures, the store's (the newest finished run of each preset
 * of the demo family, or of the cub family where its runs are there), the
 * margin in standard errors against the threshold, whether it shows, and
 * what to run next; then the family's wall time against the demo's
 * 30-minute budget. --md prints the same as a Markdown table (README's
 * "What the demo family shows" is that output, `make readme-lessons`).
 * --dataset picks the runs on that dataset (another seed's; default: the
 * newest complete group). Reads only the store and the preset files. Main
 * thread only. Exit 0 when it could read the store (whatever the lessons
 * say), 1 when it could not, 2 for bad arguments.
 */
#ifndef FINELAB_CMD_LESSONS_H
#define FINELAB_CMD_LESSONS_H

/* argv[0] is "lessons". */
int cmd_lessons(int argc, char **argv);

#endif
