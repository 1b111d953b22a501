/*
 * preset — an experiment's full description, read from an INI file and
 * checked against ONE schema table (schema.h) that parsing, validation,
 * writing and the TUI editor all use.
 *
 * A Preset is plain caller storage holding every key's resolved value
 * (defaults filled in). preset_load reads a file; every problem is reported
 * as "file:line: section.key: what was expected" and nothing is returned
 * half-filled. A [sweep] section lists values per key; preset_sweep_count
 * and preset_sweep_item give the Cartesian product of concrete presets. Functions are
 * reentrant; a Preset belongs to one thread at a time.
 */
#ifndef FINELAB_PRESET_H
#define FINELAB_PRESET_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/error.h"
#include "engine/nn/net.h"
#include "engine/train/solver.h"

enum { PRESET_PATH_MAX = 1024, PRESET_TEXT_MAX = 256, PRESET_STEPS_MAX = 32 };
/* Longest value a preset line may hold (a [sweep] list included): the
 * reader refuses longer ones, and the sweep's parsing buffers are this size. */
enum { PRESET_VALUE_MAX = 8192 };
/* Longest experiment.name accepted: a run id is <date-time>-<name>[-K], one
 * file name of at most 255 bytes. */
enum { PRESET_NAME_MAX = 200 };
enum { PRESET_SWEEP_KEYS_MAX = 8, PRESET_SWEEP_VALUES_MAX = 16 };
/* Most concrete presets one [sweep] may expand to (8 keys x 16 values would
 * otherwise overflow an int). */
enum { PRESET_SWEEP_ITEMS_MAX = 1024 };

/* How pixels become network input ([data] normalize) and what a weights
 * file expects ([model] weights_format). */
typedef enum NormalizeMode { NORM_AUTO, NORM_MANUAL, NORM_CAFFE, NORM_TORCHVISION } NormalizeMode;
typedef enum WeightsFormat { WEIGHTS_AUTO, WEIGHTS_CAFFE, WEIGHTS_TORCHVISION } WeightsFormat;

typedef enum TransferMode { TRANSFER_LAST_LAYER, TRANSFER_ALL, TRANSFER_SCRATCH } TransferMode;
/* [experiment] conv_algo, [model] pooling, [model] init and [solver]
 * lr_policy are the engine's own enums (NetConvAlgo, NetPool and NetInit in
 * engine/nn/net.h, SolverPolicy in engine/train/solver.h), stored as they
 * are: no mirror to keep in step. */

/* [data] train_crop: how a training image is cropped. */
typedef enum TrainCrop { TRAIN_CROP_CENTER, TRAIN_CROP_RANDOM, TRAIN_CROP_RESIZED } TrainCrop;

/* [sweep] strategy: every combination (grid), `samples` seeded draws
 * (random), successive halving over the grid's or the draws' candidates,
 * or asynchronous successive halving over `samples` drawn trials (asha). */
typedef enum SweepStrategy { SWEEP_GRID, SWEEP_RANDOM, SWEEP_HALVING, SWEEP_ASHA } SweepStrategy;
/* [sweep] sampler: how an asha study draws a trial: seeded uniform draws
 * (random; draw k as strategy random's) or by TPE from the trials so far. */
typedef enum SweepSampler { SAMPLER_RANDOM, SAMPLER_TPE } SweepSampler;
/* What a swept key's values are: a list (or choice(...)), or a range that
 * random draws sample (uniform(lo, hi), loguniform(lo, hi)). */
typedef enum SweepDist { SWEEP_LIST, SWEEP_UNIFORM, SWEEP_LOGUNIFORM } SweepDist;

/* One swept key: a list of values, or a range to draw from. */
typedef struct SweepKey {
    int key;        /* schema index */
    SweepDist dist; /* SWEEP_LIST, or the range's distribution */
    int n_values;   /* 1 for a range */
    char values[PRESET_SWEEP_VALUES_MAX][PRESET_TEXT_MAX]; /* a range: its text in values[0] */
    double lo, hi;                                         /* a range's bounds */
} SweepKey;

/* [sweep]: the keys (sweep.c reads, checks and expands them) and settings. */
typedef struct PresetSweep {
    int n_keys;
    SweepKey keys[PRESET_SWEEP_KEYS_MAX];
    SweepStrategy strategy; /* default grid */
    int samples;  /* random draws (random: required; halving: 0 = the grid's combinations) */
    int seed;     /* seed of the draws (default 1) */
    int min_iter; /* halving: the first rung's iterations (a multiple of test_interval) */
    int eta;      /* halving, asha: 1/eta of the candidates go on at each rung (default 3) */
    SweepSampler sampler; /* asha: how trials are drawn (default random) */
} PresetSweep;

typedef struct Preset {
    char source[PRESET_PATH_MAX]; /* file it was read from ("" if built in memory) */
    struct {
        char name[PRESET_TEXT_MAX];        /* default: the file name without .ini */
        char description[PRESET_TEXT_MAX]; /* one line shown in menus */
        int threads;                       /* BLAS threads, 1..64 (default 2) */
        NetConvAlgo conv_algo;             /* conv_algo (engine/nn/net.h) */
    } experiment;
    struct {
        char dataset[PRESET_PATH_MAX]; /* directory or list file */
        int format;                    /* DatasetFormat (engine/data/dataset.h) */
        double train_fraction;         /* split: < 0 = official, else random:<fraction> */
        int split_seed;                /* seed of a random split (default 1) */
        double val_fraction;           /* val: of each class's training images (0: none) */
        int val_seed;                  /* seed of the validation draw (default 1) */
        int crop_to_bbox;              /* bool */
        int resize;                    /* square resize before cropping; 0: none */
        int resolution;                /* crop side fed to the network */
        TrainCrop train_crop;          /* train_crop */
        int mirror;                    /* bool */
        float mean[3];                 /* in channel_order */
        float std[3];                  /* 1,1,1 for none */
        float scale;                   /* pixel scale before mean (1 or 0.00392157) */
        int bgr;                       /* channel_order: 1 bgr, 0 rgb */
        int normalize;                 /* NormalizeMode: where mean/std/scale/order come from */
        int skip_bad_images;           /* on_bad_image: 1 skip, 0 fail */
        int loader_threads;            /* 1..16 */
        double bbox_margin;            /* crop_to_bbox margin, fraction of the box's size */
        double crop_area_min, crop_area_max;     /* train_crop = resized: area fractions */
        double crop_ratio_min, crop_ratio_max;   /* train_crop = resized: aspect ratios w/h */
        double rotate;                           /* max degrees of rotation; 0 off */
        double brightness, contrast, saturation; /* colour jitter; 0 off */
    } data;
    struct {
        char backbone[32];             /* "vgg16" */
        float width;                   /* channel multiplier, 0.03125..1 */
        char weights[PRESET_PATH_MAX]; /* safetensors path or "none" */
        int weights_format; /* WeightsFormat: the input a file without metadata expects */
        NetPool pooling;    /* pooling */
        int bilinear_dim;   /* compact pooling dimension */
        int signed_sqrt;    /* bool */
        int l2_normalize;   /* bool */
        int num_classes;    /* 0: from the dataset */
        NetInit init;       /* the filler of the weights nothing is loaded into */
        float init_std;     /* its std for gaussian (every layer) and default (the classifier) */
    } model;
    struct {
        int mode;                        /* TransferMode */
        char init_from[PRESET_PATH_MAX]; /* run id or snapshot file, "" for none */
        float backbone_lr_mult;          /* lr_mult of backbone weights when trained */
        float bias_lr_mult;              /* lr_mult of every bias relative to its weight (2) */
        float weight_decay_mult;         /* decay_mult of weights (1) */
        float bias_decay_mult;           /* decay_mult of biases (0) */
        int feature_cache;               /* 1 auto, 0 off */
        int cache_views;                 /* views kept per training image, 1..64 */
    } transfer;
    struct {
        SolverType type;
        double base_lr;
        SolverPolicy lr_policy;
        double gamma, power;
        int stepsize;
        int stepvalue[PRESET_STEPS_MAX];
        int n_stepvalue;
        double momentum, weight_decay;
        double momentum2; /* Adam's beta2 */
        double rms_decay; /* RMSProp's decay */
        double delta;     /* AdaGrad, RMSProp, AdaDelta, Adam: the guard against / 0 */
        int l1;           /* regularization_type: 1 L1, 0 L2 */
        int max_iter, iter_size, batch_size;
        int test_iter, test_interval, test_initialization;
        int display, average_loss, snapshot;
        int snapshot_keep;     /* snapshots kept, the newest (0: all) */
        double clip_gradients; /* < 0: off (Caffe's -1) */
        int random_seed;
    } solver;
    PresetSweep sweep;
} Preset;

/* Fills p with every key's default. */
void preset_defaults(Preset *p);
/* Reads path into p (defaults first, then the file). On any error p holds
 * the defaults and err says "path:line: section.key: problem" for the
 * first problem found. */
Status preset_load(Preset *p, const char *path, Error *err);
/* Parses INI text (as a file named name) into p, as preset_load. */
Status preset_parse(Preset *p, const char *text, const char *name, Error *err);
/* Applies "section.key=value" (the --set syntax); err names the assignment. */
Status preset_set(Preset *p, const char *assignment, Error *err);
/* Checks rules that join several keys (resize >= resolution, multistep
 * needs ascending stepvalues, ...); err names the keys. */
Status preset_validate(const Preset *p, Error *err);
/* The square side images are resized to before cropping: data.resize, or
 * for resize = auto (-1) 8/7 of data.resolution rounded (512 for 448, 384
 * for 336, 256 for 224, 128 for 112); 0 resizes straight to the resolution. */
int preset_resize(const Preset *p);
/* Writes p as a complete INI text (every key, resolved, sweep omitted) into
 * a new malloc'd string; the caller frees it. NULL on out of memory. */
char *preset_format(const Preset *p);
/* preset_format plus the [sweep] section (for saving an editable preset);
 * malloc'd, NULL on out of memory. */
char *preset_format_sweep(const Preset *p);
/* preset_format into path atomically. */
Status preset_write(const Preset *p, const char *path, Error *err);

/* 1 when p's combinations are seeded random draws (strategy random, or
 * halving with samples), 0 when they are the grid's Cartesian product. */
int preset_sweep_drawn(const Preset *p);
/* "grid", "random", "halving", "asha". */
const char *preset_sweep_strategy_name(int strategy);
/* "random", "tpe". */
const char *preset_sweep_sampler_name(int sampler);
/* Number of concrete presets p's [sweep] expands to (1 without a sweep):
 * the grid's combinations, or `samples` for drawn sweeps. */
int preset_sweep_count(const Preset *p);
/* Fills out with combination i (0-based; a grid's last swept key varies
 * fastest; a drawn sweep's item i is draw i of its seed, sampler.h) and
 * label with "key=value, key=value" naming the swept values (may be NULL). */
Status preset_sweep_item(const Preset *p, int i, Preset *out, char *label, size_t label_cap,
                         Error *err);
/* The point of item i of p's [sweep] (i in range) into x: one number per
 * swept key, a list's index (the grid's combination i, the last key
 * varying fastest) or a range's value (draw i, sampler.h). */
void preset_sweep_item_point(const Preset *p, int i, double *x);
/* Fills out with the point x of p's [sweep] (one number per swept key: a
 * list's index, or a range's value; sampler.h) and label as
 * preset_sweep_item does. */
Status preset_sweep_point(const Preset *p, const double *x, Preset *out, char *label,
                          size_t label_cap, Error *err);

#endif
