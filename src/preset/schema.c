/*
 * schema — the preset key table, the editor's two tables beside it (the
 * tutorial's knobs, when a key does nothing) and looking keys up. See
 * schema.h; reading, writing and describing one value of any key is
 * schema_value.c's.
 *
 * The table below is the single place a key is defined; add a row there and
 * preset.c, the writer and the editor pick it up.
 */
#include "src/preset/schema.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/data/dataset.h"
#include "engine/train/solver.h"

/* Enum keys are written and read as int: the preset's enum fields, the
 * engine's enums among them, must be int-sized. */
_Static_assert(sizeof(NetConvAlgo) == sizeof(int) && sizeof(NetPool) == sizeof(int) &&
                   sizeof(NetInit) == sizeof(int) && sizeof(SolverPolicy) == sizeof(int) &&
                   sizeof(SolverType) == sizeof(int) && sizeof(TrainCrop) == sizeof(int),
               "an enum key is not int-sized");

/* The last columns of a row: where the value lives (and a list's count). */
#define AT(m)      offsetof(Preset, m), sizeof(((const Preset *)NULL)->m)
#define FIELD(m)   AT(m), 0, 0
#define LIST(m, n) AT(m), offsetof(Preset, n), PRESET_STEPS_MAX
#define INF        INFINITY

/* --- choices and suggestions -------------------------------------------- */

static const SchemaChoice formats[] = {{"auto", DATASET_AUTO},
                                       {"cub", DATASET_CUB},
                                       {"folder", DATASET_FOLDER},
                                       {"list", DATASET_LIST},
                                       {NULL, 0}};
static const SchemaChoice conv_algos[] = {{"auto", NET_CONV_AUTO},
                                          {"reference", NET_CONV_REFERENCE},
                                          {"winograd", NET_CONV_WINOGRAD},
                                          {"direct", NET_CONV_DIRECT},
                                          {NULL, 0}};
static const SchemaChoice crops[] = {{"random", TRAIN_CROP_RANDOM},
                                     {"center", TRAIN_CROP_CENTER},
                                     {"resized", TRAIN_CROP_RESIZED},
                                     {NULL, 0}};
static const SchemaChoice orders[] = {{"bgr", 1}, {"rgb", 0}, {NULL, 0}};
static const SchemaChoice normalizes[] = {{"auto", NORM_AUTO},
                                          {"manual", NORM_MANUAL},
                                          {"caffe", NORM_CAFFE},
                                          {"torchvision", NORM_TORCHVISION},
                                          {NULL, 0}};
static const SchemaChoice weight_formats[] = {{"auto", WEIGHTS_AUTO},
                                              {"caffe", WEIGHTS_CAFFE},
                                              {"torchvision", WEIGHTS_TORCHVISION},
                                              {NULL, 0}};
static const SchemaChoice bad_images[] = {{"fail", 0}, {"skip", 1}, {NULL, 0}};
static const SchemaChoice backbones[] = {{"vgg16", 0}, {NULL, 0}};
static const SchemaChoice poolings[] = {{"compact_ts", NET_POOL_TS},
                                        {"compact_rm", NET_POOL_RM},
                                        {"bilinear", NET_POOL_BILINEAR},
                                        {"avg", NET_POOL_AVG},
                                        {NULL, 0}};
static const SchemaChoice inits[] = {{"default", NET_INIT_DEFAULT},
                                     {"msra", NET_INIT_MSRA},
                                     {"xavier", NET_INIT_XAVIER},
                                     {"gaussian", NET_INIT_GAUSSIAN},
                                     {NULL, 0}};
static const SchemaChoice modes[] = {{"last_layer", TRANSFER_LAST_LAYER},
                                     {"all", TRANSFER_ALL},
                                     {"scratch", TRANSFER_SCRATCH},
                                     {NULL, 0}};
static const SchemaChoice caches[] = {{"auto", 1}, {"off", 0}, {NULL, 0}};
static const SchemaChoice policies[] = {{"fixed", SOLVER_FIXED},
                                        {"step", SOLVER_STEP},
                                        {"exp", SOLVER_EXP},
                                        {"inv", SOLVER_INV},
                                        {"multistep", SOLVER_MULTISTEP},
                                        {"poly", SOLVER_POLY},
                                        {"sigmoid", SOLVER_SIGMOID},
                                        {NULL, 0}};
static const SchemaChoice solver_types[] = {{"SGD", SOLVER_SGD},
                                            {"Nesterov", SOLVER_NESTEROV},
                                            {"AdaGrad", SOLVER_ADAGRAD},
                                            {"RMSProp", SOLVER_RMSPROP},
                                            {"AdaDelta", SOLVER_ADADELTA},
                                            {"Adam", SOLVER_ADAM},
                                            {NULL, 0}};
static const SchemaChoice regularizations[] = {{"L2", 0}, {"L1", 1}, {NULL, 0}};

static const char *const s_threads[] = {"1", "2", "4", "8", NULL};
static const char *const s_split[] = {"random:0.9", "random:0.5", "official", NULL};
static const char *const s_resize[] = {"auto", "0", "256", "384", "512", NULL};
static const char *const s_resolution[] = {"224", "336", "448", NULL};
static const char *const s_scale[] = {"1", "0.00392157", NULL};
static const char *const s_loaders[] = {"1", "2", "4", NULL};
static const char *const s_width[] = {"0.125", "0.25", "0.5", "1", NULL};
static const char *const s_dim[] = {"1024", "2048", "4096", "8192", NULL};
static const char *const s_init_std[] = {"0.001", "0.01", "0.1", NULL};
static const char *const s_mult[] = {"0", "0.1", "1", "2", "10", NULL};
static const char *const s_views[] = {"1", "2", "4", "8", NULL};
static const char *const s_lr[] = {"0.0001", "0.001", "0.01", "0.1", NULL};
static const char *const s_gamma[] = {"0.1", "0.25", "0.5", NULL};
static const char *const s_power[] = {"0.5", "0.75", "1", "2", NULL};
static const char *const s_stepsize[] = {"1000", "5000", "10000", "20000", NULL};
static const char *const s_stepvalue[] = {"none", "20000, 30000, 40000, 50000", NULL};
static const char *const s_momentum[] = {"0", "0.9", "0.95", "0.99", NULL};
static const char *const s_momentum2[] = {"0.99", "0.999", NULL};
static const char *const s_rms_decay[] = {"0.9", "0.95", "0.99", NULL};
static const char *const s_delta[] = {"1e-8", "1e-6", "1e-4", NULL};
static const char *const s_decay[] = {"0", "0.00001", "0.0005", "0.001", NULL};
static const char *const s_max_iter[] = {"1000", "5000", "20000", "60000", NULL};
static const char *const s_iter_size[] = {"1", "2", "4", "8", NULL};
static const char *const s_batch[] = {"4", "8", "16", "32", NULL};
static const char *const s_test_iter[] = {"10", "50", "100", NULL};
static const char *const s_interval[] = {"0", "100", "500", "1000", NULL};
static const char *const s_display[] = {"10", "20", "100", NULL};
static const char *const s_average[] = {"1", "10", "20", NULL};
static const char *const s_snapshot[] = {"0", "1000", "10000", NULL};
static const char *const s_keep[] = {"0", "1", "2", "5", NULL};
static const char *const s_clip[] = {"-1", "1", "10", NULL};
static const char *const s_margin[] = {"0", "0.1", "0.25", NULL};
static const char *const s_val[] = {"0", "0.1", "0.2", "0.3", NULL};
static const char *const s_area_min[] = {"0.08", "0.25", "0.5", NULL};
static const char *const s_rotate[] = {"0", "10", "15", "30", NULL};
static const char *const s_jitter[] = {"0", "0.1", "0.2", "0.4", NULL};

/* --- the table ------------------------------------------------------------ */

/* Columns: section, key, type, default, lo, hi, flags, choices, suggestions,
 * help, and where the value lives. */
static const SchemaKey keys[] = {
    {"experiment", "name", SCHEMA_STRING, "", 0, 0, 0, NULL, NULL,
     "name of the experiment (default: the preset file name without .ini)", FIELD(experiment.name)},
    {"experiment", "description", SCHEMA_STRING, "", 0, 0, 0, NULL, NULL, "one line shown in menus",
     FIELD(experiment.description)},
    {"experiment", "threads", SCHEMA_INT, "2", 1, 64, 0, NULL, s_threads,
     "BLAS threads of the training engine", FIELD(experiment.threads)},
    {"experiment", "conv_algo", SCHEMA_ENUM, "auto", 0, 0, 0, conv_algos, NULL,
     "how 3x3 convolutions compute: auto (per layer, the fastest on make bench's measurements), "
     "reference (im2col + GEMM), winograd or direct",
     FIELD(experiment.conv_algo)},

    {"data", "dataset", SCHEMA_PATH, "data/CUB_200_2011", 0, 0, SCHEMA_NONEMPTY, NULL, NULL,
     "dataset directory or list file", FIELD(data.dataset)},
    {"data", "format", SCHEMA_ENUM, "auto", 0, 0, 0, formats, NULL,
     "dataset layout: auto detects cub, folder (one directory per class) or list",
     FIELD(data.format)},
    {"data", "split", SCHEMA_SPLIT, "random:0.9", 0, 1, SCHEMA_LO_OPEN | SCHEMA_HI_OPEN, NULL,
     s_split, "train/test split: the dataset's official one, or random per class",
     FIELD(data.train_fraction)},
    {"data", "split_seed", SCHEMA_INT, "1", 0, 2147483647, 0, NULL, NULL, "seed of a random split",
     FIELD(data.split_seed)},
    {"data", "val", SCHEMA_DOUBLE, "0", 0, 1, SCHEMA_HI_OPEN, NULL, s_val,
     "fraction of each class's training images held out for validation, never trained on: the "
     "held-out passes and every choice read it, and the test split is read once at the end, on "
     "the weights of the best validation pass (0: none; the passes read the test split)",
     FIELD(data.val_fraction)},
    {"data", "val_seed", SCHEMA_INT, "1", 0, 2147483647, 0, NULL, NULL,
     "seed of the validation draw (its own stream, apart from the split's)", FIELD(data.val_seed)},
    {"data", "crop_to_bbox", SCHEMA_BOOL, "false", 0, 0, 0, NULL, NULL,
     "crop each image to its bounding box first (cub only)", FIELD(data.crop_to_bbox)},
    {"data", "bbox_margin", SCHEMA_DOUBLE, "0", 0, 10, 0, NULL, s_margin,
     "crop_to_bbox: grow the box by this fraction of its width and height on each side, "
     "clipped to the image (training and test)",
     FIELD(data.bbox_margin)},
    {"data", "resize", SCHEMA_INT, "auto", 0, 4096, SCHEMA_AUTO, NULL, s_resize,
     "square resize before cropping; auto: 8/7 of the resolution (512 for 448, 256 for 224); 0: "
     "resize straight to the resolution",
     FIELD(data.resize)},
    {"data", "resolution", SCHEMA_INT, "448", 32, 4096, 0, NULL, s_resolution,
     "side of the square crop fed to the network", FIELD(data.resolution)},
    {"data", "train_crop", SCHEMA_ENUM, "random", 0, 0, 0, crops, NULL,
     "where training crops are taken (tests always use the center); resized: torchvision's "
     "RandomResizedCrop (crop_area, crop_ratio) straight to the resolution (resize then shapes "
     "test images only)",
     FIELD(data.train_crop)},
    {"data", "crop_area_min", SCHEMA_DOUBLE, "0.08", 0, 1, SCHEMA_LO_OPEN, NULL, s_area_min,
     "train_crop = resized: smallest crop area, a fraction of the image (or box)",
     FIELD(data.crop_area_min)},
    {"data", "crop_area_max", SCHEMA_DOUBLE, "1", 0, 1, SCHEMA_LO_OPEN, NULL, NULL,
     "train_crop = resized: largest crop area fraction (>= crop_area_min)",
     FIELD(data.crop_area_max)},
    {"data", "crop_ratio_min", SCHEMA_DOUBLE, "0.75", 0, 100, SCHEMA_LO_OPEN, NULL, NULL,
     "train_crop = resized: smallest width/height of the crop (log-uniform; 10 tries, then "
     "the centre crop)",
     FIELD(data.crop_ratio_min)},
    {"data", "crop_ratio_max", SCHEMA_DOUBLE, "1.3333333333333333", 0, 100, SCHEMA_LO_OPEN, NULL,
     NULL, "train_crop = resized: largest width/height (>= crop_ratio_min)",
     FIELD(data.crop_ratio_max)},
    {"data", "rotate", SCHEMA_DOUBLE, "0", 0, 180, 0, NULL, s_rotate,
     "rotate training crops by a uniform angle in [-rotate, rotate] degrees (bilinear; corners "
     "filled with the mean colour, 0 after normalisation); 0: off",
     FIELD(data.rotate)},
    {"data", "brightness", SCHEMA_DOUBLE, "0", 0, 10, 0, NULL, s_jitter,
     "colour jitter: scale training pixels by a factor in [max(0, 1-x), 1+x]; 0: off",
     FIELD(data.brightness)},
    {"data", "contrast", SCHEMA_DOUBLE, "0", 0, 10, 0, NULL, s_jitter,
     "colour jitter: blend with the mean grey by a factor in [max(0, 1-x), 1+x]; 0: off",
     FIELD(data.contrast)},
    {"data", "saturation", SCHEMA_DOUBLE, "0", 0, 10, 0, NULL, s_jitter,
     "colour jitter: blend with the greyscale image by a factor in [max(0, 1-x), 1+x]; "
     "brightness, contrast and saturation apply in a random order; 0: off",
     FIELD(data.saturation)},
    {"data", "mirror", SCHEMA_BOOL, "true", 0, 0, 0, NULL, NULL, "mirror training images at random",
     FIELD(data.mirror)},
    {"data", "normalize", SCHEMA_ENUM, "auto", 0, 0, 0, normalizes, NULL,
     "input convention: auto follows the weights (caffe: BGR 0-255 minus means; torchvision: RGB "
     "0-1 standardised), else mean/std/scale/channel_order below (manual)",
     FIELD(data.normalize)},
    {"data", "mean", SCHEMA_FLOAT3, "103.939, 116.779, 123.68", -INF, INF, 0, NULL, NULL,
     "per-channel mean subtracted, in channel_order", FIELD(data.mean)},
    {"data", "std", SCHEMA_FLOAT3, "1, 1, 1", 0, INF, SCHEMA_LO_OPEN, NULL, NULL,
     "per-channel divisor after the mean (1, 1, 1: none)", FIELD(data.std)},
    {"data", "scale", SCHEMA_FLOAT, "1", 0, 1, SCHEMA_LO_OPEN, NULL, s_scale,
     "pixel scale before the mean (1: 0..255, 0.00392157: 0..1)", FIELD(data.scale)},
    {"data", "channel_order", SCHEMA_ENUM, "bgr", 0, 0, 0, orders, NULL,
     "channel order of the input (Caffe's VGG expects bgr)", FIELD(data.bgr)},
    {"data", "on_bad_image", SCHEMA_ENUM, "fail", 0, 0, 0, bad_images, NULL,
     "an unreadable image stops the run (fail) or is left out (skip)", FIELD(data.skip_bad_images)},
    {"data", "loader_threads", SCHEMA_INT, "2", 1, 16, 0, NULL, s_loaders,
     "threads decoding and augmenting images", FIELD(data.loader_threads)},

    {"model", "backbone", SCHEMA_STRING, "vgg16", 0, 0, SCHEMA_NONEMPTY, backbones, NULL,
     "convolutional backbone, truncated after relu5_3", FIELD(model.backbone)},
    {"model", "width", SCHEMA_FLOAT, "1", 0.03125, 1, 0, NULL, s_width,
     "channel multiplier of the backbone (1: the real VGG-16)", FIELD(model.width)},
    {"model", "weights", SCHEMA_PATH, "none", 0, 0, SCHEMA_NONEMPTY, NULL, NULL,
     "pretrained backbone weights (.safetensors) or none", FIELD(model.weights)},
    {"model", "weights_format", SCHEMA_ENUM, "auto", 0, 0, 0, weight_formats, NULL,
     "input the weights expect: auto reads the file (finelab and converted Caffe files say; "
     "others are taken as torchvision)",
     FIELD(model.weights_format)},
    {"model", "pooling", SCHEMA_ENUM, "compact_ts", 0, 0, 0, poolings, NULL,
     "head: compact bilinear (Tensor Sketch, Random Maclaurin), full bilinear or average",
     FIELD(model.pooling)},
    {"model", "bilinear_dim", SCHEMA_INT, "8192", 16, 65536, 0, NULL, s_dim,
     "output dimension of compact bilinear pooling", FIELD(model.bilinear_dim)},
    {"model", "signed_sqrt", SCHEMA_BOOL, "true", 0, 0, 0, NULL, NULL,
     "signed square root after pooling", FIELD(model.signed_sqrt)},
    {"model", "l2_normalize", SCHEMA_BOOL, "true", 0, 0, 0, NULL, NULL,
     "L2 normalisation after pooling", FIELD(model.l2_normalize)},
    {"model", "num_classes", SCHEMA_INT, "0", 0, 100000, 0, NULL, NULL,
     "classifier outputs; 0: the dataset's number of classes", FIELD(model.num_classes)},
    {"model", "init", SCHEMA_ENUM, "default", 0, 0, 0, inits, NULL,
     "filler of the weights nothing is loaded into (every conv in scratch mode, the "
     "classifier): default = convs Kaiming normal (fan_out, torchvision), classifier gaussian "
     "init_std; Caffe's msra = normal, std sqrt(2/fan_in); xavier = uniform +-sqrt(3/fan_in); "
     "gaussian = normal, std init_std; biases 0",
     FIELD(model.init)},
    {"model", "init_std", SCHEMA_FLOAT, "0.001", 0, 10, SCHEMA_LO_OPEN, NULL, s_init_std,
     "standard deviation of init = gaussian, and of the classifier with init = default",
     FIELD(model.init_std)},

    {"transfer", "mode", SCHEMA_ENUM, "last_layer", 0, 0, 0, modes, NULL,
     "train the classifier only, every layer, or everything from scratch", FIELD(transfer.mode)},
    {"transfer", "init_from", SCHEMA_STRING, "", 0, 0, 0, NULL, NULL,
     "start from a finished run (its id) or a snapshot file; empty: none",
     FIELD(transfer.init_from)},
    {"transfer", "backbone_lr_mult", SCHEMA_FLOAT, "1", 0, 100, 0, NULL, s_mult,
     "learning-rate multiplier of backbone weights when they are trained",
     FIELD(transfer.backbone_lr_mult)},
    {"transfer", "bias_lr_mult", SCHEMA_FLOAT, "2", 0, 100, 0, NULL, s_mult,
     "learning-rate multiplier of biases relative to their weights", FIELD(transfer.bias_lr_mult)},
    {"transfer", "weight_decay_mult", SCHEMA_FLOAT, "1", 0, 100, 0, NULL, s_mult,
     "weight-decay multiplier of weights", FIELD(transfer.weight_decay_mult)},
    {"transfer", "bias_decay_mult", SCHEMA_FLOAT, "0", 0, 100, 0, NULL, s_mult,
     "weight-decay multiplier of biases", FIELD(transfer.bias_decay_mult)},
    {"transfer", "feature_cache", SCHEMA_ENUM, "auto", 0, 0, 0, caches, NULL,
     "cache frozen-backbone features when only the classifier trains",
     FIELD(transfer.feature_cache)},
    {"transfer", "cache_views", SCHEMA_INT, "2", 1, 64, 0, NULL, s_views,
     "augmented views cached per training image", FIELD(transfer.cache_views)},

    {"solver", "type", SCHEMA_ENUM, "SGD", 0, 0, 0, solver_types, NULL,
     "update rule, Caffe's solver type: SGD (momentum), Nesterov, AdaGrad, RMSProp, AdaDelta or "
     "Adam",
     FIELD(solver.type)},
    {"solver", "base_lr", SCHEMA_DOUBLE, "0.01", 0, 100, SCHEMA_LO_OPEN, NULL, s_lr,
     "base learning rate", FIELD(solver.base_lr)},
    {"solver", "lr_policy", SCHEMA_ENUM, "fixed", 0, 0, 0, policies, NULL,
     "learning-rate schedule (Caffe's lr_policy)", FIELD(solver.lr_policy)},
    {"solver", "gamma", SCHEMA_DOUBLE, "0.1", -100, 100, 0, NULL, s_gamma,
     "factor of step, multistep, exp, inv; sigmoid slope (negative decays)", FIELD(solver.gamma)},
    {"solver", "power", SCHEMA_DOUBLE, "1", 0, 100, 0, NULL, s_power, "exponent of inv and poly",
     FIELD(solver.power)},
    {"solver", "stepsize", SCHEMA_INT, "0", 0, 1e9, 0, NULL, s_stepsize,
     "iterations per step (step), or the sigmoid's midpoint", FIELD(solver.stepsize)},
    {"solver", "stepvalue", SCHEMA_INT_LIST, "none", 1, INF, SCHEMA_REPEATABLE, NULL, s_stepvalue,
     "iterations where multistep multiplies the rate by gamma (repeatable)",
     LIST(solver.stepvalue, solver.n_stepvalue)},
    {"solver", "momentum", SCHEMA_DOUBLE, "0.9", 0, 1, SCHEMA_HI_OPEN, NULL, s_momentum,
     "momentum of SGD and Nesterov; AdaDelta's decay of its mean squares; Adam's beta1",
     FIELD(solver.momentum)},
    {"solver", "momentum2", SCHEMA_DOUBLE, "0.999", 0, 1, SCHEMA_HI_OPEN, NULL, s_momentum2,
     "Adam's beta2: decay of the mean squared gradient", FIELD(solver.momentum2)},
    {"solver", "rms_decay", SCHEMA_DOUBLE, "0.99", 0, 1, SCHEMA_LO_OPEN | SCHEMA_HI_OPEN, NULL,
     s_rms_decay, "RMSProp's decay of the mean squared gradient", FIELD(solver.rms_decay)},
    {"solver", "delta", SCHEMA_DOUBLE, "1e-8", 0, 1, SCHEMA_LO_OPEN, NULL, s_delta,
     "added to the root mean square before dividing by it (AdaGrad, RMSProp, AdaDelta; Adam's "
     "epsilon)",
     FIELD(solver.delta)},
    {"solver", "weight_decay", SCHEMA_DOUBLE, "0.0005", 0, 10, 0, NULL, s_decay,
     "weight decay (regularisation strength)", FIELD(solver.weight_decay)},
    {"solver", "regularization_type", SCHEMA_ENUM, "L2", 0, 0, 0, regularizations, NULL,
     "weight decay on the squared weights (L2) or their absolute values (L1)", FIELD(solver.l1)},
    {"solver", "max_iter", SCHEMA_INT, "1000", 1, 1e9, 0, NULL, s_max_iter, "iterations to train",
     FIELD(solver.max_iter)},
    {"solver", "iter_size", SCHEMA_INT, "1", 1, 1024, 0, NULL, s_iter_size,
     "batches whose gradients are accumulated per iteration", FIELD(solver.iter_size)},
    {"solver", "batch_size", SCHEMA_INT, "8", 1, 4096, 0, NULL, s_batch, "images per batch",
     FIELD(solver.batch_size)},
    {"solver", "test_iter", SCHEMA_INT, "10", 0, 1e9, 0, NULL, s_test_iter, "batches per test",
     FIELD(solver.test_iter)},
    {"solver", "test_interval", SCHEMA_INT, "100", 0, 1e9, 0, NULL, s_interval,
     "iterations between tests; 0: never", FIELD(solver.test_interval)},
    {"solver", "test_initialization", SCHEMA_BOOL, "true", 0, 0, 0, NULL, NULL,
     "test before the first iteration", FIELD(solver.test_initialization)},
    {"solver", "display", SCHEMA_INT, "20", 0, 1e9, 0, NULL, s_display,
     "iterations between training-loss reports; 0: never", FIELD(solver.display)},
    {"solver", "average_loss", SCHEMA_INT, "1", 1, 1e6, 0, NULL, s_average,
     "iterations the displayed loss is averaged over", FIELD(solver.average_loss)},
    {"solver", "snapshot", SCHEMA_INT, "0", 0, 1e9, 0, NULL, s_snapshot,
     "iterations between snapshots; 0: only at the end", FIELD(solver.snapshot)},
    {"solver", "snapshot_keep", SCHEMA_INT, "0", 0, 1e9, 0, NULL, s_keep,
     "snapshots kept: the newest N, older ones removed as each new one is written; 0: all (as "
     "Caffe)",
     FIELD(solver.snapshot_keep)},
    {"solver", "clip_gradients", SCHEMA_DOUBLE, "-1", -INF, INF, 0, NULL, s_clip,
     "largest L2 norm of the whole gradient; negative: no clipping", FIELD(solver.clip_gradients)},
    {"solver", "random_seed", SCHEMA_INT, "1", 0, 2147483647, 0, NULL, NULL,
     "seed of weight init, shuffling and augmentation", FIELD(solver.random_seed)},
};

enum { N_KEYS = sizeof keys / sizeof keys[0] };

/* --- the tutorial's knobs ------------------------------------------------- */

/* What the tutorial turns, in the order a beginner meets it: how much of the
 * network trains, the resolution x dim sweep, the weight-decay sweep, the
 * solver's basics, then what its last paragraph leaves to the reader (the
 * batch, the optimiser, the initialisation, augmentation). */
static const char *const knobs[] = {
    "transfer.mode",    "data.resolution",  "model.bilinear_dim", "solver.weight_decay",
    "solver.base_lr",   "solver.lr_policy", "solver.max_iter",    "solver.batch_size",
    "solver.iter_size", "solver.type",      "model.init",         "data.train_crop",
};

enum { N_KNOBS = sizeof knobs / sizeof knobs[0] };

/* --- when a key does nothing ---------------------------------------------- */

/* A weights file the run reads its input convention from: the backbone's
 * (not in scratch mode) or init_from's (see preflight_input). */
static int has_weights(const Preset *p) {
    return (p->transfer.mode != TRANSFER_SCRATCH && strcmp(p->model.weights, "none") != 0) ||
           p->transfer.init_from[0];
}

static int manual_input(const Preset *p) {
    return p->data.normalize == NORM_MANUAL || (p->data.normalize == NORM_AUTO && !has_weights(p));
}

static int auto_from_weights(const Preset *p) {
    return p->data.normalize == NORM_AUTO && has_weights(p);
}

static int not_scratch(const Preset *p) {
    return p->transfer.mode != TRANSFER_SCRATCH;
}

/* init_from loads every parameter, the classifier's too: nothing is filled. */
static int fills_weights(const Preset *p) {
    return !p->transfer.init_from[0];
}

static int gaussian_std(const Preset *p) {
    return p->model.init == NET_INIT_DEFAULT || p->model.init == NET_INIT_GAUSSIAN;
}

static int compact_pooling(const Preset *p) {
    return p->model.pooling == NET_POOL_TS || p->model.pooling == NET_POOL_RM;
}

static int backbone_trains(const Preset *p) {
    return p->transfer.mode != TRANSFER_LAST_LAYER;
}

static int last_layer(const Preset *p) {
    return p->transfer.mode == TRANSFER_LAST_LAYER;
}

static int cache_on(const Preset *p) {
    return p->transfer.mode == TRANSFER_LAST_LAYER && p->transfer.feature_cache;
}

static int random_split(const Preset *p) {
    return p->data.train_fraction >= 0;
}

static int val_on(const Preset *p) {
    return p->data.val_fraction > 0;
}

static int may_have_boxes(const Preset *p) {
    return p->data.format != DATASET_FOLDER && p->data.format != DATASET_LIST;
}

static int bbox_on(const Preset *p) {
    return p->data.crop_to_bbox && may_have_boxes(p);
}

/* The training images are augmented: not when the feature cache keeps only
 * the unaugmented centre views (cache_views < 3, see featcache.h). */
static int augments(const Preset *p) {
    return !cache_on(p) || p->transfer.cache_views > 2;
}

static int resized_crop(const Preset *p) {
    return p->data.train_crop == TRAIN_CROP_RESIZED;
}

static int uses_gamma(const Preset *p) {
    return p->solver.lr_policy != SOLVER_FIXED && p->solver.lr_policy != SOLVER_POLY;
}

static int uses_power(const Preset *p) {
    return p->solver.lr_policy == SOLVER_INV || p->solver.lr_policy == SOLVER_POLY;
}

static int uses_stepsize(const Preset *p) {
    return p->solver.lr_policy == SOLVER_STEP || p->solver.lr_policy == SOLVER_SIGMOID;
}

static int multistep(const Preset *p) {
    return p->solver.lr_policy == SOLVER_MULTISTEP;
}

static int uses_momentum(const Preset *p) {
    return p->solver.type != SOLVER_ADAGRAD && p->solver.type != SOLVER_RMSPROP;
}

static int adam(const Preset *p) {
    return p->solver.type == SOLVER_ADAM;
}

static int rmsprop(const Preset *p) {
    return p->solver.type == SOLVER_RMSPROP;
}

static int adaptive(const Preset *p) {
    return p->solver.type != SOLVER_SGD && p->solver.type != SOLVER_NESTEROV;
}

static int decays(const Preset *p) {
    return p->solver.weight_decay != 0;
}

static int tests_on_interval(const Preset *p) {
    return p->solver.test_interval > 0;
}

/* A key that only matters when matters(p) holds, and what the editor says
 * when it does not (short: it follows the value on the key's row). A key
 * with several rows matters when all hold (the first failing one says
 * why). Keys not listed may always matter. The input keys also matter with normalize
 * = auto when there are no weights to follow; the phrase names the usual
 * way to make them count. */
typedef struct SchemaRule {
    const char *key; /* section.key */
    int (*matters)(const Preset *p);
    const char *unused; /* why, when it does not */
} SchemaRule;

static const SchemaRule rules[] = {
    {"data.split_seed", random_split, "unused with split = official"},
    {"data.val_seed", val_on, "unused at val = 0"},
    {"data.crop_to_bbox", may_have_boxes, "unused: format has no boxes"},
    {"data.bbox_margin", bbox_on, "unused without crop_to_bbox"},
    {"data.crop_area_min", resized_crop, "unused unless train_crop = resized"},
    {"data.crop_area_min", augments, "unused: the feature cache keeps < 3 views"},
    {"data.crop_area_max", resized_crop, "unused unless train_crop = resized"},
    {"data.crop_area_max", augments, "unused: the feature cache keeps < 3 views"},
    {"data.crop_ratio_min", resized_crop, "unused unless train_crop = resized"},
    {"data.crop_ratio_min", augments, "unused: the feature cache keeps < 3 views"},
    {"data.crop_ratio_max", resized_crop, "unused unless train_crop = resized"},
    {"data.crop_ratio_max", augments, "unused: the feature cache keeps < 3 views"},
    {"data.rotate", augments, "unused: the feature cache keeps < 3 views"},
    {"data.brightness", augments, "unused: the feature cache keeps < 3 views"},
    {"data.contrast", augments, "unused: the feature cache keeps < 3 views"},
    {"data.saturation", augments, "unused: the feature cache keeps < 3 views"},
    {"data.mean", manual_input, "unused unless normalize = manual"},
    {"data.std", manual_input, "unused unless normalize = manual"},
    {"data.scale", manual_input, "unused unless normalize = manual"},
    {"data.channel_order", manual_input, "unused unless normalize = manual"},
    {"model.weights", not_scratch, "unused with mode = scratch"},
    {"model.weights_format", auto_from_weights, "unused unless normalize = auto with weights"},
    {"model.bilinear_dim", compact_pooling, "unused unless pooling is compact_ts/rm"},
    {"model.init", fills_weights, "unused with init_from: every weight is loaded"},
    {"model.init_std", fills_weights, "unused with init_from: every weight is loaded"},
    {"model.init_std", gaussian_std, "unused with init = msra or xavier"},
    {"transfer.backbone_lr_mult", backbone_trains, "unused with mode = last_layer"},
    {"transfer.feature_cache", last_layer, "unused unless mode = last_layer"},
    {"transfer.cache_views", cache_on, "unused without the feature cache"},
    {"transfer.weight_decay_mult", decays, "unused with weight_decay = 0"},
    {"transfer.bias_decay_mult", decays, "unused with weight_decay = 0"},
    {"solver.gamma", uses_gamma, "unused with lr_policy fixed/poly"},
    {"solver.power", uses_power, "unused unless lr_policy = inv or poly"},
    {"solver.stepsize", uses_stepsize, "unused unless lr_policy = step or sigmoid"},
    {"solver.stepvalue", multistep, "unused unless lr_policy = multistep"},
    {"solver.momentum", uses_momentum, "unused with type AdaGrad/RMSProp"},
    {"solver.momentum2", adam, "unused unless type = Adam"},
    {"solver.rms_decay", rmsprop, "unused unless type = RMSProp"},
    {"solver.delta", adaptive, "unused with type SGD/Nesterov"},
    {"solver.regularization_type", decays, "unused with weight_decay = 0"},
    {"solver.test_initialization", tests_on_interval, "unused with test_interval = 0"},
};

static const char *const sections[] = {"experiment", "data", "model", "transfer", "solver", NULL};

/* --- lookup --------------------------------------------------------------- */

int schema_count(void) {
    return N_KEYS;
}

const SchemaKey *schema_at(int i) {
    return i >= 0 && i < N_KEYS ? &keys[i] : NULL;
}

int schema_index(const SchemaKey *k) {
    CHECK(k >= keys && k < keys + N_KEYS);
    return (int)(k - keys);
}

const char *schema_section(int i) {
    return i >= 0 && i < (int)(sizeof sections / sizeof sections[0]) ? sections[i] : NULL;
}

int schema_is_section(const char *section) {
    for (int i = 0; sections[i]; i++)
        if (strcmp(sections[i], section) == 0) return 1;
    return 0;
}

const SchemaKey *schema_next(const char *section, const SchemaKey *prev) {
    for (int i = prev ? schema_index(prev) + 1 : 0; i < N_KEYS; i++)
        if (strcmp(keys[i].section, section) == 0) return &keys[i];
    return NULL;
}

const SchemaKey *schema_find(const char *section, const char *key) {
    for (int i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].key, key) == 0) return &keys[i];
    return NULL;
}

const SchemaKey *schema_find_dotted(const char *dotted) {
    const char *dot = strchr(dotted, '.');
    if (!dot || dot == dotted) return NULL;
    char section[32];
    size_t n = (size_t)(dot - dotted);
    if (n >= sizeof section) return NULL;
    memcpy(section, dotted, n);
    section[n] = '\0';
    return schema_find(section, dot + 1);
}

/* 1 when dotted is "section.key" of k. */
static int names(const SchemaKey *k, const char *dotted) {
    size_t n = strlen(k->section);
    return strncmp(dotted, k->section, n) == 0 && dotted[n] == '.' &&
           strcmp(dotted + n + 1, k->key) == 0;
}

int schema_knob_count(void) {
    return N_KNOBS;
}

const SchemaKey *schema_knob(int i) {
    if (i < 0 || i >= N_KNOBS) return NULL;
    const SchemaKey *k = schema_find_dotted(knobs[i]);
    CHECK(k);
    return k;
}

int schema_knob_rank(const SchemaKey *k) {
    for (int i = 0; i < N_KNOBS; i++)
        if (names(k, knobs[i])) return i;
    return -1;
}

const char *schema_unused(const SchemaKey *k, const Preset *p) {
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (names(k, rules[i].key) && !rules[i].matters(p)) return rules[i].unused;
    return NULL;
}

/* Edit distance (insert, delete, substitute, swap neighbours) of two short
 * words; longer words are cut at 63 characters. */
static int distance(const char *a, const char *b) {
    enum { W = 64 };
    int la = (int)strnlen(a, W - 1), lb = (int)strnlen(b, W - 1);
    int d[W][W];
    for (int i = 0; i <= la; i++) d[i][0] = i;
    for (int j = 0; j <= lb; j++) d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

/* Close enough to suggest: at most a third of the word wrong, and at most 3. */
static int close_enough(int dist, const char *word) {
    int len = (int)strlen(word);
    return dist <= 3 && dist * 3 <= len;
}

const SchemaKey *schema_closest(const char *section, const char *key) {
    /* The right key in the wrong section is the likeliest mistake. */
    const SchemaKey *best = NULL;
    for (int i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].key, key) == 0) {
            if (!best || strcmp(keys[i].section, section) == 0) best = &keys[i];
        }
    if (best) return best;
    int best_d = 1 << 30;
    for (int i = 0; i < N_KEYS; i++) {
        int d = distance(key, keys[i].key);
        if (strcmp(keys[i].section, section) != 0) d++;
        if (d < best_d) best_d = d, best = &keys[i];
    }
    return best && close_enough(best_d, key) ? best : NULL;
}

const char *schema_closest_section(const char *section) {
    const char *best = NULL;
    int best_d = 1 << 30;
    static const char *const all[] = {"experiment", "data",  "model", "transfer",
                                      "solver",     "sweep", NULL};
    for (int i = 0; all[i]; i++) {
        int d = distance(section, all[i]);
        if (d < best_d) best_d = d, best = all[i];
    }
    return close_enough(best_d, section) ? best : NULL;
}
