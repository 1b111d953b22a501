/*
 * runstatus — status.ini as one table. See runstatus.h.
 *
 * Each row is {key, type, offset, size, format, when}: the writer prints
 * the rows in order, the reader finds a key's row and converts its value
 * by the row's type, so adding a field is one row. The halving fields are
 * written only for a halving sweep's runs (`when`), as before the table.
 */
#include "src/run/runstatus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/ini.h"

static const char *const state_names[RUN_STATE_COUNT] = {
    "queued", "running", "done", "failed", "diverged", "stopped", "interrupted", "pruned"};

const char *runstore_state_name(RunState s) {
    return (unsigned)s < RUN_STATE_COUNT ? state_names[s] : "unknown";
}

int runstore_state_parse(const char *s, RunState *out) {
    for (int i = 0; i < RUN_STATE_COUNT; i++)
        if (strcmp(s, state_names[i]) == 0) {
            *out = (RunState)i;
            return 0;
        }
    return -1;
}

typedef enum FieldType { F_STATE, F_TEXT, F_INT, F_LONG, F_DOUBLE } FieldType;
typedef enum FieldWhen { W_ALWAYS, W_HALVING } FieldWhen;

typedef struct Field {
    const char *key;
    FieldType type;
    size_t offset, size; /* size: F_TEXT's buffer */
    const char *fmt;     /* F_DOUBLE's format: "f6" is %.6f, "g6" %.6g */
    FieldWhen when;
} Field;

#define TEXT(k, f)                                                                                 \
    { k, F_TEXT, offsetof(RunStatus, f), sizeof((RunStatus *)0)->f, NULL, W_ALWAYS }
#define INT(k, f)                                                                                  \
    { k, F_INT, offsetof(RunStatus, f), 0, NULL, W_ALWAYS }
#define LONG(k, f)                                                                                 \
    { k, F_LONG, offsetof(RunStatus, f), 0, NULL, W_ALWAYS }
#define DBL(k, f, fmt)                                                                             \
    { k, F_DOUBLE, offsetof(RunStatus, f), 0, fmt, W_ALWAYS }

static const Field fields[] = {
    {"state", F_STATE, offsetof(RunStatus, state), 0, NULL, W_ALWAYS},
    LONG("pid", pid),
    TEXT("preset", preset),
    TEXT("sweep", sweep),
    TEXT("started", started),
    TEXT("updated", updated),
    INT("iter", iter),
    INT("max_iter", max_iter),
    TEXT("heldout", heldout),
    DBL("best_accuracy", best_accuracy, "f6"),
    DBL("final_accuracy", final_accuracy, "f6"),
    DBL("test_accuracy", test_accuracy, "f6"),
    DBL("test_loss", test_loss, "g6"),
    INT("test_iter", test_iter),
    DBL("final_loss", final_loss, "g6"),
    DBL("seconds", seconds, "f3"),
    DBL("images_per_s", images_per_s, "f3"),
    INT("skipped_images", skipped_images),
    INT("train_images", train_images),
    INT("val_images", val_images),
    INT("test_images", test_images),
    TEXT("phase", phase),
    LONG("phase_done", phase_done),
    LONG("phase_total", phase_total),
    DBL("phase_eta", phase_eta, "f1"),
    INT("ranks", ranks),
    TEXT("error", error),
    TEXT("host", host),
    TEXT("slurm", slurm),
    TEXT("cache", cache),
    {"halving", F_TEXT, offsetof(RunStatus, halving), sizeof((RunStatus *)0)->halving, NULL,
     W_HALVING},
    {"candidate", F_INT, offsetof(RunStatus, candidate), 0, NULL, W_HALVING},
    {"rung", F_INT, offsetof(RunStatus, rung), 0, NULL, W_HALVING},
};
enum { N_FIELDS = sizeof fields / sizeof fields[0] };

#undef TEXT
#undef INT
#undef LONG
#undef DBL

void runstatus_defaults(RunStatus *st) {
    memset(st, 0, sizeof *st);
    st->best_accuracy = st->final_accuracy = st->final_loss = -1;
    st->test_accuracy = st->test_loss = -1;
    st->test_iter = -1;
    st->phase_eta = -1;
    st->ranks = 1;
    st->rung = -1;
}

/* Converts value into f's place in st; 0 when it is not a value of f's type. */
static int field_read(const Field *f, RunStatus *st, const char *value) {
    void *at = (char *)st + f->offset;
    char *end = NULL;
    switch (f->type) {
    case F_STATE:
        return runstore_state_parse(value, (RunState *)at) == 0;
    case F_TEXT:
        snprintf((char *)at, f->size, "%s", value);
        return 1;
    case F_INT:
        *(int *)at = (int)strtol(value, &end, 10);
        break;
    case F_LONG:
        *(long *)at = strtol(value, &end, 10);
        break;
    case F_DOUBLE:
        *(double *)at = strtod(value, &end);
        break;
    }
    return end && end != value && !*end;
}

typedef struct Parse {
    RunStatus *st;
    char *bad;
    size_t bad_cap;
} Parse;

static int runstatus_pair(void *ctx, const char *section, const char *key, const char *value,
                          int line) {
    Parse *p = ctx;
    (void)line;
    if (strcmp(section, "run") != 0) return 1; /* newer writers may add sections */
    for (int i = 0; i < N_FIELDS; i++) {
        if (strcmp(key, fields[i].key) != 0) continue;
        if (field_read(&fields[i], p->st, value)) return 1;
        snprintf(p->bad, p->bad_cap, "%s", key);
        return 0;
    }
    return 1; /* unknown keys from newer versions are ignored */
}

int runstatus_parse(char *text, size_t len, RunStatus *st, char *bad_key, size_t bad_cap) {
    runstatus_defaults(st);
    if (bad_cap) bad_key[0] = '\0';
    Parse p = {.st = st, .bad = bad_key, .bad_cap = bad_cap};
    return ini_parse(text, len, runstatus_pair, &p);
}

/* Appends f's line for st to buf at *len; 0, or -1 when it does not fit. */
static int field_write(const Field *f, const RunStatus *st, char *buf, size_t cap, size_t *len) {
    const void *at = (const char *)st + f->offset;
    char value[600];
    switch (f->type) {
    case F_STATE:
        snprintf(value, sizeof value, "%s", runstore_state_name(*(const RunState *)at));
        break;
    case F_TEXT:
        snprintf(value, sizeof value, "%s", (const char *)at);
        for (char *c = value; *c; c++) /* newlines would break the INI: one line */
            if (*c == '\n' || *c == '\r') *c = ' ';
        break;
    case F_INT:
        snprintf(value, sizeof value, "%d", *(const int *)at);
        break;
    case F_LONG:
        snprintf(value, sizeof value, "%ld", *(const long *)at);
        break;
    case F_DOUBLE:
        if (f->fmt[0] == 'g')
            snprintf(value, sizeof value, "%.*g", atoi(f->fmt + 1), *(const double *)at);
        else
            snprintf(value, sizeof value, "%.*f", atoi(f->fmt + 1), *(const double *)at);
        break;
    }
    int n = snprintf(buf + *len, cap - *len, "%s = %s\n", f->key, value);
    if (n < 0 || (size_t)n >= cap - *len) return -1;
    *len += (size_t)n;
    return 0;
}

int runstatus_format(const RunStatus *st, char *buf, size_t cap) {
    size_t len = 0;
    int n = snprintf(buf, cap, "[run]\n");
    if (n < 0 || (size_t)n >= cap) return -1;
    len = (size_t)n;
    RunStatus copy = *st;
    if (copy.ranks < 1) copy.ranks = 1;
    for (int i = 0; i < N_FIELDS; i++) {
        if (fields[i].when == W_HALVING && !copy.halving[0]) continue;
        if (field_write(&fields[i], &copy, buf, cap, &len)) return -1;
    }
    return (int)len;
}

double runstatus_test_accuracy(const RunStatus *st) {
    return runstatus_has_val(st) ? st->test_accuracy : st->final_accuracy;
}

int runstatus_has_val(const RunStatus *st) {
    return strcmp(st->heldout, "val") == 0;
}

const char *runstatus_heldout_name(const RunStatus *st) {
    return runstatus_has_val(st) ? "val" : "test";
}
