/*
 * compare — building and printing the comparison table. See compare.h.
 */
#include "src/report/compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/strbuf.h"
#include "src/preset/schema.h"
#include "src/report/relatives.h"
#include "src/report/score.h"

static Status compare_add_row(CompareTable *t, const char *label, int result, Error *err) {
    CompareRow *rows = realloc(t->rows, sizeof *rows * (size_t)(t->n_rows + 1));
    if (!rows) return error_set(err, ST_NOMEM, "compare: out of memory");
    t->rows = rows;
    CompareRow *r = &rows[t->n_rows];
    memset(r, 0, sizeof *r);
    snprintf(r->label, sizeof r->label, "%s", label);
    r->result = result;
    r->cells = calloc((size_t)t->n_runs, sizeof(char *));
    r->values = malloc(sizeof(double) * (size_t)t->n_runs);
    if (!r->cells || !r->values) {
        free(r->cells);
        free(r->values);
        return error_set(err, ST_NOMEM, "compare: out of memory");
    }
    t->n_rows++;
    return ST_OK;
}

static Status compare_set(CompareRow *r, int i, const char *text, double value, Error *err) {
    r->cells[i] = strdup(text);
    r->values[i] = value;
    return r->cells[i] ? ST_OK : error_set(err, ST_NOMEM, "compare: out of memory");
}

static void compare_mark_differs(CompareRow *r, int n) {
    for (int i = 1; i < n; i++)
        if (strcmp(r->cells[i], r->cells[0]) != 0) r->differs = 1;
}

static Status compare_key_rows(CompareTable *t, int all_keys, Error *err) {
    char buf[PRESET_PATH_MAX + 16];
    for (int k = 0; k < schema_count(); k++) {
        const SchemaKey *key = schema_at(k);
        int same = 1;
        for (int i = 1; i < t->n_runs && same; i++) {
            char a[PRESET_PATH_MAX + 16];
            schema_format(key, &t->runs[0].preset, a, sizeof a);
            schema_format(key, &t->runs[i].preset, buf, sizeof buf);
            same = strcmp(a, buf) == 0;
        }
        if (same && !all_keys) continue;
        char label[80];
        snprintf(label, sizeof label, "%s.%s", key->section, key->key);
        Status s = compare_add_row(t, label, 0, err);
        if (s) return s;
        CompareRow *r = &t->rows[t->n_rows - 1];
        for (int i = 0; i < t->n_runs; i++) {
            schema_format(key, &t->runs[i].preset, buf, sizeof buf);
            char *end;
            double v = strtod(buf, &end);
            if ((s = compare_set(r, i, buf, *end || end == buf ? NAN : v, err))) return s;
        }
        r->differs = !same;
    }
    return ST_OK;
}

static Status compare_result_rows(CompareTable *t, Error *err) {
    /* best and final are the held-out passes' (validation where the run
     * has a validation split: what chooses), named in each cell; test acc
     * is the test split's (runstatus_test_accuracy). */
    static const char *const labels[] = {"state",      "best held-out", "final held-out",
                                         "test acc",   "diagnosis",     "train acc",
                                         "final loss", "time",          "images/s"};
    for (size_t k = 0; k < sizeof labels / sizeof labels[0]; k++) {
        Status s = compare_add_row(t, labels[k], 1, err);
        if (s) return s;
        CompareRow *r = &t->rows[t->n_rows - 1];
        for (int i = 0; i < t->n_runs; i++) {
            const RunStatus *st = &t->runs[i].status;
            double v = NAN;
            char buf[256];
            switch (k) {
            case 0:
                if (st->state == RUN_PRUNED) /* where successive halving ended it */
                    snprintf(buf, sizeof buf, "pruned @%d", st->iter);
                else
                    snprintf(buf, sizeof buf, "%s", runstore_state_name(st->state));
                break;
            case 1:
            case 2:
                v = k == 1 ? st->best_accuracy : st->final_accuracy;
                score_heldout(st, v, buf, sizeof buf);
                if (v < 0) v = NAN;
                break;
            case 3:
            case 5:
                v = k == 3 ? runstatus_test_accuracy(st) : t->runs[i].train_accuracy;
                if (v < 0) v = NAN;
                if (isnan(v))
                    snprintf(buf, sizeof buf, "-");
                else
                    snprintf(buf, sizeof buf, "%.2f%%", 100 * v);
                break;
            case 4:
                snprintf(buf, sizeof buf, "%s", t->runs[i].diagnosis);
                break;
            case 6:
                v = st->final_loss < 0 ? NAN : st->final_loss;
                snprintf(buf, sizeof buf, isnan(v) ? "-" : "%.4f", v);
                break;
            case 7:
                v = st->seconds;
                if (v >= 0 && v < 1e12) { /* rounded once, so 59.6 s reads 1m00s, not 0m60s */
                    long long sec = llround(v);
                    snprintf(buf, sizeof buf, "%lldm%02llds", sec / 60, sec % 60);
                } else {
                    snprintf(buf, sizeof buf, "-");
                }
                break;
            default:
                v = st->images_per_s;
                snprintf(buf, sizeof buf, "%.1f", v);
            }
            if ((s = compare_set(r, i, buf, v, err))) return s;
        }
        compare_mark_differs(r, t->n_runs);
    }
    return ST_OK;
}

/* The kinds diagnosis.h finds in the run, "none" or "-" when unreadable. */
static void compare_diagnose(CompareRun *r) {
    Diagnosis *d = malloc(sizeof *d);
    snprintf(r->diagnosis, sizeof r->diagnosis, "-");
    if (d && relatives_diagnose(r->dir, 0, d, NULL) == ST_OK) {
        if (d->n)
            diagnosis_summary(d, r->diagnosis, sizeof r->diagnosis);
        else
            snprintf(r->diagnosis, sizeof r->diagnosis, "none");
    }
    free(d);
}

Status compare_load(CompareTable *t, const char *runs_dir, char *const *runs, int n, int all_keys,
                    Error *err) {
    memset(t, 0, sizeof *t);
    if (n < 1) return error_set(err, ST_ARG, "compare: no runs given");
    t->runs = calloc((size_t)n, sizeof *t->runs);
    if (!t->runs) return error_set(err, ST_NOMEM, "compare: out of memory");
    t->n_runs = n;
    Status s = ST_OK;
    for (int i = 0; i < n && !s; i++) {
        CompareRun *r = &t->runs[i];
        if ((s = runstore_resolve(runs_dir, runs[i], r->dir, sizeof r->dir, err))) break;
        const char *slash = strrchr(r->dir, '/');
        snprintf(r->id, sizeof r->id, "%s", slash ? slash + 1 : r->dir);
        char path[1200];
        snprintf(path, sizeof path, "%s/preset.ini", r->dir);
        if ((s = preset_load(&r->preset, path, err))) break;
        if ((s = runstore_read_status(r->dir, &r->status, err))) break;
        RunRow *rows;
        int nr;
        r->train_accuracy = -1;
        if (runstore_read_metrics(r->dir, &rows, &nr, NULL) == ST_OK) {
            for (int k = nr - 1; k >= 0; k--)
                if (!rows[k].heldout) {
                    r->train_accuracy = rows[k].accuracy;
                    break;
                }
            free(rows);
        }
        compare_diagnose(r);
    }
    if (!s) s = compare_key_rows(t, all_keys, err);
    if (!s) s = compare_result_rows(t, err);
    if (s) compare_fini(t);
    return s;
}

void compare_fini(CompareTable *t) {
    for (int r = 0; r < t->n_rows; r++) {
        for (int i = 0; i < t->n_runs; i++) free(t->rows[r].cells[i]);
        free(t->rows[r].cells);
        free(t->rows[r].values);
    }
    free(t->rows);
    free(t->runs);
    memset(t, 0, sizeof *t);
}

/* --- printing ---------------------------------------------------------------------- */

/* A CSV field, quoted when it holds a comma, quote or newline. */
static void buf_csv(StrBuf *b, const char *v) {
    if (!strpbrk(v, ",\"\n")) {
        strbuf_printf(b, "%s", v);
        return;
    }
    strbuf_printf(b, "\"");
    for (const char *p = v; *p; p++) strbuf_printf(b, *p == '"' ? "\"\"" : "%c", *p);
    strbuf_printf(b, "\"");
}

char *compare_format(const CompareTable *t, CompareFormat fmt) {
    StrBuf b = {0};
    int w0 = 4, *w = calloc((size_t)t->n_runs, sizeof(int));
    if (!w) return NULL;
    for (int r = 0; r < t->n_rows; r++)
        if ((int)strlen(t->rows[r].label) > w0) w0 = (int)strlen(t->rows[r].label);
    for (int i = 0; i < t->n_runs; i++) {
        w[i] = (int)strlen(t->runs[i].id);
        for (int r = 0; r < t->n_rows; r++)
            if ((int)strlen(t->rows[r].cells[i]) > w[i]) w[i] = (int)strlen(t->rows[r].cells[i]);
    }
    const char *sep = fmt == COMPARE_CSV ? "," : fmt == COMPARE_MD ? " | " : "  ";
    /* header */
    if (fmt == COMPARE_MD) strbuf_printf(&b, "| ");
    if (fmt == COMPARE_CSV)
        strbuf_printf(&b, "key");
    else
        strbuf_printf(&b, "%-*s", w0, "key");
    for (int i = 0; i < t->n_runs; i++) {
        strbuf_printf(&b, "%s", sep);
        if (fmt == COMPARE_CSV)
            buf_csv(&b, t->runs[i].id);
        else
            strbuf_printf(&b, "%-*s", w[i], t->runs[i].id);
    }
    strbuf_printf(&b, fmt == COMPARE_MD ? " |\n" : "\n");
    if (fmt == COMPARE_MD) { /* |-----|---|: one dash per cell character plus padding */
        for (int i = -1; i < t->n_runs; i++) {
            strbuf_printf(&b, "|");
            for (int k = 0; k < (i < 0 ? w0 : w[i]) + 2; k++) strbuf_printf(&b, "-");
        }
        strbuf_printf(&b, "|\n");
    }
    for (int r = 0; r < t->n_rows; r++) {
        const CompareRow *row = &t->rows[r];
        if (fmt == COMPARE_TEXT && row->result && (r == 0 || !t->rows[r - 1].result))
            strbuf_printf(&b, "%.*s\n", w0,
                          "------------------------------------------------------------");
        if (fmt == COMPARE_MD) strbuf_printf(&b, "| ");
        if (fmt == COMPARE_CSV)
            buf_csv(&b, row->label);
        else
            strbuf_printf(&b, "%-*s", w0, row->label);
        for (int i = 0; i < t->n_runs; i++) {
            strbuf_printf(&b, "%s", sep);
            if (fmt == COMPARE_CSV)
                buf_csv(&b, row->cells[i]);
            else
                strbuf_printf(&b, "%-*s", w[i], row->cells[i]);
        }
        strbuf_printf(&b, fmt == COMPARE_MD ? " |\n" : "\n");
    }
    free(w);
    return strbuf_take(&b);
}
