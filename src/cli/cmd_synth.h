/*
 * cmd_synth — the `finelab synth` subcommand: generates the fine-grained
 * bird dataset (engine/synth) in the CUB-200-2011 layout. Runs on the main
 * thread; prints progress to stderr and the summary to stdout; returns a
 * CLI exit code (2 for bad arguments or an unusable output directory).
 */
#ifndef FINELAB_CMD_SYNTH_H
#define FINELAB_CMD_SYNTH_H

/* argv[0] is "synth". */
int cmd_synth(int argc, char **argv);

#endif
