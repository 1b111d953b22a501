/*
 * param — learnable parameters. See param.h.
 */
#include "engine/base/param.h"

#include <stdio.h>
#include <string.h>

Status param_init(Param *p, const char *name, int n, int c, int h, int w, Error *err) {
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->lr_mult = 1.0f;
    p->decay_mult = 1.0f;
    if (tensor_init(&p->value, n, c, h, w) || tensor_init(&p->grad, n, c, h, w) ||
        tensor_init(&p->history, n, c, h, w)) {
        param_fini(p);
        return error_set(err, ST_NOMEM, "parameter %s: cannot allocate %dx%dx%dx%d floats", name, n,
                         c, h, w);
    }
    return ST_OK;
}

Status param_alloc_history2(Param *p, Error *err) {
    if (p->history2.data) return ST_OK;
    const Tensor *v = &p->value;
    if (tensor_init(&p->history2, v->n, v->c, v->h, v->w))
        return error_set(err, ST_NOMEM, "parameter %s: cannot allocate its second history",
                         p->name);
    return ST_OK;
}

void param_fini(Param *p) {
    if (!p) return;
    tensor_fini(&p->value);
    tensor_fini(&p->grad);
    tensor_fini(&p->history);
    tensor_fini(&p->history2);
}

void param_zero_grad(Param *p) {
    tensor_zero(&p->grad);
}
