/*
 * snapshot — writing and checking snapshot files. See snapshot.h.
 *
 * The state's numbers go into the metadata as text: integers as such,
 * doubles with %.17g, which reads back to the same bits, and the loss
 * window as one comma-separated list, so that a resumed run writes the rows
 * of one that never stopped. The check parses each value strictly (all of
 * it a finite number, whole where it counts something, inside the range a
 * run can reach), because a damaged header that still parses as JSON must
 * not restart a run at a made-up iteration. The tensors are checked against
 * the shapes the configuration's network has (net_param_shapes), without
 * building it, so a caller can check files before it creates a trainer.
 */
#include "engine/train/snapshot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/safetensors.h"
#include "engine/nn/net.h"
#include "engine/train/weights.h"

static const char snapshot_format[] = "finelab-snapshot-1";

void snapshot_path(char *out, size_t cap, const char *dir, int iter) {
    snprintf(out, cap, "%s/iter_%d.safetensors", dir, iter);
}

int snapshot_name_iter(const char *name) {
    static const char prefix[] = "iter_", suffix[] = ".safetensors";
    if (strncmp(name, prefix, sizeof prefix - 1) != 0) return -1;
    const char *p = name + sizeof prefix - 1, *digits = p;
    long v = 0;
    while (*p >= '0' && *p <= '9' && v <= 1000000000L) v = v * 10 + (*p++ - '0');
    size_t n = (size_t)(p - digits);
    if (n == 0 || v > 1000000000L || (digits[0] == '0' && n > 1)) return -1;
    return strcmp(p, suffix) == 0 ? (int)v : -1;
}

/* --- writing ----------------------------------------------------------------- */

/* The loss window as "a,b,c" (malloc'd; NULL when out of memory). */
static char *snapshot_window_text(const SnapshotState *st) {
    size_t cap = (size_t)st->window_n * 26 + 1, len = 0;
    char *text = malloc(cap);
    if (!text) return NULL;
    text[0] = '\0';
    for (int i = 0; i < st->window_n; i++)
        len += (size_t)snprintf(text + len, cap - len, "%s%.17g", i ? "," : "", st->window[i]);
    return text;
}

Status snapshot_write(const char *path, Param *const *ps, int n, const float *const *best,
                      SolverType type, const char *input, const SnapshotState *st, Error *err) {
    SafeTensorsWriter *w = safetensors_writer_create();
    char *win = snapshot_window_text(st);
    Status s = w && win ? ST_OK : ST_NOMEM;
    for (int i = 0; i < n && !s; i++) {
        int64_t shape[4];
        int nd = weights_shape(ps[i], shape);
        char name[96];
        s = safetensors_writer_add(w, ps[i]->name, shape, nd, ps[i]->value.data);
        snprintf(name, sizeof name, "%s.history", ps[i]->name);
        if (!s) s = safetensors_writer_add(w, name, shape, nd, ps[i]->history.data);
        snprintf(name, sizeof name, "%s.history2", ps[i]->name);
        if (!s && ps[i]->history2.data) /* only the trained parameters of AdaDelta, Adam */
            s = safetensors_writer_add(w, name, shape, nd, ps[i]->history2.data);
        snprintf(name, sizeof name, "%s.best", ps[i]->name);
        if (!s && best && best[i]) s = safetensors_writer_add(w, name, shape, nd, best[i]);
    }
    struct {
        const char *key;
        double value;
        int integer;
    } meta[] = {
        {"iter", st->iter, 1},
        {"current_step", st->current_step, 1},
        {"smoothed_loss", st->smoothed_loss, 0},
        {"display_correct", (double)st->display_correct, 1},
        {"display_seen", (double)st->display_seen, 1},
        {"seconds", st->seconds, 0},
        {"best_accuracy", st->best_accuracy, 0},
        {"best_loss", st->best_loss, 0},
        {"best_iter", st->best_iter, 1},
        {"last_test_iter", st->last_test_iter, 1},
        /* With ranks, more than iter x iter_size: a resume with any
         * number of ranks goes on there. */
        {"batches_done", (double)st->batches_done, 1},
    };
    if (!s) s = safetensors_writer_meta(w, "format", snapshot_format);
    if (!s) s = safetensors_writer_meta(w, "solver", solver_type_name(type));
    if (!s) s = safetensors_writer_meta(w, "input", input); /* what the weights expect */
    for (size_t i = 0; !s && i < sizeof meta / sizeof meta[0]; i++) {
        char v[64];
        if (meta[i].integer)
            snprintf(v, sizeof v, "%lld", (long long)meta[i].value);
        else
            snprintf(v, sizeof v, "%.17g", meta[i].value);
        s = safetensors_writer_meta(w, meta[i].key, v);
    }
    if (!s) s = safetensors_writer_meta(w, "loss_window", win);
    if (s)
        s = error_set(err, s, "%s: cannot build the snapshot", path);
    else
        s = safetensors_writer_write(w, path, err);
    free(win);
    safetensors_writer_destroy(w);
    return s;
}

/* --- checking ------------------------------------------------------------------ */

/* Metadata key of st as a finite number in [lo, hi], whole when whole. */
static Status snapshot_num(const SafeTensors *st, const char *key, double lo, double hi, int whole,
                           double *out, Error *err) {
    const char *path = safetensors_path(st), *v = safetensors_meta(st, key);
    if (!v)
        return error_set(err, ST_FORMAT, "%s: no %s in its metadata (an incomplete snapshot)", path,
                         key);
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end || !isfinite(x))
        return error_set(err, ST_FORMAT, "%s: metadata %s = '%.40s' is not a number", path, key, v);
    if (x < lo || x > hi || (whole && x != floor(x)))
        return error_set(err, ST_FORMAT, "%s: metadata %s = %.40s is not %s from %.17g to %.17g",
                         path, key, v, whole ? "a whole number" : "a number", lo, hi);
    *out = x;
    return ST_OK;
}

/* The format and the solver type: whose state this is. */
static Status snapshot_check_kind(const SafeTensors *st, const SnapshotSpec *spec, Error *err) {
    const char *path = safetensors_path(st), *fmt = safetensors_meta(st, "format");
    if (!fmt)
        return error_set(err, ST_FORMAT, "%s: not a finelab snapshot (no format in its metadata)",
                         path);
    if (strcmp(fmt, snapshot_format) != 0)
        return error_set(err, ST_FORMAT, "%s: not a finelab snapshot (format '%.40s', not %s)",
                         path, fmt, snapshot_format);
    /* Snapshots from before solver types are SGD's. */
    const char *type = safetensors_meta(st, "solver");
    const char *want = solver_type_name(spec->type);
    if (strcmp(type ? type : "SGD", want) != 0)
        return error_set(err, ST_FORMAT,
                         "%s: written by solver type %.40s, and this run's [solver] type is %s: "
                         "its histories mean something else (resume with type = %.40s)",
                         path, type ? type : "SGD", want, type ? type : "SGD");
    return ST_OK;
}

/* The loss window: at most min(iter, average_loss) finite numbers. */
static Status snapshot_window(const SafeTensors *st, int average_loss, SnapshotState *out,
                              Error *err) {
    const char *path = safetensors_path(st), *v = safetensors_meta(st, "loss_window");
    if (!v)
        return error_set(err, ST_FORMAT,
                         "%s: no loss_window in its metadata (an incomplete "
                         "snapshot)",
                         path);
    int most = out->iter < average_loss ? out->iter : average_loss;
    if (!(out->window = malloc(sizeof(double) * (size_t)(average_loss > 0 ? average_loss : 1))))
        return error_set(err, ST_NOMEM, "%s: out of memory for the loss window", path);
    for (const char *p = v; *p;) {
        char *end;
        double x = strtod(p, &end);
        if (end == p || (*end && *end != ',') || !isfinite(x) || (*end == ',' && !end[1]))
            return error_set(err, ST_FORMAT,
                             "%s: metadata loss_window is not a list of numbers (at '%.20s')", path,
                             p);
        if (out->window_n == most)
            return error_set(err, ST_FORMAT,
                             "%s: metadata loss_window holds more than the %d losses a run at "
                             "iteration %d with average_loss %d keeps",
                             path, most, out->iter, average_loss);
        out->window[out->window_n++] = x;
        p = *end ? end + 1 : end;
    }
    return ST_OK;
}

/* Every state value, each in the range a run of cfg can reach. */
static Status snapshot_state(const SafeTensors *st, const SnapshotSpec *spec, SnapshotState *out,
                             Error *err) {
    const char *path = safetensors_path(st);
    const double big = 9007199254740992.0; /* 2^53: counts that stay exact in a double */
    double iter, step, smoothed, correct, seen, seconds, best, last_test, batches;
    double best_loss = -1, best_iter = -1;
    /* Not bounded by max_iter: a run whose preset.ini was edited down
     * resumes from past its end and finishes at once, as before. */
    Status s = snapshot_num(st, "iter", 0, 1e9, 1, &iter, err);
    if (s) return s;
    const char *slash = strrchr(path, '/');
    int named = snapshot_name_iter(slash ? slash + 1 : path);
    if (named >= 0 && named != (int)iter)
        return error_set(err, ST_FORMAT, "%s: its metadata says iteration %d, its name %d", path,
                         (int)iter, named);
    if ((s = snapshot_num(st, "current_step", 0, spec->n_stepvalue, 1, &step, err)) ||
        (s = snapshot_num(st, "smoothed_loss", -HUGE_VAL, HUGE_VAL, 0, &smoothed, err)) ||
        (s = snapshot_num(st, "display_correct", 0, big, 1, &correct, err)) ||
        (s = snapshot_num(st, "display_seen", correct, big, 1, &seen, err)) ||
        (s = snapshot_num(st, "seconds", 0, HUGE_VAL, 0, &seconds, err)) ||
        (s = snapshot_num(st, "best_accuracy", -1, 1, 0, &best, err)) ||
        (s = snapshot_num(st, "last_test_iter", -1, iter, 1, &last_test, err)))
        return s;
    if (best < 0 && best != -1)
        return error_set(err, ST_FORMAT, "%s: metadata best_accuracy = %g is neither -1 nor 0..1",
                         path, best);
    /* Snapshots from before the validation split have neither. */
    if (safetensors_meta(st, "best_iter") &&
        ((s = snapshot_num(st, "best_iter", -1, iter, 1, &best_iter, err)) ||
         (s = snapshot_num(st, "best_loss", -1, HUGE_VAL, 0, &best_loss, err))))
        return s;
    /* Snapshots from before MPI have no batches_done: one process used
     * iter x iter_size sub-batches. */
    if (!safetensors_meta(st, "batches_done"))
        batches = iter * spec->iter_size;
    else if ((s = snapshot_num(st, "batches_done", iter, big, 1, &batches, err)))
        return s;
    *out = (SnapshotState){.iter = (int)iter,
                           .current_step = (int)step,
                           .smoothed_loss = smoothed,
                           .display_correct = (int64_t)correct,
                           .display_seen = (int64_t)seen,
                           .seconds = seconds,
                           .best_accuracy = best,
                           .best_loss = best_loss,
                           .best_iter = (int)best_iter,
                           .last_test_iter = (int)last_test,
                           .batches_done = (int64_t)batches};
    return snapshot_window(st, spec->average_loss < 1 ? 1 : spec->average_loss, out, err);
}

/* Tensor name of st: present, a float dtype, exactly the shape want. */
static Status snapshot_tensor(const SafeTensors *st, const char *name, const NetParamShape *want,
                              Error *err) {
    const char *path = safetensors_path(st);
    const SafeTensorsInfo *t = safetensors_find(st, name);
    if (!t) return error_set(err, ST_FORMAT, "%s: tensor %s is missing", path, name);
    int same = t->ndim == want->ndim;
    for (int d = 0; same && d < want->ndim; d++) same = t->shape[d] == want->shape[d];
    if (!same) {
        char got[96], need[96];
        return error_set(err, ST_SHAPE, "%s: tensor %s has shape %s, the run's network needs %s",
                         path, name, tensor_shape_text(t->shape, t->ndim, got, sizeof got),
                         tensor_shape_text(want->shape, want->ndim, need, sizeof need));
    }
    if (strcmp(t->dtype, "F32") != 0 && strcmp(t->dtype, "F16") != 0 &&
        strcmp(t->dtype, "BF16") != 0)
        return error_set(err, ST_FORMAT, "%s: tensor %s is %s; only F32, F16 and BF16 load", path,
                         name, t->dtype);
    return ST_OK;
}

/* Every tensor a restore reads: each parameter and its history, and its
 * second history where the solver keeps one for it (the trained ones), and
 * its best value where the run keeps one (best: the trained ones). */
static Status snapshot_tensors(const SafeTensors *st, const SnapshotSpec *spec, int best,
                               Error *err) {
    const NetConfig *net = &spec->net;
    if (net->num_classes <= 0)
        return error_set(err, ST_ARG, "%s: no number of classes to check the classifier against",
                         safetensors_path(st));
    NetParamShape want[NET_PARAMS];
    net_param_shapes(net, want);
    int two = solver_histories(spec->type) > 1;
    Status s = ST_OK;
    for (int i = 0; i < NET_PARAMS && !s; i++) {
        int trained = !net->freeze_backbone || strncmp(want[i].name, "features.", 9) != 0;
        char name[96];
        s = snapshot_tensor(st, want[i].name, &want[i], err);
        snprintf(name, sizeof name, "%.63s.history", want[i].name);
        if (!s) s = snapshot_tensor(st, name, &want[i], err);
        snprintf(name, sizeof name, "%.63s.history2", want[i].name);
        if (!s && two && trained) s = snapshot_tensor(st, name, &want[i], err);
        snprintf(name, sizeof name, "%.63s.best", want[i].name);
        if (!s && best && trained) s = snapshot_tensor(st, name, &want[i], err);
    }
    return s;
}

Status snapshot_check(const char *path, const SnapshotSpec *spec, SnapshotState *out, Error *err) {
    memset(out, 0, sizeof *out);
    SafeTensors *st;
    Status s = safetensors_open(path, &st, err);
    if (s) return s;
    SnapshotState got = {0};
    if (!(s = snapshot_check_kind(st, spec, err)) && !(s = snapshot_state(st, spec, &got, err)))
        s = snapshot_tensors(st, spec, spec->best && got.best_iter >= 0, err);
    safetensors_close(st);
    if (s)
        snapshot_state_fini(&got);
    else
        *out = got;
    return s;
}

void snapshot_state_fini(SnapshotState *st) {
    free(st->window);
    st->window = NULL;
    st->window_n = 0;
}
