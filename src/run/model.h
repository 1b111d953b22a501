/*
 * model — a network ready for inference from the shell: built from a RUN
 * (its preset.ini and last snapshot) or from a PRESET (the backbone its
 * training loads, model.weights), or either plus a weights file that
 * replaces those; every parameter loaded comes from that one file. The
 * classifier is the part a backbone file lacks: the logits need it,
 * conv5_3 and the pooled features do not, so a model opened backbone_only
 * loads neither the classifier nor the dataset. The network and data
 * pipeline come from runner_config, so a model is exactly the network the
 * run trained and tested: same head, same pooling hashes, same resize /
 * centre crop, and the input convention preflight_input picks for the weights
 * file (a snapshot records the run's, a backbone file its own).
 *
 * A Model is caller storage (model_open / model_close) that owns its net
 * and its open dataset (class names, test split). ModelImages turns image
 * files into batches through the preset's test-time pipeline (the engine's
 * loader itself, so nothing is re-implemented). One thread at a time uses
 * a Model; the loader threads behind it touch only their own buffers.
 * Library code: failures come back as a Status with an Error naming the
 * file, run or tensor at fault; nothing here prints or exits.
 */
#ifndef FINELAB_MODEL_H
#define FINELAB_MODEL_H

#include <stdint.h>

#include "engine/base/error.h"
#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "engine/nn/net.h"
#include "engine/train/trainer.h"
#include "src/preset/preset.h"

/* Where a model comes from. */
typedef struct ModelSource {
    const char *spec;     /* a run id or run directory, or a preset file */
    const char *weights;  /* safetensors holding the weights; NULL: the run's last snapshot,
                             or the preset's model.weights */
    const char *runs_dir; /* where run ids are looked up ("runs" when NULL) */
    int batch;            /* largest batch the net runs; 0: the preset's solver.batch_size */
    int backbone_only;    /* 1: only conv5_3 and pool will be used: load neither the
                             classifier nor the dataset */
} ModelSource;

typedef struct Model {
    Preset preset;         /* the resolved preset the net is built from */
    Dataset ds;            /* the preset's dataset (class names, test split); empty when
                              opened backbone_only */
    TrainConfig cfg;       /* runner_config(preset), with net.batch / classes / pool_seed set */
    Net *net;              /* owned */
    int batch;             /* largest batch net takes */
    int num_classes;       /* classifier outputs; 0 when opened backbone_only */
    char run_dir[1024];    /* the run directory, "" when built from a preset */
    char weights[1200];    /* the file every weight came from */
    const char *input_why; /* why the input convention is what it is (static text) */
} Model;

/* Builds the model src describes. A spec naming a run (runstore_resolve)
 * is a run; an existing file is a preset, which needs src->weights when it
 * loads no backbone (preflight_backbone: ST_ARG naming the preset). ST_IO
 * names a spec that is neither, a run without snapshots or a missing file;
 * preset errors name file:line:key; ST_FORMAT / ST_SHAPE name the tensor
 * missing from or misshapen in the weights file. Without backbone_only, a
 * file without the classifier is ST_FORMAT naming the file and each missing
 * classifier tensor, checked before the dataset is opened. On failure m is
 * left empty (model_close is safe). */
Status model_open(Model *m, const ModelSource *src, Error *err);
/* Frees the net and the dataset; m may be NULL or empty. */
void model_close(Model *m);

/* The name of class k: the dataset's, or "class <k>" for a classifier
 * output the dataset has no name for (written into buf). */
const char *model_class_name(const Model *m, int k, char *buf, size_t cap);

/* --- images -------------------------------------------------------------------- */

/* Image files as network input, in the order given. */
typedef struct ModelImages {
    Dataset ds; /* the files as a one-split, unlabelled dataset */
    Loader *ld; /* NULL until model_images_start */
} ModelImages;

/* Checks each of the n paths is a readable, complete JPEG (err names the
 * first that is not: ST_IO missing, ST_FORMAT not a JPEG). Needs no model,
 * so bad input fails before a network is built. mi is empty on failure. */
Status model_images_open(ModelImages *mi, const char *const *paths, int n, Error *err);
/* Starts a one-pass loader with m's test-time pipeline (centre crop, no
 * mirror) and batches of at most m->batch images. */
Status model_images_start(ModelImages *mi, const Model *m, Error *err);
/* Lends the next batch (b->items index the paths given); b->n is 0 after
 * the last. Errors name the file that stopped decoding. */
Status model_images_next(ModelImages *mi, LoaderBatch *b, Error *err);
/* Stops the loader and frees everything; mi may be NULL or empty. */
void model_images_close(ModelImages *mi);

/* --- evaluation ---------------------------------------------------------------- */

/* One pass over the whole test split (no wrap, short last batch). */
typedef struct ModelEval {
    int classes;        /* classifier outputs */
    int n;              /* test images seen */
    int correct;        /* of which top-1 correct */
    double loss;        /* mean cross-entropy per image */
    int *truth, *pred;  /* n labels and n predictions, in test-split order */
    int *class_total;   /* classes counts of test images per true class */
    int *class_correct; /* classes counts of those predicted right */
} ModelEval;

/* A (true, predicted) class pair and how many test images it holds. */
typedef struct ModelConfusion {
    int truth, predicted;
    int count;
} ModelConfusion;

/* Runs every test image of m->ds through the net once. ST_ARG naming the
 * dataset when the test split is empty, ST_STATE for a backbone_only model;
 * loader errors name the file. On failure ev is left empty. */
Status model_eval(Model *m, ModelEval *ev, Error *err);
/* Frees ev's arrays; ev may be NULL or empty. */
void model_eval_fini(ModelEval *ev);
/* The at most max most frequent wrong (true, predicted) pairs into out,
 * largest count first (ties: lower true class, then lower predicted class
 * first); returns how many, or -1 when out of memory. */
int model_eval_confused(const ModelEval *ev, ModelConfusion *out, int max);

/* --- predictions and features -------------------------------------------------- */

/* probs[0..K) = softmax of the K logits of sample i (max subtracted,
 * summed in double); K = logits->c * h * w. */
void model_softmax(const Tensor *logits, int i, float *probs);
/* The indices of the min(k, K) largest of the K scores into idx, largest
 * first (ties: lower index first); returns how many. */
int model_top_k(const float *scores, int K, int k, int *idx);

/* Layers the features command exports. */
typedef enum ModelLayer {
    MODEL_LAYER_CONV5_3, /* relu5_3's output: C x H x W per image */
    MODEL_LAYER_POOL,    /* the pooling head ("pool"), before signed sqrt / L2: D */
    MODEL_LAYER_LOGITS,  /* the classifier's output: K */
    MODEL_LAYER_COUNT_
} ModelLayer;

/* Parses "conv5_3", "pool" or "logits"; 0 and *out set, or -1. */
int model_layer_parse(const char *s, ModelLayer *out);
const char *model_layer_name(ModelLayer l);
/* One image's output shape for layer l into dims (C, H, W for conv5_3; D
 * for pool; K for logits); returns the number of dimensions. */
int model_layer_shape(const Model *m, ModelLayer l, int64_t dims[3]);
/* Runs x (n x 3 x R x R, n <= m->batch) as far as layer l and returns its
 * output (n samples, owned by the net, valid until the next forward).
 * Logits need a model opened with its classifier. */
const Tensor *model_forward_layer(Model *m, const Tensor *x, ModelLayer l);
/* Runs every image of a started mi through m and returns layer l's outputs
 * in one new malloc'd array (*out, caller frees) of shape shape[0..*ndim)
 * = (images, dims of model_layer_shape...). ST_NOMEM; loader errors;
 * ST_STATE for the logits of a backbone_only model. */
Status model_features(Model *m, ModelImages *mi, ModelLayer l, float **out, int64_t shape[4],
                      int *ndim, Error *err);

#endif
