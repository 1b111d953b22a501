/*
 * journal — a study's lines as one table. See journal.h.
 *
 * Each row is {key, type, offset, size, kinds}: the writer prints the
 * rows a kind has, in order; the reader finds a key's row and converts its
 * value by the row's type. A key the table does not know is skipped (a
 * newer finelab's); a key a kind does not have is an error.
 */
#include "src/search/journal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/preset/text.h"

static const char *const kind_names[JOURNAL_KINDS] = {"trial", "start", "report", "end", "release"};

typedef enum JournalType { J_INT, J_LONG, J_DOUBLE, J_TEXT } JournalType;

#define K_TRIAL   (1 << JOURNAL_TRIAL)
#define K_START   (1 << JOURNAL_START)
#define K_REPORT  (1 << JOURNAL_REPORT)
#define K_END     (1 << JOURNAL_END)
#define K_RELEASE (1 << JOURNAL_RELEASE)
#define K_ALL     (K_TRIAL | K_START | K_REPORT | K_END | K_RELEASE)

typedef struct JournalField {
    const char *key;
    JournalType type;
    size_t offset, size;
    int kinds; /* the kinds that have it (K_*) */
} JournalField;

#define F(k, t, f, kinds)                                                                          \
    { k, t, offsetof(JournalRecord, f), sizeof((JournalRecord *)0)->f, kinds }

static const JournalField fields[] = {
    F("trial", J_INT, trial, K_ALL),
    F("seed", J_LONG, seed, K_TRIAL),
    F("rung", J_INT, rung, K_START | K_REPORT),
    F("iter", J_INT, iter, K_REPORT),
    F("accuracy", J_DOUBLE, accuracy, K_REPORT),
    F("loss", J_DOUBLE, loss, K_REPORT),
    F("state", J_TEXT, state, K_END),
    F("why", J_TEXT, why, K_RELEASE),
    F("run", J_TEXT, run, K_START | K_REPORT),
    F("point", J_TEXT, point, K_TRIAL),
    F("worker", J_TEXT, worker, K_ALL),
    F("slurm", J_TEXT, slurm, K_START),
    F("time", J_TEXT, time, K_ALL),
    F("params", J_TEXT, params, K_TRIAL), /* last: the longest */
};
enum { N_FIELDS = sizeof fields / sizeof fields[0] };

__attribute__((format(printf, 4, 5))) static int journal_put(char *buf, size_t cap, size_t *len,
                                                             const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, *len < cap ? cap - *len : 0, fmt, ap);
    va_end(ap);
    if (n < 0 || *len + (size_t)n >= cap) return -1;
    *len += (size_t)n;
    return 0;
}

int journal_format(const JournalRecord *r, char *buf, size_t cap) {
    if ((unsigned)r->kind >= JOURNAL_KINDS) return -1;
    size_t len = 0;
    if (journal_put(buf, cap, &len, "kind=%s", kind_names[r->kind])) return -1;
    for (int i = 0; i < N_FIELDS; i++) {
        const JournalField *f = &fields[i];
        if (!(f->kinds & (1 << r->kind))) continue;
        const char *at = (const char *)r + f->offset;
        int bad = 0;
        switch (f->type) {
        case J_INT:
            bad = journal_put(buf, cap, &len, "\t%s=%d", f->key, *(const int *)at);
            break;
        case J_LONG:
            bad = journal_put(buf, cap, &len, "\t%s=%ld", f->key, *(const long *)at);
            break;
        case J_DOUBLE:
            bad = journal_put(buf, cap, &len, "\t%s=%.9g", f->key, *(const double *)at);
            break;
        case J_TEXT:
            if (strpbrk(at, "\t\n\r")) return -1;
            bad = journal_put(buf, cap, &len, "\t%s=%s", f->key, at);
            break;
        }
        if (bad) return -1;
    }
    if (journal_put(buf, cap, &len, "\n")) return -1;
    return (int)len;
}

/* Stores the value text v into r's field f. NULL, or what is wrong. */
static const char *journal_set(const JournalField *f, const char *v, size_t n, JournalRecord *r,
                               char *msg, size_t cap) {
    char *at = (char *)r + f->offset, num[64], *end;
    if (f->type == J_TEXT) {
        if (n >= f->size)
            return text_say(msg, cap, "%s: longer than %zu characters", f->key, f->size - 1);
        memcpy(at, v, n);
        at[n] = '\0';
        return NULL;
    }
    if (n == 0 || n >= sizeof num) return text_say(msg, cap, "%s: not a number", f->key);
    memcpy(num, v, n);
    num[n] = '\0';
    errno = 0;
    if (f->type == J_DOUBLE) {
        *(double *)at = strtod(num, &end);
    } else {
        long x = strtol(num, &end, 10);
        if (f->type == J_INT && (x < -2147483647L - 1 || x > 2147483647L)) errno = ERANGE;
        if (f->type == J_INT)
            *(int *)at = (int)x;
        else
            *(long *)at = x;
    }
    if (*end || errno) return text_say(msg, cap, "%s: not a number ('%s')", f->key, num);
    return NULL;
}

const char *journal_parse(const char *line, JournalRecord *r, char *msg, size_t cap) {
    memset(r, 0, sizeof *r);
    r->kind = JOURNAL_KINDS;
    for (const char *p = line; *p;) {
        const char *tab = strchr(p, '\t'), *stop = tab ? tab : p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (!eq) return text_say(msg, cap, "a field without '=' ('%.40s')", p);
        size_t klen = (size_t)(eq - p), vlen = (size_t)(stop - eq - 1);
        if (klen == 4 && strncmp(p, "kind", 4) == 0) {
            for (int k = 0; k < JOURNAL_KINDS; k++)
                if (strlen(kind_names[k]) == vlen && strncmp(eq + 1, kind_names[k], vlen) == 0)
                    r->kind = (JournalKind)k;
            if (r->kind == JOURNAL_KINDS)
                return text_say(msg, cap, "unknown kind '%.*s'", (int)(vlen < 40 ? vlen : 40),
                                eq + 1);
        } else {
            for (int i = 0; i < N_FIELDS; i++) {
                const JournalField *f = &fields[i];
                if (strlen(f->key) != klen || strncmp(p, f->key, klen) != 0) continue;
                if (r->kind == JOURNAL_KINDS)
                    return text_say(msg, cap, "a line must start with kind=");
                if (!(f->kinds & (1 << r->kind)))
                    return text_say(msg, cap, "a %s line has no %s", kind_names[r->kind], f->key);
                if (journal_set(f, eq + 1, vlen, r, msg, cap)) return msg;
            }
        }
        p = tab ? tab + 1 : stop;
    }
    if (r->kind == JOURNAL_KINDS) return text_say(msg, cap, "no kind=");
    return NULL;
}

int journal_point_format(const double *x, int n, char *buf, size_t cap) {
    size_t len = 0;
    if (cap) buf[0] = '\0';
    for (int i = 0; i < n; i++)
        if (journal_put(buf, cap, &len, "%s%.17g", i ? ";" : "", x[i])) return -1;
    return (int)len;
}

const char *journal_apply(StudyTrial *trials, int *n, int cap, const JournalRecord *r, char *msg,
                          size_t msg_cap) {
    if (r->kind == JOURNAL_TRIAL) {
        if (r->trial != *n)
            return text_say(msg, msg_cap, "trial %d: expected trial %d next", r->trial, *n);
        if (*n >= cap)
            return text_say(msg, msg_cap, "trial %d: more than %d trials", r->trial, cap);
        StudyTrial *t = &trials[(*n)++];
        memset(t, 0, sizeof *t);
        memcpy(t->params, r->params, sizeof t->params);
        for (const char *p = r->point; *p && t->n_x < TPE_DIMS_MAX;) {
            char *end;
            t->x[t->n_x] = strtod(p, &end);
            if (end == p || (*end && *end != ';') || !isfinite(t->x[t->n_x])) {
                *n -= 1;
                return text_say(msg, msg_cap, "trial %d: point '%.60s' is not numbers", r->trial,
                                r->point);
            }
            t->n_x++;
            p = *end ? end + 1 : end;
        }
        t->seed = r->seed;
        memcpy(t->started, r->time, sizeof t->started);
        t->state = TRIAL_WAITING;
        memcpy(t->worker, r->worker, sizeof t->worker);
        return NULL;
    }
    if (r->trial < 0 || r->trial >= *n)
        return text_say(msg, msg_cap, "trial %d: no such trial (%d so far)", r->trial, *n);
    StudyTrial *t = &trials[r->trial];
    if ((r->kind == JOURNAL_START || r->kind == JOURNAL_REPORT) &&
        (r->rung < 0 || r->rung >= HALVING_RUNGS_MAX))
        return text_say(msg, msg_cap, "trial %d: rung %d out of range", r->trial, r->rung);
    switch (r->kind) {
    case JOURNAL_START:
        t->state = TRIAL_RUNNING;
        t->asha.target = r->rung;
        t->asha.busy = 1;
        memcpy(t->worker, r->worker, sizeof t->worker);
        memcpy(t->slurm, r->slurm, sizeof t->slurm);
        memcpy(t->run, r->run, sizeof t->run);
        break;
    case JOURNAL_REPORT:
        if (!isfinite(r->accuracy) || !isfinite(r->loss) || r->accuracy > 1)
            return text_say(msg, msg_cap, "trial %d: accuracy %g, loss %g are not a pass's",
                            r->trial, r->accuracy, r->loss);
        memcpy(t->ended, r->time, sizeof t->ended);
        t->asha.reported[r->rung] = 1;
        t->asha.score[r->rung] =
            (HalvingScore){.scored = r->accuracy >= 0, .accuracy = r->accuracy, .loss = r->loss};
        t->iter[r->rung] = r->iter;
        if (r->run[0]) memcpy(t->run, r->run, sizeof t->run);
        t->asha.busy = 0;
        t->state = r->accuracy < 0 ? TRIAL_FAILED : TRIAL_WAITING;
        break;
    case JOURNAL_END:
        memcpy(t->ended, r->time, sizeof t->ended);
        t->asha.busy = 0;
        t->state = strcmp(r->state, "complete") == 0 ? TRIAL_COMPLETE : TRIAL_FAILED;
        break;
    case JOURNAL_RELEASE: /* waits to be trained to its rung again */
        t->released++;
        t->asha.busy = 0;
        t->state = TRIAL_WAITING;
        break;
    default:
        return text_say(msg, msg_cap, "unknown kind");
    }
    return NULL;
}

int journal_requeued(const StudyTrial *trials, int n) {
    for (int i = 0; i < n; i++) {
        const StudyTrial *t = &trials[i];
        if (t->state == TRIAL_WAITING && !t->asha.busy && !t->asha.reported[t->asha.target])
            return i;
    }
    return -1;
}
