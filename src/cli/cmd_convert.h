/*
 * cmd_convert — the `finelab convert IN.caffemodel OUT.safetensors`
 * subcommand: turns Caffe's VGG-16 weights (conv1_1 ... conv5_3) into a
 * safetensors file with torchvision's names (see caffemodel_vgg16.h). Runs
 * on the main thread; returns a CLI exit code.
 */
#ifndef FINELAB_CMD_CONVERT_H
#define FINELAB_CMD_CONVERT_H

/* argv[0] is "convert", argv[1] the .caffemodel, argv[2] the output. Prints
 * what was converted to stdout, errors to stderr; CLI_OK, CLI_BAD_INPUT
 * (unreadable or malformed input, not a VGG-16) or CLI_FAILED (the output
 * could not be written, out of memory). */
int cmd_convert(int argc, char **argv);

#endif
