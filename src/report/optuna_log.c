/*
 * optuna_log — a study as Optuna's JournalStorage log. See optuna_log.h.
 *
 * The numbers Optuna's enums hold in 3.1: StudyDirection MAXIMIZE 2;
 * TrialState RUNNING 0, COMPLETE 1, PRUNED 2, FAIL 3, WAITING 4; JournalOperation
 * CREATE_STUDY 0, CREATE_TRIAL 4. A distribution is stored as the JSON
 * text of {"name", "attributes"} (optuna.distributions.distribution_to_json),
 * so it is a string inside the line.
 */
#include "src/report/optuna_log.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/strbuf.h"
#include "engine/io/json.h"
#include "src/preset/sweep.h"
#include "src/report/study_axes.h"

enum {
    OPTUNA_MAXIMIZE = 2,
    OPTUNA_RUNNING = 0,
    OPTUNA_COMPLETE = 1,
    OPTUNA_PRUNED = 2,
    OPTUNA_FAIL = 3,
    OPTUNA_WAITING = 4,
    OPTUNA_CREATE_STUDY = 0,
    OPTUNA_CREATE_TRIAL = 4,
};

static const char *const worker_id = "finelab";

/* Key k's distribution, as the JSON text Optuna keeps, into d. */
static void optuna_distribution(const SweepKey *k, StrBuf *d) {
    if (k->dist == SWEEP_LIST) {
        strbuf_puts(d, "{\"name\": \"CategoricalDistribution\", \"attributes\": {\"choices\": [");
        for (int v = 0; v < k->n_values; v++) {
            if (v) strbuf_puts(d, ", ");
            json_put_string(d, k->values[v]);
        }
        strbuf_puts(d, "]}}");
    } else if (sweep_key_integer(k)) {
        strbuf_printf(d,
                      "{\"name\": \"IntDistribution\", \"attributes\": {\"log\": %s, \"step\": 1, "
                      "\"low\": %.0f, \"high\": %.0f}}",
                      k->dist == SWEEP_LOGUNIFORM ? "true" : "false", ceil(k->lo), floor(k->hi));
    } else {
        strbuf_printf(d,
                      "{\"name\": \"FloatDistribution\", \"attributes\": {\"step\": null, "
                      "\"low\": %.17g, \"high\": %.17g, \"log\": %s}}",
                      k->lo, k->hi, k->dist == SWEEP_LOGUNIFORM ? "true" : "false");
    }
}

/* "2026-12-07T18:24:36Z" as Python's fromisoformat takes it (naive UTC). */
static void optuna_time(StrBuf *b, const char *t) {
    if (!t[0]) {
        strbuf_puts(b, "null");
        return;
    }
    char naive[32];
    snprintf(naive, sizeof naive, "%s", t);
    size_t len = strlen(naive);
    if (len && naive[len - 1] == 'Z') naive[len - 1] = '\0';
    json_put_string(b, naive);
}

static int optuna_state(const StudyTrial *t, int last) {
    if (!t->started[0]) return OPTUNA_WAITING; /* not begun (a halving candidate) */
    if (t->state == TRIAL_FAILED) return OPTUNA_FAIL;
    if (t->asha.busy || (!t->ended[0] && t->state != TRIAL_COMPLETE)) return OPTUNA_RUNNING;
    if (t->state == TRIAL_COMPLETE || t->asha.reported[last]) /* Optuna's needs its value */
        return t->asha.score[last].scored ? OPTUNA_COMPLETE : OPTUNA_FAIL;
    return OPTUNA_PRUNED;
}

/* One trial's CREATE_TRIAL line into b; -1 when its point does not fit. */
static int optuna_trial(const PresetSweep *sw, const StudyTrial *t, const AshaRungs *rungs,
                        StrBuf *b) {
    if (t->n_x != sw->n_keys) return -1;
    int last = rungs->n_rungs - 1, state = optuna_state(t, last);
    char name[160];
    strbuf_printf(b, "{\"op_code\": %d, \"worker_id\": \"%s\", \"study_id\": 0, \"state\": %d",
                  OPTUNA_CREATE_TRIAL, worker_id, state);
    strbuf_puts(b, ", \"datetime_start\": ");
    optuna_time(b, t->started);
    if (state != OPTUNA_RUNNING) {
        strbuf_puts(b, ", \"datetime_complete\": ");
        optuna_time(b, t->ended);
    }
    if (state == OPTUNA_COMPLETE)
        strbuf_printf(b, ", \"value\": %.9g, \"values\": null", t->asha.score[last].accuracy);
    else
        strbuf_puts(b, ", \"value\": null, \"values\": null");
    strbuf_puts(b, ", \"distributions\": {");
    for (int j = 0; j < sw->n_keys; j++) {
        StrBuf d = {0};
        study_axis_name(&sw->keys[j], name, sizeof name);
        optuna_distribution(&sw->keys[j], &d);
        strbuf_puts(b, j ? ", " : "");
        json_put_string(b, name);
        strbuf_puts(b, ": ");
        char *text = strbuf_take(&d);
        json_put_string(b, text ? text : "");
        free(text);
    }
    strbuf_puts(b, "}, \"params\": {");
    for (int j = 0; j < sw->n_keys; j++) {
        const SweepKey *k = &sw->keys[j];
        study_axis_name(k, name, sizeof name);
        strbuf_puts(b, j ? ", " : "");
        json_put_string(b, name);
        if (k->dist == SWEEP_LIST || sweep_key_integer(k))
            strbuf_printf(b, ": %.0f", t->x[j]);
        else
            strbuf_printf(b, ": %.17g", t->x[j]);
    }
    strbuf_puts(b, "}, \"intermediate_values\": {");
    for (int r = 0, first = 1; r <= last; r++) {
        if (!t->asha.reported[r] || !t->asha.score[r].scored) continue;
        strbuf_printf(b, "%s\"%d\": %.9g", first ? "" : ", ", rungs->iter[r],
                      t->asha.score[r].accuracy);
        first = 0;
    }
    strbuf_puts(b, "}, \"user_attrs\": {\"finelab_run\": ");
    json_put_string(b, t->run);
    strbuf_puts(b, ", \"finelab_params\": ");
    json_put_string(b, t->params);
    strbuf_puts(b, "}, \"system_attrs\": {}}\n");
    return 0;
}

char *optuna_log_format(const Preset *p, const char *name, const StudyTrial *t, int n,
                        const AshaRungs *rungs, Error *err) {
    StrBuf b = {0};
    strbuf_printf(&b,
                  "{\"op_code\": %d, \"worker_id\": \"%s\", \"study_name\": ", OPTUNA_CREATE_STUDY,
                  worker_id);
    json_put_string(&b, name);
    strbuf_printf(&b, ", \"directions\": [%d]}\n", OPTUNA_MAXIMIZE);
    for (int i = 0; i < n; i++)
        if (optuna_trial(&p->sweep, &t[i], rungs, &b)) {
            strbuf_fini(&b);
            error_set(err, ST_FORMAT, "%s: trial %d has %d values for the sweep's %d keys", name, i,
                      t[i].n_x, p->sweep.n_keys);
            return NULL;
        }
    char *text = strbuf_take(&b);
    if (!text) error_set(err, ST_NOMEM, "out of memory writing the Optuna log of %s", name);
    return text;
}
