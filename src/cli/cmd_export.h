/*
 * cmd_export — the `finelab export RUN|SNAPSHOT OUT.safetensors`
 * subcommand: writes the backbone (features.<i>.weight / .bias) of a run's
 * last snapshot, or of a snapshot file, as a weights file other presets can
 * name in [model] weights. This is how models/ gets its pretrained
 * backbone. Runs on the main thread; returns a CLI exit code.
 */
#ifndef FINELAB_CMD_EXPORT_H
#define FINELAB_CMD_EXPORT_H

/* argv[0] is "export". Prints what was written to stdout, errors to
 * stderr; CLI_OK, CLI_BAD_INPUT (no such run, no snapshot, not a weights
 * file) or CLI_FAILED (the output could not be written, out of memory). */
int cmd_export(int argc, char **argv);

#endif
