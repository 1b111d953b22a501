/*
 * weights — parameters to and from safetensors files, by name: the
 * network's torchvision names (features.<i>.weight ...), PyTorch's shapes
 * (conv 4-D, fully connected 2-D, biases 1-D), F32 / F16 / BF16 on
 * reading. Loading checks that every wanted tensor is present with the
 * right shape before reading any, so parameters are never half-loaded by a
 * wrong file (weights_check makes the same checks for a network not yet
 * built); tensors the model does not use (torchvision's classifier, timm's
 * head) are ignored. Reentrant; errors name the tensor and the file.
 */
#ifndef FINELAB_WEIGHTS_H
#define FINELAB_WEIGHTS_H

#include <stdint.h>

#include "engine/base/error.h"
#include "engine/base/param.h"
#include "engine/nn/net.h"

/* PyTorch's shape of p into shape; returns the number of dimensions. */
int weights_shape(const Param *p, int64_t shape[4]);
/* Loads the n params (and, when with_history, their solver histories:
 * `<name>.history`, and `<name>.history2` for a param whose history2 is
 * allocated) from the safetensors file at path. ST_FORMAT names a missing
 * tensor, ST_SHAPE one of the wrong shape; nothing is read then. */
Status weights_load(Param *const *ps, int n, const char *path, int with_history, Error *err);

/* Loads, for each of the n params whose into[i] is not NULL, the tensor
 * `<name><suffix>` (a snapshot's `.best` values) into into[i], checked
 * first as weights_load checks (nothing is read when one is missing or
 * has another shape). */
Status weights_load_extra(Param *const *ps, int n, const char *path, const char *suffix,
                          float *const *into, Error *err);

/* Checks, reading only the header of the safetensors file at path, that
 * weights_load would take from it every parameter of a network of cfg
 * (backbone_only: the `features.<i>` tensors alone): each present with the
 * element count the network needs, as F32, F16 or BF16. The errors are
 * weights_load's: ST_IO / ST_FORMAT for a file that does not open, ST_FORMAT
 * naming a missing tensor or another dtype, ST_SHAPE one of the wrong shape. */
Status weights_check(const char *path, const NetConfig *cfg, int backbone_only, Error *err);

/* The backbone of a finelab snapshot (or any torchvision-named file) as a
 * new weights file: every `features.<i>.weight` / `.bias` tensor of in, as
 * F32 in the order they lie in in, without momentum histories or the
 * classifier, written atomically to out. The metadata keeps in's "input"
 * convention and adds format = "finelab-backbone-1" plus the n_meta
 * (key, value) pairs of meta (meta[2k], meta[2k+1]). ST_FORMAT naming in
 * when it holds no backbone tensor; out is untouched on any failure. The
 * number of tensors and floats written go to *tensors and *floats. */
Status weights_export_backbone(const char *in, const char *out, const char *const *meta, int n_meta,
                               int *tensors, uint64_t *floats, Error *err);

#endif
