/*
 * cmd_convert — `finelab convert IN.caffemodel OUT.safetensors`: reads a
 * Caffe VGG-16 (either layer encoding), checks its 13 convolutions and
 * writes them as features.<i>.weight / .bias. The channel width is taken
 * from conv1_1, so a scaled-down VGG converts too; the real files have
 * width 1. All the work is in engine/io/caffemodel.c (reading) and
 * engine/io/caffemodel_vgg16.c (converting); this file only reports and
 * maps errors to exit codes.
 */
#include "src/cli/cmd_convert.h"

#include <stdio.h>
#include <string.h>

#include "engine/base/timer.h"
#include "engine/io/caffemodel.h"
#include "engine/io/caffemodel_vgg16.h"
#include "src/cli/cli.h"

static const char *const cmd = "convert";

static const char *encoding_name(int encoding) {
    return encoding == 2 ? "LayerParameter" : encoding == 1 ? "old V1" : "oldest V0";
}

/* CLI_BAD_INPUT for what is wrong with the input, CLI_FAILED for the rest. */
static int exit_code(Status st) {
    return st == ST_FORMAT || st == ST_SHAPE || st == ST_ARG ? CLI_BAD_INPUT : CLI_FAILED;
}

static void print_report(const Caffemodel *cm, const char *out, const CaffemodelVgg16 *info,
                         double seconds) {
    const CaffemodelLayer *first = caffemodel_find(cm, "conv1_1", NULL);
    printf("%s: %zu layers (%s encoding)\n", caffemodel_path(cm), caffemodel_layer_count(cm),
           encoding_name(first ? first->encoding : 2));
    for (int i = 0; i < info->n_convs; i++) {
        char weight[64];
        snprintf(weight, sizeof weight, "%s.weight [%d, %d, 3, 3]", info->conv[i].prefix,
                 info->conv[i].cout, info->conv[i].cin);
        printf("  %-8s -> %-38s %s.bias [%d]\n", info->conv[i].caffe, weight, info->conv[i].prefix,
               info->conv[i].cout);
    }
    printf("wrote %s: %d conv layers, %llu parameters, width %g, %.1f s\n", out, info->n_convs,
           (unsigned long long)info->n_params, (double)info->width, seconds);
    printf("input: BGR 0..255 minus the mean (103.939, 116.779, 123.68); metadata input = "
           "\"bgr255\"\n");
}

int cmd_convert(int argc, char **argv) {
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: finelab convert IN.caffemodel OUT.safetensors\n"
               "Writes the convolutions conv1_1 ... conv5_3 of a Caffe VGG-16 (such as\n"
               "VGG_ILSVRC_16_layers.caffemodel) as torchvision's features.<i>.weight/.bias.\n"
               "The fully connected layers are left out. Caffe's VGG expects BGR input in\n"
               "0..255 minus the mean pixel; the file's metadata says so (input = \"bgr255\").\n");
        return CLI_OK;
    }
    if (argc != 3) {
        cli_error(cmd, "usage: finelab convert IN.caffemodel OUT.safetensors");
        return CLI_BAD_INPUT;
    }
    double start = timer_now();
    Error err = {0};
    Caffemodel *cm;
    Status st = caffemodel_open(argv[1], &cm, &err);
    if (st) {
        cli_error(cmd, "%s", err.msg);
        return st == ST_NOMEM ? CLI_FAILED : CLI_BAD_INPUT;
    }
    CaffemodelVgg16 info;
    st = caffemodel_write_vgg16(cm, argv[2], 0.0f, &info, &err);
    if (st) {
        cli_error(cmd, "%s", err.msg);
        caffemodel_close(cm);
        return exit_code(st);
    }
    print_report(cm, argv[2], &info, timer_now() - start);
    caffemodel_close(cm);
    if (fflush(stdout) || ferror(stdout)) {
        cli_error(cmd, "cannot write the output");
        return CLI_FAILED;
    }
    return CLI_OK;
}
